#include "core/metrics.hpp"

#include <doctest/doctest.h>

using namespace ddid::metrics;

TEST_CASE("metrics render in Prometheus text format") {
    registry r;
    auto& q = r.add_counter("ddid_test_queries_total", "Queries.", {{"proto", "udp"}});
    q.inc();
    q.inc(2);
    CHECK(&r.add_counter("ddid_test_queries_total", "Queries.", {{"proto", "udp"}}) == &q);
    r.add_counter("ddid_test_queries_total", "Queries.", {{"proto", "tcp"}}).inc();
    r.add_gauge("ddid_test_up", "Up.").set(1);
    r.add_gauge_fn("ddid_test_depth", "Depth.", {}, [] { return 2.5; });
    const std::string out = r.render();
    CHECK(out.find("# TYPE ddid_test_queries_total counter\n") != std::string::npos);
    CHECK(out.find("ddid_test_queries_total{proto=\"udp\"} 3\n") != std::string::npos);
    CHECK(out.find("ddid_test_queries_total{proto=\"tcp\"} 1\n") != std::string::npos);
    CHECK(out.find("ddid_test_up 1\n") != std::string::npos);
    CHECK(out.find("ddid_test_depth 2.5\n") != std::string::npos);
    CHECK_THROWS(r.add_gauge("ddid_test_queries_total", "x"));
}
