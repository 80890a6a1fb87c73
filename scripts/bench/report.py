"""Collect cached results, build the tables (ours vs paper, difference, noise verdict), write the report.

Everything here reads what exists and never trains or evaluates: ``collect`` gathers run states
and cached evaluations, ``build_tables`` turns them into cells, ``render_markdown`` /
``write_report`` produce results/tables.md, results/results.json and one PNG per table.
"""
from __future__ import annotations

import json
import shlex
import statistics
from dataclasses import dataclass
from pathlib import Path

from scripts.bench.ablation import DASH, ablation_steps, render_steps
from scripts.bench.nif import cached_nif
from scripts.bench.runs import (REPO_ROOT, SPLITS, RunKey, cached_eval, eval_cache_path, eval_key, evals_of,
                                evaluate_command, make_plan, read_cache, row_runs, run_state, train_command)
from scripts.bench.systems import LOCAL_SYSTEMS, TABLES, Row, Table

SETUP_NOTE = """\
What differs from the paper's setup (§4.2 otherwise followed: Stack-LSTM transition system, 100-d
LSTMs, 5000-unit EL scorer, NIL classifier, Adam, dropout 0.3, epoch chosen on validation):

* word embeddings: GloVe 6B 50-d (frozen, with a trainable offset for words seen twice in
  training), not the paper's embeddings; a casing embedding beside the character BiLSTM;
* contextual features ("+ Flair" rows): all-MiniLM-L6-v2 through flair's TransformerWordEmbeddings
  instead of Flair's contextual string embeddings;
* entity vectors learned here (DeepWalk on the PPRforNED link graph + GloVe title words + entity
  type) instead of Wikipedia2Vec;
* candidates and priors: AIDA-train counts backed off to popularity over PPRforNED candidates (all
  AIDA mention surface forms and candidate titles as aliases, at most 30 candidates);
* NIL classifier: besides s_t it sees the best candidate's probability, its prior and the number
  of candidates, and its threshold is chosen on validation ("+ NIL" row and every row after it);
* greedy decoding; CPU training, 10 epochs.
"""
NOISE_RULE = """\
Noise rule (Tables 5 and 6): for each column, the difference of the seed means (joint − single
task) is *within noise* when |difference| < 2 × the larger of the two sample standard deviations,
and *beyond noise* otherwise; with fewer than 2 seeds on either side the verdict is *cannot tell*.
"""
NIF_COLUMNS = {"el_macro_f1": "macro_f1", "el_micro_f1": "micro_f1"}


@dataclass
class Settings:
    runs_dir: Path
    shipped: Path
    main_seeds: int | tuple[int, ...] = 3
    ablation_seeds: int = 1
    epochs: int | None = None
    limit_train: int | None = None
    nif_limit: int | None = None
    results_dir: Path = Path("results")


def seed_text(seeds) -> str:
    """``3`` → "3 (seeds 1..3)"; an explicit list → "seed 2" / "seeds 2, 3"."""
    if isinstance(seeds, (list, tuple)):
        return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))
    return f"{seeds} (seeds 1..{seeds})"


def shown(path: Path) -> Path:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def bench_command(settings: Settings, only: str | None = None, nif: bool = True) -> str:
    """The benchmark command (same directories and seeds) that would produce a missing item."""
    parts = ["python", "-m", "scripts.benchmark"] + (["--only", only] if only else [])
    if isinstance(settings.main_seeds, tuple):
        parts += ["--seed-list", ",".join(map(str, settings.main_seeds))]
    elif settings.main_seeds != 3:
        parts += ["--seeds", str(settings.main_seeds)]
    if settings.ablation_seeds != 1:
        parts += ["--ablation-seeds", str(settings.ablation_seeds)]
    for flag, value in (("--epochs", settings.epochs), ("--limit-train", settings.limit_train),
                        ("--nif-limit", settings.nif_limit)):
        if value:
            parts += [flag, str(value)]
    if shown(settings.runs_dir) != Path("runs"):
        parts += ["--runs-dir", str(shown(settings.runs_dir))]
    if shown(settings.results_dir) != Path("results"):
        parts += ["--results-dir", str(shown(settings.results_dir))]
    if shown(settings.shipped) != Path("model/checkpoint/joint.pt"):
        parts += ["--shipped", str(shown(settings.shipped))]
    return shlex.join(parts + ([] if nif else ["--no-nif"]))


# ---- collect --------------------------------------------------------------------------------------

def carried_runs(previous_report: dict | None) -> dict[str, dict]:
    """The runs of an earlier report (its results.json), each stamped with that report's commit,
    to stand in for run directories that are not on this machine (`benchmark --carry-over`)."""
    if not previous_report:
        return {}
    stamp = {"commit": previous_report.get("commit"), "generated": previous_report.get("generated")}
    return {name: {**run, "carried_from": run.get("carried_from") or stamp}
            for name, run in previous_report.get("data", {}).get("runs", {}).items() if run.get("complete")}


def collect(settings: Settings, carried: dict[str, dict] | None = None) -> dict:
    """Run states and cached results of everything any table uses (nothing is computed).
    A run whose directory is absent takes its entry from `carried` (`carried_runs`) if there."""
    runs: dict[str, dict] = {}
    for run in make_plan(None, settings.main_seeds, settings.ablation_seeds).runs:
        run_dir = settings.runs_dir / run.name
        if not run_dir.exists() and run.name in (carried or {}):
            runs[run.name] = carried[run.name]
            continue
        entry: dict = {"system": run.system, "seed": run.seed, "run_dir": str(run_dir), "exists": run_dir.exists(),
                       "epochs_done": 0, "target_epochs": None, "complete": False, "train_seconds": 0.0}
        if run_dir.exists():
            state = run_state(run_dir, settings.epochs)
            entry.update(epochs_done=state.epochs_done, target_epochs=state.target_epochs,
                         complete=state.complete, train_seconds=round(state.train_seconds, 1))
        payloads = {(e.split, e.local): cached_eval(e, settings.runs_dir) for e in evals_of(run)}
        entry["eval"] = {s: (p["result"] if p else None) for (s, local), p in payloads.items() if not local}
        if run.system in LOCAL_SYSTEMS:
            entry["eval_local"] = {s: (p["result"] if p else None) for (s, local), p in payloads.items() if local}
        entry["eval_seconds"] = round(sum(p["seconds"] for p in payloads.values() if p), 1)
        runs[run.name] = entry
    shipped_dir = settings.runs_dir / "shipped"
    shipped = {s: read_cache(eval_cache_path(shipped_dir, s), eval_key(settings.shipped, None)) for s in SPLITS}
    nif = {s: cached_nif(settings.runs_dir, settings.shipped, s, settings.nif_limit) for s in SPLITS}
    return {"runs": runs, "shipped_checkpoint": str(settings.shipped), "shipped_exists": settings.shipped.exists(),
            "shipped_command": shipped_command(settings.shipped),
            "shipped": {s: (p["result"] if p else None) for s, p in shipped.items()},
            "nif": {s: (p["result"] if p else None) for s, p in nif.items()},
            "other_seconds": round(sum(p["seconds"] for p in [*shipped.values(), *nif.values()] if p), 1)}


def shipped_command(checkpoint: Path) -> str | None:
    """How the shipped checkpoint was made, from the meta written beside it (<checkpoint>.json,
    by `scripts.train --export` or `scripts.average_epochs --export`), so readers see how the
    shipped model differs from the seeded runs: the training command, and the averaging
    command when the weights are a mean of epochs."""
    sidecar = checkpoint.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return None
    return _made_by(meta)


def _made_by(meta: dict) -> str | None:
    """The commands of `meta` (training, averaging), after those of the checkpoint it was
    fine-tuned from (``fine_tuned_from``), or a soup's ingredients' and its own, as one
    string for a pair of backticks."""
    if meta.get("soup"):
        made = [_made_by(ingredient) for ingredient in meta["soup"]["ingredients"]]
        return "`; `".join(m or "?" for m in made) + f"`, their weights averaged by `{meta['soup']['command']}"
    command = meta.get("command")
    if command and meta.get("averaged_epochs"):
        first, last = meta["averaged_epochs"]
        keep = "" if "--keep-epochs" in command else " --keep-epochs"
        command = f"{command}{keep}`, then the mean of epochs {first}-{last} by `{meta.get('average_command')}"
    origin = _made_by(meta["fine_tuned_from"]) if command and meta.get("fine_tuned_from") else None
    return f"{origin}`, then fine-tuned by `{command}" if origin else command


def compute_seconds(data: dict) -> dict:
    train = sum(r["train_seconds"] for r in data["runs"].values())
    evaluation = sum(r["eval_seconds"] for r in data["runs"].values()) + data["other_seconds"]
    return {"train": round(train, 1), "evaluation": round(evaluation, 1), "total": round(train + evaluation, 1)}


# ---- tables ---------------------------------------------------------------------------------------

def cell_stats(values: list[float], expected: int | None = None) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "expected": expected, "mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else None, "values": values}


def row_cells(row: Row, table: Table, data: dict, settings: Settings) -> tuple[list[dict | None], list[str]]:
    """Our cells of a row and the run names it draws on."""
    if row.system is None:
        return [None] * len(table.columns), []
    if row.source in ("shipped", "nif"):
        results = data[row.source]
        cells = []
        for split, metric, _ in table.columns:
            result = results.get(split)
            value = result.get(NIF_COLUMNS.get(metric, metric) if row.source == "nif" else metric) if result else None
            cells.append(cell_stats([float(value)], None) if value is not None else None)
        return cells, []
    runs = row_runs(row.system, row.seeds, settings.main_seeds, settings.ablation_seeds)
    evals = "eval_local" if row.source == "local" else "eval"
    cells = []
    for split, metric, _ in table.columns:
        values = [float(data["runs"][r.name][evals][split][metric]) for r in runs
                  if data["runs"][r.name][evals].get(split) is not None]
        cells.append(cell_stats(values, len(runs)))
    return cells, [r.name for r in runs]


def noise_verdict(joint: dict | None, single: dict | None) -> tuple[float | None, str]:
    if joint is None or single is None:
        return None, DASH
    diff = joint["mean"] - single["mean"]
    if joint["n"] < 2 or single["n"] < 2:
        return diff, "cannot tell (fewer than 2 seeds)"
    if abs(diff) < 2 * max(joint["std"], single["std"]):
        return diff, "within noise"
    return diff, "beyond noise: joint " + ("better" if diff > 0 else "worse")


def build_tables(data: dict, settings: Settings) -> list[dict]:
    built = []
    for table in TABLES:
        rows = []
        for row in table.rows:
            cells, run_names = row_cells(row, table, data, settings)
            diffs = [None if c is None or p is None else c["mean"] - p for c, p in zip(cells, row.paper)]
            rows.append({"label": row.label, "system": row.system, "source": row.source, "runs": run_names,
                         "ours": cells, "paper": list(row.paper), "diff": diffs})
        notes = list(table.notes)
        if data.get("shipped_command") and any(r.source == "shipped" for r in table.rows):
            notes.append(f"The shipped checkpoint was trained with `{data['shipped_command']}`.")
        entry = {"key": table.key, "title": table.title, "columns": [c[2] for c in table.columns], "digits": table.digits,
                 "rows": rows, "notes": notes, "comparison": None}
        if table.compare:
            joint = next(r for r in rows if r["label"] == table.compare[0])
            single = next(r for r in rows if r["label"] == table.compare[1])
            paper = [a - b if a is not None and b is not None else None for a, b in zip(joint["paper"], single["paper"])]
            verdicts = [noise_verdict(a, b) for a, b in zip(joint["ours"], single["ours"])]
            entry["comparison"] = {"joint": table.compare[0], "single": table.compare[1],
                                   "ours_diff": [v[0] for v in verdicts], "verdict": [v[1] for v in verdicts],
                                   "paper_diff": paper}
        if table.steps:  # noise scale: the full model over the main seeds, same columns
            joint_cells, _ = row_cells(Row("joint", (), "joint", "main"), table, data, settings)
            entry["steps"] = ablation_steps(rows, joint_cells)
        built.append(entry)
    return built


def missing_items(data: dict, settings: Settings, nif_enabled: bool = True) -> list[dict]:
    """What is missing, with the command that would produce it (a missing run's evaluations follow it)."""
    items: list[dict] = []
    runs_dir = shown(settings.runs_dir)
    for name, run in data["runs"].items():
        key = RunKey(run["system"], run["seed"])
        if not run["complete"]:
            state = f"{run['epochs_done']}/{run['target_epochs']} epochs" if run["exists"] else "not trained"
            items.append({"what": f"run {name} ({state})",
                          "command": shlex.join(train_command(key, runs_dir, settings.epochs, settings.limit_train)),
                          "then": bench_command(settings, run["system"], nif=False)})
            continue
        for ek in evals_of(key):
            if run["eval_local" if ek.local else "eval"].get(ek.split) is None:
                items.append({"what": ek.name, "command": evaluate_command(ek, runs_dir),
                              "then": bench_command(settings, run["system"], nif=False)})
    if not data["shipped_exists"]:
        items.append({"what": f"shipped checkpoint {shown(settings.shipped)}",
                      "command": f"python -m scripts.train --run-dir {runs_dir}/joint_s1 --seed 1 --threads 1 "
                                 f"--export {shown(settings.shipped)}"})
    for split in SPLITS:
        if data["shipped"].get(split) is None:
            items.append({"what": f"shipped checkpoint evaluation ({split})", "command": bench_command(settings, "table4", nif=False)})
    for split in SPLITS:
        if data["nif"].get(split) is None:
            items.append({"what": f"NIF run of the shipped checkpoint ({split})" + ("" if nif_enabled else "; skipped by --no-nif"),
                          "command": bench_command(settings, "table4")})
    return items


# ---- rendering ------------------------------------------------------------------------------------

def fmt_ours(cell: dict | None) -> str:
    """"mean ± std" over seeds, the bare value for one seed (the row label says "1 seed"), "n of N" when partial."""
    if cell is None:
        return DASH
    text = f"{cell['mean']:.2f}" + (f" ± {cell['std']:.2f}" if cell["n"] > 1 else "")
    expected = cell.get("expected")
    if expected is not None and cell["n"] < expected:
        text += f" ({cell['n']} of {expected} seeds)"
    return text


def fmt_diff(value: float | None) -> str:
    return DASH if value is None else f"{value:+.2f}"


def fmt_paper(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def seeds_label(row: dict) -> str:
    if row["source"] == "nif":
        return "ours (NIF)"
    if row["source"] == "shipped":
        return "ours (evaluate())"
    n = len(row["runs"])
    return f"ours ({n} seed{'s' if n != 1 else ''})"


def render_table(table: dict) -> list[str]:
    cols = table["columns"]
    lines = [f"## {table['title']}", "", f"![{table['title']}]({table['key']}.png)", "",
             "| System | | " + " | ".join(cols) + " |", "|---|---|" + "---:|" * len(cols)]
    for row in table["rows"]:
        if row["system"] is None:
            lines.append(f"| {row['label']} | paper (not reproduced) | " + " | ".join(fmt_paper(p, table["digits"]) for p in row["paper"]) + " |")
            continue
        lines.append(f"| {row['label']} | {seeds_label(row)} | " + " | ".join(fmt_ours(c) for c in row["ours"]) + " |")
        lines.append("| | paper | " + " | ".join(fmt_paper(p, table["digits"]) for p in row["paper"]) + " |")
        lines.append("| | Δ ours − paper | " + " | ".join(fmt_diff(d) for d in row["diff"]) + " |")
    comparison = table["comparison"]
    if comparison:
        lines += ["", f"**{comparison['joint']} − {comparison['single']}** (difference of means; see the noise rule):", "",
                  "| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols),
                  "| ours | " + " | ".join(fmt_diff(d) for d in comparison["ours_diff"]) + " |",
                  "| paper | " + " | ".join(fmt_diff(d) for d in comparison["paper_diff"]) + " |",
                  "| verdict | " + " | ".join(comparison["verdict"]) + " |", ""]
        lines.append(summary_sentence(table))
    if table.get("steps"):
        lines += render_steps(table, fmt_diff)
    if table["notes"]:
        lines += [""] + [f"_{note}_" for note in table["notes"]]
    return lines + [""]


def summary_sentence(table: dict) -> str:
    c = table["comparison"]
    verdicts = [v for v in c["verdict"] if v != DASH]
    if not verdicts:
        return "Joint vs single task: not measured yet."
    if all(v.startswith("cannot tell") for v in verdicts):
        return "Joint vs single task: **cannot tell** — fewer than 2 seeds on at least one side."
    parts = [f"{col}: {fmt_diff(d)} ({v})" for col, d, v in zip(table["columns"], c["ours_diff"], c["verdict"]) if v != DASH]
    if all(v == "within noise" for v in verdicts):
        head = "the joint model's advantage is **within noise** in every column"
    elif any(v.startswith("beyond") for v in verdicts):
        head = "the difference is **beyond noise** in at least one column"
    else:
        head = "mixed"
    return f"Joint vs single task: {head} — " + "; ".join(parts) + "."


def render_nif(data: dict) -> list[str]:
    lines = ["## NIF service measurements (shipped checkpoint, gerbil_drive A2KB)", "",
             "| split | micro F1 | macro F1 | HTTP errors | offset mismatches | docs/s | p50 ms | p95 ms | documents |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for split in SPLITS:
        r = data["nif"].get(split)
        if r is None:
            lines.append(f"| {split} | " + " | ".join([DASH] * 8) + " |")
            continue
        lines.append(f"| {split} | {r['micro_f1']:.2f} | {r['macro_f1']:.2f} | {r['http_errors']} | {r['offset_mismatches']} | "
                     f"{r['docs_per_s']:.2f} | {r['latency_p50_ms']:.0f} | {r['latency_p95_ms']:.0f} | {r['documents']} |")
    return lines + [""]


def render_markdown(report: dict) -> str:
    secs = report["compute_seconds"]
    lines = ["# Benchmark: Joint NER + EL (Martins, Marinho & Martins, ACL 2019 SRW), ours vs paper", "",
             f"- commit: `{report['commit']}`", f"- command: `{report['command']}`", f"- generated: {report['generated']}",
             f"- seeds: {seed_text(report['settings']['main_seeds'])} for joint / Only NER / Only EL; "
             f"{report['settings']['ablation_seeds']} for the ablation rows (Tables 7/8, seeds 1..N)",
             f"- compute: {secs['total'] / 3600:.2f} h ({secs['train'] / 3600:.2f} h training = sum of train_seconds in "
             f"log.jsonl; {secs['evaluation'] / 3600:.2f} h evaluation and NIF)", "",
             "Cells: ours are mean ± sample std over seeds (\"1 seed\" when only one), the shipped checkpoint and NIF "
             "rows a single model; paper figures as published; Δ = ours − paper; – = missing. EL is InKB strong "
             "match (exact span and entity), macro = mean per-document F1.", "", NOISE_RULE, SETUP_NOTE]
    carried = sorted({(r["carried_from"]["commit"], r["carried_from"]["generated"])
                      for r in report["data"]["runs"].values() if r.get("carried_from")})
    if carried:
        lines += ["Seeded runs not on this machine are carried over from earlier reports (`--carry-over`; "
                  "see the Runs table): " + "; ".join(f"commit `{c}`, generated {g}" for c, g in carried)
                  + ". The shipped-checkpoint and NIF rows are always measured in this call's tree.", ""]
    for table in report["tables"]:
        lines += render_table(table)
        if table["key"] == "table4":
            lines += render_nif(report["data"])
    lines += ["## Runs", "", "| run | epochs | train h | validation | test |", "|---|---:|---:|---|---|"]
    for name, run in report["data"]["runs"].items():
        epochs = f"{run['epochs_done']}/{run['target_epochs']}" if run["exists"] else DASH
        source = f"carried from {run['carried_from']['commit']}" if run.get("carried_from") else "cached"
        marks = [source if run["eval"].get(s) else DASH for s in SPLITS]
        lines.append(f"| {name} | {epochs} | {run['train_seconds'] / 3600:.2f} | {marks[0]} | {marks[1]} |")
    lines += ["", "## Missing", ""]
    if report["missing"]:
        lines += [f"Everything below: `{report['produce_all']}`", ""]
        lines += [f"- {item['what']}: `{item['command']}`" + (f", then `{item['then']}`" if item.get("then") else "")
                  for item in report["missing"]]
    else:
        lines.append("Nothing: every cell is filled.")
    lines += ["", "_Table 3 of the paper (NER test F1 beside published systems) is not reproduced._", ""]
    return "\n".join(lines)


def draw_chart(table: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = table["rows"], table["columns"]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols) + 1, 4.2), squeeze=False)
    short = {"shipped": "shipped (evaluate)", "nif": "shipped (NIF)"}
    labels = [short.get(r["source"]) or r["label"].split(" (")[0] for r in rows]
    width = 0.4
    for j, (ax, col) in enumerate(zip(axes[0], cols)):
        values = []
        for i, row in enumerate(rows):
            cell, paper = row["ours"][j], row["paper"][j]
            if cell is not None:
                ax.bar(i - width / 2, cell["mean"], width, yerr=cell["std"], color="tab:blue", capsize=3,
                       label="ours (mean ± std)" if "ours (mean ± std)" not in ax.get_legend_handles_labels()[1] else None)
                values.append(cell["mean"])
            if paper is not None:
                ax.bar(i + width / 2, paper, width, color="tab:orange",
                       label="paper" if "paper" not in ax.get_legend_handles_labels()[1] else None)
                values.append(paper)
        if values:
            ax.set_ylim(max(0, min(values) - 5), min(100, max(values) + 2))
        ax.set_title(col)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    handles, names = [], []
    for ax in axes[0]:
        for h, n in zip(*ax.get_legend_handles_labels()):
            if n not in names:
                handles.append(h)
                names.append(n)
    if handles:
        order = sorted(range(len(names)), key=lambda k: names[k] != "ours (mean ± std)")
        fig.legend([handles[k] for k in order], [names[k] for k in order], loc="upper left", fontsize=8)
    fig.suptitle(table["title"], fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict, results_dir: Path) -> dict:
    results_dir.mkdir(parents=True, exist_ok=True)
    charts = {}
    for table in report["tables"]:
        path = results_dir / f"{table['key']}.png"
        draw_chart(table, path)
        charts[table["key"]] = path.name
    report = {**report, "charts": charts}
    (results_dir / "tables.md").write_text(render_markdown(report))
    (results_dir / "results.json").write_text(json.dumps(report, indent=2, default=str))
    return report
