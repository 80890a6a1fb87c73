"""Where derived data lives and how it is read back (documents, KB, vectors).

Everything here is rebuilt by ``python -m scripts.prepare_data`` from the raw data;
nothing is committed. The location defaults to ``data_cache/`` in the repository and
can be moved with ``$NEREL_CACHE_DIR`` or ``--cache-dir``.
"""
from __future__ import annotations

import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.data.aida import REPO_ROOT
from model.data.knowledge_base import KnowledgeBase
from model.data.records import Document

CACHE_ENV = "NEREL_CACHE_DIR"
CONTEXT_SCOPES = ("sentence", "document")


class CacheMissingError(FileNotFoundError):
    """A cache file is absent: prepare_data has not run (or ran elsewhere)."""


def resolve_cache_dir(cli_value: str | None = None) -> Path:
    raw = cli_value or os.environ.get(CACHE_ENV) or str(REPO_ROOT / "data_cache")
    return Path(raw).expanduser().resolve()


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

    def contextual_path(self, split: str, scope: str = "sentence") -> Path:
        """MiniLM vectors of a split, encoded sentence by sentence or with document context."""
        if scope not in CONTEXT_SCOPES:
            raise ValueError(f"contextual scope must be one of {CONTEXT_SCOPES}")
        return self.root / (f"contextual_{split}.npy" if scope == "sentence" else f"contextual_{scope}_{split}.npy")

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
        return self.contextual(split, documents, config.contextual_scope) if config.use_contextual else None

    def contextual(self, split: str, documents: list[Document], scope: str = "sentence") -> list[list[np.ndarray]]:
        """Per document, per sentence ``(tokens, 384)`` float16 arrays (memory-mapped)."""
        flat = np.load(self._require(self.contextual_path(split, scope)), mmap_mode="r")
        out, offset = [], 0
        for doc in documents:
            sentences = []
            for sentence in doc.sentences:
                sentences.append(flat[offset:offset + len(sentence)])
                offset += len(sentence)
            out.append(sentences)
        if offset != flat.shape[0]:
            raise CacheMissingError(f"{self.contextual_path(split, scope)} does not match the documents; rerun prepare_data")
        return out

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text()) if self.manifest_path.exists() else {}

    def write_manifest(self, manifest: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
