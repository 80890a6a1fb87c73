"""Reader for the PPRforNED AIDA candidate dictionary (Pershina et al., 2015).

`AIDA_candidates/PART_*/N` holds AIDA document N: one ``ENTITY`` line per annotated
mention (in document order), each followed by its ``CANDIDATE`` lines. The file lists
the gold candidate first, so candidate order leaks the answer: `read_document` returns
candidates already re-sorted by `candidate_sort_key`, which looks only at fields that
do not depend on the gold annotation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from model.data.records import Candidate

WIKI_PREFIX = "http://en.wikipedia.org/wiki/"


@dataclass
class PprEntity:
    """One ENTITY line: the mention's surface form, gold title (None = NIL), candidates."""

    orig_text: str
    normalised_text: str
    entity: str | None
    candidates: list[Candidate] = field(default_factory=list)
    # Wikipedia ids this candidate's page links to, among the document's candidates.
    links: dict[int, list[int]] = field(default_factory=dict)


def url_to_title(url: str) -> str | None:
    """``http://en.wikipedia.org/wiki/Eu,_Seine-Maritime`` → ``Eu,_Seine-Maritime``; NIL → None."""
    if url == "NIL":
        return None
    if not url.startswith(WIKI_PREFIX):
        raise ValueError(f"not an English Wikipedia URL: {url!r}")
    return url[len(WIKI_PREFIX):]


def candidate_sort_key(candidate: Candidate) -> tuple[int, str, int]:
    """Gold-independent order: most in-links first, ties by title, then Wikipedia id.

    The key is total (no two candidates compare equal), so the sort never falls back
    on the file's order, which would put the gold first.
    """
    return (-candidate.in_count, candidate.title, candidate.wiki_id)


def _fields(parts: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if sep:
            out[key] = value
    return out


def read_document(path: Path) -> list[PprEntity]:
    """ENTITY records of one PPRforNED file, candidates in gold-independent order."""
    entities: list[PprEntity] = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            parts = line.rstrip("\n").split("\t")
            kind, values = parts[0], _fields(parts[1:])
            if kind == "ENTITY":
                entities.append(PprEntity(values["origText"], values["text"], url_to_title(values["url"])))
            elif kind == "CANDIDATE":
                if not entities:
                    raise ValueError(f"{path}:{line_no}: CANDIDATE before any ENTITY")
                cand = Candidate(
                    title=url_to_title(values["url"]) or "",
                    wiki_id=int(values["id"]),
                    in_count=int(values["inCount"]),
                    out_count=int(values["outCount"]),
                    predicted_type=values.get("predictedType", "UNK"),
                )
                entities[-1].candidates.append(cand)
                entities[-1].links[cand.wiki_id] = [int(x) for x in values.get("links", "").split(";") if x]
            elif line.strip():
                raise ValueError(f"{path}:{line_no}: unexpected line kind {kind!r}")
    for entity in entities:
        entity.candidates.sort(key=candidate_sort_key)
    return entities


def document_paths(ppr_dir: Path) -> dict[int, Path]:
    """AIDA document id → its candidate file, over all PART_* folders."""
    paths = {int(p.name): p for p in (ppr_dir / "AIDA_candidates").glob("PART_*/*") if p.name.isdigit()}
    if not paths:
        raise FileNotFoundError(f"no PPRforNED candidate files under {ppr_dir / 'AIDA_candidates'}/PART_*/N")
    return paths


def read_popularity(path: Path) -> dict[str, float]:
    """`Freebase_popularity`: title → popularity score."""
    scores: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            url, _, score = line.rstrip("\n").partition("\t")
            if url.startswith("url:"):
                title = url_to_title(url[4:])
                if title:
                    scores[title] = float(score)
    return scores
