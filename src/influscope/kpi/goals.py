"""Goal attainment and pacing against KPI targets.

Public API (pure functions)::

    attainment(value, target, direction: "up" | "down" | "none") -> float | None
    pacing(value_so_far, target, start: date, end: date, today: date,
           kind: "cumulative" | "rate" = "cumulative", direction: "up" | "down" = "up") -> Pacing
    elapsed_share(start: date, end: date, today: date) -> float

Formulas:

- attainment, higher is better (``direction="up"``): ``value / target x 100``;
  lower is better (``"down"``, e.g. cpa, cpm): ``target / value x 100``. 100 means the target is
  met exactly, above 100 beaten. None when value or target is missing, when the divisor is 0, when
  the signs differ (a negative value against a positive target), or for ``direction="none"``.
- elapsed share: campaign days are whole days from ``start`` to ``end`` inclusive; ``today``
  counts as elapsed (values "so far" include today). Before ``start`` the share is 0, after
  ``end`` it is 1.
- pacing, ``kind="cumulative"`` (counts and money that add up over time: revenue, clicks,
  spend): ``projected = value_so_far / elapsed_share``. ``kind="rate"`` (ratios such as ctr,
  roas, engagement_rate): the current value is the projection. ``on_track`` is
  ``projected >= target`` for ``direction="up"`` and ``projected <= target`` for ``"down"``
  (e.g. spend against a budget).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

__all__ = ["Pacing", "attainment", "elapsed_share", "pacing"]

Direction = Literal["up", "down", "none"]


def _num(x, name: str):
    if x is None:
        return None
    if isinstance(x, bool):
        raise ValueError(f"{name} must be a number, got {x!r}")
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (int, float)):
        return x
    raise ValueError(f"{name} must be a number, got {x!r}")


def _check_direction(direction: str) -> None:
    if direction not in ("up", "down", "none"):
        raise ValueError(f"direction must be 'up', 'down' or 'none', got {direction!r}")


def attainment(value, target, direction: Direction = "up") -> float | None:
    """Goal attainment in percent (see the module docstring)."""
    _check_direction(direction)
    value, target = _num(value, "value"), _num(target, "target")
    if value is None or target is None or direction == "none":
        return None
    num, den = (value, target) if direction == "up" else (target, value)
    if den == 0:
        return None
    if (num < 0) != (den < 0) and num != 0:
        return None
    if isinstance(num, Decimal) or isinstance(den, Decimal):
        return float(Decimal(num) / Decimal(den) * 100)
    return float(num) / float(den) * 100


def elapsed_share(start: date, end: date, today: date) -> float:
    """Share (0-1) of the campaign's days that have elapsed, today included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    total = (end - start).days + 1
    elapsed = (today - start).days + 1
    return min(max(elapsed, 0), total) / total


@dataclass(frozen=True)
class Pacing:
    value_so_far: float | Decimal | None
    target: float | Decimal | None
    projected: float | Decimal | None
    elapsed_share: float
    kind: str
    direction: str
    on_track: bool | None
    projected_attainment: float | None
    reason: str | None

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("value_so_far", "target", "projected"):
            if isinstance(d[k], Decimal):
                d[k] = float(d[k])
        return d


def pacing(value_so_far, target, start: date, end: date, today: date,
           kind: Literal["cumulative", "rate"] = "cumulative", direction: Literal["up", "down"] = "up") -> Pacing:
    """Project ``value_so_far`` to the end date and say whether it will meet ``target``."""
    if kind not in ("cumulative", "rate"):
        raise ValueError(f"kind must be 'cumulative' or 'rate', got {kind!r}")
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    value_so_far, target = _num(value_so_far, "value_so_far"), _num(target, "target")
    share = elapsed_share(start, end, today)

    def result(projected, reason):
        on_track = None
        if projected is not None and target is not None:
            on_track = projected >= target if direction == "up" else projected <= target
        return Pacing(value_so_far, target, projected, share, kind, direction, on_track,
                      attainment(projected, target, direction) if projected is not None else None, reason)

    if value_so_far is None:
        return result(None, "no value so far")
    if kind == "rate":
        return result(value_so_far, None if share > 0 else "campaign has not started")
    if share == 0:
        return result(None, "campaign has not started")
    projected: Decimal | float
    if isinstance(value_so_far, Decimal):
        total = (end - start).days + 1
        elapsed = round(share * total)
        projected = value_so_far * total / elapsed
    else:
        projected = float(value_so_far) / share
    return result(projected, None)
