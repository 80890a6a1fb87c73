"""A run directory's ``log.jsonl`` (one JSON line per epoch), read by the trainer when it
resumes and by the benchmark when it decides what a run still needs. Torch-free."""
from __future__ import annotations

import json
from pathlib import Path


def read_run_log(run_dir: Path) -> list[dict]:
    """The epoch records of ``run_dir/log.jsonl`` in order; a line cut by a crash is skipped."""
    path = run_dir / "log.jsonl"
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "epoch" in record:
            records.append(record)
    return records


def best_scored_before_calibration(records: list[dict], objective: str, use_coherence: bool) -> bool:
    """True for a linking run whose best epoch was scored before the trainer calibrated
    coherence and the NIL threshold (its record has no coherence_weight), or has no best
    epoch on record: that score is below what the same weights get calibrated."""
    if objective == "ner" or not use_coherence:
        return False
    best = [r for r in records if r.get("best")]
    return not best or "coherence_weight" not in best[-1].get("validation", {})
