"""Names AIDA's training left NIL: where its annotation convention differs from the open world.

AIDA/CoNLL's annotators linked to YAGO's 2010 knowledge base and left a mention NIL when it
had no entity there, so some of the most common names of news are NIL in every training
mention ("Turkey", "EU", "US", "UK", "Interpol"). The NIL classifier learns that, and the
dictionary's priors for such a surface are popularity shares only, as for a surface training
never saw. This counts, over the training split, each surface's NIL and linked mentions and
whether one of its candidates is the page it spells (case and spaces aside) or abbreviates
(`model.kb.keys.abbreviates`): the cases behind `LayeredCandidates._trained_abbreviation` and
`CandidateSet.named_page`.

Usage: ``python -m scripts.research.aida_nil_names [--top 40]``.
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from model.data.aida import load_aida
from model.kb.keys import abbreviates, is_acronym_surface, title_key
from scripts.options import add_data_dir


def nil_names(documents) -> tuple[Counter, Counter, dict[str, set[str]]]:
    """(NIL mentions by surface, linked mentions by surface, candidate titles by surface)."""
    nil, linked, candidates = Counter(), Counter(), defaultdict(set)
    for document in documents:
        for mention in document.mentions:
            (nil if mention.entity is None else linked)[mention.surface] += 1
            candidates[mention.surface].update(c.title for c in mention.candidates)
    return nil, linked, candidates


def named_candidate(surface: str, titles: set[str]) -> str | None:
    """The candidate `surface` abbreviates (written as an acronym) or spells, if any."""
    if is_acronym_surface(surface):
        return next((t for t in sorted(titles) if abbreviates(surface, t)), None)
    key = title_key(surface.replace(" ", "_"))
    return next((t for t in sorted(titles) if title_key(t) == key), None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=40, help="surfaces to list, most often NIL first")
    add_data_dir(parser)
    args = parser.parse_args(argv)
    nil, linked, candidates = nil_names(load_aida(args.data_dir)["train"])
    print("NIL  linked  surface  (candidate it spells or abbreviates)")
    for surface, count in nil.most_common(args.top):
        print(f"{count:4d}  {linked[surface]:6d}  {surface}  ({named_candidate(surface, candidates[surface]) or '-'})")


if __name__ == "__main__":
    main()
