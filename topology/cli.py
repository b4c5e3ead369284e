"""``correlator topology ...``: check a topology file, import one from Nagios or Zabbix.

:func:`main` takes the words after ``correlator topology``::

    correlator topology check FILE
    correlator topology import nagios FILE... [-o OUT]
    correlator topology import zabbix --url URL (--token T | --user U --password P) [-o OUT]

Exit codes: 0 done (cycles are warnings); 2 a bad command line or an invalid file, with
one ``error:`` line on stderr; 1 the Zabbix server could not be asked or OUT not written.
No traceback reaches the operator.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

import networkx as nx

from topology.imports import ImportResult, render
from topology.load import load_topology
from topology.model import TopologyError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from topology.model import Topology

__all__ = ["main"]

_FROM_STDIN: Final = "-"
MAX_CYCLES: Final = 50  # a meshed core has more cycles than anyone reads; say so instead


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Raises instead of exiting, so main() returns the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="correlator topology",
        description="Check a topology file or import one from a monitoring tool.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser(
        "check", help="validate a topology file and report its shape, cycles and gaps"
    )
    check.add_argument("file", type=Path, help="a .yaml, .yml, .json or .graphml file")

    imports = commands.add_parser("import", help="write a draft topology from a tool's data")
    tools = imports.add_subparsers(dest="tool", required=True, parser_class=_Parser)
    nagios = tools.add_parser("nagios", help="from Nagios object files or objects.cache")
    nagios.add_argument("files", type=Path, nargs="+", metavar="FILE")
    nagios.add_argument("-o", "--output", type=Path, help="write here instead of stdout")

    zabbix = tools.add_parser("zabbix", help="from a Zabbix server's API")
    zabbix.add_argument("--url", required=True, help="frontend URL, e.g. https://zabbix/")
    auth = zabbix.add_mutually_exclusive_group(required=True)
    auth.add_argument("--token", help="an API token (Zabbix >= 5.4)")
    auth.add_argument("--user", help="a user name; needs --password")
    zabbix.add_argument("--password", help="the user's password; '-' reads it from stdin")
    zabbix.add_argument("--timeout", type=float, default=30.0, help="seconds per API call")
    zabbix.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error(message: str) -> None:
    print(f"error: {_one_line(message)}", file=sys.stderr)


def _cycle_text(cycle: list[str]) -> str:
    start = cycle.index(min(cycle))
    ordered = cycle[start:] + cycle[:start]
    return " → ".join([*ordered, ordered[0]])


def _check(file: Path) -> int:
    try:
        topology = load_topology(file)
    except TopologyError as exc:
        _error(str(exc))
        return 2
    _report(topology)
    return 0


def _report(topology: Topology) -> None:
    groups = sum(dep.redundant for spec in topology.nodes.values() for dep in spec.depends_on)
    unmonitored = topology.unmonitored()
    cycles = list(itertools.islice(nx.simple_cycles(topology.graph), MAX_CYCLES + 1))
    print(f"{topology.file}: valid")
    print(f"nodes: {len(topology.nodes)}")
    print(f"edges: {topology.graph.number_of_edges()}")
    print(f"redundancy groups: {groups}")
    listed = f" ({', '.join(unmonitored)})" if unmonitored else ""
    print(f"unmonitored nodes: {len(unmonitored)}{listed}")
    more = "+" if len(cycles) > MAX_CYCLES else ""
    print(f"cycles: {min(len(cycles), MAX_CYCLES)}{more}")
    for cycle in sorted(_cycle_text(c) for c in cycles[:MAX_CYCLES]):
        print(f"warning: cycle {cycle}")
    if more:
        print(f"warning: more than {MAX_CYCLES} cycles; only the first {MAX_CYCLES} are shown")


def _write(text: str, output: Path | None, result: ImportResult) -> int:
    for warning in result.warnings:
        print(f"warning: {_one_line(warning)}", file=sys.stderr)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _error(f"{output}: cannot write: {exc.strerror or exc}")
        return 1
    print(f"{output}: {len(result.specs)} nodes written; review it before committing")
    return 0


def _import_nagios(files: Sequence[Path], output: Path | None) -> int:
    from topology.imports import nagios  # noqa: PLC0415 - keeps `check` light

    try:
        result = nagios.import_files(files)
        text = render(
            result,
            command="correlator topology import nagios",
            sources=[f.name for f in files],
        )
    except TopologyError as exc:
        _error(str(exc))
        return 2
    return _write(text, output, result)


def _import_zabbix(args: argparse.Namespace) -> int:
    from topology.imports import zabbix  # noqa: PLC0415 - pyzabbix only when asked

    if args.user is not None and args.password is None:
        _error("--user needs --password")
        return 2
    if args.token is not None and args.password is not None:
        _error("--password goes with --user, not with --token")
        return 2
    password = args.password
    if args.password == _FROM_STDIN:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        hosts, triggers = zabbix.fetch(
            args.url, token=args.token, user=args.user, password=password, timeout=args.timeout
        )
    except Exception as exc:  # pyzabbix and requests raise many types; name it, no traceback
        _error(f"zabbix {args.url}: {type(exc).__name__}: {exc}")
        return 1
    result = zabbix.convert(hosts, triggers)
    try:
        text = render(result, command="correlator topology import zabbix", sources=[args.url])
    except TopologyError as exc:
        _error(str(exc))
        return 2
    return _write(text, args.output, result)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``correlator topology`` command; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _UsageError as exc:
        print(parser.format_usage().rstrip(), file=sys.stderr)
        _error(str(exc))
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    if args.command == "check":
        return _check(args.file)
    if args.tool == "nagios":
        return _import_nagios(args.files, args.output)
    return _import_zabbix(args)


if __name__ == "__main__":
    raise SystemExit(main())
