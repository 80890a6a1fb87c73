"""Corpus annotation speed (issue 30): `scripts.corpus` with 1 and 2 workers against the server
with 4 clients, on the same documents, in one run; memory per actor; the fault run; the same answers.

    python -m scripts.research.corpus_speed                 # all of it (~15 minutes on 2 cores)
    python -m scripts.research.corpus_speed --skip-fault --skip-server --limit 300

The corpus: AIDA/CoNLL's 1,393 documents as GERBIL sends them (`nif.aida_text.rebuild_text`),
each cut in two at the sentence boundary nearest its middle (news texts of ~570 characters),
and every nif:Context of the out-of-domain dev corpora (../shared/data/ood-dev): 3,258 documents.

- ``corpus`` runs: ``python -m scripts.corpus`` as a user runs it (Ray started by the command,
  the model loaded by each actor), ``--workers 1`` then ``2``; documents/s is the documents over
  the annotation phase, actor start and model loading included. Sampled every 2 s: each
  actor's memory (RSS, USS: what no other process shares), and the CPU-seconds of each kind of
  process of the run (the actors, the command, each of Ray's own) and of the whole machine.
- ``server``: the Procfile's gunicorn (`scripts.bench.nif.start_server`), once ready, sent every
  document as ``POST /annotate`` by 4 client threads.
- ``fault``: a 2-worker run in which one actor is killed (SIGKILL) 40 s in; then every row of
  the output is checked (each document once, all ``ok``).
- ``same answers``: 20 whole AIDA validation documents through the command (2 workers) against
  `Annotator.annotate` in this process.

Prints one JSON object (and progress on stderr); asserts nothing. Load averages are recorded.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pyarrow.parquet as pq

from model.data.aida import load_aida
from model.settings import REPO_ROOT, data_dir, model_path
from model.tokenizer import tokenize
from nif.aida_text import rebuild_text
from nif.gold import read_gold
from scripts.bench.nif import start_server, stop_server, wait_ready

ACTOR = "MapWorker(MapBatches(AnnotateBatch))"


def halves(text: str) -> list[str]:
    """`text` cut at the sentence start nearest its middle (whole when it is one sentence)."""
    starts = [sentence[0].start for sentence in tokenize(text)[1:] if sentence]
    if not starts:
        return [text]
    cut = min(starts, key=lambda start: abs(start - len(text) / 2))
    return [text[:cut].rstrip(), text[cut:]]


def corpus_documents() -> list[dict]:
    splits = load_aida(None)
    documents = []
    for split in ("train", "validation", "test"):
        for index, document in enumerate(splits[split]):
            text = rebuild_text([t for sentence in document.sentences for t in sentence])[0]
            documents += [{"id": f"aida/{split}/{index}/{part}", "text": half} for part, half in enumerate(halves(text))]
    for path in sorted((data_dir() / "ood-dev").glob("*.ttl")):
        documents += [{"id": d.uri, "text": d.text} for d in read_gold(path)]
    return documents


def write_jsonl(documents: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    return path


def sample_processes(root: psutil.Process, peaks: dict, cpu: dict, stop: threading.Event) -> None:
    """Every 2 s: the largest RSS and USS (MiB) any annotator actor under `root` reached, and
    each process's CPU-seconds so far (`cpu`: pid → (kind, seconds); its last sample counts)."""
    while not stop.wait(2.0):
        try:
            processes = [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                command = " ".join(process.cmdline()) or process.name()
                times = process.cpu_times()
                cpu[process.pid] = (process_kind(command, process.pid == root.pid), times.user + times.system)
                if ACTOR in command or ACTOR in process.name():
                    info = process.memory_full_info()
                    peaks["rss_mib"] = max(peaks.get("rss_mib", 0), round(info.rss / 2**20))
                    peaks["uss_mib"] = max(peaks.get("uss_mib", 0), round(info.uss / 2**20))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue


def process_kind(command: str, is_command: bool) -> str:
    """What a process of the run is: the annotator actors, the command (Ray's driver), or
    another of Ray's processes named by its program or actor class."""
    if ACTOR in command:
        return "annotator actors"
    if is_command:
        return "the command (Ray driver)"
    if command.startswith("ray::"):
        return command.split()[0].split("(")[0]
    program, *arguments = command.split()
    if "python" in Path(program).name:  # Ray's Python daemons: name them by their script
        scripts = [a for a in arguments if a.endswith(".py")]
        return Path(scripts[0]).name if scripts else "python"
    return Path(program).name


def cpu_seconds(cpu: dict) -> dict:
    """CPU-seconds by kind of process, largest first."""
    totals: dict[str, float] = {}
    for kind, seconds in cpu.values():
        totals[kind] = totals.get(kind, 0.0) + seconds
    return {kind: round(seconds, 1) for kind, seconds in sorted(totals.items(), key=lambda item: -item[1])}


def run_corpus(source: Path, output: Path, workers: int, kill_after: float | None = None) -> dict:
    """One ``python -m scripts.corpus`` run; with `kill_after`, one actor is SIGKILLed then."""
    command = [sys.executable, "-m", "scripts.corpus", str(source), "--output", str(output), "--workers", str(workers),
               "--quiet", "--json"]
    load = round(os.getloadavg()[0], 2)
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks, cpu, stop, killed = {}, {}, threading.Event(), None
    busy_before = _busy_seconds()
    sampler = threading.Thread(target=sample_processes, args=(psutil.Process(process.pid), peaks, cpu, stop), daemon=True)
    sampler.start()
    if kill_after is not None:
        time.sleep(kill_after)
        actors = [p for p in psutil.Process(process.pid).children(recursive=True) if ACTOR in " ".join(p.cmdline())]
        if actors:
            killed = actors[0].pid
            actors[0].send_signal(signal.SIGKILL)
    out, err = process.communicate()
    stop.set()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"scripts.corpus exited {process.returncode}: {err[-2000:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    return {"workers": workers, "documents": summary["documents"], "annotated": summary["annotated"],
            "errors": summary["errors"], "documents_per_second": summary["documents_per_second"],
            "annotate_seconds": round(summary["annotate_seconds"], 1), "command_seconds": round(time.monotonic() - began, 1),
            "actor_peak_memory": peaks, "load_average_1m_before": load, "killed_actor_pid": killed,
            "cpu_seconds": {**machine_seconds_since(busy_before, began), **cpu_seconds(cpu)},
            "exit_code": process.returncode}


def _busy_seconds() -> tuple[float, float]:
    """CPU-seconds the machine's cores spent busy so far (any process), and those the
    hypervisor gave to other machines (steal: a virtual core waiting for its real one)."""
    times = psutil.cpu_times()
    busy = sum(getattr(times, field, 0.0) for field in ("user", "nice", "system", "irq", "softirq"))
    return busy, getattr(times, "steal", 0.0)


def machine_seconds_since(before: tuple[float, float], began: float) -> dict:
    """The machine's busy and stolen CPU-seconds since `before` (`_busy_seconds`), and the
    CPU-seconds its cores had since `began` (monotonic)."""
    busy, steal = (round(now - then, 1) for now, then in zip(_busy_seconds(), before))
    return {"machine_busy": busy, "machine_steal": steal,
            "machine_available": round((time.monotonic() - began) * psutil.cpu_count(), 1)}


def output_rows(folder: Path) -> list[dict]:
    return [row for path in sorted(folder.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def run_server(documents: list[dict], clients: int, log: Path) -> dict:
    import requests

    load = round(os.getloadavg()[0], 2)
    process, port = start_server(model_path(), log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base)
        local = threading.local()

        def send(document: dict) -> int:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            return local.session.post(f"{base}/annotate", json={"text": document["text"]}, timeout=300).status_code

        began = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            statuses = list(pool.map(send, documents))
        seconds = time.monotonic() - began
    finally:
        stop_server(process)
    return {"clients": clients, "documents": len(documents), "seconds": round(seconds, 1),
            "documents_per_second": round(len(documents) / seconds, 3),
            "http_errors": sum(status != 200 for status in statuses), "load_average_1m_before": load}


def same_answers(work: Path, count: int = 20) -> dict:
    """`count` AIDA validation documents through the command against `Annotator.annotate` here."""
    from model.annotator import Annotator

    splits = load_aida(None)
    texts = [rebuild_text([t for sentence in d.sentences for t in sentence])[0] for d in splits["validation"][:count]]
    source = write_jsonl([{"id": str(i), "text": t} for i, t in enumerate(texts)], work / "aida20.jsonl")
    run_corpus(source, work / "aida20_out", 2)
    rows = {int(row["id"]): row["mentions"] for row in output_rows(work / "aida20_out")}
    annotator = Annotator.load(threads=1)
    equal, mentions, worst = 0, 0, 0.0
    for index, text in enumerate(texts):
        expected = annotator.annotate(text)
        got = rows[index]
        mentions += len(expected)
        same = [(m["start"], m["end"], m["type"], m["entity"]) for m in got] == \
            [(m.start, m.end, m.ner_type, m.entity) for m in expected]
        equal += same
        if same:
            worst = max([worst] + [abs((a["el_score"] or 0) - (b.el_score or 0)) for a, b in zip(got, expected)]
                        + [abs(a["ner_score"] - b.ner_score) for a, b in zip(got, expected)])
    return {"documents": count, "documents_with_equal_mentions": equal, "mentions": mentions,
            "largest_score_difference": worst}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, help="only the first N documents of the corpus")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-fault", action="store_true")
    parser.add_argument("--skip-check", action="store_true")
    args = parser.parse_args(argv)
    documents = corpus_documents()[: args.limit]
    report: dict = {"documents": len(documents), "characters": sum(len(d["text"]) for d in documents)}
    with tempfile.TemporaryDirectory(prefix="corpus_speed_") as folder:
        work = Path(folder)
        source = write_jsonl(documents, work / "corpus.jsonl")
        report["corpus"] = [run_corpus(source, work / f"out_{n}", n) for n in (1, 2)]
        print(json.dumps(report["corpus"]), file=sys.stderr, flush=True)
        one, two = (r["documents_per_second"] for r in report["corpus"])
        report["two_workers_over_one"] = round(two / one, 3)
        if not args.skip_server:
            report["server"] = run_server(documents, 4, work / "server.log")
            report["two_workers_over_server_4_clients"] = round(two / report["server"]["documents_per_second"], 3)
            print(json.dumps(report["server"]), file=sys.stderr, flush=True)
        if not args.skip_fault:
            fault = run_corpus(source, work / "out_fault", 2, kill_after=40.0)
            rows = output_rows(work / "out_fault")
            ids = [row["id"] for row in rows]
            fault.update({"rows": len(rows), "distinct_ids": len(set(ids)),
                          "ok_rows": sum(row["status"] == "ok" for row in rows),
                          "every_document_once": sorted(ids) == sorted(d["id"] for d in documents)})
            report["fault"] = fault
            print(json.dumps(fault), file=sys.stderr, flush=True)
        if not args.skip_check:
            report["same_answers"] = same_answers(work)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
