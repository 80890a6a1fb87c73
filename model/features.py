"""From documents to model inputs: vocabularies, casing, EL targets, sentence examples."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from model.candidate_set import CandidateSource
from model.candidates import CandidateLookup
from model.data.knowledge_base import KnowledgeBase, gold_link_counts, held_out_knowledge_base
from model.data.records import Document
from model.transitions import oracle

PAD, UNK = 0, 1
CASES: tuple[str, ...] = ("pad", "lower", "upper", "title", "mixed", "numeric", "punct", "other")


def casing(token: str) -> int:
    """Case class of a token: the GloVe and MiniLM vocabularies are lower-cased."""
    if token.isdigit() or token.replace(",", "").replace(".", "").replace("-", "").isdigit():
        return CASES.index("numeric")
    if not any(ch.isalnum() for ch in token):
        return CASES.index("punct")
    if token.islower():
        return CASES.index("lower")
    if token.isupper():
        return CASES.index("upper")
    if token[0].isupper() and (len(token) == 1 or token[1:].islower()):
        return CASES.index("title")
    if any(ch.isupper() for ch in token):
        return CASES.index("mixed")
    return CASES.index("other")


@dataclass
class CharVocabulary:
    """Characters seen in training; index 0 is padding, 1 unknown."""

    chars: list[str]

    def __post_init__(self) -> None:
        self.index = {c: i + 2 for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars) + 2

    def encode(self, token: str, max_len: int = 30) -> list[int]:
        return [self.index.get(c, UNK) for c in token[:max_len]] or [UNK]

    @classmethod
    def build(cls, documents: list[Document], min_count: int = 2) -> "CharVocabulary":
        counts = Counter(ch for doc in documents for token in doc.tokens for ch in token)
        return cls(sorted(c for c, n in counts.items() if n >= min_count))


@dataclass
class WordVocabulary:
    """Lower-cased training words whose GloVe vectors get a trainable offset; id 0 = other."""

    words: list[str]

    def __post_init__(self) -> None:
        self.index = {w: i + 1 for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words) + 1

    def id(self, token: str) -> int:
        return self.index.get(token.lower(), 0)

    @classmethod
    def build(cls, documents: list[Document], min_count: int = 2) -> "WordVocabulary":
        counts = Counter(token.lower() for doc in documents for token in doc.tokens)
        return cls(sorted(w for w, n in counts.items() if n >= min_count))


@dataclass
class MentionTarget:
    """A mention to link: candidates (entity-table rows), their priors and the answer."""

    start: int
    end: int
    candidates: list[int]  # entity-table rows; -1 for an entity outside the table (its vector in `vectors`)
    priors: list[float]
    gold: int = -1  # index into `candidates`, -1 when the answer is not among them
    nil: bool = False  # the gold answer is NIL (no entity in the knowledge base)
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # by candidate index, for the -1 rows


@dataclass
class SentenceExample:
    """One sentence with everything training and evaluation need."""

    tokens: list[str]
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    mentions: dict[tuple[int, int], MentionTarget] = field(default_factory=dict)
    contextual: np.ndarray | None = None
    doc_index: int = 0
    offset: int = 0  # document token index of the sentence's first token


class CrossFittedLookup:
    """Candidates for the training documents, with priors that leave out the document's own fold.

    The priors p(e|m) count the training split's gold links, so read back on a training
    document they include its own answers: a surface seen once in training gets prior
    >= 0.5 on its gold entity. A model trained on such priors learns to trust them more
    than they deserve on new text (prior top-1 accuracy on AIDA train's first tenth:
    95.0 with its own links counted, 91.9 without; validation 88.1, test 81.2). Folds are
    contiguous runs of documents: AIDA's documents follow the news days, so a story's
    repeats mostly fall in one fold, as they do not cross from training into test.
    """

    def __init__(self, kb: KnowledgeBase, entity_rows: dict[str, int], limit: int,
                 train_documents: list[Document], folds: int) -> None:
        """`train_documents` must be the whole split whose gold links built `kb`."""
        if folds < 1:
            raise ValueError(f"folds must be at least 1, got {folds}")
        counts = gold_link_counts(train_documents)
        self.fold_size = -(-len(train_documents) // folds)
        self.lookups = [
            CandidateLookup(held_out_knowledge_base(kb, counts, gold_link_counts(train_documents[i:i + self.fold_size])),
                            entity_rows, limit)
            for i in range(0, len(train_documents), self.fold_size)
        ]

    def for_document(self, index: int) -> CandidateLookup:
        return self.lookups[index // self.fold_size]


def mention_target(lookup: CandidateSource, tokens: list[str], start: int, end: int, entity: str | None,
                   ner_type: str | None = None) -> MentionTarget:
    """The EL target of gold span [start, end) typed `ner_type`: its candidates as serving finds them."""
    found = lookup(tokens[start:end], ner_type)
    gold = found.titles.index(entity) if entity in found.titles else -1
    return MentionTarget(start, end, found.rows, found.priors, gold, nil=entity is None, vectors=found.vectors)


def document_examples(
    documents: list[Document],
    lookup: CandidateSource,
    contextual: list[list[np.ndarray]] | None = None,
) -> list[SentenceExample]:
    """Sentence examples with oracle actions and, per gold NER span, its EL target.

    An NER span's answer is the gold link of the AIDA mention with the same tokens;
    NER spans with no AIDA mention (AIDA's NIL mentions that PPRforNED omits) are NIL.
    """
    examples = []
    for d, doc in enumerate(documents):
        links = {(m.start, m.end): m.entity for m in doc.mentions}
        for s, (sentence, offset) in enumerate(zip(doc.sentences, doc.sentence_starts)):
            spans = [(n.start - offset, n.end - offset, n.ner_type) for n in doc.ner_spans
                     if offset <= n.start < offset + len(sentence)]
            example = SentenceExample(sentence, spans, oracle(len(sentence), spans), doc_index=d, offset=offset,
                                      contextual=None if contextual is None else contextual[d][s])
            for start, end, ner_type in spans:
                entity = links.get((start + offset, end + offset))
                example.mentions[(start, end)] = mention_target(lookup.for_document(d), sentence, start, end, entity,
                                                                ner_type)
            examples.append(example)
    return examples
