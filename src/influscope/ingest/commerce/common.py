"""What every commerce adapter shares: money, times, URLs, click ids and the canonical order record.

The adapters (``shopify``, ``woocommerce``, ``stripe``, the order-export readers and the conversion
API) turn a source payload into an :class:`OrderRecord` or a :class:`RefundRecord`; ``sink`` writes
those into the canonical ``orders`` table. Nothing here computes a KPI or credits a creator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from influscope.db.types import to_decimal
from influscope.ingest import rules

# The URL parameter our redirect appends (and the snippet keeps in a first-party cookie), plus the
# names shops and other trackers commonly use for the same thing in cart/note attributes or metadata.
CLICK_ID_PARAM = "isc"
CLICK_ID_KEYS = ("isc", "influscope_click_id", "click_id", "clickid", "_isc")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "utm_id")

# ISO 4217 currencies whose minor unit is not 1/100, as Stripe counts amounts
# (Stripe's list of zero-decimal and three-decimal currencies).
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


class PayloadError(ValueError):
    """A payload that cannot be turned into a record; the message names the field."""


def minor_exponent(currency: str) -> int:
    cur = (currency or "").upper()
    if cur in ZERO_DECIMAL:
        return 0
    if cur in THREE_DECIMAL:
        return 3
    return 2


def money(value: Any, *, field: str) -> Decimal | None:
    """A decimal string or number ("186.90", 186.9, Decimal) as Decimal; None/"" stay None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dict, list)):
        raise PayloadError(f"{field}: not a number")
    try:
        if isinstance(value, str) and len(value.strip()) > rules.MAX_NUMBER_DIGITS:
            raise ValueError(f"not an amount: {len(value.strip())} characters long")
        amount = to_decimal(value, field=field)
        if abs(amount) > rules.MAX_MONEY:
            raise ValueError(f"too large: {amount} (at most {rules.MAX_MONEY:,.0f})")
        # stored in ten-thousandths, as the database would round it (shops send tax with more places)
        return rules.check_money(amount.quantize(Decimal(1).scaleb(-rules.MONEY_PLACES)), negative=True)
    except ValueError as exc:
        raise PayloadError(f"{field}: {exc}") from None


def from_minor(value: Any, currency: str, *, field: str) -> Decimal | None:
    """An integer amount in the currency's minor unit (Stripe, the conversion API) as Decimal."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PayloadError(f"{field}: expected an integer amount in minor units, got {value!r}")
    if isinstance(value, str) and len(value.strip()) > rules.MAX_NUMBER_DIGITS:
        raise PayloadError(f"{field}: expected an integer amount in minor units, got {len(value)} characters")
    try:
        n = int(value)
    except ValueError:
        raise PayloadError(f"{field}: expected an integer amount in minor units, got {value!r}") from None
    try:
        return rules.check_money(Decimal(n).scaleb(-minor_exponent(currency)))
    except ValueError as exc:
        raise PayloadError(f"{field}: {exc}") from None


def currency_code(value: Any, *, field: str = "currency") -> str:
    cur = str(value or "").strip().upper()
    if len(cur) != 3 or not cur.isalpha():
        raise PayloadError(f"{field}: not an ISO 4217 currency code: {value!r}")
    return cur


def utc_naive(value: Any, *, field: str, tz: dt.tzinfo = dt.timezone.utc) -> dt.datetime | None:
    """ISO-8601 text (any offset; naive text is read in ``tz``) or a unix timestamp -> naive UTC."""
    if value is None or value == "":
        return None
    try:
        return _utc_naive(value, field=field, tz=tz)
    except (OverflowError, OSError, ValueError) as exc:  # timestamps and offsets beyond what datetime holds
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError(f"{field}: not a date-time in range: {str(value)[:40]!r}") from None


def _utc_naive(value: Any, *, field: str, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, (dict, list, bool)):
        raise PayloadError(f"{field}: not a date-time: {value!r}")
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.isdigit():
            if len(text) > 12:
                raise PayloadError(f"{field}: not a date-time: {text[:40]!r}")
            return dt.datetime.fromtimestamp(int(text), dt.timezone.utc).replace(tzinfo=None)
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
            # Shopify's order export writes "2024-01-15 10:23:45 -0500".
            for fmt in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
                try:
                    parsed = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if parsed is None:
                raise PayloadError(f"{field}: not a date-time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)


def query_params(url: str | None) -> dict[str, str]:
    """First value of each query parameter of a URL or a path with a query ("/p?utm_source=x")."""
    if not url:
        return {}
    try:
        query = urlsplit(url).query
    except ValueError:
        return {}
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=False).items() if v}


def utms(url: str | None) -> dict[str, str]:
    params = query_params(url)
    return {k: params[k] for k in UTM_KEYS if params.get(k)}


def click_id_from_url(url: str | None) -> str | None:
    return query_params(url).get(CLICK_ID_PARAM) or None


def click_id_from_pairs(pairs: Iterable[tuple[Any, Any]]) -> str | None:
    """The click id among name/value pairs (Shopify note_attributes, WooCommerce meta_data, metadata)."""
    found = {str(k).strip().lower(): v for k, v in pairs if k is not None and v not in (None, "")}
    for key in CLICK_ID_KEYS:
        if key in found:
            return str(found[key]).strip()[:64] or None
    return None


def codes_text(codes: Iterable[Any]) -> str | None:
    """Discount codes as the canonical space-separated upper-case text (order kept, duplicates dropped)."""
    seen: list[str] = []
    for code in codes:
        c = str(code or "").strip().upper().replace(" ", "")
        if c and c not in seen:
            seen.append(c)
    return " ".join(seen) or None


def hashed_email(email: Any) -> str | None:
    """A stable customer key for guests, without storing the address itself."""
    e = str(email or "").strip().lower()
    if not e:
        return None
    return "email:" + hashlib.sha256(e.encode()).hexdigest()[:24]


# Personal data that shops put in order payloads and that measurement does not need: contact
# details, addresses, the buyer's IP address and browser. Dropped from everything kept after
# processing (orders.raw and the processed delivery body); the customer's id is kept.
PII_KEYS = frozenset({
    "email", "contact_email", "phone", "billing_address", "shipping_address", "client_details", "browser_ip",
    "customer_ip_address", "customer_user_agent", "billing", "shipping", "customer_details", "addresses",
    "default_address", "first_name", "last_name", "address1", "address2", "zip", "latitude", "longitude",
    "note", "customer_note",
})


def redact(value: Any) -> Any:
    """A copy of a payload without :data:`PII_KEYS` (at any depth)."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k not in PII_KEYS}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@dataclass
class OrderRecord:
    """One order in canonical terms (see ``db.tables.orders``)."""

    key: str
    created_at: dt.datetime
    currency: str
    subtotal: Decimal  # merchandise after discounts, before tax and shipping
    discounts: Decimal | None = None
    tax: Decimal | None = None
    shipping: Decimal | None = None
    total: Decimal | None = None
    status: str = "paid"  # before refunds are netted: paid | pending | cancelled
    discount_codes: str | None = None
    landing_url: str | None = None
    click_id: str | None = None
    customer_id: str | None = None
    new_customer: bool | None = None  # None: decide from the order history
    units: int | None = None
    referrer: str | None = None
    version: dt.datetime | None = None  # when the source last changed the order (stale-update guard)
    refunds: list["RefundRecord"] = field(default_factory=list)
    refunded_hint: Decimal | None = None  # a refund total known without per-refund detail
    raw: Any = None

    def utms(self) -> dict[str, str]:
        return utms(self.landing_url)


@dataclass
class RefundRecord:
    order_key: str
    key: str
    amount: Decimal  # refunded merchandise
    currency: str | None = None
    created_at: dt.datetime | None = None


def final_status(base: str, subtotal: Decimal, refunded: Decimal | None) -> str:
    """paid|pending|cancelled from the source, then refunds: partially_refunded / refunded."""
    if base == "cancelled":
        return "cancelled"
    if refunded and refunded > 0:
        return "refunded" if refunded >= subtotal else "partially_refunded"
    return base


def check_order(rec: OrderRecord) -> OrderRecord:
    """REC against the record rules every door applies (see influscope.ingest.rules); PayloadError
    names the first field that breaks them."""
    checks: list[tuple[str, Any, Any]] = [
        ("id", rec.key, rules.check_key), ("customer_id", rec.customer_id, rules.check_key),
        ("click_id", rec.click_id, rules.check_key),
        ("discount_codes", rec.discount_codes, rules.check_text),
        ("landing_url", rec.landing_url, lambda v: rules.check_text(v, rules.MAX_URL)),
        ("referrer", rec.referrer, lambda v: rules.check_text(v, rules.MAX_URL)),
        ("units", rec.units, rules.check_count),
    ]
    for name in ("subtotal", "discounts", "tax", "shipping", "total", "refunded_hint"):
        checks.append((name, getattr(rec, name), _amount))
    for i, refund in enumerate(rec.refunds):
        checks.append((f"refunds[{i}]", refund.amount, _amount))
    for name, value, check in checks:
        if value is None:
            continue
        try:
            check(value)
        except ValueError as exc:
            raise PayloadError(f"{name}: {exc}") from None
    return rec


def check_refund(refund: RefundRecord) -> RefundRecord:
    """A refund's amount against the same rule: refunded merchandise, a non-negative amount."""
    try:
        _amount(refund.amount)
    except ValueError as exc:
        raise PayloadError(f"refund {refund.key}: amount: {exc}") from None
    return refund


def _amount(value: Decimal) -> Decimal:
    """An order amount as the bundle's orders.csv takes it: at most MAX_MONEY, never negative.

    Money given back is never a negative amount on the order: it is a refund, its own record
    (Shopify's refunds, WooCommerce's refunds[], Stripe's charge.refunded), netted into ``refunded``.
    """
    if value < 0:
        raise ValueError(f"must not be negative ({value}): a refund is reported as a refund, not as a "
                         "negative amount")
    return rules.check_money(value)
