# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""A real single-node Kafka broker (KRaft) for the tests and the benchmarks.

The jars come from Maven Central through ``scripts/fetch-kafka`` (tools/kafka/pom.xml) into
``.cache/kafka/lib``; the broker runs as ``java -cp 'lib/*' kafka.Kafka server.properties``
on free loopback ports, with its data and log in a temporary folder.

Besides the plain listener the broker has a second one, ``PROXIED``, that advertises a port
nobody listens on yet (:attr:`KafkaBroker.proxied_port`): a test that runs a TCP proxy there
(to :attr:`KafkaBroker.proxied_target`) gets clients whose every connection goes through
the proxy, so closing the proxy is a broker outage for those clients only.

A third listener, ``SECURE``, speaks SASL over TLS (:attr:`KafkaBroker.secure_bootstrap`):
its certificate is signed by a throw-away CA made with ``openssl`` (:attr:`KafkaBroker.ca_file`,
for ``IP:127.0.0.1``), and it takes the users of :data:`SASL_USERS` with PLAIN,
SCRAM-SHA-256 and SCRAM-SHA-512 (the SCRAM credentials are written at format time).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import concurrent.futures
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LIB = REPO / ".cache" / "kafka" / "lib"

_LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
"""


SASL_USERS: dict[str, str] = {"correlator": "correlator-secret", "other": "other-secret"}
"""The users (name -> password) the ``SECURE`` listener accepts."""


class BrokerUnavailableError(RuntimeError):
    """The broker cannot be run here (no java, no jars) or did not come up."""


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so no broker is orphaned."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def find_java() -> str | None:
    """The java executable: ``$JAVA_HOME/bin/java`` or the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def missing_prerequisite(lib_dir: Path = DEFAULT_LIB) -> str | None:
    """Why the broker cannot be started here, or None when it can."""
    if find_java() is None:
        return "java is not installed (Kafka needs Java 17+)"
    if not any(lib_dir.glob("kafka_2.13-*.jar")):
        return f"the Kafka jars are not in {lib_dir}: run scripts/fetch-kafka"
    if shutil.which("openssl") is None:
        return "openssl is not installed (the broker's TLS listener needs a certificate)"
    return None


def _openssl(*args: str) -> None:
    done = subprocess.run(
        ["openssl", *args], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise BrokerUnavailableError(f"openssl {args[0]} failed: {done.stderr[-2000:]}")


def make_certificates(folder: Path) -> tuple[Path, Path]:
    """A CA and a server certificate for ``IP:127.0.0.1``: (ca.pem, server.pem).

    server.pem holds the unencrypted PKCS#8 key and the certificate, the PEM key store
    Kafka reads from ``ssl.keystore.location``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.crt"
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "2",
        "-subj",
        "/CN=correlator test CA",
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(csr),
        "-subj",
        "/CN=127.0.0.1",
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-out",
        str(cert),
        "-days",
        "2",
        "-extfile",
        str(ext),
    )
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", str(key), "-out", str(folder / "key8.pem"))
    store = folder / "server.pem"
    store.write_text((folder / "key8.pem").read_text() + cert.read_text())
    return ca, store


def _cluster_id() -> str:
    """A random Kafka cluster id (base64url UUID), never starting with "-" like Kafka's own."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


async def _metadata_ok(bootstrap: str) -> bool:
    """True when a Metadata request answers with at least one broker."""
    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415 - only when probing

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except Exception:
        return False
    finally:
        await admin.close()
    return bool(cluster.get("brokers"))


def _run_async_probe(bootstrap: str) -> bool:
    """Run :func:`_metadata_ok` on a loop of its own (the caller may be inside one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _metadata_ok(bootstrap)).result()


class KafkaBroker:
    """One KRaft broker+controller process on loopback ports under ``work_dir``."""

    def __init__(self, lib_dir: Path, work_dir: Path, *, heap: str = "512m") -> None:
        self.lib_dir = lib_dir
        self.work_dir = work_dir
        self.heap = heap
        self.port = free_port()
        self.controller_port = free_port()
        self.proxied_listener_port = free_port()
        self.proxied_port = free_port()
        self.secure_port = free_port()
        self.ca_file = work_dir / "tls" / "ca.pem"
        self.log_path = work_dir / "broker.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The plain listener, for ordinary clients."""
        return f"127.0.0.1:{self.port}"

    @property
    def proxied_target(self) -> tuple[str, int]:
        """Where a proxy on :attr:`proxied_port` must forward to."""
        return ("127.0.0.1", self.proxied_listener_port)

    @property
    def proxied_bootstrap(self) -> str:
        """The bootstrap address of clients that go through the proxy."""
        return f"127.0.0.1:{self.proxied_port}"

    @property
    def secure_bootstrap(self) -> str:
        """The SASL_SSL listener (trust :attr:`ca_file`, log in as one of SASL_USERS)."""
        return f"127.0.0.1:{self.secure_port}"

    def _secure_settings(self) -> list[str]:
        _ca, store = make_certificates(self.ca_file.parent)
        plain_users = " ".join(f'user_{name}="{pw}"' for name, pw in SASL_USERS.items())
        prefix = "listener.name.secure"
        return [
            f"{prefix}.ssl.keystore.type=PEM",
            f"{prefix}.ssl.keystore.location={store}",
            f"{prefix}.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            (
                f"{prefix}.plain.sasl.jaas.config="
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};"
            ),
            *(
                f"{prefix}.{mech}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                for mech in ("scram-sha-256", "scram-sha-512")
            ),
        ]

    def _write_config(self) -> tuple[Path, Path]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        data = self.work_dir / "data"
        props = self.work_dir / "server.properties"
        props.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
                    (
                        "listeners="
                        f"PLAINTEXT://127.0.0.1:{self.port},"
                        f"CONTROLLER://127.0.0.1:{self.controller_port},"
                        f"PROXIED://127.0.0.1:{self.proxied_listener_port},"
                        f"SECURE://127.0.0.1:{self.secure_port}"
                    ),
                    (
                        "advertised.listeners="
                        f"PLAINTEXT://127.0.0.1:{self.port},"
                        f"PROXIED://127.0.0.1:{self.proxied_port},"
                        f"SECURE://127.0.0.1:{self.secure_port}"
                    ),
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    (
                        "listener.security.protocol.map="
                        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT,"
                        "SECURE:SASL_SSL"
                    ),
                    *self._secure_settings(),
                    f"log.dirs={data}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "",
                ]
            )
        )
        log4j = self.work_dir / "log4j2.properties"
        log4j.write_text(_LOG4J2)
        return props, log4j

    def _java(self, log4j: Path, *args: str) -> list[str]:
        java = find_java()
        if java is None:
            raise BrokerUnavailableError("java is not installed (Kafka needs Java 17+)")
        return [
            java,
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{self.lib_dir}/*",
            *args,
        ]

    def start(self, timeout_s: float = 90.0) -> None:
        """Format the storage, start the process and wait until it serves metadata."""
        reason = missing_prerequisite(self.lib_dir)
        if reason is not None:
            raise BrokerUnavailableError(reason)
        props, log4j = self._write_config()
        cluster_id = _cluster_id()
        fmt = subprocess.run(
            self._java(
                log4j,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                f"--config={props}",
                "--standalone",
                *(
                    f"--add-scram={mech}=[name={name},password={pw}]"
                    for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512")
                    for name, pw in SASL_USERS.items()
                ),
            ),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if fmt.returncode != 0:
            raise BrokerUnavailableError(
                f"kafka storage format failed ({fmt.returncode}):\n{fmt.stdout[-3000:]}"
                f"\n{fmt.stderr[-3000:]}"
            )
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                self._java(log4j, "kafka.Kafka", str(props)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only async-signal-safe prctl
            )
        atexit.register(self.stop)
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise BrokerUnavailableError(
                    f"the Kafka broker exited ({code}) while starting:\n{self.log_tail()}"
                )
            if _accepts(self.port) and _run_async_probe(self.bootstrap):
                return
            time.sleep(0.5)
        raise BrokerUnavailableError(
            f"the Kafka broker did not serve metadata within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the broker's log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no broker log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM (controlled shutdown), then SIGKILL when it takes too long."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class TcpProxy:
    """A loopback TCP proxy; :meth:`cut` drops every connection and stops listening."""

    def __init__(self, listen_port: int, target: tuple[str, int]) -> None:
        self.listen_port = listen_port
        self.target = target
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.listen_port, reuse_address=True
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            sink.transport.abort()

    async def cut(self) -> None:
        """The outage: refuse new connections and reset the open ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
