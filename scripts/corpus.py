"""Annotate a whole corpus on Ray Data: one row per document, resumable, on this machine or a Ray cluster.

    python -m scripts.corpus news.jsonl.gz --output news_mentions            # Parquet, one actor per core
    python -m scripts.corpus texts/ --output mentions --format jsonl         # a folder of .txt files
    python -m scripts.corpus aida.ttl --output mentions --limit 100          # NIF: one row per nif:Context
    python -m scripts.corpus corpus.parquet --output mentions --address auto # join a running Ray cluster

INPUT: JSON Lines (one ``{"id": ..., "text": ...}`` per line, ``.gz`` too), Parquet with ``id`` and
``text`` columns, ``.txt`` files (id: the path under INPUT), NIF (``.ttl``, ``.nt``, ``.jsonld``; id:
the nif:Context URI), or a folder of one of these. Every id is checked first: a missing or
duplicate id stops the run before any work. OUTPUT: a folder of Parquet (default) or JSON Lines
files with one row per document, `model.corpus.OUTPUT_SCHEMA`. Run the same command again after
an interruption and it resumes: documents already in OUTPUT are not annotated again.

Ray Data runs it: read → ``map_batches`` on ``--workers`` actors, each loading the annotator once
(`model.corpus.AnnotateBatch`, one torch thread) → write. Without ``--address`` Ray starts on this
machine, listening on 127.0.0.1 only. An actor that dies is restarted and its batch retried; a
batch that keeps killing its actor is redone one document at a time, and a document that still
fails becomes an error row. Set-up on several machines, and the figures: docs/corpus.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import warnings
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import pyarrow as pa
import ray
import ray.data
from ray.data.datasource import FileBasedDatasource
from ray.util.annotations import RayDeprecationWarning

from model.corpus import (DEFAULT_MAX_CHARS, OUTPUT_SCHEMA, AnnotateBatch, CorpusDocument, CorpusInputError,
                          ModelIdentity, Tally, checkpoint_digest, documents_table, error_row)
from model.corpus_files import (INCOMPLETE, INPUT_SUFFIXES, OUTPUT_SUFFIXES, OutputFolder, Source, document,
                                file_documents, filesystem_and_path, find_input, scan_input)
from model.settings import KB_MODES
from nif.gold import read_gold
from nif.records import NifError
from scripts.options import add_checkpoint
from server.config import resolve_config
from server.loading import ModelUnavailable, build_annotator, import_factory, long_preparation
from server.service import AnswerOptions, mention_json

NIF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}
READ_BLOCK = 1000  # documents per table a read task yields (Ray cuts blocks from them)
LOST = "lost: its batch failed {tries} times and it failed again alone (its actor died: out of memory?)"


def read_nif(body: bytes, path: str) -> list[CorpusDocument]:
    """A NIF file's documents: one per nif:Context, its URI the id (`nif.gold` reads them)."""
    try:
        gold = read_gold(body, NIF_FORMATS.get(PurePosixPath(path).suffix.lower(), "turtle"))
    except NifError as error:
        raise CorpusInputError(f"{path}: {error.message}") from None
    return [document(g.uri, g.text) for g in gold]


# ---- the Ray Data pipeline -------------------------------------------------------------------

class CorpusFiles(FileBasedDatasource):
    """The input files as `model.corpus.DOCUMENT_SCHEMA` blocks, streamed, only the documents
    `keep` names (None: all). One datasource for every plain format: Ray's own readers read a
    file whole and split it at U+2028 too (`read_text`), or list files in a task needing a CPU
    that the actors hold (`read_parquet`)."""

    def __init__(self, source: Source, files: list[str], keep: frozenset[str] | None) -> None:
        super().__init__(files, filesystem=source.filesystem)
        self.format, self.root, self.keep = source.format, source.root, keep

    def _open_input_source(self, filesystem: Any, path: str, **open_args: Any) -> pa.NativeFile:
        if self.format == "parquet":  # random access, for the footer
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)  # .gz inflated on the fly

    def _read_stream(self, f: pa.NativeFile, path: str) -> Iterator[pa.Table]:
        block = []
        for d in file_documents(self.format, f, path, self.root):
            if self.keep is None or d.id in self.keep:
                block.append(d)
            if len(block) == READ_BLOCK:
                yield documents_table(block)
                block = []
        if block:
            yield documents_table(block)


def documents_dataset(source: Source, wanted: list[str], nif: dict[str, CorpusDocument], everything: bool,
                      batch: int) -> ray.data.Dataset:
    """The wanted documents as `model.corpus.DOCUMENT_SCHEMA` blocks of about `batch` documents:
    an actor task takes a block whole, so a block is what a dying actor takes with it, and
    there must be enough of them for every actor. Ray cuts what is read into as many blocks as
    asked (from a single very large file, unevenly: shard large corpora). Reading runs in
    tasks that reserve no CPU: the actors hold the CPUs, and reading is a trickle beside them.
    (`repartition` would cut exactly, in tasks waiting for a CPU the actors hold.)"""
    blocks = max(1, -(-len(wanted) // batch))
    if source.format == "nif":
        table = documents_table([nif[doc_id] for doc_id in wanted])
        return ray.data.from_arrow([table.slice(start, batch) for start in range(0, len(table), batch)])
    if source.format == "txt":  # a file per document: read only the wanted ones
        files, keep = [f"{source.root}/{doc_id}" for doc_id in wanted], None
    else:
        files, keep = list(source.files), None if everything else frozenset(wanted)
    return ray.data.read_datasource(CorpusFiles(source, files, keep), num_cpus=0, override_num_blocks=blocks)


def documents_alone(source: Source, wanted: list[str], nif: dict[str, CorpusDocument]) -> ray.data.Dataset:
    """The wanted documents (few: those of batches lost with their actors), read here, a block
    each: one that kills its actor takes no other with it."""
    keep, found = frozenset(wanted), dict(nif)
    if source.format != "nif":
        paths = [f"{source.root}/{doc_id}" for doc_id in wanted] if source.format == "txt" else source.files
        for path in paths:
            fs = source.filesystem
            with fs.open_input_file(path) if source.format == "parquet" else \
                    fs.open_input_stream(path, compression="detect") as f:
                found.update((d.id, d) for d in file_documents(source.format, f, path, source.root) if d.id in keep)
    return ray.data.from_arrow([documents_table([found[doc_id]]) for doc_id in wanted])


@ray.remote(num_cpus=0)
class ProgressCounter:
    """What the actors have annotated so far (they report each batch; the driver polls)."""

    def __init__(self) -> None:
        self.tally = Tally()

    def add(self, tally: Tally) -> None:
        self.tally = self.tally + tally

    def get(self) -> Tally:
        return self.tally


def report_batch(counter: Any, tally: Tally) -> None:
    counter.add.remote(tally)


@dataclass
class Engine:
    """How the annotation stage runs."""

    workers: int
    cpus_per_actor: float
    actor_memory: int  # bytes Ray reserves per actor (it places no more actors on a node than fit)
    batch_size: int
    retries: int  # a batch whose actor died is tried again this many times
    rows_per_file: int
    in_flight: int | None = None  # batches queued on an actor (1: a death takes no queued batch with it)
    alone: bool = False  # each document a batch of its own, read by the driver (the lost ones)


def run_pipeline(source: Source, wanted: list[str], nif: dict[str, CorpusDocument], everything: bool,
                 output: OutputFolder, engine: Engine, annotator_args: dict[str, Any], counter: Any) -> None:
    if engine.alone:
        documents = documents_alone(source, wanted, nif)
    else:
        documents = documents_dataset(source, wanted, nif, everything, engine.batch_size)
    with warnings.catch_warnings():  # Ray 2.60 takes the retry bounds only through the deprecated **ray_remote_args
        warnings.simplefilter("ignore", RayDeprecationWarning)
        rows = documents.map_batches(
            AnnotateBatch, fn_constructor_kwargs={**annotator_args, "done": partial(report_batch, counter)},
            batch_size=engine.batch_size, batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(
                size=engine.workers, max_tasks_in_flight_per_actor=engine.in_flight),
            num_cpus=engine.cpus_per_actor, memory=engine.actor_memory, max_restarts=-1, max_task_retries=engine.retries)
    write = {"filesystem": output.filesystem, "min_rows_per_file": engine.rows_per_file, "ray_remote_args": {"num_cpus": 0}}
    if output.format == "parquet":
        rows.write_parquet(output.path, **write)
    else:
        rows.write_json(output.path, force_ascii=False, **write)


def write_rows(output: OutputFolder, rows: list[dict[str, Any]]) -> None:
    """Rows the driver writes (documents lost with their actors), through the same writer."""
    table = ray.data.from_arrow(pa.Table.from_pylist(rows, schema=OUTPUT_SCHEMA))
    if output.format == "parquet":
        table.write_parquet(output.path, filesystem=output.filesystem)
    else:
        table.write_json(output.path, filesystem=output.filesystem, force_ascii=False)


# ---- running it ------------------------------------------------------------------------------

def keep_ray_on_this_machine() -> None:
    """Ray started here listens on 127.0.0.1 only. Ray binds its servers to the node's address,
    and resolves 127.0.0.1 to the machine's network address unless it thinks clusters are off
    (its RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER switch, read once at import, hence set here); a run
    on one machine needs no port on the network. Checked by tests/test_corpus.py."""
    from ray._private import ray_constants

    ray_constants.ENABLE_RAY_CLUSTER = False


def local_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def start_ray(address: str | None, workers: int | None) -> tuple[int, float, bool]:
    """(actors, CPUs each, whether Ray was started here): joins `address`, else starts Ray on this
    machine with a CPU per actor (more actors than cores share them); an already started Ray
    (tests) is used as it is."""
    started = not ray.is_initialized()
    if started and address:
        ray.init(address=address, logging_level=logging.WARNING)
    elif started:
        keep_ray_on_this_machine()
        logging.getLogger("ray._private.authentication").setLevel(logging.ERROR)  # "token authentication is on": good
        ray.init(address="local", num_cpus=max(local_cores(), workers or 0), include_dashboard=False,
                 logging_level=logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours counts documents and knows the total
    context.print_on_execution_start = False
    context.max_errored_blocks = -1  # a batch that failed all its tries is redone alone, then an error row
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled": ours shows
    cpus = ray.cluster_resources().get("CPU", 1.0)
    count = workers or max(1, int(cpus))
    return count, min(1.0, cpus / count), started


class Progress:
    """Documents annotated, documents/s and the time left while the pipeline runs: a bar on a
    terminal, a line a minute otherwise (logs of long runs), nothing with --quiet."""

    def __init__(self, counter: Any, total: int, quiet: bool) -> None:
        self.counter, self.total, self.quiet = counter, total, quiet
        self.stop = threading.Event()
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="doc", smoothing=0.05, dynamic_ncols=True)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Progress":
        if not self.quiet:
            self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        if self.bar is not None:
            self.bar.close()

    def _run(self) -> None:
        started, shown, last = time.monotonic(), 0, time.monotonic()
        while not self.stop.wait(1.0):
            done = min(self.total, ray.get(self.counter.get.remote()).documents)
            if self.bar is not None:
                self.bar.update(done - shown)
                shown = done
            elif time.monotonic() - last >= 60 and done:
                last, rate = time.monotonic(), done / (time.monotonic() - started)
                left = (self.total - done) / rate if rate else float("inf")
                print(f"{done:,}/{self.total:,} documents, {rate:.1f}/s, about {left / 60:.0f} min left",
                      file=sys.stderr, flush=True)


@dataclass
class Summary:
    """What a run did; OUTPUT's rows are counted from the files, not from what the actors said."""

    documents: int  # in the input (the first --limit)
    already: int  # in OUTPUT before this run
    annotated: int  # rows this run wrote
    ok: int
    errors: int
    mentions: int
    missing: int  # input documents without a row (0 after a finished run)
    duplicates: int  # rows beyond one per id (0)
    workers: int
    annotate_seconds: float
    wall_seconds: float
    output: str
    incomplete_files: int  # half-written files of an interrupted run, moved aside

    @property
    def documents_per_second(self) -> float:
        return self.annotated / self.annotate_seconds if self.annotate_seconds else 0.0

    def lines(self) -> str:
        return "\n".join([
            f"documents   {self.documents:,} ({self.annotated:,} annotated now, {self.already:,} already in the output)",
            f"ok          {self.ok:,}",
            f"errors      {self.errors:,}",
            f"mentions    {self.mentions:,}",
            f"speed       {self.documents_per_second:.2f} documents/s ({self.annotated:,} in "
            f"{self.annotate_seconds:.1f} s on {self.workers} workers)" if self.annotated else "speed       nothing to do",
            f"wall time   {self.wall_seconds:.1f} s",
            f"output      {self.output}" + (f" (moved {self.incomplete_files} half-written files to {INCOMPLETE}/)"
                                            if self.incomplete_files else ""),
        ] + ([f"MISSING     {self.missing:,} documents have no row"] if self.missing else [])
          + ([f"DUPLICATES  {self.duplicates:,} rows repeat an id"] if self.duplicates else []))


def annotator_config(args: argparse.Namespace) -> dict[str, Any]:
    """The server's way to get an annotator (`server.loading.build_annotator`), one torch thread
    per actor; checked here, so a missing checkpoint or a bad factory stops the run at once."""
    overrides: dict[str, Any] = {"TORCH_THREADS": 1, "MODEL_PATH": str(args.checkpoint)}
    if args.kb:
        overrides["KB"] = args.kb
    if args.annotator:
        overrides["ANNOTATOR_FACTORY"] = args.annotator
    config = resolve_config(overrides)
    if config["ANNOTATOR_FACTORY"]:
        import_factory(config["ANNOTATOR_FACTORY"])
    elif not Path(config["MODEL_PATH"]).exists():
        raise ModelUnavailable(f"model checkpoint {config['MODEL_PATH']} not found")
    return config


def model_identity(config: dict[str, Any]) -> ModelIdentity:
    if config["ANNOTATOR_FACTORY"]:
        return ModelIdentity(f"factory:{config['ANNOTATOR_FACTORY']}", None)
    return ModelIdentity(checkpoint_digest(config["MODEL_PATH"]), config["KB"])


def annotate_corpus(args: argparse.Namespace) -> Summary:
    """Check the input and OUTPUT, annotate what OUTPUT lacks, count OUTPUT's rows."""
    started = time.monotonic()
    source = find_input(args.input, args.input_format)
    ids, nif, whole = scan_input(source, read_nif, args.limit)
    config = annotator_config(args)
    identity = model_identity(config)
    output = OutputFolder(*filesystem_and_path(args.output), args.format)
    output.read()
    output.check(identity.checkpoint, identity.kb, ids if whole else None)
    wanted = [doc_id for doc_id in ids if doc_id not in output.ids]
    already, workers, seconds, ray_started = len(ids) - len(wanted), 0, 0.0, False
    if wanted:
        if not args.quiet and long_preparation(config):
            print(f"corpus: each machine builds {long_preparation(config)} first (about 2.5 minutes, once)",
                  file=sys.stderr)
        workers, cpus, ray_started = start_ray(args.address, args.workers)
        engine = Engine(workers, cpus, int(args.actor_memory * 2**30), args.batch_size, args.retries, args.rows_per_file)
        annotator_args = {"factory": partial(build_annotator, config), "identity": identity, "max_chars": args.max_chars,
                          "mention_row": partial(mention_json, options=AnswerOptions(uri_style=args.uris))}
        counter, began, everything = ProgressCounter.remote(), time.monotonic(), whole and not already
        try:
            with Progress(counter, len(wanted), args.quiet):
                for engine.batch_size, engine.in_flight, engine.alone in ((engine.batch_size, None, False), (1, 1, True)):
                    # the second pass: documents of batches lost with their actors, one at a time
                    run_pipeline(source, wanted, nif, everything, output, engine, annotator_args, counter)
                    output.read()
                    wanted, everything = [doc_id for doc_id in wanted if doc_id not in output.ids], False
                    if not wanted:
                        break
            if wanted:
                write_rows(output, [error_row(doc_id, LOST.format(tries=args.retries + 1), identity)
                                    for doc_id in wanted])
                output.read()
            seconds = time.monotonic() - began
        finally:
            if ray_started:
                ray.shutdown()
    written = sum(1 for doc_id in ids if output.ids[doc_id])
    return Summary(len(ids), already, written - already, output.tally.documents - output.tally.errors,
                   output.tally.errors, output.tally.mentions, len(ids) - written,
                   sum(count - 1 for count in output.ids.values()), workers, seconds, time.monotonic() - started,
                   f"{output.path} ({args.format})", len(output.incomplete))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     epilog="Details, cluster set-up and figures: docs/corpus.md")
    parser.add_argument("input", help="JSON Lines (.jsonl, .jsonl.gz), Parquet, NIF (.ttl, .nt, .jsonld), a .txt "
                                      "file, or a folder of one of these")
    parser.add_argument("--output", required=True, help="a folder: one row per document; run again to resume")
    parser.add_argument("--format", choices=tuple(OUTPUT_SUFFIXES), default="parquet", help="of OUTPUT (default parquet)")
    parser.add_argument("--input-format", choices=tuple(INPUT_SUFFIXES), help="read INPUT as this, whatever the names")
    parser.add_argument("--workers", type=int, help="annotator actors (default: Ray's CPUs: this machine's cores, "
                                                    "or the cluster's)")
    parser.add_argument("--address", help="join this Ray cluster ('auto': $RAY_ADDRESS, else the one `ray start` "
                                          "started here); default: start Ray on this machine, on 127.0.0.1")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help=f"longer documents become error rows (default {DEFAULT_MAX_CHARS:,})")
    add_checkpoint(parser)
    parser.add_argument("--kb", choices=KB_MODES, help="what to link against (default $NEREL_KB, else open)")
    parser.add_argument("--annotator", help="'module:Name' instead of the checkpoint (tests, demos)")
    parser.add_argument("--uris", choices=("wikipedia", "dbpedia"), default="wikipedia", help="entity URI style")
    parser.add_argument("--batch-size", type=int, default=16, help="documents per actor call (default 16)")
    parser.add_argument("--actor-memory", type=float, default=2.0,
                        help="GiB Ray reserves per actor (default 2: a loaded model is ~1.1 GiB, long documents add)")
    parser.add_argument("--retries", type=int, default=2, help="tries again a batch whose actor died (default 2)")
    parser.add_argument("--rows-per-file", type=int, default=1000, help="output rows per file, at least (default 1000)")
    parser.add_argument("--quiet", action="store_true", help="no progress")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        summary = annotate_corpus(args)
    except (CorpusInputError, ModelUnavailable, ValueError, OSError) as error:
        print(f"corpus: {error}", file=sys.stderr)
        return 2
    except ray.exceptions.RayError as error:
        print(f"corpus: the run failed: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("corpus: interrupted; the same command resumes (documents written so far are kept)", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({**asdict(summary), "documents_per_second": round(summary.documents_per_second, 3)}))
    else:
        print(summary.lines())
    return 1 if summary.missing or summary.duplicates else 0


if __name__ == "__main__":
    raise SystemExit(main())
