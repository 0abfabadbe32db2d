"""Every query the code runs lives in ``queries/*.rq``: no SPARQL query text in Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The store layer sits below the catalog (imports flow service -> catalog -> store), so it
# reads its own statements from queries/engine/ (plankg.store.statements) and holds none either.
# writes.py counts up to a LIMIT the write policy computes, which no bound term can carry.
EXEMPT = ("plankg/writes.py",)

# a query form, what can only follow it in a query (a variable, *, an expression, a group,
# WHERE or FROM) and, but for DESCRIBE, the group every such query holds; case-insensitive
# as SPARQL keywords are
QUERY_TEXT = re.compile(
    r"\b(?:SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?[?$*(][^{]*\{"
    r"|(?:ASK|CONSTRUCT)\s*(?:\{|(?:WHERE|FROM)\b[^{]*\{)"
    r"|DESCRIBE\s+[?$<])",
    re.IGNORECASE,
)


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals, f-strings (placeholders as ``?x``) and ``+``-joined strings."""

    def text(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(text(v) or "?x" for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = text(node.left), text(node.right)
            if left is not None or right is not None:
                return (left or "?x") + (right or "?x")
        return None

    return [(node.lineno, found) for node in ast.walk(tree) if (found := text(node)) is not None and hasattr(node, "lineno")]


def sparql_in(source: str) -> list[int]:
    return sorted({line for line, value in _texts(ast.parse(source)) if QUERY_TEXT.search(value)})


def _python_files() -> list[Path]:
    files = [*sorted((ROOT / "service").rglob("*.py")), *sorted((ROOT / "plankg").rglob("*.py"))]
    return [f for f in files if not f.relative_to(ROOT).as_posix().startswith(EXEMPT)]


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_python_file_holds_a_sparql_query(path):
    lines = sparql_in(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.relative_to(ROOT)} holds SPARQL at lines {lines}: move it to queries/*.rq (public: false)"


@pytest.mark.parametrize(
    "source",
    [
        'q = "SELECT ?s WHERE { ?s ?p ?o }"',
        'q = """\nselect distinct ?s { ?s ?p ?o }"""',
        'q = "SELECT * { ?s ?p ?o }"',
        'q = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"',
        "q = f\"ASK {{ GRAPH {g} {{ ?s ?p ?o }} }}\"",
        'q = "CONSTRUCT WHERE { ?s ?p ?o }"',
        'q = "DESCRIBE <http://x/>"',
        'q = "PREFIX pk: <x#>\\n" + "SELECT ?a WHERE { ?a a pk:X }"',
        'q = "SELECT " + var + " WHERE { ?s ?p ?o }"',
        'q = ("SELECT ?a "\n     "WHERE { ?a ?b ?c }")',
        'def f():\n    return store.select(f"SELECT $x WHERE {{ {pattern} }}")',
    ],
)
def test_the_check_finds_query_text_however_it_is_written(source):
    assert sparql_in(source)


@pytest.mark.parametrize(
    "source",
    [
        '"""Rows of a SELECT for internal callers."""',
        '"""Variables the outermost SELECT projects (``*`` for ``SELECT *``)."""',
        'msg = "expected SELECT, ASK, CONSTRUCT or DESCRIBE"',
        'msg = "?name must be in the SELECT projection so that it can be bound"',
        'forms = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")',
        'name = "page-area-head"',
    ],
)
def test_words_about_queries_are_not_queries(source):
    assert not sparql_in(source)


def test_every_query_of_the_service_is_run_by_some_module():
    """A ``public: false`` query no code names is dead text: delete it or use it."""
    from plankg.catalog import Catalog
    from plankg.settings import Settings

    code = "\n".join(p.read_text(encoding="utf-8") for p in [*(ROOT / "service").rglob("*.py"), *(ROOT / "plankg").rglob("*.py")])
    catalog = Catalog.load(Settings())
    # a count query is run by the catalog for the query whose ``total`` header names it
    counters = {q.total for q in catalog.queries.values() if q.total is not None}
    unused = sorted(name for name in catalog.internal if name not in counters and f'"{name}"' not in code and f"'{name}'" not in code)
    assert not unused
