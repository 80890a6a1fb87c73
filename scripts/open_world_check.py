"""Does the service link post-1996 news? Mentions AIDA never saw, per knowledge base.

Fourteen fixed sets of sentences about people, companies and institutions AIDA (1996) never saw
(`scripts.bench.open_world_cases`), annotated with the real model, once per knowledge base: the
first (38 mentions, single sentences), the second (53 mentions: short documents where names
come back short and companies carry their legal form), "lone surnames" (35 mentions: a
person named by the surname alone), "acronyms" (39 mentions: institutions by their acronym)
"acronyms, held out" (35 mentions, not run while the acronym rules were designed), "surnames in
short sentences" (14 mentions: lone surnames whose sentence places the person), "surnames,
held out" (25 mentions, not run while a famous-bearer rule was designed), "legal forms" (19
mentions: companies named with their own country's legal form, "Telenor ASA", "Eni SpA"),
"headlines" (24 mentions in headlines written in title case), "institutions" (36 mentions:
"the Senate", "Parliament", "the Supreme Court" of the country a story is about), "wire" (59
mentions: business-wire sentences and news-feed headlines), "short ambiguous" (35 mentions:
short sentences naming people by the surname alone beside the clubs, companies and places that
place them), "institutions, held out" (19 mentions: "the Senate", "Congress", "the Justice
Department" in stories naming no country, and controls naming one) and "running text, held out"
(25 mentions: brands and institutions inside sentences, "Shares of Twitter", "the Bundestag"). The expected titles are the knowledge base's (2016) names: `Federal_Reserve_System`
and `Amazon.com`, renamed since, were put right after the first run of "wire".

    python -m scripts.open_world_check                  # open vs aida, a summary per set and over all
    python -m scripts.open_world_check --cases second   # one set (see CASE_SETS)
    python -m scripts.open_world_check --json           # one JSON object with every mention

A mention counts as right when the model finds exactly its span and links it to the expected
Wikipedia title (strong matching). Prints numbers; asserts nothing. The sentences were written
for this check, not chosen after seeing the model's answers (but for "surnames in short
sentences", probes of the tenth session kept as a design set); the expected titles are
Wikipedia's.
"""
from __future__ import annotations

import argparse
import json
import sys

from model.settings import KB_MODES
from scripts.bench.open_world_cases import CASE_SETS, Case


def check(kb: str, sets: list[str] | None = None) -> list[dict]:
    """The mentions of each case set in `sets` (default: all of `CASE_SETS`), annotated with `kb`."""
    from model.annotator import Annotator

    annotator = Annotator.load(kb=kb)
    return [_check_set(annotator, kb, name, CASE_SETS[name]) for name in (sets or list(CASE_SETS))]


def _check_set(annotator, kb: str, name: str, cases: list[Case]) -> dict:
    right, rows = 0, []
    for text, expected in cases:
        found = {(m.start, m.end): m for m in annotator.annotate(text)}
        cursor = 0  # the expected mentions are listed in the text's order; a name may come back
        for surface, title in expected:
            start = text.index(surface, cursor)
            cursor = start + len(surface)
            mention = found.get((start, start + len(surface)))
            got = mention.entity if mention else None
            right += got == title
            rows.append({"text": text, "surface": surface, "expected": title, "detected": mention is not None,
                         "linked": got, "right": got == title})
    total = sum(len(e) for _, e in cases)
    return {"kb": kb, "cases": name, "right": right, "mentions": total, "accuracy": round(100 * right / total, 1),
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", nargs="+", choices=KB_MODES, default=["open", "aida"])
    parser.add_argument("--cases", nargs="+", choices=list(CASE_SETS), default=list(CASE_SETS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = [result for kb in args.kb for result in check(kb, args.cases)]
    if args.json:
        print(json.dumps(results))
        return 0
    for result in results:
        print(f"kb={result['kb']}, {result['cases']} cases: {result['right']}/{result['mentions']} mentions linked right "
              f"({result['accuracy']}%)")
        for row in result["rows"]:
            mark = "ok " if row["right"] else "-- "
            got = row["linked"] if row["detected"] else "(span not detected)"
            print(f"  {mark}{row['surface']!r}: expected {row['expected']}, got {got}")
    for kb in args.kb:
        of_kb = [r for r in results if r["kb"] == kb]
        print(f"kb={kb}, all {len(of_kb)} sets: {sum(r['right'] for r in of_kb)}/{sum(r['mentions'] for r in of_kb)} "
              "mentions linked right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
