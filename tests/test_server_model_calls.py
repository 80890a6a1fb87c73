"""The per-process model queue: one call at a time, waiting A2KB calls decoded as one batch."""
from __future__ import annotations

import threading
import time
from typing import Sequence

import pytest

from model.annotation import Mention
from server.config import resolve_config
from server.errors import ClientError
from server.model_calls import CallPolicy, GuardedAnnotator
from tests.fake_annotator import FakeAnnotator, HeldAnnotator

TEXTS = ["Paris and Bonn.", "Angela Merkel met Weird Al.", "France won.", "Nothing here."]


class BatchRecorder(HeldAnnotator):
    """A held model that records every batch it is given and fails on texts holding 'Boom'."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.release.set()

    def annotate(self, text: str) -> list[Mention]:
        if "Boom" in text:
            raise RuntimeError("simulated model failure on one document")
        return super().annotate(text)

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        self.batches.append(list(texts))
        return super().annotate_many(texts)


def policy(**keys) -> CallPolicy:
    """The configured call policy (`server.config` defaults) with some keys set."""
    return CallPolicy.from_config(resolve_config(keys))


def call_in_threads(guarded: GuardedAnnotator, calls: list) -> tuple[dict, dict, list[threading.Thread]]:
    """One thread per (text, spans) call, the first started; (answers, errors) fill in by call index."""
    answers, errors = {}, {}

    def run(index: int, text: str, spans) -> None:
        try:
            answers[index] = guarded.annotate(text) if spans is None else guarded.link(text, spans)
        except Exception as error:  # noqa: BLE001 - collected for assertions
            errors[index] = error

    threads = [threading.Thread(target=run, args=(i, text, spans)) for i, (text, spans) in enumerate(calls)]
    threads[0].start()
    return answers, errors, threads


def hold_then_queue(model: BatchRecorder, calls_policy: CallPolicy, calls: list) -> tuple[GuardedAnnotator, dict, dict]:
    """Call 0 holds the model; the others queue behind it, in order; then the model is released."""
    model.release.clear()
    guarded = GuardedAnnotator(model, calls_policy)
    answers, errors, threads = call_in_threads(guarded, calls)
    assert model.entered.wait(10)
    for count, thread in enumerate(threads[1:], start=2):
        thread.start()
        assert guarded.wait_until_in_progress(count, timeout=10)
    model.release.set()
    for thread in threads:
        thread.join(10)
    assert guarded.in_progress == 0
    return guarded, answers, errors


def expected(text: str) -> list[Mention]:
    return FakeAnnotator().annotate(text)


def test_waiting_a2kb_calls_run_as_one_batch_and_each_gets_its_own_answer() -> None:
    model = BatchRecorder()
    guarded, answers, errors = hold_then_queue(model, policy(MAX_BATCH_DOCUMENTS=4, BATCH_WAIT=0),
                                               [(text, None) for text in TEXTS])
    assert errors == {}
    assert model.batches == [TEXTS[1:]] and list(guarded.batch_sizes) == [1, 3]
    assert [answers[i] for i in range(len(TEXTS))] == [expected(text) for text in TEXTS]


def test_a_batch_holds_at_most_max_batch_documents_in_arrival_order() -> None:
    model = BatchRecorder()
    guarded, answers, errors = hold_then_queue(model, policy(MAX_BATCH_DOCUMENTS=2, BATCH_WAIT=0),
                                               [(text, None) for text in TEXTS])
    assert errors == {} and model.batches == [TEXTS[1:3]] and list(guarded.batch_sizes) == [1, 2, 1]


def test_d2kb_calls_run_alone_and_keep_their_place() -> None:
    model = BatchRecorder()
    spans = [(0, 5)]
    calls = [(TEXTS[0], None), (TEXTS[0], spans), (TEXTS[1], None), (TEXTS[2], None)]
    guarded, answers, errors = hold_then_queue(model, policy(BATCH_WAIT=0), calls)
    assert errors == {}
    # the D2KB call was first in line after the held one, so it ran next, alone
    assert model.calls[:2] == [("annotate", TEXTS[0]), ("link", TEXTS[0])]
    assert model.batches == [[TEXTS[1], TEXTS[2]]]
    assert answers[1] == FakeAnnotator().link(TEXTS[0], spans)


def test_a_failing_document_fails_only_its_own_request() -> None:
    model = BatchRecorder()
    calls = [(TEXTS[0], None), ("Boom goes Paris.", None), (TEXTS[1], None), (TEXTS[2], None)]
    guarded, answers, errors = hold_then_queue(model, policy(BATCH_WAIT=0), calls)
    assert set(errors) == {1} and "simulated model failure" in str(errors[1])
    assert answers[2] == expected(TEXTS[1]) and answers[3] == expected(TEXTS[2])


def test_calls_beyond_max_waiting_are_refused_with_503() -> None:
    model = BatchRecorder()
    model.release.clear()
    guarded = GuardedAnnotator(model, policy(MAX_WAITING_CALLS=1))
    answers, errors, threads = call_in_threads(guarded, [("Paris", None), ("Bonn", None)])
    assert model.entered.wait(10)
    threads[1].start()
    assert guarded.wait_until_in_progress(2, timeout=10)
    with pytest.raises(ClientError) as refused:
        guarded.annotate("France")
    assert refused.value.status == 503 and "MAX_WAITING_CALLS=1" in str(refused.value)
    model.release.set()
    for thread in threads:
        thread.join(10)
    assert errors == {} and len(answers) == 2


class SlowModel(FakeAnnotator):
    """Every model run takes `seconds`, however many documents it holds."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        time.sleep(self.seconds)
        return [FakeAnnotator.annotate(self, text) for text in texts]

    def annotate(self, text: str) -> list[Mention]:
        return self.annotate_many([text])[0]


def test_two_closed_loop_clients_end_up_batched() -> None:
    """Without waiting they would alternate (one runs while the other waits, each alone)."""
    guarded = GuardedAnnotator(SlowModel(0.02), policy(BATCH_WAIT=2.0))

    def client() -> None:
        for text in TEXTS * 2:
            assert guarded.annotate(text) == expected(text)

    clients = [threading.Thread(target=client) for _ in range(2)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(30)
    assert sum(guarded.batch_sizes) == 16 and guarded.batch_sizes.count(2) >= 6


def test_a_lone_client_never_waits_for_company() -> None:
    guarded = GuardedAnnotator(SlowModel(0.0), policy(BATCH_WAIT=5.0))
    began = time.monotonic()
    for text in TEXTS:
        assert guarded.annotate(text) == expected(text)
    assert time.monotonic() - began < 2.0 and list(guarded.batch_sizes) == [1, 1, 1, 1]


def test_without_serialisation_calls_go_straight_to_the_model() -> None:
    model = BatchRecorder()
    guarded = GuardedAnnotator(model, policy(SERIALIZE_MODEL_CALLS=False))
    assert guarded.annotate(TEXTS[0]) == expected(TEXTS[0]) and guarded.in_progress == 0
    with pytest.raises(RuntimeError, match="simulated model failure"):
        guarded.annotate("Boom")
