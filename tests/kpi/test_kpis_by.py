"""Several breakdowns from one read of the store: ``kpis_by`` gives what ``kpis`` gives for each."""

from __future__ import annotations

import pytest

from tests.kpi.conftest import TODAY


def test_each_breakdown_equals_its_own_kpis_call(hand_engine):
    from influscope.kpi.api import kpis, kpis_by

    many = kpis_by("hand", ["creator", "day", "post", None], workspace="w", engine=hand_engine, today=TODAY)
    assert list(many) == ["creator", "day", "post", None]
    for by, result in many.items():
        alone = kpis("hand", by=by, workspace="w", engine=hand_engine, today=TODAY)
        assert result.to_dict() == alone.to_dict(), by
    assert many["creator"].rows and many["day"].rows and many["post"].rows and many[None].rows == []
    assert many["creator"].diagnostics == many["day"].diagnostics  # computed once, shared


def test_diagnostics_can_be_left_out_without_changing_a_value(hand_engine):
    from influscope.kpi.api import kpis

    full = kpis("hand", workspace="w", engine=hand_engine, today=TODAY)
    bare = kpis("hand", workspace="w", engine=hand_engine, today=TODAY, diagnostics=False)
    assert full.diagnostics and bare.diagnostics == []
    assert bare.to_dict()["kpis"] == full.to_dict()["kpis"]


def test_an_unknown_breakdown_is_refused_by_name(hand_engine):
    from influscope.kpi.api import kpis_by

    with pytest.raises(ValueError, match="unknown breakdown 'week'"):
        kpis_by("hand", ["creator", "week"], workspace="w", engine=hand_engine)
