# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""A real PostgreSQL server for the tests, from Debian's packages (scripts/install-postgres).

``initdb`` makes a throw-away cluster in a temporary folder and ``postgres`` serves it on a
free loopback port (TCP only, no Unix socket, trust authentication, fsync off: the data is
thrown away). PostgreSQL refuses to run as root, so under root (CI) both run as the
unprivileged ``postgres`` user that the Debian package creates, and the folder is theirs.

The server is this process's child, not a daemon started with ``pg_ctl start``: it gets
SIGTERM when the test process dies (PR_SET_PDEATHSIG), so a killed test run leaves no
server behind. :meth:`PostgresServer.stop` asks for a fast shutdown (SIGINT).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Self

import psycopg
from psycopg import sql

SERVICE_USER = "postgres"  # created by Debian's postgresql-common
DEBIAN_BIN = Path("/usr/lib/postgresql")


class PostgresUnavailableError(RuntimeError):
    """The server cannot be run here (no binaries, no unprivileged user) or did not start."""


def _die_with_parent() -> None:
    """In the child, after it dropped root: SIGTERM when the test process dies."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def find_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``postgres``: Debian's newest version, else PATH."""
    versions = sorted(
        (d for d in DEBIAN_BIN.glob("*/bin") if (d / "initdb").is_file()),
        key=lambda d: [int(p) for p in re.findall(r"\d+", d.parent.name)] or [0],
    )
    if versions:
        return versions[-1]
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("postgres") is not None:
        return Path(initdb).resolve().parent
    return None


def _service_user() -> pwd.struct_passwd | None:
    """Who runs the server: ``postgres`` under root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresUnavailableError(
            f"running as root and there is no {SERVICE_USER!r} user to run PostgreSQL as "
            "(scripts/install-postgres installs the package that creates it)"
        ) from None


def missing_prerequisite() -> str | None:
    """Why the server cannot be started here, or None when it can."""
    if find_bin_dir() is None:
        return "the PostgreSQL server is not installed: run scripts/install-postgres"
    try:
        _service_user()
    except PostgresUnavailableError as exc:
        return str(exc)
    return None


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One throw-away cluster on a loopback port; :meth:`database` makes fresh databases."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise PostgresUnavailableError(
                "the PostgreSQL server is not installed: run scripts/install-postgres"
            )
        self.bin_dir = found
        self.user = _service_user()
        self.port = free_port()
        self.superuser = "postgres"
        self.work_dir: Path | None = None
        self.startup_s: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # running programs as the service user

    def _as_service(self) -> dict[str, Any]:
        env = {
            "PATH": f"{self.bin_dir}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        options: dict[str, Any] = {"env": env, "cwd": self.work_dir}
        if self.user is not None:
            env["HOME"] = str(self.work_dir)
            env["USER"] = self.user.pw_name
            options |= {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return options

    @property
    def data_dir(self) -> Path:
        assert self.work_dir is not None, "the server was not started"
        return self.work_dir / "data"

    @property
    def log_path(self) -> Path:
        assert self.work_dir is not None, "the server was not started"
        return self.work_dir / "postgres.log"

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string for ``dbname`` as the superuser."""
        return (
            f"host=127.0.0.1 port={self.port} user={self.superuser} dbname={dbname} "
            "connect_timeout=10"
        )

    # lifecycle

    def start(self, timeout_s: float = 60.0) -> None:
        """initdb, start the server, wait until it accepts connections."""
        began = time.monotonic()
        self.work_dir = Path(tempfile.mkdtemp(prefix="correlator-pg-"))
        if self.user is not None:
            os.chown(self.work_dir, self.user.pw_uid, self.user.pw_gid)
        atexit.register(self.stop)
        initdb = subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.superuser,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            **self._as_service(),
        )
        if initdb.returncode != 0:
            self.stop()
            raise PostgresUnavailableError(
                f"initdb failed ({initdb.returncode}):\n{initdb.stdout[-2000:]}\n"
                f"{initdb.stderr[-2000:]}"
            )
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
            "shared_buffers": "32MB",
        }
        args = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        with self.log_path.open("wb") as log:
            if self.user is not None:
                os.chown(self.log_path, self.user.pw_uid, self.user.pw_gid)
            self._process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only async-signal-safe prctl
                **self._as_service(),
            )
        try:
            self._wait_ready(began + timeout_s)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.monotonic() - began

    def _wait_ready(self, deadline: float) -> None:
        last = ""
        while time.monotonic() < deadline:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise PostgresUnavailableError(
                    f"postgres exited ({code}) while starting:\n{self.log_tail()}"
                )
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
            except psycopg.OperationalError as exc:
                last = str(exc)
                time.sleep(0.05)
            else:
                return
        raise PostgresUnavailableError(
            f"postgres did not accept connections in time ({last}):\n{self.log_tail()}"
        )

    def database(self, name: str | None = None) -> str:
        """Create a new, empty database and return its DSN."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, AssertionError):
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        """Fast shutdown (SIGINT), SIGKILL when it takes too long; remove the cluster."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout_s)
        work_dir, self.work_dir = self.work_dir, None
        if work_dir is not None:
            shutil.rmtree(work_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


if __name__ == "__main__":
    # a manual check: start, report, stop
    with PostgresServer() as server:
        print(f"PostgreSQL on port {server.port}, ready in {server.startup_s:.2f} s")
        print(server.database())
