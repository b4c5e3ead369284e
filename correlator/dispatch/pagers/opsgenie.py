"""Opsgenie Alert API: create, acknowledge and close one alert whose ``alias`` = incident id.

Opsgenie de-duplicates creates by alias: a repeated create for an open alert raises its
count instead of opening a second alert, so a retried trigger is harmless. Acknowledge
and close address the alert by alias (``identifierType=alias``). Every call is answered
202: the request is valid and processed asynchronously.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import quote

import httpx

from correlator.dispatch.http import call
from correlator.dispatch.model import DeliveryError, Page, PageEvent

API_URL: Final = "https://api.opsgenie.com"  # the EU instance: https://api.eu.opsgenie.com
MESSAGE_MAX: Final = 130
ALIAS_MAX: Final = 512
DESCRIPTION_MAX: Final = 15000
SOURCE: Final = "correlator"


@dataclass(frozen=True, slots=True)
class OpsgenieSettings:
    """One Opsgenie API integration.

    ``responders`` maps a team of ours to Opsgenie responders (``{"type": "team", "name":
    ...}``, ``{"type": "escalation", "name": ...}``, ...); a team not listed is sent as the
    Opsgenie team of the same name.
    """

    api_key: str = field(repr=False)
    url: str = API_URL
    responders: Mapping[str, tuple[Mapping[str, str], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    timeout_s: float = 10.0


class OpsgeniePager:
    """Pages through one Opsgenie API integration."""

    def __init__(self, name: str, settings: OpsgenieSettings, client: httpx.AsyncClient) -> None:
        self.name = name
        self.settings = settings
        self._client = client

    def request(self, page: Page) -> tuple[str, dict[str, str] | None, dict[str, Any]]:
        """Path, query and JSON body of the call that delivers ``page``."""
        alias = page.dedup_key[:ALIAS_MAX]
        if page.event is PageEvent.TRIGGER:
            return "/v2/alerts", None, self._create(page, alias)
        action = "acknowledge" if page.event is PageEvent.ACKNOWLEDGE else "close"
        note = f"{page.event.value} from correlator: {page.summary}"
        return (
            f"/v2/alerts/{quote(alias, safe='')}/{action}",
            {"identifierType": "alias"},
            {"source": SOURCE, "note": note},
        )

    def _create(self, page: Page, alias: str) -> dict[str, Any]:
        responders = self.settings.responders.get(page.team)
        details = {key: _text(value) for key, value in page.details.items()}
        details.update(
            {
                "incident": page.dedup_key,
                "team": page.team,
                "root": page.source,
                "severity": page.severity,
                "escalation_level": str(page.escalation_level),
            }
        )
        lines = [page.summary, "", f"Root: {page.source}", f"Team: {page.team}"]
        if page.runbook:
            details["runbook"] = page.runbook
            lines.append(f"Runbook: {page.runbook}")
        if page.url:
            details["incident_url"] = page.url
            lines.append(f"NOC: {page.url}")
        return {
            "message": _clip(page.summary, MESSAGE_MAX),
            "alias": alias,
            "description": _clip("\n".join(lines), DESCRIPTION_MAX),
            "responders": [dict(r) for r in responders]
            if responders is not None
            else [{"type": "team", "name": page.team}],
            "tags": ["correlator", page.priority.value],
            "details": details,
            "entity": page.source,
            "source": SOURCE,
            "priority": page.priority.value,
        }

    async def send(self, page: Page) -> None:
        """Create, acknowledge or close the alert for ``page.dedup_key``."""
        path, params, body = self.request(page)
        response = await call(
            self._client,
            "POST",
            self.settings.url.rstrip("/") + path,
            system=self.name,
            json=body,
            params=params,
            headers={"Authorization": f"GenieKey {self.settings.api_key}"},
            timeout_s=self.settings.timeout_s,
        )
        if not response.is_success:
            raise DeliveryError(f"{self.name}: HTTP {response.status_code}", retryable=False)


def _text(value: Any) -> str:
    """Opsgenie details are text: strings stay, anything else is written as JSON."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
