"""Where derived data lives and how it is read back (documents, KB, vectors).

Everything here is rebuilt by ``python -m scripts.prepare_data`` from the raw data;
nothing is committed. The location defaults to ``data_cache/`` in the repository and
can be moved with ``$NEREL_CACHE_DIR`` or ``--cache-dir``.
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

    def subwords_dir(self, split: str, tuned_layers: int) -> Path:
        """MiniLM states below its top `tuned_layers` layers (`SubwordStates`), per split."""
        return self.root / f"subwords_top{tuned_layers}_{split}"

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

    def features_for(self, config, split: str, documents: list[Document]) -> list[list] | None:
        """The contextual input a model config needs: frozen word vectors, the sub-word states
        its tuned MiniLM layers start from, or None when it uses none."""
        if not config.use_contextual:
            return None
        if config.tuned_layers:
            return self.subword_states(split, documents, config.tuned_layers)
        return self.contextual(split, documents)

    def write_subword_states(self, split: str, tuned_layers: int, states: list) -> None:
        """Store a split's `SubwordStates` (one per sentence, in document order) as flat arrays."""
        directory = self.subwords_dir(split, tuned_layers)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            "word_index": np.concatenate([s.word_index for s in states]),
            "hidden": np.concatenate([s.hidden for s in states]),
            "fixed": np.concatenate([s.fixed for s in states]),
            "window_lengths": np.concatenate([s.window_lengths for s in states]),
            "windows": np.array([len(s.window_lengths) for s in states], dtype=np.int32),
            "words": np.array([s.num_words for s in states], dtype=np.int32),
        }
        for name, array in arrays.items():  # each file whole or absent: written aside, then renamed
            with open(directory / f"{name}.npy.tmp", "wb") as handle:
                np.save(handle, array)
            (directory / f"{name}.npy.tmp").replace(directory / f"{name}.npy")

    def subword_states(self, split: str, documents: list[Document], tuned_layers: int) -> list[list]:
        """Per document, per sentence `SubwordStates` (memory-mapped)."""
        from model.embeddings.contextual import SubwordStates

        directory = self.subwords_dir(split, tuned_layers)
        load = {name: np.load(self._require(directory / f"{name}.npy"), mmap_mode="r")
                for name in ("word_index", "hidden", "fixed", "window_lengths", "windows", "words")}
        sentence_lengths = [len(s) for doc in documents for s in doc.sentences]
        if list(load["words"]) != sentence_lengths:
            raise CacheMissingError(f"{directory} does not match the documents; rerun prepare_data")
        out, sentence, row, window = [], 0, 0, 0
        for doc in documents:
            sentences = []
            for _ in doc.sentences:
                lengths = np.asarray(load["window_lengths"][window:window + load["windows"][sentence]])
                end = row + int(lengths.sum())
                sentences.append(SubwordStates(load["word_index"][row:end], load["hidden"][row:end],
                                               load["fixed"][row:end], lengths, int(load["words"][sentence])))
                row, window, sentence = end, window + len(lengths), sentence + 1
            out.append(sentences)
        return out

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
