"""ddid's DNS listeners with no zones: every well-formed query is REFUSED with its question
echoed, over UDP and TCP, from dig and from dnspython; malformed traffic does not stop it."""

from __future__ import annotations

import random
import re
import shutil
import socket
import struct
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import pytest

from ddid_harness import Node, ipv6_loopback_available, skip_or_fail

TIMEOUT = 3.0


@pytest.fixture(scope="module")
def dns_node(ddid_binary, tmp_path_factory):
    node = Node(ddid_binary, tmp_path_factory.mktemp("dns"), name="dns1")
    node.start()
    yield node
    assert node.running, f"ddid died during the DNS tests\n{node.describe()}"
    code = node.stop()
    assert code == 0, f"ddid exited with {code} on SIGTERM\n{node.describe()}"


@pytest.fixture(scope="module")
def dig_path():
    path = shutil.which("dig")
    if not path:
        skip_or_fail("dig (package dnsutils) is not installed")
    return path


def dig(dig_path: str, host: str, port: int, *args: str) -> str:
    p = subprocess.run([dig_path, f"@{host}", "-p", str(port), "+time=2", "+tries=1", *args],
                       capture_output=True, text=True, timeout=15)
    return p.stdout + p.stderr


def header_flags(dig_output: str) -> set[str]:
    m = re.search(r"^;; flags: ([a-z ]*);", dig_output, re.MULTILINE)
    assert m, dig_output
    return set(m.group(1).split())


def families() -> list[int]:
    return [socket.AF_INET, socket.AF_INET6] if ipv6_loopback_available() else [socket.AF_INET]


# ---- dig -----------------------------------------------------------------------------------

@pytest.mark.parametrize("family", families())
@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
def test_dig_gets_refused_with_question_echoed(dns_node, dig_path, transport, family):
    host, port = dns_node.dns_address(family)
    out = dig(dig_path, host, port, transport, "ExAmPlE.CoM", "A")
    assert "status: REFUSED" in out, out
    assert re.search(r"^;ExAmPlE\.CoM\.\s+IN\s+A\s*$", out, re.MULTILINE), out  # case kept
    assert header_flags(out) == {"qr", "rd"}, out  # RD copied, RA and AA clear
    assert "QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1" in out, out
    assert re.search(r"EDNS: version: 0, flags:;? udp: 1232", out), out


def test_dig_without_edns_and_without_rd(dns_node, dig_path):
    host, port = dns_node.dns_address()
    out = dig(dig_path, host, port, "+noedns", "+norecurse", "example.net", "MX")
    assert "status: REFUSED" in out, out
    assert header_flags(out) == {"qr"}, out
    assert "ADDITIONAL: 0" in out and "EDNS" not in out, out


def test_dig_edns_version_1_gets_badvers(dns_node, dig_path):
    host, port = dns_node.dns_address()
    out = dig(dig_path, host, port, "+edns=1", "+noednsnegotiation", "example.org", "A")
    assert "status: BADVERS" in out, out
    assert re.search(r"EDNS: version: 0,", out), out


# ---- dnspython -----------------------------------------------------------------------------

@pytest.mark.parametrize("family", families())
@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_dnspython_gets_refused(dns_node, family, proto):
    host, port = dns_node.dns_address(family)
    q = dns.message.make_query("ExAmPlE.org", "AAAA")
    send = dns.query.udp if proto == "udp" else dns.query.tcp
    r = send(q, host, port=port, timeout=TIMEOUT)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.REFUSED
    assert r.flags & dns.flags.QR
    assert r.flags & dns.flags.RD
    assert not r.flags & dns.flags.RA
    assert not r.flags & dns.flags.AA
    assert len(r.question) == 1
    assert r.question[0].name.to_text() == "ExAmPlE.org."
    assert not r.answer and not r.authority
    assert r.edns == -1  # no OPT asked, none given


def test_dnspython_edns_payload_do_bit_and_unknown_option(dns_node):
    host, port = dns_node.dns_address()
    unknown = dns.edns.GenericOption(65001, b"\x01\x02\x03")
    q = dns.message.make_query("example.com", "A", use_edns=0, payload=4096, want_dnssec=True, options=[unknown])
    r = dns.query.udp(q, host, port=port, timeout=TIMEOUT)
    assert r.rcode() == dns.rcode.REFUSED
    assert r.edns == 0
    assert r.payload == 1232
    assert r.ednsflags & dns.flags.DO
    assert len(r.options) == 0


def test_dnspython_badvers_and_notimp(dns_node):
    host, port = dns_node.dns_address()
    q = dns.message.make_query("example.com", "A")
    q.use_edns(edns=1)  # make_query(use_edns=1) would mean "EDNS on", version 0
    assert q.edns == 1
    r = dns.query.udp(q, host, port=port, timeout=TIMEOUT)
    assert r.rcode() == dns.rcode.BADVERS
    assert r.edns == 0

    q = dns.message.make_query("example.com", "A")
    q.set_opcode(dns.opcode.STATUS)
    r = dns.query.tcp(q, host, port=port, timeout=TIMEOUT)
    assert r.rcode() == dns.rcode.NOTIMP
    assert r.opcode() == dns.opcode.STATUS


# ---- malformed traffic ---------------------------------------------------------------------

def raw_header(qid: int, flags: int = 0x0100, qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack("!6H", qid, flags, qd, an, ns, ar)


def good_query(qid: int) -> bytes:
    return raw_header(qid) + b"\x07example\x03com\x00" + struct.pack("!2H", 1, 1)


def udp_exchange(addr: tuple[str, int], payload: bytes, wait: float = TIMEOUT) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(wait)
        s.connect(addr)
        s.send(payload)
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def rcode_of(response: bytes) -> int:
    return response[3] & 0x0F


def assert_still_answers(node: Node) -> None:
    addr = node.dns_address()
    r = udp_exchange(addr, good_query(0x4242))
    assert r is not None, f"no answer to a good query\n{node.describe()}"
    assert r[:2] == b"\x42\x42" and rcode_of(r) == dns.rcode.REFUSED
    q = dns.message.make_query("still.example", "A")
    assert dns.query.tcp(q, addr[0], port=addr[1], timeout=TIMEOUT).rcode() == dns.rcode.REFUSED
    assert node.running, node.describe()


def test_malformed_udp_messages(dns_node):
    addr = dns_node.dns_address()
    # Shorter than a header: nothing to answer to.
    assert udp_exchange(addr, b"\x12\x34\x01\x00\x00", wait=0.5) is None
    # A response (QR=1) is never answered.
    assert udp_exchange(addr, raw_header(7, flags=0x8100) + b"\x00\x00\x01\x00\x01", wait=0.5) is None
    # A compression pointer to itself.
    r = udp_exchange(addr, raw_header(0x0101) + b"\xc0\x0c" + struct.pack("!2H", 1, 1))
    assert r is not None and r[:2] == b"\x01\x01" and rcode_of(r) == dns.rcode.FORMERR
    # Two names pointing at each other.
    loop = raw_header(0x0102, an=1) + b"\xc0\x12" + struct.pack("!2H", 1, 1) + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 0)
    r = udp_exchange(addr, loop)
    assert r is not None and rcode_of(r) == dns.rcode.FORMERR
    # Counts larger than the packet.
    r = udp_exchange(addr, raw_header(0x0103, an=0xFFFF, ns=0xFFFF, ar=0xFFFF) + good_query(0)[12:])
    assert r is not None and r[:2] == b"\x01\x03" and rcode_of(r) == dns.rcode.FORMERR
    # A truncated question.
    r = udp_exchange(addr, good_query(0x0104)[:20])
    assert r is not None and rcode_of(r) == dns.rcode.FORMERR
    # Two OPT records.
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    r = udp_exchange(addr, raw_header(0x0105, ar=2) + good_query(0)[12:] + opt + opt)
    assert r is not None and rcode_of(r) == dns.rcode.FORMERR
    # Random datagrams.
    rng = random.Random(1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(500):
            s.sendto(rng.randbytes(rng.randrange(0, 600)), addr)
    assert_still_answers(dns_node)


def test_tcp_garbage_does_not_hurt(dns_node):
    host, port = dns_node.dns_tcp()[0]
    rng = random.Random(64)
    garbage = rng.randbytes(64 * 1024)
    with socket.create_connection((host, port), timeout=TIMEOUT) as junk:
        try:
            junk.sendall(garbage)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close a connection whose framing is nonsense
        assert_still_answers(dns_node)
    # Oversized length prefixes and a connection that sends half a frame and stops.
    with socket.create_connection((host, port), timeout=TIMEOUT) as half:
        half.sendall(b"\xff\xff" + b"\x00" * 100)
        assert_still_answers(dns_node)
    assert_still_answers(dns_node)


def read_frame(sock: socket.socket) -> bytes:
    def exact(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"closed after {len(buf)} of {n} octets")
            buf += chunk
        return buf

    (length,) = struct.unpack("!H", exact(2))
    return exact(length)


def test_tcp_pipelining(dns_node):
    host, port = dns_node.dns_tcp()[0]
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        burst = b"".join(struct.pack("!H", len(q)) + q for q in (good_query(100 + i) for i in range(10)))
        s.sendall(burst)
        ids = [struct.unpack("!H", read_frame(s)[:2])[0] for _ in range(10)]
    assert sorted(ids) == list(range(100, 110))


def test_listeners_are_logged(dns_node):
    listen = dns_node.config["dns"]["listen"]
    events = dns_node.log_events("dns.listen")
    assert len(events) == 2 * len(listen), dns_node.stderr()
    bound = {(e["proto"], e["address"]) for e in events}
    for proto in ("udp", "tcp"):
        for address in dns_node.ready["dns"][proto]:
            assert (proto, address) in bound
    # UDP and TCP of one listen address share the port.
    assert dns_node.ready["dns"]["udp"] == dns_node.ready["dns"]["tcp"]


def test_many_queries_are_all_answered(dns_node):
    host, port = dns_node.dns_address()
    deadline = time.monotonic() + 20
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(TIMEOUT)
        s.connect((host, port))
        for batch in range(20):
            for i in range(50):
                s.send(good_query(batch * 50 + i))
            for _ in range(50):
                r = s.recv(512)
                assert rcode_of(r) == dns.rcode.REFUSED
                answered += 1
            assert time.monotonic() < deadline
    assert answered == 1000


def test_malformed_queries_are_logged_at_debug(node_factory):
    node = node_factory.start("dnsdebug", config_overrides={"log": {"level": "debug"}})
    addr = node.dns_address()
    r = udp_exchange(addr, raw_header(0x0201) + b"\xc0\x0c" + struct.pack("!2H", 1, 1))
    assert r is not None and rcode_of(r) == dns.rcode.FORMERR
    deadline = time.monotonic() + 5
    while not node.log_events("dns.malformed") and time.monotonic() < deadline:
        time.sleep(0.05)
    events = node.log_events("dns.malformed")
    assert events, node.stderr()
    assert events[0]["level"] == "debug"
    assert events[0]["reason"] == "bad_pointer"
    assert events[0]["proto"] == "udp"
    assert events[0]["client"].startswith("127.0.0.1:")
