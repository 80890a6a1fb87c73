"""Where the open knowledge base and AIDA's dictionary answer differently on AIDA validation.

Annotates AIDA validation as GERBIL sends it (A2KB) twice, with ``--kb aida`` and ``--kb open``,
and puts every span where the two answers differ in one class, by what AIDA's gold says there:

- ``open right``: the open KB's answer is the gold entity, the dictionary's is not;
- ``aida right``: the other way round;
- ``open links a NIL span``: the gold calls the span NIL, the open KB links it;
- ``open links an unannotated span``: no gold mention has the span, the open KB links it;
- ``aida links a NIL or unannotated span``: the dictionary links it, the open KB does not;
- ``both wrong``: anything else.

The two middle classes are AIDA's convention rather than errors in the world ("UK", "Turkey",
athletes in results lists): the numbers behind issue 27's structural gap. Test is never used.

Usage: ``python -m scripts.research.kb_difference [--examples 20]``.
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from model.annotator import Annotator
from scripts.bench.nif_scoring import aida_documents, decode_in_process
from scripts.options import add_data_dir

Key = tuple[str, int, int]  # document URI, begin, end


def answers(kb: str, documents) -> dict[Key, tuple[str, str | None]]:
    """(surface, entity) of every mention the service finds with `kb`, by span."""
    annotator = Annotator.load(kb=kb)
    decoded = decode_in_process(annotator, documents, "a2kb")
    return {(document.uri, m.start, m.end): (m.surface, m.entity)
            for document, found in zip(documents, decoded) for m in annotator.decide(found)}


def difference_class(aida: str | None, open_: str | None, gold: str | None, annotated: bool) -> str:
    """The class of a span where the two answers (`aida`, `open_`: entity or None) differ."""
    if open_ is not None and open_ == gold:
        return "open right"
    if aida is not None and aida == gold:
        return "aida right"
    if open_ is not None and annotated and gold is None:
        return "open links a NIL span"
    if open_ is not None and not annotated:
        return "open links an unannotated span"
    if open_ is None and gold is None:
        return "aida links a NIL or unannotated span"
    return "both wrong"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10, help="examples printed per class")
    add_data_dir(parser)
    args = parser.parse_args(argv)
    documents = aida_documents("validation", args.data_dir)
    gold = {(d.uri, g.begin, g.end): g.title for d in documents for g in d.mentions}
    by_kb = {kb: answers(kb, documents) for kb in ("aida", "open")}
    counts: Counter = Counter()
    examples = defaultdict(list)
    for key in sorted(set(by_kb["aida"]) | set(by_kb["open"])):
        surface, aida = by_kb["aida"].get(key, (None, None))
        surface_open, open_ = by_kb["open"].get(key, (None, None))
        if aida == open_:
            continue
        kind = difference_class(aida, open_, gold.get(key), key in gold)
        counts[kind] += 1
        examples[kind].append(f"{surface or surface_open!r}: aida {aida}, open {open_}, gold {gold.get(key, '-')}")
    print("| class | spans |\n| --- | ---: |")
    for kind, count in counts.most_common():
        print(f"| {kind} | {count} |")
    for kind in counts:
        print(f"\n{kind}:")
        for line in examples[kind][:args.examples]:
            print("  " + line)


if __name__ == "__main__":
    main()
