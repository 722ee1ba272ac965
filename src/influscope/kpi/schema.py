"""The JSON Schema of a KPI result, with the KPI ids filled in from the catalogue.

``data/kpi_result.schema.json`` holds everything but the ids; :func:`result_schema` adds them, so
a KPI declared in the catalogue is in the schema without another edit.

    python -m influscope.kpi.schema > kpi_result.schema.json   # the complete schema
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from importlib import resources
from typing import Any

from influscope.kpi.catalogue import KPIS


@functools.lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    return json.loads(resources.files("influscope.kpi").joinpath("data/kpi_result.schema.json").read_text("utf-8"))


def result_schema() -> dict[str, Any]:
    """The complete schema of ``KpiResult.to_dict()`` (and ``influscope kpi --format json``)."""
    schema = copy.deepcopy(_template())
    schema["$defs"]["kpi_id"]["enum"] = list(KPIS)
    schema["$defs"]["kpis"]["required"] = list(KPIS)
    return schema


if __name__ == "__main__":
    json.dump(result_schema(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
