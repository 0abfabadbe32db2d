"""The linker (loaders.linker): trie matching, leftmost-longest, and the context rules of data/registry/context_rules.csv.

Each context rule has a passage where it must fire and one where it must not; the first of
each pair is the plan's own text where there is one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.document import parse_document
from loaders.linker import SurfaceMatcher, find_mentions, matcher, surface_index
from loaders.model import Registry
from loaders.registry import load_registry

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "data" / "registry")


def found(registry: Registry, text: str) -> set[tuple[str, str, str]]:
    return {(kind, ident, surface) for _, surface, kind, ident in matcher(registry).scan(text)}


# (rule form, passage where the rule turns the form down or lets it through, expected (kind, id) or None)
CASES = [
    # 创新 next to 融资 / 金融 is financing, not digital innovation
    ("创新", "发行性别债券等新的创新融资方式，补充增加的核心资源", None),
    ("创新", "以包括新的创新金融工具，实现社会和环境影响", None),
    ("创新", "探索新的资金来源和金融创新，如性别债券", None),
    ("创新", "妇女署的创新和技术努力侧重于缩小性别数字鸿沟", ("theme", "digital-innovation")),
    ("创新", "为改进知识管理和创新，妇女署将转向更加注重数据", ("theme", "digital-innovation")),
    # the words of indicator 5.4.1 name it next to a figure only
    ("无偿护理和家务劳动", "女性从事的无偿护理和家务劳动是男性的三倍", ("sdg", "5.4.1")),
    ("无偿护理和家务劳动", "社会应当重视无偿护理和家务劳动的价值", None),
    # the words of indicator 5.2.1 name it with a proportion or 'subjected to' only
    ("亲密伴侣的性暴力或身体暴力", "15 岁及以上的女童(10%)经历过亲密伴侣的性暴力或身体暴力。", ("sdg", "5.2.1")),
    ("亲密伴侣的性暴力或身体暴力", "各国法律应当禁止亲密伴侣的性暴力或身体暴力。", None),
]


@pytest.mark.parametrize("form,passage,expected", CASES)
def test_context_rule(registry: Registry, form: str, passage: str, expected: tuple[str, str] | None) -> None:
    hits = {(kind, ident) for kind, ident, surface in found(registry, passage) if surface == form}
    assert hits == ({expected} if expected else set())


def test_every_context_rule_has_a_firing_and_a_silent_case(registry: Registry) -> None:
    for rule in registry.context_rules:
        cases = [expected for form, _, expected in CASES if form == rule.form]
        assert None in cases and any(e is not None for e in cases), rule.form


def test_sdg_concepts_described_in_words_are_linked_in_the_plan(registry: Registry) -> None:
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    sdg = {(m.unit_key, m.entity_id) for m in find_mentions(document, registry) if m.kind == "sdg"}
    assert {("para-11", "5.4.1"), ("para-13", "5.5.1"), ("para-15", "5.2.1"), ("para-52-item-1", "5.4"), ("para-69", "5.c.1")} <= sdg


def test_innovative_financing_in_the_plan_is_not_digital_innovation(registry: Registry) -> None:
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    units = document.by_key()
    for m in find_mentions(document, registry):
        if m.entity_id == "digital-innovation" and m.surface == "创新":
            around = units[m.unit_key].text[max(0, m.offset - 2) : m.offset + 4]
            assert "融资" not in around and "金融" not in around, (m.unit_key, around)


def naive(forms: dict[str, tuple[str, str]], text: str) -> list[tuple[int, str]]:
    """The linker's rule without a trie: at each position the longest form, else move on."""
    ordered = sorted(forms, key=len, reverse=True)
    out, i = [], 0
    while i < len(text):
        hit = next((f for f in ordered if text.startswith(f, i)), None)
        if hit is None:
            i += 1
            continue
        out.append((i, hit))
        i += len(hit)
    return out


def test_the_trie_finds_what_a_naive_leftmost_longest_scan_finds(registry: Registry) -> None:
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    index = surface_index(registry)
    plain = SurfaceMatcher(index)  # no context rules: the same rule as the naive scan
    for unit in document.units:
        assert [(o, s) for o, s, _, _ in plain.scan(unit.text)] == naive(index, unit.text), unit.key


def test_english_matching_folds_case_and_respects_word_boundaries() -> None:
    english = SurfaceMatcher({"UNDP": ("organization", "UNDP"), "UN": ("organization", "UN")}, fold=True, word_chars="abcdefghijklmnopqrstuvwxyz0123456789")
    hits = [(o, s, i) for o, s, _, i in english.scan("The UN and undp work; tune UNDPX.")]
    assert hits == [(4, "UN", "UN"), (11, "undp", "UNDP")]
