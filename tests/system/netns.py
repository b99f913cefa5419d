"""Network namespaces, veth pairs and bridges for the DHCP and HA system tests.

Every name carries a per-run prefix, `dd<pid % 10000><n>` (n counts labs within the process), so
concurrent runs never collide and a lab removes only what it created. Interface names are at
most 15 characters: the prefix takes 7, leaving 8 for the name a test gives.

    with NetnsLab() as lab:
        a, b = lab.namespace("a"), lab.namespace("b")
        lab.veth(a, "eth0", b, "eth0")
        a.run("ip", "addr", "add", "192.0.2.1/24", "dev", "eth0")
        p = b.popen(["sleep", "30"])   # tracked; killed by PID at cleanup

Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import time
from typing import Optional, Sequence

IFNAMSIZ = 15
COMMAND_TIMEOUT = 15.0
_lab_counter = itertools.count()
_LAB_SUFFIX = "0123456789abcdefghijklmnopqrstuvwxyz"


def unavailable_reason() -> Optional[str]:
    """Why namespaces cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip"):
        return "iproute2 (the ip command) is not installed"
    return None


def run(*args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT, input: Optional[str] = None
        ) -> subprocess.CompletedProcess:
    """Runs a command in the host namespace with a time bound; raises with its stderr on failure."""
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


class Namespace:
    """One named network namespace created by a lab."""

    def __init__(self, lab: "NetnsLab", name: str):
        self.lab = lab
        self.name = name

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def run(self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        """Runs a command inside the namespace, bounded in time."""
        return run(*self.exec_prefix(), *args, check=check, timeout=timeout)

    def popen(self, args: Sequence[str], **kwargs) -> subprocess.Popen:
        """Starts a long-running process inside the namespace; the lab kills it at cleanup."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen([*self.exec_prefix(), *args], **kwargs)
        self.lab.processes.append(p)
        return p

    def pids(self) -> list[int]:
        """PIDs of every process whose network namespace this is."""
        out = run("ip", "netns", "pids", self.name, check=False).stdout
        return [int(x) for x in out.split() if x.isdigit()]

    def add_address(self, ifname: str, cidr: str) -> None:
        self.run("ip", "addr", "add", cidr, "dev", ifname, *(["nodad"] if ":" in cidr else []))

    def link_up(self, ifname: str) -> None:
        self.run("ip", "link", "set", ifname, "up")

    def __str__(self) -> str:
        return self.name


Place = Optional[Namespace]  # None = the host's namespace


class NetnsLab:
    """Creates namespaces, veth pairs and bridges under one prefix and removes exactly those."""

    def __init__(self, prefix: Optional[str] = None):
        if prefix is None:
            n = next(_lab_counter)
            prefix = f"dd{os.getpid() % 10000}{_LAB_SUFFIX[n % len(_LAB_SUFFIX)]}"
        if len(prefix) > 7:
            raise ValueError(f"prefix {prefix!r} is longer than 7 characters")
        self.prefix = prefix
        self.namespaces: list[Namespace] = []
        self.host_links: list[str] = []  # links created in the host namespace
        self.processes: list[subprocess.Popen] = []

    # ---- names ---------------------------------------------------------------------------

    def name(self, short: str) -> str:
        full = self.prefix + short
        if len(full) > IFNAMSIZ:
            raise ValueError(f"{full!r} is longer than {IFNAMSIZ} characters; use a shorter name than {short!r}")
        if not full.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"{full!r}: use letters, digits, '-' and '_' only")
        return full

    # ---- objects -------------------------------------------------------------------------

    def namespace(self, short: str) -> Namespace:
        """Creates namespace <prefix><short> with its loopback up."""
        ns = Namespace(self, self.name(short))
        run("ip", "netns", "add", ns.name)
        self.namespaces.append(ns)
        ns.run("ip", "link", "set", "lo", "up")
        return ns

    def bridge(self, short: str, where: Place = None) -> str:
        """Creates a bridge, up, in `where` (a namespace keeps the host's firewall out of the path)."""
        name = self.name(short)
        self._ip(where, "link", "add", name, "type", "bridge")
        if where is None:
            self.host_links.append(name)
        self._ip(where, "link", "set", name, "up")
        return name

    def veth(self, a: Place, a_name: str, b: Place, b_name: str, bridge_b: Optional[str] = None) -> tuple[str, str]:
        """Creates a veth pair with one end in `a` named `a_name` and the other in `b` named
        `b_name` (inside a namespace any name will do; in the host it gets the lab prefix).
        `bridge_b` enslaves b's end to that bridge. Both ends are brought up."""
        tmp_a, tmp_b = self._temp_name(), self._temp_name()
        run("ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b)
        try:
            final_a = self._place(tmp_a, a, a_name)
            final_b = self._place(tmp_b, b, b_name)
        except Exception:
            run("ip", "link", "del", tmp_a, check=False)
            raise
        if bridge_b:
            self._ip(b, "link", "set", final_b, "master", bridge_b)
        self._ip(a, "link", "set", final_a, "up")
        self._ip(b, "link", "set", final_b, "up")
        return final_a, final_b

    def connect(self, ns: Namespace, ifname: str, bridge: str, bridge_ns: Place = None,
                addresses: Sequence[str] = ()) -> str:
        """Plugs `ns` into `bridge` (in `bridge_ns`, None = host) with a veth whose end in `ns`
        is `ifname`; adds `addresses` (CIDR) to it. Returns the name of the bridge-side end."""
        _, bridge_end = self.veth(ns, ifname, bridge_ns, f"p{next(self._port_counter)}", bridge_b=bridge)
        for cidr in addresses:
            ns.add_address(ifname, cidr)
        return bridge_end

    # ---- internals -----------------------------------------------------------------------

    _temp_counter = itertools.count()
    _port_counter = itertools.count()

    def _temp_name(self) -> str:
        return self.name(f"t{next(self._temp_counter)}")

    def _place(self, current: str, where: Place, wanted: str) -> str:
        if where is None:
            final = self.name(wanted)
            if final != current:
                run("ip", "link", "set", current, "name", final)
            self.host_links.append(final)
            return final
        if len(wanted) > IFNAMSIZ:
            raise ValueError(f"{wanted!r} is longer than {IFNAMSIZ} characters")
        run("ip", "link", "set", current, "netns", where.name)
        if wanted != current:
            where.run("ip", "link", "set", current, "name", wanted)
        return wanted

    @staticmethod
    def _ip(where: Place, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        if where is None:
            return run("ip", *args, check=check)
        return where.run("ip", *args, check=check)

    # ---- inspection and cleanup ------------------------------------------------------------

    def leftovers(self) -> list[str]:
        """Namespaces and host links with this lab's prefix that still exist."""
        found = []
        for line in run("ip", "netns", "list", check=False).stdout.splitlines():
            name = line.split()[0] if line.split() else ""
            if name.startswith(self.prefix):
                found.append(f"netns {name}")
        for line in run("ip", "-o", "link", "show", check=False).stdout.splitlines():
            parts = line.split(":", 2)
            if len(parts) > 1:
                ifname = parts[1].strip().split("@", 1)[0]
                if ifname.startswith(self.prefix):
                    found.append(f"link {ifname}")
        return found

    def cleanup(self) -> None:
        """Kills the processes it started and those left inside its namespaces (by PID), then
        deletes its namespaces and host links. Safe to call twice."""
        for p in self.processes:
            _terminate(p)
        self.processes.clear()
        for ns in self.namespaces:
            for pid in ns.pids():
                _kill_pid(pid)
        for link in reversed(self.host_links):
            run("ip", "link", "del", link, check=False)
        self.host_links.clear()
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns.name, check=False)
        self.namespaces.clear()

    def __enter__(self) -> "NetnsLab":
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


def _terminate(p: subprocess.Popen, timeout: float = 5.0) -> None:
    if p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie has finished: only its parent's wait is missing)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _kill_pid(pid: int, timeout: float = 5.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

