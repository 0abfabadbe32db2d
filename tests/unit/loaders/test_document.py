"""Tests of the document parser on the real text of UNW/2021/6 and on small synthetic files."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from loaders.document import SUPERSCRIPT, parse_document, parse_with_residue, superscript
from loaders.model import Document, TextUnit
from plankg.errors import SourceParseError

SOURCE = Path(__file__).resolve().parents[3] / "data" / "source" / "UNW-2021-6.zh.txt"
CN_NUMERALS = "一二三四五六七八九十"


@pytest.fixture(scope="module")
def parsed() -> tuple[Document, str]:
    return parse_with_residue(SOURCE)


@pytest.fixture(scope="module")
def doc(parsed) -> Document:
    return parsed[0]


@pytest.fixture(scope="module")
def units(doc) -> dict[str, TextUnit]:
    return doc.by_key()


def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").split("\n")


# ---------------------------------------------------------------- counts and numbering


def test_unit_counts_per_kind(doc):
    assert Counter(u.kind for u in doc.units) == {
        "front": 8,
        "title": 3,
        "summary-heading": 1,
        "summary": 5,
        "section": 8,
        "heading": 24,
        "paragraph": 119,
        "item": 47,
        "decision": 4,
        "footnote": 26,
    }


def test_paragraphs_1_to_119_once_in_order(doc):
    paras = doc.of_kind("paragraph")
    assert [p.number for p in paras] == list(range(1, 120))
    assert [p.key for p in paras] == [f"para-{n}" for n in range(1, 120)]
    assert [p.line for p in paras] == sorted(p.line for p in paras)


def test_footnotes_1_to_26_once_in_order(doc):
    notes = doc.of_kind("footnote")
    assert [f.number for f in notes] == list(range(1, 27))
    assert [f.key for f in notes] == [f"footnote-{n}" for n in range(1, 27)]


def test_decision_items_a_to_d(doc):
    decisions = doc.of_kind("decision")
    assert [(d.key, d.letter, d.position, d.parent) for d in decisions] == [
        (f"para-119-item-{c}", c, i, "para-119") for i, c in enumerate("abcd", 1)
    ]
    assert decisions[0].text.startswith("表示赞赏地注意到")
    assert decisions[-1].text.endswith("并在 2024 年向执行局提交的年度报告中介绍审查结果。")
    assert decisions[-1].line == 477  # last line, no trailing newline


def test_sections(doc):
    sections = doc.of_kind("section")
    assert [(s.key, s.number, s.letter) for s in sections] == [
        (f"section-{n}", n, CN_NUMERALS[n - 1]) for n in range(1, 9)
    ]
    assert sections[0].text == "概述"
    assert sections[5].text == "妇女署高影响力业务模式 2.0"
    assert sections[7].text == "决定要点"


def test_order_keys_and_lines(doc):
    assert [u.order for u in doc.units] == list(range(1, len(doc.units) + 1))
    assert len({u.key for u in doc.units}) == len(doc.units)
    lines = [u.line for u in doc.units]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    raw = source_lines()
    for u in doc.units:
        assert raw[u.line - 1].strip(), u.key  # every unit starts on a non-blank line
        assert "\n" not in u.text and u.text == u.text.strip() and u.text, u.key


# ---------------------------------------------------------------- front matter, title, summary


def test_front_matter_title_and_summary(doc, units):
    assert [u.text for u in doc.of_kind("front")] == [
        "联合国促进性别平等和增强妇女权能署执行局",
        "Distr.: General",
        "12 July 2021",
        "Chinese",
        "Original: English",
        "2021 年第二届常会",
        "2021 年 9 月 14 日至 15 日",
        "临时议程项目 2",
    ]
    assert [u.text for u in doc.of_kind("title")] == [
        "《战略计划》",
        "联合国促进性别平等和增强妇女权能署(妇女署)",
        "《2022-2025 年战略计划》",
    ]
    assert units["summary-heading"].text == "摘要"
    summary = doc.of_kind("summary")
    assert [s.key for s in summary] == [f"summary-{n}" for n in range(1, 6)]
    assert summary[0].text.startswith("《2022-2025 年战略计划》(《战略计划》)旨在指导")
    # the last summary paragraph comes after a run of blank lines
    assert summary[4].line == 36 and summary[4].text.startswith("为支持这一愿景")
    assert all(s.parent == "summary-heading" and s.section is None for s in summary)


def test_masthead_split_over_two_lines_is_rejoined(units):
    # In the file: "联合国促进性别平等和 增强妇女权能署执行局" (PDF line wrap)
    assert " " in source_lines()[4]
    assert units["front-1"].text == "联合国促进性别平等和增强妇女权能署执行局"


# ---------------------------------------------------------------- page-break joins


@pytest.mark.parametrize(
    ("key", "joined_tail"),
    [
        (
            "para-17",
            "妇女和女童承担着越"
            "来越多的无偿护理和家务工作的负担。¹⁶ 正如秘书长在 2020 年 4 月的行动呼吁中承认，"
            "针对妇女的暴力案件报告激增。¹⁷ 据估计，1 100 万女童可能会因为 COVID-19 而无法重返校园，"
            "结束童婚的努力可能会被打乱。¹⁸ 预计到 2021 年，经济后果将使 4 700 万妇女和女童陷入极端贫困，"
            "扭转数十年来的进步。¹⁹",
        ),
        (
            "para-22",
            "然而，COVID-19 对妇女"
            "和女童尤其严重的影响也突显了适应全球业务环境变化的重要性，并利用这些机遇推进性别平等和妇女赋权。",
        ),
        (
            "para-37",
            "在本《战略计划》中，妇女署将继续"
            "通过为需求驱动、以人为本和国家所有的发展提供综合支持，将政府间进展与执行工作更紧密地联系起来。",
        ),
        (
            "para-43",
            "减轻妇女和女童的贫困，增加妇女获得"
            "体面工作的机会，并与社会保护一道，支持妇女的社会经济福祉，降低她们受到未来冲击的脆弱性。",
        ),
        (
            "para-62",
            "以及其他全球政府间规范和政策成果。其"
            "中还包括在政府间进程中促进各国政府、民间社会组织(包括妇女和青年组织)以及其他相关利益攸关方之间的对话。",
        ),
        (
            "para-103",
            "包括可加强规划、预算编制和支出与成果之间联"
            "系的流程和系统。因此，有效和强有力的成果管理制、财务管理控制、财务数据的内部和外部透明度、"
            "及时和准确的捐助方报告、反应迅速和安全的信息系统、环境可持续性和减少碳足迹以及实体安保，"
            "共同构成妇女署治理、风险和合规办法的基石，即《战略计划》中的有原则的业绩。",
        ),
        (
            "para-55-item-3",
            "并确保为所有妇女和女童提供优质、综合和以受害者/幸存者为中心的多部"
            "门服务。这包括满足不同情况下妇女和女童需求的服务，以促进全系统的对策，"
            "加强发展、减少灾害风险、人道主义行动和维持和平领域的协调。",
        ),
        (
            "para-58-item-3",
            "并应会员国、联合国系统其他部门"
            "和其他倡导妇女与和平与安全的实体的要求，向它们提供关于性别平等和赋予妇女权能的政策支持和示范方案。",
        ),
    ],
)
def test_page_break_continuations_are_joined_without_a_gap(units, key, joined_tail):
    assert units[key].text.endswith(joined_tail)


def test_continuations_start_no_unit_of_their_own(doc):
    starts = ("来越多的无偿护理", "和女童尤其严重", "通过为需求驱动", "体面工作的机会", "中还包括", "系的流程", "门服务", "和其他倡导")
    assert not [u.key for u in doc.units if u.text.startswith(starts)]


def test_items_after_an_interleaved_footnote_stay_in_their_paragraph(doc, units):
    items = [u for u in doc.of_kind("item") if u.parent == "para-5"]
    assert [u.position for u in items] == list(range(1, 8))
    assert units["para-5-item-4"].line < units["footnote-1"].line < units["para-5-item-5"].line
    assert units["para-5-item-5"].text == "妇女的话语权、领导力和能动力；"
    assert units["para-5-item-7"].text == "性别平等和增强妇女权能的全系统协调。"


def test_items_per_paragraph(doc):
    per_para = Counter(u.parent for u in doc.of_kind("item"))
    assert per_para == {
        "para-5": 7, "para-49": 5, "para-50": 3, "para-52": 6, "para-53": 6,
        "para-55": 6, "para-56": 4, "para-58": 6, "para-59": 4,
    }
    for u in doc.of_kind("item"):
        assert u.key == f"{u.parent}-item-{u.position}"
        assert not u.text.startswith(("-", " "))


# ---------------------------------------------------------------- headings


def test_numbered_subheadings_are_not_paragraphs(doc, units):
    h = units["heading-5-A-1"]
    assert (h.kind, h.text, h.letter, h.parent) == ("heading", "治理和参与公共生活", "1", "heading-5-A")
    assert units["heading-6-3"].text == "推进业务转型"
    assert units["heading-5-B-1"].text == "加强全球规范框架以及促进性别平等的法律、政策和体制"
    # the paragraph after "1. 治理和参与公共生活" is 48, not a paragraph "1"
    assert units["para-48"].text.startswith("妇女署与主要合作伙伴合作")
    heading_texts = {u.text for u in doc.of_kind("heading")}
    assert not [p.key for p in doc.of_kind("paragraph") if p.text in heading_texts]


def test_heading_keys_and_hierarchy(doc, units):
    assert [u.key for u in doc.of_kind("heading")] == [
        *(f"heading-4-{c}" for c in "ABCD"),
        "heading-vision",
        "heading-vision-text",
        "heading-5-A",
        *(f"heading-5-A-{n}" for n in range(1, 5)),
        "heading-5-B",
        *(f"heading-5-B-{n}" for n in range(1, 8)),
        *(f"heading-6-{n}" for n in range(1, 6)),
    ]
    # section 六: numbered headings sit directly under the section
    for n in range(1, 6):
        h = units[f"heading-6-{n}"]
        assert (h.parent, h.heading_path, h.letter) == ("section-6", (), str(n))
    assert units["heading-4-B"].text.startswith("根据联合国发展系统改革")


def test_vision_heading(units):
    vision = units["heading-vision"]
    text = units["heading-vision-text"]
    assert (vision.text, vision.parent, vision.section) == ("战略计划愿景", "section-5", "section-5")
    assert text.kind == "heading"
    assert text.text == "实现性别平等，赋予所有妇女和女童权能，并充分享受她们的人权"
    assert (text.parent, text.heading_path) == ("heading-vision", ("heading-vision",))
    # the next lettered heading closes the vision call-out
    assert units["para-47"].heading_path == ("heading-5-A",)


def test_section_heading_path_and_parent_everywhere_after_first_section(doc, units):
    first = units["section-1"].order
    for u in doc.units:
        if u.order < first:
            assert u.section is None and u.heading_path == ()
            continue
        assert u.section is not None and u.section.startswith("section-"), u.key
        assert units[u.section].kind == "section"
        assert all(units[k].kind == "heading" for k in u.heading_path)
        if u.kind != "section" and u.kind != "footnote":
            assert u.parent in units, u.key
    assert units["para-48"].heading_path == ("heading-5-A", "heading-5-A-1")
    assert (units["para-48"].parent, units["para-48"].section) == ("heading-5-A-1", "section-5")
    assert (units["para-1"].parent, units["para-1"].heading_path) == ("section-1", ())
    assert units["para-49-item-1"].parent == "para-49"
    assert units["para-49-item-1"].heading_path == ("heading-5-A", "heading-5-A-1")
    assert units["para-103"].heading_path == ("heading-6-1",)
    assert (units["para-1"].line, units["para-17"].line, units["footnote-1"].line) == (40, 95, 55)


# ---------------------------------------------------------------- footnotes


def test_every_footnote_cited_exactly_once(doc):
    cited = Counter(ref.number for u in doc.units for ref in u.footnote_refs)
    assert cited == {n: 1 for n in range(1, 27)}


def test_footnote_references_are_in_the_right_units(doc):
    citing = {ref.number: u.key for u in doc.units for ref in u.footnote_refs}
    assert citing[1] == "para-4"
    assert citing[17] == "para-17"
    assert [citing[n] for n in range(14, 20)] == ["para-17"] * 6
    assert citing[21] == "para-26"
    assert citing[24] == "para-50-item-3"
    assert citing[26] == "para-80"
    assert citing[10] == "para-13"


def test_footnote_offsets_point_at_markers(doc):
    for u in doc.units:
        for ref in u.footnote_refs:
            marker = superscript(ref.number)
            assert u.text[ref.offset : ref.offset + len(marker)] == marker, (u.key, ref)
            end = ref.offset + len(marker)
            assert end == len(u.text) or u.text[end] not in SUPERSCRIPT
    para10 = doc.by_key()["para-10"]
    assert [r.number for r in para10.footnote_refs] == [3, 4]
    assert para10.text.endswith("对社会保护有全面的法律保障。⁴")


def test_footnote_texts_exclude_marker_and_take_citing_section(units):
    assert units["footnote-1"].text.startswith("其中包括安全理事会第 1325(2000)号")
    assert units["footnote-26"].text == "参看妇女地位委员会第六十五届会议重申的内容(E/CN.6/2021/L.3)。"
    assert units["footnote-10"].text.startswith("联合国妇女署汇编的")
    # printed after the section 四 heading, but cited in paragraph 26 (section 三)
    assert units["footnote-21"].section == "section-3"
    assert units["footnote-24"].heading_path == ("heading-5-A", "heading-5-A-1")


# ---------------------------------------------------------------- prefixes, scars, faithfulness


def test_prefixes_are_stripped(units, doc):
    assert units["para-1"].text.startswith("《2022-2025 年战略计划》(《战略计划》)是在全球疫情期间制定的")
    assert units["para-119"].text == "执行局不妨："
    assert units["para-49-item-1"].text.startswith("支持在各级决策中实现 50/50 的性别平衡")
    assert units["para-119-item-b"].text.startswith("请副秘书长/执行主任向执行局 2022 年年度会议")
    for p in doc.of_kind("paragraph"):
        assert not p.text.startswith(f"{p.number}.")


def test_markdown_scars_are_stripped(doc, units):
    for u in doc.units:
        assert "**" not in u.text and "](#)" not in u.text and "[" not in u.text, u.key
    assert units["para-21"].text.startswith("妇女署的三重任务提供了产生进一步影响的机会：妇女署在推动")
    assert units["para-22"].text.startswith("妇女署已确立其作为全球思想和实践领导者的地位：作为联合国")
    assert units["para-90"].text.startswith("期望的系统性成果：编制、分析")
    assert units["para-90"].text.endswith("提供信息。")
    assert units["footnote-7"].text == "E/CN.6/2020/3。"
    assert units["footnote-21"].text == "A/RES/75/233。"


def test_stray_english_word_kept_as_printed(units):
    assert "所依据的规范 and 标准并受益于" in units["para-28"].text


def test_nothing_dropped(parsed):
    doc, residue = parsed
    source = Counter(c for c in SOURCE.read_text(encoding="utf-8") if not c.isspace())
    emitted = Counter(c for u in doc.units for c in u.text if not c.isspace())
    assert source == emitted + Counter(c for c in residue if not c.isspace())


def test_residue_is_only_layout(parsed):
    """The residue is exactly the prefixes implied by the units plus the markdown scars."""
    doc, residue = parsed
    text = SOURCE.read_text(encoding="utf-8")
    expected = Counter()
    for u in doc.units:
        if u.kind == "paragraph":
            expected.update(f"{u.number}.")
        elif u.kind == "section":
            expected.update(f"{CN_NUMERALS[u.number - 1]}.")
        elif u.kind == "heading" and u.letter:
            expected.update(f"{u.letter}.")
        elif u.kind == "item":
            expected.update("-")
        elif u.kind == "decision":
            expected.update(f"({u.letter})")
        elif u.kind == "footnote":
            expected.update(superscript(u.number))
    expected.update("**" * text.count("**"))
    expected.update("[](#)" * text.count("](#)"))
    assert Counter(c for c in residue if not c.isspace()) == expected


# ---------------------------------------------------------------- determinism and speed


def test_deterministic(doc):
    assert parse_document(SOURCE) == doc
    assert parse_document(str(SOURCE)).units == doc.units


def test_fast():
    best = min(_timed_parse() for _ in range(5))
    assert best < 0.05


def _timed_parse() -> float:
    start = time.perf_counter()
    parse_document(SOURCE)
    return time.perf_counter() - start


# ---------------------------------------------------------------- synthetic files

HEAD = "执行局\n临时议程项目 2\n《计划》\n摘要\n摘要一段。\n一. 概述\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_continuation_is_detected_from_punctuation_not_numbers(tmp_path):
    body = (
        "1. 第一段写到一半没有句号的地\n\n"
        "方，翻页后继续。¹\n\n"
        "¹ 脚注一。\n"
        "2. 第二段以引号结束“这样。”\n"
        "- 条目被分成两\n\n行。\n"
        "- 第二个条目；\n"
    )
    doc = parse_document(write(tmp_path, body))
    units = doc.by_key()
    assert units["para-1"].text == "第一段写到一半没有句号的地方，翻页后继续。¹"
    assert units["para-2-item-1"].text == "条目被分成两行。"
    assert units["para-2-item-2"].position == 2
    assert units["para-1"].footnote_refs[0].offset == len("第一段写到一半没有句号的地方，翻页后继续。")


def test_free_line_after_closed_paragraph_is_an_error(tmp_path):
    path = write(tmp_path, "1. 完整的一段。\n这一行不知道属于哪里\n")
    with pytest.raises(SourceParseError) as err:
        parse_document(path)
    assert err.value.line == 8 and err.value.path == str(path)


def test_long_out_of_sequence_paragraph_is_an_error(tmp_path):
    path = write(tmp_path, "1. 第一段。\n3. 这是一个很长的段落，它有句号，所以不可能是标题。\n")
    with pytest.raises(SourceParseError, match="paragraph 3 out of sequence"):
        parse_document(path)


def test_short_out_of_sequence_number_is_a_heading(tmp_path):
    doc = parse_document(write(tmp_path, "1. 第一段。\n1. 小标题\n2. 第二段。\n"))
    units = doc.by_key()
    assert units["heading-1-1"].text == "小标题"
    assert units["para-2"].parent == "heading-1-1"


def test_uncited_or_missing_footnote_is_an_error(tmp_path):
    with pytest.raises(SourceParseError, match="never cited"):
        parse_document(write(tmp_path, "1. 一段。\n¹ 脚注。\n"))
    with pytest.raises(SourceParseError, match="is missing"):
        parse_document(write(tmp_path, "1. 一段。²\n"))
