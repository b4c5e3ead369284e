# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""The ``correlator`` command.

::

    correlator run [--config FILE]        the daemon: HTTP intake and correlator
    correlator connector [--config FILE]  only the HTTP intake, producing to the bus
    correlator check-config FILE          validate a config file (exit 0, or 2)
    correlator replay ...                 backtest on recorded alerts (specs/replay.md)
    correlator topology ...               load, validate and query a topology
    correlator --version

Without ``--config``, ``config/default.yaml`` under the working directory is used when it
exists, else the built-in defaults; ``CORRELATOR_*`` environment variables apply on top.
A configuration error is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from correlator import __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from correlator.app import Role
    from correlator.config import Settings

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

    for name, (_, summary) in _DELEGATED.items():  # parsed by their own main (see main)
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML config file (default: config/default.yaml if present, else built-in)",
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
