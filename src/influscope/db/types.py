"""Column types shared by every table.

Money is never a float: amounts are stored as integers in ten-thousandths of the currency unit
(``MONEY_SCALE``), which is exact on every backend (SQLite, PostgreSQL, ClickHouse, DuckDB) and
sums exactly in SQL. Python sees :class:`decimal.Decimal`. Exchange rates are stored the same way
with eight decimal places.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 10_000  # 4 decimal places: enough for every ISO 4217 minor unit (max 3) plus one
RATE_SCALE = 100_000_000  # 8 decimal places for FX rates


def to_decimal(value, *, field: str = "value") -> Decimal:
    """Parse a number given as str/int/Decimal into a Decimal, refusing floats' binary noise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{field}: not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


class _Scaled(TypeDecorator):
    """A Decimal stored as a scaled BIGINT."""

    impl = sa.BigInteger
    cache_ok = True
    scale: int = 1

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        d = to_decimal(value) * self.scale
        q = d.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return int(q)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)) / self.scale

    @property
    def python_type(self):
        return Decimal


class Money(_Scaled):
    """An amount of money in ten-thousandths of the unit; Python value is Decimal."""

    cache_ok = True
    scale = MONEY_SCALE


class Rate(_Scaled):
    """An exchange rate with eight decimals; Python value is Decimal."""

    cache_ok = True
    scale = RATE_SCALE


def money_from_storage(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)) / MONEY_SCALE


def money_to_storage(value) -> int | None:
    return Money().process_bind_param(value, None)


def sqlite_timestamp(ts: dt.datetime) -> str:
    """TS as SQLAlchemy stores a DateTime in SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'), for raw sqlite3."""
    text = ts.isoformat(" ")
    return text if ts.microsecond else text + ".000000"
