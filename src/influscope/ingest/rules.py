"""The rules every record obeys, whichever way it comes in.

The bundle importer, the REST API models, the dashboard forms, the webhooks, the conversion API
and the connectors all check values here, so that what one door accepts every page and route can
show, and what one door refuses no other lets in. Each check returns the normalised value or
raises :class:`ValueError` with a message for the user (callers add file, line and field).

Ranges follow what the store holds: SQLite's INTEGER is a 64-bit signed number, money is stored
as an integer count of ten-thousandths (:data:`influscope.db.types.MONEY_SCALE`), so a count may be
at most :data:`MAX_COUNT` and an amount at most :data:`MAX_MONEY` with four decimal places.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------- numbers

MAX_SQL_INT = 2**63 - 1  # SQLite INTEGER / PostgreSQL BIGINT
MAX_COUNT = 10**15  # followers, views, clicks ...: far above any real count, far below MAX_SQL_INT
MAX_MONEY = Decimal("1e12")  # stored as ten-thousandths: 1e16 fits a BIGINT with room for sums
MONEY_PLACES = 4
MAX_RATE = Decimal("1e9")  # an exchange rate (stored with 8 decimal places)
MAX_NUMBER = 1e15  # durations and shares read as floats
MAX_NUMBER_DIGITS = 40  # longer numerals are refused before they are converted


def check_count(value: int | str) -> int:
    """A whole, non-negative number the store holds (0..MAX_COUNT)."""
    if isinstance(value, bool):
        raise ValueError(f"not a whole number: {value!r}")  # noqa: TRY004 - a user's value, reported as such
    if isinstance(value, str):
        raw = value.strip()
        if len(raw) > MAX_NUMBER_DIGITS:
            raise ValueError(f"not a count: {len(raw)} digits (at most {MAX_COUNT:,})")
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"not a whole number: {value!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative: {value}")
    if value > MAX_COUNT:
        raise ValueError(f"too large: {value} (at most {MAX_COUNT:,})")
    return value


def check_money(value: Decimal | int | str, *, negative: bool = False) -> Decimal:
    """An amount with at most four decimal places and at most MAX_MONEY in size."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")  # noqa: TRY004 - a user's value, reported as such
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        raw = value.strip().replace(",", "")
        if len(raw) > MAX_NUMBER_DIGITS:
            raise ValueError(f"not an amount: {len(raw)} characters long (at most {MAX_MONEY:,.0f})")
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if abs(amount) > MAX_MONEY:
        raise ValueError(f"too large: {amount} (at most {MAX_MONEY:,.0f})")
    if amount < 0 and not negative:
        raise ValueError("must not be negative")
    if amount != amount.quantize(Decimal(1).scaleb(-MONEY_PLACES), rounding="ROUND_DOWN"):
        raise ValueError(f"more than {MONEY_PLACES} decimal places: {amount}")
    return amount


def check_rate(value: Decimal | int | str) -> Decimal:
    """A positive exchange rate with at most eight decimal places."""
    if isinstance(value, str):
        raw = value.strip().replace(",", "")
        if len(raw) > MAX_NUMBER_DIGITS:
            raise ValueError(f"not a rate: {len(raw)} characters long")
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise ValueError(f"not a number: {value!r}") from None
    rate = Decimal(value)
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"must be a positive number: {value!r}")
    if rate > MAX_RATE:
        raise ValueError(f"too large: {rate} (at most {MAX_RATE:,.0f})")
    return rate


def check_number(value: float | str) -> float:
    """A finite decimal number within +-MAX_NUMBER (durations, shares)."""
    if isinstance(value, str) and len(value.strip()) > MAX_NUMBER_DIGITS:
        raise ValueError(f"not a number: {len(value.strip())} characters long")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a number: {value!r}") from None
    if math.isnan(number) or abs(number) > MAX_NUMBER:
        raise ValueError(f"not a finite number within {MAX_NUMBER:g}: {value!r}")
    return number


# ------------------------------------------------------------------------------------ text

MAX_KEY = 128  # ids: creator_id, post_id, order_id, slugs ...
MAX_NAME = 200  # display names, campaign names
MAX_TEXT = 10_000  # captions, comments, notes
MAX_URL = 4096

# Characters that reorder or hide text: never inside a key, handle or URL (a name keeps them, but
# every page isolates it, see influscope.web.i18n / the templates).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_text(value: str, max_length: int = MAX_TEXT) -> str:
    """Unicode text without NUL or other control characters (tab and newlines allowed)."""
    if not isinstance(value, str):
        raise ValueError(f"not text: {value!r}")  # noqa: TRY004 - a user's value, reported as such
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    if len(value) > max_length:
        raise ValueError(f"longer than {max_length} characters ({len(value)})")
    return value


def check_key(value: str, max_length: int = MAX_KEY) -> str:
    """An id written by people or platforms: printable, no whitespace at the ends, no bidi controls."""
    value = check_text(value, max_length)
    if any(c in _BIDI_CONTROLS or c in "\t\r\n" for c in value):
        raise ValueError("must not contain line breaks, tabs or text-direction controls")
    return value


# --------------------------------------------------------------------------------- handles

# Platforms whose handles are ASCII letters, digits, '_' and '.' (and '-' for some); the others
# (YouTube, Facebook, LinkedIn, Weibo, Douyin, Bilibili, Xiaohongshu, other) allow letters of any
# script, e.g. 美食家小王 on Weibo.
ASCII_HANDLE_PLATFORMS = frozenset({"instagram", "tiktok", "x", "twitch", "pinterest", "snapchat"})
MAX_HANDLE = 128
_ASCII_HANDLE = re.compile(r"[a-z0-9_.\-]+")
_HANDLE_EXTRA = frozenset("_.-")
_HANDLE_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd"})


def normalise_handle(value: str) -> str:
    """How a handle is stored: NFC, without a leading '@', lower case."""
    return unicodedata.normalize("NFC", value.strip().lstrip("@")).lower()


def check_handle(value: str, platform: str | None = None) -> str:
    """A handle in its stored form (see :func:`normalise_handle`), checked for PLATFORM's shape."""
    if not isinstance(value, str):
        raise ValueError(f"not a handle: {value!r}")  # noqa: TRY004 - a user's value, reported as such
    handle = normalise_handle(value)
    if not handle:
        raise ValueError("the handle is empty")
    if len(handle) > MAX_HANDLE:
        raise ValueError(f"the handle is longer than {MAX_HANDLE} characters")
    if platform in ASCII_HANDLE_PLATFORMS:
        if not _ASCII_HANDLE.fullmatch(handle):
            raise ValueError(f"not a {platform} handle (letters a-z, digits, '_', '.', '-'): {value!r}")
        return handle
    for c in handle:
        if c not in _HANDLE_EXTRA and unicodedata.category(c) not in _HANDLE_CATEGORIES:
            raise ValueError(f"not a handle (letters, digits, '_', '.', '-' only): {value!r}")
    return handle


# ------------------------------------------------------------------------------------ URLs

URL_SCHEMES = ("http", "https")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*\.?")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


class BadDestination(ValueError):
    """A destination URL a tracking link must not send visitors to."""


def _ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    # Numeric forms browsers still read as IPv4 addresses: 2130706433, 0x7f.1, 0177.0.0.1
    if re.fullmatch(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?", host):
        try:
            parts = [int(p, 0) if not (p.startswith("0") and len(p) > 1 and not p.startswith("0x")) else int(p, 8)
                     for p in host.rstrip(".").split(".")]
        except ValueError:
            return None
        *head, last = parts
        if any(p > 255 for p in head) or last >= 256 ** (4 - len(head)):
            return None
        number = 0
        for p in head:
            number = number * 256 + p
        number = number * 256 ** (4 - len(head)) + last
        return ipaddress.IPv4Address(number)
    return None


def check_url(value: str, *, max_length: int = MAX_URL, what: str = "the URL") -> str:
    """An absolute http(s) URL without whitespace, control characters or backslashes."""
    if not isinstance(value, str):
        raise BadDestination(f"not a URL: {value!r}")
    url = value.strip()
    if not url:
        raise BadDestination(f"{what} is empty")
    if len(url) > max_length:
        raise BadDestination(f"{what} is longer than {max_length} characters")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in _BIDI_CONTROLS for c in url):
        raise BadDestination(f"{what} contains whitespace or control characters: {url!r}")
    if "\\" in url:
        # browsers read a backslash as '/', servers and parsers as a character: two readings of one URL
        raise BadDestination(f"{what} contains a backslash: {url!r}")
    parts = urlsplit(url)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
        raise BadDestination(f"{what} must be an absolute http(s) URL, got {url!r}")
    return url


def check_destination(value: str, *, allowed_hosts: frozenset[str] | set[str] | tuple[str, ...] | None = None,
                      allow_private: bool = False) -> str:
    """A tracking link's landing page.

    Refused: anything :func:`check_url` refuses, user names or passwords in the URL
    (``https://user:pass@host/``), loopback, private, link-local and other non-public addresses and
    local host names (unless ALLOW_PRIVATE), and, when ALLOWED_HOSTS is given, any host that is not
    one of them or a subdomain of one.
    """
    url = check_url(value, what="the destination")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise BadDestination(f"the URL carries a user name or password: {url!r}")
    try:
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise BadDestination(f"the URL has a malformed host or port: {url!r}") from None
    if not host:
        raise BadDestination(f"the URL has no host: {url!r}")
    ip = _ip_of(host)
    if ip is None:
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise BadDestination(f"not a valid host name: {host!r}") from None
        if not _HOST.fullmatch(ascii_host):
            raise BadDestination(f"not a valid host name: {host!r}")
        if not allow_private and (ascii_host.rstrip(".") in _LOCAL_NAMES or
                                  ascii_host.rstrip(".").endswith(_LOCAL_SUFFIXES) or "." not in ascii_host.rstrip(".")):
            raise BadDestination(f"the URL points at a local host name: {host!r}")
        host = ascii_host.rstrip(".")
    elif not allow_private and not ip.is_global:
        raise BadDestination(f"the URL points at a loopback, private or reserved address: {host!r}")
    if allowed_hosts:
        allowed = {h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()}
        if not any(host == h or host.endswith("." + h) for h in allowed):
            raise BadDestination(f"{host!r} is not one of this workspace's destination hosts ({', '.join(sorted(allowed))})")
    return url


MAX_ALLOWED_HOSTS = 500


def parse_host_list(text: str) -> list[str]:
    """A workspace's destination allow-list written one host per line or comma separated."""
    hosts = []
    for item in re.split(r"[\s,]+", text or ""):
        item = item.strip().lower().rstrip(".")
        if not item:
            continue
        try:
            ascii_host = item.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"not a host name: {item!r}") from None
        if not _HOST.fullmatch(ascii_host) or "." not in ascii_host:
            raise ValueError(f"not a host name: {item!r}")
        try:  # listing a host never lets in what every link refuses (loopback, private, local names)
            check_destination(f"https://{ascii_host}/")
        except BadDestination:
            raise ValueError(f"not a public host: {item!r} (loopback, private, reserved addresses and local "
                             "host names are refused for every link)") from None
        hosts.append(ascii_host)
    if len(set(hosts)) > MAX_ALLOWED_HOSTS:
        raise ValueError(f"at most {MAX_ALLOWED_HOSTS} hosts")
    return sorted(set(hosts))


# ----------------------------------------------------------------------------------- slugs

LINK_SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the {slug} of /l/{slug}
CAMPAIGN_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_link_slug(value: str) -> str:
    if not isinstance(value, str) or not LINK_SLUG.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-64 letters, digits, '-' or '_'")
    return value


def check_link_namespace(workspace_slug: str) -> str:
    """The first part of a chosen slug's short URL, ``/l/<workspace>/<slug>``: the workspace's id."""
    if not isinstance(workspace_slug, str) or not CAMPAIGN_SLUG.fullmatch(workspace_slug):
        raise ValueError(f"a chosen slug's short URL starts with the workspace id, and {workspace_slug!r} cannot "
                         "be part of a URL (letters, digits, '.', '-', '_'): leave the slug out to get a random one")
    return workspace_slug


def check_campaign_slug(value: str) -> str:
    if not isinstance(value, str) or not CAMPAIGN_SLUG.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit")
    return value


# ----------------------------------------------------------------------------------- codes

MAX_CODE = 64


def check_code(value: str) -> str:
    """A promo code we hand out, as stored: letters (any script) and digits, '-' and '_', upper case."""
    if not isinstance(value, str):
        raise ValueError(f"not a code: {value!r}")  # noqa: TRY004 - a user's value, reported as such
    code = value.strip().upper()
    if not code or len(code) > MAX_CODE or not all(c.isalnum() or c in "-_" for c in code):
        raise ValueError(f"{value!r}: letters, digits, '-' and '_' only, at most {MAX_CODE}")
    return code
