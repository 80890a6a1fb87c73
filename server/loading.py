"""Getting an annotator: injected, imported from a named factory, or loaded from disk.

The model package is imported lazily so the server (and its tests) work without torch or
before `model.annotator` exists.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

from model.annotation import AnnotatorLike
from server.model_calls import CallPolicy, GuardedAnnotator

LOGGER = logging.getLogger(__name__)
WARM_UP_TEXT = "Angela Merkel met the mayor of Paris on Monday."


class ModelUnavailable(RuntimeError):
    """The annotator cannot be loaded; the message says which setup step is missing."""


def import_factory(spec: str) -> Callable[[], Any]:
    """Import ``"package.module:Name"`` and return the named callable."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ModelUnavailable(f"annotator factory {spec!r} must look like 'package.module:Name'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ModelUnavailable(f"cannot import annotator factory {spec!r}: {error}") from error
    if not callable(factory):
        raise ModelUnavailable(f"annotator factory {spec!r} is not callable")
    return factory


def load_checkpoint(model_path: str, threads: int | None = None, kb: str | None = None,
                    encoder: str | None = None) -> AnnotatorLike:
    """`Annotator.load(model_path)`, with a message naming the missing step on failure."""
    path = Path(model_path)
    if not path.exists():
        raise ModelUnavailable(
            f"model checkpoint {path} not found: train it with `python -m scripts.train` "
            "(run `python -m scripts.prepare_data` first if the processed data is missing), "
            "or point NEREL_MODEL / MODEL_PATH at an existing checkpoint"
        )
    try:
        from model.annotator import Annotator  # lazy: needs torch
    except ImportError as error:
        raise ModelUnavailable(f"cannot import model.annotator ({error}); is torch installed?") from error
    annotator = Annotator.load(str(path), threads=threads, kb=kb, encoder=encoder)
    # One call now: first-call allocations happen before gunicorn forks (--preload), so the
    # workers share them and no client pays for them.
    annotator.annotate(WARM_UP_TEXT)
    return annotator


def build_annotator(config: dict[str, Any]) -> AnnotatorLike:
    """The annotator the configuration asks for (injected > factory > checkpoint)."""
    if config.get("ANNOTATOR") is not None:
        return config["ANNOTATOR"]
    if config.get("ANNOTATOR_FACTORY"):
        return import_factory(config["ANNOTATOR_FACTORY"])()
    return load_checkpoint(config["MODEL_PATH"], config.get("TORCH_THREADS"), config.get("KB"), config.get("ENCODER"))


def uses_open_kb_index(config: dict[str, Any]) -> bool:
    """Whether loading reads the open knowledge base's index (a checkpoint linking with it)."""
    # every mode but the paper's dictionary reads it (`model.candidates.candidate_source`)
    return config.get("ANNOTATOR") is None and not config.get("ANNOTATOR_FACTORY") and config.get("KB") != "aida"


def long_preparation(config: dict[str, Any]) -> str | None:
    """What loading must build first that takes minutes (the open knowledge base's index,
    missing or of another format), or None. A missing checkpoint needs nothing built: the
    load fails at once."""
    if not uses_open_kb_index(config) or not Path(config["MODEL_PATH"]).exists():
        return None
    from model.kb.build import index_signature  # lazy: the model package needs torch only to load
    from model.kb.lookup import default_index_path

    return None if index_signature(default_index_path()) else "the open knowledge base index"


class _LoaderMessages(logging.Handler):
    """Keeps the last INFO message the model's modules log from the loading thread."""

    def __init__(self, holder: "AnnotatorHolder") -> None:
        super().__init__(logging.INFO)
        self.holder, self.thread = holder, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.holder.step = record.getMessage()


class AnnotatorHolder:
    """Holds the process's guarded annotator and its loading state."""

    def __init__(self, policy: CallPolicy) -> None:
        self.annotator: GuardedAnnotator | None = None
        self.error: str | None = None
        self.step = "loading the model"  # what loading is doing (the model's last INFO log line)
        self.started = time.monotonic()
        self.builds_open_kb_index = False  # whether the loading may build the open KB index
        self._policy = policy
        self.settled = threading.Event()  # set once loading has succeeded or failed

    @property
    def ready(self) -> bool:
        return self.annotator is not None

    def status(self) -> dict[str, Any]:
        """What /health says: ready, failed (and why), or loading (what, for how long)."""
        if self.ready:
            return {"status": "ready"}
        if self.error:
            return {"status": "failed", "error": self.error}
        return {"status": "loading", "step": self.current_step(), "seconds": round(time.monotonic() - self.started, 1)}

    def current_step(self) -> str:
        """The open knowledge base build's progress while one runs (in any process, as
        another worker may be the one building), else the loader's last message."""
        if self.builds_open_kb_index:
            from model.kb.lookup import default_index_path
            from model.kb.progress import describe, read_progress

            progress = read_progress(default_index_path())
            if progress is not None:
                return f"building the open knowledge base index: {describe(progress)}"
        return self.step

    def load(self, config: dict[str, Any]) -> None:
        """Load now, in this thread; errors propagate (startup must stop)."""
        self.annotator = GuardedAnnotator(build_annotator(config), self._policy)
        self.settled.set()

    def load_in_background(self, config: dict[str, Any]) -> threading.Thread:
        """Load in a daemon thread, recording its progress and any failure for /health."""
        self.builds_open_kb_index = uses_open_kb_index(config)

        def run() -> None:
            messages = _LoaderMessages(self)
            model_logger = logging.getLogger("model")
            model_logger.addHandler(messages)
            try:
                self.load(config)
                LOGGER.info("annotator loaded in %.0f s", time.monotonic() - self.started)
            except Exception as error:  # reported through /health, not raised
                self.error = str(error)
                LOGGER.exception("annotator failed to load")
            finally:
                model_logger.removeHandler(messages)
                self.settled.set()

        thread = threading.Thread(target=run, name="annotator-loader", daemon=True)
        thread.start()
        return thread
