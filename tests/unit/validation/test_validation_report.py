"""The Report: rows with labels from the data, bilingual text grouped by node, the W3C graph."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from shape_world import PREFIXES, WORLD, parse_ttl

SH = "http://www.w3.org/ns/shacl#"
ID = "http://127.0.0.1:8000/id/"


def broken_world() -> list[ox.Quad]:
    """UNDP loses its Chinese label, the collaboration its provenance; UN loses its Wikidata IRI."""
    drop = [
        (ID + "org/UNDP", "http://www.w3.org/2004/02/skos/core#prefLabel", "@zh"),
        (ID + "collaboration/10-1/UNDP", "http://www.w3.org/ns/prov#wasDerivedFrom", ""),
        (ID + "org/UN", "http://www.w3.org/2004/02/skos/core#exactMatch", ""),
    ]
    return [
        q for q in parse_ttl(WORLD)
        if not any(q.subject.value == s and q.predicate.value == p and o in str(q.object) for s, p, o in drop)
    ]


def test_rows_carry_the_focus_label_from_the_data_in_both_languages(validate_text):
    report = validate_text(broken_world())
    by_focus = {r.focus: r for r in report.results}
    undp = by_focus[ID + "org/UNDP"]
    assert undp.focus_label == {"en": "United Nations Development Programme"}
    assert undp.label("zh") == "United Nations Development Programme"  # no Chinese label left: English stands in
    un = by_focus[ID + "org/UN"]
    assert un.focus_label == {"en": "United Nations", "zh": "联合国"}


def test_a_collaboration_without_a_label_is_named_after_its_collaborator_and_intervention(validate_text):
    report = validate_text(broken_world())
    row = next(r for r in report.results if r.focus == ID + "collaboration/10-1/UNDP")
    assert row.label("en") == "United Nations Development Programme in key intervention 10.1"
    # UNDP lost its Chinese label in this graph, so the Chinese name falls back to English
    assert row.label("zh") == "United Nations Development Programme（主要干预措施 10.1）"


def test_messages_come_in_english_and_chinese(validate_text):
    report = validate_text(broken_world())
    for row in report.results:
        assert row.message["en"] and row.message["zh"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in row.message["zh"])


def test_any_result_makes_the_data_not_conform_but_only_violations_close_the_gate(validate_text):
    infos_only = [
        q for q in parse_ttl(WORLD)
        if not (q.subject.value == ID + "org/UN" and q.predicate.value.endswith("exactMatch"))
    ]
    report = validate_text(infos_only)
    assert [r.severity for r in report.results] == ["Info"]
    assert not report.conforms  # SHACL: sh:conforms is false whenever there is a result
    assert report.passes_gate
    assert report.summary()["writeGate"] == {"severity": "Violation", "passes": True}
    triples = list(ox.parse(report.graph_turtle(), format=ox.RdfFormat.TURTLE))
    assert [t.object.value for t in triples if t.predicate.value == SH + "conforms"] == ["false"]
    broken = validate_text(broken_world())
    assert not broken.conforms and not broken.passes_gate


@pytest.mark.parametrize(("setting", "passes"), [("violation", True), ("warning", True), ("info", False)])
def test_the_write_gate_severity_is_a_setting(setting, passes, validation_settings, project_shapes):
    from plankg.validation import validate_quads

    infos_only = [
        q for q in parse_ttl(WORLD)
        if not (q.subject.value == ID + "org/UN" and q.predicate.value.endswith("exactMatch"))
    ]
    settings = validation_settings.model_copy(update={"write_gate_severity": setting})
    report = validate_quads(settings, infos_only, project_shapes)
    assert report.passes_gate is passes
    assert report.summary()["writeGate"] == {"severity": setting.capitalize(), "passes": passes}


def test_the_report_says_which_engine_answered_and_what_was_added(validate_text):
    from plankg.validation import DEFAULT_ENGINE, engine_name

    summary = validate_text(broken_world()).summary()
    assert summary["engine"] == engine_name(DEFAULT_ENGINE)
    # the project's shapes are written against the ontology: its class hierarchy goes along
    assert [a["name"] for a in summary["added"]] == ["ontology"] and summary["added"][0]["triples"] > 0


def test_text_groups_results_by_focus_node_violations_first(validate_text):
    text = validate_text(broken_world()).text(lang="en")
    lines = text.splitlines()
    assert lines[0] == "Validation report: does not conform (2 violations, 0 warnings, 1 info); write gate (violation): fails"
    headings = [line for line in lines if line and not line.startswith(" ") and not line.startswith("Validation")]
    assert headings[-1] == f"United Nations <{ID}org/UN>"  # the Info-only node comes last
    assert f"United Nations Development Programme <{ID}org/UNDP>" in headings
    undp = lines.index(f"United Nations Development Programme <{ID}org/UNDP>")
    assert lines[undp + 1].startswith("  [Violation] skos:prefLabel: Needs one English and one Chinese preferred label")


def test_text_in_chinese(validate_text):
    text = validate_text(broken_world()).text(lang="zh")
    assert text.startswith("验证报告：不符合（违规 2 项，警告 0 项，提示 1 项）")
    assert "United Nations Development Programme（主要干预措施 10.1）" in text
    assert "[违规] prov:wasDerivedFrom：缺少出处" in text
    assert "[提示] skos:exactMatch：未记录维基数据标识符" in text


def test_text_can_leave_out_lower_severities(validate_text):
    text = validate_text(broken_world()).text(severities=("Violation",))
    assert "[Info]" not in text and "[Violation]" in text


def test_the_report_graph_is_a_w3c_validation_report(validate_text):
    report = validate_text(broken_world())
    triples = list(ox.parse(report.graph_turtle(), format=ox.RdfFormat.TURTLE))
    conforms = [t.object.value for t in triples if t.predicate.value == SH + "conforms"]
    assert conforms == ["false"]
    results = [t for t in triples if t.predicate.value == SH + "result"]
    assert len(results) == 3
    messages = {(t.object.value, t.object.language) for t in triples if t.predicate.value == SH + "resultMessage"}
    assert {lang for _, lang in messages} == {"en", "zh"}
    jsonld = list(ox.parse(report.graph_jsonld(), format=ox.RdfFormat.JSON_LD))
    assert len(jsonld) == len(triples)  # the same graph (blank node ids differ between parses)


def test_summary_is_json_with_every_row(validate_text):
    summary = validate_text(broken_world()).summary()
    text = json.dumps(summary, ensure_ascii=False)
    assert json.loads(text)["conforms"] is False
    assert summary["counts"] == {"Violation": 2, "Warning": 0, "Info": 1}
    row = next(r for r in summary["results"] if r["focusNode"] == ID + "org/UNDP")
    assert row["path"] == "skos:prefLabel"
    assert row["sourceConstraintComponent"] == "sh:MinCountConstraintComponent"
    assert set(row["message"]) == {"en", "zh"}


def test_given_shapes_replace_the_projects(validate_text, validation_settings, tmp_path):
    from plankg.validation import load_shapes, validate_quads

    shapes_file = tmp_path / "mine.ttl"
    shapes_file.write_text(
        PREFIXES
        + """@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:Needs a sh:NodeShape ; sh:targetClass pk:UNEntity ;
    sh:property [ sh:path ex:budget ; sh:minCount 1 ; sh:message "No budget."@en ] .
""",
        encoding="utf-8",
    )
    report = validate_quads(validation_settings, parse_ttl(WORLD), load_shapes(validation_settings, [shapes_file]))
    assert sorted((r.focus, r.path, r.message_in("zh")) for r in report.results) == [
        (ID + "org/UN", "<http://example.org/test#budget>", "No budget."),
        (ID + "org/UNDP", "<http://example.org/test#budget>", "No budget."),
    ]
