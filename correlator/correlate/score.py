"""How well one hypothesis explains a group of alerts: a cost, lower is better.

The model is abduction with an explicit likelihood (after Sherlock and SCORE, see
design/root-cause-approaches.md): every hypothesis ("this node failed", "this redundancy
group was lost", "this probe lost its path") costs a prior; the root's own alerts are
evidence for it (a hard availability alert more than a warning; a tool that itself says
"unreachable" is no evidence at all); the nodes it predicts to fail are evidence for it
when they alert and against it when they stay silent after they should have noticed
(a binomial surprise at the maximum-likelihood propagation rate); symptoms that began
long before their supposed cause argue against it. Competing options (join, re-root,
merge, stay alone) are compared by total cost, so every choice has a number and a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, NamedTuple

from correlator.correlate.evidence import Evidence


@dataclass(frozen=True, slots=True)
class Weights:
    """The constants of the cost model, in nats (negative log-likelihood units)."""

    prior: float = 6.0
    """Cost of one more independent fault: what a separate incident costs."""
    reroot_margin: float = 0.5
    """How much cheaper another root must be to re-root an incident an alert joins."""
    prior_local_degraded: float = 3.5
    """A node with only warning/performance trouble of its own, explaining nothing else:
    far more common than an outage (noise), so a cheaper hypothesis."""
    root_degraded: float = 1.0
    """The root only shows warnings/performance trouble (a gray failure)."""
    root_symptom_only: float = 30.0
    """The root's only alerts say the cause is elsewhere (UNREACHABLE, paused by dependency)."""
    inferred_unmonitored: float = 1.5
    """The root raised nothing because nothing watches it (a link, a PDU)."""
    inferred_silent: float = 7.0
    """The root is monitored but stayed silent: strong evidence it did not fail."""
    covered_degraded: float = 0.3
    """Under a gray (degraded) root, a dependent that only degrades is the expected effect."""
    degraded_timely: float = 1.0
    """Under a root that is down, a dependent that only shows warnings, starting with the
    outage (a storage failure makes guests report memory and I/O trouble)."""
    degraded_under_down: float = 4.0
    """Under a root that is down, a dependent that only shows warnings/performance trouble
    that started well after the outage is poor support: a node that lost its power or its
    uplink stops answering, it does not report a high CPU load. More than a local
    warning's own prior, so absorbing a late warning never pays by itself."""
    down_under_gray: float = 2.0
    """Under a root that only degrades, a dependent that fails hard: possible ("when
    nothing else explains them"), but a hard explanation is preferred when there is one."""
    down_under_gray_timely: float = 0.5
    """Under a root seen degrading, a dependent that fails hard starting with the
    degradation (within one detection delay of it): the usual effect of a database stuck on
    locks or a slow storage array on what uses it, so cheaper than ``down_under_gray``."""
    gray_propagation: float = 3.0
    """A degraded root that takes dependents down with it: possible (gray failures), but a
    single dependent failing is better explained by its own fault."""
    degraded_spread: float = 1.0
    """Under a root seen degrading, a dependent that only degrades too, starting with it
    (latency or errors spreading to the callers of a slow service): the pair costs a local
    warning's prior plus this per dependent, less than two warnings standing alone, as two
    unrelated warnings rarely begin together on nodes one of which depends on the other."""
    spread_silence: float = 1.5
    """Under a degradation seen spreading from its root to what uses it (warnings of that
    kind beginning together), the most the silence of its other dependents costs: a slow
    array or database slows the callers sensitive to it, not every one of them."""
    early_symptom: float = 2.0
    """A symptom that began before its cause could have been detected."""
    stale_symptom: float = 5.0
    """A symptom that began long before its supposed cause (beyond twice the slowest
    tool's detection delay on top of the cause's own): a failure noticed now does not
    explain what had been failing for a while, any more than the day's later noise."""
    observer_covered: float = 1.5
    """An alert explained only by its observer losing its path (not by the topology): the
    hosts may be fine, so a topological explanation, when there is one, is preferred."""
    silent_on_path: float = 3.0
    """A monitored node between the root and an alerting node stayed silent, though the
    failure must have passed through it (a missed detection at best)."""
    late_symptom: float = 5.0
    """A symptom beginning after the hypothesis' horizon (one detection delay for an outage
    inferred from its symptoms, ``gray_horizon_s`` for a gray failure): more than a warning
    standing alone costs, so a long-lived hypothesis does not collect the day's noise."""
    gray_horizon_s: float = 2400.0
    """How long a gray failure keeps spreading (storage latency, then datastores, then
    guests and applications over half an hour)."""
    group_member: float = 4.0
    """Each member of a redundancy group lost as a whole beyond the first: its failure in
    the same window is a coincidence, less than an independent fault's prior (losing the
    whole group stays one incident, specs/topology-format.md) but not free, so a common
    cause below the members that explains them all is preferred when there is one."""
    dominated: float = 60.0
    """An unobserved root whose every alert comes through one alerting dependent explains
    nothing that dependent does not (Occam): effectively never chosen."""
    max_rate: float = 0.9
    """Cap on the propagation rate: a full house still allows missed detections."""


DEFAULT_WEIGHTS: Final = Weights()


class Score(NamedTuple):
    """A cost and the terms it is made of (shown by --explain and the API); a named tuple,
    as one is built for every candidate root of every alert."""

    cost: float
    root_term: float
    surprise: float
    extras: float

    def describe(self) -> str:
        return (
            f"cost {self.cost:.2f} (root {self.root_term:.2f}, "
            f"propagation {self.surprise:.2f}, other {self.extras:.2f})"
        )


def root_term(
    evidence: Evidence | None,
    *,
    monitored: bool,
    ripeness: float = 1.0,
    weights: Weights = DEFAULT_WEIGHTS,
) -> float:
    """What the root's own alerts (or silence) say about it having failed.

    A monitored root's silence only counts as its tools have had time to notice:
    ``ripeness`` goes from 0 (the storm just began) to 1 (every tool's detection delay
    has passed), so early on a silent parent is "not detected yet", not "fine".
    """
    if evidence is Evidence.DOWN:
        return 0.0
    if evidence is Evidence.DEGRADED:
        return weights.root_degraded
    if evidence is Evidence.SYMPTOM:
        return weights.root_symptom_only
    if not monitored:
        return weights.inferred_unmonitored
    extra = weights.inferred_silent - weights.inferred_unmonitored
    return weights.inferred_unmonitored + extra * max(0.0, min(1.0, ripeness))


def missed_detection(weights: Weights = DEFAULT_WEIGHTS) -> float:
    """What one node that must have failed but stayed silent costs at the highest
    propagation rate: a missed detection."""
    return -math.log(1.0 - weights.max_rate)


def surprise(covered: int, predicted: float, *, max_rate: float) -> float:
    """Binomial surprise of ``covered`` alerting out of ``predicted`` expected to fail.

    Uses the maximum-likelihood rate ``covered / predicted`` (capped at ``max_rate``), so a
    hypothesis that predicts a thousand failures and sees three pays for the 997 silent
    nodes, while one that sees most of its prediction pays almost nothing.
    """
    if covered <= 0:
        return 0.0
    total = max(predicted, float(covered))
    rate = min(covered / total, max_rate)
    cost = -covered * math.log(rate)
    silent = total - covered
    if silent > 0:
        cost -= silent * math.log(1.0 - rate)
    return cost


def score(
    *,
    evidence: Evidence | None,
    monitored: bool,
    covered: int,
    covered_degraded: int,
    predicted: float,
    early: int,
    observed_only: int = 0,
    observer_suspect: bool = False,
    path_silent: int = 0,
    gray_path_silent: int | None = None,
    ripeness: float = 1.0,
    direct_covered: int = 0,
    direct_predicted: int = 0,
    late_down: int = 0,
    late_gray: int = 0,
    covered_degraded_late: int | None = None,
    stale: int = 0,
    gray_early: int | None = None,
    hard_late: int | None = None,
    carrier: bool = False,
    spreading: bool = False,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Score:
    """Total cost of a hypothesis explaining ``covered`` alerting nodes besides its root.

    Two modes: *down* (the root failed; everything it takes down should alert, silence
    counts over its whole closure: ``predicted`` monitored nodes by now) and *gray* (the
    root only degrades; its direct dependents suffer, deeper ones maybe: silence counts
    over its ``direct_predicted`` monitored direct dependents). A root that alerted with
    warnings only is gray; any other is whichever mode explains the alerts better.
    ``carrier``: the root is a path seen losing its quality (signal, errors, loss), whose
    degradation taking down what lies behind it is no exception (no ``gray_propagation``
    for its hard symptoms).
    """
    root = root_term(evidence, monitored=monitored, ripeness=ripeness, weights=weights)
    if evidence is Evidence.DEGRADED and covered == 0:
        # A local warning: its own, cheaper prior instead of the outage prior + gray term.
        return Score(weights.prior_local_degraded, 0.0, 0.0, 0.0)
    # A probe with evidence of its own failure (its checks failing together, unconfirmed)
    # explains what it alone reports as readily as a gray failure explains its symptoms.
    per_observed = weights.covered_degraded if observer_suspect else weights.observer_covered
    shared = (
        (early - stale) * weights.early_symptom
        + stale * weights.stale_symptom
        + observed_only * per_observed
    )
    ripe = max(0.0, min(1.0, ripeness))
    late_down_cost = late_down * weights.late_symptom if evidence is None else 0.0
    down_surprise = surprise(covered, predicted, max_rate=weights.max_rate)
    late_degraded = covered_degraded if covered_degraded_late is None else covered_degraded_late
    timely_degraded = covered_degraded - late_degraded
    down_extras = (
        shared
        + late_down_cost
        + timely_degraded * weights.degraded_timely
        + late_degraded * weights.degraded_under_down
        + path_silent * weights.silent_on_path * ripe
    )
    down = Score(
        weights.prior + root + down_surprise + down_extras, root, down_surprise, down_extras
    )
    if evidence is Evidence.SYMPTOM:
        return down
    direct = min(direct_covered, covered)
    gray_surprise = surprise(
        direct, max(float(direct_predicted), float(direct)), max_rate=weights.max_rate
    )
    hard = max(0, covered - covered_degraded - observed_only)
    gray_shared = shared
    if evidence is Evidence.DEGRADED:
        # A root seen degrading: hard symptoms that began with it are its expected effect
        # (a database stuck on locks times its applications out), and its own warning may
        # come after them (``gray_early`` counts the symptoms older than that allows).
        late = hard if hard_late is None else min(hard, hard_late)
        hard_cost = late * weights.down_under_gray + (hard - late) * weights.down_under_gray_timely
        if gray_early is not None:  # in place of ``early`` (``stale`` <= ``gray_early``)
            gray_shared += (gray_early - early) * weights.early_symptom
    else:
        # A root that failed hard or was inferred, in gray mode: its hard symptoms are the
        # outage mode's to explain (a degradation that takes them down is the exception).
        hard_cost = hard * weights.down_under_gray
    gray_extras = (
        gray_shared
        + late_gray * weights.late_symptom
        + (0.0 if carrier and hard else weights.gray_propagation)
        + covered_degraded * weights.covered_degraded
        + hard_cost
    )
    gray_root = root
    if evidence is None and monitored:
        # A gray failure shows first on the node itself (latency, errors): a monitored node
        # whose tools had time to see it degrade and said nothing is doubly unlikely to be
        # degrading, while a missed "down" is the one a storm of symptoms makes plausible.
        gray_root += root - weights.inferred_unmonitored
        # Nor did the degradation show on the monitored nodes it must have passed through.
        # (Counted on every way up: a degradation spreads hop by hop.)
        gray_path = path_silent if gray_path_silent is None else gray_path_silent
        gray_extras += gray_path * weights.silent_on_path * ripe
    gray = Score(
        weights.prior + gray_root + gray_surprise + gray_extras,
        gray_root,
        gray_surprise,
        gray_extras,
    )
    # Only warnings of the kind that spreads (``spreading`` says so), all beginning
    # together: one degradation, priced as a local warning that spread.
    spreads = spreading and not (hard or late_degraded or late_gray) and covered_degraded == covered
    if evidence is Evidence.DEGRADED:
        if spreads:
            # Seen on the node and on what uses it.
            spread = _spread(0.0, gray_surprise, gray_shared, covered_degraded, weights)
            if spread.cost < gray.cost:
                return spread
        return gray
    if evidence is None and not monitored and spreads and covered >= 2:
        # Nothing watches the root, and what uses it warns of the kind of trouble a slow
        # dependency causes (error rates, latency), together: one unseen degradation that
        # nobody saw on its node (two payment services of two regions failing the same
        # second share their payment provider; one warning alone is never blamed on an
        # unseen cause).
        spread = _spread(root, gray_surprise, gray_shared, covered_degraded - 1, weights)
        mode = gray if gray.cost < down.cost else down
        return spread if spread.cost < mode.cost else mode
    if direct == 0 or (evidence is Evidence.DOWN and not hard and not spreading):
        # (A node that failed hard with only warnings about their own state around it: its
        # outage's symptoms when they began with it, the day's noise otherwise, never a
        # degradation spreading from it.)
        return down
    # A root that failed hard or was inferred: whichever mode explains the alerts better
    # (a storage array that also raised a critical can still be failing slowly).
    return gray if gray.cost < down.cost else down


def _spread(root: float, surprise: float, shared: float, spreads: int, weights: Weights) -> Score:
    """A degradation spreading to what uses it, priced as a local warning that spread: the
    ``root`` term, ``spreads`` dependents at ``degraded_spread`` each, and the silence of
    the others at most ``spread_silence`` (a slow node slows the callers sensitive to it,
    not every one)."""
    spread_surprise = min(surprise, weights.spread_silence)
    extras = shared + spreads * weights.degraded_spread
    cost = weights.prior_local_degraded + root + spread_surprise + extras
    return Score(cost, root, spread_surprise, extras)
