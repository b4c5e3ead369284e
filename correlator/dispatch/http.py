"""One HTTP call to an outside system, with failures classified for the outbox worker.

Retrying (with back-off) is the outbox worker's job; this only says whether a failure
is worth retrying: timeouts, refused connections, 429 and 5xx are; other 4xx are not.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx

from correlator.dispatch.model import DeliveryError


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    system: str,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 10.0,
) -> httpx.Response:
    """Send the request; raise DeliveryError (retryable or not) unless the answer is 2xx.

    Redirects are not followed, so a 3xx means nothing was delivered: not retryable (the
    configured URL is wrong).
    """
    try:
        response = await client.request(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=headers,
            timeout=timeout_s,
        )
    except httpx.TimeoutException as exc:
        raise DeliveryError(
            f"{system}: timed out ({exc.__class__.__name__})", retryable=True
        ) from exc
    except httpx.TransportError as exc:
        raise DeliveryError(f"{system}: cannot connect ({exc})", retryable=True) from exc
    status = response.status_code
    if status == 429 or status >= 500:
        raise DeliveryError(
            f"{system}: HTTP {status}",
            retryable=True,
            retry_after_s=_retry_after(response.headers.get("retry-after")),
        )
    if status >= 300:
        raise DeliveryError(f"{system}: HTTP {status}: {response.text[:200]}", retryable=False)
    return response
