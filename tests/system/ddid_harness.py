"""Start the real ddid binary for system tests and talk to it.

A Node writes a config with port 0 everywhere into its own directory, starts ddid with
--ready-file, waits (bounded) until the ready file names the ports it bound, reads the first-start
credentials from standard output, and stops by PID: SIGTERM, a bounded wait, then SIGKILL.
Every wait here has a timeout; on failure the message carries the tail of ddid's stderr.
"""

from __future__ import annotations

import copy
import http.client
import json as jsonlib
import os
import re
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CREDENTIALS_TIMEOUT = 5.0


def build_dir() -> Path:
    """The Meson build directory: $DDID_BUILD_DIR, else <repo>/build."""
    env = os.environ.get("DDID_BUILD_DIR")
    return Path(env).resolve() if env else REPO_ROOT / "build"


def ddid_binary_path() -> Path:
    return build_dir() / "app" / "ddid"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def skip_or_fail(reason: str) -> None:
    """Skips locally; fails under CI=true, where a skip would hide a test that must run."""
    import pytest

    if in_ci():
        pytest.fail(f"cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def parse_hostport(text: str) -> tuple[str, int]:
    """"127.0.0.1:53" -> ("127.0.0.1", 53); "[::1]:53" -> ("::1", 53)."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
    else:
        host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not an address:port: {text!r}")
    return host, int(port)


def deep_merge(base: dict, overrides: dict) -> dict:
    """A copy of `base` with `overrides` merged in, nested objects key by key; None deletes."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_log_line(line: str) -> dict[str, str]:
    """One `key=value key="quoted value"` log line as a dict."""
    fields: dict[str, str] = {}
    for m in re.finditer(r'(\w[\w.]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        value = m.group(2)
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = bytes(value[1:-1], "utf-8").decode("unicode_escape")
        fields[m.group(1)] = value
    return fields


class NodeError(Exception):
    """ddid did not start or stop as expected; the message includes its stderr."""


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return jsonlib.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        return f"Response({self.status} {self.reason}, {self.body[:200]!r})"


@dataclass
class Credentials:
    username: str
    password: str
    url: Optional[str] = None


@dataclass
class Node:
    """One ddid process with its own directory, config, data and ports."""

    binary: Path
    workdir: Path
    name: str = "node1"
    config_overrides: dict = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    env: Optional[dict[str, str]] = None
    # A command prefix such as ["ip", "netns", "exec", "dd1234a-a"] to start ddid elsewhere.
    wrapper: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.workdir / "data"
        self.config_path = self.workdir / "ddid.json"
        self.ready_path = self.workdir / "ready.json"
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"
        self.process: Optional[subprocess.Popen] = None
        self.ready: Optional[dict] = None
        self.credentials: Optional[Credentials] = None
        self.token: Optional[str] = None
        self.cookie: Optional[str] = None
        self.returncode: Optional[int] = None
        self._stdout_offset = 0
        self._stderr_offset = 0

    # ---- configuration -------------------------------------------------------------------

    def default_config(self) -> dict:
        dns_listen = ["127.0.0.1:0"]
        if ipv6_loopback_available():
            dns_listen.append("[::1]:0")
        return {
            "node": {"name": self.name},
            "log": {"level": "info"},
            "dns": {"listen": dns_listen, "workers": 2},
            "http": {"listen": ["127.0.0.1:0"]},
            "storage": {"data_dir": str(self.data_dir)},
        }

    @property
    def config(self) -> dict:
        return deep_merge(self.default_config(), self.config_overrides)

    def write_config(self, config: Optional[dict] = None) -> Path:
        self.config_path.write_text(jsonlib.dumps(config if config is not None else self.config, indent=2) + "\n")
        return self.config_path

    # ---- process -------------------------------------------------------------------------

    def command(self) -> list[str]:
        return [*self.wrapper, str(self.binary), "--config", str(self.config_path), "--data-dir", str(self.data_dir),
                "--ready-file", str(self.ready_path), *self.extra_args]

    def start(self, timeout: float = START_TIMEOUT) -> "Node":
        """Starts ddid and waits until its ready file appears; raises NodeError otherwise."""
        if self.running:
            raise NodeError(f"{self.name} is already running (pid {self.process.pid})")
        first_start = not self.data_dir.exists() or not any(self.data_dir.iterdir())
        self.write_config()
        self.ready_path.unlink(missing_ok=True)
        self.ready = None
        self.returncode = None
        # Output goes to files, not pipes: a chatty process can never block on a full pipe.
        self._stdout_offset = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        self._stderr_offset = self.stderr_path.stat().st_size if self.stderr_path.exists() else 0
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            env = dict(os.environ if self.env is None else self.env)
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                            env=env, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while True:
            if self.ready_path.exists():
                try:
                    self.ready = jsonlib.loads(self.ready_path.read_text())
                    break
                except ValueError:
                    pass  # written atomically, so this should not happen; retry until the deadline
            code = self.process.poll()
            if code is not None:
                self.returncode = code
                raise NodeError(f"{self.name}: ddid exited with {code} before it was ready\n{self.describe()}")
            if time.monotonic() > deadline:
                self.kill()
                raise NodeError(f"{self.name}: no ready file after {timeout:.0f}s\n{self.describe()}")
            time.sleep(0.05)
        if first_start:
            self.credentials = self._wait_for_credentials(deadline=time.monotonic() + CREDENTIALS_TIMEOUT)
        return self

    def _wait_for_credentials(self, deadline: float) -> Optional[Credentials]:
        while time.monotonic() < deadline:
            creds = parse_credentials(self.stdout())
            if creds:
                return creds
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        return None

    @property
    def pid(self) -> int:
        if not self.process:
            raise NodeError(f"{self.name} was never started")
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.running:
            os.kill(self.pid, sig)

    def wait(self, timeout: float = STOP_TIMEOUT) -> Optional[int]:
        """Waits for the process to exit; returns its code, or None on timeout."""
        if not self.process:
            return None
        try:
            self.returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self, timeout: float = STOP_TIMEOUT) -> Optional[int]:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code (negative: signal)."""
        if not self.process:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.returncode = self.process.returncode
        return self.returncode

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        if self.process:
            self.returncode = self.process.returncode

    # ---- output --------------------------------------------------------------------------

    def stdout(self) -> str:
        """Standard output of the current (or last) run."""
        return _read_from(self.stdout_path, self._stdout_offset)

    def stderr(self) -> str:
        return _read_from(self.stderr_path, self._stderr_offset)

    def log_events(self, event: Optional[str] = None) -> list[dict[str, str]]:
        """The structured log lines of the current run, optionally only those of one event."""
        lines = [parse_log_line(line) for line in self.stderr().splitlines() if "event=" in line]
        return [fields for fields in lines if event is None or fields.get("event") == event]

    def describe(self, lines: int = 40) -> str:
        err = self.stderr().splitlines()[-lines:]
        out = self.stdout().splitlines()[-lines:]
        return ("--- ddid stderr (last lines) ---\n" + "\n".join(err) +
                "\n--- ddid stdout (last lines) ---\n" + "\n".join(out))

    # ---- addresses -----------------------------------------------------------------------

    def _ready(self) -> dict:
        if self.ready is None:
            raise NodeError(f"{self.name} is not ready")
        return self.ready

    def dns_udp(self) -> list[tuple[str, int]]:
        return [parse_hostport(a) for a in self._ready()["dns"]["udp"]]

    def dns_tcp(self) -> list[tuple[str, int]]:
        return [parse_hostport(a) for a in self._ready()["dns"]["tcp"]]

    def dns_address(self, family: int = socket.AF_INET) -> tuple[str, int]:
        """The first UDP DNS address of the given family."""
        for host, port in self.dns_udp():
            if (":" in host) == (family == socket.AF_INET6):
                return host, port
        raise NodeError(f"{self.name} has no DNS listener of family {family}: {self._ready()['dns']}")

    def http_addresses(self) -> list[tuple[str, int]]:
        return [parse_hostport(a) for a in self._ready()["http"]]

    @property
    def base_url(self) -> str:
        host, port = self.http_addresses()[0]
        return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"

    # ---- HTTPS API -----------------------------------------------------------------------

    def api(self, method: str, path: str, json: Any = None, token: Optional[str] = None,
            cookie: Optional[str] = None, headers: Optional[dict[str, str]] = None, body: Optional[bytes] = None,
            timeout: float = 10.0) -> Response:
        """One HTTPS request (certificate not verified: it is self-signed). `token` defaults to
        the node's token, `cookie` to the cookie of the last login(); pass "" for neither."""
        host, port = self.http_addresses()[0]
        token = self.token if token is None else token
        cookie = self.cookie if cookie is None else cookie
        hdrs = {"Accept": "application/json"}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        if cookie:
            hdrs["Cookie"] = cookie
        hdrs.update(headers or {})
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=insecure_tls_context())
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, r.reason, r.getheaders(), r.read())
        finally:
            conn.close()

    def login(self, username: Optional[str] = None, password: Optional[str] = None) -> Response:
        """POST /api/v1/login; on success keeps the session cookie for later api() calls."""
        if username is None or password is None:
            if not self.credentials:
                raise NodeError(f"{self.name}: no credentials were printed at first start\n{self.describe()}")
            username = username or self.credentials.username
            password = password or self.credentials.password
        r = self.api("POST", "/api/v1/login", json={"username": username, "password": password}, token="", cookie="")
        if 200 <= r.status < 300:
            for value in r.header_all("Set-Cookie"):
                self.cookie = value.split(";", 1)[0].strip()
                break
        return r


def _read_from(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def parse_credentials(stdout: str) -> Optional[Credentials]:
    """Finds the `  username: admin` / `  password: <pw>` block ddid prints at first start."""
    user = re.search(r"^\s*username:\s*(\S+)\s*$", stdout, re.MULTILINE)
    password = re.search(r"^\s*password:\s*(\S+)\s*$", stdout, re.MULTILINE)
    if not user or not password:
        return None
    url = re.search(r"https://\S+", stdout)
    return Credentials(user.group(1), password.group(1), url.group(0) if url else None)


def insecure_tls_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def run_ddid(binary: Path, *args: str, timeout: float = 30.0, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Runs ddid to completion (--check-config, --reset-admin-password, ...), bounded in time."""
    return subprocess.run([str(binary), *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
