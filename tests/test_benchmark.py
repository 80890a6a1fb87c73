"""scripts.benchmark without real training: plans, reuse rule, caching, tables and the report."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from scripts import benchmark
from scripts.bench import report as report_module
from scripts.bench.report import (DASH, Settings, build_tables, collect, fmt_ours, noise_verdict, render_markdown,
                                  render_table)
from scripts.bench.runs import EvalKey, RunKey, ensure_evaluated, ensure_trained, make_plan, run_state
from scripts.bench.systems import TABLES

METRICS = ("ner_f1", "el_micro_f1", "el_macro_f1")


def names(plan) -> list[str]:
    return sorted(run.name for run in plan.runs)


# ---- plan -----------------------------------------------------------------------------------------

def test_plan_everything_by_default() -> None:
    plan = make_plan(None, 3, 1)
    assert names(plan) == sorted([f"{s}_s{i}" for s in ("joint", "ner_only", "el_only") for i in (1, 2, 3)]
                                 + ["stack_lstm_s1", "plus_ctx_s1", "plus_sent_s1", "plus_ment_s1"])
    assert plan.shipped and plan.nif
    assert not make_plan(None, 3, 1, nif=False).nif


def test_plan_respects_only() -> None:
    assert names(make_plan(["table5"], 2, 1)) == ["joint_s1", "joint_s2", "ner_only_s1", "ner_only_s2"]
    assert not make_plan(["table5"], 2, 1).shipped
    assert names(make_plan(["stack_lstm"], 3, 1)) == ["stack_lstm_s1"]
    assert names(make_plan(["stack_lstm"], 3, 2)) == ["stack_lstm_s1", "stack_lstm_s2"]
    assert names(make_plan(["plus_nil"], 3, 1)) == ["joint_s1"]  # the ablation's last step is the joint model
    assert names(make_plan(["joint"], 2, 1)) == ["joint_s1", "joint_s2"]
    table4 = make_plan(["table4"], 1, 1)
    assert names(table4) == ["joint_s1"] and table4.shipped and table4.nif
    assert names(make_plan(["table7", "ner_only"], 1, 1)) == sorted(
        ["stack_lstm_s1", "plus_ctx_s1", "plus_sent_s1", "plus_ment_s1", "joint_s1", "ner_only_s1"])
    with pytest.raises(ValueError):
        make_plan(["table9"], 1, 1)


def test_plan_only_el_adds_the_joint_mention_source() -> None:
    plan = make_plan(["el_only"], 2, 1)
    assert names(plan) == ["el_only_s1", "el_only_s2", "joint_s1", "joint_s2"]
    el_evals = [e for e in plan.evals if e.run.system == "el_only"]
    assert {(e.run.seed, e.mentions_from) for e in el_evals} == {(1, RunKey("joint", 1)), (2, RunKey("joint", 2))}


# ---- fake run directories -------------------------------------------------------------------------

def make_run(run_dir: Path, epochs_done: int, epochs: int = 2, best: bool = True) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps({"model": {}, "train": {"epochs": epochs}, "limit_train": None}))
    with open(run_dir / "log.jsonl", "a") as log:
        for epoch in range(1, epochs_done + 1):
            # the trainer calibrates coherence every epoch and logs the weight it chose
            log.write(json.dumps({"epoch": epoch, "train_seconds": 100.0, "best": True,
                                  "validation": {"coherence_weight": 8.0}}) + "\n")
    if best:
        (run_dir / "best.pt").write_bytes(b"weights")


class FakeRunner:
    """Stands in for `python -m scripts.train`: 'trains' the run dir named in the command."""

    def __init__(self, epochs: int = 2) -> None:
        self.calls: list[list[str]] = []
        self.epochs = epochs

    def __call__(self, command: list[str], log_path: Path) -> int:
        self.calls.append(command)
        run_dir = Path(command[command.index("--run-dir") + 1])
        epochs = int(command[command.index("--epochs") + 1]) if "--epochs" in command else self.epochs
        done = run_state(run_dir, epochs).epochs_done if run_dir.exists() else 0
        if run_dir.exists():
            (run_dir / "log.jsonl").unlink(missing_ok=True)
        make_run(run_dir, max(done, epochs), epochs)
        return 0


def fake_scores(checkpoint: Path, split: str, mentions_from: Path | None, local: bool = False) -> dict:
    seed = int(checkpoint.parent.name.rsplit("_s", 1)[1])
    base = (90.0 if split == "validation" else 88.0) - (2.0 if local else 0.0)
    return {"split": split, "ner_f1": base + seed, "el_micro_f1": base - 5 + seed, "el_macro_f1": base - 6 + seed,
            "mentions_from": str(mentions_from) if mentions_from else None}


def test_complete_run_is_reused_not_retrained(tmp_path: Path) -> None:
    make_run(tmp_path / "joint_s1", epochs_done=2, epochs=2)
    runner = FakeRunner()
    assert ensure_trained(RunKey("joint", 1), tmp_path, None, None, runner) == "reused"
    assert runner.calls == []


def test_partial_or_absent_run_is_trained(tmp_path: Path) -> None:
    make_run(tmp_path / "plus_ment_s2", epochs_done=1, epochs=2)
    runner = FakeRunner()
    assert ensure_trained(RunKey("plus_ment", 2), tmp_path, None, 20, runner) == "trained"
    command = runner.calls[0]
    assert command[:3] == ["python", "-m", "scripts.train"]
    assert command[command.index("--run-dir") + 1] == str(tmp_path / "plus_ment_s2")
    assert command[command.index("--seed") + 1] == "2"
    assert "--no-nil" in command and "--no-mention-rep" not in command
    assert command[command.index("--threads") + 1] == "1" and command[command.index("--limit-train") + 1] == "20"
    ensure_trained(RunKey("ner_only", 1), tmp_path, 3, None, runner)  # absent: trained, --epochs passed on
    assert runner.calls[1][runner.calls[1].index("--objective") + 1] == "ner"
    assert runner.calls[1][runner.calls[1].index("--epochs") + 1] == "3"


def test_more_epochs_requested_resumes(tmp_path: Path) -> None:
    make_run(tmp_path / "joint_s1", epochs_done=2, epochs=2)
    runner = FakeRunner(epochs=4)
    assert ensure_trained(RunKey("joint", 1), tmp_path, 4, None, runner) == "trained"
    assert len(runner.calls) == 1


def test_evaluation_cache_follows_the_checkpoint(tmp_path: Path) -> None:
    make_run(tmp_path / "joint_s1", 2)
    calls = []

    def evaluator(checkpoint, split, mentions_from, local=False):
        calls.append(checkpoint)
        return fake_scores(checkpoint, split, mentions_from, local)

    key = EvalKey(RunKey("joint", 1), "test")
    assert ensure_evaluated(key, tmp_path, evaluator) == "evaluated"
    assert (tmp_path / "joint_s1" / "eval_test.json").exists()
    assert ensure_evaluated(key, tmp_path, evaluator) == "cached"
    (tmp_path / "joint_s1" / "best.pt").write_bytes(b"new weights, another size")
    assert ensure_evaluated(key, tmp_path, evaluator) == "evaluated"
    assert len(calls) == 2
    make_run(tmp_path / "el_only_s1", 2)
    ensure_evaluated(EvalKey(RunKey("el_only", 1), "test", RunKey("joint", 1)), tmp_path, evaluator)
    assert (tmp_path / "el_only_s1" / "eval_test_mentions-from-joint_s1.json").exists()
    ensure_evaluated(EvalKey(RunKey("joint", 1), "test", local=True), tmp_path, evaluator)
    local = json.loads((tmp_path / "joint_s1" / "eval_test_local.json").read_text())["result"]
    assert local["el_micro_f1"] == fake_scores(tmp_path / "joint_s1" / "best.pt", "test", None, local=True)["el_micro_f1"]


def test_failed_dependency_skips_dependents() -> None:
    def boom() -> str:
        raise RuntimeError("no")

    outcome = benchmark.execute([benchmark.Task("a", boom), benchmark.Task("b", lambda: "ok", ["a"]),
                                 benchmark.Task("c", lambda: "fine")], jobs=2)
    assert outcome["a"][0] is False and outcome["b"] == (False, "skipped: a failed") and outcome["c"] == (True, "fine")
    outcome = benchmark.execute([benchmark.Task("d", lambda: "ok", ["nowhere"]), benchmark.Task("e", lambda: "ok", ["d"])], 1)
    assert outcome == {"d": (False, "skipped: unknown dependency"), "e": (False, "skipped: unknown dependency")}


def test_a_finished_runs_evaluation_goes_before_the_next_training() -> None:
    order: list[str] = []

    def step(name: str):
        return lambda: order.append(name) or "ok"

    tasks = [benchmark.Task("train a", step("train a")), benchmark.Task("train b", step("train b")),
             benchmark.Task("eval a", step("eval a"), ["train a"]), benchmark.Task("eval b", step("eval b"), ["train b"])]
    benchmark.execute(tasks, jobs=1)
    assert order == ["train a", "eval a", "train b", "eval b"]


# ---- tables ---------------------------------------------------------------------------------------

def fake_data(settings: Settings, scores: dict[str, dict[str, dict[str, float]]]) -> dict:
    runs = {}
    for run in make_plan(None, settings.main_seeds, settings.ablation_seeds).runs:
        evals = scores.get(run.name, {})
        runs[run.name] = {"system": run.system, "seed": run.seed, "run_dir": "", "exists": bool(evals),
                          "epochs_done": 10 if evals else 0, "target_epochs": 10, "complete": bool(evals),
                          "train_seconds": 3600.0 if evals else 0.0, "eval_seconds": 60.0 if evals else 0.0,
                          "eval": {s: evals.get(s) for s in ("validation", "test")}}
        if run.system == "joint":  # decoded without coherence: 1.5 points less EL
            runs[run.name]["eval_local"] = {s: None if evals.get(s) is None else
                                            {k: v - 1.5 if k.startswith("el_") else v for k, v in evals[s].items()}
                                            for s in ("validation", "test")}
    return {"runs": runs, "shipped_checkpoint": "model/checkpoint/joint.pt", "shipped_exists": True,
            "shipped": {"validation": {"el_macro_f1": 80.0, "el_micro_f1": 83.0}, "test": None},
            "nif": {"validation": {"macro_f1": 79.5, "micro_f1": 82.5, "http_errors": 0, "offset_mismatches": 0,
                                   "docs_per_s": 3.2, "latency_p50_ms": 250, "latency_p95_ms": 900, "documents": 216},
                    "test": None},
            "other_seconds": 0.0}


def scores_for(ner: float, el: float) -> dict:
    return {split: {"ner_f1": ner - d, "el_micro_f1": el - d, "el_macro_f1": el - 1 - d}
            for split, d in (("validation", 0.0), ("test", 3.0))}


@pytest.fixture
def report_tables(tmp_path: Path):
    settings = Settings(tmp_path, tmp_path / "joint.pt", main_seeds=3, ablation_seeds=1)
    scores = {"joint_s1": scores_for(95.0, 85.0), "joint_s2": scores_for(95.4, 85.4), "joint_s3": scores_for(95.8, 85.2),
              "ner_only_s1": scores_for(95.1, 0), "ner_only_s2": scores_for(95.3, 0), "ner_only_s3": scores_for(95.5, 0),
              "el_only_s1": scores_for(0, 80.0),  # one seed of three: "cannot tell"
              "stack_lstm_s1": scores_for(93.0, 81.0)}
    data = fake_data(settings, scores)
    return settings, data, build_tables(data, settings)


def table(tables: list[dict], key: str) -> dict:
    return next(t for t in tables if t["key"] == key)


def row(table_: dict, label: str) -> dict:
    return next(r for r in table_["rows"] if r["label"] == label)


def test_cells_mean_std_and_difference(report_tables) -> None:
    _, _, tables = report_tables
    joint = row(table(tables, "table5"), "NER + EL")
    cell = joint["ours"][0]
    assert cell["n"] == 3 and cell["mean"] == pytest.approx(95.4)
    assert cell["std"] == pytest.approx(statistics.stdev([95.0, 95.4, 95.8]))
    assert joint["diff"][0] == pytest.approx(95.4 - 95.72)
    assert fmt_ours(cell) == "95.40 ± 0.40"
    one = row(table(tables, "table6"), "Only EL")["ours"][1]
    assert fmt_ours(one) == "80.00 (1 of 3 seeds)"
    ablation = row(table(tables, "table7"), "Stack-LSTM")["ours"][0]
    assert fmt_ours(ablation) == "93.00"
    assert "| Stack-LSTM | ours (1 seed) | 93.00 | 90.00 |" in "\n".join(render_table(table(tables, "table7")))
    assert row(table(tables, "table7"), "+ sentence rep")["ours"] == [None, None]


def test_coherence_table_compares_the_same_joint_runs_with_and_without_it(report_tables) -> None:
    _, _, tables = report_tables
    coherence = table(tables, "coherence")
    local = row(coherence, "NER + EL, sentence-level linking only (coherence off)")
    full = row(coherence, "NER + EL with document coherence (our full model)")
    assert local["runs"] == full["runs"] == ["joint_s1", "joint_s2", "joint_s3"]
    assert full["ours"][1]["mean"] == pytest.approx(85.2)
    assert local["ours"][1]["mean"] == pytest.approx(85.2 - 1.5)


def test_noise_verdicts(report_tables) -> None:
    _, _, tables = report_tables
    t5 = table(tables, "table5")["comparison"]
    assert t5["verdict"] == ["within noise", "within noise"]  # diff 0.1 < 2 x 0.4
    assert t5["ours_diff"][0] == pytest.approx(0.1)
    assert t5["paper_diff"][0] == pytest.approx(95.72 - 95.46)
    assert table(tables, "table6")["comparison"]["verdict"][0] == "cannot tell (fewer than 2 seeds)"
    wide = {"n": 3, "mean": 90.0, "std": 0.1}
    assert noise_verdict(wide, {"n": 3, "mean": 88.0, "std": 0.2}) == (pytest.approx(2.0), "beyond noise: joint better")
    assert noise_verdict(wide, {"n": 3, "mean": 91.0, "std": 0.2})[1] == "beyond noise: joint worse"
    assert noise_verdict(None, wide) == (None, DASH)


def test_markdown_has_every_row_and_paper_figure(report_tables) -> None:
    settings, data, tables = report_tables
    text = render_markdown({"commit": "abc1234+dirty", "command": "python -m scripts.benchmark --seeds 3",
                            "generated": "now", "settings": {"main_seeds": 3, "ablation_seeds": 1},
                            "compute_seconds": {"train": 7200.0, "evaluation": 360.0, "total": 7560.0},
                            "tables": tables, "missing": [], "produce_all": "python -m scripts.benchmark", "data": data})
    assert "abc1234+dirty" in text and "python -m scripts.benchmark --seeds 3" in text
    for spec in TABLES:
        assert spec.title in text and f"({spec.key}.png)" in text
        for r in spec.rows:
            assert f"| {r.label} |" in text
            for value in r.paper:
                if value is not None:
                    assert f"{value:.{spec.digits}f}" in text
    assert "| | Δ ours − paper | -0.32 |" in text  # Table 5 joint: 95.40 - 95.72
    assert "within noise" in text and "cannot tell" in text and "2 × the larger" in text
    assert "GloVe 6B 50-d" in text and "MiniLM" in text and "Wikipedia2Vec" in text and "greedy" in text
    assert "| validation | 82.50 | 79.50 | 0 | 0 | 3.20 |" in text  # NIF measurements
    assert f"| {DASH} |" in text
    assert "80.00" in text  # the shipped checkpoint's evaluate() figure


# ---- the command line -----------------------------------------------------------------------------

@pytest.fixture
def no_charts(monkeypatch):
    """matplotlib is slow on a loaded machine; the report-only test draws the real charts."""
    monkeypatch.setattr(report_module, "draw_chart", lambda table_, path: path.write_bytes(b"png"))

def cli(tmp_path: Path, *extra: str) -> list[str]:
    return ["--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"),
            "--shipped", str(tmp_path / "joint.pt"), *extra]


def test_report_only_on_empty_runs_dir_lists_missing(tmp_path: Path, monkeypatch) -> None:
    def forbidden(*_args, **_kwargs):
        raise AssertionError("--report-only must not train or evaluate")

    monkeypatch.setattr(benchmark, "subprocess_runner", forbidden)
    assert benchmark.main(cli(tmp_path, "--report-only")) == 0
    results = tmp_path / "results"
    text = (results / "tables.md").read_text()
    assert "## Missing" in text
    assert f"run joint_s1 (not trained): `python -m scripts.train --run-dir {tmp_path / 'runs'}/joint_s1 --seed 1 --threads 1`" in text
    assert "--objective el" in text and "--no-contextual --no-sentence-rep --no-mention-rep --no-nil" in text
    assert "NIF run of the shipped checkpoint" in text and "--report-only" in text
    assert f"| {DASH} | {DASH} |" in text
    report = json.loads((results / "results.json").read_text())
    assert report["command"].startswith("python -m scripts.benchmark --runs-dir") and report["commit"]
    assert report["compute_seconds"]["total"] == 0
    assert len(report["missing"]) > 10
    for key in report["charts"].values():
        assert (results / key).stat().st_size > 0
    assert not (tmp_path / "runs").exists()


def test_benchmark_trains_missing_reuses_complete_and_caches(tmp_path: Path, no_charts) -> None:
    runs = tmp_path / "runs"
    make_run(runs / "joint_s1", epochs_done=2, epochs=2)  # complete: must not be retrained
    runner, evaluated = FakeRunner(), []

    def evaluator(checkpoint, split, mentions_from, local=False):
        evaluated.append((checkpoint.parent.name, split) + (("local",) if local else ()))
        return fake_scores(checkpoint, split, mentions_from, local)

    args = benchmark.parse_args(cli(tmp_path, "--only", "table6", "--seeds", "1", "--jobs", "2"))
    report, outcome = benchmark.run_benchmark(args, ["--only", "table6"], runner, evaluator)
    assert all(ok for ok, _ in outcome.values()), outcome
    assert outcome["train joint_s1"] == (True, "reused")
    assert [c[c.index("--run-dir") + 1] for c in runner.calls] == [str(runs / "el_only_s1")]
    assert sorted(evaluated) == [("el_only_s1", "test"), ("el_only_s1", "validation"),
                                 ("joint_s1", "test"), ("joint_s1", "test", "local"),
                                 ("joint_s1", "validation"), ("joint_s1", "validation", "local")]
    t6 = table(report["tables"], "table6")
    assert row(t6, "Only EL")["ours"][1]["mean"] == pytest.approx(86.0)  # validation micro of seed 1
    assert report["compute_seconds"]["train"] == pytest.approx(400.0)  # 2 runs x 2 epochs x 100 s
    assert (tmp_path / "results" / "tables.md").exists()
    # second call: everything cached, nothing trained or evaluated
    runner.calls.clear()
    evaluated.clear()
    benchmark.run_benchmark(args, ["--only", "table6"], runner, evaluator)
    assert runner.calls == [] and evaluated == []
    data = collect(benchmark.settings_of(args))
    assert data["runs"]["el_only_s1"]["eval"]["test"]["mentions_from"] == str(runs / "joint_s1" / "best.pt")


def test_carry_over_keeps_rows_of_runs_not_on_this_machine_and_trains_nothing(tmp_path: Path, no_charts) -> None:
    first = tmp_path / "first"
    make_run(first / "runs" / "joint_s1", epochs_done=2, epochs=2)
    args = benchmark.parse_args(cli(first, "--only", "table6", "--seeds", "1"))
    earlier, _ = benchmark.run_benchmark(args, [], FakeRunner(), fake_scores)
    (first / "results" / "results.json").write_text(json.dumps(earlier, default=str))

    runner, evaluated = FakeRunner(), []

    def evaluator(checkpoint, split, mentions_from, local=False):
        evaluated.append(checkpoint.parent.name)
        return fake_scores(checkpoint, split, mentions_from, local)

    second = tmp_path / "second"  # a fresh machine: no run directories at all
    args = benchmark.parse_args(cli(second, "--only", "table6", "--seeds", "1",
                                    "--carry-over", str(first / "results" / "results.json")))
    report, outcome = benchmark.run_benchmark(args, [], runner, evaluator)
    assert runner.calls == [] and evaluated == [] and outcome == {}
    t6 = table(report["tables"], "table6")
    assert row(t6, "Only EL")["ours"][1]["mean"] == pytest.approx(86.0)  # the earlier report's figure
    carried = report["data"]["runs"]["joint_s1"]["carried_from"]
    assert carried["commit"] == earlier["commit"]
    text = (second / "results" / "tables.md").read_text()
    assert f"carried from {earlier['commit']}" in text and "carried over from earlier reports" in text


def test_shipped_and_nif_rows(tmp_path: Path, no_charts) -> None:
    (tmp_path / "joint.pt").write_bytes(b"shipped")
    (tmp_path / "joint.json").write_text(json.dumps({"command": "python -m scripts.train --seed 7 --document-rep"}))
    make_run(tmp_path / "runs" / "joint_s1", 2)
    nif_calls = []

    def shipped(checkpoint, split):
        return {"el_macro_f1": 81.0, "el_micro_f1": 84.0, "ner_f1": 95.0, "checkpoint": str(checkpoint)}

    def nif_driver(runs_dir, checkpoint, splits, limit):
        nif_calls.append(splits)
        return "driven"

    args = benchmark.parse_args(cli(tmp_path, "--only", "table4", "--seeds", "1"))
    report, outcome = benchmark.run_benchmark(args, [], FakeRunner(), fake_scores, shipped, nif_driver)
    assert outcome["eval shipped validation"][0] and nif_calls == [("validation", "test")]
    t4 = table(report["tables"], "table4")
    assert row(t4, "shipped checkpoint (model/checkpoint/joint.pt)")["ours"][0]["mean"] == 81.0
    assert "The shipped checkpoint was trained with `python -m scripts.train --seed 7 --document-rep`." in t4["notes"]
    assert not any("trained with" in note for note in table(report["tables"], "table5")["notes"])
    args = benchmark.parse_args(cli(tmp_path, "--only", "table4", "--seeds", "1", "--no-nif"))
    nif_calls.clear()
    _, outcome = benchmark.run_benchmark(args, [], FakeRunner(), fake_scores, shipped, nif_driver)
    assert nif_calls == [] and "nif" not in outcome


def test_seed_list_selects_exact_seeds():
    from scripts.bench.report import seed_text
    from scripts.bench.runs import make_plan, seed_range

    assert seed_range(3) == [1, 2, 3]
    assert seed_range((2,)) == [2]
    plan = make_plan(["ner_only"], (2,), 1, nif=False)
    assert {(r.system, r.seed) for r in plan.runs} == {("ner_only", 2)}
    assert seed_text((2,)) == "seed 2" and seed_text(3) == "3 (seeds 1..3)"


def test_nif_cache_follows_the_serving_code(tmp_path: Path) -> None:
    from scripts.bench import nif

    for folder in ("model", "nif", "server"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.py").write_text("x = 1\n")
    before = nif.serving_code_digest(tmp_path)
    assert nif.serving_code_digest(tmp_path) == before
    (tmp_path / "model" / "a.py").write_text("x = 2\n")
    assert nif.serving_code_digest(tmp_path) != before
    (tmp_path / "model" / "a.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("docs do not change answers")
    assert nif.serving_code_digest(tmp_path) == before


def test_ablation_steps_are_judged_against_the_full_models_seed_noise() -> None:
    from scripts.bench.ablation import ablation_steps, step_verdict

    def cell(mean, std=None, n=1):
        return {"mean": mean, "std": std, "n": n}

    rows = [{"label": "base", "ours": [cell(90.0), None], "paper": [90.0, 80.0]},
            {"label": "+ x", "ours": [cell(91.0), cell(80.0)], "paper": [90.5, 81.0]},
            {"label": "+ y", "ours": [cell(91.2), cell(79.0)], "paper": [90.4, 81.5]}]
    analysis = ablation_steps(rows, [cell(91.0, 0.1, 3), cell(79.5, 0.2, 3)])
    first, second = analysis["steps"]
    assert first["ours"][0] == pytest.approx(1.0) and first["ours"][1] is None
    assert first["paper"] == pytest.approx([0.5, 1.0])
    assert first["verdict"] == ["helps", "–"]
    assert second["verdict"] == ["within noise", "hurts"]  # 0.2 < 2·√2·0.1; 1.0 > 2·√2·0.2
    assert step_verdict(1.0, None).startswith("cannot tell")


def test_shipped_command_names_the_averaging_of_an_averaged_checkpoint(tmp_path: Path) -> None:
    from scripts.bench.report import shipped_command
    sidecar = tmp_path / "joint.json"
    sidecar.write_text(json.dumps({"command": "python -m scripts.train --seed 4", "averaged_epochs": [11, 20],
                                   "average_command": "python -m scripts.average_epochs --run-dir r"}))
    assert shipped_command(tmp_path / "joint.pt") == (
        "python -m scripts.train --seed 4 --keep-epochs`, then the mean of epochs 11-20 by "
        "`python -m scripts.average_epochs --run-dir r")
    sidecar.write_text(json.dumps({"command": "python -m scripts.train --seed 4", "averaged_epochs": None}))
    assert shipped_command(tmp_path / "joint.pt") == "python -m scripts.train --seed 4"
    sidecar.write_text("not json")
    assert shipped_command(tmp_path / "joint.pt") is None


def test_the_shipped_checkpoint_note_names_every_step_that_made_it(tmp_path: Path) -> None:
    import json

    from scripts.bench.report import shipped_command

    checkpoint = tmp_path / "joint.pt"
    checkpoint.with_suffix(".json").write_text(json.dumps({
        "command": "train B --keep-epochs", "averaged_epochs": [1, 6], "average_command": "average B",
        "fine_tuned_from": {"command": "train A", "averaged_epochs": [11, 20], "average_command": "average A"}}))
    assert shipped_command(checkpoint) == ("train A --keep-epochs`, then the mean of epochs 11-20 by `average A`, "
                                           "then fine-tuned by `train B --keep-epochs`, then the mean of epochs 1-6 "
                                           "by `average B")


def test_a_soups_note_names_each_ingredients_steps_and_the_averaging(tmp_path: Path) -> None:
    import json

    from scripts.bench.report import shipped_command

    checkpoint = tmp_path / "joint.pt"
    base = {"command": "train A"}
    checkpoint.with_suffix(".json").write_text(json.dumps({"soup": {"command": "soup B C", "ingredients": [
        {"command": "train B", "fine_tuned_from": base}, {"command": "train C", "fine_tuned_from": base}]}}))
    assert shipped_command(checkpoint) == ("train A`, then fine-tuned by `train B`; `train A`, then fine-tuned by "
                                           "`train C`, their weights averaged by `soup B C")
