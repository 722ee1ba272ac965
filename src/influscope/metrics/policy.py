"""Who may see which KPI: derived from each KPI's declaration, used by every face.

A KPI reveals costs when its formula reads the costs or the budget, directly or through another
KPI that does (CPM reads spend; ROI reads spend; goal attainment restates targeted KPIs, cost
ones included). The API, the dashboard, PDF/CSV/XLSX reports, share links and the CLI hide
exactly :data:`COST_KPIS` from a principal who may not see costs.
"""

from __future__ import annotations

from influscope.kpi.catalogue import KPIS, KpiDef
from influscope.metrics.expr import Measure

# the records that are costs: the cost rows (spend) and the campaign budget
COST_TERMS = frozenset({"cost_rows", "budget"})


def _reveals(kpi: KpiDef, seen: frozenset[str] = frozenset()) -> bool:
    if kpi.id in seen:
        return False
    inputs = kpi.inputs()
    if inputs & COST_TERMS:
        return True
    if any(_reveals(KPIS[r], seen | {kpi.id}) for r in inputs if r in KPIS):
        return True
    return isinstance(kpi.expr, Measure) and kpi.expr.depends_on_all and any(
        _reveals(k, seen | {kpi.id}) for k in KPIS.values() if k.id != kpi.id and not (
            isinstance(k.expr, Measure) and k.expr.depends_on_all))


COST_KPIS: frozenset[str] = frozenset(k for k, d in KPIS.items() if _reveals(d))


def reveals_costs(kpi_id: str) -> bool:
    return kpi_id in COST_KPIS


def visible_kpis(can_see_costs: bool) -> list[str]:
    """The catalogue ids a principal may see, in catalogue order."""
    return [k for k in KPIS if can_see_costs or k not in COST_KPIS]
