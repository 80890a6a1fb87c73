"""`python -m scripts.prepare_data --json`: schema, figures, idempotence, bad data dir.

Runs `main` in-process against the real data dir with the entity-vector step faked (the
real DeepWalk + GloVe vectors take about a minute of CPU): only the JSON schema, the
data figures and the manifest-based skipping are under test here. The full first run
takes ~13 s idle (~28 s beside a training job), so the documents step reuses the
session's `load_aida` result (same function, same data dir, already computed for the
alignment tests) instead of aligning the whole corpus a second time.
"""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import time

import numpy as np
import pytest

import scripts.prepare_data as prepare_data
from model.embeddings.glove import GloveVectors
from model.settings import REPO_ROOT

SPLIT_KEYS = {"documents", "tokens", "ner_mentions", "linked_mentions", "nil_mentions"}


def run_main(argv: list[str]) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = prepare_data.main(argv)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - started


@pytest.fixture(scope="module")
def two_runs(data_dir, aida, tmp_path_factory):
    """First run builds every step (contextual off); the second must skip them all."""
    cache = tmp_path_factory.mktemp("cache")
    calls = []
    splits, session_report = aida

    def cached_load_aida(dir_arg, report=None):
        calls.append("load_aida")
        assert str(dir_arg) == str(data_dir)
        if report is not None:
            report.aligned, report.unaligned = session_report.aligned, session_report.unaligned
        return splits

    def fake_entity_matrix(titles, types, graph, glove, **kwargs):
        calls.append(list(titles))
        assert len(types) == len(titles)
        return np.random.default_rng(0).standard_normal((len(titles), 8)).astype(np.float32)

    argv = ["--data-dir", str(data_dir), "--cache-dir", str(cache), "--json", "--no-contextual", "--no-open-kb"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(prepare_data, "load_aida", cached_load_aida)
        real_build_kb = prepare_data.build_knowledge_base
        mp.setattr(prepare_data, "build_knowledge_base",
                   lambda *a, **k: (calls.append("build_knowledge_base"), real_build_kb(*a, **k))[1])
        mp.setattr(prepare_data, "build_entity_matrix", fake_entity_matrix)
        # The link graph and GloVe only feed the faked step: skip reading them.
        mp.setattr(prepare_data, "read_link_graph", lambda ppr_dir: {})
        mp.setattr(GloveVectors, "load", classmethod(lambda cls: None))
        first = run_main(argv)
        second = run_main(argv)
    return first, second, calls, cache


def test_stdout_is_exactly_one_json_object(two_runs):
    for code, out, _, _ in two_runs[:2]:
        assert code == 0
        decoder = json.JSONDecoder()
        obj, end = decoder.raw_decode(out.strip())
        assert isinstance(obj, dict)
        assert end == len(out.strip())  # nothing else on stdout
        assert out.count("\n") == 1


def test_json_schema_and_figures(two_runs):
    (_, out, _, _), *_ = two_runs
    result = json.loads(out)
    assert {"splits", "unaligned_mentions", "entities", "aliases"} <= set(result)
    assert set(result["splits"]) == {"train", "validation", "test"}
    for stats in result["splits"].values():
        assert set(stats) == SPLIT_KEYS
        assert all(isinstance(v, int) and v > 0 for v in stats.values())
    splits = result["splits"]
    assert {s: splits[s]["documents"] for s in splits} == {"train": 946, "validation": 216, "test": 231}
    assert {s: splits[s]["tokens"] for s in splits} == {"train": 203621, "validation": 51362, "test": 46435}
    assert {s: splits[s]["linked_mentions"] for s in splits} == {"train": 18540, "validation": 4791, "test": 4485}
    assert sum(s["linked_mentions"] + s["nil_mentions"] for s in splits.values()) == 30428
    assert result["unaligned_mentions"] == 0
    assert isinstance(result["entities"], int) and result["entities"] > 30000
    assert isinstance(result["aliases"], int) and result["aliases"] > 30000
    assert result["entity_vector_dim"] == 8  # the fake's width: the vectors came from our stub


def test_entity_step_gets_every_kb_entity(two_runs):
    (_, out, _, _), _, calls, _ = two_runs
    matrices = [c for c in calls if isinstance(c, list)]
    assert len(matrices) == 1  # built once, skipped on the second run
    assert matrices[0] == sorted(matrices[0])
    assert len(matrices[0]) == json.loads(out)["entities"]


def test_second_run_skips_every_step(two_runs):
    (_, out1, _, _), (_, out2, _, _), _, cache = two_runs
    first, second = json.loads(out1), json.loads(out2)
    assert set(first["step_seconds"]) == {"documents", "knowledge_base", "entities"}
    assert second["step_seconds"] == {}
    for key in ("splits", "unaligned_mentions", "entities", "aliases", "knowledge_base"):
        assert second[key] == first[key]
    manifest = json.loads((cache / "manifest.json").read_text())
    assert {"documents", "knowledge_base", "entities"} <= set(manifest)
    assert "contextual" not in manifest  # --no-contextual
    # Nothing was recomputed the second time: each step ran exactly once, in order.
    assert [c if isinstance(c, str) else "entities" for c in two_runs[2]] == [
        "load_aida", "build_knowledge_base", "entities"]


def test_wrong_data_dir_returns_2_and_names_the_path(tmp_path):
    wrong = tmp_path / "missing_data"
    code, out, err, _ = run_main(["--data-dir", str(wrong), "--json", "--cache-dir", str(tmp_path / "c")])
    assert code == 2
    assert out == ""
    assert str(wrong) in err and "conll2003/eng.train" in err
    assert not (tmp_path / "c").exists()


def test_wrong_data_dir_exit_status_from_the_command_line(tmp_path):
    wrong = tmp_path / "missing_data"
    proc = subprocess.run([sys.executable, "-m", "scripts.prepare_data", "--data-dir", str(wrong), "--json"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert str(wrong) in proc.stderr
