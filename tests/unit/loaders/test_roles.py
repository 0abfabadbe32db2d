"""Roles of collaborations (loaders.roles with data/registry/roles.csv, role_rules.csv, collaboration_roles.csv).

``REVIEWED`` is the table of every collaboration in the key interventions of the four impact
areas, read against the Chinese text by hand: per (intervention, organization) the role and the
phrase of the item that decides it (fragments joined by …… stand in the text in that order).
The table was written from the text, not from the code's output; a collaboration the build adds
or drops, or a role it decides otherwise, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.document import parse_document
from loaders.graph import build_quads
from loaders.linker import find_mentions
from loaders.model import Document, Mention, Organization, Registry, RoleRule
from loaders.registry import load_registry
from loaders.roles import decide, decide_roles, match_pattern
from plankg.errors import BuildError, RegistryError
from plankg.namespaces import Namespaces
from plankg.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
REGISTRY_DIR = ROOT / "data" / "registry"
SOURCE = ROOT / "data" / "source" / "UNW-2021-6.zh.txt"

# (intervention, organization id, role, deciding phrase)
REVIEWED: list[tuple[str, str, str, str]] = [
    # governance and participation in public life
    ("49.5", "H6", "participates-in", "作为 H6 伙伴关系的一部分"),
    ("50.1", "UN-Electoral-Assistance-ICM", "participates-in", "妇女署对以下机构间机制的参与……联合国选举援助机构间协调机制"),
    ("50.1", "Global-Focal-Point-Rule-of-Law", "participates-in", "妇女署对以下机构间机制的参与……法治工作全球联合协调中心"),
    ("50.1", "SG-Call-to-Action-Human-Rights", "participates-in", "妇女署对以下机构间机制的参与……秘书长关于性别平等问题人权工作队的行动呼吁"),
    ("50.1", "SDG3-GAP", "participates-in", "妇女署对以下机构间机制的参与……全球行动计划"),
    ("50.1", "IATF-FfD", "participates-in", "妇女署对以下机构间机制的参与……发展筹资问题机构间工作队"),
    ("50.2", "DCO", "co-delivers", "继续与包括发展协调办公室……在内的一系列联合国伙伴合作"),
    ("50.2", "UNDP", "co-delivers", "继续与包括……联合国开发计划署(开发署)……在内的一系列联合国伙伴合作"),
    ("50.2", "DESA", "co-delivers", "继续与包括……经济和社会事务部……合作"),
    ("50.2", "OHCHR", "co-delivers", "继续与包括……联合国人权事务高级专员办事处(人权高专办)……合作"),
    ("50.2", "DPPA", "co-delivers", "继续与包括……政治和建设和平事务部……合作"),
    ("50.2", "UNODC", "co-delivers", "继续与包括……联合国毒品和犯罪问题办公室……合作"),
    ("50.2", "UNHCR", "co-delivers", "继续与包括……联合国难民事务高级专员在内的一系列联合国伙伴合作"),
    ("50.2", "UN-System", "generic-group", "一系列联合国伙伴"),
    ("50.3", "UNAIDS", "participates-in", "作为联合国艾滋病规划署共同发起人"),
    # women's economic empowerment
    ("52.3", "IFIs", "generic-group", "与财政部和国际金融机构合作"),
    ("53.1", "ILO", "co-delivers", "与国际劳工组织(劳工组织)……合作"),
    ("53.1", "OHCHR", "co-delivers", "与……人权高专办……合作"),
    ("53.1", "UNDP", "co-delivers", "与……开发署……合作"),
    ("53.1", "UNFPA", "co-delivers", "与……人口基金……合作"),
    ("53.1", "UNICEF", "co-delivers", "与……儿童基金会……合作"),
    ("53.1", "UN-Regional-Commissions", "co-delivers", "与……区域经济委员会和国际金融机构……开展合作"),
    ("53.1", "IFIs", "generic-group", "区域经济委员会和国际金融机构"),
    ("53.2", "ILO", "co-delivers", "与劳工组织……合作"),
    ("53.2", "ITC", "co-delivers", "与……国际贸易中心……合作"),
    ("53.2", "UNDP", "co-delivers", "与……开发署……合作"),
    ("53.2", "UN-Global-Compact", "co-delivers", "与……联合国全球契约……合作"),
    ("53.2", "UNIDO", "co-delivers", "与……联合国工业发展组织(工发组织)……合作"),
    ("53.2", "UNOPS", "co-delivers", "与……联合国项目事务厅(项目厅)合作"),
    ("53.3", "ILO", "co-delivers", "与劳工组织、国际移民组织和人权高专办合作"),
    ("53.3", "IOM", "co-delivers", "与劳工组织、国际移民组织和人权高专办合作"),
    ("53.3", "OHCHR", "co-delivers", "与劳工组织、国际移民组织和人权高专办合作"),
    ("53.4", "UNEP", "co-delivers", "与联合国环境规划署(环境署)……合作"),
    ("53.4", "UNIDO", "co-delivers", "与……工发组织……合作"),
    ("53.4", "FAO", "co-delivers", "与……粮食及农业组织……合作"),
    ("53.4", "IFAD", "co-delivers", "与……国际农业发展基金……合作"),
    ("53.4", "WFP", "co-delivers", "与……世界粮食计划署合作"),
    ("53.5", "Broadband-Commission", "co-delivers", "缩小与宽带委员会……的性别数字鸿沟"),
    ("53.5", "ITU", "co-delivers", "缩小与……国际电信联盟……的性别数字鸿沟"),
    ("53.5", "UNESCO", "co-delivers", "缩小与……联合国教育、科学及文化组织(教科文组织)……的性别数字鸿沟"),
    ("53.5", "UNDP", "co-delivers", "缩小与……开发署和其他方面的性别数字鸿沟"),
    ("53.6", "ILO", "supports", "支持国际劳工组织保护家政工人"),
    # ending violence against women and girls
    ("55.6", "UN-System", "on-behalf-of", "代表联合国系统管理"),
    ("55.6", "UN-Trust-Fund", "manages-fund", "代表联合国系统管理联合国消除对妇女暴力行为信托基金"),
    ("56.1", "UN-System", "generic-group", "与联合国机构合作"),
    ("56.1", "UNDP", "co-delivers", "重点是与开发署……协调"),
    ("56.1", "UNODC", "co-delivers", "重点是与……毒品和犯罪问题办公室……协调"),
    ("56.1", "OHCHR", "co-delivers", "重点是与……人权高专办协调"),
    ("56.2", "UNFPA", "co-delivers", "包括与人口基金……合作"),
    ("56.2", "WHO", "co-delivers", "与……世界卫生组织(世卫组织)……合作"),
    ("56.2", "UNDP", "co-delivers", "与……开发署……合作"),
    ("56.2", "OHCHR", "co-delivers", "与……人权高专办……合作"),
    ("56.2", "UNODC", "co-delivers", "与……毒品和犯罪问题办公室……合作"),
    ("56.2", "UNICEF", "co-delivers", "与……儿童基金会……合作"),
    ("56.2", "UNESCO", "co-delivers", "与……教科文组织……合作"),
    ("56.2", "ILO", "co-delivers", "与……劳工组织合作"),
    ("56.3", "WHO", "co-delivers", "与世卫组织……等主要合作伙伴共同参与"),
    ("56.3", "UNDP", "co-delivers", "与……开发计划署……等主要合作伙伴共同参与"),
    ("56.3", "UNFPA", "co-delivers", "与……人口基金……等主要合作伙伴共同参与"),
    ("56.3", "UN-Regional-Commissions", "co-delivers", "与……区域经济委员会等主要合作伙伴共同参与"),
    ("56.4", "UN-System", "generic-group", "通过与联合国系统合作伙伴的协调"),
    # women, peace and security, humanitarian action and disaster risk reduction
    ("58.1", "UN-System", "supports", "支持会员国和联合国系统落实对妇女与和平与安全的承诺"),
    ("58.2", "UNOCT", "contributes-to", "为反恐办公室……在预防和打击暴力极端主义方面的工作作出贡献"),
    ("58.2", "CTED", "contributes-to", "为……安全理事会反恐委员会执行局在预防和打击暴力极端主义方面的工作作出贡献"),
    ("58.3", "UN-System", "supports", "应会员国、联合国系统其他部门……的要求，向它们提供……政策支持"),
    ("58.6", "IEG", "secretariat-of", "作为安全理事会妇女与和平与安全问题非正式专家组……的秘书处开展工作"),
    ("58.6", "WPS-FPN", "secretariat-of", "作为……妇女与和平与安全协调人网络……的秘书处开展工作"),
    ("58.6", "WPHF", "secretariat-of", "作为……妇女和平与人道主义基金……的秘书处开展工作"),
    ("58.6", "EIF", "secretariat-of", "作为……埃尔西倡议的秘书处开展工作"),
    ("59.1", "UN-WPS-Standing-Committee", "chairs", "担任联合国妇女与和平与安全常设委员会主席"),
    ("59.1", "GCTCC-WG-Gender", "chairs", "采取性别敏感办法反恐反恐工作组主席"),
    ("59.2", "UN-DRR-Focal-Points-Group", "participates-in", "通过参加减少灾害风险协调人机构间工作队"),
    ("59.3", "OCHA", "co-delivers", "与人道协调厅合作"),
    ("59.3", "IASC", "participates-in", "联合国人道主义机构间指导委员会(机构间指导委员会)性别平等和人道主义行动咨商小组"),
    ("59.3", "GRG", "secretariat-of", "担任……性别平等和人道主义行动咨商小组的性别平等事务室秘书"),
    ("59.4", "DPO", "co-delivers", "与广泛的合作伙伴合作，包括和平行动部"),
    ("59.4", "DPPA", "co-delivers", "与广泛的合作伙伴合作，包括……政治和建设和平事务部"),
    ("59.4", "OHCHR", "co-delivers", "与广泛的合作伙伴合作，包括……人权高专办"),
    ("59.4", "UNCT", "co-delivers", "与广泛的合作伙伴合作，包括……联合国国家工作队"),
    ("59.4", "CTED", "co-delivers", "与广泛的合作伙伴合作，包括……反恐执行局"),
    ("59.4", "UNDP", "co-delivers", "与广泛的合作伙伴合作，包括……开发计划署"),
    ("59.4", "OCHA", "co-delivers", "与广泛的合作伙伴合作，包括……人道协调厅"),
    ("59.4", "UNFPA", "co-delivers", "与广泛的合作伙伴合作，包括……人口基金"),
    ("59.4", "UNHCR", "co-delivers", "与广泛的合作伙伴合作，包括……难民署"),
    ("59.4", "UNDRR", "co-delivers", "与广泛的合作伙伴合作，包括……联合国减轻灾害风险处"),
    ("59.4", "UN-System", "generic-group", "以及总部、区域和国家一级的其他联合国实体"),
]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(REGISTRY_DIR)


@pytest.fixture(scope="module")
def document() -> Document:
    return parse_document(SOURCE)


@pytest.fixture(scope="module")
def mentions(document: Document, registry: Registry) -> list[Mention]:
    return find_mentions(document, registry)


def item_texts(document: Document) -> dict[str, str]:
    units = document.by_key()
    out = {}
    for unit in document.units:
        if unit.kind == "item" and unit.parent and units[unit.parent].text.startswith("主要干预措施包括"):
            out[f"{units[unit.parent].number}.{unit.position}"] = unit.text
    return out


def built_roles(document: Document, registry: Registry, mentions: list[Mention]) -> dict[tuple[str, str], str]:
    ns = Namespaces.of(Settings())
    quads = build_quads(ns, document, registry, mentions)
    roles = {}
    for q in quads:
        if q.predicate.value == "http://www.w3.org/ns/prov#hadRole":
            step, org = q.subject.value.split("/collaboration/")[1].split("/")
            roles[(step.replace("-", "."), org)] = q.object.value.rsplit("/", 1)[1]
    return roles


def in_order(phrase: str, text: str) -> bool:
    pos = 0
    for part in phrase.split("……"):
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


# ---------------------------------------------------------------- the reviewed table


def test_reviewed_table_has_one_row_per_collaboration() -> None:
    keys = [(item, org) for item, org, _, _ in REVIEWED]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("item,org,role,phrase", REVIEWED, ids=[f"{i}-{o}" for i, o, _, _ in REVIEWED])
def test_reviewed_phrase_is_in_the_item(document: Document, item: str, org: str, role: str, phrase: str) -> None:
    assert in_order(phrase, item_texts(document)[item])


def test_built_roles_are_the_reviewed_roles(document: Document, registry: Registry, mentions: list[Mention]) -> None:
    expected = {(item, org): role for item, org, role, _ in REVIEWED}
    assert built_roles(document, registry, mentions) == expected


def test_every_built_collaboration_has_exactly_one_role_evidence_and_basis(
    document: Document, registry: Registry, mentions: list[Mention]
) -> None:
    quads = build_quads(Namespaces.of(Settings()), document, registry, mentions)
    collaborations = {q.subject.value for q in quads if q.object.value.endswith("#Collaboration")}
    wanted = ("http://www.w3.org/ns/prov#hadRole", "#roleEvidence", "#roleBasis")
    for suffix in wanted:
        per = [q.subject.value for q in quads if q.predicate.value.endswith(suffix)]
        assert sorted(per) == sorted(collaborations), suffix


def test_un_system_is_never_a_co_delivering_partner(document: Document, registry: Registry, mentions: list[Mention]) -> None:
    roles = built_roles(document, registry, mentions)
    un_system = {item: role for (item, org), role in roles.items() if org == "UN-System"}
    assert un_system == {
        "50.2": "generic-group", "55.6": "on-behalf-of", "56.1": "generic-group", "56.4": "generic-group",
        "58.1": "supports", "58.3": "supports", "59.4": "generic-group",
    }


def test_every_role_of_the_scheme_is_defined_in_both_languages(registry: Registry) -> None:
    assert {r.id for r in registry.roles} >= {
        "co-delivers", "supports", "chairs", "co-chairs", "secretariat-of", "participates-in", "manages-fund", "generic-group",
    }
    assert all(r.en_label and r.zh_label and r.en_definition and r.zh_definition for r in registry.roles)


# ---------------------------------------------------------------- the pattern matcher


@pytest.mark.parametrize(
    "pattern,text,name,expected",
    [
        ("支持{org}", "支持国际劳工组织保护家政工人", "国际劳工组织", "支持国际劳工组织"),
        ("支持{org}", "支持作为联合国艾滋病规划署共同发起人", "联合国艾滋病规划署", None),  # not touching
        ("与…{org}…合作", "与甲、乙合作", "乙", "与……乙……合作"),
        ("与…{org}…合作", "与甲合作，乙负责", "乙", None),  # cue before the mention only
        ("与…{org}…合作", "与甲合作。乙合作", "乙", None),  # 。 ends the sentence
        ("代表{org}", "代表联合国系统管理基金", "联合国系统", "代表联合国系统"),
        ("担任…{org}…主席", "担任甲委员会主席和乙工作组主席", "乙工作组", "担任……乙工作组……主席"),
    ],
)
def test_match_pattern(pattern: str, text: str, name: str, expected: str | None) -> None:
    start = text.index(name)
    assert match_pattern(pattern, text, start, start + len(name)) == expected


def test_a_cue_inside_another_name_is_not_a_cue() -> None:
    org = Organization("X", "X", "甲", None, "un-entity", ("甲",), None, None)
    rule = RoleRule(1, "co-delivers", "与…{org}…协调", (), None)
    text = "与甲、人道协调厅"
    mention = Mention("k", "organization", "X", "甲", 1)
    other = Mention("k", "organization", "OCHA", "人道协调厅", 3)
    assert decide([rule], org, text, mention) is not None
    assert decide([rule], org, text, mention, [mention, other]) is None


def test_rules_are_tried_in_order(registry: Registry) -> None:
    orgs = {o.id: o for o in registry.organizations}
    text = "代表联合国系统管理联合国消除对妇女暴力行为信托基金这一机构间赠款机制。"
    fund = Mention("k", "organization", "UN-Trust-Fund", "联合国消除对妇女暴力行为信托基金", 9)
    system = Mention("k", "organization", "UN-System", "联合国系统", 2)
    assert decide(registry.role_rules, orgs["UN-Trust-Fund"], text, fund, [fund, system]).role == "manages-fund"  # type: ignore[union-attr]
    assert decide(registry.role_rules, orgs["UN-System"], text, system, [fund, system]).role == "on-behalf-of"  # type: ignore[union-attr]


def test_a_collaboration_no_rule_fits_stops_the_build(document: Document, registry: Registry) -> None:
    units = document.by_key()
    mention = Mention("para-53-item-6", "organization", "ILO", "国际劳工组织", 2)
    bare = Registry(organizations=registry.organizations, roles=registry.roles, role_rules=[])
    with pytest.raises(BuildError, match="53.6 ILO: no rule"):
        decide_roles(bare, units, {("para-53-item-6", "ILO"): [mention]}, {"para-53-item-6": "53.6"}, {})


def test_an_override_needs_its_evidence_in_the_text(document: Document, registry: Registry) -> None:
    from loaders.model import RoleOverride

    units = document.by_key()
    mention = Mention("para-53-item-6", "organization", "ILO", "国际劳工组织", 2)
    wrong = Registry(
        organizations=registry.organizations, roles=registry.roles, role_rules=registry.role_rules,
        role_overrides=[RoleOverride("53.6", "ILO", "co-delivers", "与国际劳工组织合作", "test", 2)],
    )
    with pytest.raises(BuildError, match="evidence"):
        decide_roles(wrong, units, {("para-53-item-6", "ILO"): [mention]}, {"para-53-item-6": "53.6"}, {})


def test_rule_with_unknown_role_is_a_registry_error(tmp_path: Path) -> None:
    for path in REGISTRY_DIR.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    rules = tmp_path / "role_rules.csv"
    rules.write_text(rules.read_text(encoding="utf-8") + "99,befriends,与{org},,\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="befriends"):
        load_registry(tmp_path)
