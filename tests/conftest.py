"""Shared fixtures: the real raw data (read once per session) for the data-layer tests.

The raw data lives in ``../shared/data`` beside the repository (``$NEREL_DATA_DIR``
overrides). Tests that need it skip, with the reason, when it is absent; everything
else uses small fixtures written into ``tmp_path``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONLL_FILES = ("eng.train", "eng.testa", "eng.testb")


def _raw_data_dir() -> Path:
    return Path(os.environ.get("NEREL_DATA_DIR") or REPO_ROOT.parent / "shared" / "data").expanduser().resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real raw data directory; skips the test when it is missing or incomplete."""
    from model.data.aida import DataDirError, resolve_data_dir

    try:
        return resolve_data_dir(str(_raw_data_dir()))
    except DataDirError as error:
        pytest.skip(f"real raw data not available (set $NEREL_DATA_DIR or place it in ../shared/data): {error}")


@pytest.fixture(scope="session")
def conll_docs(data_dir: Path) -> dict:
    """``{"eng.train": [ConllDocument, ...], ...}`` read once per session."""
    from model.data.conll import read_conll

    return {name: read_conll(data_dir / "conll2003" / name) for name in CONLL_FILES}


@pytest.fixture(scope="session")
def aida(data_dir: Path):
    """``(splits, AlignmentReport)`` from `load_aida` on the real data, once per session."""
    from model.data.aida import AlignmentReport, load_aida

    report = AlignmentReport()
    splits = load_aida(data_dir, report)
    return splits, report


@pytest.fixture()
def hermetic_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server settings come from the test, not from the developer's shell (NEREL_* unset)."""
    from server.config import ENVIRONMENT

    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
