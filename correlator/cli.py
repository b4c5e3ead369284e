# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The ``correlator`` command.

::

    correlator run [--config FILE]        the daemon: HTTP intake and correlator
    correlator connector [--config FILE]  only the HTTP intake, producing to the bus
    correlator check-config FILE          validate a config file (exit 0, or 2)
    correlator handover [--since 8h] ...  the shift handover from the store, as Markdown
    correlator report [--since 24h] ...   MTTA, MTTR and noise figures from the store
    correlator replay ...                 backtest on recorded alerts (specs/replay.md)
    correlator topology ...               load, validate and query a topology
    correlator --version

Without ``--config``, ``config/default.yaml`` under the working directory is used when it
exists, else the built-in defaults; ``CORRELATOR_*`` environment variables apply on top.
A configuration error is one line on stderr and exit status 2, never a traceback.
``handover`` and ``report`` read the configured store: a bad time is exit 2, a store that
cannot be opened exit 1, each with one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from correlator import __version__

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from correlator.app import Role
    from correlator.config import Settings
    from correlator.store.protocol import Store
    from topology.model import Topology

T = TypeVar("T")

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2  # bad arguments or configuration, as argparse uses it

_DELEGATED: Final = {
    "replay": ("correlator.replay", "backtest on recorded alerts (see specs/replay.md)"),
    "topology": ("topology.cli", "load, validate and query a topology"),
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args_list = sys.argv[1:] if argv is None else list(argv)
    if args_list and args_list[0] in _DELEGATED:
        return _delegate(args_list[0], args_list[1:])
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: Callable[[argparse.Namespace, Mapping[str, str]], int] = args.command
    return command(args, os.environ)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="correlator",
        description="Monitoring alert correlator: one incident, one ticket, one page.",
    )
    parser.add_argument("--version", action="version", version=f"correlator {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="the daemon: HTTP intake and correlator")
    _config_option(run)
    run.set_defaults(command=_run)

    connector = commands.add_parser(
        "connector", help="only the HTTP intake, producing to the bus (with bus.kind kafka)"
    )
    _config_option(connector)
    connector.set_defaults(command=_connector)

    check = commands.add_parser("check-config", help="validate a config file")
    check.add_argument("file", metavar="FILE", help="the YAML config file")
    check.set_defaults(command=_check_config)

    handover = commands.add_parser(
        "handover",
        help="the shift handover: open incidents, what the shift opened and resolved, "
        "SLA breaches, major incidents, problems, maintenance, notes",
    )
    _config_option(handover)
    _period_options(handover, "8h")
    handover.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="output format (default: markdown)",
    )
    handover.set_defaults(command=_handover)

    report = commands.add_parser(
        "report", help="MTTA and MTTR per team and priority, alerts per incident, noisy checks"
    )
    _config_option(report)
    _period_options(report, "24h")
    report.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="output format (default: markdown, as handover; json for scripts)",
    )
    report.set_defaults(command=_report)

    for name, (_, summary) in _DELEGATED.items():  # parsed by their own main (see main)
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML config file (default: config/default.yaml if present, else built-in)",
    )


def _period_options(parser: argparse.ArgumentParser, since: str) -> None:
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default=since,
        help=f"start: a duration back from now (30m, 8h, 2d, 1w), an ISO 8601 time or epoch "
        f"seconds (default: {since})",
    )
    parser.add_argument(
        "--until", metavar="WHEN", help="end, in the same forms as --since (default: now)"
    )


def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    return _serve(args, environ, "all")


def _connector(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    return _serve(args, environ, "connector")


def _serve(args: argparse.Namespace, environ: Mapping[str, str], role: Role) -> int:
    from correlator.config import ConfigError  # noqa: PLC0415 - keep `--version` instant

    try:
        settings = _settings(args.config, environ)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    from correlator import app  # noqa: PLC0415

    return app.run(settings, role=role)


def _check_config(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from correlator.config import ConfigError, load_config  # noqa: PLC0415

    try:
        load_config(args.file, environ)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    print(f"ok: {args.file}")
    return EXIT_OK


def _handover(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    import json  # noqa: PLC0415

    from correlator.serve.handover import (  # noqa: PLC0415
        handover_json,
        handover_markdown,
        load_handover,
    )

    def read(settings: Settings, since: float, until: float) -> Callable[[Store], Awaitable[str]]:
        topology = _topology(settings)

        async def render(store: Store) -> str:
            found = await load_handover(store, since=since, until=until, topology=topology)
            if args.format == "json":
                return json.dumps(handover_json(found), indent=2, ensure_ascii=False) + "\n"
            return handover_markdown(found)

        return render

    return _from_store("handover", args, environ, read)


def _report(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    import json  # noqa: PLC0415

    from correlator.serve.reports import load_report, report_json, report_markdown  # noqa: PLC0415

    def read(_: Settings, since: float, until: float) -> Callable[[Store], Awaitable[str]]:
        async def render(store: Store) -> str:
            found = await load_report(store, since=since, until=until)
            if args.format == "markdown":
                return report_markdown(found)
            return json.dumps(report_json(found), indent=2, ensure_ascii=False) + "\n"

        return render

    return _from_store("report", args, environ, read)


def _from_store(
    name: str,
    args: argparse.Namespace,
    environ: Mapping[str, str],
    read: Callable[[Settings, float, float], Callable[[Store], Awaitable[str]]],
) -> int:
    """Parse the period and the config, read the store with ``read``, print what it gives."""
    from correlator.config import ConfigError  # noqa: PLC0415
    from correlator.serve.handover import parse_period  # noqa: PLC0415

    try:
        since, until = parse_period(args.since, args.until, time.time())
    except ValueError as exc:
        print(f"correlator {name}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = _settings(args.config, environ)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if settings.store.kind == "sqlite" and not settings.store_path.is_file():
        # reading must not create an empty store where the daemon never ran
        print(f"correlator {name}: no store at {settings.store_path}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        text = asyncio.run(_with_store(settings, read(settings, since, until)))
    except _StoreUnavailableError as exc:
        print(f"correlator {name}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    sys.stdout.write(text)
    return EXIT_OK


class _StoreUnavailableError(RuntimeError):
    """The configured store could not be opened or read (one line for stderr)."""


async def _with_store(settings: Settings, use: Callable[[Store], Awaitable[T]]) -> T:
    """Open the configured store, run ``use`` on it, close it."""
    from correlator.app import build_store  # noqa: PLC0415
    from correlator.clock import WallClock  # noqa: PLC0415
    from correlator.store.protocol import StoreError  # noqa: PLC0415

    store = build_store(settings, WallClock())
    try:
        try:
            await store.open()
            return await use(store)
        finally:
            await store.close()
    except (StoreError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise _StoreUnavailableError(f"{settings.store.kind} store: {reason}") from exc


def _topology(settings: Settings) -> Topology | None:
    """The configured topology (for the sites), or None with a warning when it cannot load."""
    if settings.topology.path is None:
        return None
    from correlator.app import StartupError, load_topology_for  # noqa: PLC0415

    try:
        return load_topology_for(settings)
    except StartupError as exc:
        print(f"correlator: warning: sites not shown: {exc}", file=sys.stderr)
        return None


def _settings(path: str | None, environ: Mapping[str, str]) -> Settings:
    from correlator.config import default_config_path, load_config  # noqa: PLC0415

    chosen = Path(path) if path is not None else default_config_path(Path.cwd())
    return load_config(chosen, environ)


def _delegate(name: str, argv: list[str]) -> int:
    module_name, _ = _DELEGATED[name]
    import importlib  # noqa: PLC0415

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        print(f"correlator: the {name} command is not available in this build", file=sys.stderr)
        return EXIT_FAILURE
    command: Callable[[list[str]], int] = module.main
    return command(argv)
