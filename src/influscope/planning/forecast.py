"""Expected result of a creator's next deliverable, with a prediction interval.

A metric of one deliverable (a post's impressions, a campaign's clicks per post, ...) is modelled
as log-normal around the creator's own level::

    log(x + 1) ~ Normal(level, sigma^2)          one deliverable of this creator
    level      ~ Normal(log(followers x rate), tau^2)   creators of the same platform and tier

``rate`` is the peers' median of the metric per follower (platform and tier; the follower-times-
benchmark estimate), ``tau`` how far creators of that tier scatter around it and ``sigma`` how much
one creator's deliverables scatter around their own level. With ``n`` observations of the creator
(log values ``y``), the level's posterior is normal with::

    precision = 1 / tau^2 + n / sigma^2
    mean      = (prior / tau^2 + sum(y) / sigma^2) / precision

and the next deliverable is normal in log space with variance ``1 / precision + sigma^2``. The
expected value shown is the predictive median ``exp(mean) - 1``; the interval its central
``coverage`` quantiles. Without history (``n = 0``) this is the follower-times-rate estimate with
the spread of the tier; with many observations it is the creator's own geometric mean.

The creator's own ``sigma`` is shrunk towards the peers' with ``PRIOR_WEIGHT`` pseudo-observations,
so two similar posts do not promise a narrow interval.

**Calibrated fallback** (:func:`calibrate`). The no-history interval above trusts the model: that
creators scatter around the peers' rate by ``tau`` and that the peers' rate carries over to the next
campaign. When the peers come from several campaigns, that is checked on the store itself: each
campaign in turn is left out, the peers' rate is taken from the others, and each of its creators is
predicted from their followers alone. The residuals' root mean square (bias included: a campaign of
another stage or market that converts five times better shows up here) is the predictive spread of a
creator without history, and its effective degrees of freedom (Satterthwaite, between and within
campaigns) set the Student-t quantile. A creator with history keeps the model's interval; the
prior's weight is only lowered when the calibration says the peers' rate misses by more than
``tau`` (``tau^2 = sd^2 - sigma^2``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from influscope.planning.notes import N_, Note, Num, note

__all__ = ["PRIOR_WEIGHT", "STAGE_SPREAD", "Calibration", "Estimate", "Prior", "calibrate", "estimate", "log_stats",
           "prior_from_accounts", "with_calibration"]

PRIOR_WEIGHT = 4.0  # pseudo-observations of the peers' within-creator spread
DEFAULT_SIGMA = 0.6  # within-creator log spread when no peer has two deliverables
DEFAULT_TAU = 1.0  # between-creator log spread when too few peers exist
# Log spread assumed between campaigns of different stages (an awareness campaign's clicks or sales per
# follower against a sales campaign's): 1.5 puts the 80 % bound at a factor of about 7, the order of
# magnitude between funnel stages. Weighed as this many campaigns against the store's own.
STAGE_SPREAD = 1.5
STAGE_PSEUDO_CAMPAIGNS = 2.0


@dataclass(frozen=True)
class Prior:
    """What the peers say: median log rate per follower, spreads, and how many accounts it rests on."""

    log_rate: float | None  # median of log(metric per follower); None: no peer reports the metric
    tau: float
    sigma: float
    accounts: int
    scope: str  # e.g. "instagram micro creators in this workspace"
    calibration: Calibration | None = None  # how far the peers' rate really missed, left-out campaigns


@dataclass(frozen=True)
class Calibration:
    """Predictive log spread of a creator without history, measured by leaving one campaign out at a time."""

    sd: float  # root mean square of log(actual + 1) - log(followers x rate) over the left-out creators
    df: float  # effective degrees of freedom (between and within campaigns)
    residuals: int
    groups: int
    bias: float  # mean residual: how far the rate of the other campaigns missed on average
    assumed: float = 0.0  # spread added without evidence (one campaign only, of another stage)
    left_out: bool = True  # False: too few campaigns or creators to leave one out; the model's spread used

    def describe(self) -> Note:
        if not self.left_out:
            what = note(N_("one earlier campaign only") if self.groups < 2 else N_("too few creators to leave campaigns out"))
            text = note(N_("%(what)s: its creators' spread (log spread %(sd)s)"), what=what, sd=Num(self.sd, ".2f"))
        else:
            text = note(N_("interval calibrated on %(creators)s creators of %(campaigns)s campaigns, each left out in "
                           "turn (log spread %(sd)s)"), creators=Num(self.residuals, "d"),
                        campaigns=Num(self.groups, "d"), sd=Num(self.sd, ".2f"))
        if self.assumed:
            text = note(N_("%(text)s; the plan's stage has no campaign yet: an assumed log spread of %(spread)s "
                           "between stages is added"), text=text, spread=Num(self.assumed, "g"))
        return text


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    observations: int
    basis: str  # "history", "history+peers", "peers", "benchmark" or "none"
    note: str

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "observations": self.observations,
                "basis": self.basis, "note": self.note}


def log_stats(mean: float, mean_square: float, n: int) -> tuple[float, float | None]:
    """Log-space mean and sd of ``x + 1`` from the plain mean and mean square of ``n`` values (log-normal moments)."""
    var = max(mean_square - mean * mean, 0.0) * n / (n - 1) if n > 1 else None
    if var is None:
        return math.log(mean + 1), None
    s2 = math.log(1 + var / (mean + 1) ** 2)
    return math.log(mean + 1) - s2 / 2, math.sqrt(s2)


def _t_quantile(z: float, df: float) -> float:
    """Student-t quantile from the normal one (Cornish-Fisher expansion; close for df >= 3)."""
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def _robust_sd(values: Sequence[float]) -> float:
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    sd = 1.4826 * mad
    if sd == 0 and len(values) > 1:
        sd = statistics.pstdev(values)
    return sd


def prior_from_accounts(accounts: Sequence[tuple[float, int, float, float | None]], scope: str) -> Prior:
    """Prior from peer accounts, each ``(followers, deliverables, log mean per deliverable, log sd or None)``."""
    rows = [(math.log(f), lm, ls) for f, n, lm, ls in accounts if f and f > 0 and n > 0]
    if not rows:
        return Prior(None, DEFAULT_TAU, DEFAULT_SIGMA, 0, scope)
    rates = [lm - lf for lf, lm, _ in rows]
    sds = [ls for _, _, ls in rows if ls is not None]
    tau = _robust_sd(rates) if len(rates) >= 3 else DEFAULT_TAU
    sigma = math.sqrt(statistics.fmean(s * s for s in sds)) if sds else DEFAULT_SIGMA
    # the between-account spread includes each account's own sampling noise; keep a floor
    return Prior(statistics.median(rates), max(tau, 0.15), max(sigma, 0.1), len(rows), scope)


def calibrate(rows: Sequence[tuple[object, float, int, float, float | None]], scope: str = "",
              min_residuals: int = 5, assumed_between: float = 0.0) -> Calibration | None:
    """Leave-one-group-out check of the no-history estimate.

    ``rows``: ``(group, followers, deliverables, log mean, log sd or None)``, one per account and group
    (a group is a campaign). For every group with others beside it, the prior is built from the other
    groups' rows and each of the group's rows is predicted from its followers alone; the residuals'
    mean square, split into its part between groups and within them, is the predictive variance.

    ``assumed_between``: the groups are of another stage than the plan's, so the plan's campaign may
    differ from all of them; the between-group variance is then shrunk towards ``assumed_between^2``
    with ``STAGE_PSEUDO_CAMPAIGNS`` pseudo-campaigns (with one group only, it is that assumption).
    Returns None with fewer than ``min_residuals`` residuals, or a single group and nothing assumed.
    """
    groups: dict[object, list[tuple[float, int, float, float | None]]] = {}
    for g, f, n, lm, ls in rows:
        if f and f > 0 and n > 0:
            groups.setdefault(g, []).append((f, n, lm, ls))
    by_group: list[list[float]] = []
    if len(groups) >= 2:
        for g, mine in groups.items():
            others = [r for h, rs in groups.items() if h != g for r in rs]
            prior = prior_from_accounts(others, scope)
            if prior.log_rate is None:
                continue
            by_group.append([lm - (prior.log_rate + math.log(f)) for f, _, lm, _ in mine])
    k = sum(len(r) for r in by_group)
    if len(by_group) < 2 or k < min_residuals:
        return None if not assumed_between or not groups else _one_group(groups, scope, assumed_between)
    flat = [x for r in by_group for x in r]
    g = len(by_group)
    within = sum((x - statistics.fmean(r)) ** 2 for r in by_group for x in r) / k
    between = statistics.fmean(statistics.fmean(r) ** 2 for r in by_group)  # per campaign, bias included
    between_df = float(g)
    if assumed_between:
        between = (STAGE_PSEUDO_CAMPAIGNS * assumed_between ** 2 + g * between) / (STAGE_PSEUDO_CAMPAIGNS + g)
        between_df += STAGE_PSEUDO_CAMPAIGNS
    total = between + within
    denom = between ** 2 / between_df + within ** 2 / max(k - g, 1)
    df = total ** 2 / denom if denom > 0 else float(k)
    return Calibration(math.sqrt(total), max(2.0, min(df, float(k))), k, g, statistics.fmean(flat),
                       assumed_between)


def _one_group(groups: dict, scope: str, assumed_between: float) -> Calibration:
    """One campaign of another stage: the model's spread of its creators plus the assumed spread between stages."""
    rows = [r for rs in groups.values() for r in rs]
    prior = prior_from_accounts(rows, scope)
    model = prior.tau ** 2 * (1 + math.pi / 2 / max(prior.accounts, 1)) + prior.sigma ** 2
    total = model + assumed_between ** 2
    df = total ** 2 / (model ** 2 / max(len(rows) - 1, 1) + assumed_between ** 4 / STAGE_PSEUDO_CAMPAIGNS)
    return Calibration(math.sqrt(total), max(2.0, df), len(rows), len(groups), 0.0, assumed_between, False)


def with_calibration(prior: Prior, calibration: Calibration | None) -> Prior:
    """The prior carrying its calibration (unchanged when there is none)."""
    if calibration is None:
        return prior
    return Prior(prior.log_rate, prior.tau, prior.sigma, prior.accounts, prior.scope, calibration)


def estimate(followers: float | None, observed: Sequence[float], prior: Prior, *, coverage: float = 0.8,
             unit: str = "post") -> Estimate:
    """Expected value of the next deliverable and its ``coverage`` interval (see the module docstring).

    ``unit``: what one observation is, ``post`` (of the account) or ``campaign`` (of the creator)."""
    if unit not in _ESTIMATE_NOTES:
        raise ValueError(f"unit must be one of {', '.join(_ESTIMATE_NOTES)}, got {unit!r}")
    words = _ESTIMATE_NOTES[unit]
    obs = [float(x) for x in observed if x is not None and x >= 0]
    n = len(obs)
    z = NormalDist().inv_cdf(0.5 + coverage / 2)
    have_prior = prior.log_rate is not None and followers is not None and followers > 0
    if n == 0 and not have_prior:
        return Estimate(None, None, None, 0, "none", note(words["none"]))
    ys = [math.log(x + 1) for x in obs]
    sigma2 = prior.sigma ** 2
    if n >= 2:
        s2 = statistics.variance(ys)
        sigma2 = (PRIOR_WEIGHT * sigma2 + (n - 1) * s2) / (PRIOR_WEIGHT + n - 1)
    cal = prior.calibration if have_prior else None
    if have_prior:
        prior_mean = prior.log_rate + math.log(followers)
        # the peers' median is itself uncertain: its variance is about (pi / 2) tau^2 / accounts
        tau2 = prior.tau ** 2 * (1 + math.pi / 2 / max(prior.accounts, 1))
        if cal is not None:  # the left-out campaigns say how far the peers' rate really misses
            tau2 = max(tau2, cal.sd ** 2 - prior.sigma ** 2)
        precision = 1 / tau2 + n / sigma2
        mean = (prior_mean / tau2 + sum(ys) / sigma2) / precision
    else:
        precision = n / sigma2
        mean = sum(ys) / n
    sd = math.sqrt(1 / precision + sigma2)
    if n == 0 and cal is not None:
        sd, z = cal.sd, _t_quantile(z, cal.df)
    else:
        z = _t_quantile(z, PRIOR_WEIGHT + max(n - 1, 0))
    value, low, high = (max(math.exp(v) - 1, 0.0) for v in (mean, mean - z * sd, mean + z * sd))
    if n == 0 and prior.accounts == 0:
        basis, why = "benchmark", note(words["benchmark"], scope=prior.scope)
    elif n == 0:
        basis, why = "peers", note(words["peers"], accounts=Num(prior.accounts, "d"), scope=prior.scope)
    elif have_prior:
        basis, why = "history+peers", note(words["history+peers"], n=Num(n, "d"), accounts=Num(prior.accounts, "d"),
                                           scope=prior.scope)
    else:
        basis, why = "history", note(words["history"], n=Num(n, "d"))
    if n == 0 and cal is not None:
        why = note(N_("%(first)s; %(then)s"), first=why, then=cal.describe())
    return Estimate(value, low, high, n, basis, why)


# What an estimate rests on, per unit of observation (a post of the account, a campaign of the creator).
_ESTIMATE_NOTES = {
    "post": {
        "none": N_("no posts of this creator and no peers to compare with"),
        "benchmark": N_("no posts of this creator and no peers: followers x the %(scope)s"),
        "peers": N_("no posts of this creator: followers x the median rate of %(accounts)s %(scope)s"),
        "history+peers": N_("%(n)s post(s) of this creator, weighed against %(accounts)s %(scope)s"),
        "history": N_("%(n)s post(s) of this creator; no peers to compare with"),
    },
    "campaign": {
        "none": N_("no campaigns of this creator and no peers to compare with"),
        "benchmark": N_("no campaigns of this creator and no peers: followers x the %(scope)s"),
        "peers": N_("no campaigns of this creator: followers x the median rate of %(accounts)s %(scope)s"),
        "history+peers": N_("%(n)s campaign(s) of this creator, weighed against %(accounts)s %(scope)s"),
        "history": N_("%(n)s campaign(s) of this creator; no peers to compare with"),
    },
}
