"""Pages by e-mail over SMTP (stdlib :mod:`smtplib`, run in a worker thread).

Every message of one incident is threaded under one root id, ``<INC-000001@domain>``,
named in ``In-Reply-To`` and ``References`` (the root is never sent itself; mail clients
thread on it all the same). The ``Message-ID`` is derived from the dedup key, the event,
the priority and the escalation level, ``<INC-000001.trigger.p1.l1@domain>``, so sending
the same page twice yields two copies of one message, recognisable as a duplicate, while a
re-page at a higher priority is a new message.

Failures: refused connections, timeouts, dropped connections and 4xx SMTP replies are
retryable; 5xx replies (bad recipient, bad credentials, message rejected), a missing
STARTTLS/AUTH extension and certificate failures are not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from correlator.clock import Clock, WallClock
from correlator.dispatch.model import DeliveryError, Page, PageEvent

# RFC 5322 dot-atom-text without the dots: what may stand in a Message-ID's left part.
_ATEXT: Final = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


class Security(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"  # plain SMTP (a local relay)
    STARTTLS = "starttls"  # upgrade with STARTTLS (submission, port 587)
    TLS = "tls"  # TLS from the first byte (submissions, port 465)


@dataclass(frozen=True, slots=True)
class MailRoute:
    """A team's recipients (and, optionally, its own From address)."""

    to: tuple[str, ...]
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """One SMTP relay and who gets which team's pages."""

    host: str
    sender: str  # From
    to: tuple[str, ...]  # teams without a route of their own
    port: int = 25
    security: Security = Security.NONE
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    teams: Mapping[str, MailRoute] = field(default_factory=lambda: MappingProxyType({}))
    message_id_domain: str | None = None  # default: the domain of ``sender``
    ca_file: str | None = None  # trust this CA instead of the system's (a private relay)
    timeout_s: float = 10.0


class EmailPager:
    """Sends one plain-text message per page."""

    def __init__(self, name: str, settings: EmailSettings, clock: Clock | None = None) -> None:
        self.name = name
        self.settings = settings
        self._clock = clock or WallClock()
        self._domain = settings.message_id_domain or _domain_of(settings.sender)
        self._tls: ssl.SSLContext | None = None
        if settings.security is not Security.NONE:
            self._tls = ssl.create_default_context(cafile=settings.ca_file)

    def thread_id(self, page: Page) -> str:
        """The id every message about ``page``'s incident replies to."""
        return f"<{_atext(page.dedup_key)}@{self._domain}>"

    def message_id(self, page: Page) -> str:
        """The same page always gets the same Message-ID."""
        parts = (
            _atext(page.dedup_key),
            page.event.value,
            page.priority.value.lower(),
            f"l{page.escalation_level}",
        )
        return f"<{'.'.join(parts)}@{self._domain}>"

    def message(self, page: Page) -> EmailMessage:
        """The message for ``page``, addressed to its team."""
        route = self.settings.teams.get(page.team)
        recipients = route.to if route is not None else self.settings.to
        sender = (route.sender if route is not None else None) or self.settings.sender
        title = " ".join(page.summary.split())
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = (
            f"[{page.priority.value}] {page.event.value.upper()} {page.dedup_key}: {title}"
        )
        msg["Date"] = email.utils.format_datetime(
            dt.datetime.fromtimestamp(self._clock.now(), dt.UTC)
        )
        msg["Message-ID"] = self.message_id(page)
        msg["In-Reply-To"] = self.thread_id(page)
        msg["References"] = self.thread_id(page)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        msg["X-Correlator-Incident"] = page.dedup_key
        msg["X-Correlator-Event"] = page.event.value
        msg.set_content(_body(page))
        return msg

    async def send(self, page: Page) -> None:
        """Hand the message to the relay (in a thread: smtplib blocks)."""
        msg = self.message(page)
        await asyncio.to_thread(self._deliver, msg)

    def _deliver(self, msg: EmailMessage) -> None:
        s = self.settings
        recipients = [addr for _, addr in email.utils.getaddresses([msg["To"]]) if addr]
        if not recipients:
            raise DeliveryError(f"{self.name}: no recipients for this team", retryable=False)
        refused: dict[str, tuple[int, bytes]] | None = None
        try:
            smtp: smtplib.SMTP
            if s.security is Security.TLS:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=self._tls)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with smtp:
                if s.security is Security.STARTTLS:
                    smtp.starttls(context=self._tls)
                if s.username is not None:
                    smtp.login(s.username, s.password or "")
                refused = smtp.send_message(msg, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as exc:
            if refused is None:  # a failing QUIT after the relay took the message is no failure
                raise _classified(self.name, exc) from exc
        if refused:
            raise _refusal(self.name, refused, partial=True)


def _classified(name: str, exc: smtplib.SMTPException | OSError) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _refusal(name, exc.recipients, partial=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        raw = exc.smtp_error
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        return DeliveryError(
            f"{name}: SMTP {code} {text}".rstrip(), retryable=not 500 <= code < 600
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"{name}: connection lost ({exc})", retryable=True)
    if isinstance(exc, smtplib.SMTPException):  # no STARTTLS / AUTH offered, and the like
        return DeliveryError(f"{name}: {exc}", retryable=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(f"{name}: TLS certificate rejected ({exc})", retryable=False)
    return DeliveryError(f"{name}: cannot reach the relay ({exc})", retryable=True)


def _refusal(
    name: str, refused: Mapping[str, tuple[int, bytes]], *, partial: bool
) -> DeliveryError:
    codes = [code for code, _ in refused.values()]
    who = ", ".join(
        f"{addr} ({code} {text.decode(errors='replace')})"
        for addr, (code, text) in sorted(refused.items())
    )
    what = "some recipients refused" if partial else "all recipients refused"
    return DeliveryError(f"{name}: {what}: {who}", retryable=any(not 500 <= c < 600 for c in codes))


def _body(page: Page) -> str:
    rows = [
        ("Incident", page.dedup_key),
        ("Event", page.event.value),
        ("Priority", page.priority.value),
        ("Severity", page.severity),
        ("Team", page.team),
        ("Root", page.source),
        ("Escalation", f"level {page.escalation_level}"),
        ("Runbook", page.runbook or "(none for this root)"),
        ("NOC", page.url or "(none)"),
    ]
    headline = {
        PageEvent.TRIGGER: "A new incident needs on-call.",
        PageEvent.ACKNOWLEDGE: "The incident has been acknowledged.",
        PageEvent.RESOLVE: "The incident has cleared.",
    }[page.event]
    lines = [page.summary, "", headline, ""]
    lines += [f"{label + ':':<12}{value}" for label, value in rows]
    if page.details:
        lines += ["", "Details:"]
        lines += [f"  {key}: {value}" for key, value in sorted(page.details.items())]
    return "\n".join(lines) + "\n"


def _atext(text: str) -> str:
    return _ATEXT.sub("_", text) or "_"


def _domain_of(address: str) -> str:
    _, addr = email.utils.parseaddr(address)
    return addr.rpartition("@")[2] or "correlator.invalid"
