"""Candidate entities for arbitrary text: aliases, priors p(e|m) and entity records.

Built without any gold answer except the *training* split's gold links, which give
the counts behind p(e|m). Aliases come from every PPRforNED surface form (all
splits: a surface form and its candidate list carry no gold answer once the list is
re-sorted) and from every candidate's Wikipedia title; priors back off to Wikipedia
popularity (in-link counts, smoothed by Freebase popularity) where training has no
evidence.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from model.data.records import Candidate, Document

_PARENTHETICAL = re.compile(r"\s*\([^)]*\)$")
PRIOR_SMOOTHING = 1.0  # pseudo-count of the popularity share in p(e|m); held-out priors must invert the same one


def alias_key(surface: str) -> str:
    """Lookup key of a surface form: NFKC, case-folded, whitespace removed.

    Removing whitespace makes ``Moody 's`` and ``Moody's`` one alias.
    """
    return "".join(unicodedata.normalize("NFKC", surface).casefold().split())


def title_aliases(title: str) -> set[str]:
    """Surface forms implied by a title: ``Eu,_Seine-Maritime`` → itself, ``EU_(group)`` → ``EU``."""
    name = title.replace("_", " ")
    return {name, _PARENTHETICAL.sub("", name), name.split(",")[0]}


@dataclass
class KnowledgeBase:
    """Entities (title → record) and aliases (key → titles with prior, best first)."""

    entities: dict[str, Candidate]
    aliases: dict[str, list[tuple[str, float]]]

    def candidates(self, surface: str, limit: int | None = None) -> list[tuple[str, float]]:
        """Candidate titles with prior p(e|m) for `surface`, most probable first."""
        found = self.aliases.get(alias_key(surface), [])
        return found if limit is None else found[:limit]

    def in_links(self) -> dict[str, int]:
        """Each entity's Wikipedia in-link count (the open knowledge base's tie-break and signature)."""
        return {title: entity.in_count for title, entity in self.entities.items()}

    def to_state(self) -> dict:
        """Plain lists, so the knowledge base travels inside a checkpoint."""
        titles = sorted(self.entities)
        position = {t: i for i, t in enumerate(titles)}
        return {
            "titles": titles,
            "records": [[c.wiki_id, c.in_count, c.out_count, c.predicted_type] for c in (self.entities[t] for t in titles)],
            "aliases": {k: [[position[t], p] for t, p in v] for k, v in self.aliases.items()},
        }

    @classmethod
    def from_state(cls, state: dict) -> "KnowledgeBase":
        titles = state["titles"]
        entities = {t: Candidate(t, int(r[0]), int(r[1]), int(r[2]), str(r[3])) for t, r in zip(titles, state["records"])}
        aliases = {k: [(titles[int(i)], float(p)) for i, p in v] for k, v in state["aliases"].items()}
        return cls(entities, aliases)


def popularity_weight(candidate: Candidate, freebase: dict[str, float]) -> float:
    """Gold-free popularity of an entity: log in-links plus Freebase popularity."""
    return math.log1p(candidate.in_count) + freebase.get(candidate.title, 0.0) + 1.0


def gold_link_counts(documents: list[Document]) -> dict[str, Counter]:
    """How often each alias key is linked to each entity in `documents` (NIL mentions skipped)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc in documents:
        for mention in doc.mentions:
            if mention.entity is not None:
                counts[alias_key(mention.surface)][mention.entity] += 1
    return counts


def build_knowledge_base(
    splits: dict[str, list[Document]],
    freebase: dict[str, float],
    smoothing: float = PRIOR_SMOOTHING,
    max_candidates: int = 64,
) -> KnowledgeBase:
    """Aliases and priors; only ``splits["train"]`` contributes gold counts.

    p(e|m) = (count(m, e) + smoothing * pop(e|m)) / (count(m) + smoothing), where
    pop(e|m) is e's share of popularity among m's candidates.
    """
    entities: dict[str, Candidate] = {}
    alias_titles: dict[str, set[str]] = defaultdict(set)
    for docs in splits.values():
        for doc in docs:
            for mention in doc.mentions:
                for cand in mention.candidates:
                    entities.setdefault(cand.title, cand)
                    alias_titles[alias_key(mention.surface)].add(cand.title)
    for title in entities:
        for alias in title_aliases(title):
            if alias_key(alias):
                alias_titles[alias_key(alias)].add(title)

    gold_counts = gold_link_counts(splits.get("train", []))

    aliases: dict[str, list[tuple[str, float]]] = {}
    for key, titles in alias_titles.items():
        weights = {t: popularity_weight(entities[t], freebase) for t in titles}
        total_weight = sum(weights.values())
        counts = gold_counts.get(key, Counter())
        seen = sum(counts[t] for t in titles)
        scored = [
            (t, (counts[t] + smoothing * weights[t] / total_weight) / (seen + smoothing))
            for t in titles
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        aliases[key] = scored[:max_candidates]
    return KnowledgeBase(entities, aliases)


def held_out_knowledge_base(kb: KnowledgeBase, train_counts: dict[str, Counter], held_out: dict[str, Counter],
                            smoothing: float = PRIOR_SMOOTHING) -> KnowledgeBase:
    """`kb` with priors as if the `held_out` gold links had not been counted.

    `train_counts` are the counts `kb` was built from (``gold_link_counts`` of the
    training split) and `smoothing` its smoothing. Inverting the prior formula
    p = (c + s * pop) / (n + s) gives the prior without them, so no popularity table is
    needed. Aliases and entities are shared with `kb`, not copied.
    """
    aliases = dict(kb.aliases)
    for key, removed in held_out.items():
        if key not in aliases:
            continue
        listed = {t for t, _ in aliases[key]}  # a gold title missing from the list was not counted either
        seen = sum(n for t, n in train_counts[key].items() if t in listed)
        left = seen - sum(n for t, n in removed.items() if t in listed)
        scored = [(t, max(0.0, (p * (seen + smoothing) - removed[t]) / (left + smoothing))) for t, p in aliases[key]]
        scored.sort(key=lambda item: (-item[1], item[0]))
        aliases[key] = scored
    return KnowledgeBase(kb.entities, aliases)
