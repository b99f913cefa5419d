"""The network-namespace helper itself: two namespaces, a veth, a bridge, ping, cleanup."""

import subprocess
import time

import netns


def wait_in_namespace(ns, pid, timeout=5.0):
    """`ip netns exec` enters the namespace just after it starts: wait for that, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid in ns.pids():
            return True
        time.sleep(0.02)
    return False


def test_two_namespaces_ping_over_veth_and_bridge_then_cleanup(netns_lab):
    lab = netns_lab
    a = lab.namespace("a")
    b = lab.namespace("b")
    assert a.name.startswith(lab.prefix) and b.name.startswith(lab.prefix)

    # A direct veth pair between the two namespaces (TEST-NET-1, only inside them).
    lab.veth(a, "eth0", b, "eth0")
    a.add_address("eth0", "192.0.2.1/24")
    b.add_address("eth0", "192.0.2.2/24")
    ping = a.run("ping", "-c", "1", "-W", "2", "192.0.2.2", check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    # The same two namespaces on a bridge that lives in a third namespace.
    sw = lab.namespace("sw")
    br = lab.bridge("br0", where=sw)
    lab.connect(a, "lan0", br, bridge_ns=sw, addresses=["198.51.100.1/24"])
    lab.connect(b, "lan0", br, bridge_ns=sw, addresses=["198.51.100.2/24"])
    ping = b.run("ping", "-c", "1", "-W", "2", "198.51.100.1", check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    # A bridge in the host namespace carries the prefix too and is removed with the rest.
    host_bridge = lab.bridge("hbr")
    assert host_bridge.startswith(lab.prefix) and len(host_bridge) <= netns.IFNAMSIZ

    # A process started inside is tracked; one started behind the lab's back inside is found by PID.
    sleeper = b.popen(["sleep", "60"])
    stray = subprocess.Popen(["ip", "netns", "exec", a.name, "sleep", "60"], stdin=subprocess.DEVNULL)
    try:
        assert wait_in_namespace(b, sleeper.pid)
        assert wait_in_namespace(a, stray.pid)
        assert sorted(lab.leftovers()) == sorted(
            [f"netns {a.name}", f"netns {b.name}", f"netns {sw.name}", f"link {host_bridge}"])

        lab.cleanup()

        assert lab.leftovers() == []
        assert sleeper.poll() is not None
        assert stray.wait(timeout=5) is not None
        names = netns.run("ip", "netns", "list").stdout
        assert a.name not in names and b.name not in names and sw.name not in names
    finally:
        if stray.poll() is None:
            stray.kill()
            stray.wait(timeout=5)


def test_names_are_checked_against_the_interface_limit():
    lab = netns.NetnsLab(prefix="dd9999z")
    assert lab.name("eth0") == "dd9999zeth0"
    try:
        lab.name("waytoolongname")
    except ValueError as e:
        assert "15" in str(e)
    else:
        raise AssertionError("a 21-character interface name was accepted")
    assert lab.leftovers() == []  # nothing was created
