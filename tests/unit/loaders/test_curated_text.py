"""The curated CSVs in data/registry/ checked directly against the Chinese source text.

Deliberately independent of ``loaders.document``: the source file is scanned
here with a few lines of code of our own, so a parser bug cannot hide a
curation error (and vice versa).

Scan rules (kept in sync with the layout of ``UNW-2021-6.zh.txt``):

* Paragraph N starts on the line beginning with ``"N. "`` -- taken in sequence
  (1, 2, 3 ...), because numbered sub-headings (``"1. 治理和参与公共生活"``)
  look the same but never carry the next expected paragraph number.
* A paragraph's region runs up to the next paragraph start, section line,
  lettered/numbered heading or the free vision heading.  Inside the region,
  footnote lines (starting with a superscript number) are not paragraph text:
  they are what a page break drops in between the two halves of a paragraph.
  The remaining non-blank lines are the paragraph's "body lines" (paragraph
  text, its bullet items, its decision items and page-break continuations).
* Footnote N's text is the line starting with its superscript number.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "data" / "source" / "UNW-2021-6.zh.txt"
REGISTRY = ROOT / "data" / "registry"

STAT_COLUMNS = [
    "id", "paragraph", "surface", "value", "datatype", "unit", "en_label",
    "group_en", "group_zh", "reference_year", "source_footnote", "qualifier", "qualifier_zh", "bound",
]
UNITS = {"percent", "ratio", "times", "persons", "countries", "measures", "count", "years", "year"}
DATATYPES = {"integer", "decimal", "gYear"}
INTERVENTION_PARAGRAPHS = (49, 50, 52, 53, 55, 56, 58, 59)

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUPERSCRIPT_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
HEADING_RE = re.compile(r"^(?:[一二三四五六七八]|[A-Z]|\d{1,2})\. ")
FREE_HEADINGS = {"战略计划愿景"}
FOOTNOTE_IN_LABEL = re.compile(r"\(stated in footnote (\d+)\)")


def sup(number: int) -> str:
    return str(number).translate(SUPERSCRIPT)


# ----------------------------------------------------------------- source scan


@dataclass(frozen=True)
class Para:
    number: int
    body_lines: tuple[str, ...]

    @property
    def body(self) -> str:
        # "\n" between lines: a surface can never match across a line (or page) break.
        return "\n".join(self.body_lines)

    def bullets(self) -> int:
        return sum(1 for line in self.body_lines if line.startswith("- "))


@cache
def source_lines() -> tuple[str, ...]:
    return tuple(SOURCE.read_text(encoding="utf-8").splitlines())


@cache
def paragraphs() -> dict[int, Para]:
    lines = source_lines()
    starts: list[tuple[int, int]] = []  # (paragraph number, line index)
    expected = 1
    for i, line in enumerate(lines):
        if line.startswith(f"{expected}. "):
            starts.append((expected, i))
            expected += 1
    out: dict[int, Para] = {}
    for k, (number, i) in enumerate(starts):
        stop = starts[k + 1][1] if k + 1 < len(starts) else len(lines)
        body = [lines[i][len(f"{number}. "):]]
        for line in lines[i + 1 : stop]:
            if HEADING_RE.match(line) or line.strip() in FREE_HEADINGS:
                break
            if not line.strip() or line[0] in SUPERSCRIPT_CHARS:
                continue
            body.append(line)
        out[number] = Para(number, tuple(body))
    return out


@cache
def footnotes() -> dict[int, str]:
    out: dict[int, str] = {}
    for line in source_lines():
        m = re.match(f"^([{SUPERSCRIPT_CHARS}]+) ", line)
        if m:
            number = int(m[1].translate(str.maketrans(SUPERSCRIPT_CHARS, "0123456789")))
            out[number] = line[m.end():]
    return out


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    while (i := text.find(needle, start)) >= 0:
        spans.append((i, i + len(needle)))
        start = i + 1
    return spans


# ----------------------------------------------------------------- CSV reading


def read_csv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(REGISTRY / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@cache
def stats() -> tuple[dict[str, str], ...]:
    return tuple(read_csv("statistics.csv")[1])


def stats_of(paragraph: int) -> list[dict[str, str]]:
    return [r for r in stats() if int(r["paragraph"]) == paragraph]


def stated_in_footnote(row: dict[str, str]) -> int | None:
    m = FOOTNOTE_IN_LABEL.search(row["en_label"])
    return int(m[1]) if m else None


# ----------------------------------------------------------------- sanity of the scan


def test_scan_finds_all_119_paragraphs_and_26_footnotes():
    assert sorted(paragraphs()) == list(range(1, 120))
    assert sorted(footnotes()) == list(range(1, 27))
    # page-break continuations are joined to their paragraph, footnotes dropped
    assert paragraphs()[17].body_lines[-1].startswith("来越多的无偿护理")
    assert not any(line[0] in SUPERSCRIPT_CHARS for p in paragraphs().values() for line in p.body_lines)


# ----------------------------------------------------------------- statistics.csv


def test_statistics_columns():
    columns, rows = read_csv("statistics.csv")
    assert columns == STAT_COLUMNS
    assert rows


def test_statistics_ids_unique_and_ordered():
    rows = stats()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    keys = []
    for r in rows:
        m = re.fullmatch(r"p(\d+)-(\d+)", r["id"])
        assert m, r["id"]
        assert int(m[1]) == int(r["paragraph"]), r["id"]
        keys.append((int(m[1]), int(m[2])))
    assert keys == sorted(keys), "rows must be in document order"
    for paragraph in {p for p, _ in keys}:
        ns = [n for p, n in keys if p == paragraph]
        assert ns == list(range(1, len(ns) + 1)), f"p{paragraph}: n must run 1, 2, 3 ..."


def _position(row: dict[str, str]) -> int:
    """Offset in the paragraph body where the statistic is stated."""
    para = paragraphs()[int(row["paragraph"])]
    note = stated_in_footnote(row)
    if note is not None:
        return para.body.index(sup(note))  # stated where the footnote marker sits
    return para.body.index(row["surface"])


@pytest.mark.parametrize("row", stats(), ids=lambda r: r["id"])
def test_statistic_surface_occurs_once_in_its_paragraph(row):
    para = paragraphs()[int(row["paragraph"])]
    surface = row["surface"]
    assert surface and surface == surface.strip()
    assert re.search(r"\d|[零一二两三四五六七八九十百千万亿半]", surface), "surface must contain the number"
    note = stated_in_footnote(row)
    if note is None:
        assert para.body.count(surface) == 1, f"{surface!r} not exactly once in paragraph {para.number}"
    else:
        # a fact stated in a footnote: the surface is in the footnote, whose
        # marker is in the paragraph the row is attached to
        assert footnotes()[note].count(surface) == 1, f"{surface!r} not exactly once in footnote {note}"
        assert sup(note) in para.body, f"paragraph {para.number} has no marker for footnote {note}"
        assert row["source_footnote"] == str(note)


def test_statistics_in_order_of_appearance():
    for paragraph in sorted({int(r["paragraph"]) for r in stats()}):
        positions = [_position(r) for r in stats_of(paragraph)]
        assert positions == sorted(positions), f"p{paragraph}: ids not in order of appearance"


@pytest.mark.parametrize("row", stats(), ids=lambda r: r["id"])
def test_statistic_value_parses_per_datatype(row):
    value, datatype, unit = row["value"], row["datatype"], row["unit"]
    assert datatype in DATATYPES
    assert unit in UNITS
    if datatype == "integer":
        assert re.fullmatch(r"-?(0|[1-9]\d*)", value), value
        int(value)
    elif datatype == "decimal":
        # canonical xsd:decimal (XSD 1.1): no leading zeros, no trailing zeros/point
        assert re.fullmatch(r"-?(0|[1-9]\d*)(\.\d*[1-9])?", value), value
        Decimal(value)
    else:
        assert re.fullmatch(r"\d{4}", value), value
    # unit and datatype go together
    assert (datatype == "gYear") == (unit == "year")
    if unit in {"percent", "ratio"}:
        assert datatype == "decimal"
    if unit in {"persons", "countries", "measures", "count", "years"}:
        assert datatype == "integer"
    if unit == "percent":
        assert 0 <= Decimal(value) <= 100
    if unit == "ratio":
        assert 0 <= Decimal(value) <= 1


@pytest.mark.parametrize("row", stats(), ids=lambda r: r["id"])
def test_statistic_other_fields(row):
    assert row["en_label"].strip() and row["group_en"].strip() and row["group_zh"].strip()
    assert row["reference_year"] == "" or re.fullmatch(r"(19|20)\d\d", row["reference_year"])
    if row["source_footnote"]:
        note = int(row["source_footnote"])
        assert note in footnotes()
        assert sup(note) in paragraphs()[int(row["paragraph"])].body, (
            f"footnote {note} is not marked in paragraph {row['paragraph']}"
        )


# Every qualified figure of the text, read by hand: id -> (qualifier, the qualifying words).
QUALIFIED = {
    "p10-3": ("more-than", "700 多项"),  # more than 700 law reforms
    "p11-1": ("less-than", "只有不到三分之二"),  # less than two thirds of women aged 25-54
    "p11-2": ("more-than", "超过了 90%"),  # more than 90 per cent of men
    "p12-3": ("less-than", "不到一半(48%)"),  # less than half (48 per cent): bound 50, value 48
    "p13-2": ("more-than", "增加了一倍多"),  # more than doubled
    "p15-2": ("about", "大约 2.45 亿"),  # about 245 million women
    "p17-2": ("about", "据估计，1 100 万"),  # an estimated 11 million girls
    "p39-1": ("about", "5%左右"),  # about 5 per cent
    "p117-1": ("at-most", "不迟于 2023 年"),  # no later than 2023
}
# words that qualify a figure when they stand next to it
QUALIFYING_CUES = ("不到", "超过", "多", "约", "左右", "至少", "以上", "近", "不迟于", "据估计", "逾", "余", "不少于", "不超过")


def test_qualified_statistics_are_the_reviewed_ones():
    found = {r["id"]: (r["qualifier"], r["qualifier_zh"]) for r in stats() if r["qualifier"] != "exact"}
    assert found == QUALIFIED
    assert all(r["qualifier"] == "exact" and not r["qualifier_zh"] for r in stats() if r["id"] not in QUALIFIED)


@pytest.mark.parametrize("ident", sorted(QUALIFIED))
def test_qualifying_words_surround_the_figure_in_its_paragraph(ident):
    row = next(r for r in stats() if r["id"] == ident)
    phrase = row["qualifier_zh"]
    assert row["surface"] in phrase
    carriers = [paragraphs()[int(row["paragraph"])].body, *footnotes().values()]
    assert any(phrase in text for text in carriers)


def test_no_unqualified_figure_has_a_qualifying_word_next_to_it():
    """The figure with four characters before it and three after holds no cue word (不到, 超过, 多, 约 ...)."""
    flagged = []
    for row in stats():
        if row["qualifier"] != "exact":
            continue
        body = paragraphs()[int(row["paragraph"])].body
        for start, end in occurrences(body, row["surface"]):
            window = body[max(0, start - 4) : end + 3]
            if any(cue in window for cue in QUALIFYING_CUES):
                flagged.append((row["id"], window))
    assert flagged == []


def test_the_cue_scan_finds_the_qualified_figures():
    """The scan above is live: it flags the qualified figures whose cue sits next to the surface."""
    hits = set()
    for row in stats():
        body = paragraphs()[int(row["paragraph"])].body
        for start, end in occurrences(body, row["surface"]):
            window = body[max(0, start - 4) : end + 3]
            if any(cue in window for cue in QUALIFYING_CUES):
                hits.add(row["id"])
    assert {"p10-3", "p11-2", "p15-2", "p39-1", "p117-1"} <= hits


def test_statistics_cover_known_facts():
    """A few anchors the brief names explicitly (guards against accidental deletion)."""
    by_surface = {(int(r["paragraph"]), r["surface"]): r for r in stats()}
    assert by_surface[(10, "25.6%")]["value"] == "25.6"
    assert by_surface[(10, "25.6%")]["source_footnote"] == "4"
    assert by_surface[(14, "1.9 亿")]["value"] == "190000000"
    assert by_surface[(14, "1.9 亿")]["reference_year"] == "2019"
    assert by_surface[(15, "2.45 亿")]["source_footnote"] == "12"
    assert by_surface[(12, "55%")]["source_footnote"] == "8"
    assert by_surface[(18, "2 280 项")]["value"] == "2280"
    assert by_surface[(39, "40%")]["source_footnote"] == "23"
    assert by_surface[(93, "2028 年")]["datatype"] == "gYear"
    assert by_surface[(49, "50/50")]["value"] == "50"


# ----------------------------------------------------------------- completeness, paragraphs 9-19

# Spans masked before looking for numbers: names and titles that contain digits
# but state no quantity.
MASKS = [
    re.compile(r"COVID-19"),  # name of the disease
    re.compile(r"《[^》]*》"),  # titles, e.g. 《2030 年可持续发展议程》 in paragraph 19
    re.compile(r"[A-Z]+(?:/[A-Za-z0-9.]+)+"),  # document symbols such as E/CN.6/2020/3
]
ARABIC_NUMBER = re.compile(r"\d+(?:\.\d+)?(?: \d{3}(?!\d))*")  # "25.6", "2 280", "1 100"
CHINESE_NUMBER = re.compile(
    r"[一二两三四五六七八九十几数]+分之[一二三四五六七八九十]+"  # 三分之二, 四分之一
    r"|[一二两三四五六七八九十几数]+倍多?"  # 三倍, 一倍多
    r"|[一二两三四五六七八九十几数]+年"  # 十年, 一年, 几十年
    r"|一半"
)

# Numbers in paragraphs 9-19 that are deliberately NOT statistics.  Each entry is
# (paragraph, context): a number is excluded when it lies inside an occurrence of
# the context string in that paragraph.
EXCLUSIONS = {
    # Age bounds of a group in a comparison that states no figure ("women aged
    # 25-34 are more likely than men of the same age to live in poverty"): there
    # is no value to record.  (The other age bounds of 9-19 are covered by the
    # group_zh of the statistic they qualify.)
    (11, "25 至 34 岁"),
    # Indefinite durations ("in recent decades", "for decades"): no value.
    (11, "近几十年来"),
    (17, "数十年来"),
    # Name of the "Decade of Action" (本十年行动), not a measured period.
    (19, "本十年行动"),
}


def _masked(text: str) -> str:
    for pattern in MASKS:
        text = pattern.sub(lambda m: "#" * len(m.group()), text)
    return text


def _uncovered(paragraph: int, pattern: re.Pattern[str]) -> list[str]:
    """Numbers of ``pattern`` in the paragraph body not accounted for.

    A number is covered when it lies inside an occurrence of the surface or of
    the (verbatim) group_zh of a statistic of the paragraph, when it is a year
    ("NNNN 年") equal to the reference_year of a statistic of the paragraph, or
    when it lies inside an EXCLUSIONS context.
    """
    body = paragraphs()[paragraph].body
    rows = stats_of(paragraph)
    spans = [s for r in rows for s in occurrences(body, r["surface"])]
    spans += [s for r in rows for s in occurrences(body, r["group_zh"])]
    spans += [s for p, ctx in EXCLUSIONS if p == paragraph for s in occurrences(body, ctx)]
    ref_years = {r["reference_year"] for r in rows if r["reference_year"]}
    missing = []
    for m in pattern.finditer(_masked(body)):
        if any(a <= m.start() and m.end() <= b for a, b in spans):
            continue
        if m.group() in ref_years and body[m.end():].startswith(" 年"):
            continue
        missing.append(m.group())
    return missing


@pytest.mark.parametrize("paragraph", range(9, 20))
def test_every_arabic_number_in_global_context_is_covered(paragraph):
    assert _uncovered(paragraph, ARABIC_NUMBER) == []


@pytest.mark.parametrize("paragraph", range(9, 20))
def test_every_chinese_numeral_quantity_in_global_context_is_covered(paragraph):
    assert _uncovered(paragraph, CHINESE_NUMBER) == []


def test_exclusions_are_live():
    """Every exclusion context really occurs, so the list cannot silently rot."""
    for paragraph, ctx in EXCLUSIONS:
        assert ctx in paragraphs()[paragraph].body, (paragraph, ctx)


# ----------------------------------------------------------------- interventions.csv


def test_interventions_columns_and_keys():
    columns, rows = read_csv("interventions.csv")
    assert columns == ["key", "en_title"]
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    for r in rows:
        m = re.fullmatch(r"para-(\d+)-item-(\d+)", r["key"])
        assert m, r["key"]
        assert int(m[1]) in INTERVENTION_PARAGRAPHS, r["key"]
        title = r["en_title"].strip()
        assert title and len(title.split()) <= 10, r["key"]


def test_interventions_match_bullets_of_each_paragraph():
    _, rows = read_csv("interventions.csv")
    for paragraph in INTERVENTION_PARAGRAPHS:
        para = paragraphs()[paragraph]
        assert para.body_lines[0] == "主要干预措施包括：", paragraph
        positions = [
            int(r["key"].rsplit("-", 1)[1]) for r in rows if r["key"].startswith(f"para-{paragraph}-item-")
        ]
        assert positions == list(range(1, para.bullets() + 1)), (
            f"paragraph {paragraph}: {len(positions)} rows for {para.bullets()} bullets"
        )


def test_only_key_intervention_paragraphs_have_bullets_listed():
    """Every "主要干预措施包括：" paragraph is one of the eight (and vice versa)."""
    found = tuple(n for n, p in paragraphs().items() if p.body_lines[0] == "主要干预措施包括：")
    assert found == INTERVENTION_PARAGRAPHS


# ----------------------------------------------------------------- plan_concepts.csv

CONCEPT_IDS = (
    ["vision", "mandate/normative", "mandate/coordination", "mandate/operational"]
    + [f"principle/{x}" for x in "abcd"]
    + ["area/governance", "area/wee", "area/evaw", "area/wps"]
    + [f"outcome/{n}" for n in range(1, 8)]
    + [f"oee/{n}" for n in range(1, 6)]
)


def test_plan_concepts_rows():
    columns, rows = read_csv("plan_concepts.csv")
    assert columns == ["id", "class", "notation", "en_label", "en_definition", "zh_label", "heading_key"]
    assert [r["id"] for r in rows] == CONCEPT_IDS
    expected_class = {
        "vision": "Vision", "mandate": "MandateFunction", "principle": "GuidingPrinciple",
        "area": "ImpactArea", "outcome": "SystemicOutcome", "oee": "OEEOutput",
    }
    for r in rows:
        assert r["class"] == expected_class[r["id"].split("/")[0]], r["id"]
        assert r["en_label"].strip() and r["en_definition"].strip() and r["zh_label"].strip()


def test_plan_concept_heading_keys():
    _, rows = read_csv("plan_concepts.csv")
    keys = {r["id"]: r["heading_key"] for r in rows}
    assert keys["vision"] == "heading-vision"
    assert [keys[f"principle/{x}"] for x in "abcd"] == [f"heading-4-{x}" for x in "ABCD"]
    assert [keys[a] for a in ("area/governance", "area/wee", "area/evaw", "area/wps")] == [
        f"heading-5-A-{n}" for n in range(1, 5)
    ]
    assert [keys[f"outcome/{n}"] for n in range(1, 8)] == [f"heading-5-B-{n}" for n in range(1, 8)]
    assert [keys[f"oee/{n}"] for n in range(1, 6)] == [f"heading-6-{n}" for n in range(1, 6)]
    assert all(keys[m] == "" for m in ("mandate/normative", "mandate/coordination", "mandate/operational"))


def test_plan_concept_zh_labels_are_heading_lines():
    _, rows = read_csv("plan_concepts.csv")
    lines = set(source_lines())
    for r in rows:
        if not r["heading_key"]:
            continue
        marker = {"vision": ""}.get(r["id"], f"{r['notation']}. ")
        assert f"{marker}{r['zh_label']}" in lines, r["id"]


def test_mandate_labels_occur_in_summary():
    _, rows = read_csv("plan_concepts.csv")
    summary = "\n".join(source_lines()[: source_lines().index("一. 概述")])
    for r in rows:
        if r["id"].startswith("mandate/"):
            assert r["zh_label"] in summary, r["id"]
