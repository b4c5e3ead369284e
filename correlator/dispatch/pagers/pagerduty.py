"""PagerDuty Events API v2: trigger, acknowledge and resolve with ``dedup_key`` = incident id.

PagerDuty folds events with the same ``dedup_key`` into one alert, so a retried or
repeated trigger is harmless and acknowledge/resolve find the alert the trigger opened.
Only a trigger carries ``payload`` and ``links`` (the API ignores them otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from correlator.clock import Clock, WallClock
from correlator.dispatch.http import call
from correlator.dispatch.model import DeliveryError, Page, PageEvent
from correlator.dispatch.priority import Priority

EVENTS_URL: Final = "https://events.pagerduty.com/v2/enqueue"
SEVERITIES: Final = frozenset({"critical", "error", "warning", "info"})
SUMMARY_MAX: Final = 1024
DEDUP_KEY_MAX: Final = 255

# When a page's severity is outside PagerDuty's set, the priority decides instead: a page
# must not be lost to a vocabulary mismatch (the original goes into custom_details).
_SEVERITY_OF_PRIORITY: Final = {
    Priority.P1: "critical",
    Priority.P2: "error",
    Priority.P3: "warning",
    Priority.P4: "info",
    Priority.P5: "info",
}


@dataclass(frozen=True, slots=True)
class PagerDutySettings:
    """One PagerDuty service integration (its Events API v2 integration key)."""

    routing_key: str = field(repr=False)
    url: str = EVENTS_URL
    timeout_s: float = 10.0


class PagerDutyPager:
    """Pages through one PagerDuty service."""

    def __init__(
        self,
        name: str,
        settings: PagerDutySettings,
        client: httpx.AsyncClient,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self._client = client
        self._clock = clock or WallClock()

    def event(self, page: Page) -> dict[str, Any]:
        """The Events API v2 body for ``page``."""
        body: dict[str, Any] = {
            "routing_key": self.settings.routing_key,
            "event_action": page.event.value,
            "dedup_key": page.dedup_key[:DEDUP_KEY_MAX],
        }
        if page.event is not PageEvent.TRIGGER:
            return body
        details: dict[str, Any] = {
            **page.details,
            "incident": page.dedup_key,
            "priority": page.priority.value,
            "team": page.team,
            "escalation_level": page.escalation_level,
        }
        severity = page.severity
        if severity not in SEVERITIES:
            details["severity"] = severity
            severity = _SEVERITY_OF_PRIORITY[page.priority]
        if page.runbook:
            details["runbook"] = page.runbook
        if page.url:
            details["incident_url"] = page.url
        body["payload"] = {
            "summary": _clip(f"[{page.priority.value}] {page.summary}", SUMMARY_MAX),
            "source": page.source,
            "severity": severity,
            "timestamp": dt.datetime.fromtimestamp(self._clock.now(), dt.UTC).isoformat(),
            "component": page.source,
            "group": page.team,
            "class": page.priority.value,
            "custom_details": details,
        }
        links = []
        if page.runbook:
            links.append({"href": page.runbook, "text": "Runbook"})
        if page.url:
            links.append({"href": page.url, "text": "Incident on the NOC page"})
        if links:
            body["links"] = links
        if page.url:
            body["client"] = "correlator"
            body["client_url"] = page.url
        return body

    async def send(self, page: Page) -> None:
        """Enqueue one event; PagerDuty answers 202 when it took it."""
        response = await call(
            self._client,
            "POST",
            self.settings.url,
            system=self.name,
            json=self.event(page),
            timeout_s=self.settings.timeout_s,
        )
        if not response.is_success:
            raise DeliveryError(f"{self.name}: HTTP {response.status_code}", retryable=False)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
