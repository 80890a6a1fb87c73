"""Getting an annotator: injected, imported from a named factory, or loaded from disk.

The model package is imported lazily so the server (and its tests) work without torch or
before `model.annotator` exists.
"""
from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path
from typing import Any, Callable

from model.annotation import AnnotatorLike

LOGGER = logging.getLogger(__name__)
WARM_UP_TEXT = "Germany beat Brazil in Berlin."


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


def load_checkpoint(model_path: str) -> AnnotatorLike:
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
    annotator = Annotator.load(str(path))
    # Warm-up: the first call pays lazy initialisation (tokenizer, flair, torch kernels);
    # with gunicorn --preload it is paid here, once, before the workers fork.
    annotator.annotate(WARM_UP_TEXT)
    return annotator


def build_annotator(config: dict[str, Any]) -> AnnotatorLike:
    """The annotator the configuration asks for (injected > factory > checkpoint)."""
    if config.get("ANNOTATOR") is not None:
        return config["ANNOTATOR"]
    if config.get("ANNOTATOR_FACTORY"):
        return import_factory(config["ANNOTATOR_FACTORY"])()
    return load_checkpoint(config["MODEL_PATH"])


class AnnotatorHolder:
    """Holds the process's annotator, its loading state, and the call lock."""

    def __init__(self, serialize_calls: bool) -> None:
        self.annotator: AnnotatorLike | None = None
        self.error: str | None = None
        self._lock = threading.Lock() if serialize_calls else None

    @property
    def ready(self) -> bool:
        return self.annotator is not None

    def load(self, config: dict[str, Any]) -> None:
        """Load now, in this thread; errors propagate (startup must stop)."""
        self.annotator = build_annotator(config)

    def load_in_background(self, config: dict[str, Any]) -> threading.Thread:
        """Load in a daemon thread, recording a failure message for /health."""

        def run() -> None:
            try:
                self.load(config)
                LOGGER.info("annotator loaded")
            except Exception as error:  # reported through /health, not raised
                LOGGER.exception("annotator failed to load")
                self.error = str(error)

        thread = threading.Thread(target=run, name="annotator-loader", daemon=True)
        thread.start()
        return thread

    def call(self, method: Callable[..., Any], *args: Any) -> Any:
        """Run `method(*args)`, one call at a time if calls are serialised."""
        if self._lock is None:
            return method(*args)
        with self._lock:
            return method(*args)
