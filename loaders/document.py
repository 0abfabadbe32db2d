"""Parse the Chinese text of the plan (UNW/2021/6) into ``TextUnit``s.

The text was extracted from a PDF, so the layout is only partly reliable:
page breaks cut paragraphs and bullet items in two and drop footnote lines in
between, numbered sub-headings look like paragraph numbers, and a few
markdown scars (``**bold**``, ``[link](#)``) survived. The parser reads the
file line by line with a small state machine and checks the numbering as it
goes, so a structural surprise fails loudly (``SourceParseError``) instead of
producing a silently wrong graph.

``parse_with_residue`` also returns every non-blank character the parser
consumed without putting it in a unit text (numbers, bullets, markers,
markup), so a test can prove that nothing in the file was dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NoReturn

from loaders.model import Document, FootnoteRef, TextUnit, UnitKind
from plankg.errors import SourceParseError

SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPT, "0123456789")
_CN_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}

_SECTION = re.compile(r"([一二三四五六七八九十])\.\s*(\S.*)")
_LETTERED = re.compile(r"([A-Z])\.\s+(\S.*)")
_NUMBERED = re.compile(r"(\d+)\.\s+(\S.*)")
_BULLET = re.compile(r"-\s+(\S.*)")
_DECISION = re.compile(r"\(([a-z])\)\s+(\S.*)")
_FOOTNOTE = re.compile(rf"([{SUPERSCRIPT}]+)\s+(\S.*)")
_MARKER = re.compile(rf"[{SUPERSCRIPT}]+")
_LINK = re.compile(r"\[([^\]\n]*)\]\(#\)")
# Chinese has no spaces between words, so whitespace between two Han
# characters is where the PDF wrapped a line (the masthead body name).
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# Footnote markers, closing quotes and brackets sit after the punctuation
# that ends a sentence; a bracket after a plain character is mid-sentence.
_TRAILING = re.compile(rf"[\s{SUPERSCRIPT}”’」』）)》】\]]+$")
_SENTENCE_END = tuple("。；：！？!?;:…")

# Headings printed without a number (a boxed call-out in the PDF); the line
# that follows such a heading is its text. Key slug per heading line.
FREE_HEADINGS = {"战略计划愿景": "vision"}
FREE_HEADING_KEYS = {f"heading-{slug}" for slug in FREE_HEADINGS.values()}

# The masthead ends with the agenda item; the title lines follow it.
_AGENDA_ITEM = "议程项目"
_SUMMARY_HEADING = "摘要"
_MAX_HEADING_CHARS = 60

_BODY_KINDS = ("summary", "paragraph", "item", "decision")


def superscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", SUPERSCRIPT))


def is_closed(text: str) -> bool:
    """True when ``text`` ends a sentence, so the next free line cannot continue it."""
    return _TRAILING.sub("", text).endswith(_SENTENCE_END)


def _looks_like_heading(text: str) -> bool:
    return len(text) <= _MAX_HEADING_CHARS and "。" not in text and not is_closed(text)


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.units: list[TextUnit] = []
        self.keys: set[str] = set()
        self.residue: list[str] = []
        self.phase = "front"  # front -> summary -> body
        self.masthead_done = False
        self.n_front = self.n_title = self.n_summary = 0
        self.section: TextUnit | None = None
        self.lettered: str | None = None  # key of the enclosing A./B. heading
        self.headings: list[str] = []  # enclosing heading keys, outermost first
        self.para: TextUnit | None = None  # paragraph that items attach to
        self.n_items = self.n_decisions = 0
        self.last_para = self.last_footnote = 0
        self.prev: TextUnit | None = None  # last unit that is not a footnote

    # ------------------------------------------------------------ helpers

    def fail(self, line: int, reason: str) -> NoReturn:
        raise SourceParseError(self.path, line, reason)

    def section_number(self, line: int) -> int:
        if self.section is None or self.section.number is None:
            self.fail(line, "a heading before the first section heading (一. …)")
        return self.section.number

    def clean(self, text: str) -> str:
        # Markdown emphasis and empty-target links are artefacts of the PDF
        # conversion, not part of the document: drop the markup, keep the words.
        self.residue.append("**" * text.count("**"))
        text = text.replace("**", "")
        self.residue.append("[](#)" * len(_LINK.findall(text)))
        return _HAN_GAP.sub("", _LINK.sub(r"\1", text))

    def emit(self, line: int, kind: UnitKind, key: str, text: str, **fields) -> TextUnit:
        if key in self.keys:
            self.fail(line, f"duplicate {kind} {key!r}")
        self.keys.add(key)
        fields.setdefault("section", self.section.key if self.section else None)
        fields.setdefault("heading_path", tuple(self.headings))
        unit = TextUnit(kind=kind, key=key, text=self.clean(text), order=0, line=line, **fields)
        self.units.append(unit)
        if kind != "footnote":
            self.prev = unit
        return unit

    def enclosing(self) -> str | None:
        if self.headings:
            return self.headings[-1]
        return self.section.key if self.section else None

    def open_body_unit(self) -> TextUnit | None:
        """The unit a free line continues, if a page break cut it mid-sentence."""
        prev = self.prev
        if prev is not None and prev.kind in _BODY_KINDS and not is_closed(prev.text):
            return prev
        return None

    # ------------------------------------------------------------ lines

    def feed(self, n: int, line: str) -> None:
        if self.phase == "front":
            return self.front(n, line)
        if m := _FOOTNOTE.fullmatch(line):
            return self.footnote(n, m[1], m[2])
        if m := _SECTION.fullmatch(line):
            return self.new_section(n, m[1], m[2])
        if self.phase == "summary":
            if unit := self.open_body_unit():
                unit.text += self.clean(line)
                return
            self.n_summary += 1
            self.emit(n, "summary", f"summary-{self.n_summary}", line, parent="summary-heading")
            return
        if m := _NUMBERED.fullmatch(line):
            return self.numbered(n, int(m[1]), m[1], m[2])
        if m := _LETTERED.fullmatch(line):
            return self.lettered_heading(n, m[1], m[2])
        if m := _BULLET.fullmatch(line):
            return self.item(n, m[1])
        if m := _DECISION.fullmatch(line):
            return self.decision(n, m[1], m[2])
        if unit := self.open_body_unit():
            unit.text += self.clean(line)
            return
        return self.free_line(n, line)

    def front(self, n: int, line: str) -> None:
        if line == _SUMMARY_HEADING:
            self.phase = "summary"
            self.emit(n, "summary-heading", "summary-heading", line)
        elif not self.masthead_done:
            self.n_front += 1
            self.emit(n, "front", f"front-{self.n_front}", line)
            self.masthead_done = _AGENDA_ITEM in line
        else:
            self.n_title += 1
            self.emit(n, "title", f"title-{self.n_title}", line)

    def new_section(self, n: int, numeral: str, text: str) -> None:
        number = _CN_NUMERALS[numeral]
        expected = self.section_number(n) + 1 if self.section else 1
        if number != expected:
            self.fail(n, f"section {numeral} out of sequence (expected section {expected})")
        self.phase = "body"
        self.residue.append(numeral + ".")
        self.headings, self.lettered, self.para = [], None, None
        key = f"section-{number}"
        # A section is its own ``section`` so every unit from here on has one.
        self.section = self.emit(
            n, "section", key, text, number=number, letter=numeral, section=key
        )

    def numbered(self, n: int, number: int, marker: str, text: str) -> None:
        expected = self.last_para + 1
        if number == expected:
            self.residue.append(marker + ".")
            self.last_para = number
            self.para = self.emit(
                n, "paragraph", f"para-{number}", text, number=number, parent=self.enclosing()
            )
            self.n_items = self.n_decisions = 0
            return
        if not _looks_like_heading(text):
            self.fail(n, f"paragraph {number} out of sequence (expected paragraph {expected})")
        # Numbering restarts under each lettered heading, or under the section
        # when there is none (section 六).
        outer = [self.lettered] if self.lettered else []
        prefix = self.lettered or f"heading-{self.section_number(n)}"
        self.heading(n, f"{prefix}-{marker}", marker, text, outer)

    def lettered_heading(self, n: int, letter: str, text: str) -> None:
        self.lettered = f"heading-{self.section_number(n)}-{letter}"
        self.heading(n, self.lettered, letter, text, [])

    def heading(self, n: int, key: str, marker: str, text: str, outer: list[str]) -> None:
        self.residue.append(marker + ".")
        self.headings = outer
        self.emit(n, "heading", key, text, letter=marker, parent=self.enclosing())
        self.headings = outer + [key]
        self.para = None

    def free_line(self, n: int, line: str) -> None:
        if line in FREE_HEADINGS:
            key = f"heading-{FREE_HEADINGS[line]}"
            self.lettered, self.headings, self.para = None, [], None
            self.emit(n, "heading", key, line, parent=self.enclosing())
            self.headings = [key]
        elif self.prev is not None and self.prev.key in FREE_HEADING_KEYS:
            self.emit(n, "heading", f"{self.prev.key}-text", line, parent=self.prev.key)
        else:
            self.fail(n, f"not a paragraph, heading, item or continuation: {line[:20]!r}")

    def item(self, n: int, text: str) -> None:
        if self.para is None:
            self.fail(n, "bullet item outside a paragraph")
        self.residue.append("-")
        self.n_items += 1
        self.emit(
            n, "item", f"{self.para.key}-item-{self.n_items}", text,
            position=self.n_items, parent=self.para.key,
        )

    def decision(self, n: int, letter: str, text: str) -> None:
        if self.para is None:
            self.fail(n, f"decision item ({letter}) outside a paragraph")
        expected = chr(ord("a") + self.n_decisions)
        if letter != expected:
            self.fail(n, f"decision item ({letter}) out of sequence (expected ({expected}))")
        self.residue.append(f"({letter})")
        self.n_decisions += 1
        self.emit(
            n, "decision", f"{self.para.key}-item-{letter}", text,
            position=self.n_decisions, letter=letter, parent=self.para.key,
        )

    def footnote(self, n: int, marker: str, text: str) -> None:
        number = int(marker.translate(_FROM_SUPERSCRIPT))
        if number != self.last_footnote + 1:
            self.fail(n, f"footnote {number} out of sequence (expected {self.last_footnote + 1})")
        self.last_footnote = number
        self.residue.append(marker)
        # Section and heading path are those of the citing unit (set in finish):
        # where a page break happened to print the note says nothing about it.
        self.emit(
            n, "footnote", f"footnote-{number}", text, number=number, section=None, heading_path=()
        )

    # ------------------------------------------------------------ end

    def finish(self) -> Document:
        if self.phase != "body":
            self.fail(0, "no section heading (一. …) found")
        footnotes = {u.number: u for u in self.units if u.kind == "footnote"}
        cited: set[int] = set()
        for order, unit in enumerate(self.units, 1):
            unit.order = order
            if unit.kind == "footnote":
                continue
            refs = []
            for m in _MARKER.finditer(unit.text):
                number = int(m[0].translate(_FROM_SUPERSCRIPT))
                note = footnotes.get(number)
                if note is None:
                    self.fail(unit.line, f"{unit.key} cites footnote {number}, which is missing")
                if number not in cited:
                    note.section, note.heading_path = unit.section, unit.heading_path
                cited.add(number)
                refs.append(FootnoteRef(number, m.start()))
            unit.footnote_refs = tuple(refs)
        for note_number, note in footnotes.items():
            if note_number not in cited:
                self.fail(note.line, f"footnote {note_number} is never cited")
        return Document(units=self.units, source_path=self.path)


def parse_with_residue(path: str | Path) -> tuple[Document, str]:
    """Parse the plan; also return the layout characters kept out of unit texts."""
    path = str(path)
    parser = _Parser(path)
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f.read().split("\n"), 1):
            if line := raw.strip():
                parser.feed(n, line)
    document = parser.finish()
    return document, "".join(parser.residue)


def parse_document(path: str | Path) -> Document:
    """Parse the Chinese text of UNW/2021/6 into text units in document order."""
    return parse_with_residue(path)[0]
