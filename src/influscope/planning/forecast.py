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
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["PRIOR_WEIGHT", "Estimate", "Prior", "estimate", "log_stats", "prior_from_accounts"]

PRIOR_WEIGHT = 4.0  # pseudo-observations of the peers' within-creator spread
DEFAULT_SIGMA = 0.6  # within-creator log spread when no peer has two deliverables
DEFAULT_TAU = 1.0  # between-creator log spread when too few peers exist


@dataclass(frozen=True)
class Prior:
    """What the peers say: median log rate per follower, spreads, and how many accounts it rests on."""

    log_rate: float | None  # median of log(metric per follower); None: no peer reports the metric
    tau: float
    sigma: float
    accounts: int
    scope: str  # e.g. "instagram micro creators in this workspace"


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


def estimate(followers: float | None, observed: Sequence[float], prior: Prior, *, coverage: float = 0.8,
             unit: str = "post") -> Estimate:
    """Expected value of the next deliverable and its ``coverage`` interval (see the module docstring)."""
    obs = [float(x) for x in observed if x is not None and x >= 0]
    n = len(obs)
    z = NormalDist().inv_cdf(0.5 + coverage / 2)
    have_prior = prior.log_rate is not None and followers is not None and followers > 0
    if n == 0 and not have_prior:
        return Estimate(None, None, None, 0, "none", f"no {unit}s of this creator and no peers to compare with")
    ys = [math.log(x + 1) for x in obs]
    sigma2 = prior.sigma ** 2
    if n >= 2:
        s2 = statistics.variance(ys)
        sigma2 = (PRIOR_WEIGHT * sigma2 + (n - 1) * s2) / (PRIOR_WEIGHT + n - 1)
    if have_prior:
        prior_mean = prior.log_rate + math.log(followers)
        # the peers' median is itself uncertain: its variance is about (pi / 2) tau^2 / accounts
        tau2 = prior.tau ** 2 * (1 + math.pi / 2 / max(prior.accounts, 1))
        precision = 1 / tau2 + n / sigma2
        mean = (prior_mean / tau2 + sum(ys) / sigma2) / precision
    else:
        precision = n / sigma2
        mean = sum(ys) / n
    sd = math.sqrt(1 / precision + sigma2)
    z = _t_quantile(z, PRIOR_WEIGHT + max(n - 1, 0))
    value, low, high = (max(math.exp(v) - 1, 0.0) for v in (mean, mean - z * sd, mean + z * sd))
    if n == 0 and prior.accounts == 0:
        basis, note = "benchmark", f"no {unit}s of this creator and no peers: followers x the {prior.scope}"
    elif n == 0:
        basis, note = "peers", (f"no {unit}s of this creator: followers x the median rate of {prior.accounts} "
                                f"{prior.scope}")
    elif have_prior:
        basis, note = "history+peers", (f"{n} {unit}(s) of this creator, weighed against {prior.accounts} "
                                        f"{prior.scope}")
    else:
        basis, note = "history", f"{n} {unit}(s) of this creator; no peers to compare with"
    return Estimate(value, low, high, n, basis, note)
