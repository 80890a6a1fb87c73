"""Tables 7 and 8 step by step: what each cumulative-ablation row adds over the row above.

The ablation rows have one seed each, so a step is judged against the seed noise of the full
model: the sample std σ over the main seeds of the joint runs in the same column. A step is
the difference of two single runs, whose std is √2·σ, so it is *within noise* when
|step| < 2·√2·σ; *cannot tell* without at least two joint seeds.
"""
from __future__ import annotations

import math

DASH = "–"


def step_verdict(step: float | None, noise_std: float | None) -> str:
    if step is None:
        return DASH
    if noise_std is None:
        return "cannot tell (fewer than 2 joint seeds)"
    if abs(step) < 2 * math.sqrt(2) * noise_std:
        return "within noise"
    return "helps" if step > 0 else "hurts"


def ablation_steps(rows: list[dict], joint_cells: list[dict | None]) -> dict:
    """Per step (row i minus row i-1): our difference, the paper's, and the verdict."""
    noise = [cell["std"] if cell else None for cell in joint_cells]
    steps = []
    for previous, row in zip(rows, rows[1:]):
        ours = [None if a is None or b is None else a["mean"] - b["mean"] for a, b in zip(row["ours"], previous["ours"])]
        paper = [None if a is None or b is None else a - b for a, b in zip(row["paper"], previous["paper"])]
        steps.append({"label": row["label"], "ours": ours, "paper": paper,
                      "verdict": [step_verdict(d, s) for d, s in zip(ours, noise)]})
    return {"noise_std": noise, "noise_seeds": max((c["n"] for c in joint_cells if c), default=0), "steps": steps}


def render_steps(table: dict, fmt_diff) -> list[str]:
    """Markdown lines for a table's step analysis (`fmt_diff` formats a signed difference)."""
    analysis = table["steps"]
    cols = table["columns"]
    noise = " / ".join(DASH if s is None else f"{s:.2f}" for s in analysis["noise_std"])
    lines = ["", f"**Each step minus the row above** (one seed each, so a step is within noise when below "
             f"2·√2·σ, σ = the full model's std over {analysis['noise_seeds']} seeds: {noise} per column):", "",
             "| step | | " + " | ".join(cols) + " |", "|---|---|" + "---:|" * len(cols)]
    for step in analysis["steps"]:
        cells = [f"{fmt_diff(d)} ({v})" if d is not None else DASH for d, v in zip(step["ours"], step["verdict"])]
        lines.append(f"| {step['label']} | ours | " + " | ".join(cells) + " |")
        lines.append("| | paper | " + " | ".join(fmt_diff(d) for d in step["paper"]) + " |")
    return lines
