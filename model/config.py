"""Model configuration: every component the paper's ablations toggle is a switch here."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

OBJECTIVES = ("joint", "ner", "el")


@dataclass
class ModelConfig:
    hidden: int = 100  # Stack-LSTM and BiLSTM size (§4.2)
    char_dim: int = 25
    char_hidden: int = 25  # per direction: a 50-d character BiLSTM
    case_dim: int = 8
    action_dim: int = 20
    type_dim: int = 20
    el_hidden: int = 5000  # EL scorer layer (§4.2)
    nil_hidden: int = 100
    dropout: float = 0.3
    max_candidates: int = 30
    use_contextual: bool = True  # the paper's "+ Flair" (here MiniLM through flair)
    contextual_scope: str = "sentence"  # MiniLM sees one sentence, or also its neighbours ("document")
    use_sentence_rep: bool = True  # v_t
    use_mention_rep: bool = True  # m
    use_nil_classifier: bool = True
    objective: str = "joint"  # joint | ner (Only NER) | el (Only EL)
    # Beyond the paper (each measured on validation, see the closing notes / results):
    tune_words: bool = True  # trainable offsets to the frozen GloVe vectors of training words
    nil_uses_candidates: bool = True  # NIL classifier also sees the best EL prob, prior and #candidates
    nil_threshold: float = 0.5  # link only when P(NIL) <= threshold; calibrated on validation
    use_coherence: bool = True  # re-rank candidates by document coherence (model.coherence)
    coherence_weight: float = 0.0  # its strength; calibrated on validation (0 = off)
    use_document_rep: bool = False  # EL and NIL also see the document's mean MiniLM vector (its topic)
    el_bilinear: bool = False  # EL score adds a bilinear match s_t^T B c_e (context x entity interaction)
    tune_entities: bool = False  # trainable offsets to the fixed entity vectors (entities seen in training move)

    def __post_init__(self) -> None:
        if self.contextual_scope not in ("sentence", "document"):
            raise ValueError(f"contextual_scope must be 'sentence' or 'document', not {self.contextual_scope!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {self.objective!r}")
        if self.use_document_rep and not self.use_contextual:
            raise ValueError("use_document_rep averages the contextual vectors, so it needs use_contextual")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        # Checkpoints written before a feature existed were trained without it.
        return cls(**{**LEGACY_DEFAULTS, **values})


# Set after training by calibration on validation; they never change the trained weights.
DECODING_FIELDS = ("nil_threshold", "use_coherence", "coherence_weight")

LEGACY_DEFAULTS = {"tune_words": False, "nil_uses_candidates": False, "contextual_scope": "sentence",
                   "use_coherence": False, "use_document_rep": False,
                   "tune_entities": False, "el_bilinear": False}
