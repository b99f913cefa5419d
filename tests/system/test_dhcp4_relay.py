"""DHCPv4 through a relay: a client namespace behind ISC dhcrelay in a relay namespace, ddid in
a server namespace two links away. ddid serves the client's subnet, which it is not attached to,
by the relay's giaddr; its reply goes back to the relay (routed, port 67) and carries the relay's
option 82 byte for byte, which the relay strips before the client. Captured with tcpdump on the
relay's server-side interface.

    client ns            relay ns                          server ns
    eth0  ------------  down0 203.0.113.1   up0 198.51.100.2  ------  eth0 198.51.100.1 (ddid)
    (dhclient)          dhcrelay -a -id down0 -iu up0 198.51.100.1

Needs root, dhclient, dhcrelay (isc-dhcp-relay) and tcpdump (scripts/setup-deps.sh test); skips
otherwise, and fails instead under CI=true."""

from __future__ import annotations

import shutil
import socket
import struct
import time

import pytest

from ddid_harness import skip_or_fail
from dhcp_netns import Capture, Dhcrelay, RoutedDhcpLab, in_netns, ip_to_int, parse_dhcp_options

SERVER = "198.51.100.1"
RELAY_UP = "198.51.100.2"
RELAY_DOWN = "203.0.113.1"
CLIENT_NET = "203.0.113.0/24"
CLIENT_POOL = ("203.0.113.100", "203.0.113.199")


@pytest.fixture
def relay_lab(netns_lab, node_factory, tmp_path):
    for tool in ("dhclient", "dhcrelay", "tcpdump"):
        if not shutil.which(tool):
            skip_or_fail(f"{tool} is not installed (scripts/setup-deps.sh test)")
    lab = RoutedDhcpLab(netns_lab, node_factory, tmp_path, server_cidr=f"{SERVER}/24", peer="r",
                        peer_ifname="up0", peer_cidr=f"{RELAY_UP}/24")
    relay_ns = lab.peer_ns
    client_ns = netns_lab.namespace("c")
    netns_lab.veth(relay_ns, "down0", client_ns, "eth0")
    relay_ns.add_address("down0", f"{RELAY_DOWN}/24")
    # ddid is not on the client's link: its replies reach the relay's giaddr through the relay.
    lab.server_ns.run("ip", "route", "add", CLIENT_NET, "via", RELAY_UP)
    lab.client_ns = client_ns
    lab.relay_ns = relay_ns
    return lab


def _in(address: str, pool: tuple[str, str]) -> bool:
    return ip_to_int(pool[0]) <= ip_to_int(address) <= ip_to_int(pool[1])


def test_a_client_behind_dhcrelay_gets_an_address_and_option_82_comes_back_verbatim(relay_lab, tmp_path):
    lab = relay_lab
    lab.start()
    subnet_id = lab.serve(CLIENT_NET, CLIENT_POOL, name="behind-relay")
    capture = Capture(lab.relay_ns, "up0", tmp_path / "relay-up.pcap").start()
    client_side = Capture(lab.client_ns, "eth0", tmp_path / "client.pcap").start()
    relay = Dhcrelay(lab.relay_ns, tmp_path / "relay", downstream="down0", upstream="up0", servers=[SERVER])
    client = lab.dhclient("dhc-relayed", hostname="relayed-one")
    try:
        relay.start()
        client.start()
        bound = client.wait_for("BOUND", timeout=40)
    finally:
        client.stop()
        relay.stop()
        capture.stop()
        client_side.stop()

    address = bound["ip"]
    assert _in(address, CLIENT_POOL), bound
    assert bound["mask"] == "255.255.255.0", bound
    assert bound["server"] == SERVER, bound

    frames = capture.frames()
    requests = [f for f in frames if f.op == 1]
    replies = [f for f in frames if f.op == 2]
    kinds = [f.message_type for f in frames]
    assert {"discover", "request"} <= {f.message_type for f in requests}, kinds
    assert {"offer", "ack"} <= {f.message_type for f in replies}, kinds

    # The relay sent each request to ddid with its giaddr and its option 82 ...
    for f in requests:
        assert f.giaddr == RELAY_DOWN, f
        assert (f.src, f.dst, f.sport, f.dport) == (RELAY_UP, SERVER, 67, 67), f
        assert f.option(82), f"the relay added no option 82 to {f.message_type}: {f.options}"
    # ... (circuit id: the name of the interface the client is on)
    agent = requests[0].option(82)
    assert agent[0] == 1 and agent[2:2 + agent[1]] == b"down0", agent.hex()

    # Every reply went back to the relay's giaddr on the server port, routed through up0, and
    # carries the option 82 of the request it answers, byte for byte.
    by_xid = {}
    for f in requests:
        by_xid.setdefault(f.xid, []).append(f)
    for f in replies:
        assert f.giaddr == RELAY_DOWN, f
        assert (f.src, f.dst, f.sport, f.dport) == (SERVER, RELAY_DOWN, 67, 67), f
        asked = by_xid.get(f.xid)
        assert asked, f"a {f.message_type} answering no request seen (xid {f.xid:#x})"
        sent = asked[-1].option(82)
        got = f.option(82)
        assert got == sent, f"{f.message_type}: option 82 sent {sent.hex()} came back {got.hex() if got else None}"
    ack = next(f for f in replies if f.message_type == "ack")
    assert ack.yiaddr == address
    assert ack.option(54) == bytes(int(x) for x in SERVER.split(".")), ack.option(54)
    # RFC 3046 2.2: option 82 is the last option before the end option in the server's reply.
    assert ack.options[-1][0] == 82, [c for c, _ in ack.options]

    # The relay stripped it before the client: nothing on the client's link carries option 82,
    # and the client's ACK is the server's with the relay's part taken out.
    on_client_link = client_side.frames()
    client_acks = [f for f in on_client_link if f.op == 2 and f.message_type == "ack"]
    assert client_acks, [f.message_type for f in on_client_link]
    assert all(f.option(82) is None for f in on_client_link), [(f.message_type, f.options) for f in on_client_link]
    assert client_acks[-1].yiaddr == address and client_acks[-1].xid == ack.xid
    assert [o for o in client_acks[-1].options if o[0] != 82] == [o for o in ack.options if o[0] != 82]

    lease = lab.lease(address)
    assert lease["state"] == "active", lease
    assert lease["subnet_id"] == subnet_id, lease
    assert lease["hostname"] == "relayed-one", lease
    mac = lab.client_ns.run("ip", "-o", "link", "show", "eth0").stdout.split("link/ether ")[1].split()[0]
    assert lease["hw_address"].lower() == mac.lower(), lease
    assert ack.chaddr == mac.lower()
    # The leases list filtered by the subnet finds it too.
    assert [l["address"] for l in lab.leases(subnet_id=subnet_id, state="active")] == [address]


def _relayed_discover(xid: int, mac: bytes, agent: bytes) -> bytes:
    header = struct.pack("!BBBBIHHIIII", 1, 1, 6, 1, xid, 0, 0, 0, 0, 0, ip_to_int(RELAY_DOWN))
    header += mac.ljust(16, b"\0") + b"\0" * 192 + b"\x63\x82\x53\x63"
    return header + bytes([53, 1, 1, 55, 2, 1, 3, 82, len(agent)]) + agent + b"\xff"


def _exchange_as_relay(payloads: list[bytes], wait: float) -> list[bytes]:
    """Sends each payload from the relay's port 67 to ddid and gathers what comes back (runs
    inside the relay namespace)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((RELAY_DOWN, 67))
        s.settimeout(0.2)
        for p in payloads:
            s.sendto(p, (SERVER, 67))
        got, deadline = [], time.monotonic() + wait
        while time.monotonic() < deadline and len(got) < len(payloads):
            try:
                got.append(s.recvfrom(4096)[0])
            except socket.timeout:
                pass
        return got


def test_option_82_with_several_sub_options_is_echoed_byte_for_byte(relay_lab):
    """Relay agent information as other relays write it (circuit id, remote id, a sub-option
    ddid does not know, odd lengths), sent from the relay's address: each OFFER carries it back
    unchanged and goes to giaddr."""
    lab = relay_lab
    lab.start()
    lab.serve(CLIENT_NET, CLIENT_POOL, name="behind-relay")
    agents = [
        bytes([1, 4]) + b"eth7" + bytes([2, 6]) + bytes.fromhex("020000c0ffee"),
        bytes([1, 1, 0]) + bytes([9, 11, 0, 0, 0x0d, 0xe9, 6, 1, 4]) + b"abcd",   # vendor-specific (RFC 4243)
        bytes([2, 0]) + bytes([151, 3]) + b"xyz" + bytes([1, 200]) + bytes(range(200)),
    ]
    payloads = [_relayed_discover(0x5a000000 + i, bytes([0x02, 0x82, 0, 0, 0, i]), a) for i, a in enumerate(agents)]
    replies = in_netns(lab.relay_ns.name, _exchange_as_relay, payloads, 10.0, timeout=20)
    assert len(replies) == len(agents), f"{len(replies)} replies to {len(agents)} relayed DISCOVERs"
    by_xid = {struct.unpack("!I", r[4:8])[0]: r for r in replies}
    for i, agent in enumerate(agents):
        r = by_xid[0x5a000000 + i]
        options = parse_dhcp_options(r[240:])
        assert dict(options).get(53) == b"\x02", options
        assert r[24:28] == bytes(int(x) for x in RELAY_DOWN.split(".")), "giaddr not kept"
        assert _in(".".join(str(b) for b in r[16:20]), CLIENT_POOL)
        echoed = [v for c, v in options if c == 82]
        assert echoed == [agent], f"sent {agent.hex()} got {[e.hex() for e in echoed]}"
