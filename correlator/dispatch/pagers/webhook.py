"""A generic webhook that speaks Alertmanager's webhook format (version 4).

Any receiver written for Alertmanager (chat bridges, SMS gateways, home-grown scripts)
takes our pages unchanged. One incident is one group of one alert:

* ``groupKey`` = the incident id (what Alertmanager receivers de-duplicate on);
* ``fingerprint`` = a hash of the incident id only, so it stays the same when the
  priority label changes on a re-page;
* ``status`` is ``firing`` for trigger and acknowledge, ``resolved`` for resolve.
  Alertmanager has no acknowledgement, so an acknowledge is a firing notification whose
  ``event`` annotation says ``acknowledge`` (and ``acknowledged`` is ``"true"``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from correlator.clock import Clock, WallClock
from correlator.dispatch.http import call
from correlator.dispatch.model import DeliveryError, Page, PageEvent

ALERTNAME: Final = "CorrelatorIncident"
ZERO_TIME: Final = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Where to POST, and what to call ourselves in the body."""

    url: str
    receiver: str = "correlator"
    external_url: str = ""  # the NOC page; Alertmanager puts its own URL here
    bearer_token: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0


class WebhookPager:
    """POSTs Alertmanager v4 webhook bodies."""

    def __init__(
        self,
        name: str,
        settings: WebhookSettings,
        client: httpx.AsyncClient,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self._client = client
        self._clock = clock or WallClock()

    def body(self, page: Page) -> dict[str, Any]:
        """The Alertmanager webhook v4 body for ``page``."""
        now = _rfc3339(self._clock.now())
        status = "resolved" if page.event is PageEvent.RESOLVE else "firing"
        labels = {
            "alertname": ALERTNAME,
            "incident": page.dedup_key,
            "severity": page.severity,
            "priority": page.priority.value,
            "team": page.team,
            "root": page.source,
        }
        annotations = {"summary": page.summary, "event": page.event.value}
        if page.event is PageEvent.ACKNOWLEDGE:
            annotations["acknowledged"] = "true"
        if page.runbook:
            annotations["runbook_url"] = page.runbook
        if page.url:
            annotations["incident_url"] = page.url
        alert = {
            "status": status,
            "labels": labels,
            "annotations": annotations,
            "startsAt": now,  # the Page does not carry when the incident opened
            "endsAt": now if status == "resolved" else ZERO_TIME,
            "generatorURL": page.url or self.settings.external_url,
            "fingerprint": hashlib.sha256(page.dedup_key.encode()).hexdigest()[:16],
        }
        return {
            "version": "4",
            "groupKey": page.dedup_key,
            "truncatedAlerts": 0,
            "status": status,
            "receiver": self.settings.receiver,
            "groupLabels": {"incident": page.dedup_key},
            "commonLabels": dict(labels),
            "commonAnnotations": dict(annotations),
            "externalURL": self.settings.external_url,
            "alerts": [alert],
        }

    async def send(self, page: Page) -> None:
        """POST the body; any 2xx is success."""
        headers = {}
        if self.settings.bearer_token:
            headers["Authorization"] = f"Bearer {self.settings.bearer_token}"
        response = await call(
            self._client,
            "POST",
            self.settings.url,
            system=self.name,
            json=self.body(page),
            headers=headers,
            timeout_s=self.settings.timeout_s,
        )
        if not response.is_success:
            raise DeliveryError(f"{self.name}: HTTP {response.status_code}", retryable=False)


def _rfc3339(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).isoformat().replace("+00:00", "Z")
