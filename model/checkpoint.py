"""Saving and loading a trained system: weights, vocabularies, knowledge base, entities.

A shipped checkpoint is self-contained: besides the weights (fp16, no optimizer) it
carries the character vocabulary, the entity titles and vectors, and the alias table
with priors, so serving needs only the repository and the pip packages (GloVe is read
from its package). A training checkpoint (`resume=True`) adds the optimizer state.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from model.coherence import CoherenceReranker
from model.config import ModelConfig
from model.data.knowledge_base import KnowledgeBase
from model.embeddings.glove import GloveVectors
from model.features import CandidateLookup, CharVocabulary, WordVocabulary
from model.joint_model import JointNerElModel

_GLOVE: GloveVectors | None = None


def glove_vectors() -> GloveVectors:
    """GloVe loaded once per process."""
    global _GLOVE
    if _GLOVE is None:
        _GLOVE = GloveVectors.load()
    return _GLOVE


@dataclass
class TrainedSystem:
    """A model and the lookup tables it was trained with."""

    model: JointNerElModel
    kb: KnowledgeBase
    titles: list[str]
    chars: CharVocabulary
    meta: dict
    words: WordVocabulary | None = None
    _coherence: CoherenceReranker | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(cls, config: ModelConfig, kb: KnowledgeBase, titles: list[str], vectors: np.ndarray,
               chars: CharVocabulary, meta: dict | None = None, words: WordVocabulary | None = None) -> "TrainedSystem":
        glove = glove_vectors()
        model = JointNerElModel(config, glove.matrix, glove.index, chars, vectors, words)
        return cls(model, kb, titles, chars, meta or {}, words)

    def coherence(self) -> CoherenceReranker:
        """The document-coherence re-ranker over this system's entity table (built once)."""
        if self._coherence is None:
            self._coherence = CoherenceReranker.from_entity_vectors(
                self.model.entity_vectors.numpy(), self.titles)
        return self._coherence

    def link_document(self, decisions: list) -> None:
        """Document-level linking of one document's mentions (LinkDecisions) with the
        coherence weight and NIL threshold of the config; nothing when coherence is off."""
        config = self.model.config
        if config.use_coherence and config.coherence_weight > 0:
            self.coherence().rerank(decisions, config.coherence_weight, config.nil_threshold)

    def candidate_lookup(self) -> CandidateLookup:
        rows = {t: i for i, t in enumerate(self.titles)}
        return CandidateLookup(self.kb, rows, self.model.config.max_candidates)

    def save(self, path: Path, half: bool = True, extra: dict | None = None) -> None:
        """Write the system; `half` stores floating weights as fp16 (shipping)."""
        state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in self.model.state_dict().items()}
        payload = {
            "format": 1,
            "config": self.model.config.to_dict(),
            "state_dict": state,
            "chars": self.chars.chars,
            "words": self.words.words if self.words else None,
            "titles": self.titles,
            "kb": self.kb.to_state(),
            "meta": self.meta,
        }
        payload.update(extra or {})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(payload, tmp)
        tmp.replace(path)  # atomic: an interrupted save never leaves a broken checkpoint

    def export(self, path: Path) -> None:
        """Write the shipping form (fp16, no optimizer) and its meta beside it as .json."""
        self.save(path, half=True)
        path.with_suffix(".json").write_text(json.dumps(self.meta, indent=2))

    @classmethod
    def load(cls, path: Path) -> tuple["TrainedSystem", dict]:
        """The system and the raw payload (for optimizer state and other extras)."""
        payload = torch.load(path, map_location="cpu", weights_only=False)
        config = ModelConfig.from_dict(payload["config"])
        state = {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
        vectors = state["entity_vectors"].numpy()
        system = cls.create(config, KnowledgeBase.from_state(payload["kb"]), list(payload["titles"]),
                            vectors, CharVocabulary(list(payload["chars"])), payload.get("meta", {}),
                            WordVocabulary(list(payload["words"])) if payload.get("words") else None)
        system.model.load_state_dict(state)
        system.model.eval()
        return system, payload
