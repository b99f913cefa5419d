// The one translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION is set for the
// whole project), so that every other unit only parses its headers.
#include <utility>

#include <boost/asio/impl/src.hpp>
