"""UI strings in Chinese and English, and how a request picks its language.

The plan is Chinese; staff read the pages in either language. The choice comes
from ``?lang=`` (which also sets the ``lang`` cookie, so it persists across
navigation), else the cookie, else ``Accept-Language``, else Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

STRINGS: dict[str, dict[str, str]] = {
    "site.name": {"en": "UN-Women Strategic Plan 2022–2025", "zh": "妇女署 2022-2025 年战略计划"},
    "skip": {"en": "Skip to main content", "zh": "跳到正文"},
    "lang.switch": {"en": "Language", "zh": "语言"},
    "nav.label": {"en": "Main", "zh": "主导航"},
    "nav.home": {"en": "Overview", "zh": "概览"},
    "nav.network": {"en": "Partner network", "zh": "伙伴网络"},
    "nav.read": {"en": "Read the plan", "zh": "阅读计划"},
    "nav.query": {"en": "Query", "zh": "查询"},
    "search.label": {"en": "Search the plan", "zh": "搜索计划"},
    "search.placeholder": {"en": "Search names or text…", "zh": "搜索名称或正文…"},
    "search.button": {"en": "Search", "zh": "搜索"},
    "footer.source": {
        "en": "Source: UNW/2021/6, Chinese text. English titles are our own short labels.",
        "zh": "来源：UNW/2021/6 中文本。英文标题为本项目所拟简称。",
    },
    "area.governance": {"en": "Governance", "zh": "治理和参与"},
    "area.wee": {"en": "Economic empowerment", "zh": "经济权能"},
    "area.evaw": {"en": "Ending violence", "zh": "制止暴力"},
    "area.wps": {"en": "Peace & security", "zh": "和平与安全"},
    # home
    "home.title": {"en": "The plan at a glance", "zh": "计划概览"},
    "home.vision": {"en": "Vision", "zh": "愿景"},
    "home.mandate": {"en": "Mandate functions", "zh": "任务职能"},
    "home.principles": {"en": "Guiding principles", "zh": "指导原则"},
    "home.areas": {"en": "Impact areas", "zh": "影响领域"},
    "home.outcomes": {"en": "Systemic outcomes", "zh": "系统性成果"},
    "home.oee": {"en": "Organizational effectiveness and efficiency outputs", "zh": "组织成效和效率产出"},
    "home.counts": {"en": "In numbers", "zh": "数字"},
    "home.questions": {"en": "Common questions", "zh": "常见问题"},
    "home.q.evaw": {
        "en": "Which agencies co-deliver ending-violence interventions?",
        "zh": "哪些机构共同实施制止暴力的干预措施？",
    },
    "home.q.unfpa": {"en": "With whom else does UNFPA work?", "zh": "人口基金还与哪些机构合作？"},
    "count.interventions": {"en": "key interventions", "zh": "项关键干预措施"},
    "count.agencies": {"en": "partner agencies named", "zh": "个被提及的合作机构"},
    "count.paragraphs": {"en": "paragraphs", "zh": "个段落"},
    "paras": {"en": "Paragraphs", "zh": "段落"},
    # area
    "area.interventions": {"en": "Key interventions", "zh": "关键干预措施"},
    "area.agencies": {"en": "Agencies co-delivering in this area", "zh": "本领域共同实施的机构"},
    "area.instruments": {"en": "Instruments cited", "zh": "引用的文书"},
    "area.underpinned_by": {"en": "Instruments the area rests on (curated)", "zh": "该领域所依据的文书(整理)"},
    "area.sdgs": {"en": "SDG codes named in this area's text", "zh": "本领域文本中提及的可持续发展目标编号"},
    "area.with": {"en": "With", "zh": "合作方"},
    "area.none": {"en": "none named", "zh": "未提及"},
    "area.network": {"en": "See this area's partner network", "zh": "查看本领域的伙伴网络"},
    # agency
    "agency.areas": {"en": "Impact areas", "zh": "影响领域"},
    "agency.interventions": {"en": "Interventions it is named in", "zh": "提及该机构的干预措施"},
    "agency.partners": {"en": "Co-delivers with", "zh": "共同实施伙伴"},
    "agency.shared": {"en": "shared interventions", "zh": "项共同干预措施"},
    "agency.quotes": {"en": "Paragraphs that name it", "zh": "提及该机构的段落"},
    "agency.wikidata": {"en": "Wikidata item", "zh": "维基数据条目"},
    "agency.entity": {"en": "Linked data", "zh": "关联数据"},
    "agency.none": {"en": "Not named in any key intervention.", "zh": "未在任何关键干预措施中提及。"},
    "agency.kind": {"en": "Kind", "zh": "类型"},
    # network
    "network.title": {"en": "Partner network", "zh": "伙伴网络"},
    "network.intro": {
        "en": "Agencies linked when they are named in the same key intervention; thicker lines mean more shared interventions. Impact areas link to the agencies named in them.",
        "zh": "同一关键干预措施中提及的机构之间相连；线越粗，共同干预措施越多。影响领域与其中提及的机构相连。",
    },
    "network.filter": {"en": "Impact area", "zh": "影响领域"},
    "network.all": {"en": "All areas", "zh": "全部领域"},
    "network.apply": {"en": "Show", "zh": "显示"},
    "network.nodes": {"en": "nodes", "zh": "个节点"},
    "network.edges": {"en": "links", "zh": "条连线"},
    "network.download": {"en": "Download SVG", "zh": "下载 SVG"},
    "network.table": {"en": "Co-delivery pairs", "zh": "共同实施的机构对"},
    "network.a": {"en": "Agency", "zh": "机构"},
    "network.b": {"en": "Agency", "zh": "机构"},
    "network.count": {"en": "Shared interventions", "zh": "共同干预措施数"},
    "network.figure": {"en": "Network diagram", "zh": "网络图"},
    # reader
    "read.title": {"en": "The plan, paragraph by paragraph", "zh": "计划全文（逐段）"},
    "read.footnotes": {"en": "Footnote", "zh": "脚注"},
    "read.legend": {"en": "Highlighted: organizations, instruments, SDGs, themes", "zh": "高亮：机构、文书、可持续发展目标、主题"},
    "read.link": {"en": "Link to this paragraph", "zh": "本段链接"},
    # query
    "query.title": {"en": "Query the graph", "zh": "查询图谱"},
    "query.examples": {"en": "Named queries", "zh": "预设查询"},
    "query.pick": {"en": "Load a named query", "zh": "载入预设查询"},
    "query.editor": {"en": "SPARQL query", "zh": "SPARQL 查询"},
    "query.run": {"en": "Run", "zh": "运行"},
    "query.csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "query.json": {"en": "Download JSON", "zh": "下载 JSON"},
    "query.results": {"en": "Results", "zh": "结果"},
    "query.rows": {"en": "rows", "zh": "行"},
    "query.form": {"en": "Form", "zh": "表单"},
    "query.params": {"en": "Parameters", "zh": "参数"},
    "query.none": {"en": "No rows.", "zh": "无结果。"},
    "query.error": {"en": "The query failed", "zh": "查询失败"},
    "query.running": {"en": "Running…", "zh": "运行中…"},
    "query.sparql": {"en": "SPARQL text", "zh": "SPARQL 文本"},
    "query.nocatalog": {"en": "No named queries are available.", "zh": "暂无预设查询。"},
    # search
    "search.title": {"en": "Search", "zh": "搜索"},
    "search.results": {"en": "results", "zh": "条结果"},
    "search.entities": {"en": "Names", "zh": "名称"},
    "search.paragraphs": {"en": "Text", "zh": "正文"},
    "search.nothing": {"en": "Nothing found.", "zh": "未找到结果。"},
    "search.hint": {"en": "Type a name or words from the plan.", "zh": "请输入名称或计划中的词语。"},
    "home.lead": {
        "en": "Who does what in the UN-Women Strategic Plan 2022–2025: impact areas, key interventions, partner agencies, and the paragraphs that say so.",
        "zh": "妇女署《2022-2025 年战略计划》中谁做什么：影响领域、关键干预措施、合作机构，以及出处段落。",
    },
    "home.q.network": {"en": "Show the partner network for ending violence", "zh": "查看制止暴力领域的伙伴网络"},
    "error.title": {"en": "Bad request", "zh": "请求有误"},
    "network.badarea": {
        "en": "Unknown impact area; choose governance, wee, evaw or wps.",
        "zh": "未知的影响领域；请选择 governance、wee、evaw 或 wps。",
    },
    "area.agencies.caption": {
        "en": "UN entities the plan names as co-delivering this area's key interventions, with the interventions (linked to the text)",
        "zh": "本领域关键干预措施中与妇女署共同实施的联合国实体及相应干预措施（链接至原文）",
    },
    "area.count": {"en": "Interventions", "zh": "干预措施数"},
    "area.mechanisms": {
        "en": "Mechanisms, funds and groups (not co-delivering agencies)",
        "zh": "机制、基金和群体（非共同实施机构）",
    },
    "area.mechanisms.caption": {
        "en": "Other organizations the key interventions name, with their role and the phrase of the text that decides it",
        "zh": "关键干预措施提及的其他组织，及其角色和原文中决定该角色的短语",
    },
    "area.group": {"en": "group", "zh": "泛指群体"},
    "role.role": {"en": "Role", "zh": "角色"},
    "annotate.title": {"en": "Annotate a text", "zh": "标注文本"},
    "annotate.intro": {
        "en": "Paste a passage (Chinese, or English) of an annual report or another plan: the organizations, instruments, SDG targets, themes and plan concepts it names are highlighted and linked.",
        "zh": "粘贴一段文字（中文或英文），例如年度报告或其他计划：其中提及的组织、文书、可持续发展目标、主题和计划概念将被突出显示并加上链接。",
    },
    "annotate.label": {"en": "Text", "zh": "文本"},
    "annotate.button": {"en": "Annotate", "zh": "标注"},
    "annotate.result": {"en": "Entities found", "zh": "找到的实体"},
    "annotate.kind.concept": {"en": "plan concept", "zh": "计划概念"},
    "area.sdg_alignment": {
        "en": "SDG targets and indicators this area serves",
        "zh": "本领域服务的可持续发展目标具体目标和指标",
    },
    "sdg.kind.stated": {"en": "stated in the text", "zh": "文本中明确"},
    "sdg.kind.curated": {"en": "curated", "zh": "人工整理"},
    "sdg.un": {"en": "UN SDG", "zh": "联合国可持续发展目标"},
    "role.evidence": {"en": "Phrase in the text", "zh": "原文短语"},
    "area.where": {"en": "Where in the plan", "zh": "原文出处"},
    "area.themes": {"en": "Cross-cutting themes", "zh": "跨领域主题"},
    "agency.forms": {"en": "Names in the text", "zh": "文中名称"},
    "agency.parent": {"en": "Part of", "zh": "隶属"},
    "agency.partners.caption": {
        "en": "Organizations co-delivering the same key interventions as this one",
        "zh": "与该机构共同实施同一关键干预措施的组织",
    },
    "network.legend.area": {"en": "impact area", "zh": "影响领域"},
    "network.legend.agency": {"en": "agency (larger: named in more interventions)", "zh": "机构（越大表示涉及的干预措施越多）"},
    "network.legend.co": {"en": "co-delivery (thicker: more shared interventions)", "zh": "共同实施（越粗表示共同干预措施越多）"},
    "network.legend.in": {"en": "agency named in the area", "zh": "机构在该领域被提及"},
    "network.hint": {
        "en": "Select a node (click, or Tab and Enter) to open its page; hover or focus to highlight its links and show its name. Zoom with the wheel, a pinch or the buttons; drag the background to pan.",
        "zh": "点击节点（或按 Tab 键再按回车）打开其页面；悬停或聚焦可突出显示其连线并显示名称。可用滚轮、双指或按钮缩放；拖动背景可平移。",
    },
    "read.kind.org": {"en": "organization", "zh": "机构"},
    "read.kind.instrument": {"en": "instrument", "zh": "文书"},
    "read.kind.sdg": {"en": "SDG", "zh": "可持续发展目标"},
    "read.kind.theme": {"en": "theme", "zh": "主题"},
    "read.toc": {"en": "Contents", "zh": "目录"},
    "read.back": {"en": "Back to the text citing footnote", "zh": "返回引用脚注的正文"},
    "query.intro": {
        "en": "Pick a named query to load it, edit it if you like, and run it. Each named query also has a simple form.",
        "zh": "选择一个预设查询载入，可按需修改后运行。每个预设查询也有一个简单表单。",
    },
    "query.shortcut": {"en": "Ctrl+Enter runs the query.", "zh": "按 Ctrl+Enter 运行查询。"},
    "query.truncated": {"en": "truncated at the row limit", "zh": "已达行数上限，结果被截断"},
    # linked data: entity and ontology pages (service.linked_data)
    "ld.entity": {"en": "Linked data", "zh": "关联数据"},
    "ld.iri": {"en": "IRI", "zh": "IRI"},
    "ld.types": {"en": "Type", "zh": "类型"},
    "ld.labels": {"en": "Names", "zh": "名称"},
    "ld.alt": {"en": "Other names in the text", "zh": "文中其他名称"},
    "ld.text": {"en": "Text", "zh": "原文"},
    "ld.properties": {"en": "Statements", "zh": "陈述"},
    "ld.property": {"en": "Property", "zh": "属性"},
    "ld.value": {"en": "Value", "zh": "值"},
    "ld.graph": {"en": "graph", "zh": "图"},
    "ld.sources": {"en": "In the plan's words", "zh": "计划原文"},
    "ld.sources.more": {"en": "more passages not shown", "zh": "处其他段落未显示"},
    "ld.incoming": {"en": "Referenced by", "zh": "被以下条目引用"},
    "ld.incoming.more": {"en": "more not shown", "zh": "条未显示"},
    "ld.read": {"en": "read in context", "zh": "在全文中阅读"},
    "ld.open": {"en": "open", "zh": "打开"},
    "ld.page": {"en": "Overview page", "zh": "概览页面"},
    "ld.formats": {"en": "Download this description", "zh": "下载本描述"},
    "ld.how.derived": {"en": "derived from", "zh": "出自"},
    "ld.how.paragraph": {"en": "source paragraph", "zh": "来源段落"},
    "ld.how.described": {"en": "described in", "zh": "阐述于"},
    "ld.how.source": {"en": "source", "zh": "来源"},
    "ld.how.part": {"en": "part", "zh": "组成部分"},
    "ld.how.mentioned": {"en": "mentioned in", "zh": "提及于"},
    "ld.missing.title": {"en": "No such entity", "zh": "没有此条目"},
    "ld.missing.text": {"en": "The graph has nothing about this IRI.", "zh": "图谱中没有关于此 IRI 的内容。"},
    "ld.ontology": {"en": "Ontology", "zh": "本体"},
    "ld.classes": {"en": "Classes", "zh": "类"},
    "ld.object_properties": {"en": "Object properties", "zh": "对象属性"},
    "ld.datatype_properties": {"en": "Datatype properties", "zh": "数据类型属性"},
    "ld.annotation_properties": {"en": "Annotation properties", "zh": "注释属性"},
    "ld.deprecated": {"en": "Deprecated terms", "zh": "已弃用的术语"},
    "ld.version": {"en": "Version", "zh": "版本"},
    "ld.version_iri": {"en": "Version IRI", "zh": "版本 IRI"},
    "ld.prefix": {"en": "Preferred prefix", "zh": "首选前缀"},
    "ld.license": {"en": "License", "zh": "许可"},
    "ld.superclasses": {"en": "Subclass of", "zh": "父类"},
    "ld.subclasses": {"en": "Subclasses", "zh": "子类"},
    "ld.domain": {"en": "Domain", "zh": "定义域"},
    "ld.range": {"en": "Range", "zh": "值域"},
    "ld.subproperty": {"en": "Subproperty of", "zh": "父属性"},
    "ld.inverse": {"en": "Inverse of", "zh": "逆属性"},
    "ld.characteristics": {"en": "Characteristics", "zh": "特性"},
    "ld.properties_here": {"en": "Properties with this domain", "zh": "以此为定义域的属性"},
    "ld.instances": {"en": "Instances in the graph", "zh": "图谱中的实例数"},
    "ld.contents": {"en": "Contents", "zh": "目录"},
    "ld.alt_label": {"en": "Also called", "zh": "又称"},
    "ld.disjoint": {"en": "Disjoint with", "zh": "不相交于"},
    "ld.chain": {"en": "Property chain", "zh": "属性链"},
    "ld.incoming.all": {"en": "all of them", "zh": "查看全部"},
    "ld.incoming.page": {"en": "Statements that point here", "zh": "指向此条目的陈述"},
    # network: colours, zoom, export, pages of pairs, ego network (pages-network)
    "network.legend.colour": {"en": "Colour: the impact area an agency is named in most", "zh": "颜色：机构被提及最多的影响领域"},
    "network.source": {
        "en": "Source: UN-Women Strategic Plan 2022–2025 (UNW/2021/6), key interventions; plankg",
        "zh": "来源：妇女署 2022-2025 年战略计划（UNW/2021/6）关键干预措施；plankg",
    },
    "network.filter.shown": {"en": "Impact area: ", "zh": "影响领域："},
    "network.zoom": {"en": "Zoom and pan", "zh": "缩放和平移"},
    "network.zoom.in": {"en": "Zoom in", "zh": "放大"},
    "network.zoom.out": {"en": "Zoom out", "zh": "缩小"},
    "network.zoom.reset": {"en": "Reset view", "zh": "复原视图"},
    "network.pan.left": {"en": "Pan left", "zh": "向左移"},
    "network.pan.right": {"en": "Pan right", "zh": "向右移"},
    "network.pan.up": {"en": "Pan up", "zh": "向上移"},
    "network.pan.down": {"en": "Pan down", "zh": "向下移"},
    "network.download.png": {"en": "Download PNG", "zh": "下载 PNG"},
    "network.pages": {"en": "Pages of pairs", "zh": "机构对分页"},
    "network.page.of": {"en": "Page {page} of {pages}", "zh": "第 {page} 页，共 {pages} 页"},
    "network.page.prev": {"en": "Previous", "zh": "上一页"},
    "network.page.next": {"en": "Next", "zh": "下一页"},
    "network.page.rows": {"en": "pairs", "zh": "对"},
    "network.badpage": {"en": "page must be a whole number from 1 to the last page", "zh": "page 须为 1 至最后一页之间的整数"},
    "agency.ego": {"en": "Its partner network", "zh": "其伙伴网络"},
    "agency.ego.title": {"en": "Agencies co-delivering with", "zh": "与之共同实施的机构："},
    "agency.ego.hint": {
        "en": "Each circle links to that agency's page; colour shows the impact area it is named in most. The table below lists the same partners.",
        "zh": "每个圆圈链接到该机构的页面；颜色表示其被提及最多的影响领域。下表列出相同的伙伴。",
    },
    "agency.ego.full": {"en": "Open in the full network", "zh": "在完整网络中查看"},
    # reader: context bar, highlighted agencies, front matter (pages-network)
    "read.backto": {"en": "Back", "zh": "返回"},
    "read.asked": {"en": "Highlighted:", "zh": "已突出显示："},
    "read.front": {"en": "Document details (symbol, date, session)", "zh": "文件信息（文号、日期、会议）"},
    "read.para": {"en": "¶{n}", "zh": "第 {n} 段"},
    "read.badparams": {
        "en": "highlight must be up to 10 agency ids separated by commas, and from one of this site's pages",
        "zh": "highlight 须为以逗号分隔的至多 10 个机构标识，from 须为本站页面",
    },
    # errors
    "notfound.title": {"en": "Not found", "zh": "未找到"},
    "notfound.text": {"en": "There is no such page.", "zh": "没有这个页面。"},
}


def pick_lang(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGS:
            return candidate
    # first supported primary tag wins; q-values rarely matter for two languages
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return DEFAULT_LANG


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        forms = STRINGS.get(key)
        if forms is None:
            return key
        return forms.get(lang) or forms["en"]

    return t


def labeller(lang: str) -> Callable[[Mapping[str, str] | None], str]:
    """Pick the label in the page language from {"zh": …, "en": …}, falling back to the other."""

    def label(forms: Mapping[str, str] | None) -> str:
        if not forms:
            return ""
        other = "en" if lang == "zh" else "zh"
        return forms.get(lang) or forms.get(other) or next(iter(forms.values()), "")

    return label
