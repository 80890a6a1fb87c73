"""Measuring helpers the benchmarks share: AIDA's texts as GERBIL sends them, wall and CPU time."""
from __future__ import annotations

import time

from model.data.cache import DataCache
from nif.aida_text import rebuild_text


def gerbil_texts(cache: DataCache) -> dict[str, list[str]]:
    """Every split's documents as the text GERBIL sends."""
    return {
        split: [rebuild_text([t for sentence in doc.sentences for t in sentence])[0] for doc in docs]
        for split, docs in cache.documents().items()
    }


def timed(function, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the CPU time is the
    cost of the work itself, the wall time also what other processes took."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu
