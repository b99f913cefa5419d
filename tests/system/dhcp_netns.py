"""A DHCP lab for the system tests: a server namespace running the real ddid with DHCP on a veth
whose peer is in a client namespace, the API reached from inside the server namespace, and real
clients (ISC dhclient, busybox udhcpc) run in the client namespace with files of their own.

    with DhcpLab(netns_lab, node_factory, tmp_path) as lab:
        subnet = lab.serve_subnet()                      # 192.0.2.0/24, pool .100-.199
        c = lab.dhclient("c1")
        c.start()
        lease = c.wait_for("BOUND")

Every wait is bounded; every process is stopped by PID (the NetnsLab kills whatever is left in
its namespaces). The clients never touch the host's resolv.conf: their scripts only log what they
got and set the address on the client's own interface.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

CLONE_NEWNET = 0x40000000
SERVER_ADDRESS = "192.0.2.1"
SUBNET = "192.0.2.0/24"
POOL = ("192.0.2.100", "192.0.2.199")

_libc = ctypes.CDLL(None, use_errno=True)


def in_netns(ns_name: str, fn: Callable[..., Any], *args, timeout: float = 30.0, **kwargs) -> Any:
    """Runs fn(*args) on a thread that has entered network namespace `ns_name` (sockets it opens
    live there), and returns its result or raises its exception. The thread, and with it the
    namespace binding, ends with the call."""
    result: dict[str, Any] = {}

    def body() -> None:
        try:
            fd = os.open(f"/run/netns/{ns_name}", os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({ns_name}): {os.strerror(err)}")
            finally:
                os.close(fd)
            result["value"] = fn(*args, **kwargs)
        except BaseException as e:  # handed to the caller's thread
            result["error"] = e

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError(f"call in namespace {ns_name} did not return within {timeout}s")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def unconfined(binary: str) -> list[str]:
    """A prefix that runs `binary` outside an enforced AppArmor profile (a stock Debian host
    confines dhclient and forbids files under /tmp); nothing where no profile is enforced."""
    try:
        profiles = Path("/sys/kernel/security/apparmor/profiles").read_text()
    except OSError:
        return []
    name = os.path.realpath(shutil.which(binary) or binary)
    for line in profiles.splitlines():
        if (line.startswith(name + " ") or line.startswith(binary + " ")) and "(enforce)" in line:
            if shutil.which("aa-exec"):
                return ["aa-exec", "-p", "unconfined", "--"]
    return []


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text as {'name{labels}': value}."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        try:
            out[key] = float(value)
        except ValueError:
            pass
    return out


# ---- clients -------------------------------------------------------------------------------

class Client:
    """A DHCP client process in the client namespace with its own files in `workdir`; its
    script appends one JSON object per event to events.jsonl."""

    events_name = "events.jsonl"

    def __init__(self, lab: "DhcpLab", name: str, ifname: str = "eth0"):
        self.lab = lab
        self.ns = lab.client_ns
        self.ifname = ifname
        self.workdir = lab.workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.events_path = self.workdir / self.events_name
        self.log_path = self.workdir / "client.log"
        self.process: Optional[subprocess.Popen] = None

    def events(self) -> list[dict[str, str]]:
        if not self.events_path.exists():
            return []
        out = []
        for line in self.events_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def wait_for(self, reason: str, timeout: float = 30.0, after: int = 0) -> dict[str, str]:
        """The first event `reason` past the first `after` events, waited for (bounded)."""
        def found():
            for e in self.events()[after:]:
                if e.get("reason") == reason:
                    return e
            if self.process and self.process.poll() is not None and self.process.returncode not in (0, None):
                raise AssertionError(f"{self.workdir.name} exited with {self.process.returncode}:\n{self.log()}")
            return None
        try:
            return wait_until(found, timeout, f"{reason} from {self.workdir.name}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nevents: {self.events()}\nclient log:\n{self.log()}\n"
                                 f"{self.lab.node.describe()}") from None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _popen(self, args: list[str]) -> subprocess.Popen:
        out = open(self.log_path, "ab")
        try:
            return self.ns.popen(args, stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        with open(self.log_path, "ab") as out:
            return subprocess.run([*self.ns.exec_prefix(), *args], stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout)

    def stop(self) -> None:
        """SIGTERM, bounded wait, SIGKILL."""
        p = self.process
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


# The scripts log what the client got and configure the address on the client's own interface
# (a renewal is unicast from it, and the server's unicast reply needs ARP to be answered).
DHCLIENT_SCRIPT = r"""#!/bin/sh
printf '{"reason":"%s","ip":"%s","mask":"%s","routers":"%s","dns":"%s","lease":"%s","server":"%s","old_ip":"%s"}\n' \
  "$reason" "$new_ip_address" "$new_subnet_mask" "$new_routers" "$new_domain_name_servers" \
  "$new_dhcp_lease_time" "$new_dhcp_server_identifier" "$old_ip_address" >> "@EVENTS@"
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ] && \
      ip addr del "$old_ip_address/$new_subnet_mask" dev "$interface" 2>/dev/null
    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP)
    [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null ;;
esac
exit 0
"""

DHCLIENT_CONF = """# The test's own: no host name of the host, nothing the host's config would add.
send host-name "@HOST@";
request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name;
timeout 20;
retry 1;
"""


class Dhclient(Client):
    """ISC dhclient with its own -cf -lf -pf -sf files."""

    def __init__(self, lab: "DhcpLab", name: str, hostname: str = "dhc-test", ifname: str = "eth0"):
        super().__init__(lab, name, ifname)
        self.conf = self.workdir / "dhclient.conf"
        self.leases = self.workdir / "dhclient.leases"
        self.pidfile = self.workdir / "dhclient.pid"
        self.script = self.workdir / "dhclient-script"
        self.conf.write_text(DHCLIENT_CONF.replace("@HOST@", hostname))
        self.script.write_text(DHCLIENT_SCRIPT.replace("@EVENTS@", str(self.events_path)))
        self.script.chmod(0o755)

    def args(self, *extra: str) -> list[str]:
        return [*unconfined("dhclient"), "dhclient", "-4", "-v", "-cf", str(self.conf), "-lf", str(self.leases),
                "-pf", str(self.pidfile), "-sf", str(self.script), *extra, self.ifname]

    def start(self) -> None:
        """Runs in the foreground (-d) so that it renews; one attempt to get a lease (-1)."""
        self.process = self._popen(self.args("-d", "-1"))

    def release(self, timeout: float = 30.0) -> None:
        """dhclient -r: stops the running instance (by its pid file) and sends DHCPRELEASE."""
        r = self._run(self.args("-r"), timeout)
        assert r.returncode == 0, self.log()
        if self.process:
            self.process.wait(timeout=10)


UDHCPC_SCRIPT = r"""#!/bin/sh
printf '{"reason":"%s","ip":"%s","mask":"%s","routers":"%s","dns":"%s","lease":"%s","server":"%s"}\n' \
  "$1" "$ip" "$mask" "$router" "$dns" "$lease" "$serverid" >> "@EVENTS@"
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
"""


class Udhcpc(Client):
    """busybox udhcpc with its own -s script and -p pid file."""

    def __init__(self, lab: "DhcpLab", name: str, hostname: str = "udhcpc-test", ifname: str = "eth0"):
        super().__init__(lab, name, ifname)
        self.hostname = hostname
        self.script = self.workdir / "udhcpc-script"
        self.pidfile = self.workdir / "udhcpc.pid"
        self.script.write_text(UDHCPC_SCRIPT.replace("@EVENTS@", str(self.events_path)))
        self.script.chmod(0o755)

    def args(self, *extra: str) -> list[str]:
        return ["busybox", "udhcpc", "-f", "-i", self.ifname, "-s", str(self.script), "-p", str(self.pidfile),
                "-x", f"hostname:{self.hostname}", "-t", "5", "-T", "2", *extra]

    def start(self, *extra: str) -> None:
        self.process = self._popen(self.args(*extra))

    def run_once(self, *extra: str, timeout: float = 30.0) -> int:
        """-q -n: get a lease (or fail) and exit."""
        return self._run(self.args("-q", "-n", *extra), timeout).returncode


# ---- the lab ---------------------------------------------------------------------------------

class DhcpLab:
    """Server and client namespaces joined by a veth; ddid serving DHCP in the server one."""

    def __init__(self, netns_lab, node_factory, workdir: Path, config: Optional[dict] = None):
        self.netns = netns_lab
        self.workdir = Path(workdir)
        self.server_ns = netns_lab.namespace("s")
        self.client_ns = netns_lab.namespace("c")
        netns_lab.veth(self.server_ns, "eth0", self.client_ns, "eth0")
        self.server_ns.add_address("eth0", f"{SERVER_ADDRESS}/24")
        overrides = {"dhcp": {"enabled": True, "interfaces": ["eth0"], "client_rate": 0}}
        if config:
            overrides = _merge(overrides, config)
        self.node = node_factory.make("ddid", config_overrides=overrides, wrapper=self.server_ns.exec_prefix())

    # ---- ddid ---------------------------------------------------------------------------------

    def start(self) -> "DhcpLab":
        first = self.node.credentials is None
        self.node.start()
        if first or not self.node.cookie:
            r = in_netns(self.server_ns.name, self.node.login)
            assert r.status == 200, r
        return self

    def restart(self) -> None:
        code = self.node.stop()
        assert code == 0, f"ddid exited with {code} on SIGTERM\n{self.node.describe()}"
        self.node.start()
        self.node.cookie = None
        r = in_netns(self.server_ns.name, self.node.login)
        assert r.status == 200, r

    def api(self, method: str, path: str, json: Any = None):
        """One API call from inside the server namespace (the console listens on its loopback)."""
        return in_netns(self.server_ns.name, self.node.api, method, path, json=json)

    def make_zone(self, name: str) -> None:
        """A primary zone through the API (for the lease names)."""
        r = self.api("POST", "/api/v1/zones", json={
            "name": name, "soa": {"mname": "ns1.lab.test.", "rname": "hostmaster.lab.test."}, "ns": ["ns1.lab.test."]})
        assert r.status == 201, r

    def dig(self, name: str, rtype: str = "A") -> list[str]:
        """The answer's RDATA from ddid's DNS (in the server namespace), +short."""
        host, port = self.node.dns_address()
        out = self.server_ns.run("dig", f"@{host}", "-p", str(port), "+short", "+time=2", "+tries=2", name, rtype).stdout
        return out.split()

    def serve_subnet(self, lease_time: int = 600, t1: Optional[int] = None, t2: Optional[int] = None,
                     forward_zone: Optional[str] = None, reverse_zone: Optional[str] = None) -> int:
        """Creates the subnet with DHCP and one pool through the REST API; returns its id."""
        dhcp: dict[str, Any] = {"lease_time": lease_time}
        if forward_zone:
            dhcp["forward_zone"] = forward_zone
        if reverse_zone:
            dhcp["reverse_zone"] = reverse_zone
        if t1 is not None:
            dhcp["t1"] = t1
        if t2 is not None:
            dhcp["t2"] = t2
        r = self.api("POST", "/api/v1/subnets", json={"network": SUBNET, "name": "lab", "dhcp": dhcp})
        assert r.status == 201, r
        subnet_id = r.json()["id"]
        r = self.api("POST", f"/api/v1/subnets/{subnet_id}/pools", json={"start": POOL[0], "end": POOL[1]})
        assert r.status == 201, r
        # The service reloads its configuration after the commit; wait until it serves the subnet.
        wait_until(lambda: self.status().get("subnets", 0) >= 1, 10, "the DHCP service to load the subnet")
        return subnet_id

    def status(self) -> dict:
        r = self.api("GET", "/api/v1/status")
        assert r.status == 200, r
        return r.json().get("services", r.json()).get("dhcp", {})

    def lease(self, address: str) -> Optional[dict]:
        r = self.api("GET", f"/api/v1/dhcp/leases/{address}")
        if r.status == 404:
            return None
        assert r.status == 200, r
        return r.json()

    def wait_lease_state(self, address: str, state: str, timeout: float = 15.0) -> dict:
        def check():
            lease = self.lease(address)
            return lease if lease and lease.get("state") == state else None
        return wait_until(check, timeout, f"lease {address} to be {state} (now {self.lease(address)})")

    def metrics(self) -> dict[str, float]:
        r = self.api("GET", "/metrics")
        assert r.status == 200, r
        return parse_metrics(r.body.decode())

    # ---- clients ------------------------------------------------------------------------------

    def dhclient(self, name: str, **kwargs) -> Dhclient:
        return Dhclient(self, name, **kwargs)

    def udhcpc(self, name: str, **kwargs) -> Udhcpc:
        return Udhcpc(self, name, **kwargs)

    def client_address(self) -> list[str]:
        out = self.client_ns.run("ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout
        return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)

    def send_from_client(self, payloads: list[bytes], broadcast: bool = True) -> None:
        """Sends raw DHCP payloads over UDP from port 68 of the client namespace's eth0."""
        code = (
            "import socket,sys,json\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n"
            "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            "s.setsockopt(socket.SOL_SOCKET,25,b'eth0')\n"
            "s.bind(('0.0.0.0',68))\n"
            "for h in json.load(sys.stdin):\n"
            f"    s.sendto(bytes.fromhex(h),('{'255.255.255.255' if broadcast else SERVER_ADDRESS}',67))\n"
        )
        p = subprocess.run([*self.client_ns.exec_prefix(), "/usr/bin/python3", "-c", code],
                           input=json.dumps([p.hex() for p in payloads]), capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
