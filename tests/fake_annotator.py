"""A small deterministic stand-in for the model, for server tests only.

A2KB: every maximal run of capitalised words (tokens from `model.tokenizer`) is a mention;
its type and entity come from the `KNOWN` dict (missing -> MISC / NIL). D2KB: the given
spans, linked through the same dict by their surface text.
"""
from __future__ import annotations

import logging
import threading
from typing import Sequence

from model.annotation import AnnotatorLike, Mention
from model.tokenizer import tokenize

KNOWN: dict[str, tuple[str, str]] = {
    "Paris": ("LOC", "Paris"),
    "France": ("LOC", "France"),
    "Zürich": ("LOC", "Zürich"),
    "Angela Merkel": ("PER", "Angela_Merkel"),
    "Eu": ("LOC", "Eu,_Seine-Maritime"),
    "Guns N' Roses": ("ORG", 'Guns_N\'_Roses'),
    "Weird Al": ("PER", '"Weird_Al"_Yankovic'),
}


def _mention(text: str, start: int, end: int) -> Mention:
    surface = text[start:end]
    ner_type, entity = KNOWN.get(surface, ("MISC", None))
    return Mention(
        start=start,
        end=end,
        surface=surface,
        ner_type=ner_type,
        entity=entity,
        ner_score=0.9,
        el_score=0.8 if entity else None,
        nil_score=0.1 if entity else 0.9,
        candidates=[(entity, 0.8)] if entity else [],
    )


class FakeAnnotator(AnnotatorLike):
    """Satisfies `model.annotation.AnnotatorLike`; counts calls for assertions."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def annotate(self, text: str) -> list[Mention]:
        self.calls.append(("annotate", text))
        mentions: list[Mention] = []
        for sentence in tokenize(text):
            run: list[int] = []
            for index, token in enumerate(sentence + [None]):
                if token is not None and token.text[:1].isupper():
                    run.append(index)
                    continue
                if run:
                    first, last = sentence[run[0]], sentence[run[-1]]
                    mentions.append(_mention(text, first.start, last.end))
                    run = []
        return mentions

    def link(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        self.calls.append(("link", text))
        return [_mention(text, start, end) for start, end in spans]


class BrokenAnnotator(FakeAnnotator):
    """Raises inside the model, to test that real server errors become logged 500s."""

    def annotate(self, text: str) -> list[Mention]:
        raise RuntimeError("simulated model failure")


class GatedAnnotator(FakeAnnotator):
    """Construction blocks until `gate` is set: a model that takes a while to load."""

    gate = threading.Event()

    def __init__(self) -> None:
        if not self.gate.wait(10):
            raise TimeoutError("GatedAnnotator.gate was never opened")
        super().__init__()


class ReportingGatedAnnotator(FakeAnnotator):
    """Logs a step as the model's modules do (INFO, a `model.*` logger), then waits for `gate`."""

    gate = threading.Event()
    STEP = "exporting MiniLM to ONNX Runtime"

    def __init__(self) -> None:
        logging.getLogger("model.embeddings.minilm_onnx").info(self.STEP)
        if not self.gate.wait(10):
            raise TimeoutError("ReportingGatedAnnotator.gate was never opened")
        super().__init__()


class OutOfRangeAnnotator(FakeAnnotator):
    """Breaks the interface contract by returning a span past the end of the text."""

    def annotate(self, text: str) -> list[Mention]:
        return [_mention(text + "xxxx", 0, len(text) + 4)]


class HeldAnnotator(FakeAnnotator):
    """A slow model under test control: each call sets `entered`, then waits for `release`."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def annotate(self, text: str) -> list[Mention]:
        self.entered.set()
        if not self.release.wait(10):
            raise TimeoutError("HeldAnnotator.release was never set")
        return super().annotate(text)


class EncoderAnnotator(FakeAnnotator):
    """The fake, also running the real MiniLM encoder (ONNX Runtime, as served) on every text:
    in the gunicorn master at load (``--preload``), then in each worker on its own session."""

    def __init__(self) -> None:
        super().__init__()
        from model.embeddings.contextual import ContextualEncoder

        self.encoder = ContextualEncoder(backend="onnx")
        self.encoder.embed([["Warm", "up"]])

    def annotate(self, text: str) -> list[Mention]:
        self.encoder.embed([[t.text for t in sentence] for sentence in tokenize(text)])
        return super().annotate(text)
