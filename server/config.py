"""Server configuration: documented keys, defaults, environment overrides, validation.

Keys (pass a dict to `server.app.create_app`; environment variables in brackets):

MODEL_PATH [NEREL_MODEL]
    Checkpoint loaded with ``model.annotator.Annotator.load``; default
    `model.settings.model_path()` (the shipped ``model/checkpoint/joint.pt``).
KB [NEREL_KB]
    Candidates the model links against: ``open`` (default: the paper's AIDA dictionary first,
    then the open knowledge base of every Wikipedia title, built on the first start when
    missing), ``aida`` (the dictionary alone, as the paper) or ``open-only``.
ENCODER [NEREL_ENCODER]
    What runs the MiniLM encoder: ``onnx`` (default: ONNX Runtime, exported from the pip
    package's weights into the derived-data cache on the first start, a few seconds) or
    ``torch``; both compute the same vectors to float16 rounding.
TORCH_THREADS [NEREL_TORCH_THREADS]
    torch intra-op threads of the loaded model; default `model.settings.threads()` (1: one
    per worker process on a 2-core machine).
ANNOTATOR
    An object satisfying `model.annotation.AnnotatorLike`, used instead of loading
    MODEL_PATH (tests inject a fake here).
ANNOTATOR_FACTORY [NEREL_ANNOTATOR]
    ``"package.module:Name"``: a class or zero-argument callable returning an annotator,
    imported at startup instead of loading MODEL_PATH (lets a real gunicorn process run
    with a test double).
EAGER_LOAD [NEREL_EAGER_LOAD, "0"/"1"]
    Unset (default): load the model while creating the app (a gunicorn worker accepts no
    connection until it is loaded, a few seconds; a missing checkpoint stops the start),
    unless loading must first build the open knowledge base index (a first start, minutes):
    then load in a background thread, and ``/health`` answers 503 with the build's progress.
    True: always load while creating the app. False: always in the background.
OFFSET_MODE [NEREL_OFFSET_MODE]
    ``gerbil`` (default): request offsets are code points, answer offsets UTF-16 code
    units (what GERBIL's Java parser expects). ``nif``: code points both ways.
URI_STYLE [NEREL_URI_STYLE]
    ``wikipedia`` (default, ``http://en.wikipedia.org/wiki/Title``) or ``dbpedia``.
NIL_MODE [NEREL_NIL_MODE]
    ``omit`` (default): NIL mentions are left out of NIF answers. ``emerging``: they get an
    ``http://aksw.org/notInWiki/Surface`` URI, which GERBIL counts as an emerging entity.
MAX_CONTENT_LENGTH [NEREL_MAX_CONTENT_LENGTH, bytes]
    Largest accepted request body; default 1 MiB (8x GERBIL's largest AIDA request; parsing
    a MiB of NIF already takes rdflib seconds), larger bodies get 413.
MAX_DOCUMENT_CHARS, MAX_REQUEST_CHARS, MAX_DOCUMENT_TOKENS, MAX_REQUEST_TOKENS, MAX_REQUEST_PHRASES
    [NEREL_<KEY>] Limits on model work (see `server.limits`); more gets 413 naming the limit.
BODY_TIMEOUT [NEREL_BODY_TIMEOUT, seconds]
    The whole body must arrive within this time, else 408 (a client trickling its body
    would otherwise hold a server thread for as long as it likes).
SERIALIZE_MODEL_CALLS
    True (default): one model call at a time per process (the model need not be
    thread-safe; other threads still answer /health).
MAX_WAITING_CALLS [NEREL_MAX_WAITING_CALLS]
    Model calls allowed to wait for the one running in a process; more get 503 at once.
    Keep it at most gunicorn ``--threads`` minus 2, so a thread is always free for ``/health``.
MAX_BATCH_DOCUMENTS [NEREL_MAX_BATCH_DOCUMENTS]
    A2KB documents of waiting calls decoded together in one model run (default 4; 1: never
    batch). See `server.model_calls`.
BATCH_WAIT [NEREL_BATCH_WAIT, seconds]
    How long a model run that follows a busy one may wait for as many calls as that run had
    (default 0.05; 0: never wait). A lone client never waits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask import Config

from model.settings import (DEFAULT_ENCODER_BACKEND, DEFAULT_KB_MODE, ENCODER_BACKENDS, ENCODER_ENV, KB_ENV, KB_MODES,
                            MODEL_ENV, THREADS_ENV, model_path, threads)

ENV_PREFIX = "NEREL"
OFFSET_MODES: tuple[str, ...] = ("gerbil", "nif")
URI_STYLES: tuple[str, ...] = ("wikipedia", "dbpedia")
NIL_MODES: tuple[str, ...] = ("omit", "emerging")


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, how an environment value is read, what is valid."""

    default: Any
    kind: type | None = None  # None: any object (not settable from the environment)
    env: str | None = None  # environment variable; None: ``NEREL_<KEY>`` if `kind` is set
    choices: tuple[str, ...] = ()
    positive: bool = False
    non_negative: bool = False


# Work limits: sized with `python -m scripts.request_cost` and `python -m scripts.long_document`
# (docs/server.md, "Limits"): one request keeps a worker's model busy for seconds, not minutes.
SETTINGS: dict[str, Setting] = {
    "MODEL_PATH": Setting(lambda: str(model_path()), str, env=MODEL_ENV),
    "KB": Setting(DEFAULT_KB_MODE, str, env=KB_ENV, choices=KB_MODES),
    "ENCODER": Setting(DEFAULT_ENCODER_BACKEND, str, env=ENCODER_ENV, choices=ENCODER_BACKENDS),
    "TORCH_THREADS": Setting(lambda: threads(), int, env=THREADS_ENV, positive=True),
    "ANNOTATOR": Setting(None),
    "ANNOTATOR_FACTORY": Setting(None, str, env=f"{ENV_PREFIX}_ANNOTATOR"),
    "EAGER_LOAD": Setting(None, bool),  # None: `server.app.create_app` decides
    "OFFSET_MODE": Setting("gerbil", str, choices=OFFSET_MODES),
    "URI_STYLE": Setting("wikipedia", str, choices=URI_STYLES),
    "NIL_MODE": Setting("omit", str, choices=NIL_MODES),
    "MAX_CONTENT_LENGTH": Setting(1024 * 1024, int, positive=True),
    # Long articles and web pages pass whole: 100,000 characters of Wikipedia prose are
    # ~19,000 tokens, 11 s on one core and +170 MiB in a worker, which still answers /health
    # (docs/server.md, "Limits"; `python -m scripts.long_document`).
    "MAX_DOCUMENT_CHARS": Setting(100_000, int, positive=True),
    "MAX_REQUEST_CHARS": Setting(100_000, int, positive=True),
    "MAX_DOCUMENT_TOKENS": Setting(25_000, int, positive=True),
    "MAX_REQUEST_TOKENS": Setting(25_000, int, positive=True),
    "MAX_REQUEST_PHRASES": Setting(500, int, positive=True),
    "BODY_TIMEOUT": Setting(20.0, float, positive=True),
    "SERIALIZE_MODEL_CALLS": Setting(True),
    "MAX_WAITING_CALLS": Setting(4, int, non_negative=True),
    "MAX_BATCH_DOCUMENTS": Setting(4, int, positive=True),
    "BATCH_WAIT": Setting(0.05, float, non_negative=True),
}

# Environment variable -> config key (documented names; the rest are NEREL_<KEY>).
ENVIRONMENT: dict[str, str] = {
    (setting.env or f"{ENV_PREFIX}_{key}"): key for key, setting in SETTINGS.items() if setting.kind is not None
}
CHOICES: dict[str, tuple[str, ...]] = {key: s.choices for key, s in SETTINGS.items() if s.choices}


class ConfigError(ValueError):
    """An invalid configuration value (operator error: stops the server start)."""


def _default(key: str) -> Any:
    default = SETTINGS[key].default
    return default() if callable(default) else default


def _from_environment() -> dict[str, tuple[str, Any]]:
    """``{key: (variable, value)}`` for the set ``NEREL_*`` variables that name a key.

    Flask's `Config.from_prefixed_env` reads the variables (values parsed as JSON when they
    are JSON: ``"1"`` -> 1, ``"false"`` -> False); names are mapped back to keys here.
    """
    loaded = Config(".")
    loaded.from_prefixed_env(ENV_PREFIX)
    found: dict[str, tuple[str, Any]] = {}
    for variable, key in ENVIRONMENT.items():
        name = variable[len(ENV_PREFIX) + 1:]
        if name in loaded and loaded[name] != "":
            found[key] = (variable, loaded[name])
    return found


def _convert(kind: type, value: Any) -> Any:
    """`value` as `kind`, or ValueError. Environment values arrive JSON-parsed or as strings."""
    if kind is bool:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise ValueError("expected 0 or 1 (or true/false)")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected an integer")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number")
        return float(value)
    return value if isinstance(value, str) else str(value)


def _check(key: str, value: Any, source: str) -> Any:
    setting = SETTINGS[key]
    if value is None and setting.default is None:
        return None
    if setting.kind is not None:
        try:
            value = _convert(setting.kind, value)
        except ValueError as error:
            raise ConfigError(f"{source}={value!r}: {error}") from None
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{source}={value!r}; expected one of {', '.join(setting.choices)}")
    if setting.positive and not value > 0:
        raise ConfigError(f"{source}={value!r} must be positive")
    if setting.non_negative and value < 0:
        raise ConfigError(f"{source}={value!r} must be 0 or more")
    return value


def resolve_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``NEREL_*`` environment variables, then explicit `overrides`; validated."""
    environment = _from_environment()
    config: dict[str, Any] = dict(overrides or {})  # other keys (e.g. Flask's own) pass through
    for key in SETTINGS:
        if overrides and key in overrides:
            config[key] = _check(key, overrides[key], key)
        elif key in environment:
            variable, value = environment[key]
            config[key] = _check(key, value, variable)
        else:
            config[key] = _default(key)
    return config

