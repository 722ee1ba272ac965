"""The command line's deferred imports (influscope.cli._lazy): each case runs in a new process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(REPO / "src")},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


PRELUDE = """
import sys
import influscope.cli  # defers ibis, as the console script does
import ibis
assert not any(m.startswith("ibis.") for m in sys.modules), "imported before use"
"""


@pytest.mark.parametrize("first_touch", [
    "ibis.literal(1)",
    "import ibis.expr.types",
    "from ibis import _",
    "from ibis.expr import datatypes",
    "import ibis.backends.sqlite",
])
def test_ibis_is_imported_once_on_first_use_whatever_touches_it_first(first_touch):
    out = _run(PRELUDE + first_touch + """
import ibis as again
import ibis.expr.types as ir
import ibis.expr.datatypes as dt
real = sys.modules["ibis"]
assert sys.modules["ibis.expr.types"] is ir and real.expr.types is ir
assert ibis.Table is ir.Table is real.Table and again.Table is ir.Table
t = ibis.table({"a": "int64", "b": "string"}, name="t")
assert isinstance(t, ir.Table) and t.a.type() == dt.int64
f = t.filter(t.a > 1)
expr = f.group_by("b").aggregate(n=f.count())
sql = ibis.to_sql(expr, dialect="sqlite")
con = ibis.sqlite.connect()
assert con.list_tables() == []
print("ok", "GROUP BY" in sql)
""")
    assert out == "ok True"


def test_a_deferred_module_that_is_missing_stays_missing():
    from influscope.cli import _lazy

    assert _lazy.defer("influscope_no_such_module") is False
    assert "influscope_no_such_module" not in sys.modules


def test_restoring_imports_what_was_deferred_and_stops_deferring():
    out = _run(PRELUDE + """
from influscope.cli import _lazy
_lazy.restore()
assert "ibis.expr.types" in sys.modules and ibis.Table is sys.modules["ibis"].Table
import ibis as now
assert now is sys.modules["ibis"] and type(now).__name__ == "module"
assert not any(type(f).__name__ == "_Finder" for f in sys.meta_path)
print("ok")
""")
    assert out == "ok"
