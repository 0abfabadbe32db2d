"""plankg.annotate and ``plankg annotate``: the build's mentions on the plan, Web Annotation output, limits, quality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders.document import parse_document
from loaders.linker import find_mentions
from loaders.registry import load_registry
from plankg.annotate import Annotator, as_json, as_jsonld, has_chinese
from plankg.cli import main
from plankg.errors import BadRequest, PayloadTooLarge
from plankg.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
GOLD = ROOT / "tests" / "fixtures" / "annotate_gold.json"


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator.from_settings(Settings())


def test_annotate_on_the_plans_own_text_returns_exactly_the_linkers_mentions(annotator: Annotator) -> None:
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    registry = load_registry(ROOT / "data" / "registry")
    by_unit: dict[str, list[tuple[int, str, str, str]]] = {}
    for m in find_mentions(document, registry):
        by_unit.setdefault(m.unit_key, []).append((m.offset, m.surface, m.kind, m.entity_id))
    chinese = [u for u in document.units if has_chinese(u.text)]
    # every paragraph and item is Chinese; the units left out are English-only masthead lines and
    # footnotes that cite a document symbol (E/CN.6/2020/3), which annotate reads as English
    assert {u.kind for u in document.units if u not in chinese} <= {"front", "footnote"}
    for unit in chinese:
        got = [(a.start, a.surface, a.kind, a.entity) for a in annotator.annotate(unit.text) if a.kind != "concept"]
        assert got == by_unit.get(unit.key, []), unit.key


def test_plan_concepts_are_found_by_their_labels(annotator: Annotator) -> None:
    found = {(a.kind, a.entity) for a in annotator.annotate("妇女署致力于制止暴力侵害妇女和女童，并推进联合国系统协调。")}
    assert ("concept", "area/evaw") in found and ("concept", "mandate/coordination") in found


def test_english_text_is_matched_by_english_names_and_acronyms(annotator: Annotator) -> None:
    text = "UN Women and UNDP report on SDG 5.2; the Commission on the Status of Women met in New York."
    found = [(a.surface, a.entity) for a in annotator.annotate(text)]
    assert found == [("UN Women", "UN-Women"), ("UNDP", "UNDP"), ("SDG 5.2", "5.2"), ("Commission on the Status of Women", "CSW")]
    # whole words only: no UN inside "tune", no UNDP inside UNDPX
    assert annotator.annotate("Tune the UNDPX radio.") == []


def test_json_gives_offsets_surface_forms_types_and_iris(annotator: Annotator) -> None:
    text = "妇女署与开发署合作。"
    out = as_json(text, annotator.annotate(text))
    assert out["language"] == "zh" and out["length"] == len(text)
    undp = next(a for a in out["annotations"] if a["id"] == "UNDP")
    assert text[undp["start"] : undp["end"]] == undp["surface"] == "开发署"
    assert undp["iri"] == "http://127.0.0.1:8000/id/org/UNDP"
    assert undp["type"] == "http://127.0.0.1:8000/ontology#UNEntity"


def test_jsonld_is_a_web_annotation_collection(annotator: Annotator) -> None:
    text = "妇女署与开发署合作。"
    doc = as_jsonld(text, annotator.annotate(text), "urn:test")
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld" and doc["type"] == "AnnotationCollection"
    items = doc["first"]["items"]
    assert doc["total"] == len(items) == 2
    item = items[1]
    assert item["type"] == "Annotation" and item["motivation"] == "identifying"
    assert item["body"]["id"] == "http://127.0.0.1:8000/id/org/UNDP"
    position, quote = item["target"]["selector"]
    assert (position["type"], position["start"], position["end"]) == ("TextPositionSelector", 4, 7)
    assert (quote["type"], quote["exact"], quote["prefix"], quote["suffix"]) == ("TextQuoteSelector", "开发署", "妇女署与", "合作。")


def test_too_long_or_empty_text_is_refused(annotator: Annotator) -> None:
    with pytest.raises(PayloadTooLarge):
        annotator.annotate("妇" * (annotator.max_chars + 1))
    with pytest.raises(BadRequest):
        annotator.annotate("   \n")


def test_precision_and_recall_on_passages_it_was_not_tuned_on_stay_high(annotator: Annotator) -> None:
    """The numbers are in bench/results/annotate.md; this guards them from sliding back."""
    from bench.annotate_quality import score

    passages = json.loads(GOLD.read_text(encoding="utf-8"))["passages"]
    assert len(passages) >= 20
    result = score(annotator, passages)
    assert result["all"]["precision"] >= 0.85 and result["all"]["recall"] >= 0.85
    registry = load_registry(ROOT / "data" / "registry")
    known = {("organization", o.id) for o in registry.organizations} | {("instrument", i.id) for i in registry.instruments}
    known |= {("sdg", s.code) for s in registry.sdg} | {("theme", t.id) for t in registry.themes}
    for p in passages:
        for surface, kind, ident in p["gold"]:
            assert (kind, ident) in known and surface in p["text"], (surface, ident)


def test_cli_annotate_prints_json_and_jsonld(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "passage.txt"
    path.write_text("UN Women and UNFPA", encoding="utf-8")
    assert main(["annotate", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in out["annotations"]] == ["UN-Women", "UNFPA"]
    assert main(["annotate", str(path), "--format", "jsonld"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["id"] == path.resolve().as_uri() and doc["total"] == 2


def test_cli_annotate_refuses_a_file_past_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANKG_ANNOTATE_MAX_CHARS", "100")
    path = tmp_path / "big.txt"
    path.write_text("妇" * 1000, encoding="utf-8")
    assert main(["annotate", str(path)]) != 0
    assert "limited to 100 characters" in capsys.readouterr().err
