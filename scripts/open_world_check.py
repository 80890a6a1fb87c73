"""Does the service link post-1996 news? 38 mentions AIDA never saw, per knowledge base.

A fixed set of sentences about people, companies and institutions AIDA (1996) never saw,
annotated with the real model, once per knowledge base.

    python -m scripts.open_world_check            # open vs aida, a summary per knowledge base
    python -m scripts.open_world_check --json     # one JSON object with every mention

A mention counts as right when the model finds exactly its span and links it to the expected
Wikipedia title (strong matching). Prints numbers; asserts nothing. The sentences were written
for this check, not chosen after seeing the model's answers; the expected titles are
Wikipedia's.
"""
from __future__ import annotations

import argparse
import json
import sys

from model.settings import KB_MODES

# (text, [(surface, expected Wikipedia title)])
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Angela Merkel met the mayor of Paris.", [("Angela Merkel", "Angela_Merkel"), ("Paris", "Paris")]),
    ("Shares of Tesla fell on the NYSE after Elon Musk posted on Twitter.",
     [("Tesla", "Tesla,_Inc."), ("NYSE", "New_York_Stock_Exchange"), ("Elon Musk", "Elon_Musk"),
      ("Twitter", "Twitter")]),
    ("Tim Cook said Apple would build a new campus in Austin.",
     [("Tim Cook", "Tim_Cook"), ("Apple", "Apple_Inc."), ("Austin", "Austin,_Texas")]),
    ("Barack Obama spoke at the European Central Bank in Frankfurt.",
     [("Barack Obama", "Barack_Obama"), ("European Central Bank", "European_Central_Bank"),
      ("Frankfurt", "Frankfurt")]),
    ("Google and Facebook were fined by the European Commission.",
     [("Google", "Google"), ("Facebook", "Facebook"), ("European Commission", "European_Commission")]),
    ("Emmanuel Macron and Theresa May met in Brussels.",
     [("Emmanuel Macron", "Emmanuel_Macron"), ("Theresa May", "Theresa_May"), ("Brussels", "Brussels")]),
    ("Mark Zuckerberg testified before the United States Senate.",
     [("Mark Zuckerberg", "Mark_Zuckerberg"), ("United States Senate", "United_States_Senate")]),
    ("Jacinda Ardern thanked the people of New Zealand.",
     [("Jacinda Ardern", "Jacinda_Ardern"), ("New Zealand", "New_Zealand")]),
    ("The World Health Organization praised South Korea.",
     [("World Health Organization", "World_Health_Organization"), ("South Korea", "South_Korea")]),
    ("Netflix and Spotify reported record numbers of subscribers.", [("Netflix", "Netflix"), ("Spotify", "Spotify")]),
    ("Greta Thunberg spoke at the United Nations in New York.",
     [("Greta Thunberg", "Greta_Thunberg"), ("United Nations", "United_Nations"), ("New York", "New_York_City")]),
    ("Satya Nadella said Microsoft would buy LinkedIn.",
     [("Satya Nadella", "Satya_Nadella"), ("Microsoft", "Microsoft"), ("LinkedIn", "LinkedIn")]),
    ("Uber and Airbnb raised money from SoftBank.", [("Uber", "Uber"), ("Airbnb", "Airbnb"), ("SoftBank", "SoftBank_Group")]),
    ("Vladimir Putin met Xi Jinping in Beijing.",
     [("Vladimir Putin", "Vladimir_Putin"), ("Xi Jinping", "Xi_Jinping"), ("Beijing", "Beijing")]),
]


def check(kb: str) -> dict:
    from model.annotator import Annotator

    annotator = Annotator.load(kb=kb)
    right, rows = 0, []
    for text, expected in CASES:
        found = {(m.start, m.end): m for m in annotator.annotate(text)}
        for surface, title in expected:
            start = text.index(surface)
            mention = found.get((start, start + len(surface)))
            got = mention.entity if mention else None
            right += got == title
            rows.append({"text": text, "surface": surface, "expected": title, "detected": mention is not None,
                         "linked": got, "right": got == title})
    total = sum(len(e) for _, e in CASES)
    return {"kb": kb, "right": right, "mentions": total, "accuracy": round(100 * right / total, 1), "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", nargs="+", choices=KB_MODES, default=["open", "aida"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = [check(kb) for kb in args.kb]
    if args.json:
        print(json.dumps(results))
        return 0
    for result in results:
        print(f"kb={result['kb']}: {result['right']}/{result['mentions']} mentions linked right "
              f"({result['accuracy']}%)")
        for row in result["rows"]:
            mark = "ok " if row["right"] else "-- "
            got = row["linked"] if row["detected"] else "(span not detected)"
            print(f"  {mark}{row['surface']!r}: expected {row['expected']}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
