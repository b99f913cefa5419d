"""Response rate limiting against the real ddid: a quick flood of one question over UDP from one
client gets the rate through, then alternately nothing and a truncated answer (slip 2); TCP and
exempt clients are not limited; the metrics and the log say so. With RRL off (the default) the
same flood is answered in full."""

from __future__ import annotations

import re
import socket
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from ddid_harness import NodeError

FLOOD = 200
RATE = 5
ZONE = "example.test"
QNAME = f"www.{ZONE}"


def make_zone(node):
    assert node.login().status == 200
    r = node.api("POST", "/api/v1/zones", json={
        "name": ZONE,
        "soa": {"mname": f"ns1.{ZONE}.", "rname": f"hostmaster.{ZONE}.", "refresh": 7200, "retry": 3600,
                "expire": 1209600, "minimum": 300, "ttl": 3600},
        "ns": [f"ns1.{ZONE}."],
        "records": [{"owner": "ns1", "type": "A", "ttl": 3600, "rdata": "192.0.2.1"},
                    {"owner": "www", "type": "A", "ttl": 300, "rdata": "192.0.2.10"}],
    })
    assert r.status in (200, 201), r


def start(node_factory, rrl=None):
    overrides = {"dns": {"rrl": rrl}} if rrl else {}
    try:
        node = node_factory.start(config_overrides=overrides)
    except NodeError as e:
        pytest.fail(str(e), pytrace=False)
    make_zone(node)
    return node


def flood(node, count=FLOOD, source="127.0.0.1", qname=QNAME):
    """Sends `count` queries from one UDP socket as fast as it can, then collects the replies.
    Returns (answered, truncated, lost) and checks every reply is for its question."""
    host, port = node.dns_address()
    queries = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # nothing lost on our side
        s.bind((source, 0))
        for i in range(count):
            q = dns.message.make_query(qname, "A", want_dnssec=False)
            q.id = i
            q.flags &= ~dns.flags.RD
            queries[i] = q
            s.sendto(q.to_wire(), (host, port))
        answered = truncated = 0
        s.settimeout(1.5)
        while answered + truncated < count:
            try:
                wire, _ = s.recvfrom(4096)
            except socket.timeout:
                break
            r = dns.message.from_wire(wire, ignore_trailing=True)
            assert r.id in queries and queries.pop(r.id).is_response(r), r
            assert r.rcode() == dns.rcode.NOERROR, r
            if r.flags & dns.flags.TC:
                # A slipped reply: the question and nothing else, so that the client asks over TCP.
                assert not r.answer and not r.authority and not r.additional, r
                truncated += 1
            else:
                assert r.flags & dns.flags.AA and r.answer and r.answer[0][0].address == "192.0.2.10", r
                answered += 1
    return answered, truncated, count - answered - truncated


def metric(node, name):
    """The sum of every series of a metric family."""
    text = node.api("GET", "/metrics").body.decode()
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"^{re.escape(name)}(?:{{[^}}]*}})?\s+(\S+)$", line)
        if m:
            total += float(m.group(1))
    return total


def tcp_answers(node, count=20):
    host, port = node.dns_address()
    good = 0
    for _ in range(count):
        r = dns.query.tcp(dns.message.make_query(QNAME, "A"), host, port=port, timeout=3)
        good += r.rcode() == dns.rcode.NOERROR and not (r.flags & dns.flags.TC) and bool(r.answer)
    return good


def test_a_flood_is_limited_with_slip_and_tcp_and_exempt_clients_are_not(node_factory):
    node = start(node_factory, {"enabled": True, "responses_per_second": RATE, "slip": 2, "window": "15s",
                                "exempt": ["127.0.0.2/32"]})
    assert node.log_events("dns.rrl_enabled"), node.describe()

    answered, truncated, lost = flood(node)
    # The first second's credit (5) passes, plus the little that accrues while the flood is sent;
    # of the rest, every second one is truncated and the others dropped.
    assert RATE <= answered <= RATE + 3, (answered, truncated, lost)
    limited = FLOOD - answered
    assert limited // 2 - 1 <= truncated <= limited // 2 + 1, (answered, truncated, lost)
    assert lost == limited - truncated
    # What the client saw is what ddid counted (the same source port always reaches one worker).
    assert metric(node, "ddid_dns_rrl_dropped_total") == lost
    assert metric(node, "ddid_dns_rrl_slipped_total") == truncated

    # Still limited from a new socket: another source port, which the kernel may hand to another
    # worker; the flood's debt is in the table they share.
    answered2, truncated2, lost2 = flood(node, 20)
    assert answered2 <= 1 and truncated2 >= 9, (answered2, truncated2, lost2)

    # TCP is never limited.
    assert tcp_answers(node) == 20

    # An exempt client in the same /24 gets every answer.
    assert flood(node, FLOOD, source="127.0.0.2") == (FLOOD, 0, 0)

    events = node.log_events("dns.rrl_limiting")
    assert events, node.describe()
    first = events[0]
    assert first["client"] == "127.0.0.0/24" and first["kind"] == "answer", first
    assert first["name"] == f"{QNAME}." and first["qtype"] == "A" and first["rate"] == str(RATE), first


def test_nxdomain_is_limited_per_zone_not_per_name(node_factory):
    node = start(node_factory, {"enabled": True, "responses_per_second": RATE, "slip": 0})
    host, port = node.dns_address()
    got = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        for i in range(60):  # a new random name each time: random-subdomain floods share a bucket
            s.sendto(dns.message.make_query(f"r{i}-{time.monotonic_ns()}.{ZONE}", "A").to_wire(), (host, port))
        s.settimeout(1.5)
        try:
            while True:
                r = dns.message.from_wire(s.recvfrom(4096)[0])
                assert r.rcode() == dns.rcode.NXDOMAIN, r
                got += 1
        except socket.timeout:
            pass
    assert RATE <= got <= RATE + 3, got
    assert metric(node, "ddid_dns_rrl_dropped_total") == 60 - got
    events = node.log_events("dns.rrl_limiting")
    assert events and events[0]["kind"] == "nxdomain" and events[0]["name"] == f"{ZONE}.", events


def test_without_rrl_every_query_is_answered(node_factory):
    node = start(node_factory)
    assert flood(node) == (FLOOD, 0, 0)
    assert metric(node, "ddid_dns_rrl_dropped_total") == 0
    assert metric(node, "ddid_dns_rrl_slipped_total") == 0
    assert not node.log_events("dns.rrl_enabled")
    assert not node.log_events("dns.rrl_limiting")


def test_a_bad_exempt_network_is_refused_naming_the_key(node_factory):
    node = node_factory.make(config_overrides={"dns": {"rrl": {"enabled": True, "exempt": ["10.0.0.0/8", "10.1.2.3/8"]}}})
    with pytest.raises(NodeError) as e:
        node.start()
    assert "dns.rrl.exempt[1]" in str(e.value) and "host bits" in str(e.value), str(e.value)
