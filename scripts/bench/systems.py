"""The systems of the paper's Tables 4-8, their training flags and the paper's figures.

Each system is a `scripts.train` configuration trained into ``<runs>/<system>_s<seed>``.
Tables list rows; a row names the system whose runs fill it, which seed set it uses
(``main``: ``--seeds``; ``ablation``: ``--ablation-seeds``) and the paper's figures for
each of the table's columns (None where the paper has none).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from model.config import model_config_flags

# Each system of the tables: its `ModelConfig` over the defaults (the full joint model).
SYSTEM_CONFIGS: dict[str, dict] = {
    "joint": {},
    "ner_only": {"objective": "ner"},
    "el_only": {"objective": "el"},
    "stack_lstm": {"use_contextual": False, "use_sentence_rep": False, "use_mention_rep": False,
                   "use_nil_classifier": False},
    "plus_ctx": {"use_sentence_rep": False, "use_mention_rep": False, "use_nil_classifier": False},
    "plus_sent": {"use_mention_rep": False, "use_nil_classifier": False},
    "plus_ment": {"use_nil_classifier": False},
}
# The training flags of each (`scripts.train` takes them from the same fields' metadata).
SYSTEM_FLAGS: dict[str, tuple[str, ...]] = {name: tuple(model_config_flags(values))
                                            for name, values in SYSTEM_CONFIGS.items()}
ALIASES = {"plus_nil": "joint"}  # the last cumulative-ablation step is the full model
MENTIONS_FROM = {"el_only": "joint"}  # Only EL links the mentions the same seed's joint model found
ABLATION_SYSTEMS = ("stack_lstm", "plus_ctx", "plus_sent", "plus_ment")
LOCAL_SYSTEMS = ("joint",)  # also evaluated without document coherence (`evaluate --no-coherence`)

NER_COLUMNS = (("validation", "ner_f1", "val F1"), ("test", "ner_f1", "test F1"))
EL_COLUMNS = (("validation", "el_macro_f1", "val macro"), ("validation", "el_micro_f1", "val micro"),
              ("test", "el_macro_f1", "test macro"), ("test", "el_micro_f1", "test micro"))


@dataclass(frozen=True)
class Row:
    label: str
    paper: tuple[float | None, ...]
    system: str | None = None  # None: a paper-only row (another system, not reproduced here)
    seeds: str = "main"  # main | ablation
    source: str = "runs"  # runs | local (the same runs without coherence) | shipped | nif


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[tuple[str, str, str], ...]  # (split, metric key, header)
    rows: tuple[Row, ...]
    compare: tuple[str, str] | None = None  # (joint row label, single-task row label): noise verdict
    notes: tuple[str, ...] = field(default_factory=tuple)
    digits: int = 2  # the paper's precision
    steps: bool = False  # cumulative ablation: judge each row against the one above


PAPER_EL = (82.8, 85.2, 81.2, 81.9)
TABLES: tuple[Table, ...] = (
    Table("table4", "Table 4: end-to-end EL on AIDA (InKB strong match, F1)", EL_COLUMNS, (
        Row("Kolitsas et al. 2018", (86.6, 89.4, 82.6, 82.4)),
        Row("Cao et al. 2018", (77.0, 79.0, 80.0, 80.0)),
        Row("Nguyen et al. 2016", (None, None, None, 78.7)),
        Row("NER + EL (joint), offline", PAPER_EL, "joint"),
        Row("shipped checkpoint (model/checkpoint/joint.pt)", PAPER_EL, "joint", source="shipped"),
        Row("shipped checkpoint through NIF (gerbil_drive, A2KB)", PAPER_EL, "joint", source="nif"),
    ), notes=("Other systems' rows are the paper's figures only (not reproduced here).",), digits=1),
    Table("table5", "Table 5: NER F1, single task vs joint", NER_COLUMNS, (
        Row("Only NER", (95.46, 92.34), "ner_only"),
        Row("NER + EL", (95.72, 92.52), "joint"),
    ), compare=("NER + EL", "Only NER")),
    Table("table6", "Table 6: EL F1 (InKB strong match), single task vs joint", EL_COLUMNS, (
        Row("Only EL", (81.3, 83.5, 79.9, 80.2), "el_only"),
        Row("NER + EL", (82.6, 85.2, 81.1, 81.8), "joint"),
    ), compare=("NER + EL", "Only EL"),
        notes=("Only EL links the mentions detected by the joint model of the same seed "
               "(`evaluate(..., mentions_from=runs/joint_s<seed>/best.pt)`), as the paper's Table 6 does.",), digits=1),
    Table("table7", "Table 7: cumulative ablation, NER F1", NER_COLUMNS, (
        Row("Stack-LSTM", (93.54, 90.47), "stack_lstm", "ablation"),
        Row("+ Flair (ours: + contextual MiniLM)", (95.40, 92.16), "plus_ctx", "ablation"),
        Row("+ sentence rep", (95.55, 92.22), "plus_sent", "ablation"),
        Row("+ mention rep", (95.72, 92.52), "plus_ment", "ablation"),
        Row("+ NIL (= full joint model)", (95.68, 92.43), "joint", "ablation"),
    ), steps=True),
    Table("table8", "Table 8: cumulative ablation, EL F1 (InKB strong match)", EL_COLUMNS, (
        Row("Stack-LSTM", (81.95, 84.76, 80.37, 80.12), "stack_lstm", "ablation"),
        Row("+ Flair (ours: + contextual MiniLM)", (82.59, 85.75, 80.86, 81.05), "plus_ctx", "ablation"),
        Row("+ sentence rep", (82.31, 85.43, 80.49, 80.62), "plus_sent", "ablation"),
        Row("+ mention rep", (82.64, 85.17, 81.07, 81.76), "plus_ment", "ablation"),
        Row("+ NIL (= full joint model)", (82.78, 85.23, 81.19, 81.94), "joint", "ablation"),
    ), notes=("Every row links with document coherence calibrated on validation (beyond the paper; "
              "its own effect is the next table).",), steps=True),
    Table("coherence", "Beyond the paper: document coherence, EL F1 (InKB strong match)", EL_COLUMNS, (
        Row("NER + EL, sentence-level linking only (coherence off)", PAPER_EL, "joint", source="local"),
        Row("NER + EL with document coherence (our full model)", PAPER_EL, "joint"),
    ), notes=("The same checkpoints decoded twice: `scripts.evaluate --no-coherence` keeps each mention's "
              "sentence-level candidate probabilities, the full model re-ranks them by coherence with the "
              "document's other mentions (DeepWalk graph vectors, weight and NIL threshold calibrated on "
              "validation; model/coherence.py). The paper's figures are its full model, for scale.",), digits=1),
)
TABLE_KEYS = tuple(t.key for t in TABLES)
ONLY_CHOICES = TABLE_KEYS + tuple(SYSTEM_FLAGS) + tuple(ALIASES)


def canonical(system: str) -> str:
    return ALIASES.get(system, system)


def run_name(system: str, seed: int) -> str:
    return f"{canonical(system)}_s{seed}"
