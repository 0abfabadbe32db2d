"""Decide the role of each collaboration: what kind of link the text draws between UN-Women and an organization.

A data steward reads and edits the decision in three registry files:

* ``roles.csv``: the roles (labels, definitions, whether UN-Women holds the role inside the
  collaborator, the W3C ORG membership case);
* ``role_rules.csv``: ordered patterns over the Chinese text of the key-intervention item; the
  first rule that fits a mention decides its role;
* ``collaboration_roles.csv``: curated overrides for one (intervention, organization), each with
  the phrase of the text that decides it and a rationale.

A pattern is literal text with ``{org}`` for the mention and ``…`` for a gap; it is matched inside
the sentence of the mention (the text between two ``。``; a ``；`` does not end it, since lists such as 50.1 separate their items with it). Text written next to ``{org}``
without a gap must touch the mention (``支持{org}`` needs 支持 right before the name). Matching is
plain substring search, linear in the sentence for each rule: no regular expressions. The names of
the other entities found in the item are masked first, so that a cue never matches inside a name
(协调 inside 人道协调厅).

A collaboration whose mentions fit different rules, or no rule, stops the build: the steward
then adds an override.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loaders.model import Mention, Organization, Registry, RoleRule, TextUnit
from plankg.errors import BuildError

GAP = "…"
MASK = "\u25a1"  # □: stands for a character of another entity's name
SENTENCE_END = "。"


@dataclass(frozen=True)
class RoleDecision:
    role: str
    evidence: str  # the deciding phrase, gaps shown as ……
    basis: str  # which rule or override decided it, in words a steward can follow


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(c, 0, start) for c in SENTENCE_END) + 1
    rights = [i for i in (text.find(c, end) for c in SENTENCE_END) if i >= 0]
    return left, min(rights) if rights else len(text)


def match_pattern(pattern: str, text: str, start: int, end: int) -> str | None:
    """The evidence phrase when ``pattern`` fits the mention ``text[start:end]``, else None."""
    before, _, after = pattern.partition("{org}")
    lo, hi = _sentence(text, start, end)
    # the part before the mention, read backwards from it
    tokens = before.split(GAP)
    pos = start
    for i, token in enumerate(reversed(tokens)):
        if not token:
            continue
        if i == 0:
            if not text.startswith(token, pos - len(token)) or pos - len(token) < lo:
                return None
            pos -= len(token)
        else:
            found = text.rfind(token, lo, pos)
            if found < 0:
                return None
            pos = found
    before_text = GAP.join(tokens).replace(GAP, "……")
    tokens_after = after.split(GAP)
    pos = end
    for i, token in enumerate(tokens_after):
        if not token:
            continue
        if i == 0:
            if not text.startswith(token, pos) or pos + len(token) > hi:
                return None
            pos += len(token)
        else:
            found = text.find(token, pos, hi)
            if found < 0:
                return None
            pos = found + len(token)
    after_text = GAP.join(tokens_after).replace(GAP, "……")
    return before_text + text[start:end] + after_text


def _applies(rule: RoleRule, org: Organization) -> bool:
    if not rule.organizations:
        return True
    return org.id in rule.organizations or f"kind:{org.kind}" in rule.organizations


def masked(text: str, mentions: list[Mention], keep: Mention) -> str:
    """``text`` with every mention but ``keep`` blanked out, same length."""
    chars = list(text)
    for m in mentions:
        if m != keep:
            chars[m.offset : m.offset + len(m.surface)] = MASK * len(m.surface)
    return "".join(chars)


def decide(
    rules: list[RoleRule], org: Organization, text: str, mention: Mention, others: Sequence[Mention] = ()
) -> RoleDecision | None:
    """The first rule that fits ``mention``; ``others`` are the item's other mentions, masked out."""
    text = masked(text, list(others), mention)
    for rule in rules:
        if not _applies(rule, org):
            continue
        evidence = match_pattern(rule.pattern, text, mention.offset, mention.offset + len(mention.surface))
        if evidence is not None:
            return RoleDecision(rule.role, evidence, f"role_rules.csv rule {rule.order}: {rule.pattern}")
    return None


def decide_roles(
    registry: Registry,
    units: dict[str, TextUnit],
    collaborations: dict[tuple[str, str], list[Mention]],
    notations: dict[str, str],
    unit_mentions: dict[str, list[Mention]],
) -> dict[tuple[str, str], RoleDecision]:
    """Role of each (item key, organization id); ``notations`` maps item keys to "55.6"."""
    orgs = {o.id: o for o in registry.organizations}
    overrides = {(o.intervention, o.organization): o for o in registry.role_overrides}
    used: set[tuple[str, str]] = set()
    decided: dict[tuple[str, str], RoleDecision] = {}
    problems: list[str] = []
    for (item_key, org_id), mentions in sorted(collaborations.items()):
        text = units[item_key].text
        number = notations[item_key]
        override = overrides.get((number, org_id))
        if override is not None:
            used.add((number, org_id))
            if override.evidence not in text:
                raise BuildError(
                    f"collaboration_roles.csv line {override.source_row}: evidence {override.evidence!r} "
                    f"is not in the text of key intervention {number}"
                )
            decided[(item_key, org_id)] = RoleDecision(
                override.role,
                override.evidence,
                f"collaboration_roles.csv line {override.source_row} (curated): {override.rationale}",
            )
            continue
        others = unit_mentions.get(item_key, [])
        decisions = [decide(registry.role_rules, orgs[org_id], text, m, others) for m in mentions]
        if any(d is None for d in decisions):
            problems.append(f"{number} {org_id}: no rule of role_rules.csv fits")
            continue
        roles = {d.role for d in decisions if d is not None}
        if len(roles) > 1:
            problems.append(f"{number} {org_id}: its mentions fit different roles ({', '.join(sorted(roles))})")
            continue
        first = decisions[0]
        assert first is not None
        decided[(item_key, org_id)] = first
    stale = sorted(set(overrides) - used)
    if stale:
        number, org_id = stale[0]
        problems.append(f"collaboration_roles.csv: {number} {org_id} is not a collaboration of the text")
    if problems:
        raise BuildError("Collaboration roles undecided (add a rule or an override): " + "; ".join(problems))
    return decided


__all__ = ["RoleDecision", "decide", "decide_roles", "match_pattern"]
