// The one translation unit that compiles Beast and Asio's SSL support (the project defines
// BOOST_BEAST_SEPARATE_COMPILATION and BOOST_ASIO_SEPARATE_COMPILATION), so that the units that
// use them only parse their headers. Asio itself is compiled in core/asio_impl.cpp.
#include <utility>

// Boost comes in through -I/usr/include, so its headers are not system headers to GCC; with
// sanitizers on, GCC 12 sees a false "maybe uninitialized" in Beast's parser (a boost::optional).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#pragma GCC diagnostic pop
