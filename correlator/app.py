# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The composition root: the one place that reads settings and constructs services.

``serve`` wires, in this order::

    settings -> bus (in-process + SQLite journal, or Kafka)
             -> store (SQLite or PostgreSQL, migrated), ticket systems, pagers
                                                              [role "all" only]
             -> operator API state: maintenance windows, the live stream hub
                                                              [role "all" only]
             -> HTTP: intake (connectors -> bus)              [every role]
                      operator API /api/v1, NOC page /        [role "all" only]
             -> background services                           [role "all" only]:
                correlator (alerts -> engine -> correlator.incidents; asks the API
                            which nodes are in maintenance, runs its merge/split/reroot),
                dispatch   (correlator.incidents -> decisions -> store + outbox; tells
                            the stream hub what changed),
                outbox     (outbox -> ticket systems and pagers),
                stream     (changed incidents -> server-sent events)

and runs them in one asyncio loop until SIGTERM/SIGINT (or ``stop``), then shuts down in
the reverse order: stop accepting HTTP and let in-flight requests finish (their alerts are
then on the bus), let the background services commit and return, close the HTTP client
and the store, and only then stop the bus (which flushes the producer), so no accepted
alert, no decided action and no committed offset is lost.

Roles: ``all`` (``correlator run``: intake and correlator in one process) and ``connector``
(``correlator connector``: only the intake, producing to Kafka, so connectors and the
correlator can run as separate services).

Other stages are imported inside the functions that build them, so importing this module
has no side effects and the CLI works while a stage is still being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import structlog
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from correlator import __version__
from correlator.bus.topics import Topics
from correlator.clock import Clock, WallClock

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    import httpx
    from prometheus_client import CollectorRegistry
    from structlog.typing import FilteringBoundLogger

    from connectors.base import Connector
    from connectors.intake import SourceOptions
    from correlator.bus.kafka import KafkaSecurity
    from correlator.bus.protocol import Bus
    from correlator.config import KafkaBusSettings, Settings
    from correlator.correlate.engine import Engine
    from correlator.correlate.service import CorrelatorService
    from correlator.dispatch.outbox import OutboxWorker
    from correlator.dispatch.pagers.base import Pager
    from correlator.dispatch.service import DispatchMetrics, DispatchService
    from correlator.dispatch.tickets.base import TicketSystem
    from correlator.serve.auth import Authenticator
    from correlator.serve.operations import Operations
    from correlator.serve.stream import StreamHub
    from correlator.store.protocol import Store
    from correlator.telemetry import Metrics
    from topology.model import Topology

Role = Literal["all", "connector"]
"""``all``: intake and correlator; ``connector``: the HTTP intake only."""

BackgroundService = Callable[[asyncio.Event], Awaitable[None]]
"""A long-running task of the daemon: it runs until the event is set, then commits what it
has done (offsets only after the work they stand for is written) and returns."""

_HANDLED_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
_POLL_S: Final = 0.05


class DaemonError(RuntimeError):
    """The daemon stopped on a failure; the message is one line, shown without traceback."""


class StartupError(DaemonError):
    """The daemon could not start (bus unreachable, port taken...)."""


@dataclass(frozen=True, slots=True)
class DispatchParts:
    """The dispatch stage's outside world: the opened store, the HTTP client the ticket
    and pager adapters share, and the adapters by target name."""

    store: Store
    client: httpx.AsyncClient
    tickets: Mapping[str, TicketSystem]
    pagers: Mapping[str, Pager]
    metrics: DispatchMetrics
    next_incident: int = 1  # the engine numbers on after the incidents the store knows

    async def close(self) -> None:
        """Close the HTTP client, then the store."""
        try:
            await self.client.aclose()
        finally:
            await self.store.close()


@dataclass(frozen=True, slots=True)
class ApiParts:
    """The operator API's state: the application layer (with the maintenance windows)
    and the hub of the live stream."""

    operations: Operations
    hub: StreamHub


@dataclass(frozen=True, slots=True)
class Services:
    """What the composition root built, handed to the background services."""

    settings: Settings
    bus: Bus
    topics: Topics
    clock: Clock
    metrics: Metrics
    log: FilteringBoundLogger
    topology: Topology | None = None
    dispatch: DispatchParts | None = None
    api: ApiParts | None = None
    # Filled by background_services: apply a loaded topology (API reload, SIGHUP).
    reloaders: list[Callable[[Topology], None]] = field(default_factory=list)


def load_topology_for(settings: Settings) -> Topology:
    """The configured topology, or an empty one (every alert unplaced, grouped by host).

    Raises StartupError with the loader's one line (file, line, node, key) on a bad file.
    """
    from topology.load import load_topology  # noqa: PLC0415
    from topology.model import TopologyError, build  # noqa: PLC0415

    path = settings.topology.path
    if path is None:
        return build([], "(no topology configured)")
    try:
        return load_topology(path)
    except TopologyError as exc:
        raise StartupError(f"topology: {exc}") from exc
    except OSError as exc:
        raise StartupError(f"topology: {path}: cannot read: {exc.strerror}") from exc


def run(settings: Settings, *, role: Role = "all") -> int:
    """``correlator run`` / ``correlator connector``: configure logging and serve; exit code."""
    from correlator.telemetry import configure_logging  # noqa: PLC0415 - no import-time work

    configure_logging(settings.logging.level, settings.logging.format)
    log = structlog.get_logger("correlator.app")
    try:
        asyncio.run(serve(settings, role=role))
    except DaemonError as exc:
        event = "start-up failed" if isinstance(exc, StartupError) else "daemon failed"
        log.error(event, error=str(exc))  # noqa: TRY400 - one line, no traceback
        return 1
    except KeyboardInterrupt:  # Ctrl+C before the signal handlers were installed
        return 130
    return 0


async def serve(
    settings: Settings,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
    role: Role = "all",
    registry: CollectorRegistry | None = None,
    handle_signals: bool = True,
) -> None:
    """Run the daemon until SIGTERM/SIGINT or ``stop`` is set, then shut down cleanly.

    ``ready`` is set once the bus is started and the HTTP server listens. Tests run the
    daemon in-process with ``stop`` (and ``handle_signals=False`` off the main thread).
    Raises :class:`StartupError` when the daemon cannot start.
    """
    from prometheus_client import CollectorRegistry  # noqa: PLC0415

    from correlator.telemetry import Metrics  # noqa: PLC0415

    log: FilteringBoundLogger = structlog.get_logger("correlator.app")
    topics = Topics(settings.bus.topic_prefix)
    clock = WallClock()
    metrics = Metrics(registry if registry is not None else CollectorRegistry())
    topology = load_topology_for(settings) if role == "all" else None
    _prepare_data_dir(settings)
    bus = build_bus(settings, topics, clock)
    await _start_bus(bus, settings)
    try:
        dispatch = await open_dispatch(settings, clock, metrics) if role == "all" else None
        try:
            api = None
            if dispatch is not None and topology is not None:
                api = await open_api(dispatch.store, clock, topology)
        except BaseException:
            if dispatch is not None:
                await dispatch.close()
            raise
        services = Services(settings, bus, topics, clock, metrics, log, topology, dispatch, api)
        try:
            await _serve_started_bus(
                services, role=role, ready=ready, stop=stop, signals=handle_signals
            )
        finally:
            if dispatch is not None:
                await dispatch.close()
    finally:
        await bus.stop()
        log.info("stopped", bus=settings.bus.kind)


def build_store(settings: Settings, clock: Clock) -> Store:
    """The store of ``settings.store.kind``, not yet opened."""
    if settings.store.kind == "postgres":
        from correlator.store.postgres import PostgresStore  # noqa: PLC0415

        dsn = settings.store_dsn
        if dsn is None:  # the config loader already refuses this
            raise StartupError("store.postgres.dsn is required when store.kind is 'postgres'")
        return PostgresStore(dsn, clock=clock)
    from correlator.store.sqlite import SqliteStore  # noqa: PLC0415

    return SqliteStore(settings.store_path, clock=clock)


async def open_dispatch(settings: Settings, clock: Clock, metrics: Metrics) -> DispatchParts:
    """Open the store (applying migrations) and build the ticket systems and pagers.

    The built-in queue is restored from the store, so its numbering and its tickets carry
    on after a restart. Raises :class:`StartupError` when the store cannot be opened.
    """
    import httpx  # noqa: PLC0415

    from correlator.dispatch.pagers.registry import build_pagers  # noqa: PLC0415
    from correlator.dispatch.service import (  # noqa: PLC0415
        CountedPager,
        CountedTickets,
        DispatchMetrics,
        restore_builtin_tickets,
    )
    from correlator.dispatch.tickets.builtin import BuiltinTickets  # noqa: PLC0415
    from correlator.dispatch.tickets.registry import (  # noqa: PLC0415
        BuiltinSettings,
        build_ticket_system,
    )
    from correlator.store.protocol import StoreError  # noqa: PLC0415

    store = build_store(settings, clock)
    try:
        await store.open()
    except (StoreError, OSError) as exc:
        raise StartupError(f"{settings.store.kind} store: {exc}") from exc
    client = httpx.AsyncClient()
    try:
        counters = DispatchMetrics(metrics)
        tickets: dict[str, TicketSystem] = {}
        for name, config in settings.tickets.targets.items():
            system: TicketSystem
            if isinstance(config.settings, BuiltinSettings):
                system = BuiltinTickets(
                    name,
                    clock=clock,
                    tickets=await restore_builtin_tickets(store, name),
                    url_template=config.settings.url_template,
                    close_after_s=config.settings.close_after_s,
                )
            else:
                system = build_ticket_system(config, client, clock=clock)
            tickets[name] = CountedTickets(system, counters)
        built = build_pagers(settings.paging.pagers, client=client, clock=clock)
        pagers: dict[str, Pager] = {
            name: CountedPager(pager, counters) for name, pager in built.items()
        }
        next_incident = 1 + max(
            (_incident_number(s.id) for s in await store.incidents()), default=0
        )
    except BaseException as exc:
        await client.aclose()
        await store.close()
        if isinstance(exc, StoreError):  # restoring the built-in queue read the store
            raise StartupError(f"{settings.store.kind} store: {exc}") from exc
        raise
    return DispatchParts(store, client, tickets, pagers, counters, next_incident)


async def open_api(store: Store, clock: Clock, topology: Topology) -> ApiParts:
    """The operator API's state: its layer over the store (maintenance windows read back)
    and the stream hub. Raises :class:`StartupError` when the windows cannot be read."""
    from correlator.serve.operations import Operations  # noqa: PLC0415
    from correlator.serve.stream import StreamHub  # noqa: PLC0415
    from correlator.store.protocol import StoreError  # noqa: PLC0415

    operations = Operations(store, clock=clock, topology=topology)
    try:
        await operations.load()
    except StoreError as exc:
        raise StartupError(f"store: cannot read the maintenance windows: {exc}") from exc
    return ApiParts(operations, StreamHub(operations.summary))


def build_authenticator(settings: Settings) -> Authenticator:
    """The operator API's tokens (and the intake token, which may still reload)."""
    from correlator.serve.auth import ApiToken, Authenticator  # noqa: PLC0415

    tokens = [ApiToken(t.name, t.secret, t.role) for t in settings.api_tokens]
    return Authenticator(tokens, ingest_token=settings.auth_token)


def _incident_number(incident_id: str) -> int:
    """``INC-000042`` -> 42 (0 for an id of another shape)."""
    digits = incident_id.removeprefix("INC-")
    return int(digits) if digits.isdigit() else 0


def kafka_security(kafka: KafkaBusSettings) -> KafkaSecurity:
    """The bus's TLS/SASL settings (the loader already read the password file)."""
    from correlator.bus.kafka import KafkaSecurity  # noqa: PLC0415

    password = kafka.sasl_password
    return KafkaSecurity(
        protocol=kafka.security_protocol,
        sasl_mechanism=kafka.sasl_mechanism,
        sasl_username=kafka.sasl_username,
        sasl_password=password.get_secret_value() if password is not None else None,
        ssl_cafile=kafka.ssl_cafile,
        ssl_certfile=kafka.ssl_certfile,
        ssl_keyfile=kafka.ssl_keyfile,
        ssl_check_hostname=kafka.ssl_check_hostname,
    )


def build_bus(settings: Settings, topics: Topics, clock: Clock) -> Bus:
    """The bus of ``settings.bus.kind``, not yet started."""
    kafka = settings.bus.kafka
    if settings.bus.kind == "kafka":
        from correlator.bus.kafka import KafkaBus  # noqa: PLC0415

        if kafka.bootstrap is None:  # the config loader already refuses this
            raise StartupError("bus.kafka.bootstrap is required when bus.kind is 'kafka'")
        overrides = {
            topics.alerts: {"retention.ms": str(kafka.alerts_retention_ms)},
            topics.dlq: {"retention.ms": str(kafka.dlq_retention_ms)},
        }
        return KafkaBus(
            kafka.bootstrap,
            topics=topics,
            client_id=kafka.client_id,
            create_topics=kafka.create_topics,
            partitions=kafka.partitions,
            replication_factor=kafka.replication_factor,
            topic_configs=overrides,
            security=kafka_security(kafka),
        )
    from correlator.bus.memory import InMemoryBus  # noqa: PLC0415

    memory = settings.bus.memory
    retention = {
        topic: ms / 1000.0
        for topic, ms in (
            (topics.alerts, memory.alerts_retention_ms),
            (topics.dlq, memory.dlq_retention_ms),
        )
        if ms > 0
    }
    return InMemoryBus(settings.journal_path, clock=clock, retention_s=retention)


def enabled_connectors(settings: Settings) -> Mapping[str, Connector]:
    """The registered connectors whose source is enabled in ``settings.connectors``."""
    from connectors.registry import connectors_by_name  # noqa: PLC0415

    return {
        name: connector
        for name, connector in connectors_by_name().items()
        if settings.connectors.for_source(connector.source).enabled
    }


def source_options(settings: Settings) -> dict[str, SourceOptions]:
    """Per-source parse options for the intake: default observer, Zabbix's time zone."""
    from connectors.intake import SourceOptions  # noqa: PLC0415
    from correlator.model import Source  # noqa: PLC0415

    options: dict[str, SourceOptions] = {}
    for source in Source:
        connector = settings.connectors.for_source(source)
        timezone = settings.connectors.zabbix.timezone if source is Source.ZABBIX else "UTC"
        options[source.value] = SourceOptions(observer=connector.observer, timezone=timezone)
    return options


def background_services(services: Services) -> list[tuple[str, BackgroundService]]:
    """The long-running tasks started next to the HTTP server (role ``all`` only)."""
    from correlator.correlate.service import CorrelateMetrics, CorrelatorService  # noqa: PLC0415

    settings = services.settings
    topology = services.topology if services.topology is not None else load_topology_for(settings)
    first = services.dispatch.next_incident if services.dispatch is not None else 1
    engine = build_engine(settings, topology, first_number=first)
    snapshot = settings.data_dir / ENGINE_STATE_FILE
    _restore_engine(engine, snapshot, services.log)
    api = services.api
    correlator = CorrelatorService(
        services.bus,
        services.topics,
        engine,
        services.clock,
        group=settings.bus.consumer_group,
        snapshot_path=snapshot,
        checkpoint_s=settings.correlation.checkpoint_s,
        maintenance=api.operations.maintenance if api is not None else None,
        metrics=CorrelateMetrics(services.metrics),
    )
    found: list[tuple[str, BackgroundService]] = [("correlator", correlator.run)]
    dispatch = None
    if services.dispatch is not None:
        on_change = api.hub.changed if api is not None else None
        dispatch, worker = build_dispatch(services, services.dispatch, topology, on_change)
        found += [("dispatch", dispatch.run), ("outbox", worker.run)]
    listeners = [api.operations.reload] if api is not None else []
    services.reloaders.append(
        _install_reload(correlator, dispatch, settings, services.log, listeners)
    )
    if api is not None:
        api.operations.attach(dispatch=dispatch, correlator=correlator)
        found.append(("stream", api.hub.run))
    return found


def build_engine(settings: Settings, topology: Topology, *, first_number: int = 1) -> Engine:
    """The correlation engine as the config says: its tunables, and from the dispatch
    section the default team, the priority matrix and the paging threshold."""
    from correlator.correlate.engine import Engine  # noqa: PLC0415

    return Engine(
        topology,
        settings.correlation,
        default_team=settings.dispatch.default_team,
        paging=settings.dispatch.paging,
        priority_matrix=settings.dispatch.priority_matrix,
        first_number=first_number,
    )


ENGINE_STATE_FILE: Final = "engine-state.json"


def _restore_engine(engine: Engine, path: Path, log: FilteringBoundLogger) -> None:
    """Carry on from the last checkpoint (written every ``correlation.checkpoint_s`` and at
    a clean stop, each time just before the offsets it matches were committed), so a crash
    loses no correlation state: the alerts after the checkpoint are delivered again. The
    file stays: the next checkpoint replaces it."""
    from correlator.correlate.snapshot import SnapshotError, import_state  # noqa: PLC0415

    if not path.exists():
        return
    try:
        restored = import_state(engine, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, SnapshotError) as exc:
        log.error("engine_state_not_restored", file=str(path), error=str(exc))  # noqa: TRY400
        path.replace(path.with_name(path.name + ".bad"))
        return
    log.info("engine_state_restored", file=str(path), incidents=restored)


def build_dispatch(
    services: Services,
    parts: DispatchParts,
    topology: Topology,
    on_change: Callable[[str], None] | None = None,
) -> tuple[DispatchService, OutboxWorker]:
    """The dispatch stage (a consumer of the incidents topic) and the outbox worker;
    ``on_change`` hears the id of every incident dispatch writes (the live stream)."""
    from correlator.dispatch.outbox import OutboxWorker  # noqa: PLC0415
    from correlator.dispatch.service import DispatchService, PagerRouting  # noqa: PLC0415

    settings = services.settings
    worker = OutboxWorker(
        parts.store,
        parts.tickets,
        parts.pagers,
        services.clock,
        poll_interval_s=settings.dispatch.outbox_poll_s,
        on_change=on_change,
    )
    dispatch = DispatchService(
        services.bus,
        services.topics,
        parts.store,
        topology,
        settings=settings.dispatch,
        clock=services.clock,
        hold_s=settings.correlation.hold_s,
        ticket_targets=tuple(settings.tickets.targets),
        ticket_systems=parts.tickets,
        pagers=PagerRouting(settings.paging.router, settings.paging.limiter()),
        wake=worker.wake,
        metrics=parts.metrics,
        on_change=on_change,
    )
    return dispatch, worker


def _install_reload(
    correlator: CorrelatorService,
    dispatch: DispatchService | None,
    settings: Settings,
    log: FilteringBoundLogger,
    listeners: Sequence[Callable[[Topology], None]] = (),
) -> Callable[[Topology], None]:
    """SIGHUP reloads the topology file; open incidents keep their alerts. Returns the
    function that applies an already loaded topology (the API's reload uses it).
    ``listeners`` (the operator API) get each new topology too."""

    def tell(topology: Topology) -> None:
        if dispatch is not None:
            dispatch.reload(topology)
        for listener in listeners:
            listener(topology)

    def apply(topology: Topology) -> None:
        tell(topology)
        correlator.request_reload(lambda: topology)

    def load() -> Topology:
        topology = _reload_topology(settings)
        tell(topology)  # only once the file loaded: a bad file changes nothing
        return topology

    def on_hup() -> None:
        log.info("sighup", action="reloading topology", file=str(settings.topology.path))
        correlator.request_reload(load)

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hup)
    return apply


def topology_reload_route(
    services: Services, auth: Authenticator, path: str = "/api/v1/topology/reload"
) -> Route:
    """``POST /api/v1/topology/reload``: load the configured topology file again and, only
    if it is valid, apply it between two batches (open incidents keep their alerts).

    Needs an operator token (or the intake's ``auth_token``, as before the API had roles).
    Answers 202 with the node count, 400 with the loader's one-line error (nothing
    changes), 401 without a known token, 403 for a viewer, 409 in the connector role.
    """
    from correlator.serve.auth import Refusal  # noqa: PLC0415

    settings = services.settings

    async def reload(request: Request) -> JSONResponse:
        who = auth.authorize(
            request.headers,
            request.query_params,
            request.method,
            write=True,
            accept_ingest_token=True,
        )
        if isinstance(who, Refusal):
            return JSONResponse({"error": who.reason}, status_code=who.status)
        if not services.reloaders:
            return JSONResponse(
                {"error": "this process runs no correlator (connector role)"}, status_code=409
            )
        from topology.model import TopologyError  # noqa: PLC0415

        try:
            topology = await asyncio.to_thread(_reload_topology, settings)
        except (TopologyError, OSError) as exc:
            return JSONResponse({"error": "invalid topology", "reason": str(exc)}, status_code=400)
        for apply in services.reloaders:
            apply(topology)
        services.log.info(
            "operator_action",
            actor=who.name,
            role=who.role,
            action="topology_reload",
            file=topology.file,
            nodes=len(topology.nodes),
        )
        return JSONResponse(
            {"reloading": topology.file, "nodes": len(topology.nodes)}, status_code=202
        )

    return Route(path, reload, methods=["POST"])


def http_routes(services: Services) -> list[BaseRoute]:
    """What the daemon serves besides the intake: the operator API under ``/api/v1``,
    the handover page and the NOC page (role ``all``), or only the topology reload."""
    auth = build_authenticator(services.settings)
    api = services.api
    if api is None:
        return [topology_reload_route(services, auth)]
    from correlator.serve.api import ApiContext, api_app, page_routes  # noqa: PLC0415
    from correlator.serve.pages import page_routes as noc_pages  # noqa: PLC0415

    if auth.anonymous:
        services.log.warning(
            "operator API without tokens: every caller is the operator 'anonymous'; "
            "set server.api_tokens to require a bearer token"
        )
    context = ApiContext(
        api.operations, api.hub, auth, max_body_bytes=services.settings.server.max_body_bytes
    )
    reload = topology_reload_route(services, auth, "/topology/reload")
    return [
        Mount("/api/v1", app=api_app(context, [reload])),
        *page_routes(context),
        *noc_pages(),
    ]


def _reload_topology(settings: Settings) -> Topology:
    from topology.load import load_topology  # noqa: PLC0415
    from topology.model import build  # noqa: PLC0415

    path = settings.topology.path
    return build([], "(no topology configured)") if path is None else load_topology(path)


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _prepare_data_dir(settings: Settings) -> None:
    directories = [settings.data_dir]
    journal = settings.journal_path
    if settings.bus.kind == "memory" and journal is not None:
        directories.append(journal.parent)
    for directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StartupError(f"cannot create directory '{directory}': {exc.strerror}") from exc


async def _start_bus(bus: Bus, settings: Settings) -> None:
    from correlator.bus.protocol import BusUnavailableError  # noqa: PLC0415

    failures: tuple[type[Exception], ...] = (BusUnavailableError, OSError)
    if settings.bus.kind == "kafka":
        from correlator.bus.kafka import MissingTopicError  # noqa: PLC0415

        failures = (*failures, MissingTopicError)
    try:
        await bus.start()
    except failures as exc:
        with contextlib.suppress(Exception):
            await bus.stop()
        raise StartupError(f"{settings.bus.kind} bus: {exc}") from exc


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the daemon owns SIGTERM/SIGINT.

    uvicorn's handlers would re-raise the signal after its shutdown, killing the process
    before the background services and the bus are stopped (and with a non-zero status).
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(slots=True)
class _Shutdown:
    """The stop request shared by the signal handlers, `stop` and the services."""

    requested: asyncio.Event
    reason: str = ""


async def _serve_started_bus(
    services: Services,
    *,
    role: Role,
    ready: asyncio.Event | None,
    stop: asyncio.Event | None,
    signals: bool,
) -> None:
    from connectors.intake import build_intake_app  # noqa: PLC0415

    settings, log = services.settings, services.log
    accepting = False
    app = build_intake_app(
        bus=services.bus,
        topics=services.topics,
        connectors=enabled_connectors(settings),
        clock=services.clock,
        metrics=services.metrics,
        auth_token=settings.auth_token,
        max_body_bytes=settings.server.max_body_bytes,
        contexts=source_options(settings),
        ready=lambda: accepting,
    )
    app.router.routes.extend(http_routes(services))
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.server.host,
            port=settings.server.port,
            log_config=None,  # logging is configured once, by telemetry.configure_logging
            lifespan="on",
            access_log=settings.logging.level == "debug",  # rejections are logged anyway
            timeout_graceful_shutdown=math.ceil(settings.server.shutdown_timeout_s),
            server_header=False,
        )
    )
    shutdown = _Shutdown(asyncio.Event())
    loop = asyncio.get_running_loop()
    installed = _install_signal_handlers(loop, shutdown, server) if signals else []
    http = asyncio.create_task(_run_http(server, settings), name="http")
    workers = (
        {
            asyncio.create_task(_run_service(name, service, shutdown), name=name): name
            for name, service in background_services(services)
        }
        if role == "all"
        else {}
    )
    stop_waiter = asyncio.create_task(_wait_stop(stop, shutdown), name="stop")
    failure: str | None = None
    try:
        await _wait_started(server, http)
        accepting = True
        log.info(
            "started",
            version=__version__,
            role=role,
            listen=f"http://{_netloc(settings.server.host, settings.server.port)}",
            bus=settings.bus.kind,
            journal=str(settings.journal_path) if settings.bus.kind == "memory" else None,
            bootstrap=settings.bus.kafka.bootstrap if settings.bus.kind == "kafka" else None,
            topic_prefix=settings.bus.topic_prefix,
            store=settings.store.kind if role == "all" else None,
            background=sorted(workers.values()),
        )
        if role == "connector" and settings.bus.kind == "memory":
            log.warning(
                "connector role on the memory bus: alerts are journalled but nothing in "
                "this process correlates them; use bus.kind kafka to split the services"
            )
        if ready is not None:
            ready.set()
        done, _ = await asyncio.wait(
            {stop_waiter, http, *workers}, return_when=asyncio.FIRST_COMPLETED
        )
        failure = _first_failure(done, workers)
        if failure is not None:
            log.error("background service failed, stopping", service=failure)
        elif http in done:
            http.result()  # a failed start raises StartupError here
        log.info("stopping", reason=shutdown.reason or "stop requested")
    finally:
        accepting = False
        shutdown.requested.set()
        server.should_exit = True
        await asyncio.gather(http, return_exceptions=True)  # a start failure is raised above
        await _finish_workers(workers, settings.server.shutdown_timeout_s, log)
        stop_waiter.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)
    if failure is not None:
        raise DaemonError(f"background service {failure!r} failed (see the log)")


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, shutdown: _Shutdown, server: uvicorn.Server
) -> list[signal.Signals]:
    def on_signal(sig: signal.Signals) -> None:
        if shutdown.requested.is_set():  # a second signal: stop waiting for stragglers
            server.force_exit = True
            return
        shutdown.reason = sig.name
        shutdown.requested.set()

    installed: list[signal.Signals] = []
    for sig in _HANDLED_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            continue
        installed.append(sig)
    return installed


async def _wait_stop(stop: asyncio.Event | None, shutdown: _Shutdown) -> None:
    if stop is None:
        await shutdown.requested.wait()
        return
    waiters = {
        asyncio.create_task(stop.wait()),
        asyncio.create_task(shutdown.requested.wait()),
    }
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _run_http(server: uvicorn.Server, settings: Settings) -> None:
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn exits when it cannot bind or the lifespan fails
        where = _netloc(settings.server.host, settings.server.port)
        raise StartupError(f"cannot listen on {where} (the reason is logged above)") from exc


async def _wait_started(server: uvicorn.Server, http: asyncio.Task[None]) -> None:
    while not server.started:
        if http.done():
            http.result()  # raises StartupError
            raise StartupError("the HTTP server stopped during start-up")
        await asyncio.sleep(_POLL_S)


async def _run_service(name: str, service: BackgroundService, shutdown: _Shutdown) -> None:
    await service(shutdown.requested)
    if not shutdown.requested.is_set():
        shutdown.reason = f"background service {name!r} returned"


def _first_failure(
    done: set[asyncio.Task[None]], workers: Mapping[asyncio.Task[None], str]
) -> str | None:
    for task in done:
        if task in workers and not task.cancelled() and task.exception() is not None:
            return workers[task]
    return None


async def _finish_workers(
    workers: Mapping[asyncio.Task[None], str], timeout_s: float, log: FilteringBoundLogger
) -> None:
    if not workers:
        return
    _, pending = await asyncio.wait(workers, timeout=timeout_s)
    for task in pending:
        log.warning("background service did not stop in time, cancelling", service=workers[task])
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    for task, name in workers.items():
        if not task.cancelled() and task.exception() is not None:
            log.error("background service failed", service=name, exc_info=task.exception())


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
