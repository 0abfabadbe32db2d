"""Tests of the curated registry (data/registry/*.csv) and its reader, loaders.registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders.model import Registry
from loaders.registry import COLUMNS, REQUIRED_FILES, instrument_slug, load_registry, sdg_iri
from plankg.errors import PlanKGError, RegistryError

ROOT = Path(__file__).resolve().parents[3]
REGISTRY_DIR = ROOT / "data" / "registry"
SOURCE = ROOT / "data" / "source" / "UNW-2021-6.zh.txt"
SAFE_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(REGISTRY_DIR)


@pytest.fixture(scope="module")
def text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def all_forms(registry: Registry) -> list[tuple[str, str, str]]:
    """(file, entity id, form) for every surface form of every row."""
    out = [("organizations", o.id, f) for o in registry.organizations for f in o.zh_forms]
    out += [("instruments", i.id, f) for i in registry.instruments for f in i.zh_forms]
    out += [("sdg", s.code, f) for s in registry.sdg for f in s.zh_forms]
    out += [("themes", t.id, f) for t in registry.themes for f in t.zh_forms]
    return out


def leftmost_longest(text: str, forms: dict[str, str]) -> dict[int, tuple[str, str]]:
    """Offset -> (entity, form) of a leftmost-longest scan, as the linker does it."""
    ordered = sorted(forms, key=len, reverse=True)
    hits: dict[int, tuple[str, str]] = {}
    i = 0
    while i < len(text):
        hit = next((f for f in ordered if text.startswith(f, i)), None)
        if hit is None:
            i += 1
            continue
        hits[i] = (forms[hit], hit)
        i += len(hit)
    return hits


# ---------------------------------------------------------------- (a) the shipped registry


def test_shipped_registry_loads(registry: Registry) -> None:
    assert len(registry.organizations) >= 80
    assert len(registry.instruments) >= 70
    assert len(registry.sdg) == 25
    assert [t.id for t in registry.themes] == ["covid-19", "climate-change", "digital-innovation", "youth"]


def test_shipped_registry_reads_the_other_curated_files(registry: Registry) -> None:
    for name in ("statistics.csv", "interventions.csv", "plan_concepts.csv"):
        if (REGISTRY_DIR / name).is_file():
            attr = {"statistics.csv": "statistics", "interventions.csv": "intervention_titles",
                    "plan_concepts.csv": "plan_concepts"}[name]
            assert getattr(registry, attr), name


def test_source_rows_are_csv_lines(registry: Registry) -> None:
    lines = (REGISTRY_DIR / "organizations.csv").read_text(encoding="utf-8").split("\n")
    for org in registry.organizations:
        assert lines[org.source_row - 1].startswith(org.id + ","), org.id


def test_multi_valued_cells_split_and_strip(registry: Registry) -> None:
    undp = next(o for o in registry.organizations if o.id == "UNDP")
    assert undp.zh_forms == ("联合国开发计划署", "开发计划署", "开发署")
    assert undp.acronym == "UNDP" and undp.parent is None and undp.wikidata == "Q161718"
    iasc = next(o for o in registry.organizations if o.id == "IASC")
    assert set(iasc.zh_forms) == {"联合国人道主义机构间指导委员会", "机构间指导委员会", "机构间常设委员会"}


# ---------------------------------------------------------------- (b) every form is in the text


def test_every_surface_form_occurs_in_the_source(registry: Registry, text: str) -> None:
    missing = [(file, ident, form) for file, ident, form in all_forms(registry) if form not in text]
    assert not missing


def test_masthead_form_with_stray_space_is_registered(registry: Registry, text: str) -> None:
    board = next(o for o in registry.organizations if o.id == "UN-Women-Executive-Board")
    assert "联合国促进性别平等和 增强妇女权能署执行局" in board.zh_forms
    assert "联合国促进性别平等和 增强妇女权能署执行局" in text


def test_nested_names_resolve_to_the_longer_entity(registry: Registry, text: str) -> None:
    forms = {form: ident for _, ident, form in all_forms(registry)}
    hits = leftmost_longest(text, forms)
    # the Executive Board's 执行局 never wins inside CTED's names
    for cted_form in ("安全理事会反恐委员会执行局", "反恐执行局"):
        start = text.index(cted_form)
        assert hits[start] == ("CTED", cted_form)
    board_hits = [o for o, (ident, _) in hits.items() if ident == "UN-Women-Executive-Board"]
    assert len(board_hits) == text.count("执行局") - 2
    # footnote 1 forms go to the resolutions, the para 4 family form to the family
    assert hits[text.index("第 1820(2009)号")] == ("S-RES-1820-2008", "第 1820(2009)号")
    assert hits[text.index("联合国安全理事会关于妇女")][0] == "WPS-resolutions"
    assert hits[text.index("可持续发展目标 5.1.1")] == ("5.1.1", "可持续发展目标 5.1.1")
    assert hits[text.index("副秘书长/执行主任")][0] == "USG-ED"


def test_bare_forms_that_misfire_are_not_registered(registry: Registry, text: str) -> None:
    forms = {f for _, _, f in all_forms(registry)}
    # 数字 also means "figure" (这一数字, 事实与数字); 技术 is mostly "technical"
    assert "数字" not in forms and "技术" not in forms
    # every bare 疫情 in this text is the COVID-19 pandemic, so it is a form
    assert "疫情" in forms


# ---------------------------------------------------------------- (d) footnote 1


FOOTNOTE_1 = [
    # number, official year, year printed in the text (None when the same)
    (1325, 2000, None),
    (1820, 2008, 2009),
    (1888, 2009, None),
    (1889, 2009, 2010),
    (1960, 2010, 2011),
    (2106, 2013, None),
    (2122, 2013, None),
    (2242, 2015, None),
    (2467, 2019, None),
    (2493, 2019, None),
]


@pytest.mark.parametrize(("number", "year", "printed"), FOOTNOTE_1)
def test_footnote_1_resolutions(registry: Registry, text: str, number: int, year: int, printed: int | None) -> None:
    by_id = {i.id: i for i in registry.instruments}
    res = by_id[f"S-RES-{number}-{year}"]
    assert res.kind == "security-council-resolution"
    assert res.symbol == f"S/RES/{number} ({year})"
    assert res.year == year
    assert res.year_as_printed == printed
    assert res.part_of == "WPS-resolutions"
    form = f"第 {number}({printed or year})号"
    assert res.zh_forms == (form,)
    footnote = next(line for line in text.split("\n") if line.startswith("¹ "))
    assert form in footnote
    if printed:
        assert str(year) in res.note_en and str(printed) in res.note_en
    else:
        assert res.note_en is None


def test_wps_family(registry: Registry) -> None:
    members = [i for i in registry.instruments if i.part_of == "WPS-resolutions"]
    assert len(members) == 10
    family = next(i for i in registry.instruments if i.id == "WPS-resolutions")
    assert "安全理事会关于妇女与和平与安全的相关决议" in family.zh_forms


def test_instrument_ids_derive_from_symbols(registry: Registry) -> None:
    for inst in registry.instruments:
        if inst.symbol:
            assert inst.id == instrument_slug(inst.symbol)
    symbols = {i.symbol for i in registry.instruments}
    assert {"E/CN.6/2020/3", "A/RES/75/233", "A/RES/64/289", "E/CN.6/2021/L.3", "PCB(EM)/3.3"} <= symbols


# ---------------------------------------------------------------- (e) ids


def test_ids_are_unique_and_safe_iri_segments(registry: Registry) -> None:
    for items in (registry.organizations, registry.instruments, registry.themes):
        ids = [x.id for x in items]
        assert len(ids) == len(set(ids))
        assert all(SAFE_SEGMENT.fullmatch(i) for i in ids), [i for i in ids if not SAFE_SEGMENT.fullmatch(i)]
    codes = [s.code for s in registry.sdg]
    assert len(codes) == len(set(codes))


def test_sdg_iris(registry: Registry) -> None:
    by_code = {s.code: s for s in registry.sdg}
    assert by_code["5"].un_iri == "http://metadata.un.org/sdg/5"
    assert by_code["5.1"].un_iri == "http://metadata.un.org/sdg/5.1"
    assert by_code["5.1.1"].un_iri == "http://metadata.un.org/sdg/C050101"
    assert by_code["5.a.1"].un_iri == "http://metadata.un.org/sdg/C050a01"
    assert by_code["3"].level == "goal"
    assert sdg_iri("5.c.1") == "http://metadata.un.org/sdg/C050c01"


def test_generic_categories_are_non_un_actors(registry: Registry) -> None:
    by_zh = {o.zh_name: o for o in registry.organizations}
    for name in ("国际金融机构", "国家性别平等机制", "各国统计局"):
        assert by_zh[name].kind == "non-un-actor"


# ---------------------------------------------------------------- (c) bad rows

MINIMAL = {
    "organizations.csv": [
        "id,en_name,zh_name,acronym,kind,zh_forms,wikidata,parent,notes",
        "UN,United Nations,联合国,UN,un-entity,联合国,Q1065,,",
        "UNDP,United Nations Development Programme,联合国开发计划署,UNDP,un-entity,联合国开发计划署|开发署,,UN,",
    ],
    "instruments.csv": [
        "id,kind,en_title,zh_title,symbol,year,year_as_printed,zh_forms,wikidata,note_en,part_of,underpins,notes",
        "WPS-resolutions,security-council-resolution,WPS resolutions,妇女与和平与安全决议,,,,安全理事会关于妇女与和平与安全的决议,,,,,",
        "S-RES-1820-2008,security-council-resolution,Resolution 1820,第 1820(2008)号决议,S/RES/1820 (2008),2008,2009,第 1820(2009)号,,Adopted 2008.,WPS-resolutions,,",
    ],
    "sdg.csv": [
        "code,level,en_title,zh_title,un_iri,zh_forms,wikidata",
        "5,goal,Gender equality,性别平等,http://metadata.un.org/sdg/5,可持续发展目标 5,Q53581210",
        "5.1.1,indicator,Legal frameworks,法律框架,http://metadata.un.org/sdg/C050101,,",
    ],
    "themes.csv": [
        "id,en_label,zh_label,en_definition,zh_definition,zh_forms",
        "youth,Youth,青年,Young people.,年轻人。,青年|年轻人",
    ],
    "statistics.csv": [
        "id,paragraph,surface,value,datatype,unit,en_label,group_en,group_zh,reference_year,source_footnote,qualifier,qualifier_zh,bound",
        "p10-1,10,25.6%,25.6,decimal,percent,Share covered,women,女性,2020,4,exact,,",
    ],
    "interventions.csv": ["key,en_title", "para-49-item-1,50/50 balance"],
    "plan_concepts.csv": [
        "id,class,notation,en_label,en_definition,zh_label,heading_key",
        "vision,Vision,,Vision,The vision.,愿景,heading-vision",
        "area/evaw,ImpactArea,3,EVAW,Area three.,制止暴力,heading-5-A-3",
    ],
    "roles.csv": [
        "id,en_label,zh_label,en_definition,zh_definition,membership",
        "co-delivers,co-delivers,共同开展,Works with UN-Women.,与妇女署合作。,no",
    ],
    "role_rules.csv": ["order,role,pattern,organizations,notes", "1,co-delivers,与…{org}…合作,,"],
    "collaboration_roles.csv": [
        "intervention,organization,role,evidence,rationale",
        "53.1,UNDP,co-delivers,与开发署合作,Reviewed.",
    ],
    "sdg_alignment.csv": [
        "concept,sdg,kind,paragraph,evidence,rationale",
        "area/evaw,5.1.1,curated,,,Reviewed.",
    ],
    "context_rules.csv": ["form,entity,action,context,window,notes", "开发署,org/UNDP,unless,开发署长,3,"],
}


def make_registry(tmp_path: Path, **override: list[str] | bytes | None) -> Path:
    """A small valid registry in tmp_path, with some files replaced (None deletes the file)."""
    files: dict[str, list[str] | bytes | None] = {**MINIMAL, **{k.replace("__", "."): v for k, v in override.items()}}
    for name, content in files.items():
        if content is None:
            continue
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text("\n".join(content) + "\n", encoding="utf-8")
    return tmp_path


def with_row(name: str, row: str) -> list[str]:
    return MINIMAL[name] + [row]


def expect_error(directory: Path, filename: str, line: int, *words: str) -> RegistryError:
    with pytest.raises(RegistryError) as info:
        load_registry(directory)
    err = info.value
    assert isinstance(err, PlanKGError)
    assert Path(err.path).name == filename
    assert err.row == line == err.line
    assert f"{filename}:{line}: " in str(err) if line else str(err).endswith(f"{filename}: {err.reason}")
    for word in words:
        assert word in err.reason, err.reason
    return err


def test_minimal_registry_loads(tmp_path: Path) -> None:
    reg = load_registry(make_registry(tmp_path))
    assert [o.id for o in reg.organizations] == ["UN", "UNDP"]
    assert reg.organizations[1].source_row == 3
    res = reg.instruments[1]
    assert (res.year, res.year_as_printed, res.symbol) == (2008, 2009, "S/RES/1820 (2008)")
    assert reg.sdg[1].zh_forms == () and reg.sdg[1].wikidata is None
    assert reg.statistics[0].source_footnote == 4 and reg.statistics[0].reference_year == 2020
    assert reg.plan_concepts[0].notation == "" and reg.plan_concepts[1].cls == "ImpactArea"


def test_cells_are_stripped_and_empty_is_none(tmp_path: Path) -> None:
    rows = MINIMAL["organizations.csv"] + [" ILO , International Labour Organization ,国际劳工组织, ,un-entity, 国际劳工组织 | 劳工组织 , , ,"]
    reg = load_registry(make_registry(tmp_path, organizations__csv=rows))
    ilo = reg.organizations[2]
    assert ilo.id == "ILO" and ilo.en_name == "International Labour Organization"
    assert ilo.acronym is None and ilo.wikidata is None and ilo.parent is None
    assert ilo.zh_forms == ("国际劳工组织", "劳工组织")


def test_missing_optional_files_give_empty_lists(tmp_path: Path) -> None:
    reg = load_registry(
        make_registry(tmp_path, statistics__csv=None, interventions__csv=None, plan_concepts__csv=None, sdg_alignment__csv=None)
    )
    assert reg.statistics == [] and reg.intervention_titles == [] and reg.plan_concepts == [] and reg.sdg_alignment == []


@pytest.mark.parametrize("name", REQUIRED_FILES)
def test_missing_required_file(tmp_path: Path, name: str) -> None:
    expect_error(make_registry(tmp_path, **{name.replace(".", "__"): None}), name, 0, "missing")


BAD_ROWS = [
    ("context_rules.csv", "少年,theme/youth,unless,组织,3,", ["not a surface form"]),
    ("context_rules.csv", "开发计划署,org/UNDP,sometimes,组织,3,", ["action"]),
    ("context_rules.csv", "开发计划署,planet/UNDP,unless,组织,3,", ["planet/UNDP"]),
    ("context_rules.csv", "开发计划署,org/UNDP,unless,组织,99,", ["window"]),
    ("sdg_alignment.csv", "area/evaw,5.1.1,stated,,,", ["paragraph"]),
    ("sdg_alignment.csv", "area/evaw,5.1.1,stated,54,,", ["evidence"]),
    ("sdg_alignment.csv", "area/evaw,5,curated,,,", ["rationale"]),
    ("sdg_alignment.csv", "area/mars,5,curated,,,Why not.", ["area/mars"]),
    ("sdg_alignment.csv", "area/evaw,9.9,curated,,,Why not.", ["9.9"]),
    ("sdg_alignment.csv", "area/evaw,5.1.1,curated,,,Again.", ["duplicate"]),
    ("role_rules.csv", "2,co-delivers,与…合作,,", ["{org}"]),
    ("role_rules.csv", "2,co-delivers,与……{org},,", ["two gaps"]),
    ("role_rules.csv", "2,co-delivers,与{org},kind:planet,", ["kind:planet"]),
    ("collaboration_roles.csv", "53.x,UNDP,co-delivers,与开发署合作,Reviewed.", ["intervention"]),
    ("collaboration_roles.csv", "53.2,UNDP,befriends,与开发署合作,Reviewed.", ["befriends"]),
    # (file, extra row appended after the minimal rows, words expected in the reason)
    ("organizations.csv", "ILO,,国际劳工组织,ILO,un-entity,劳工组织,,,", ["en_name"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,agency,劳工组织,,,", ["kind", "agency"]),
    ("organizations.csv", "UNDP,Duplicate,重复,,un-entity,重复,,,", ["duplicate", "UNDP", "line 3"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,54129,,", ["QID"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,Q54129x,,", ["QID"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,,UNWTO,", ["parent", "UNWTO"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,,ILO,", ["cycle"]),
    ("organizations.csv", "I L O,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,,,", ["IRI path segment"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,,,,", ["zh_forms"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织||国际劳工组织,,,", ["empty item"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织,ILO,un-entity,开发署,,,", ["开发署", "UNDP"]),
    ("organizations.csv", "ILO,International Labour Organization,国际劳工组织", ["expected 9 cells"]),
    ("instruments.csv", "CEDAW,treaty,CEDAW,消除对妇女一切形式歧视公约,,1979,,《消除对妇女一切形式歧视公约》,,,,,", ["kind", "treaty"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,79,,《消除对妇女一切形式歧视公约》,,,,,", ["year", "'79'"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,1979,1979,《消除对妇女一切形式歧视公约》,,,,,", ["year_as_printed"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,,1980,《消除对妇女一切形式歧视公约》,,,,,", ["year_as_printed"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,1979,,《消除对妇女一切形式歧视公约》,,,WPS,,", ["part_of", "WPS"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,1979,,《消除对妇女一切形式歧视公约》,Q-1,,,,", ["QID"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,A/RES/34/180,1979,,《消除对妇女一切形式歧视公约》,,,,,", ["symbol", "A-RES-34-180"]),
    ("instruments.csv", "S-RES-1820-2008,security-council-resolution,Again,再次,S/RES/1820 (2008),2008,,第 1820 号,,,,,", ["duplicate"]),
    ("instruments.csv", "CEDAW,convention,CEDAW,消除对妇女一切形式歧视公约,,1979,,《消除对妇女一切形式歧视公约》,,,,area/nowhere,", ["underpins", "area/nowhere"]),
    ("sdg.csv", "5.x.1,indicator,Bad,坏,http://metadata.un.org/sdg/C050x01,,", ["code"]),
    ("sdg.csv", "5.1,target,Discrimination,歧视,http://metadata.un.org/sdg/C0501,,", ["un_iri", "http://metadata.un.org/sdg/5.1"]),
    ("sdg.csv", "5.1,indicator,Discrimination,歧视,http://metadata.un.org/sdg/5.1,,", ["level", "target"]),
    ("sdg.csv", "5.1,target,Discrimination,歧视,http://metadata.un.org/sdg/5.1,,Q5x", ["QID"]),
    ("sdg.csv", "5.1,aim,Discrimination,歧视,http://metadata.un.org/sdg/5.1,,", ["level"]),
    ("themes.csv", "youth,Youth again,青年,Again.,再次。,青春期少女", ["duplicate", "youth"]),
    ("themes.csv", "climate-change,Climate change,气候变化,Climate.,,气候变化", ["zh_definition"]),
    ("themes.csv", "covid-19,COVID-19,疫情,Pandemic.,疫情。,青年", ["青年", "youth"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,float,percent,Share,men,男性,,4,exact,,", ["datatype", "float"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,integer,percent,Share,men,男性,,4,exact,,", ["integer", "34.3"]),
    ("statistics.csv", "p10-2,10,2020 年,20,gYear,year,Year,men,男性,,,exact,,", ["gYear"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3%,decimal,percent,Share,men,男性,,4,exact,,", ["decimal"]),
    ("statistics.csv", "p10-2,200,34.3%,34.3,decimal,percent,Share,men,男性,,4,exact,,", ["paragraph"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,2020x,4,exact,,", ["reference_year"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,,27,exact,,", ["source_footnote"]),
    ("statistics.csv", "p10-1,10,34.3%,34.3,decimal,percent,Share,men,男性,,4,exact,,", ["duplicate"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,,4,roughly,,", ["qualifier", "roughly"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,,4,more-than,,", ["qualifier_zh"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,,4,more-than,超过 30%,", ["does not contain"]),
    ("statistics.csv", "p10-2,10,34.3%,34.3,decimal,percent,Share,men,男性,,4,about,约 34.3%,35", ["bound"]),
    ("interventions.csv", "49-item-2,Something", ["key"]),
    ("interventions.csv", "para-49-item-2,", ["en_title"]),
    ("plan_concepts.csv", "outcome/1,Outcome,1,Norms,Outcome one.,规范,heading-5-B-1", ["class", "Outcome"]),
    ("plan_concepts.csv", "outcome/1,SystemicOutcome,,Norms,Outcome one.,规范,heading-5-B-1", ["notation"]),
]


@pytest.mark.parametrize(("name", "row", "words"), BAD_ROWS)
def test_bad_row_names_file_and_line(tmp_path: Path, name: str, row: str, words: list[str]) -> None:
    directory = make_registry(tmp_path, **{name.replace(".", "__"): with_row(name, row)})
    expect_error(directory, name, len(MINIMAL[name]) + 1, *words)


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_unknown_column_set(tmp_path: Path, name: str) -> None:
    rows = list(MINIMAL[name])
    rows[0] = rows[0] + ",extra"
    rows[1:] = [r + "," for r in rows[1:]]
    expect_error(make_registry(tmp_path, **{name.replace(".", "__"): rows}), name, 1, "extra")


def test_missing_column(tmp_path: Path) -> None:
    rows = ["id,en_name,zh_name,acronym,kind,zh_forms,wikidata,parent", "UN,United Nations,联合国,UN,un-entity,联合国,,"]
    expect_error(make_registry(tmp_path, organizations__csv=rows), "organizations.csv", 1, "notes")


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    rows = ["en_title,key", "Balance,para-49-item-1"]
    reg = load_registry(make_registry(tmp_path, interventions__csv=rows))
    assert reg.intervention_titles[0].key == "para-49-item-1"


def test_bad_utf8_names_the_line(tmp_path: Path) -> None:
    content = ("\n".join(MINIMAL["themes.csv"]) + "\n").encode("utf-8")
    content += "climate-change,Climate change,气候变化,Climate.,气候。,".encode() + b"\xe6\xb0\n"
    expect_error(make_registry(tmp_path, themes__csv=content), "themes.csv", 3, "UTF-8")


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    rows = MINIMAL["organizations.csv"] + [
        'ILO,International Labour Organization,国际劳工组织,ILO,un-entity,劳工组织,,,"two',
        'line note"',
        "",
        "ITU,International Telecommunication Union,国际电信联盟,ITU,bad-kind,国际电信联盟,,,",
    ]
    expect_error(make_registry(tmp_path, organizations__csv=rows), "organizations.csv", 7, "kind")


def test_a_form_shared_across_files_is_rejected(tmp_path: Path) -> None:
    rows = with_row("themes.csv", "digital-innovation,Digital,数字,Digital.,数字。,开发署")
    err = expect_error(make_registry(tmp_path, themes__csv=rows), "themes.csv", 3, "开发署", "UNDP")
    assert "organizations.csv line 3" in err.reason


def test_unterminated_quote_is_a_registry_error(tmp_path: Path) -> None:
    rows = with_row("interventions.csv", 'para-49-item-2,"never closed')
    with pytest.raises(RegistryError) as info:
        load_registry(make_registry(tmp_path, interventions__csv=rows))
    assert Path(info.value.path).name == "interventions.csv"
    assert "malformed CSV" in info.value.reason
