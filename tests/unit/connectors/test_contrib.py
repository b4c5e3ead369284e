"""The glue shipped under contrib/ sends exactly what the parsers read."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, quote_plus

import pytest
import yaml

from connectors import nagios, prtg
from connectors.base import ParseContext
from correlator.model import Alert

if TYPE_CHECKING:
    from collections.abc import Iterator

CONTRIB = Path(__file__).resolve().parents[3] / "contrib"
CTX = ParseContext(received_at=1763900100.0)

# specs/ingest-formats.md, "Zabbix": parameter -> macro.
ZABBIX_PARAMETERS = {
    "event_id": "{EVENT.ID}",
    "event_value": "{EVENT.VALUE}",
    "event_update_status": "{EVENT.UPDATE.STATUS}",
    "event_ack": "{EVENT.ACK.STATUS}",
    "event_severity": "{EVENT.NSEVERITY}",
    "event_name": "{EVENT.NAME}",
    "event_tags": "{EVENT.TAGSJSON}",
    "event_date": "{EVENT.DATE}",
    "event_time": "{EVENT.TIME}",
    "recovery_id": "{EVENT.RECOVERY.ID}",
    "host": "{HOST.HOST}",
    "host_name": "{HOST.NAME}",
    "host_ip": "{HOST.IP}",
    "trigger_id": "{TRIGGER.ID}",
    "trigger_name": "{TRIGGER.NAME}",
    "proxy": "{PROXY.NAME}",
}
PRTG_PLACEHOLDERS = [
    "device", "deviceid", "sensor", "sensorid", "status", "down", "message", "datetime",
    "priority", "group", "probe", "host", "home", "lastvalue",
]  # fmt: skip


def test_zabbix_media_type_sends_the_spec_parameters() -> None:
    """The Zabbix 6.0 media type is a webhook whose parameters are the spec's table plus url and token."""
    export = yaml.safe_load((CONTRIB / "zabbix" / "media_correlator.yaml").read_text())
    assert export["zabbix_export"]["version"] == "6.0"
    (media_type,) = export["zabbix_export"]["media_types"]
    assert media_type["type"] == "WEBHOOK"
    parameters = {item["name"]: item["value"] for item in media_type["parameters"]}
    assert {k: v for k, v in parameters.items() if k not in {"url", "token"}} == ZABBIX_PARAMETERS
    assert set(parameters) - set(ZABBIX_PARAMETERS) == {"url", "token"}
    script = media_type["script"]
    assert "new HttpRequest()" in script
    assert "!= 202" in script
    modes = {template["operation_mode"] for template in media_type["message_templates"]}
    assert modes == {"PROBLEM", "RECOVERY", "UPDATE"}


def prtg_template() -> list[tuple[str, str]]:
    """The payload template as (field, placeholder) pairs, split as PRTG leaves them."""
    template = (CONTRIB / "prtg" / "http-action-payload.txt").read_text().strip()
    pairs = []
    for pair in template.split("&"):
        name, _, placeholder = pair.partition("=")
        pairs.append((name, placeholder))
    return pairs


def test_prtg_payload_template_has_every_placeholder() -> None:
    """The PRTG HTTP action's payload posts each spec placeholder under its own name, as the README shows."""
    pairs = prtg_template()
    assert sorted(pairs) == sorted((name, f"%{name}") for name in PRTG_PLACEHOLDERS)
    template = (CONTRIB / "prtg" / "http-action-payload.txt").read_text().strip()
    assert template in (CONTRIB / "prtg" / "README.md").read_text()


def test_prtg_payload_template_filled_in_parses() -> None:
    """The template with PRTG's values filled in (URL-encoded) is a valid PRTG alert."""
    values = {
        "device": "db-01",
        "sensorid": "2042",
        "status": "Down ended (now: Up)",
        "sensor": "Ping",
        "message": "OK & more",
    }
    filled = "&".join(f"{name}={quote_plus(values.get(name, ''))}" for name, _ in prtg_template())
    (event,) = prtg.parse(dict(parse_qsl(filled, keep_blank_values=True)), CTX)
    assert isinstance(event, Alert)
    assert (event.host, event.check, event.source_id) == ("db-01", "Ping", "2042")
    assert (event.state.value, event.summary) == ("ok", "OK & more")


class _Collector(http.server.BaseHTTPRequestHandler):
    """Records each POST and answers 202, or 400 under /reject."""

    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        self.received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("authorization"),
                "content_type": self.headers.get("content-type"),
                "body": self.rfile.read(length).decode(),
            }
        )
        code = 400 if self.path.startswith("/reject") else 202
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"accepted": 1}' if code == 202 else b'{"field": "HOSTNAME"}')

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def collector() -> Iterator[str]:
    _Collector.received.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


NOTIFY = CONTRIB / "nagios" / "correlator-notify"
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def run_notify(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(NOTIFY), *args],
        capture_output=True,
        text=True,
        timeout=20,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=False,
    )


@needs_curl
def test_notify_script_posts_macros_the_parser_reads(collector: str, tmp_path: Path) -> None:
    """correlator-notify posts argument macros as form fields, with observer and token, and exits 0 on 202."""
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    result = run_notify(
        "-u", collector + "/", "-o", "nagios-bru1", "-k", str(token),
        "NOTIFICATIONTYPE=PROBLEM", "HOSTNAME=web-01", "SERVICEDESC=HTTP",
        "SERVICESTATE=CRITICAL", "SERVICEOUTPUT=it's 100% & down = bad", "HOSTGROUPNAMES=",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (request,) = _Collector.received
    assert request["path"] == "/ingest/nagios?observer=nagios-bru1"
    assert request["authorization"] == "Bearer s3cret"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    macros = dict(parse_qsl(request["body"], keep_blank_values=True))
    assert "HOSTGROUPNAMES" not in macros  # empty macros are not sent
    (event,) = nagios.parse(macros, CTX)
    assert isinstance(event, Alert)
    assert (event.source_id, event.summary) == ("web-01!HTTP", "it's 100% & down = bad")


@needs_curl
def test_notify_script_reads_environment_macros(collector: str) -> None:
    """Without arguments, correlator-notify posts the NAGIOS_* environment macros."""
    env = {
        "CORRELATOR_URL": collector,
        "NAGIOS_NOTIFICATIONTYPE": "RECOVERY",
        "NAGIOS_HOSTNAME": "esx-01",
        "NAGIOS_HOSTSTATE": "UP",
        "NAGIOS_SERVICEDESC": "",
        "NAGIOS_LASTHOSTPROBLEMID": "9101",
    }
    result = run_notify(env=env)
    assert result.returncode == 0, result.stderr
    (request,) = _Collector.received
    assert request["path"] == "/ingest/nagios"
    assert request["authorization"] is None
    (event,) = nagios.parse(dict(parse_qsl(request["body"])), CTX)
    assert isinstance(event, Alert)
    assert (event.host, event.check, event.state.value, event.episode) == (
        "esx-01",
        None,
        "ok",
        "9101",
    )


@needs_curl
def test_notify_script_fails_unless_the_answer_is_202(collector: str) -> None:
    """Any answer but 202 makes correlator-notify exit 1 and print the answer."""
    result = run_notify("-u", collector + "/reject", "HOSTNAME=x")
    assert result.returncode == 1
    assert "HTTP 400" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("HOSTNAME=x",),  # no URL
        ("-u", "http://127.0.0.1:9", "-o", "two words", "HOSTNAME=x"),
        ("-u", "http://127.0.0.1:9", "hostname=x"),
        ("-u", "http://127.0.0.1:9"),  # no macros
    ],
)
def test_notify_script_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    """A missing URL, a bad observer, a bad argument or no macro at all is a usage error."""
    assert run_notify(*args).returncode == 2
