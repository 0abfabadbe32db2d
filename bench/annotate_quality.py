"""Precision and recall of ``plankg annotate`` on passages it was not tuned on (tests/fixtures/annotate_gold.json).

    python -m bench.annotate_quality            # prints the table
    python -m bench.annotate_quality --write    # also writes bench/results/annotate.md

A prediction counts as correct when its (kind, id, surface) is in the passage's gold list
(as a multiset: two mentions of UNDP need two gold rows). Also times annotate on the largest
text the setting allows (a worst case made of one repeated form prefix).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from plankg.annotate import Annotator
from plankg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "annotate_gold.json"
OUT = ROOT / "bench" / "results" / "annotate.md"


def score(annotator: Annotator, passages: list[dict]) -> dict[str, dict[str, float]]:
    totals: dict[str, Counter[str]] = {"all": Counter(), "en": Counter(), "zh": Counter(), "entity": Counter()}
    misses: list[str] = []
    for p in passages:
        lang = "zh" if any("\u4e00" <= c <= "\u9fff" for c in p["text"]) else "en"
        gold = Counter(tuple(g) for g in p["gold"])
        got = Counter((a.surface, a.kind, a.entity) for a in annotator.annotate(p["text"]))
        hit = sum((gold & got).values())
        for bucket in ("all", lang):
            totals[bucket].update({"tp": hit, "pred": sum(got.values()), "gold": sum(gold.values())})
        # entity level: the right entity named, whatever span the two chose for it
        gold_e = Counter((k, i) for _, k, i in gold.elements())
        got_e = Counter((k, i) for _, k, i in got.elements())
        totals["entity"].update({"tp": sum((gold_e & got_e).values()), "pred": sum(got_e.values()), "gold": sum(gold_e.values())})
        misses += [f"missed {g} in: {p['text'][:40]}…" for g in (gold - got).elements()]
        misses += [f"extra {g} in: {p['text'][:40]}…" for g in (got - gold).elements()]
    out: dict[str, dict[str, float]] = {}
    for bucket, c in totals.items():
        out[bucket] = {
            "passages": sum(1 for p in passages if bucket in ("all", "entity") or (("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in p["text"]) else "en") == bucket)),
            "gold": c["gold"], "predicted": c["pred"], "correct": c["tp"],
            "precision": c["tp"] / c["pred"] if c["pred"] else 0.0,
            "recall": c["tp"] / c["gold"] if c["gold"] else 0.0,
        }
    out["_misses"] = misses  # type: ignore[assignment]
    return out


def worst_case_seconds(annotator: Annotator) -> float:
    text = ("联合国人权事务高级专员" * (annotator.max_chars // 11 + 1))[: annotator.max_chars]
    start = time.perf_counter()
    annotator.annotate(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    annotator = Annotator.from_settings(settings)
    passages = json.loads(GOLD.read_text(encoding="utf-8"))["passages"]
    result = score(annotator, passages)
    misses = result.pop("_misses")
    lines = [
        "# annotate: precision and recall on passages it was not tuned on",
        "",
        f"Gold: `tests/fixtures/annotate_gold.json` ({len(passages)} passages: English and Chinese, written from UN Women",
        "public texts, not from the plan; gold = every mention of an entity the registry holds). Produced by",
        "`python -m bench.annotate_quality --write`.",
        "",
        "| passages | language | gold | predicted | correct | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for bucket in ("en", "zh", "all", "entity"):
        r = result[bucket]
        lines.append(
            f"| {int(r['passages'])} | {bucket} | {int(r['gold'])} | {int(r['predicted'])} | {int(r['correct'])} "
            f"| {r['precision']:.3f} | {r['recall']:.3f} |"
        )
    lines += [
        "",
        "Rows en, zh, all: correct = same entity and same surface. Row entity: the same entity named, whatever",
        "span each chose (「联合国难民事务高级专员」 for 「联合国难民事务高级专员办事处」 counts there).",
    ]
    lines += ["", "Errors (surface level):", ""] + [f"- {m}" for m in misses] + [""]
    seconds = worst_case_seconds(annotator)
    lines += [
        f"Worst case: a text of {annotator.max_chars} characters (the default `PLANKG_ANNOTATE_MAX_CHARS`) made of one",
        f"repeated 11-character registry form: {seconds:.3f} s on this machine (2 shared cores).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
