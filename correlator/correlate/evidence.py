"""What an alert says about its node: down, degraded, or only a symptom.

The kind of check matters for root-cause choice: a host that stops answering pings is
evidence that the node is *down*; a CPU or latency warning is evidence that it is only
*degraded* (a gray failure); a Nagios UNREACHABLE or PRTG "paused by dependency" is the
tool's own statement that the problem lies elsewhere, so it is a *symptom* only.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Final

from correlator.model import Alert, Severity, Source


class Evidence(StrEnum):
    """How strongly an alert says its node has failed."""

    DOWN = "down"  # availability lost (host down, ping/agent unreachable, service critical)
    DEGRADED = "degraded"  # performance or warning-level trouble
    SYMPTOM = "symptom"  # the tool itself says the cause is upstream


# The check-text predicates below are pure functions of the text (and severity): remembered
# for the most recent texts, as a storm asks about the same few checks for every candidate
# root of every alert.
_TEXTS: Final = 4096

_AVAILABILITY: Final = re.compile(
    r"ping|icmp|unavailable|unreachable|availability|alive|uptime|heartbeat|"
    r"no ?data|nodata|agent|\bdown\b|\bup\b|instancedown|targetdown|reachab|"
    r"connect|snmp|status|health|http|https|tcp|port|service|process|ssh|dns|"
    r"interface|link|power|psu|datastore|mount|database|db|replication|cluster",
    re.IGNORECASE,
)
_PERFORMANCE: Final = re.compile(
    r"cpu|load|memory|\bmem\b|swap|disk|space|usage|util|latency|response|time|"
    r"errors?|error ?rate|drops?|loss|traffic|bandwidth|throughput|queue|temperature|"
    r"temp|fan|saturat|slow|iops|wait|inode|certificate|cert|backup|ntp|clock|"
    r"high|rate|percent|ratio|lag|jitter",
    re.IGNORECASE,
)


# What a tool reports when it gets no answer: the check itself is about reaching the host.
_NO_ANSWER: Final = re.compile(
    r"\bno\b[\w ]*\bdata\b|nodata|unavailable|unreachable|not available|\bdown\b|agent|"
    r"last seen|timeout|timed out|ping|icmp|heartbeat|alive|uptime|reachab|instancedown|"
    r"targetdown|connect|status",
    re.IGNORECASE,
)


# Warnings that what a node depends on can cause: its callers' latency, errors and queues
# grow when it slows down, and the data it feeds goes stale (seen only once a staleness
# threshold has passed, often minutes after the source failed). Not those about the node's
# own state (a certificate, a disk filling up, a backup, its clock, its hardware), which
# nothing upstream explains.
_SPREADING: Final = re.compile(
    r"latency|response|slow|error|timeout|timed out|queue|lag|wait|iops|throughput|"
    r"drops?|loss|jitter|load|cpu|saturat|5xx|retr(y|ies)|query|duration|round.?trip|"
    r"\brtt\b|\bp9\d\b|apdex|backlog|stale",
    re.IGNORECASE,
)
_LOCAL: Final = re.compile(
    r"certificate|cert|backup|ntp|clock|temperature|temp|fan|space|inode|swap|memory|"
    r"\bmem\b|raid|battery|psu|power|licen[sc]e|update|patch|full",
    re.IGNORECASE,
)


# Warnings about time synchronisation: a time source that lost its reference (a GNSS
# receiver unlocked, a grandmaster in holdover) and the clocks that drift from it (offset,
# skew, NTP/PTP out of sync).
_SYNC_LOST: Final = re.compile(
    r"holdover|not locked|unlocked|lo(?:st|ss of) (?:lock|sync|reference)|gnss|\bgps\b|"
    r"free.?run",
    re.IGNORECASE,
)
_SYNC: Final = re.compile(r"clock|\bntp|\bptp|chrony|time ?sync|timesync|skew|drift", re.IGNORECASE)


@lru_cache(maxsize=_TEXTS)
def reference_lost(check: str | None) -> bool:
    """A time source saying it lost its reference (a GNSS receiver unlocked, an
    oscillator in holdover): what the loss of the reference it uses causes, so a warning
    that spreads from that reference to each of its receivers."""
    return check is not None and bool(_SYNC_LOST.search(check))


@lru_cache(maxsize=_TEXTS)
def sync_warning(check: str | None) -> bool:
    """A warning about time synchronisation: a time source unlocked or in holdover, a
    clock offset, skew or drift."""
    return reference_lost(check) or (check is not None and bool(_SYNC.search(check)))


@lru_cache(maxsize=_TEXTS)
def _slowness(check: str) -> bool:
    return bool(_SPREADING.search(check)) and not _LOCAL.search(check)


@lru_cache(maxsize=_TEXTS)
def spreading_warning(check: str | None) -> bool:
    """A warning of the kind a failing dependency causes in what uses it (latency, error
    rate, timeouts, queues, load; a time source losing its reference), as opposed to one
    about the node's own state (its clock drifting included: a clock is explained by the
    time source it follows, ``Engine._drift_began``, not by whatever else it uses)."""
    return check is not None and (_slowness(check) or reference_lost(check))


# Of those, the ones no dependency in a topology causes either: a clock drifts when its
# time source fails, and a room heats up when its cooling does (those are its symptoms),
# while a disk fills up, a certificate expires and a backup fails on their own.
_OWN_STATE: Final = re.compile(
    r"cert|backup|(?<!name)space|inode|swap|memory|\bmem\b|raid|licen[sc]e|\bupdate|"
    r"patch|\bfull\b|\bfree\b|disk /",
    re.IGNORECASE,
)


@lru_cache(maxsize=_TEXTS)
def local_warning(check: str | None) -> bool:
    """A warning about the node's own state (a disk filling up, a certificate expiring, its
    memory, a backup), which nothing it depends on causes."""
    return check is not None and bool(_OWN_STATE.search(check)) and not _SPREADING.search(check)


# A check on one replica about replicating from its peers: broken when a peer (or the
# way to it) fails, whatever the replica itself does.
_REPLICATION: Final = re.compile(
    r"replicat|log.?shipping|wal.?receiver|\bslave\b|\bmirror(?:ing)?\b", re.IGNORECASE
)


def replication_check(check: str | None) -> bool:
    """A check about replicating from peers (a standby's replication, a slave's IO
    thread, log shipping): its failure says a peer failed, not the replica."""
    return check is not None and bool(_REPLICATION.search(check))


# A path losing its quality: a radio's signal or modulation falling, a fibre's light
# level, errors or loss on a link or an interface. Such a path drops what it carries now
# and then before it drops it for good: what lies only behind it losing its way is its
# expected effect, not a coincidence.
_PATH_QUALITY: Final = re.compile(
    r"\brsl\b|rssi|\bsnr\b|signal|modulation|\bfade|attenuation|optical|light level|"
    r"rx power|\bcrc\b|\bfcs\b|interface errors|link errors|packet loss|bit error|\bber\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=_TEXTS)
def path_quality_warning(check: str | None) -> bool:
    """A warning that a link or an interface carries traffic badly (signal, modulation,
    light level, errors, loss): the path is failing intermittently."""
    return check is not None and bool(_PATH_QUALITY.search(check))


# A node merely busy (load, CPU, utilisation) still answers; one answering slowly or with
# errors passes that on to every caller, through any redundancy it is a member of.
_BUSY: Final = re.compile(r"load|cpu|util|saturat", re.IGNORECASE)


@lru_cache(maxsize=_TEXTS)
def slow_service_warning(check: str | None) -> bool:
    """A spreading warning that says the node's service itself answers slowly or fails
    (latency, errors, timeouts, queues), not that the node is busy (load, CPU): what a
    slow member of a redundant group passes on to what uses the group."""
    return check is not None and _slowness(check) and not _BUSY.search(check)


@lru_cache(maxsize=_TEXTS)
def threshold_warning(severity: Severity, check: str | None) -> bool:
    """A warning that a performance threshold was crossed (load, disk, latency, interface
    errors): the tool reached the host and measured it. A probe cut off gets no answer
    (timeouts, no data, unknown), so such a warning is never the word of a blinded probe."""
    return (
        severity.rank <= Severity.WARNING.rank
        and check is not None
        and _PERFORMANCE.search(check) is not None
        and _NO_ANSWER.search(check) is None
    )


# A check that says in so many words that something is down, or that it failed.
_SAYS_DOWN: Final = re.compile(r"\bdown\b", re.IGNORECASE)
_OUTCOME: Final = re.compile(
    r"\bdown\b|unavailable|unreachable|not available|not responding|no response|"
    r"\bno\b[\w ]*\bdata\b|nodata|failure|failed|\blost\b|offline|stopped|not running|"
    r"\bdead\b|timed out|timeout",
    re.IGNORECASE,
)


# An alert name that says something is down or failing, CamelCase included (TargetDown,
# KubeNodeNotReady, BlackboxProbeFailed, KubePodCrashLooping).
_NAMED_DOWN: Final = re.compile(
    r"down(?![a-z])|not ?ready|unavailable|unreachable|failed|failing|crash ?loop|"
    r"offline|dead(?![a-z])",
    re.IGNORECASE,
)


def classify(alert: Alert) -> Evidence:
    """Classify an alert; pure, cheap, and the same in the daemon and in replay."""
    if alert.unreachable or alert.source_suppressed:
        return Evidence.SYMPTOM
    severe = alert.severity in (Severity.CRITICAL, Severity.MAJOR)
    if alert.check is None:
        # A host-level alert: the host itself is down (or at least not answering).
        return Evidence.DOWN if severe or alert.severity is Severity.MINOR else Evidence.DEGRADED
    check = alert.check
    if not severe:
        if alert.source is Source.ALERTMANAGER and alert.severity is Severity.WARNING:
            # Prometheus rule sets rate most availability alerts warning (kube-prometheus:
            # TargetDown, KubeNodeNotReady, KubePodCrashLooping), and a missing severity
            # label is read as warning: the alert's name says whether something is down.
            return Evidence.DOWN if _NAMED_DOWN.search(check) else Evidence.DEGRADED
        if alert.severity is not Severity.MINOR:
            return Evidence.DEGRADED
        if alert.source is Source.ZABBIX:
            # Zabbix's Average: a problem its own templates rate so ("Interface ...: Link
            # down", "Zabbix agent is not available") next to capacity, performance and
            # hardware ones ("Disk space is low", "High error rate", "Power supply is in
            # critical state"): down when it says something failed.
            return Evidence.DOWN if _OUTCOME.search(check) else Evidence.DEGRADED
        # Elsewhere minor is an Unknown result (Nagios, PRTG): no answer, not a failure,
        # unless the check says in so many words that something is down.
        return Evidence.DOWN if _SAYS_DOWN.search(check) else Evidence.DEGRADED
    if _PERFORMANCE.search(check) and not _AVAILABILITY.search(check):
        return Evidence.DEGRADED
    return Evidence.DOWN


_STATED_WINDOW: Final = re.compile(
    r"\b(?:for|over|longer than|more than)\s+(\d+)\s*"
    r"(s|sec|seconds?|m|min|mins|minutes?|h|hours?)\b",
    re.IGNORECASE,
)


def stated_window(check: str | None) -> float:
    """How long the check says its condition must hold before it fires, in seconds
    ("Inventory sync delayed (over 30m)", "High CPU (over 90% for 5m)"), or 0: the condition
    began that long before the alert."""
    if check is None:
        return 0.0
    found = _STATED_WINDOW.search(check)
    if found is None:
        return 0.0
    unit = found.group(2).lower()
    scale = 3600.0 if unit.startswith("h") else 1.0 if unit.startswith("s") else 60.0
    return float(found.group(1)) * scale
