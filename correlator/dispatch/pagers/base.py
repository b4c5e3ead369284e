"""The pager Protocol every adapter implements."""

from __future__ import annotations

from typing import Protocol

from correlator.dispatch.model import Page


class Pager(Protocol):
    """One way of reaching on-call.

    ``send`` raises :class:`correlator.dispatch.model.DeliveryError` on failure, with
    ``retryable`` set for 429, 5xx, timeouts and refused connections. Sending the same
    page twice must be harmless on the receiving side (dedup key / alias / Message-ID).
    """

    name: str

    async def send(self, page: Page) -> None:
        """Deliver one trigger, acknowledge or resolve."""
        ...
