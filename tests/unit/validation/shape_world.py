"""Test data for the shape tests: a small world of valid data, and a small ontology.

``WORLD`` is a minimal graph that conforms to every shape with no result at all:
the plan, one section, paragraph 10 with a bullet item and a decision item, a
footnote, and one valid instance of every other class. Shape tests add or remove
a few triples and look at what the validator reports. The plan's numbering
constraint needs paragraphs 1–119; ``ex:numbering`` carries the numbers other
than 10, so the world does not need 118 more paragraph nodes (the constraint
only looks at pk:paragraphNumber).
"""

from __future__ import annotations

import pyoxigraph as ox

PREFIXES = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ex: <http://example.org/test#> .
@base <http://127.0.0.1:8000/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pk: <http://127.0.0.1:8000/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

NUMBERS = " , ".join(str(n) for n in range(1, 120) if n != 10)

WORLD = PREFIXES + f"""
<plan> a pk:StrategicPlan ;
    dcterms:identifier "UNW/2021/6" ;
    dcterms:title "Strategic Plan 2022–2025"@en , "2022-2025 年战略计划"@zh ;
    rdfs:label "Strategic Plan"@en , "战略计划"@zh ;
    dcterms:date "2021-07-12"^^xsd:date ;
    dcterms:language "zh" ;
    dcterms:hasPart <section/1> .

ex:numbering pk:paragraphNumber {NUMBERS} .

<section/1> a pk:Section ;
    pk:text "一、概述"@zh ; pk:order 1 ; dcterms:isPartOf <plan> ;
    rdfs:label "Section 1"@en , "第一章"@zh ;
    pk:sectionNumber 1 .

<para/10> a pk:Paragraph ;
    pk:text "主要干预措施包括：与开发署合作。"@zh ; pk:order 2 ; dcterms:isPartOf <section/1> ;
    rdfs:label "Paragraph 10"@en , "第 10 段"@zh ;
    pk:paragraphNumber 10 ; pk:inSection <section/1> ; pk:hasFootnote <footnote/1> ;
    pk:namesOrganization <org/UNDP> ; pk:cites <instrument/S-RES-1325-2000> ;
    pk:touchesTheme <theme/youth> ; pk:invokesSDG <sdg/5> .

<para/10/item/1> a pk:BulletItem ;
    pk:text "与开发署合作"@zh ; pk:order 3 ; dcterms:isPartOf <para/10> ;
    rdfs:label "Paragraph 10, item 1"@en , "第 10 段第 1 项"@zh ;
    pk:position 1 .

<para/10/item/a> a pk:DecisionItem ;
    pk:text "注意到计划"@zh ; pk:order 4 ; dcterms:isPartOf <para/10> ;
    rdfs:label "Paragraph 10 (a)"@en , "第 10 段(a)"@zh ;
    pk:position 1 ; pk:itemLetter "a" .

<footnote/1> a pk:Footnote ;
    pk:text "E/CN.6/2020/3。"@zh ; pk:order 5 ; dcterms:isPartOf <plan> ;
    rdfs:label "Footnote 1"@en , "脚注 1"@zh ;
    pk:footnoteNumber 1 .

<area/governance> a pk:ImpactArea ;
    skos:prefLabel "Governance and participation in public life"@en , "治理和参与公共生活"@zh ;
    skos:notation "1" ; dcterms:isPartOf <plan> ;
    pk:startParagraph <para/10> ; pk:endParagraph <para/10> ;
    pk:describedIn <para/10> ; prov:wasDerivedFrom <para/10> .

<intervention/10-1> a pk:KeyIntervention ;
    skos:prefLabel "Working with UNDP"@en , "与开发署合作"@zh ;
    skos:notation "10.1" ; dcterms:isPartOf <plan> ;
    pk:impactArea <area/governance> ;
    pk:sourceItem <para/10/item/1> ; pk:sourceParagraph <para/10> ;
    prov:wasDerivedFrom <para/10/item/1> ;
    pk:text "与开发署合作"@zh ;
    pk:hasCollaborator <org/UNDP> .

<collaboration/10-1/UNDP> a pk:Collaboration ;
    pk:collaborator <org/UNDP> ; pk:intervention <intervention/10-1> ;
    prov:wasDerivedFrom <para/10/item/1> ; pk:sourceParagraph <para/10> ;
    pk:surfaceForm "开发署"@zh .

<mention/para-10-item-1/1> a pk:Mention ;
    pk:mentionOf <org/UNDP> ; pk:inText <para/10/item/1> ; pk:offset 1 ;
    pk:surfaceForm "开发署"@zh ; prov:wasDerivedFrom <para/10/item/1> ; pk:sourceParagraph <para/10> .

<mention/footnote-1/0> a pk:Mention ;
    pk:mentionOf <instrument/E-CN.6-2020-3> ; pk:inText <footnote/1> ; pk:offset 0 ;
    pk:surfaceForm "E/CN.6/2020/3"@zh ; prov:wasDerivedFrom <footnote/1> .

<stat/p10-1> a pk:Statistic ;
    pk:value "25.6"^^xsd:decimal ; pk:unit <unit/percent> ;
    rdfs:label "Share of women with social protection"@en ;
    pk:text "25.6%"@zh ;
    pk:population "women"@en , "女性"@zh ;
    pk:referenceYear "2020"^^xsd:gYear ;
    prov:wasDerivedFrom <para/10> ; pk:sourceParagraph <para/10> ;
    dcterms:source <footnote/1> ; pk:sourceInstrument <instrument/E-CN.6-2020-3> .

<unit/percent> a pk:UnitOfMeasure ; skos:prefLabel "percent"@en , "百分比"@zh .

<theme/youth> a pk:Theme ;
    skos:prefLabel "Youth"@en , "青年"@zh ;
    skos:definition "Young people."@en , "年轻人。"@zh .

<org/UN> a pk:UNEntity ;
    skos:prefLabel "United Nations"@en , "联合国"@zh ; skos:notation "UN" ; skos:exactMatch wd:Q1065 .

<org/UNDP> a pk:UNEntity ;
    skos:prefLabel "United Nations Development Programme"@en , "联合国开发计划署"@zh ;
    skos:notation "UNDP" ; skos:exactMatch wd:Q161718 ; org:subOrganizationOf <org/UN> .

<org/SG> a pk:OfficeHolder ;
    skos:prefLabel "Secretary-General"@en , "秘书长"@zh ; org:postIn <org/UN> .

<instrument/S-RES-1325-2000> a pk:SecurityCouncilResolution ;
    skos:prefLabel "Security Council resolution 1325 (2000)"@en , "安全理事会第 1325(2000)号决议"@zh ;
    dcterms:title "Security Council resolution 1325 (2000)"@en ;
    pk:symbol "S/RES/1325 (2000)" ; skos:notation "S/RES/1325 (2000)" ;
    pk:yearAdopted "2000"^^xsd:gYear ; skos:exactMatch wd:Q1191493 ;
    pk:partOfFamily <instrument/WPS-resolutions> .

<instrument/WPS-resolutions> a pk:SecurityCouncilResolution ;
    skos:prefLabel "WPS resolutions"@en , "妇女与和平与安全决议"@zh ;
    dcterms:title "Security Council resolutions on women and peace and security"@en ;
    pk:yearAdopted "2000"^^xsd:gYear ; skos:exactMatch wd:Q1191494 .

<instrument/E-CN.6-2020-3> a pk:UNDocument ;
    skos:prefLabel "Review and appraisal"@en , "审查和评价"@zh ;
    dcterms:title "Review and appraisal"@en ;
    pk:symbol "E/CN.6/2020/3" ; skos:notation "E/CN.6/2020/3" ;
    pk:yearAdopted "2021"^^xsd:gYear ; pk:yearAsPrinted "2020"^^xsd:gYear ;
    pk:officialRecordNote "Issued 2021; the text prints 2020."@en ;
    skos:exactMatch wd:Q1191495 .

<sdg/5> a pk:SDGGoal ;
    skos:prefLabel "Gender equality"@en , "性别平等"@zh ;
    skos:notation "5" ; skos:exactMatch <http://metadata.un.org/sdg/5> , wd:Q53581210 .

<sdg/5.a> a pk:SDGTarget ;
    skos:prefLabel "Economic resources"@en , "经济资源"@zh ;
    skos:notation "5.a" ; skos:exactMatch <http://metadata.un.org/sdg/5.a> ; skos:broader <sdg/5> .

<sdg/5.a.1> a pk:SDGIndicator ;
    skos:prefLabel "Agricultural land ownership"@en , "农业用地所有权"@zh ;
    skos:notation "5.a.1" ; skos:exactMatch <http://metadata.un.org/sdg/C050a01> ; skos:broader <sdg/5.a> .
"""

ONTOLOGY = PREFIXES + """
<http://127.0.0.1:8000/ontology> a owl:Ontology .

pk:Thing a owl:Class ;
    rdfs:isDefinedBy <http://127.0.0.1:8000/ontology> ;
    rdfs:label "thing"@en , "事物"@zh ;
    skos:definition "A thing."@en , "一个事物。"@zh .

pk:relatesTo a owl:ObjectProperty ;
    rdfs:isDefinedBy <http://127.0.0.1:8000/ontology> ;
    rdfs:label "relates to"@en , "关联"@zh ;
    skos:definition "Relates two things."@en , "关联两个事物。"@zh .

skos:Concept a owl:Class ; rdfs:isDefinedBy <http://www.w3.org/2004/02/skos/core> .
"""


def parse_ttl(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
