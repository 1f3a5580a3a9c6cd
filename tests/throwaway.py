"""Throwaway PostgreSQL and Redis servers for tests: started in a temporary folder on a free loopback
port, stopped (and their folder removed) by the test that started them. Tests never stop, restart or
reconfigure the machine's own servers.

PostgreSQL: `initdb` from /usr/lib/postgresql/*/bin (or PATH) in a temporary folder, trust auth on
loopback only, no Unix socket outside that folder. initdb refuses to run as root, so as root the
cluster is created and run as the `postgres` user (or `nobody`) with `runuser`.
Redis: `redis-server --port <free> --save "" --appendonly no` (nothing written to disk).

When the binaries are missing the fixtures skip with the reason; with REQUIRE_SERVICES=1 (CI) they
fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(reason: str) -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) because a service cannot be started."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - still starting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s")


def _postgres_bin() -> Optional[Path]:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _unprivileged_user() -> Optional[str]:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own: `start()`, `stop()`, `start()` again (same data), `destroy()`."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        if self.bin is None:
            missing("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)")
        self.user: Optional[str] = None
        if os.geteuid() == 0:
            self.user = _unprivileged_user()
            if self.user is None or shutil.which("runuser") is None:
                missing("running as root without a `postgres` user and runuser: initdb refuses root")
        # Not under pytest's tmp_path: that folder is private to root and the server runs as another user.
        self.folder = Path(tempfile.mkdtemp(prefix="ua-be-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.host = "127.0.0.1"
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.folder.chmod(0o700)
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--no-sync", "--locale", "C.UTF-8"],
        )

    def _run(self, command: list[str]) -> subprocess.CompletedProcess:
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> "ThrowawayPostgres":
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                   "-o", options, "-w", "-t", "60", "start"])
        wait_until(lambda: self.connect().close() is None, 30, "the throwaway PostgreSQL")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, dbname: str = "postgres"):  # type: ignore[no-untyped-def]
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user="postgres", dbname=dbname, connect_timeout=3)

    def create_database(self, name: str) -> str:
        connection = self.connect()
        connection.autocommit = True
        connection.cursor().execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return name


class ThrowawayRedis:
    """A Redis server of its own that writes nothing to disk: `start()`, `stop()`, `start()` again."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server is not installed (Debian: apt-get install redis-server)")
        self.folder = Path(tempfile.mkdtemp(prefix="ua-be-redis-"))
        self.port = free_port()
        self.host = "127.0.0.1"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ThrowawayRedis":
        log = (self.folder / "server.log").open("a")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        wait_until(lambda: self.client().ping(), 30, "the throwaway Redis")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host=self.host, port=self.port, socket_timeout=3)


@pytest.fixture(scope="session")
def throwaway_redis():
    """A Redis server of this test session (not the machine's)."""
    server = ThrowawayRedis().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def throwaway_postgres():
    """A PostgreSQL cluster of this test session (not the machine's)."""
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
