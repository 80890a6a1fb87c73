"""The README's Python API section, run as written from another directory."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from model.settings import CACHE_ENV, KB_ENV, REPO_ROOT


def readme_python_example() -> str:
    section = (REPO_ROOT / "README.md").read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the README's Python API section has one Python example"
    return blocks[0]


def test_readme_example_runs_from_any_directory(tmp_path: Path, encoder_cache_dir: Path) -> None:
    # The paper's dictionary (kb=aida): the same API without building the open knowledge base.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), KB_ENV: "aida", CACHE_ENV: str(encoder_cache_dir)}
    done = subprocess.run([sys.executable, "-c", readme_python_example()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "30 35 Paris LOC Paris" in [" ".join(line.split()[:5]) for line in lines]  # A2KB, exact offsets
    assert lines[-1].startswith("[Mention(start=30, end=35, surface='Paris', ner_type='LOC', entity='Paris'")

