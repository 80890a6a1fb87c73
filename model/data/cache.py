"""Where derived data lives and how it is read back (documents, KB, vectors).

Everything here is rebuilt by ``python -m scripts.prepare_data`` from the raw data;
nothing is committed. The location defaults to the user's cache directory (``~/.cache/nerel``,
`model.settings.cache_dir`) and can be moved with ``$NEREL_CACHE_DIR`` or ``--cache-dir``.
"""
from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.data.knowledge_base import KnowledgeBase
from model.data.records import Document



class CacheMissingError(FileNotFoundError):
    """A cache file is absent: prepare_data has not run (or ran elsewhere)."""


@dataclass
class DataCache:
    """Paths of the derived artefacts and loaders for them."""

    root: Path

    @property
    def documents_path(self) -> Path:
        return self.root / "aida_documents.pkl"

    @property
    def kb_path(self) -> Path:
        return self.root / "knowledge_base.pkl"

    @property
    def entities_path(self) -> Path:
        return self.root / "entity_vectors.npz"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def contextual_path(self, split: str) -> Path:
        """MiniLM vectors of a split, each sentence encoded on its own."""
        return self.root / f"contextual_{split}.npy"

    def _require(self, path: Path) -> Path:
        if not path.exists():
            raise CacheMissingError(f"{path} is missing; build it with `python -m scripts.prepare_data`")
        return path

    def documents(self) -> dict[str, list[Document]]:
        with open(self._require(self.documents_path), "rb") as handle:
            return pickle.load(handle)

    def knowledge_base(self) -> KnowledgeBase:
        with open(self._require(self.kb_path), "rb") as handle:
            return KnowledgeBase.from_state(pickle.load(handle))

    def entity_vectors(self) -> tuple[list[str], np.ndarray]:
        data = np.load(self._require(self.entities_path), allow_pickle=False)
        return [str(t) for t in data["titles"]], data["vectors"]

    def features_for(self, config, split: str, documents: list[Document]) -> list[list[np.ndarray]] | None:
        """The contextual vectors a model config needs (None when it uses none)."""
        return self.contextual(split, documents) if config.use_contextual else None

    def contextual(self, split: str, documents: list[Document]) -> list[list[np.ndarray]]:
        """Per document, per sentence ``(tokens, 384)`` float16 arrays (memory-mapped)."""
        flat = np.load(self._require(self.contextual_path(split)), mmap_mode="r")
        out, offset = [], 0
        for doc in documents:
            sentences = []
            for sentence in doc.sentences:
                sentences.append(flat[offset:offset + len(sentence)])
                offset += len(sentence)
            out.append(sentences)
        if offset != flat.shape[0]:
            raise CacheMissingError(f"{self.contextual_path(split)} does not match the documents; rerun prepare_data")
        return out

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text()) if self.manifest_path.exists() else {}

    def write_manifest(self, manifest: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
