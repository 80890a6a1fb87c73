"""Where derived data goes: one cache per user, shared by every checkout."""
from __future__ import annotations

from pathlib import Path

import pytest

from model.kb.lookup import INDEX_FORMAT, index_path
from model.settings import CACHE_ENV, REPO_ROOT, cache_dir


def test_cache_defaults_to_the_users_cache_directory_not_the_checkout(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == (tmp_path / "xdg" / "nerel").resolve()
    assert REPO_ROOT not in cache_dir().parents


@pytest.mark.parametrize("given, expected", [("flag", "flag"), (None, "env")])
def test_cache_directory_is_moved_by_flag_then_variable(monkeypatch, tmp_path: Path, given, expected) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert cache_dir(None if given is None else tmp_path / given) == (tmp_path / expected).resolve()


def test_index_file_is_named_by_its_format_so_checkouts_at_other_formats_coexist(tmp_path: Path) -> None:
    assert index_path(tmp_path) == tmp_path / "open_kb" / f"open_kb-v{INDEX_FORMAT}.sqlite"
