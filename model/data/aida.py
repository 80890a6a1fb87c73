"""AIDA/CoNLL rebuilt from CoNLL-2003 (tokens, NER) and PPRforNED (links, candidates).

Documents of eng.train, eng.testa, eng.testb in file order are AIDA ids 1..1393.
Each PPRforNED ENTITY is aligned, in order, to the next token span of its document
whose text equals the entity's ``origText`` once whitespace is removed (CoNLL writes
``Moody 's`` where PPRforNED writes ``Moody's``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.data.conll import ner_spans, read_conll
from model.data.pprforned import PprEntity, document_paths, read_document
from model.data.records import Document, LinkedMention
from model.settings import DATA_ENV, data_dir
SPLIT_FILES: dict[str, tuple[str, int]] = {
    # split -> (CoNLL file, first AIDA id)
    "train": ("eng.train", 1),
    "validation": ("eng.testa", 947),
    "test": ("eng.testb", 1163),
}
EXPECTED_FILES = ("conll2003/eng.train", "conll2003/eng.testa", "conll2003/eng.testb",
                  "pprforned/AIDA_candidates", "pprforned/Freebase_popularity")


class DataDirError(FileNotFoundError):
    """The raw data directory is missing or does not hold what is expected."""


def resolve_data_dir(cli_value: str | None = None) -> Path:
    """CLI flag, else $NEREL_DATA_DIR, else ``../shared/data`` beside the repository."""
    path = data_dir(cli_value)
    missing = [name for name in EXPECTED_FILES if not (path / name).exists()]
    if missing:
        raise DataDirError(
            f"data directory {path} is missing {', '.join(missing)}; expected the shared raw data "
            f"(CoNLL-2003 in conll2003/, PPRforNED in pprforned/). Point to it with --data-dir "
            f"or ${DATA_ENV}."
        )
    return path


@dataclass
class AlignmentReport:
    aligned: int = 0
    unaligned: int = 0


def _squash(text: str) -> str:
    return "".join(text.split())


def align_entities(
    tokens: list[str], entities: list[PprEntity], report: AlignmentReport | None = None
) -> list[LinkedMention]:
    """Document token spans of `entities`, each searched from where the previous one ended.

    Spans may cross sentence breaks (CoNLL splits ``Phil | Mickelson`` in a few places).
    An entity that cannot be aligned is counted in `report` and skipped; the cursor does
    not move, so later entities still align.
    """
    mentions: list[LinkedMention] = []
    cursor = 0
    for entity in entities:
        span = _find_span(tokens, _squash(entity.orig_text), cursor)
        if span is None:
            if report:
                report.unaligned += 1
            continue
        start, cursor = span
        mentions.append(LinkedMention(start, cursor, entity.orig_text, entity.entity, entity.candidates))
        if report:
            report.aligned += 1
    return mentions


def _find_span(tokens: list[str], target: str, cursor: int) -> tuple[int, int] | None:
    """First ``[start, end)`` at or after `cursor` whose tokens concatenate to `target`."""
    for start in range(cursor, len(tokens)):
        if not target.startswith(tokens[start]):
            continue
        joined, end = "", start
        while end < len(tokens) and len(joined) < len(target):
            joined += tokens[end]
            end += 1
        if joined == target:
            return start, end
    return None


def load_aida(data_dir: Path | str | None = None, report: AlignmentReport | None = None) -> dict[str, list[Document]]:
    """All three AIDA splits, keyed ``train`` / ``validation`` / ``test``."""
    root = resolve_data_dir(str(data_dir) if data_dir else None)
    ppr_paths = document_paths(root / "pprforned")
    splits: dict[str, list[Document]] = {}
    for split, (filename, first_id) in SPLIT_FILES.items():
        docs = []
        for offset, conll_doc in enumerate(read_conll(root / "conll2003" / filename)):
            doc_id = first_id + offset
            entities = read_document(ppr_paths[doc_id]) if doc_id in ppr_paths else []
            tokens = [tok for sentence in conll_doc.sentences for tok in sentence]
            mentions = align_entities(tokens, entities, report)
            docs.append(Document(doc_id, split, conll_doc.sentences, ner_spans(conll_doc), mentions))
        splits[split] = docs
    return splits
