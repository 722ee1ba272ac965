"""Roles, scopes and what they allow.

| role    | read | write campaign data | manage users, keys, share links | see budgets and costs |
|---------|------|---------------------|----------------------------------|-----------------------|
| owner   | yes  | yes                 | yes (also owners)                | yes                   |
| admin   | yes  | yes                 | yes (not owners)                 | yes                   |
| analyst | yes  | yes                 | no                               | yes                   |
| viewer  | yes  | no                  | no                               | only when granted     |

API keys carry scopes instead of a role: ``read`` acts as a viewer, ``read write`` as an analyst;
whether a key sees costs is set when it is created. Keys never manage users, keys or share links.
"""

from __future__ import annotations

# COST_KPIS: the KPIs whose value reveals budget or spend (derived from the catalogue's declarations)
from influscope.metrics.policy import COST_KPIS

ROLE_RANK = {"viewer": 1, "analyst": 2, "admin": 3, "owner": 4}
ROLES = tuple(ROLE_RANK)
SCOPES = ("read", "write")

# Fields of API objects that are budgets or costs.
COST_FIELDS = frozenset({"budget", "spend", "amount", "cost", "costs"})


def scopes_for_role(role: str) -> frozenset[str]:
    return frozenset({"read"}) if role == "viewer" else frozenset({"read", "write"})


def role_for_scopes(scopes: frozenset[str] | set[str]) -> str:
    return "analyst" if "write" in scopes else "viewer"


def sees_costs(role: str, granted: bool) -> bool:
    return role != "viewer" or bool(granted)


def at_least(role: str, needed: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]


def parse_scopes(value: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """'read', 'write', 'read write', 'read,write' or a list -> the scope set ('write' implies 'read')."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    scopes = set()
    for item in items:
        item = item.strip().lower()
        if item not in SCOPES:
            raise ValueError(f"unknown scope {item!r} (expected read or write)")
        scopes.add(item)
    if not scopes:
        raise ValueError("at least one scope is needed (read or write)")
    if "write" in scopes:
        scopes.add("read")
    return frozenset(scopes)


def cost_kpis() -> frozenset[str]:
    """The KPIs whose value reveals budgets or costs (see :mod:`influscope.metrics.policy`)."""
    return COST_KPIS


def redact_report(report: dict, can_see_costs: bool) -> dict:
    """A KPI result (``KpiResult.to_dict()`` shape) without budgets and cost-derived values."""
    if can_see_costs:
        return report
    hidden = cost_kpis()
    out = dict(report)
    out["kpis"] = redact_kpis(report.get("kpis") or {}, False)
    rows = []
    for row in report.get("rows") or []:
        if isinstance(row, dict):
            row = {k: (None if (k in hidden or k in COST_FIELDS) else v) for k, v in row.items()}
            if isinstance(row.get("kpis"), dict):
                row["kpis"] = redact_kpis(row["kpis"], False)
        rows.append(row)
    out["rows"] = rows
    if isinstance(out.get("campaign"), dict):
        out["campaign"] = {k: (None if k in COST_FIELDS else v) for k, v in out["campaign"].items()}
    diags = []
    for d in report.get("diagnostics") or []:
        figures = d.get("figures") if isinstance(d, dict) else None
        if isinstance(figures, dict) and any(k in hidden or k in COST_FIELDS for k in figures):
            continue  # a diagnostic fired by cost figures would reveal them
        diags.append(d)
    out["diagnostics"] = diags
    return out


def redact_kpis(kpis: dict, can_see_costs: bool) -> dict:
    """Replace cost-revealing KPI entries by a NULL value with a reason, unless costs may be seen."""
    if can_see_costs:
        return kpis
    out = {}
    hidden = cost_kpis()
    for kpi_id, entry in kpis.items():
        if kpi_id in hidden:
            blank = {k: None for k in entry} if isinstance(entry, dict) else {}
            blank.update({"value": None, "reason": "hidden: budgets and costs are not shared with this account"})
            if isinstance(entry, dict) and "unit" in entry:
                blank["unit"] = entry["unit"]
            out[kpi_id] = blank
        else:
            out[kpi_id] = entry
    return out
