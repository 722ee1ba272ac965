"""UTM tagging of destination URLs (DESIGN section 6).

A tracking link sends its visitor to the destination with

    utm_source=<platform>  utm_medium=influencer | paid_influencer
    utm_campaign=<campaign id>  utm_content=<creator handle>

and, on each redirect, the click id ``isc=<click id>``. The destination's own query string and
fragment are kept byte for byte; a parameter of the same name as one of ours (``utm_*`` above or
``isc``) is replaced, because the attribution of orders and leads depends on these values.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus, urlsplit

from influscope.ingest import rules

CLICK_PARAM = "isc"
MEDIUM = "influencer"
PAID_MEDIUM = "paid_influencer"
_OURS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", CLICK_PARAM)


InvalidDestination = rules.BadDestination  # the destination is refused (see rules.check_destination)


def check_destination(url: str, *, allowed_hosts: frozenset[str] | set[str] | tuple[str, ...] | None = None) -> str:
    """Return URL stripped, or raise :class:`InvalidDestination` with the reason.

    One rule for every way a link is made (REST API, dashboard, CLI, bundle import): an absolute
    http(s) URL to a public host, without credentials, backslashes or control characters, and on
    ALLOWED_HOSTS when the workspace keeps such a list.
    """
    return rules.check_destination(url, allowed_hosts=allowed_hosts)


def utm_tags(*, platform: str | None, campaign: str, handle: str | None, paid: bool = False) -> dict[str, str]:
    """The UTM parameters of a link, in their canonical order (empty values left out)."""
    tags = {
        "utm_source": platform or "",
        "utm_medium": PAID_MEDIUM if paid else MEDIUM,
        "utm_campaign": campaign or "",
        "utm_content": handle or "",
    }
    return {k: v for k, v in tags.items() if v}


def split_for_click(destination: str, tags: dict[str, str]) -> tuple[str, str]:
    """Split the tagged destination around the click id.

    Returns ``(prefix, suffix)`` such that ``prefix + click_id + suffix`` is the final URL:
    ``prefix`` ends with ``...isc=`` and ``suffix`` is the fragment (``#...``) or ''. The redirect
    computes this once per link, so a hit costs one string concatenation.
    """
    base, query, fragment = _parts(destination)
    params = _kept(query) + [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tags.items()]
    params.append(f"{CLICK_PARAM}=")
    return base + "?" + "&".join(params), ("#" + fragment if fragment is not None else "")


def tag_url(destination: str, tags: dict[str, str], click_id: str | None = None) -> str:
    """The destination with TAGS (and the click id, when given) added; query and fragment kept."""
    if click_id is not None:
        prefix, suffix = split_for_click(destination, tags)
        return prefix + quote(click_id, safe="") + suffix
    base, query, fragment = _parts(destination)
    params = _kept(query) + [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tags.items()]
    url = base + ("?" + "&".join(params) if params else "")
    return url + ("#" + fragment if fragment is not None else "")


def ascii_url(url: str) -> str:
    """URL as pure ASCII for a Location header: IDNA host, non-ASCII characters percent-encoded."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii():
        userinfo, _, hostport = netloc.rpartition("@")
        host, sep, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
        host = host.encode("idna").decode("ascii")
        netloc = (quote(userinfo, safe=":%") + "@" if userinfo else "") + host + sep + port
    rest = url[len(parts.scheme) + 3 + len(parts.netloc):]
    return parts.scheme + "://" + netloc + quote(rest, safe="/?#&=+;:@!$'()*,%~[]-._")


def _parts(url: str) -> tuple[str, str, str | None]:
    """(everything before '?', the raw query, the raw fragment or None) without re-encoding."""
    fragment = None
    if "#" in url:
        url, fragment = url.split("#", 1)
    query = ""
    if "?" in url:
        url, query = url.split("?", 1)
    return url, query, fragment


def _kept(query: str) -> list[str]:
    """The raw ``name=value`` pairs of QUERY that are not ours, in their order and encoding."""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote_plus(pair.split("=", 1)[0])
        if name.lower() in _OURS:
            continue
        kept.append(pair)
    return kept
