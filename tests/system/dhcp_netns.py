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
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
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


# ==== routed labs, relays, captures and load generators (test_dhcp4_relay, test_dhcp4_load) ====

DHCP_MESSAGE_TYPES = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack", 6: "nak", 7: "release",
                      8: "inform"}
_PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
LINKTYPE_ETHERNET = 1


def _ip(raw: bytes) -> str:
    return ".".join(str(b) for b in raw)


def ip_to_int(address: str) -> int:
    return struct.unpack("!I", bytes(int(x) for x in address.split(".")))[0]


def int_to_ip(value: int) -> str:
    return _ip(struct.pack("!I", value))


@dataclass
class DhcpFrame:
    """One DHCPv4 message seen on the wire: the IPv4/UDP envelope and the BOOTP fields, with
    the options in wire order (their values as sent, byte for byte)."""

    time: float
    src: str
    dst: str
    sport: int
    dport: int
    op: int
    hops: int
    xid: int
    flags: int
    ciaddr: str
    yiaddr: str
    siaddr: str
    giaddr: str
    chaddr: str  # the first hlen octets, "aa:bb:..."
    options: list[tuple[int, bytes]] = field(default_factory=list)
    payload: bytes = b""

    def option(self, code: int) -> Optional[bytes]:
        """The first option `code`'s value, or None."""
        return next((v for c, v in self.options if c == code), None)

    @property
    def message_type(self) -> str:
        v = self.option(53)
        return DHCP_MESSAGE_TYPES.get(v[0], f"type{v[0]}") if v else "bootp"


def read_pcap(path: Path) -> list[tuple[float, int, bytes]]:
    """The records of a classic pcap file (what tcpdump -w writes) as (time, linktype, frame).
    A record cut short at the end (the writer was killed mid-write) is left out."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    if data[:4] not in _PCAP_MAGIC:
        raise ValueError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    order, unit = _PCAP_MAGIC[data[:4]]
    linktype = struct.unpack(order + "I", data[20:24])[0]
    out = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(order + "IIII", data[pos:pos + 16])
        pos += 16
        if pos + caplen > len(data):
            break
        out.append((sec + frac * unit, linktype, data[pos:pos + caplen]))
        pos += caplen
    return out


def parse_dhcp_options(raw: bytes) -> list[tuple[int, bytes]]:
    """Options after the magic cookie, in order; stops at the end option or a truncated one."""
    out = []
    pos = 0
    while pos < len(raw):
        code = raw[pos]
        if code == 0:
            pos += 1
            continue
        if code == 255 or pos + 2 > len(raw) or pos + 2 + raw[pos + 1] > len(raw):
            break
        out.append((code, raw[pos + 2:pos + 2 + raw[pos + 1]]))
        pos += 2 + raw[pos + 1]
    return out


def parse_dhcp_frame(t: float, linktype: int, frame: bytes) -> Optional[DhcpFrame]:
    """The DHCPv4 message in one Ethernet frame (IPv4, UDP, unfragmented), else None."""
    if linktype != LINKTYPE_ETHERNET or len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x8100 and len(frame) >= 18:  # one VLAN tag
        ethertype = struct.unpack("!H", frame[16:18])[0]
        ip = frame[18:]
    if ethertype != 0x0800 or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    if struct.unpack("!H", ip[6:8])[0] & 0x3fff:  # a fragment
        return None
    ihl = (ip[0] & 0x0f) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    udp = ip[ihl:total]
    if len(udp) < 8:
        return None
    sport, dport, ulen = struct.unpack("!HHH", udp[:6])
    payload = udp[8:ulen]
    if len(payload) < 240 or payload[236:240] != b"\x63\x82\x53\x63":
        return None
    op, _htype, hlen, hops, xid, _secs, flags = struct.unpack("!BBBBIHH", payload[:12])
    return DhcpFrame(time=t, src=_ip(ip[12:16]), dst=_ip(ip[16:20]), sport=sport, dport=dport, op=op, hops=hops,
                     xid=xid, flags=flags, ciaddr=_ip(payload[12:16]), yiaddr=_ip(payload[16:20]),
                     siaddr=_ip(payload[20:24]), giaddr=_ip(payload[24:28]),
                     chaddr=":".join(f"{b:02x}" for b in payload[28:28 + min(hlen, 16)]),
                     options=parse_dhcp_options(payload[240:]), payload=payload)


def dhcp_frames(path: Path) -> list[DhcpFrame]:
    """Every DHCPv4 message in a pcap file, in capture order."""
    frames = []
    for t, linktype, frame in read_pcap(path):
        parsed = parse_dhcp_frame(t, linktype, frame)
        if parsed:
            frames.append(parsed)
    return frames


class Capture:
    """tcpdump writing DHCP traffic of one interface of a namespace to a pcap file; stop()
    ends it by PID (SIGINT, so that it flushes and prints its counters)."""

    def __init__(self, ns, ifname: str, path: Path, bpf: str = "udp and (port 67 or port 68)",
                 buffer_kib: int = 8192, live: bool = False):
        self.ns = ns
        self.ifname = ifname
        self.path = Path(path)
        self.log_path = self.path.with_suffix(".log")
        self.bpf = bpf
        self.buffer_kib = buffer_kib
        self.live = live
        self.process: Optional[subprocess.Popen] = None
        self.counters: dict[str, int] = {}

    def start(self, timeout: float = 10.0) -> "Capture":
        # -Z root: tcpdump would otherwise drop to its own user and could not write here.
        # --immediate-mode: without it packets wait in the kernel for a block to fill or time out,
        # and those of the last block are lost when tcpdump is stopped. In that mode each slot of
        # the kernel's ring is as large as the snapshot length: 1600 (a whole frame at MTU 1500)
        # gives thousands of slots where the default 262144 would give 32. `live` (-U) also writes
        # each packet to the file as it comes, at a cost in CPU that makes it drop packets under
        # load: a load test reads the file after stop() instead.
        args = [*unconfined("tcpdump"), "tcpdump", "-n", "-i", self.ifname, "-s", "1600", "-B", str(self.buffer_kib),
                "--immediate-mode", *(["-U"] if self.live else []), "-Z", "root", "-w", str(self.path), self.bpf]
        with open(self.log_path, "ab") as out:
            self.process = self.ns.popen(args, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: "listening on" in self.log() or self.process.poll() is not None, timeout,
                   f"tcpdump to listen on {self.ifname}")
        if self.process.poll() is not None:
            raise AssertionError(f"tcpdump exited with {self.process.returncode}:\n{self.log()}")
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> dict[str, int]:
        """Ends tcpdump; returns its counters ('captured', 'received by filter', 'dropped by kernel')."""
        p = self.process
        if p and p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=timeout)
        for m in re.finditer(r"^(\d+) packets? (captured|received by filter|dropped by kernel)", self.log(), re.M):
            self.counters[m.group(2)] = int(m.group(1))
        return self.counters

    def frames(self) -> list[DhcpFrame]:
        return dhcp_frames(self.path)


class Dhcrelay:
    """ISC dhcrelay in the foreground in a relay namespace, with its own pid file and log;
    -a adds option 82 (circuit id = the client-side interface's name) and strips it from replies."""

    def __init__(self, ns, workdir: Path, downstream: str, upstream: str, servers: list[str],
                 extra: tuple[str, ...] = ("-a",)):
        self.ns = ns
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pidfile = self.workdir / "dhcrelay.pid"
        self.log_path = self.workdir / "dhcrelay.log"
        self.args = [*unconfined("dhcrelay"), "dhcrelay", "-d", "-4", *extra, "-pf", str(self.pidfile),
                     "-id", downstream, "-iu", upstream, *servers]
        self.downstream = downstream
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 10.0) -> "Dhcrelay":
        with open(self.log_path, "ab") as out:
            self.process = self.ns.popen(self.args, stdout=out, stderr=subprocess.STDOUT)
        # It says where it listens once its sockets are open.
        wait_until(lambda: re.search(rf"Listening on \S+/{re.escape(self.downstream)}\b", self.log())
                   or self.process.poll() is not None, timeout, "dhcrelay to listen")
        if self.process.poll() is not None:
            raise AssertionError(f"dhcrelay exited with {self.process.returncode}:\n{self.log()}")
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        p = self.process
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=timeout)


class Perfdhcp:
    """Kea's perfdhcp (package kea-admin) in a namespace, under nice, bounded by its own -p/-n
    and by a wall-clock timeout; the output goes to a file."""

    def __init__(self, ns, workdir: Path, args: list[str], name: str = "perfdhcp"):
        self.ns = ns
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{name}.log"
        self.args = ["nice", "-n", "10", "perfdhcp", *args]
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Perfdhcp":
        with open(self.log_path, "ab") as out:
            self.process = self.ns.popen(self.args, stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout: float) -> int:
        """Its exit code; killed (by PID) if it outlives `timeout`."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"perfdhcp ran past {timeout}s:\n{self.log()[-3000:]}") from None

    def stop(self, timeout: float = 10.0) -> None:
        p = self.process
        if p and p.poll() is None:
            p.send_signal(signal.SIGINT)  # perfdhcp prints its report on SIGINT
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=timeout)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def acks_by_client(frames: list[DhcpFrame]) -> dict[str, set[str]]:
    """chaddr -> every yiaddr a DHCPACK gave it (a client acknowledged twice shows twice)."""
    out: dict[str, set[str]] = {}
    for f in frames:
        if f.op == 2 and f.message_type == "ack" and f.yiaddr != "0.0.0.0":
            out.setdefault(f.chaddr, set()).add(f.yiaddr)
    return out


class RoutedDhcpLab(DhcpLab):
    """ddid in a server namespace ("s") on eth0 carrying `server_cidr`, joined by a veth to a
    peer namespace (a relay, a load generator) whose end `peer_ifname` carries `peer_cidr`. The
    test builds whatever lies behind the peer and sets `client_ns` to where its clients run;
    subnets are made with serve()."""

    def __init__(self, netns_lab, node_factory, workdir: Path, server_cidr: str, peer: str, peer_ifname: str,
                 peer_cidr: str, config: Optional[dict] = None):
        self.netns = netns_lab
        self.workdir = Path(workdir)
        self.server_ns = netns_lab.namespace("s")
        self.peer_ns = netns_lab.namespace(peer)
        self.client_ns = self.peer_ns
        netns_lab.veth(self.server_ns, "eth0", self.peer_ns, peer_ifname)
        self.server_ns.add_address("eth0", server_cidr)
        self.peer_ns.add_address(peer_ifname, peer_cidr)
        self.server_address = server_cidr.split("/")[0]
        self.peer_address = peer_cidr.split("/")[0]
        overrides = {"dhcp": {"enabled": True, "interfaces": ["eth0"], "client_rate": 0}}
        if config:
            overrides = _merge(overrides, config)
        self.node = node_factory.make("ddid", config_overrides=overrides, wrapper=self.server_ns.exec_prefix())

    def serve(self, network: str, pool: tuple[str, str], name: str = "lab", **dhcp: Any) -> int:
        """Creates subnet `network` with DHCP settings `dhcp` and one pool through the REST API;
        returns its id once the running service serves it."""
        before = self.status().get("subnets", 0)
        r = self.api("POST", "/api/v1/subnets", json={"network": network, "name": name,
                                                      "dhcp": {"lease_time": 600, **dhcp}})
        assert r.status == 201, r
        subnet_id = r.json()["id"]
        r = self.api("POST", f"/api/v1/subnets/{subnet_id}/pools", json={"start": pool[0], "end": pool[1]})
        assert r.status == 201, r
        wait_until(lambda: self.status().get("subnets", 0) > before, 10, f"the DHCP service to load {network}")
        return subnet_id

    def leases(self, **filters: Any) -> list[dict]:
        """Every lease matching `filters`, all pages (10,000 a page)."""
        out: list[dict] = []
        after: Optional[str] = None
        for _ in range(1000):
            query = {"limit": 10000, **filters}
            if after:
                query["after"] = after
            r = self.api("GET", "/api/v1/dhcp/leases?" + "&".join(f"{k}={v}" for k, v in query.items()))
            assert r.status == 200, r
            body = r.json()
            out.extend(body["leases"])
            if not body.get("more"):
                return out
            after = body["next_after"]
        raise AssertionError("lease paging did not end after 1000 pages")

    def kill9(self, timeout: float = 10.0) -> int:
        """SIGKILL to ddid by its PID (no chance to flush or close anything); waits for the exit."""
        pid = self.node.pid
        os.kill(pid, signal.SIGKILL)
        code = self.node.wait(timeout)
        assert code is not None, f"ddid (pid {pid}) did not die within {timeout}s of SIGKILL"
        return pid

    def start_again(self) -> None:
        """Starts ddid on the same data directory (after kill9) and logs in again."""
        self.node.start()
        self.node.cookie = None
        r = in_netns(self.server_ns.name, self.node.login)
        assert r.status == 200, r
