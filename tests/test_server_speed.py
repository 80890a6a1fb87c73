"""scripts.server_speed's arithmetic: medians over rounds, ratios against the baseline, goal lines."""
from __future__ import annotations

from scripts.server_speed import FIELDS, compare, summarise


def run(concurrency: int, docs_per_s: float, p95: float, f1: float) -> dict:
    figures = dict.fromkeys(FIELDS, 0.0)
    figures.update(docs_per_s=docs_per_s, latency_p95_ms=p95, micro_f1=f1)
    return {"task": "a2kb", "concurrency": concurrency, **figures}


def test_summarise_takes_medians_per_concurrency():
    rounds = [{"runs": [run(1, 1.0, 900, 82.0), run(4, 2.0, 3000, 82.0)]},
              {"runs": [run(1, 3.0, 500, 82.0), run(4, 4.0, 1000, 82.0)]},
              {"runs": [run(1, 2.0, 700, 82.0), run(4, 9.0, 2000, 82.0)]}]
    summary = {r["concurrency"]: r for r in summarise(rounds)}
    assert summary[1]["docs_per_s"] == 2.0 and summary[1]["latency_p95_ms"] == 700
    assert summary[4]["docs_per_s"] == 4.0 and summary[4]["latency_p95_ms"] == 2000


def test_compare_gives_ratios_and_goal_lines():
    current = [run(1, 20.0, 250.0, 82.1), run(4, 16.0, 900.0, 82.1)]
    baseline = [run(1, 10.0, 500.0, 82.3), run(4, 8.0, 1800.0, 82.3)]
    out = compare(current, baseline)
    ratios = {r["concurrency"]: r for r in out["ratios"]}
    assert ratios[1]["docs_per_s"] == 2.0 and ratios[1]["latency_p95_ms"] == 0.5
    assert ratios[4]["micro_f1_delta"] == -0.2
    assert out["goals"]["docs_per_s_4_clients"]["met"] and out["goals"]["latency_p95_ms_1_client"]["met"]
    assert out["goals"]["a2kb_micro_f1_delta"] == {"value": -0.2, "goal": "|delta| <= 0.3", "met": True}


def test_compare_flags_missed_goals_and_works_without_baseline():
    out = compare([run(1, 2.0, 950.0, 80.0), run(4, 2.1, 4000.0, 80.0)], [run(1, 1.0, 2300.0, 82.26)])
    assert not out["goals"]["docs_per_s_4_clients"]["met"]
    assert not out["goals"]["latency_p95_ms_1_client"]["met"]
    assert not out["goals"]["a2kb_micro_f1_delta"]["met"]  # -2.26
    alone = compare([run(4, 16.0, 900.0, 82.0)], None)
    assert alone["ratios"] == [] and "a2kb_micro_f1_delta" not in alone["goals"]
