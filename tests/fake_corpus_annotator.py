"""Fake annotators for the corpus tests (`tests/test_corpus.py`): the server's `FakeAnnotator`
(capitalised runs are mentions, no model) plus ways to fail that a corpus run must survive.

They run inside Ray actors, so what a test controls goes through the text itself: a text
holding ``BOOM`` makes the annotator raise; ``DIE-ONCE:<path>`` kills the actor's process the
first time (it creates `<path>`, later tries find it); ``DIE-ALWAYS`` kills it every time.
"""
from __future__ import annotations

import os
import re
from typing import Sequence

from model.annotation import Mention
from tests.fake_annotator import FakeAnnotator

DIE_ONCE = re.compile(r"DIE-ONCE:(\S+)")


class TroubledAnnotator(FakeAnnotator):
    """`FakeAnnotator`, but a text can make it raise or kill its own process (see the module)."""

    def annotate(self, text: str) -> list[Mention]:
        self._trouble(text)
        return super().annotate(text)

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        for text in texts:  # the whole batch fails as a real model's batched call would
            self._trouble(text)
        return [super(TroubledAnnotator, self).annotate(text) for text in texts]

    @staticmethod
    def _trouble(text: str) -> None:
        if "BOOM" in text:
            raise RuntimeError("simulated model failure")
        if "DIE-ALWAYS" in text:
            os._exit(3)
        once = DIE_ONCE.search(text)
        if once:
            try:
                os.close(os.open(once.group(1), os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
            os._exit(3)
