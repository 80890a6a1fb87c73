"""How far an open-knowledge-base index build has got, readable by any process.

The build runs for minutes on a first start. The process building writes its current step
to a small JSON file beside the index (`progress_path`) and logs it at INFO; a server
still loading reads it (`read_progress`, `describe`) to tell ``/health`` callers what it is
waiting for, including a server process that waits while another one builds.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
# Measured on this 2-core machine (docs/knowledge_base.md): what a first start should expect.
EXPECTED_BUILD = "a build takes about 3 minutes on 2 cores and 4 GB of memory, once per user"
LOG_EVERY = 0.1  # counted steps are logged at each tenth


def progress_path(index: Path) -> Path:
    """The progress file of the index at `index`."""
    return index.with_name(index.name + ".progress")


@dataclass
class BuildProgress:
    """The builder's side: `update` records a step (and its count so far) in the progress
    file and the log; `close` removes the file when the build is over."""

    path: Path
    started: float = field(default_factory=time.time)
    _written: tuple[str, int] = ("", -2)
    _logged: tuple[str, int] = ("", -1)

    def update(self, step: str, done: int | None = None, total: int | None = None) -> None:
        """Record a step; counted steps are written at each hundredth and logged at each tenth
        (a build counts ~4,000 files: one write per file would be most of the updates' cost)."""
        record = {"step": step, "done": done, "total": total, "started": self.started, "pid": os.getpid()}
        hundredth = -1 if not total else int(100 * (done or 0) / total)
        if (step, hundredth) != self._written or done == total:
            self._written = (step, hundredth)
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            # The first step comes before the index's directory exists on a fresh cache.
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(record))
            tmp.replace(self.path)  # readers never see half a record
        tenth = -1 if not total else int((done or 0) / total / LOG_EVERY)
        if (step, tenth) != self._logged:
            self._logged = (step, tenth)
            log.info("open knowledge base index: %s", describe(record, with_expectation=False))

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


def read_progress(index: Path) -> dict | None:
    """The build progress of the index at `index`, if a live process is building it."""
    try:
        record = json.loads(progress_path(index).read_text())
        os.kill(int(record["pid"]), 0)  # signal 0: is the builder still alive?
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


def describe(record: dict, with_expectation: bool = True) -> str:
    """One line for people: the step, its count, the time so far (and what to expect)."""
    text = record["step"]
    if record.get("total"):
        text += f": {record.get('done') or 0:,} of {record['total']:,}"
    text += f", {time.time() - record['started']:.0f} s so far"
    return f"{text} ({EXPECTED_BUILD})" if with_expectation else text
