"""Corpus files: finding and reading the inputs, and reading back what a run wrote.

The files half of ``python -m scripts.corpus`` (no Ray, no RDF: NIF inputs are read by the
script through `nif.gold`). Paths go through `pyarrow.fs`, so a local path and a URI pyarrow
opens (``s3://``, ``gs://``) read alike.

- `find_input`: a file, or a folder whose files are of one format (JSON Lines, ``.gz`` too;
  Parquet with ``id`` and ``text`` columns; ``.txt`` files, id = path under the folder; NIF).
- `input_ids`: every id in input order, for `IdRegistry` to check before any work: a missing or
  duplicate id is a `model.corpus.CorpusInputError`, since its row could not be found again.
- Readers that make a `CorpusDocument` of a line, a file or a Parquet batch: a text that cannot
  be annotated (none, not a string, empty, not UTF-8) still makes a document, with its
  `problem`, so that it becomes an ``error`` row.
- `OutputFolder`: the ids, statuses and models of the rows already written (resuming), with the
  files an interrupted run left half written moved aside.
"""
from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from model.corpus import CorpusDocument, CorpusInputError, Tally

INPUT_SUFFIXES = {"jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz"),
                  "parquet": (".parquet", ".pq"), "txt": (".txt",), "nif": (".ttl", ".nt", ".jsonld")}
OUTPUT_SUFFIXES = {"parquet": ".parquet", "jsonl": ".json"}  # what Ray's write_parquet / write_json name files
INCOMPLETE = "_incomplete"  # where half-written files of an interrupted run go (readers skip "_" names)
NifReader = Callable[[bytes, str], list[CorpusDocument]]  # (file content, path) -> documents


def document_id(value: Any, where: str) -> str:
    """An id as text: a string, or an integer written in decimal (``7`` and ``"7"`` are one id)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or value == "":
        raise CorpusInputError(f"{where}: the document has no id")
    raise CorpusInputError(f"{where}: id {value!r} is a {type(value).__name__}; ids are strings or integers")


def text_problem(text: Any) -> str | None:
    """Why `text` cannot be annotated, or None (a text of spaces is annotated: no mentions)."""
    if text is None:
        return "the document has no text"
    if not isinstance(text, str):
        return f"text is a {type(text).__name__}, not a string"
    if not text:
        return "text is empty"
    return None


def document(doc_id: str, text: Any) -> CorpusDocument:
    problem = text_problem(text)
    return CorpusDocument(doc_id, None if problem else text, problem)


def jsonl_document(line: bytes, where: str) -> CorpusDocument | None:
    """The document of one JSON Lines line (None for a blank line)."""
    try:
        text = line.decode("utf-8-sig" if line.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as error:
        raise CorpusInputError(f"{where}: not UTF-8 (byte {error.start})") from None
    if not text.strip():
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise CorpusInputError(f"{where}: not JSON ({error})") from None
    if not isinstance(record, dict):
        raise CorpusInputError(f"{where}: a JSON {type(record).__name__}, not an object with id and text")
    return document(document_id(record.get("id"), where), record.get("text"))


def byte_lines(read: Callable[[int], bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a byte stream, split at ``\n`` only: JSON strings may hold a raw U+2028
    or U+0085, which `str.splitlines` would take for line ends."""
    rest = b""
    while chunk := read(size):
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def jsonl_documents(read: Callable[[int], bytes], where: str) -> Iterator[tuple[int, CorpusDocument]]:
    """(line number, document) of a JSON Lines stream (`read` as a binary file's), in order."""
    for number, line in enumerate(byte_lines(read), start=1):
        found = jsonl_document(line, f"{where} line {number}")
        if found is not None:
            yield number, found


def file_document(doc_id: str, content: bytes) -> CorpusDocument:
    """A ``.txt`` file's document: UTF-8 (a byte-order mark is dropped), else an error row."""
    try:
        return document(doc_id, content.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return CorpusDocument(doc_id, None, f"not UTF-8: byte {error.start} ({error.reason})")


def table_documents(table: pa.Table, where: str = "parquet") -> list[CorpusDocument]:
    """The documents of a table with ``id`` and ``text`` columns (a Parquet batch)."""
    for column in ("id", "text"):
        if column not in table.column_names:
            raise CorpusInputError(f"{where}: no {column!r} column (columns: {', '.join(table.column_names)})")
    return [document(document_id(i, where), t)
            for i, t in zip(table.column("id").to_pylist(), table.column("text").to_pylist())]


def file_documents(kind: str, f: Any, path: str, root: str) -> Iterator[CorpusDocument]:
    """The documents of one input file of format `kind` (not NIF), opened as `f`: a binary
    stream, random access for Parquet; ``.txt`` ids are relative to `root`."""
    if kind == "jsonl":
        for _, d in jsonl_documents(f.read, path):
            yield d
    elif kind == "parquet":
        for batch in pq.ParquetFile(f).iter_batches(columns=["id", "text"], batch_size=1000):
            yield from table_documents(pa.Table.from_batches([batch]), path)
    elif kind == "txt":
        yield file_document(relative(path, root), f.read())
    else:
        raise ValueError(f"no plain reader for {kind!r} files")


class IdRegistry:
    """Every id once: a duplicate names both places (the second one found, and the first)."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}
        self.order: list[str] = []

    def add(self, doc_id: str, where: str) -> None:
        if doc_id in self.first:
            raise CorpusInputError(f"duplicate id {doc_id!r}: {where}, and {self.first[doc_id]} before")
        self.first[doc_id] = where
        self.order.append(doc_id)


# ---- finding the input -------------------------------------------------------------------------

def hidden(relative_path: str) -> bool:
    return any(part.startswith((".", "_")) for part in PurePosixPath(relative_path).parts)


def relative(path: str, root: str) -> str:
    return PurePosixPath(path).relative_to(root).as_posix()


def input_format(path: str) -> str | None:
    name = path.lower()
    return next((kind for kind, suffixes in INPUT_SUFFIXES.items() if name.endswith(suffixes)), None)


def filesystem_and_path(location: str) -> tuple[pafs.FileSystem, str]:
    """A local path or a URI pyarrow opens, as (filesystem, path)."""
    if "://" in location:
        return pafs.FileSystem.from_uri(location)
    return pafs.LocalFileSystem(), Path(location).expanduser().resolve().as_posix()


@dataclass(frozen=True)
class Source:
    """The input: its format, its files (sorted) and the folder the ids of ``.txt`` files are relative to."""

    format: str
    files: tuple[str, ...]
    root: str
    filesystem: pafs.FileSystem


def find_input(location: str, forced: str | None = None) -> Source:
    """A file, or a folder whose visible files are all of one format (`forced`: read every one so)."""
    fs, path = filesystem_and_path(location)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        raise CorpusInputError(f"{location}: no such file or folder")
    if info.type == pafs.FileType.File:
        kind = forced or input_format(path)
        if kind is None:
            raise CorpusInputError(f"{location}: unknown format; name it .jsonl(.gz), .parquet, .txt or .ttl, "
                                   "or pass --input-format")
        return Source(kind, (path,), str(PurePosixPath(path).parent), fs)
    files = sorted(i.path for i in fs.get_file_info(pafs.FileSelector(path, recursive=True))
                   if i.type == pafs.FileType.File and not hidden(relative(i.path, path)))
    if not forced:
        kinds = {input_format(f) for f in files} - {None}
        if len(kinds) != 1:
            raise CorpusInputError(f"{location}: a folder of one input format is needed (found: "
                                   f"{', '.join(sorted(kinds)) or 'none'}); --input-format reads every file as one")
        forced = kinds.pop()
        files = [f for f in files if input_format(f) == forced]
    if not files:
        raise CorpusInputError(f"{location}: no input files")
    return Source(forced, tuple(files), path, fs)


def input_ids(source: Source, read_nif: NifReader) -> Iterator[tuple[str, str, CorpusDocument | None]]:
    """(id, where it is, the document itself for NIF, which is parsed whole anyway) in input order."""
    fs = source.filesystem
    for path in source.files:
        if source.format == "jsonl":
            with fs.open_input_stream(path, compression="detect") as stream:
                for number, d in jsonl_documents(stream.read, path):
                    yield d.id, f"{path} line {number}", None
        elif source.format == "parquet":
            parquet = pq.ParquetFile(fs.open_input_file(path))
            table_documents(parquet.schema_arrow.empty_table(), path)  # has both columns
            row = 0
            for batch in parquet.iter_batches(columns=["id"]):
                for value in batch.column(0).to_pylist():
                    row += 1
                    yield document_id(value, f"{path} row {row}"), f"{path} row {row}", None
        elif source.format == "txt":
            yield relative(path, source.root), path, None
        else:
            for d in read_nif(fs.open_input_stream(path).readall(), path):
                yield d.id, path, d


def scan_input(source: Source, read_nif: NifReader, limit: int | None = None
               ) -> tuple[list[str], dict[str, CorpusDocument], bool]:
    """Every id in input order, checked (`CorpusInputError` on a missing or duplicate one), the
    NIF documents by id, and whether the whole input was read (`limit` stops early)."""
    registry, nif = IdRegistry(), {}
    for doc_id, where, d in input_ids(source, read_nif):
        if limit is not None and len(registry.order) >= limit:
            return registry.order, nif, False
        registry.add(doc_id, where)
        if d is not None:
            nif[doc_id] = d
    return registry.order, nif, True


# ---- the output folder -------------------------------------------------------------------------

@dataclass
class OutputFolder:
    """OUTPUT as `scripts.corpus` writes it; `read` takes in the files it has not read yet, so a
    run can look again after each pass at little cost."""

    filesystem: pafs.FileSystem
    path: str
    format: str
    ids: Counter = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)
    models: set = field(default_factory=set)  # (checkpoint, kb) pairs of the rows
    read_files: set = field(default_factory=set)
    incomplete: list = field(default_factory=list)

    def read(self) -> None:
        fs, suffix = self.filesystem, OUTPUT_SUFFIXES[self.format]
        fs.create_dir(self.path, recursive=True)
        for info in fs.get_file_info(pafs.FileSelector(self.path)):
            name = PurePosixPath(info.path).name
            if hidden(name) or info.path in self.read_files:
                continue
            if info.type != pafs.FileType.File or not name.endswith(suffix):
                other = next((k for k, s in OUTPUT_SUFFIXES.items() if name.endswith(s)), None)
                hint = f"resume with --format {other}" if other else "choose a new or empty folder"
                raise CorpusInputError(f"{self.path} holds {name}, which this run would not write; {hint}")
            rows = self.rows(info.path)
            if rows is None:  # half written when a run was stopped: its documents are annotated again
                fs.create_dir(f"{self.path}/{INCOMPLETE}", recursive=True)
                fs.move(info.path, f"{self.path}/{INCOMPLETE}/{name}")
                self.incomplete.append(name)
                continue
            self.read_files.add(info.path)
            for doc_id, status, count, model in rows:
                self.ids[doc_id] += 1
                self.tally = self.tally + Tally(1, count, int(status == "error"))
                self.models.add(model)

    def check(self, checkpoint: str, kb: str | None, ids: list[str] | None) -> None:
        """Resuming must not mix models or corpora: refuse rows of another model, and (given the
        input's `ids`) documents that are not in the input."""
        others = self.models - {(checkpoint, kb)}
        if others:
            other_checkpoint, other_kb = sorted(others, key=str)[0]
            raise CorpusInputError(f"{self.path} holds rows of another model (checkpoint {other_checkpoint}, kb "
                                   f"{other_kb}); this run uses {checkpoint}, kb {kb}: choose another --output")
        foreign = set(self.ids) - set(ids) if ids is not None else set()
        if foreign:
            raise CorpusInputError(f"{self.path} holds {len(foreign):,} documents that are not in the input (such as "
                                   f"{min(foreign)!r}): the output of another corpus? choose another --output")

    def rows(self, path: str) -> list[tuple[str, str, int, tuple[str, str | None]]] | None:
        """(id, status, mentions, (checkpoint, kb)) of each row of a file; None if it is incomplete."""
        fs = self.filesystem
        if self.format == "parquet":
            try:
                parquet = pq.ParquetFile(fs.open_input_file(path))
            except (pa.ArrowInvalid, OSError):  # no footer yet
                return None
            try:
                table = parquet.read(columns=["id", "status", "mentions", "checkpoint", "kb"])
            except (pa.ArrowInvalid, KeyError) as error:
                raise CorpusInputError(f"{path} is not an output of this command ({error})") from None
            counts = pc.list_value_length(table.column("mentions")).fill_null(0).to_pylist()
            columns = [table.column(c).to_pylist() for c in ("id", "status", "checkpoint", "kb")]
            return [(i, s, n, (c, k)) for i, s, n, c, k in zip(columns[0], columns[1], counts, columns[2], columns[3])]
        with fs.open_input_stream(path) as stream:
            data = stream.readall()
        if data and not data.endswith(b"\n"):
            return None
        rows = []
        for line in byte_lines(io.BytesIO(data).read):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    return None
                if not isinstance(row, dict) or "id" not in row or "status" not in row:
                    raise CorpusInputError(f"{path} is not an output of this command")
                rows.append((row["id"], row["status"], len(row.get("mentions") or []), (row.get("checkpoint"), row.get("kb"))))
        return rows
