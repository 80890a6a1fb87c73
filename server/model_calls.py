"""One model per process, shared by the server's threads: calls queue for it, and A2KB
calls that wait together run as one batch.

The model is not thread-safe and a worker has one core, so its calls run one at a time.
Decoding several documents at once costs less per document than one after the other (each
transition step of the Stack-LSTMs runs for all their sentences together; see
`model.annotator.Annotator.annotate_many`), so when A2KB calls are waiting the next run takes
up to `max_batch` of them. D2KB calls (`link`) run alone.

With closed-loop clients (each sends its next document when the last is answered), two
clients of one process would otherwise alternate forever: one runs while the other waits,
and each finds the model free of others when its turn comes. So a run that follows a busy
one (a batch, or calls left waiting) may wait up to `batch_wait` seconds for as many calls
as that busy run had; a lone client never waits.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from model.annotation import AnnotatorLike, Mention
from server.errors import ClientError

Span = tuple[int, int]


@dataclass(frozen=True)
class CallPolicy:
    """How a process's model calls are queued (`server.config` keys in brackets)."""

    serialize: bool  # [SERIALIZE_MODEL_CALLS] one call at a time
    max_waiting: int  # [MAX_WAITING_CALLS] calls that may wait for the running one
    max_batch: int  # [MAX_BATCH_DOCUMENTS] A2KB documents decoded together
    batch_wait: float  # [BATCH_WAIT] seconds a run after a busy one waits for company

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "CallPolicy":
        return cls(config["SERIALIZE_MODEL_CALLS"], config["MAX_WAITING_CALLS"], config["MAX_BATCH_DOCUMENTS"],
                   config["BATCH_WAIT"])


@dataclass(eq=False)
class _Call:
    """One caller's request to the model and, once `done`, its answer or error."""

    text: str
    spans: Sequence[Span] | None  # None: A2KB
    result: list[Mention] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class GuardedAnnotator:
    """An `AnnotatorLike` that queues calls for the wrapped annotator (see the module doc)
    and refuses, with 503, a call that would wait behind `max_waiting` others.

    The bound on waiting callers keeps model requests from occupying every server thread
    of a process, so ``/health`` and ``GET /`` always find a free one.
    """

    def __init__(self, annotator: AnnotatorLike, policy: CallPolicy) -> None:
        self.wrapped, self.policy = annotator, policy
        self._changed = threading.Condition()
        self._queue: deque[_Call] = deque()  # calls waiting, oldest first
        self._running = False
        self._in_progress = 0  # calls running or waiting for the model
        self._company = 1  # calls the last run had (batch + those left waiting)
        self._last_end = float("-inf")  # time.monotonic() when the last run ended
        self.batch_sizes: deque[int] = deque(maxlen=1000)  # A2KB documents of the last runs (tests)

    def annotate(self, text: str) -> list[Mention]:
        return self._call(_Call(text, None))

    def link(self, text: str, spans: Sequence[Span]) -> list[Mention]:
        return self._call(_Call(text, list(spans)))

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Each text as a call of its own, one after the other."""
        return [self.annotate(text) for text in texts]

    @property
    def in_progress(self) -> int:
        """Model calls running or waiting in this process."""
        return self._in_progress

    def wait_until_in_progress(self, count: int, timeout: float) -> bool:
        """Block until `count` calls are running or waiting (False on timeout)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._in_progress >= count, timeout)

    def _call(self, call: _Call) -> list[Mention]:
        if not self.policy.serialize:
            self._run([call])
        else:
            with self._changed:
                if self._in_progress > self.policy.max_waiting:  # one running + max_waiting queued
                    raise ClientError(
                        503, f"the model is busy: {self._in_progress - 1} requests already wait in this "
                        f"server process (limit MAX_WAITING_CALLS={self.policy.max_waiting}); retry shortly"
                    )
                self._in_progress += 1
                self._queue.append(call)
                self._changed.notify_all()
                # Wait until another run answered this call, or it is first in line and the model is
                # free (`call` stays queued until a run takes it; a run answers all it took).
                self._changed.wait_for(lambda: call.done or (not self._running and self._queue[0] is call))
                if not call.done:
                    self._running = True
            try:
                if not call.done:
                    self._lead(call)
            finally:
                with self._changed:
                    self._in_progress -= 1
                    self._changed.notify_all()
        if call.error is not None:
            raise call.error
        return call.result

    def _lead(self, first: _Call) -> None:
        """Run `first` (first in line) with the A2KB calls that may join it."""
        batch: list[_Call] = [first]
        try:
            with self._changed:
                if first.spans is None and self._company > 1 and self.policy.batch_wait > 0 \
                        and time.monotonic() - self._last_end < self.policy.batch_wait:
                    wanted = min(self._company, self.policy.max_batch)
                    self._changed.wait_for(lambda: self._a2kb_waiting() >= wanted, self.policy.batch_wait)
                self._queue.remove(first)
                if first.spans is None:
                    for call in [c for c in self._queue if c.spans is None][:self.policy.max_batch - 1]:
                        self._queue.remove(call)
                        batch.append(call)
            self._run(batch)
        finally:
            with self._changed:
                for call in batch:
                    if not call.done:  # the run itself was interrupted
                        call.error, call.done = RuntimeError("model call interrupted"), True
                if first.spans is None:
                    self.batch_sizes.append(len(batch))
                self._company = len(batch) + len(self._queue)
                self._last_end = time.monotonic()
                self._running = False
                self._changed.notify_all()

    def _a2kb_waiting(self) -> int:
        return sum(1 for call in self._queue if call.spans is None)

    def _run(self, batch: list[_Call]) -> None:
        """Answer every call of `batch`; a failing batch is rerun call by call, so one bad
        document fails only its own request."""
        if len(batch) > 1:
            try:
                answers = self.wrapped.annotate_many([call.text for call in batch])
            except Exception:  # noqa: BLE001 - each call is retried alone below
                pass
            else:
                for call, answer in zip(batch, answers):
                    call.result, call.done = list(answer), True
                return
        for call in batch:
            try:
                if call.spans is None:
                    call.result = list(self.wrapped.annotate(call.text))
                else:
                    call.result = list(self.wrapped.link(call.text, call.spans))
            except Exception as error:  # noqa: BLE001 - re-raised in the caller's thread
                call.error = error
            call.done = True
