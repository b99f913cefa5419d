#!/usr/bin/python3
"""DHCPv4 benchmark: Kea (kea-dhcp4, memfile lease file) and ddid serve the same pool in the same
namespace layout, each driven by perfdhcp at the same offered rates, taking turns in one run.

Layout (made afresh for the run, names with a per-run prefix, removed at the end): a server
namespace and a client namespace joined by a veth; the server side has 10.10.0.1/16, the client
side 10.10.0.2/16. perfdhcp acts as a relay (giaddr 10.10.0.2) and sends unicast to 10.10.0.1, so
both servers select the subnet by giaddr and answer by unicast. Servers are pinned to CPU 0,
perfdhcp to CPU 1.

Each measurement starts its server afresh on an empty lease store (Kea: a new memfile CSV, ddid: a
new database with the subnet and pool made through the REST API), runs perfdhcp's DORA exchanges
for a fixed time at one offered rate, and stops the server by PID. Order: for each round, for each
rate, Kea then ddid. Reported per server and rate: medians over the rounds of the DORA exchanges
completed per second, drops (DISCOVERs without an OFFER plus REQUESTs without an ACK), the average
DISCOVER-OFFER and REQUEST-ACK delays and the exchanges per CPU-second the server used; then the
ratio ddid/Kea. Rates: fixed ones both servers sustain (500 and 1000/s: latency and CPU cost),
and offered rates at and past their capacity (10,000 and 20,000/s: past it, the completed rate
depends on how a server sheds load: REQUESTs lost behind a flood of DISCOVERs complete nothing).
perfdhcp runs on one CPU: when a server answers much of a flood, perfdhcp itself sends less.

Durability differs and is the point: every ddid ACK leaves after the lease's transaction is synced
(SQLite WAL, synchronous=FULL, group commit); Kea's memfile appends each lease to its CSV file and
does not sync it (see bench/RESULTS.md).

Every process it starts is its own, with its own config and files, ended by PID."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "system"))
sys.path.insert(0, str(ROOT / "bench"))

from dhcp_netns import in_netns, parse_metrics  # noqa: E402  (tests/system: namespaces and calls inside them)
from netns import NetnsLab, unavailable_reason  # noqa: E402
from dns_auth import api, cpu_seconds  # noqa: E402  (the REST helper and CPU accounting)

SERVER_ADDRESS = "10.10.0.1"
CLIENT_ADDRESS = "10.10.0.2"
PREFIX_LEN = 16
SUBNET = "10.10.0.0/16"
POOL = ("10.10.1.0", "10.10.255.254")  # 65,279 addresses: more than any run's distinct clients
LEASE_TIME = 3600
IFACE = "eth0"

INSTALL_HINT = ("install them with `scripts/setup-deps.sh bench` (or `apt-get install kea-dhcp4-server kea-admin`; "
                "kea-admin carries perfdhcp). This benchmark starts its own kea-dhcp4, never the system service.")


# ---- perfdhcp -----------------------------------------------------------------------------------

def parse_perfdhcp(out: str) -> dict:
    """perfdhcp's final report: the rate line and, per exchange (DISCOVER-OFFER, REQUEST-ACK),
    sent/received/drops and the delay summary."""
    result: dict = {"rate": 0.0}
    m = re.search(r"^Rate:\s*([\d.]+)", out, re.M)
    if m:
        result["rate"] = float(m.group(1))
    for key, title in (("do", "DISCOVER-OFFER"), ("ra", "REQUEST-ACK")):
        start = out.find(f"Statistics for: {title}")
        block = out[start:] if start >= 0 else ""
        end = block.find("***", len(f"Statistics for: {title}") + 3)
        block = block[:end] if end > 0 else block

        def number(label: str) -> float:
            m = re.search(rf"^{label}:\s*([\d.]+)", block, re.M)
            return float(m.group(1)) if m else 0.0
        result[key] = {"sent": number("sent packets"), "received": number("received packets"),
                       "drops": number("drops"), "min_ms": number("min delay"), "avg_ms": number("avg delay"),
                       "max_ms": number("max delay")}
    return result


def perfdhcp_args(rate: int | None, seconds: int, clients: int, seed: int, drop_time: float) -> list[str]:
    args = ["taskset", "-c", "1", "perfdhcp", "-4", "-l", IFACE, "-p", str(seconds), "-R", str(clients),
            "-s", str(seed), "-d", str(drop_time)]
    if rate:
        args += ["-r", str(rate)]
    return [*args, SERVER_ADDRESS]


def wait_serving(client_ns, server, timeout: float = 60.0) -> None:
    """DORA exchanges from a MAC outside the measured range, until they complete (exit 0)."""
    deadline = time.monotonic() + timeout
    while True:
        # Three exchanges, given up after the drop time (-d) and the exit wait (-W, µs); exit 0
        # only if all three completed. (perfdhcp's one-exchange modes either hang when the first
        # DISCOVER is lost or exit before counting the ACK.)
        try:
            r = subprocess.run([*client_ns.exec_prefix(), "perfdhcp", "-4", "-l", IFACE, "-b", "mac=02:00:00:ff:ff:01",
                                "-r", "10", "-n", "3", "-d", "1", "-W", "1000000", SERVER_ADDRESS],
                               capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            last = r.stdout[-1500:]
        except subprocess.TimeoutExpired:
            last = "perfdhcp did not return within 15 s"
        if server.proc is None or server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited before serving; see {server.log_path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not complete a DORA exchange within {timeout:.0f}s; "
                               f"see {server.log_path}\n{last}")
        time.sleep(0.3)


# ---- servers ------------------------------------------------------------------------------------

class Server:
    name = "?"

    def __init__(self, work: Path, server_ns):
        self.work = work / self.name
        self.ns = server_ns
        self.proc: subprocess.Popen | None = None
        self.log_path = self.work / "server.log"

    def prepare(self) -> None:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict:
        return dict(os.environ)

    def after_start(self) -> None:
        pass

    def start(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.prepare()
        with open(self.log_path, "ab") as log:
            # ip netns exec and taskset both exec: the PID is the server's own.
            self.proc = subprocess.Popen([*self.ns.exec_prefix(), "taskset", "-c", "0", *self.command()],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.work,
                                         env=self.env())
        try:
            self.after_start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        p = self.proc
        self.proc = None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)

    def leases(self) -> int:
        """Leases the server holds after a run (a sanity check that both served the load)."""
        return 0

    def extras(self) -> dict:
        """Server-specific figures read after a run."""
        return {}


class Kea(Server):
    name = "kea"

    def prepare(self) -> None:
        w = self.work
        self.lease_file = w / "leases4.csv"
        config = {"Dhcp4": {
            "interfaces-config": {"interfaces": [IFACE]},
            # persist: every lease change is appended to the CSV file; lfc-interval 0: no
            # lease-file cleanup process runs during the measurement.
            "lease-database": {"type": "memfile", "persist": True, "name": str(self.lease_file), "lfc-interval": 0},
            "valid-lifetime": LEASE_TIME,
            "subnet4": [{"id": 1, "subnet": SUBNET, "pools": [{"pool": f"{POOL[0]} - {POOL[1]}"}]}],
            # WARN: Kea logs every allocation at INFO, which would cost it time ddid does not spend.
            "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": str(w / "kea.log")}],
                         "severity": "WARN"}],
        }}
        (w / "kea-dhcp4.json").write_text(json.dumps(config, indent=2))

    def env(self) -> dict:
        # Its PID and logger lock files in its own directory, away from the system service's.
        return {**os.environ, "KEA_PIDFILE_DIR": str(self.work), "KEA_LOCKFILE_DIR": str(self.work)}

    def command(self) -> list[str]:
        return ["kea-dhcp4", "-c", str(self.work / "kea-dhcp4.json")]

    def leases(self) -> int:
        addresses = set()
        try:
            for line in self.lease_file.read_text().splitlines()[1:]:
                addresses.add(line.split(",", 1)[0])
        except OSError:
            return 0
        return len(addresses)


class Ddid(Server):
    name = "ddid"

    def __init__(self, work: Path, server_ns, build: Path):
        super().__init__(work, server_ns)
        self.build = build
        self.http: tuple[str, int] = ("", 0)
        self.cookie = ""

    def prepare(self) -> None:
        w = self.work
        (w / "ddid.json").write_text(json.dumps({
            "log": {"level": "warn"},
            "dns": {"listen": ["127.0.0.1:0"], "workers": 1},
            "http": {"listen": ["127.0.0.1:0"], "threads": 1},
            "storage": {"data_dir": str(w / "data")},
            # client_rate 0: perfdhcp's clients retry at will, as with Kea (which has no such limit).
            "dhcp": {"enabled": True, "interfaces": [IFACE], "client_rate": 0},
        }))

    def command(self) -> list[str]:
        return [str(self.build / "app" / "ddid"), "--config", str(self.work / "ddid.json"),
                "--ready-file", str(self.work / "ready.json")]

    def call(self, method: str, path: str, body=None, raw: bool = False):
        host, port = self.http
        status, _, data = in_netns(self.ns.name, api, host, port, method, path, body, self.cookie, 30, timeout=40)
        if raw:
            return status, data.decode()
        return status, json.loads(data) if data else None

    def after_start(self) -> None:
        ready = self.work / "ready.json"
        deadline = time.monotonic() + 60
        while not ready.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"ddid did not become ready; see {self.log_path}")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        host, port = info["http"][0].rsplit(":", 1)
        self.http = (host, int(port))
        password = (Path(info["data_dir"]) / "initial-admin-password").read_text().strip()
        status, cookie, data = in_netns(self.ns.name, api, host, int(port), "POST", "/api/v1/login",
                                        {"username": "admin", "password": password}, "", 30, timeout=40)
        if status != 200:
            raise RuntimeError(f"ddid login failed: {status} {data[:200]!r}")
        self.cookie = cookie.split(";", 1)[0]
        status, body = self.call("POST", "/api/v1/subnets",
                                 {"network": SUBNET, "name": "bench", "dhcp": {"lease_time": LEASE_TIME}})
        if status != 201:
            raise RuntimeError(f"subnet create failed: {status} {body}")
        status, body2 = self.call("POST", f"/api/v1/subnets/{body['id']}/pools", {"start": POOL[0], "end": POOL[1]})
        if status != 201:
            raise RuntimeError(f"pool create failed: {status} {body2}")
        # The service reloads its configuration after the commit.
        deadline = time.monotonic() + 15
        while True:
            status, st = self.call("GET", "/api/v1/status")
            dhcp = (st or {}).get("services", st or {}).get("dhcp", {})
            if status == 200 and dhcp.get("subnets", 0) >= 1:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the DHCP service did not load the subnet: {st}")
            time.sleep(0.1)

    def leases(self) -> int:
        status, body = self.call("GET", "/api/v1/dhcp/statistics")
        return int(body["totals"]["assigned"]) if status == 200 else 0

    def extras(self) -> dict:
        """How long lease changes waited to be durable (the engine's decision to the synced
        commit), and how many lease changes one synced transaction carried (group commit)."""
        _, text = self.call("GET", "/metrics", raw=True)
        metrics = parse_metrics(text)
        changes = metrics.get("ddid_dhcp4_commits_total", 0.0)
        waited = metrics.get("ddid_dhcp4_commit_latency_seconds_sum", 0.0)
        _, st = self.call("GET", "/api/v1/status")
        transactions = float(((st or {}).get("services", {}).get("storage", {}) or {}).get("commits", 0))
        return {"commit_ms": 1000 * waited / changes if changes else 0.0,
                "per_txn": changes / transactions if transactions else 0.0}


# ---- the run ------------------------------------------------------------------------------------

def measure(server: Server, client_ns, rate: int | None, seconds: int, clients: int, seed: int,
            drop_time: float) -> dict:
    server.start()
    try:
        wait_serving(client_ns, server)
        before = cpu_seconds(server.proc.pid)
        cmd = [*client_ns.exec_prefix(), *perfdhcp_args(rate, seconds, clients, seed, drop_time)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL)
        used = cpu_seconds(server.proc.pid) - before
        # Exit 3 means some exchanges did not complete: expected at saturation.
        if p.returncode not in (0, 3):
            raise RuntimeError(f"perfdhcp failed ({p.returncode}) against {server.name}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
        r = parse_perfdhcp(p.stdout)
        acks = r["ra"]["received"]
        return {"rate": r["rate"], "acks": acks, "drops": r["do"]["drops"] + r["ra"]["drops"],
                "sent": r["do"]["sent"], "do_ms": r["do"]["avg_ms"], "ra_ms": r["ra"]["avg_ms"],
                "ra_max_ms": r["ra"]["max_ms"], "cpu": used, "per_cpu": acks / used if used > 0 else 0.0,
                "leases": server.leases(), **server.extras()}
    finally:
        server.stop()


def check_tools() -> str | None:
    reason = unavailable_reason()
    if reason:
        return reason
    missing = [t for t in ("kea-dhcp4", "perfdhcp", "taskset") if not shutil.which(t)]
    if missing:
        return f"{', '.join(missing)} not found: {INSTALL_HINT}"
    return None


def print_table(med: dict, rates: list, labels: dict, seconds: int) -> None:
    print(f"\n{'offered':>10} {'server':6} {'sent/s':>7} {'DORA/s':>7} {'drops':>6} {'drop%':>6} {'D-O ms':>7} "
          f"{'R-A ms':>7} {'R-A max':>8} {'DORA/CPU-s':>10} {'leases':>7}")
    for rate in rates:
        for name, m in med.get(labels[rate], {}).items():
            print(f"{labels[rate]:>10} {name:6} {m['sent'] / seconds:7.0f} {m['rate']:7.0f} {m['drops']:6.0f} "
                  f"{100 * m['drops'] / (m['sent'] or 1):5.1f}% {m['do_ms']:7.2f} {m['ra_ms']:7.2f} {m['ra_max_ms']:8.1f} "
                  f"{m['per_cpu']:10.0f} {m['leases']:7.0f}")
    rows = [(labels[r], med[labels[r]]["ddid"]) for r in rates if "ddid" in med.get(labels[r], {})]
    if rows:
        print("\nddid, lease change to durable (engine decision to synced commit), median of run averages:")
        for label, m in rows:
            print(f"{label:>10}: {m['commit_ms']:.1f} ms, {m['per_txn']:.1f} lease changes per synced transaction")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("SECONDS_PER_RUN", 10)))
    ap.add_argument("--rates", default="500,1000", help="fixed offered rates both servers sustain (DORA/s)")
    ap.add_argument("--saturation", default="10000,20000",
                    help="offered rates for the saturation figures, at and above the servers' capacity (DORA/s)")
    ap.add_argument("--clients", type=int, default=30000, help="perfdhcp -R: distinct simulated clients")
    ap.add_argument("--drop-time", type=float, default=1.0,
                    help="perfdhcp -d: seconds after which an unanswered message counts as dropped (its default, 1)")
    ap.add_argument("--servers", default="kea,ddid")
    args = ap.parse_args()
    build = (ROOT / args.build).resolve()

    if os.geteuid() != 0:
        # Not a failure of the benchmark: `make bench` goes on with the others.
        print("== dhcp4: skipped: it needs root (network namespaces, port 67); run it with sudo", flush=True)
        return 0
    problem = check_tools()
    if problem:
        print(f"dhcp4 benchmark: {problem}", file=sys.stderr)
        return 1
    if "ddid" in args.servers.split(",") and not (build / "app" / "ddid").exists():
        print(f"dhcp4 benchmark: {build / 'app' / 'ddid'} is missing: build first (make build)", file=sys.stderr)
        return 1

    # SIGTERM unwinds like Ctrl-C, through the finally blocks that stop servers and remove namespaces.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    saturation = [int(r) for r in args.saturation.split(",") if r]
    rates: list[int] = [int(r) for r in args.rates.split(",") if r and int(r) not in saturation] + saturation
    labels = {r: f"sat@{r}" if r in saturation else str(r) for r in rates}

    kea_version = subprocess.run(["kea-dhcp4", "-v"], capture_output=True, text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="ddid-bench-dhcp4-", dir=os.environ.get("BENCH_DIR", "/var/tmp")))
    lab = NetnsLab()
    try:
        server_ns, client_ns = lab.namespace("s"), lab.namespace("c")
        lab.veth(server_ns, IFACE, client_ns, IFACE)
        server_ns.add_address(IFACE, f"{SERVER_ADDRESS}/{PREFIX_LEN}")
        client_ns.add_address(IFACE, f"{CLIENT_ADDRESS}/{PREFIX_LEN}")
        servers: list[Server] = []
        for name in args.servers.split(","):
            servers.append(Ddid(work, server_ns, build) if name == "ddid" else Kea(work, server_ns))

        print(f"== dhcp4: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, load {os.getloadavg()[0]:.1f}, "
              f"Kea {kea_version}, pool {POOL[0]}-{POOL[1]}, perfdhcp -R {args.clients}, {args.rounds} rounds of "
              f"{args.seconds}s per rate, drop time {args.drop_time:g}s, servers on CPU 0, perfdhcp on CPU 1, "
              f"files in {work.parent}", flush=True)
        results: dict[str, dict[str, dict[str, list[float]]]] = {}
        for rnd in range(args.rounds):
            for rate in rates:
                for s in servers:
                    seed = 1000 * rnd + rate  # the same clients for both servers within a round
                    r = measure(s, client_ns, rate, args.seconds, args.clients, seed, args.drop_time)
                    per = results.setdefault(labels[rate], {}).setdefault(s.name, {})
                    for k, v in r.items():
                        per.setdefault(k, []).append(v)
                    extra = f", commit {r['commit_ms']:.1f} ms" if "commit_ms" in r else ""
                    print(f"   round {rnd + 1} {labels[rate]:>10} {s.name:5} {r['rate']:6.0f} DORA/s, "
                          f"{r['sent']:.0f} DISCOVERs, drops {r['drops']:.0f}, R-A avg {r['ra_ms']:.2f} ms{extra}, "
                          f"{r['leases']} leases, load {os.getloadavg()[0]:.1f}", flush=True)

        med = {label: {name: {k: statistics.median(v) for k, v in d.items()} for name, d in per.items()}
               for label, per in results.items()}
        print_table(med, rates, labels, args.seconds)
        if "ddid" in args.servers and "kea" in args.servers:
            print()
            for rate in rates:
                d, k = med[labels[rate]]["ddid"], med[labels[rate]]["kea"]
                ratio = d["rate"] / k["rate"] if k["rate"] else float("nan")
                eff = d["per_cpu"] / k["per_cpu"] if k["per_cpu"] else float("nan")
                print(f"ddid/kea at {labels[rate]:>10}: DORA/s {ratio:.2f}x, DORA per CPU-s {eff:.2f}x", flush=True)
    finally:
        lab.cleanup()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("dhcp4 benchmark: interrupted (servers stopped, namespaces removed)", file=sys.stderr)
        sys.exit(130)
