"""SPARQL results written by plankg.store.results read back as the same terms."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from plankg.store.results import native_select_json, serialize_ask, serialize_select

XSD = "http://www.w3.org/2001/XMLSchema#"
VARS = ["s", "label", "n"]
ROWS = [
    [ox.NamedNode("http://example.org/a?x=1&y=%3C2%3E"), ox.Literal('quote " comma , tab \t newline \n 中文', language="zh"), ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))],
    [ox.BlankNode("b0"), None, ox.Literal("plain")],
    [None, ox.Literal("<tag> & 'apos'"), None],
]


@pytest.mark.parametrize("fmt, parse_as", [("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV)])
@pytest.mark.parametrize("truncated", [False, True])
def test_select_round_trips_through_a_conforming_parser(fmt, parse_as, truncated):
    body = serialize_select(VARS, ROWS, fmt, truncated)
    parsed = ox.parse_query_results(body, parse_as)
    assert [v.value for v in parsed.variables] == VARS
    assert [list(row) for row in parsed] == ROWS


def test_rows_given_as_mappings_or_solutions_serialize_alike():
    as_maps = [dict(zip(VARS, row, strict=True)) for row in ROWS]
    assert serialize_select(VARS, as_maps, "json", False) == serialize_select(VARS, ROWS, "json", False)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
    solutions = store.query("SELECT ?s ?x ?o { ?s ?p ?o OPTIONAL { ?s <http://e/q> ?x } }")
    plain = [[ox.NamedNode("http://e/s"), None, ox.Literal("o")]]
    assert serialize_select(["s", "x", "o"], solutions, "xml", False) == serialize_select(["s", "x", "o"], plain, "xml", False)


def test_csv_is_rfc4180_with_plain_values():
    rows = list(csv.reader(io.StringIO(serialize_select(VARS, ROWS, "csv", False).decode("utf-8"), newline="")))
    assert rows[0] == VARS
    assert rows[1] == ["http://example.org/a?x=1&y=%3C2%3E", 'quote " comma , tab \t newline \n 中文', "5"]
    assert rows[2] == ["_:b0", "", "plain"]
    assert rows[3] == ["", "<tag> & 'apos'", ""]


# CSV/TSV are defined for SELECT only; ASK gets them as a one-cell table, not checked here
@pytest.mark.parametrize("fmt, parse_as", [("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML)])
@pytest.mark.parametrize("value", [True, False])
def test_ask_round_trips(fmt, parse_as, value):
    assert bool(ox.parse_query_results(serialize_ask(value, fmt), parse_as)) is value


# ---------------------------------------------------------------- the engine's own SPARQL JSON
def store_with(rows: list[list]) -> ox.Store:
    """A store whose SELECT ?s ?label ?n answers ROWS-like rows, as many as given."""
    store = ox.Store()
    for i, (s, label, n) in enumerate(rows):
        row = ox.NamedNode(f"http://example.org/row/{i:04d}")
        store.add(ox.Quad(row, ox.NamedNode("http://example.org/order"), ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))))
        for name, value in (("s", s), ("label", label), ("n", n)):
            if value is not None:
                store.add(ox.Quad(row, ox.NamedNode("http://example.org/" + name), value))
    return store


SELECT_ROWS = """SELECT ?s ?label ?n WHERE {
  ?row <http://example.org/order> ?i
  OPTIONAL { ?row <http://example.org/s> ?s } OPTIONAL { ?row <http://example.org/label> ?label } OPTIONAL { ?row <http://example.org/n> ?n }
} ORDER BY ?i"""
ODD = [
    ox.Literal("control \x01 \x1f del \x7f line sep \u2028 quote \" backslash \\ slash / ,{\"not a row\"}"),
    ox.Literal("中文", language="zh-Hant"),
    ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("", language="en"),
]


def test_the_engine_writes_the_same_json_as_serialize_select():
    rows = [row for row in ROWS if any(v is not None for v in row)]
    rows += [[ox.NamedNode(f"http://example.org/x/{i}"), ODD[i % len(ODD)], ox.BlankNode(f"b{i}")] for i in range(40)]
    store = store_with(rows)
    ours = serialize_select(VARS, store.query(SELECT_ROWS), "json", False)
    assert native_select_json(store.query(SELECT_ROWS), cap=1000, max_bytes=1 << 20) == (ours, len(rows))


def test_the_engine_is_not_used_past_the_cap_or_the_byte_budget():
    store = store_with([[ox.NamedNode(f"http://example.org/x/{i}"), None, None] for i in range(10)])
    assert native_select_json(store.query(SELECT_ROWS), cap=10, max_bytes=1 << 20)[1] == 10
    assert native_select_json(store.query(SELECT_ROWS), cap=9, max_bytes=1 << 20) is None
    assert native_select_json(store.query(SELECT_ROWS), cap=10, max_bytes=100) is None
    empty_row = store_with([[None, None, None]])
    assert native_select_json(empty_row.query(SELECT_ROWS), cap=10, max_bytes=1 << 20) == (serialize_select(VARS, [[None, None, None]], "json", False), 1)
    none = native_select_json(store.query("SELECT ?x { FILTER(false) }"), cap=10, max_bytes=1 << 20)
    assert none == (serialize_select(["x"], [], "json", False), 0)


@pytest.mark.parametrize("cap", [3, 10, 50])
def test_answer_gives_the_same_bytes_whichever_way_it_writes(cap):
    from plankg.store.embedded import answer

    rows = [[ox.NamedNode(f"http://example.org/x/{i}"), ODD[i % len(ODD)], None] for i in range(10)] + [[None, None, None]]
    store = store_with(rows)
    store_wide = {"formats": {"select": "json"}, "prefixes": {}, "row_cap": cap}
    fast = answer(store, SELECT_ROWS, **store_wide)
    slow = answer(store, SELECT_ROWS, deadline=10**12, **store_wide)  # a deadline: our own writer, row by row
    assert (fast.body, fast.rows, fast.truncated) == (slow.body, slow.rows, slow.truncated)
    assert fast.rows == min(cap, len(rows)) and fast.truncated == (cap < len(rows))


def test_xml_escaping_is_that_of_xml_sax_saxutils():
    from xml.sax import saxutils

    from plankg.store.results import escape, quoteattr

    samples = ["", "plain", "a & b < c > d", 'say "hi"', "it's", "both \" and '", "tab\tnew\nline\rret", "中文 &amp;"]
    for text in samples:
        assert escape(text) == saxutils.escape(text)
        assert quoteattr(text) == saxutils.quoteattr(text)


# ---------------------------------------------------------------- the engine's text, cut between rows
def _rows_store(n: int) -> ox.Store:
    return store_with([[ox.NamedNode(f"http://example.org/x/{i}"), ODD[i % len(ODD)], ox.BlankNode(f"b{i}")] for i in range(n)])


@pytest.mark.parametrize("cap", [1, 7, 40, 1000])
@pytest.mark.parametrize("max_bytes", [120, 700, 3000, 1 << 20])
def test_the_engine_cut_json_is_byte_for_byte_write_selects_cut(cap, max_bytes):
    from plankg.store.results import native_select, write_select

    store = _rows_store(40)
    ours = write_select(VARS, store.query(SELECT_ROWS), "json", row_cap=cap, max_bytes=max_bytes)
    assert native_select(store.query(SELECT_ROWS), "json", cap, max_bytes)[:3] == ours


@pytest.mark.parametrize("fmt, parse_as", [("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV)])
@pytest.mark.parametrize("cap", [1, 7, 40, 1000])
@pytest.mark.parametrize("max_bytes", [300, 1500, 1 << 20])
def test_the_engine_cut_xml_and_tsv_hold_the_same_rows_as_write_selects(fmt, parse_as, cap, max_bytes):
    from plankg.store.results import native_select, write_select

    store = _rows_store(40)
    expected = [list(row) for row in store.query(SELECT_ROWS)]
    body, rows, cut, _ = native_select(store.query(SELECT_ROWS), fmt, cap, max_bytes)
    assert len(body) <= max_bytes
    assert [list(row) for row in ox.parse_query_results(body, parse_as)] == expected[:rows]
    assert cut == (rows < len(expected))
    assert rows == min(cap, len(expected)) or len(body) + 200 > max_bytes  # short of the cap only for the byte cap
    _, python_rows, python_cut = write_select(VARS, store.query(SELECT_ROWS), fmt, row_cap=cap, max_bytes=max_bytes)
    assert cut == python_cut and (rows == python_rows or max_bytes < 1 << 20)
    if cut and fmt == "xml":
        assert b"urn:plankg:truncated" in body


def test_the_engine_is_stopped_at_the_row_cap_not_run_to_the_end():
    from plankg.store.results import native_select

    store = _rows_store(40)
    big = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }"  # ~ 280^2 rows, far past the cap
    body, rows, cut, total = native_select(store.query(big), "json", 5, 1 << 30)
    assert total is None
    assert (rows, cut) == (5, True)
    assert len(body) < 1 << 16  # the engine stopped within a write or two of the cap


# text a JSON string may hold that, outside one, would open a row with no binding or end one
TRICKY = [
    ox.Literal('x ,{} [{} },{}" \\ \\" ,{"a"}'),
    ox.Literal("\\"),
    ox.Literal("ends in two \\\\"),
    ox.Literal('"'),
    ox.Literal("中文 {}", language="zh"),
]


def _rows_with_no_binding(n: int, seed: int) -> list[list]:
    """``n`` rows, some binding no variable, the others holding TRICKY text, in an order of ``seed``."""
    import random

    rng = random.Random(seed)
    rows: list[list] = []
    for i in range(n):
        if rng.random() < 0.15:
            rows.append([None, None, None])
        else:
            long = ox.Literal("long " * rng.randrange(1, 400) + "\\" * rng.randrange(0, 3))
            rows.append([ox.NamedNode(f"http://example.org/x/{i}"), rng.choice([*TRICKY, long]), ox.BlankNode(f"b{i}") if i % 3 else None])
    return rows


@pytest.mark.parametrize("rows", [[[None, None, None]] * 3, _rows_with_no_binding(60, 1), _rows_with_no_binding(900, 2)], ids=["only-empty", "60", "900"])
@pytest.mark.parametrize("offset, cap", [(0, 1), (0, 7), (5, 10), (50, 20), (0, 10_000), (899, 5), (1000, 5)])
@pytest.mark.parametrize("max_bytes", [150, 2000, 1 << 20])
@pytest.mark.parametrize("count", [False, True])
def test_rows_with_no_binding_are_paged_and_counted_as_write_page_does(rows, offset, cap, max_bytes, count):
    from plankg.store.results import native_select, write_page

    store = store_with(rows)
    got = native_select(store.query(SELECT_ROWS), "json", cap, max_bytes, offset=offset, count=count)
    assert got == write_page(VARS, store.query(SELECT_ROWS), "json", row_cap=cap, max_bytes=max_bytes, offset=offset, count_total=count)


@pytest.mark.parametrize("shift", range(0, 90, 9))
def test_rows_with_no_binding_past_the_page_are_counted_in_the_same_evaluation(shift):
    from plankg.store.results import native_select, write_page

    # rows the marker count reads first (quotes and runs of backslashes, across the engine's
    # writes): the page is cut by it, the rows with no binding come later; ``shift`` moves
    # where the engine's writes end, within a string or outside one
    rows = [[ox.NamedNode(f"http://example.org/x/{i}"), ox.Literal(f"text {i} " + "\\" * (i % 4)), None] for i in range(3000)]
    rows[0][1] = ox.Literal("x" * shift)
    # strings across the engine's writes, the second holding what, outside it, would be a row
    # with no binding
    rows[2500][1:] = [ox.Literal("x" * 12000), ox.Literal("y" * 12000 + ' ,{} " ')]
    rows += [[None, None, None]] * 5 + [[ox.NamedNode("http://example.org/z"), TRICKY[0], None], [None, None, None]]
    store = store_with(rows)
    for offset, cap in ((0, 10), (2000, 3), (2990, 100)):
        got = native_select(store.query(SELECT_ROWS), "json", cap, 1 << 20, offset=offset, count=True)
        assert got == write_page(VARS, store.query(SELECT_ROWS), "json", row_cap=cap, offset=offset, count_total=True)
        assert got is not None and got[3] == len(rows)


def test_answer_evaluates_a_query_with_a_row_of_no_binding_once(monkeypatch):
    from plankg.store import embedded

    calls = []
    run = embedded.run_query
    monkeypatch.setattr(embedded, "run_query", lambda *a, **k: calls.append(1) or run(*a, **k))
    store = store_with(_rows_with_no_binding(60, 3))
    page = embedded.answer(store, SELECT_ROWS, formats={"select": "json"}, prefixes={}, row_cap=10, offset=5, count_total=True)
    assert len(calls) == 1
    assert (page.rows, page.truncated, page.total) == (10, True, 60)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
@pytest.mark.parametrize("offset, cap", [(0, 10), (5, 10), (30, 10), (35, 10), (39, 1), (40, 5), (55, 5), (3, 1000)])
@pytest.mark.parametrize("max_bytes", [900, 1 << 20])
def test_a_page_holds_the_rows_from_the_offset_and_counts_them_all(fmt, offset, cap, max_bytes):
    import itertools

    from plankg.store.results import native_select, write_select

    parse_as = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}[fmt]
    store = _rows_store(40)
    expected = [list(row) for row in store.query(SELECT_ROWS)]
    body, rows, cut, total = native_select(store.query(SELECT_ROWS), fmt, cap, max_bytes, offset=offset, count=True)
    assert total == 40
    assert len(body) <= max_bytes
    assert [list(row) for row in ox.parse_query_results(body, parse_as)] == expected[offset : offset + rows]
    python = write_select(VARS, itertools.islice(store.query(SELECT_ROWS), offset, None), fmt, row_cap=cap, max_bytes=max_bytes)
    # the engine writes XML and TSV terms in other (valid) forms than ours: rows differ only under the byte cap
    if fmt == "json" or max_bytes == 1 << 20:
        assert (rows, cut) == python[1:]
    assert cut == python[2] or rows < cap
    if fmt == "json":
        assert body == python[0]
    unpaged = native_select(store.query(SELECT_ROWS), fmt, cap, max_bytes, offset=offset)
    assert unpaged[:3] == (body, rows, cut) and unpaged[3] is None



class _Written:
    """The engine's SPARQL JSON of ``store``'s SELECT_ROWS, handed to the writer in writes of random sizes."""

    def __init__(self, store: ox.Store, seed: int, cuts: tuple[int, ...] = ()) -> None:
        out = io.BytesIO()
        store.query(SELECT_ROWS).serialize(out, format=ox.QueryResultsFormat.JSON)
        self.body, self.seed, self.cuts = out.getvalue(), seed, cuts  # ``cuts``: where the writes end, else at random

    def serialize(self, writer, format) -> None:
        import random

        rng = random.Random(self.seed)
        ends = [*self.cuts, len(self.body)] if self.cuts else []
        at = 0
        while at < len(self.body):
            end = ends.pop(0) if ends else at + rng.choice([1, 2, 3, rng.randrange(1, 64), rng.randrange(1, 2000)])
            writer.write(self.body[at:end])
            at = end


@pytest.mark.parametrize("seed", range(12))
def test_rows_with_no_binding_are_counted_wherever_the_writes_end(seed):
    from plankg.store.results import native_select, write_page

    # no row with no binding (nor its text) before row 60: the pages before it are cut by the
    # marker count, the rows after counted the exact way from a row begun writes before
    rows = [[ox.NamedNode(f"http://example.org/x/{i}"), ox.Literal(f'"{i}" \\'), None] for i in range(60)]
    rows[59][1:] = [ox.Literal("x" * 3000), ox.Literal("y" * 3000 + " ,{} ")]  # no escape, where a wrong state would end
    rows += _rows_with_no_binding(60, seed)
    store = store_with(rows)
    for offset, cap, max_bytes in ((0, 5, 1 << 20), (0, 50, 1 << 20), (30, 10, 1 << 20), (70, 10, 1 << 20), (0, 200, 5000), (119, 5, 1 << 20)):
        for count in (False, True):
            got = native_select(_Written(store, seed), "json", cap, max_bytes, offset=offset, count=count)  # type: ignore[arg-type]
            assert got == write_page(VARS, store.query(SELECT_ROWS), "json", row_cap=cap, max_bytes=max_bytes, offset=offset, count_total=count)


def test_a_row_with_no_binding_is_counted_from_a_row_begun_writes_before():
    from plankg.store.results import native_select, write_page

    rows = [[ox.NamedNode(f"http://example.org/x/{i}"), ox.Literal(f"text {i}"), None] for i in range(10)]
    rows += [[ox.NamedNode("http://example.org/long"), ox.Literal("x" * 300), ox.Literal("y" * 300 + " ,{} ,{} ")], [None, None, None]]
    store = store_with(rows)
    body = _Written(store, 0).body
    begins, inside = body.rindex(b',{"'), body.index(b"yyyy") + 10
    expected = write_page(VARS, store.query(SELECT_ROWS), "json", row_cap=3, offset=0, count_total=True)
    # the first write ends anywhere in the long row before its second string: the next one, with
    # no row opening, leads into that string, where the last one finds the text of an empty row
    for end in range(begins + 1, inside - 5):
        assert native_select(_Written(store, 0, (end, inside)), "json", 3, 1 << 20, count=True) == expected, end  # type: ignore[arg-type]


def test_a_value_too_long_to_read_back_after_a_row_with_no_binding_sends_the_answer_the_counted_way():
    from plankg.store.embedded import answer
    from plankg.store.results import native_select

    store = store_with([[None, None, None], [ox.NamedNode("http://example.org/x"), ox.Literal("a,{}" * 4_500_000), None]])
    assert native_select(store.query(SELECT_ROWS), "json", 10, 1 << 30) is None
    page = answer(store, SELECT_ROWS, formats={"select": "json"}, prefixes={}, row_cap=10, max_bytes=1 << 30)
    assert (page.rows, page.truncated) == (2, False)
