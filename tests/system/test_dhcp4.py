"""DHCPv4 with real clients: ddid serves DHCP in a network namespace on a veth whose peer is in
a client namespace; ISC dhclient and busybox udhcpc get, renew and release leases, leases survive
a restart, and malformed packets are dropped and counted while service goes on. The subnet and
its pool are made through the REST API; the lease rows are checked through it too.

Needs root (network namespaces, port 67) with dhclient and busybox installed
(scripts/setup-deps.sh test); skips otherwise, and fails instead under CI=true."""

from __future__ import annotations

import os
import shutil
import signal
import struct

import pytest

from ddid_harness import skip_or_fail
from dhcp_netns import POOL, SERVER_ADDRESS, DhcpLab, wait_until


def _in_pool(address: str) -> bool:
    def n(a):
        return struct.unpack("!I", bytes(int(x) for x in a.split(".")))[0]
    return n(POOL[0]) <= n(address) <= n(POOL[1])


@pytest.fixture
def lab(netns_lab, node_factory, tmp_path):
    for tool in ("dhclient", "busybox"):
        if not shutil.which(tool):
            skip_or_fail(f"{tool} is not installed (scripts/setup-deps.sh test)")
    return DhcpLab(netns_lab, node_factory, tmp_path)


def client_mac(lab: DhcpLab) -> str:
    out = lab.client_ns.run("cat", "/sys/class/net/eth0/address").stdout.strip()
    if not out:  # /sys shows the host's interfaces: ask ip instead
        out = lab.client_ns.run("ip", "-o", "link", "show", "eth0").stdout.split("link/ether ")[1].split()[0]
    return out


def events_of(lease: dict) -> list[str]:
    return [h["event"] for h in lease.get("history", [])]


def test_dhclient_gets_renews_and_releases_a_lease(lab):
    lab.start()
    lab.make_zone("lab.test.")
    lab.make_zone("2.0.192.in-addr.arpa.")
    lab.serve_subnet(lease_time=600, t1=3, t2=500, forward_zone="lab.test.", reverse_zone="2.0.192.in-addr.arpa.")
    c = lab.dhclient("dhc1", hostname="dhc-one")
    c.start()
    bound = c.wait_for("BOUND")
    address = bound["ip"]
    assert _in_pool(address), bound
    assert bound["mask"] == "255.255.255.0"
    assert bound["server"] == SERVER_ADDRESS
    assert address in lab.client_address()

    lease = lab.lease(address)
    assert lease["state"] == "active", lease
    assert lease["hostname"] == "dhc-one"
    assert lease["hw_address"].lower() == client_mac(lab).lower()
    first_expiry = lease["expires_at"]
    # Its name, in the same transaction as the lease: served by ddid's DNS as soon as the ACK is out.
    assert lease["fqdn"] == "dhc-one.lab.test."
    assert wait_until(lambda: lab.dig("dhc-one.lab.test") == [address], 5, "the A record")
    reverse = ".".join(reversed(address.split("."))) + ".in-addr.arpa"
    assert lab.dig(reverse, "PTR") == ["dhc-one.lab.test."]

    # T1 is 3 s: dhclient renews by unicast to the server identifier (RENEWING).
    renew = c.wait_for("RENEW", timeout=20)
    assert renew["ip"] == address
    lease = wait_until(lambda: (l := lab.lease(address)) and "renew" in events_of(l) and l, 10, "a renew in the history")
    assert lease["state"] == "active"
    assert lease["expires_at"] >= first_expiry

    c.release()
    lease = lab.wait_lease_state(address, "released")
    assert "release" in events_of(lease)
    assert address not in lab.client_address()
    assert wait_until(lambda: lab.dig("dhc-one.lab.test") == [], 5, "the A record to go")
    assert lab.dig(reverse, "PTR") == []


def test_udhcpc_gets_renews_and_releases_a_lease(lab):
    lab.start()
    lab.serve_subnet(lease_time=600, t1=3, t2=500)
    u = lab.udhcpc("udh1", hostname="udh-one")
    u.start("-R")  # release on exit
    bound = u.wait_for("bound")
    address = bound["ip"]
    assert _in_pool(address), bound
    assert bound["server"] == SERVER_ADDRESS
    lease = lab.lease(address)
    assert lease["state"] == "active", lease
    assert lease["hostname"] == "udh-one"

    # busybox renews at half the lease time and ignores T1; SIGUSR1 asks it to renew now
    # (a unicast DHCPREQUEST in RENEWING, as at T1).
    u.process.send_signal(signal.SIGUSR1)
    renew = u.wait_for("renew", timeout=20)
    assert renew["ip"] == address
    wait_until(lambda: "renew" in events_of(lab.lease(address)), 10, "a renew in the history")

    u.stop()  # SIGTERM with -R: DHCPRELEASE
    lease = lab.wait_lease_state(address, "released")
    assert "release" in events_of(lease)

    # The same client again: its last address, though released, is offered to it first.
    assert u.run_once() == 0, u.log()
    again = [e for e in u.events() if e["reason"] == "bound"][-1]
    assert again["ip"] == address
    assert lab.lease(address)["state"] == "active"


def test_leases_survive_a_restart(lab):
    lab.start()
    lab.serve_subnet(lease_time=600)
    c = lab.dhclient("dhc2")
    c.start()
    address = c.wait_for("BOUND")["ip"]
    c.stop()  # SIGTERM: dhclient leaves without releasing; the lease stays active
    assert lab.lease(address)["state"] == "active"

    lab.restart()

    # INIT-REBOOT: dhclient asks for the address in its lease file; the server knows the lease.
    seen = len(c.events())
    c.start()
    reboot = wait_until(lambda: next((e for e in c.events()[seen:] if e["reason"] in ("REBOOT", "BOUND")), None),
                        30, "dhclient to be bound again")
    assert reboot["ip"] == address, (reboot, c.log())
    c.stop()
    # A client with no memory of its own (udhcpc, same interface, so the same MAC) gets the
    # same address: the engine rebuilt who holds what from the database.
    u = lab.udhcpc("udh2")
    assert u.run_once() == 0, u.log()
    assert [e for e in u.events() if e["reason"] == "bound"][-1]["ip"] == address
    lease = lab.lease(address)
    assert lease["state"] == "active"
    assert lease["history"][0]["event"] in ("ack", "renew")


def _message(op=1, htype=1, hlen=6, hops=0, xid=0, chaddr=b"", cookie=b"\x63\x82\x53\x63", options=b"") -> bytes:
    header = struct.pack("!BBBBIHHIIII", op, htype, hlen, hops, xid, 0, 0x8000, 0, 0, 0, 0)
    header += chaddr.ljust(16, b"\0") + b"\0" * 64 + b"\0" * 128
    return header + cookie + options


def malformed_burst(copies: int) -> dict[str, list[bytes]]:
    """Malformed DISCOVERs by the parse status each must be counted under."""
    out: dict[str, list[bytes]] = {k: [] for k in
                                   ("too_short", "option_overrun", "no_end_option", "too_many_hops", "bad_magic",
                                    "bad_hlen")}
    for i in range(copies):
        mac = bytes([0x02, 0xee, 0, 0, 0, i])
        discover = bytes([53, 1, 1])
        out["too_short"].append(_message(xid=i, chaddr=mac)[:100 + i])
        # A host name option whose length runs past the end of the message.
        out["option_overrun"].append(_message(xid=i, chaddr=mac, options=discover + bytes([12, 200]) + b"abc"))
        # Padding to the end, never the end option.
        out["no_end_option"].append(_message(xid=i, chaddr=mac, options=discover + bytes(60)))
        out["too_many_hops"].append(_message(hops=17 + i, xid=i, chaddr=mac, options=discover + b"\xff"))
        out["bad_magic"].append(_message(xid=i, chaddr=mac, cookie=b"\x63\x82\x53\x64", options=discover + b"\xff"))
        out["bad_hlen"].append(_message(hlen=17, xid=i, chaddr=mac, options=discover + b"\xff"))
    return out


def test_malformed_packets_are_dropped_and_counted_while_clients_are_served(lab):
    lab.start()
    lab.serve_subnet(lease_time=600)
    before = lab.metrics()
    copies = 10
    burst = malformed_burst(copies)
    lab.send_from_client([p for packets in burst.values() for p in packets])

    def counted():
        m = lab.metrics()
        dropped = m.get('ddid_dhcp4_dropped_total{reason="malformed"}', 0) - \
            before.get('ddid_dhcp4_dropped_total{reason="malformed"}', 0)
        return m if dropped >= copies * len(burst) else None
    m = wait_until(counted, 10, "the malformed burst to be counted")
    for status in burst:
        key = f'ddid_dhcp4_parse_errors_total{{status="{status}"}}'
        assert m.get(key, 0) - before.get(key, 0) == copies, (status, m.get(key))
    assert m.get('ddid_dhcp4_sent_total{type="offer"}', 0) == before.get('ddid_dhcp4_sent_total{type="offer"}', 0)

    # Service goes on: a real client gets its lease right after the burst.
    c = lab.dhclient("dhc3")
    c.start()
    address = c.wait_for("BOUND")["ip"]
    assert _in_pool(address)
    assert lab.lease(address)["state"] == "active"
    assert lab.node.running
    m = lab.metrics()
    assert m.get('ddid_dhcp4_sent_total{type="ack"}', 0) >= 1
    assert m.get("ddid_dhcp4_commits_in_flight", -1) == 0


def test_an_operator_release_goes_through_the_engine(lab):
    lab.start()
    lab.serve_subnet(lease_time=600)
    u = lab.udhcpc("udh3")
    assert u.run_once() == 0, u.log()
    address = [e for e in u.events() if e["reason"] == "bound"][-1]["ip"]
    r = lab.api("DELETE", f"/api/v1/dhcp/leases/{address}")
    assert r.status == 200, r
    assert r.json().get("released_by") == "engine", r.json()
    lease = lab.lease(address)
    assert lease["state"] == "released"
    assert "admin-release" in events_of(lease)
    status = lab.status()
    assert status["state"] == "running"
    assert [i["name"] for i in status["interfaces"]] == ["eth0"]
    assert SERVER_ADDRESS in status["interfaces"][0]["addresses"]
