#!/usr/bin/python3
"""Authoritative DNS benchmark: NSD, Knot DNS, BIND and ddid serve the same generated zone on this
machine, each pinned to CPU 0 with dnsperf pinned to CPU 1, taking turns (A B C D A B C D ...).

Per server it reports the queries per second reached at saturation and, at a fixed offered rate
below saturation, the efficiency: queries answered per CPU-second consumed by all of the server's
processes (NSD forks: its children are counted). Medians over the rounds, then ratios ddid/other.
Also UDP vs TCP, and ddid's load time and resident memory for a 1,000,000-record zone.

Every process it starts is its own, with its own config, port and PID, ended by PID."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONE = "bench.example"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- zone and queries ----------------------------------------------------------------------------

def make_zone(names: int) -> str:
    """A zone of `names` hosts (A, half with AAAA), MX and CNAME names among them."""
    out = [f"$ORIGIN {ZONE}.", "$TTL 3600",
           f"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300", "@ IN NS ns1", "ns1 IN A 192.0.2.1",
           "@ IN MX 10 mail", "mail IN A 192.0.2.2"]
    for i in range(names):
        out.append(f"host{i} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")
        if i % 2 == 0:
            out.append(f"host{i} IN AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}")
        if i % 10 == 0:
            out.append(f"mx{i} IN MX 10 host{i}")
        if i % 10 == 5:
            out.append(f"www{i} IN CNAME host{i}")
    return "\n".join(out) + "\n"


def make_queries(names: int, count: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    lines = []
    for _ in range(count):
        kind = rnd.random()
        i = rnd.randrange(names)
        if kind < 0.40:
            lines.append(f"host{i}.{ZONE} A")
        elif kind < 0.55:
            lines.append(f"host{i - i % 2}.{ZONE} AAAA")
        elif kind < 0.65:
            lines.append(f"mx{i - i % 10}.{ZONE} MX")
        elif kind < 0.75:
            lines.append(f"www{i - i % 10 + 5 if i - i % 10 + 5 < names else 5}.{ZONE} A")
        elif kind < 0.90:
            lines.append(f"nx{i}.{ZONE} A")
        else:
            lines.append(f"host{i}.{ZONE} TXT")
    return "\n".join(lines) + "\n"


# ---- process accounting ---------------------------------------------------------------------------

def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(root: int) -> float:
    total = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def rss_mib(root: int) -> float:
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
        t.bind(("127.0.0.1", port))
    return port


def wait_serving(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = subprocess.run(["dig", "+short", "+tries=1", "+time=1", "-p", str(port), "@127.0.0.1", ZONE, "SOA"],
                           capture_output=True, text=True)
        # dig +short prints its own errors on stdout too: look for the SOA itself.
        if r.returncode == 0 and f"hostmaster.{ZONE}." in r.stdout:
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing serves {ZONE} on port {port} after {timeout:.0f}s")


# ---- servers -------------------------------------------------------------------------------------

class Server:
    name = "?"

    def __init__(self, work: Path, zone_file: Path):
        self.work = work / self.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.zone_file = zone_file
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self.prepare()
        log = open(self.work / "server.log", "ab")
        self.proc = subprocess.Popen(["taskset", "-c", "0", *self.command()], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, cwd=self.work)
        try:
            self.after_start()
            wait_serving(self.port)
        except Exception:
            self.stop()
            raise

    def prepare(self) -> None:
        shutil.copy(self.zone_file, self.work / f"{ZONE}.zone")

    def after_start(self) -> None:
        pass

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in process_tree(self.proc.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.wait(timeout=10)
        self.proc = None


class Nsd(Server):
    name = "nsd"

    def prepare(self) -> None:
        super().prepare()
        w = self.work
        (w / "nsd.conf").write_text(f"""server:
  ip-address: 127.0.0.1@{self.port}
  port: {self.port}
  username: ""
  chroot: ""
  zonesdir: "{w}"
  database: ""
  pidfile: "{w}/nsd.pid"
  xfrdfile: "{w}/xfrd.state"
  zonelistfile: "{w}/zone.list"
  logfile: "{w}/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: {ZONE}
  zonefile: {ZONE}.zone
""")

    def command(self) -> list[str]:
        return ["nsd", "-d", "-c", str(self.work / "nsd.conf")]


class Knot(Server):
    name = "knot"

    def prepare(self) -> None:
        super().prepare()
        w = self.work
        (w / "knot.conf").write_text(f"""server:
    listen: 127.0.0.1@{self.port}
    rundir: "{w}"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{w}"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{w}"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: {ZONE}
""")

    def command(self) -> list[str]:
        return ["knotd", "-c", str(self.work / "knot.conf")]


class Bind(Server):
    name = "bind"

    def prepare(self) -> None:
        super().prepare()
        w = self.work
        (w / "named.conf").write_text(f"""options {{
    directory "{w}";
    pid-file "{w}/named.pid";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    minimal-responses yes;
}};
zone "{ZONE}" {{ type primary; file "{w}/{ZONE}.zone"; }};
""")

    def command(self) -> list[str]:
        cmd = ["named", "-g", "-n", "1", "-c", str(self.work / "named.conf")]
        if shutil.which("aa-exec") and Path("/sys/kernel/security/apparmor/profiles").exists():
            cmd = ["aa-exec", "-p", "unconfined", *cmd]
        return cmd


class Ddid(Server):
    name = "ddid"

    def __init__(self, work: Path, zone_file: Path, build: Path):
        super().__init__(work, zone_file)
        self.build = build

    def prepare(self) -> None:
        w = self.work
        shutil.rmtree(w / "data", ignore_errors=True)
        (w / "ready.json").unlink(missing_ok=True)
        (w / "ddid.json").write_text(json.dumps({
            "log": {"level": "warn"},
            "dns": {"listen": [f"127.0.0.1:{self.port}"], "workers": 1},
            "http": {"listen": ["127.0.0.1:0"], "max_body_bytes": 256 << 20, "threads": 1},
            "storage": {"data_dir": str(w / "data")},
        }))

    def command(self) -> list[str]:
        return [str(self.build / "app" / "ddid"), "--config", str(self.work / "ddid.json"),
                "--ready-file", str(self.work / "ready.json")]

    def after_start(self) -> None:
        ready = self.work / "ready.json"
        deadline = time.monotonic() + 60
        while not ready.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("ddid did not become ready; see " + str(self.work / "server.log"))
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        host, port = info["http"][0].rsplit(":", 1)
        password = (Path(info["data_dir"]) / "initial-admin-password").read_text().strip()
        self.http = (host, int(port))
        self.password = password
        self.load_seconds = import_zone(host, int(port), password, self.zone_file.read_text())


def api(host: str, port: int, method: str, path: str, body=None, cookie: str = "", timeout: float = 600):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, r.getheader("Set-Cookie") or "", data


def import_zone(host: str, port: int, password: str, text: str) -> float:
    """Imports the zone file through the REST API; returns seconds until the call returned."""
    status, cookie, data = api(host, port, "POST", "/api/v1/login", {"username": "admin", "password": password})
    if status != 200:
        raise RuntimeError(f"login failed: {status} {data[:200]!r}")
    cookie = cookie.split(";", 1)[0]
    started = time.monotonic()
    status, _, data = api(host, port, "POST", "/api/v1/zones", {"name": ZONE, "zone_file": text}, cookie)
    if status not in (200, 201):
        raise RuntimeError(f"zone import failed: {status} {data[:300]!r}")
    return time.monotonic() - started


def a_query(name: str, qid: int) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return qid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00" + labels + b"\x00\x00\x01\x00\x01"


def answered(sock: socket.socket, name: str, qid: int) -> bool:
    """One UDP query for NAME/A: True if it is answered NOERROR with a record."""
    sock.send(a_query(name, qid))
    while True:
        data = sock.recv(4096)
        if int.from_bytes(data[:2], "big") == qid:
            return (data[3] & 0x0F) == 0 and int.from_bytes(data[6:8], "big") > 0


def change_to_served(server: "Ddid", changes: int = 50) -> dict:
    """Adds records through the REST API one at a time; for each, the time the API call took
    (durable commit + new snapshot published) and until a query answers with the new record."""
    host, port = server.http
    status, cookie, data = api(host, port, "POST", "/api/v1/login", {"username": "admin", "password": server.password})
    if status != 200:
        raise RuntimeError(f"login failed: {status}")
    cookie = cookie.split(";", 1)[0]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", server.port))
    sock.settimeout(2)
    api_ms, served_ms, first_try = [], [], 0
    try:
        for i in range(changes):
            name = f"change{i}-{int(time.time() * 1000)}"
            started = time.monotonic()
            status, _, data = api(host, port, "PUT", f"/api/v1/zones/{ZONE}/rrsets/{name}/A",
                                  {"ttl": 60, "rdata": ["192.0.2.1"]}, cookie)
            returned = time.monotonic()
            if status != 200:
                raise RuntimeError(f"change failed: {status} {data[:200]!r}")
            tries = 0
            while not answered(sock, f"{name}.{ZONE}", (i * 131 + tries) & 0xFFFF):
                tries += 1
                if time.monotonic() - started > 10:
                    raise RuntimeError(f"{name} not served 10 s after the change")
            first_try += tries == 0
            api_ms.append((returned - started) * 1000)
            served_ms.append((time.monotonic() - started) * 1000)
    finally:
        sock.close()
    q = statistics.quantiles
    return {"api_ms": statistics.median(api_ms), "served_ms": statistics.median(served_ms),
            "served_p95_ms": q(served_ms, n=20)[18], "first_try": first_try, "changes": changes}


# ---- load ------------------------------------------------------------------------------------------

def dnsperf(port: int, queries: Path, seconds: int, rate: int | None, tcp: bool = False) -> dict:
    cmd = ["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries),
           "-l", str(seconds), "-c", "8", "-q", "1000", "-t", "2"]
    if rate:
        cmd += ["-Q", str(rate)]
    if tcp:
        cmd += ["-m", "tcp"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    def number(pattern: str) -> float:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else 0.0
    return {"sent": number(r"Queries sent:\s+(\d+)"), "completed": number(r"Queries completed:\s+(\d+)"),
            "lost": number(r"Queries lost:\s+(\d+)"), "qps": number(r"Queries per second:\s+([\d.]+)"),
            "noerror": number(r"NOERROR (\d+)"), "nxdomain": number(r"NXDOMAIN (\d+)")}


def measure(server: Server, queries: Path, seconds: int, rate: int | None, tcp: bool) -> dict:
    before = cpu_seconds(server.proc.pid)
    result = dnsperf(server.port, queries, seconds, rate, tcp)
    used = cpu_seconds(server.proc.pid) - before
    result["cpu"] = used
    result["per_cpu_second"] = result["completed"] / used if used > 0 else 0.0
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--names", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=40_000, help="the fixed offered rate for the efficiency figure")
    ap.add_argument("--servers", default="nsd,knot,bind,ddid")
    ap.add_argument("--big", type=int, default=1_000_000, help="records of the zone for ddid's load test (0: skip)")
    args = ap.parse_args()
    build = (ROOT / args.build).resolve()

    work = Path(tempfile.mkdtemp(prefix="ddid-bench-dns-"))
    try:
        zone_file = work / f"{ZONE}.zone"
        zone_file.write_text(make_zone(args.names))
        queries = work / "queries.txt"
        queries.write_text(make_queries(args.names, 200_000))
        kinds = {"nsd": Nsd, "knot": Knot, "bind": Bind}
        servers: list[Server] = []
        for name in args.servers.split(","):
            servers.append(Ddid(work, zone_file, build) if name == "ddid" else kinds[name](work, zone_file))

        print(f"== dns-auth: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, zone of {args.names} names, "
              f"{args.rounds} rounds of {args.seconds}s, servers on CPU 0, dnsperf on CPU 1", flush=True)
        results: dict[str, dict[str, list[float]]] = {s.name: {} for s in servers if args.rounds > 0}
        for rnd in range(args.rounds):
            for s in servers:
                s.start()
                try:
                    for label, rate, tcp in (("udp_max", None, False), ("udp_fixed", args.rate, False),
                                             ("tcp_max", None, True)):
                        r = measure(s, queries, args.seconds, rate, tcp)
                        results[s.name].setdefault(label + "_qps", []).append(r["qps"])
                        results[s.name].setdefault(label + "_eff", []).append(r["per_cpu_second"])
                        results[s.name].setdefault(label + "_lost", []).append(r["lost"])
                finally:
                    s.stop()
            print(f"   round {rnd + 1}/{args.rounds} done", flush=True)

        med = {name: {k: statistics.median(v) for k, v in d.items()} for name, d in results.items()}
        print(f"\n{'server':8} {'UDP max qps':>12} {'UDP q/CPU-s @' + str(args.rate):>20} {'lost':>6} {'TCP max qps':>12}")
        for name, m in med.items():
            print(f"{name:8} {m['udp_max_qps']:12.0f} {m['udp_fixed_eff']:20.0f} {m['udp_fixed_lost']:6.0f} {m['tcp_max_qps']:12.0f}")
        if "ddid" in med:
            d = med["ddid"]
            for name, m in med.items():
                if name == "ddid":
                    continue
                def ratio(key):
                    return d[key] / m[key] if m[key] else float("nan")
                print(f"ddid/{name}: UDP qps {ratio('udp_max_qps'):.2f}x, efficiency {ratio('udp_fixed_eff'):.2f}x, "
                      f"TCP qps {ratio('tcp_max_qps'):.2f}x")

        if "ddid" in args.servers.split(","):
            d = Ddid(work, zone_file, build)
            d.start()
            try:
                c = change_to_served(d)
                print(f"\nddid, change to served ({args.names}-name zone, {c['changes']} API changes one by one): "
                      f"API call {c['api_ms']:.1f} ms, served after {c['served_ms']:.1f} ms median "
                      f"({c['served_p95_ms']:.1f} ms p95); served by the first query after the call returned: "
                      f"{c['first_try']}/{c['changes']}", flush=True)
            finally:
                d.stop()

        if args.big and "ddid" in args.servers.split(","):
            big_file = work / "big.zone"
            big_file.write_text(make_zone(int(args.big / 1.7)))
            records = sum(1 for line in big_file.read_text().splitlines() if " IN " in line)
            d = Ddid(work, big_file, build)
            d.start()
            try:
                print(f"\nddid, zone of {records} records: imported through the API in {d.load_seconds:.1f}s, "
                      f"resident memory {rss_mib(d.proc.pid):.0f} MiB", flush=True)
                d.stop()
                # A restart loads the zone from the database: the load time an operator waits for.
                (d.work / "ready.json").unlink(missing_ok=True)
                started = time.monotonic()
                log = open(d.work / "server.log", "ab")
                d.proc = subprocess.Popen(["taskset", "-c", "0", *d.command()], stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL, cwd=d.work)
                while not (d.work / "ready.json").exists():
                    if d.proc.poll() is not None or time.monotonic() - started > 300:
                        raise RuntimeError("ddid did not restart; see " + str(d.work / "server.log"))
                    time.sleep(0.02)
                wait_serving(d.port)
                print(f"ddid restart with that zone in its database: serving after {time.monotonic() - started:.1f}s, "
                      f"resident memory {rss_mib(d.proc.pid):.0f} MiB", flush=True)
                info = json.loads((d.work / "ready.json").read_text())
                host, port = info["http"][0].rsplit(":", 1)
                d.http = (host, int(port))
                c = change_to_served(d)
                print(f"ddid, change to served in the {records}-record zone: API call {c['api_ms']:.1f} ms, "
                      f"served after {c['served_ms']:.1f} ms median ({c['served_p95_ms']:.1f} ms p95), "
                      f"first query {c['first_try']}/{c['changes']}; resident memory after "
                      f"{rss_mib(d.proc.pid):.0f} MiB", flush=True)
            finally:
                d.stop()
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
