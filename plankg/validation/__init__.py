"""SHACL validation of plankg data, with a bilingual report for data stewards.

The one place that knows SHACL: the parsed shapes model (``shapes``), the engines
(``engines``: pyshacl-turbo answers, pySHACL is the reference), the report
(``report``: rows in English and Chinese, the W3C report graph), the external
authority check (``authority``: UN SDG KOS) and ``validate_quads`` (``validator``).
Full validation (``plankg build``, ``plankg validate``, ``POST /validate``) and the
incremental validation of writes (``plankg.writes``, which asks the model how far
shapes read) use the same model and the same engine.

``Report.conforms`` is SHACL's (false when there is any result); what a write, a
build and ``plankg validate`` go by is ``Report.passes_gate`` (no result at or above
``PLANKG_WRITE_GATE_SEVERITY``, default: violation).
"""

from plankg.validation.authority import check_sdg_authority, load_sdg_kos
from plankg.validation.engines import DEFAULT_ENGINE, ENGINES, PYSHACL, TURBO, engine_name
from plankg.validation.report import SEVERITIES, Gate, Report, ResultRow, shapes_namespace
from plankg.validation.shapes import (
    GlobalConstraint,
    ShapeReach,
    Shapes,
    load_shapes,
    shapes_from_bytes,
)
from plankg.validation.validator import class_hierarchy, only_about, only_checked, validate_quads

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "PYSHACL",
    "SEVERITIES",
    "TURBO",
    "Gate",
    "GlobalConstraint",
    "Report",
    "ResultRow",
    "ShapeReach",
    "Shapes",
    "check_sdg_authority",
    "class_hierarchy",
    "engine_name",
    "load_sdg_kos",
    "load_shapes",
    "only_about",
    "only_checked",
    "shapes_from_bytes",
    "shapes_namespace",
    "validate_quads",
]
