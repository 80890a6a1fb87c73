"""A run directory's ``log.jsonl`` (one JSON line per epoch), read by the benchmark when it
decides what a run still needs and by `scripts.average_epochs`. Torch-free."""
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

