"""The Ibis operation of a query slot (:mod:`influscope.kpi.prepared`), in a module of its own so
that Ibis is imported only when a query is built. (No postponed annotations here: Ibis reads the
field types of an operation from its annotations.)"""

import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops


class Slot(ops.Scalar):
    """A value of the query bound when it runs: a placeholder in the SQL."""

    name: str
    dtype: dt.DataType

    shape = ds.scalar
