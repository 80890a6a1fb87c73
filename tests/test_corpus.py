"""Corpus annotation (`scripts/corpus.py` on Ray Data, `model/corpus*.py`): every input format,
error rows, refused ids, resuming, dying actors, the output schema, the real model.

Ray starts once (`ray_local`), on 127.0.0.1 only, with two CPUs; each run of
the command reuses it. The fake annotators (`tests/fake_corpus_annotator.py`) need no model.
"""
from __future__ import annotations

import gzip
import ipaddress
import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.corpus import OUTPUT_SCHEMA, ModelIdentity, annotate_documents, CorpusDocument
from model.corpus_files import INCOMPLETE
from tests.fake_annotator import FakeAnnotator

FAKE = ["--annotator", "tests.fake_corpus_annotator:TroubledAnnotator", "--quiet", "--json"]
pytestmark = pytest.mark.usefixtures("hermetic_server_environment")


@pytest.fixture(scope="module")
def ray_local(encoder_cache_dir: Path):
    """Ray on this machine, started once (only this module uses it; it stops after the module, so
    its processes idle beside no other test): 127.0.0.1 only, 2 CPUs, no dashboard. Its workers
    keep the environment of its start: the test cache for the MiniLM export."""
    import ray

    from scripts.corpus import keep_ray_on_this_machine

    keep_ray_on_this_machine()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEREL_CACHE_DIR", str(encoder_cache_dir))
        ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict | None, str]:
    from scripts.corpus import main

    code = main(args)
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    return code, (json.loads(lines[-1]) if lines and code != 2 else None), captured.err


def parquet_rows(folder: Path) -> list[dict]:
    return [row for path in sorted(folder.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def fake_rows(text: str) -> list[dict]:
    """What the in-process fake gives for `text`, as output rows (uri aside)."""
    return [{"start": m.start, "end": m.end, "surface": m.surface, "type": m.ner_type, "entity": m.entity}
            for m in FakeAnnotator().annotate(text)]


def without_uris(mentions: list[dict]) -> list[dict]:
    return [{k: m[k] for k in ("start", "end", "surface", "type", "entity")} for m in mentions]


def test_json_lines_with_bad_documents_one_row_each(ray_local, tmp_path: Path, capsys) -> None:
    texts = {"a": "Angela Merkel met people in Paris.", "b": "Zürich\u2028and Paris 😀 France.",
             "c": "", "e": 42, "f": "BOOM in Paris", "g": "x" * 120, "h": "   ", 7: "Guns N' Roses"}
    lines = [json.dumps({"id": k, "text": v}, ensure_ascii=False) for k, v in texts.items()]
    lines.insert(3, json.dumps({"id": "d"}))  # no text
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n\n").encode()))
    code, summary, _ = run([str(tmp_path / "in.jsonl.gz"), "--output", str(tmp_path / "out"), "--max-chars", "100",
                            "--batch-size", "4", *FAKE], capsys)
    assert code == 0 and summary["documents"] == 9 and summary["errors"] == 5 and summary["missing"] == 0
    rows = {row["id"]: row for row in parquet_rows(tmp_path / "out")}
    assert sorted(rows) == sorted(["a", "b", "c", "d", "e", "f", "g", "h", "7"])
    assert {k: rows[k]["error"] for k in ("c", "d", "e", "g")} == {
        "c": "text is empty", "d": "the document has no text", "e": "text is a int, not a string",
        "g": "120 characters, more than the corpus limit of 100 (--max-chars)"}
    assert rows["f"]["status"] == "error" and rows["f"]["error"] == "RuntimeError: simulated model failure"
    for key in ("a", "b", "h", "7"):  # the batch that held the failing document is annotated one by one
        text = texts[int(key) if key.isdigit() else key]
        assert rows[key]["status"] == "ok" and without_uris(rows[key]["mentions"]) == fake_rows(text)
        assert all(text[m["start"]:m["end"]] == m["surface"] for m in rows[key]["mentions"])  # code points
    assert rows["a"]["mentions"][1]["uri"] == "http://en.wikipedia.org/wiki/Paris"
    assert rows["a"]["checkpoint"] == "factory:tests.fake_corpus_annotator:TroubledAnnotator"
    schema = pq.read_schema(next((tmp_path / "out").glob("*.parquet")))
    assert schema.remove_metadata().equals(OUTPUT_SCHEMA)


def test_parquet_in_json_lines_out(ray_local, tmp_path: Path, capsys) -> None:
    texts = ["Angela Merkel in Paris.", None, "France beat Weird Al."]
    pq.write_table(pa.table({"id": [1, 2, 3], "text": texts, "other": ["x", "y", "z"]}), tmp_path / "in.parquet")
    code, summary, _ = run([str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out"), "--format", "jsonl",
                            "--uris", "dbpedia", *FAKE], capsys)
    assert code == 0 and summary["ok"] == 2
    [path] = (tmp_path / "out").glob("*.json")
    rows = {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    assert set(rows) == {"1", "2", "3"} and rows["2"]["error"] == "the document has no text"
    assert without_uris(rows["3"]["mentions"]) == fake_rows(texts[2])
    assert rows["1"]["mentions"][0]["uri"] == "http://dbpedia.org/resource/Angela_Merkel"


def test_text_files_and_nif(ray_local, tmp_path: Path, capsys) -> None:
    from tests.conftest import PREFIXES, request_ttl

    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_bytes("\ufeffAngela Merkel in Paris.".encode())
    (folder / "sub" / "two.txt").write_text("France and Zürich.", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"caf\xe9 in Paris")
    (folder / ".hidden.txt").write_text("never read")
    code, summary, _ = run([str(folder), "--output", str(tmp_path / "out"), *FAKE], capsys)
    rows = {row["id"]: row for row in parquet_rows(tmp_path / "out")}
    assert code == 0 and set(rows) == {"one.txt", "sub/two.txt", "bad.txt"}
    assert rows["bad.txt"]["error"].startswith("not UTF-8: byte 3")
    assert without_uris(rows["one.txt"]["mentions"]) == fake_rows("Angela Merkel in Paris.")

    nif = tmp_path / "corpus.ttl"
    second = request_ttl("France.", uri="http://example.org/d2#char=0,7").replace(PREFIXES.encode(), b"")
    nif.write_bytes(request_ttl() + b"\n" + second)
    code, summary, _ = run([str(nif), "--output", str(tmp_path / "nif_out"), *FAKE], capsys)
    rows = {row["id"]: row for row in parquet_rows(tmp_path / "nif_out")}
    assert code == 0 and set(rows) == {"http://www.aksw.org/gerbil/NifWebService/request_0#char=0,38",
                                       "http://example.org/d2#char=0,7"}
    assert [m["surface"] for m in rows["http://example.org/d2#char=0,7"]["mentions"]] == ["France"]


@pytest.mark.parametrize("lines, message", [
    (['{"id": "a", "text": "x"}', '{"id": "a", "text": "y"}'], "duplicate id 'a': {path} line 2, and {path} line 1 before"),
    (['{"id": 1, "text": "x"}', '{"id": "1", "text": "y"}'], "duplicate id '1'"),
    (['{"id": "a", "text": "x"}', '{"text": "y"}'], "{path} line 2: the document has no id"),
    (['{"id": "a", "text": "x"}', 'not json'], "{path} line 2: not JSON"),
    (['{"id": 1.5, "text": "x"}'], "id 1.5 is a float"),
])
def test_missing_or_duplicate_ids_stop_before_any_work(tmp_path: Path, capsys, lines, message) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run([str(path), "--output", str(tmp_path / "out"), *FAKE], capsys)
    assert code == 2 and message.format(path=path.as_posix()) in err
    assert not (tmp_path / "out").exists()  # refused before any work: no Ray, no output folder


def test_resume_after_an_interrupted_run(ray_local, tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Paris number {i} met France."}) + "\n"
                              for i in range(20)))
    out = tmp_path / "out"
    # A run stopped after 8 documents had been written, while writing a file it left half done.
    code, first, _ = run([str(source), "--output", str(out), "--limit", "8", *FAKE], capsys)
    assert code == 0 and first["annotated"] == 8
    before = {path.name: path.read_bytes() for path in out.glob("*.parquet")}
    whole = next(iter(before.values()))
    (out / "0000_half_written-0.parquet").write_bytes(whole[: len(whole) // 2])

    code, second, _ = run([str(source), "--output", str(out), *FAKE], capsys)
    assert code == 0 and (second["already"], second["annotated"], second["incomplete_files"]) == (8, 12, 1)
    assert {path.name: path.read_bytes() for path in out.glob("*.parquet") if path.name in before} == before
    assert (out / INCOMPLETE / "0000_half_written-0.parquet").exists()
    new = [row["id"] for path in out.glob("*.parquet") if path.name not in before for row in pq.read_table(path).to_pylist()]
    assert sorted(new) == sorted(f"d{i}" for i in range(8, 20))  # nothing annotated twice
    assert sorted(row["id"] for row in parquet_rows(out)) == sorted(f"d{i}" for i in range(20))

    code, third, _ = run([str(source), "--output", str(out), *FAKE], capsys)
    assert code == 0 and third["annotated"] == 0 and third["documents"] == 20
    code, _, err = run([str(source), "--output", str(out), "--annotator", "tests.fake_annotator:FakeAnnotator"], capsys)
    assert code == 2 and "holds rows of another model" in err
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "d0", "text": "Paris."}) + "\n")
    code, _, err = run([str(other), "--output", str(out), *FAKE], capsys)
    assert code == 2 and "holds 19 documents that are not in the input (such as 'd1')" in err


def test_an_actor_that_dies_is_restarted_and_nothing_is_lost(ray_local, tmp_path: Path, capsys) -> None:
    marker = tmp_path / "died_once"
    texts = [f"Paris number {i}." for i in range(12)]
    texts[2] = f"Angela Merkel DIE-ONCE:{marker}"  # killed once, then retried
    texts[9] = "France DIE-ALWAYS"  # kills its actor every time: its batch is redone alone, then an error row
    source = tmp_path / "in.jsonl.gz"  # the lost documents are read again by the driver, gunzipped too
    source.write_bytes(gzip.compress("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)).encode()))
    code, summary, _ = run([str(source), "--output", str(tmp_path / "out"), "--batch-size", "4", "--retries", "1",
                            "--workers", "1", *FAKE], capsys)
    rows = parquet_rows(tmp_path / "out")
    assert code == 0 and marker.exists() and summary["missing"] == summary["duplicates"] == 0
    assert sorted(int(row["id"]) for row in rows) == list(range(12))
    errors = {row["id"]: row["error"] for row in rows if row["status"] == "error"}
    assert list(errors) == ["9"] and errors["9"].startswith("lost: its batch failed 2 times")


def test_a_failing_batch_is_redone_one_document_at_a_time() -> None:
    documents = [CorpusDocument("a", "Paris."), CorpusDocument("b", "BOOM"), CorpusDocument("c", None, "empty")]
    from tests.fake_corpus_annotator import TroubledAnnotator

    rows = annotate_documents(TroubledAnnotator(), documents, ModelIdentity("x", None))
    assert [(r["id"], r["status"], r["error"]) for r in rows] == [
        ("a", "ok", None), ("b", "error", "RuntimeError: simulated model failure"), ("c", "error", "empty")]


def test_ray_listens_on_loopback_only(ray_local) -> None:
    import psutil

    node = ray_local._private.worker._global_node
    roots = [psutil.Process(node.all_processes[kind][0].process.pid) for kind in node.all_processes]
    pids = {p.pid for root in roots for p in [root, *root.children(recursive=True)]}
    listening = [ipaddress.ip_address(c.laddr.ip) for c in psutil.net_connections("inet")
                 if c.pid in pids and c.status == psutil.CONN_LISTEN]
    assert listening and all((getattr(ip, "ipv4_mapped", None) or ip).is_loopback for ip in listening), listening


def test_real_model_matches_the_annotator_in_process(ray_local, tmp_path: Path, capsys, monkeypatch,
                                                     encoder_cache_dir: Path) -> None:
    """Three documents through an actor with the shipped checkpoint (the paper's dictionary,
    so no open-KB index is needed) against `Annotator.annotate` in this process."""
    from model.annotator import Annotator

    texts = ["Angela Merkel met Tim Cook in Paris on Monday.",
             "Germany beat Brazil 2-1 in Berlin 😀, said Jürgen Klinsmann.",
             "EU rejects German call to boycott British lamb. Peter Blackburn BRUSSELS 1996-08-22"]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)))
    code, summary, _ = run([str(source), "--output", str(tmp_path / "out"), "--kb", "aida", "--workers", "1",
                            "--quiet", "--json"], capsys)
    assert code == 0 and summary["ok"] == 3
    rows = {int(row["id"]): row for row in parquet_rows(tmp_path / "out")}
    assert rows[0]["kb"] == "aida" and rows[0]["checkpoint"].startswith("sha256:")
    monkeypatch.setenv("NEREL_CACHE_DIR", str(encoder_cache_dir))
    annotator = Annotator.load(threads=1, kb="aida")
    for index, text in enumerate(texts):
        expected = annotator.annotate(text)
        got = rows[index]["mentions"]
        assert [(m["start"], m["end"], m["type"], m["entity"]) for m in got] == \
            [(m.start, m.end, m.ner_type, m.entity) for m in expected]
        # the same scores to float rounding: the actor decodes the three texts as one batch
        assert [m["el_score"] for m in got] == pytest.approx([m.el_score for m in expected], abs=1e-4)
        assert [m["ner_score"] for m in got] == pytest.approx([m.ner_score for m in expected], abs=1e-4)
