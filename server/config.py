"""Server configuration: documented keys, defaults, environment overrides, validation.

Keys (pass a dict to `server.app.create_app`; environment variables in brackets):

MODEL_PATH [NEREL_MODEL]
    Checkpoint loaded with ``model.annotator.Annotator.load``; default
    ``model/checkpoint/joint.pt`` under the repository root.
ANNOTATOR
    An object satisfying `model.annotation.AnnotatorLike`, used instead of loading
    MODEL_PATH (tests inject a fake here).
ANNOTATOR_FACTORY [NEREL_ANNOTATOR]
    ``"package.module:Name"``: a class or zero-argument callable returning an annotator,
    imported at startup instead of loading MODEL_PATH (lets a real gunicorn process run
    with a test double).
EAGER_LOAD [NEREL_EAGER_LOAD, "0"/"1"]
    True (default): load the model while creating the app and fail loudly if it cannot be
    loaded. False: load in a background thread; ``/health`` answers 503 until it is ready.
OFFSET_MODE [NEREL_OFFSET_MODE]
    ``gerbil`` (default): request offsets are code points, answer offsets UTF-16 code
    units (what GERBIL's Java parser expects). ``nif``: code points both ways.
URI_STYLE [NEREL_URI_STYLE]
    ``wikipedia`` (default, ``http://en.wikipedia.org/wiki/Title``) or ``dbpedia``.
NIL_MODE [NEREL_NIL_MODE]
    ``omit`` (default): NIL mentions are left out of NIF answers. ``emerging``: they get an
    ``http://aksw.org/notInWiki/Surface`` URI, which GERBIL counts as an emerging entity.
MAX_CONTENT_LENGTH [NEREL_MAX_CONTENT_LENGTH, bytes]
    Largest accepted request body; default 4 MiB, larger bodies get 413.
SERIALIZE_MODEL_CALLS
    True (default): one model call at a time per process (the model need not be
    thread-safe; other threads still answer /health).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = REPO_ROOT / "model" / "checkpoint" / "joint.pt"

OFFSET_MODES: tuple[str, ...] = ("gerbil", "nif")
URI_STYLES: tuple[str, ...] = ("wikipedia", "dbpedia")
NIL_MODES: tuple[str, ...] = ("omit", "emerging")

DEFAULTS: dict[str, Any] = {
    "MODEL_PATH": str(DEFAULT_MODEL_PATH),
    "ANNOTATOR": None,
    "ANNOTATOR_FACTORY": None,
    "EAGER_LOAD": True,
    "OFFSET_MODE": "gerbil",
    "URI_STYLE": "wikipedia",
    "NIL_MODE": "omit",
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    "SERIALIZE_MODEL_CALLS": True,
}

# Environment variable -> (config key, converter).
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "NEREL_MODEL": ("MODEL_PATH", str),
    "NEREL_ANNOTATOR": ("ANNOTATOR_FACTORY", str),
    "NEREL_EAGER_LOAD": ("EAGER_LOAD", bool),
    "NEREL_OFFSET_MODE": ("OFFSET_MODE", str),
    "NEREL_URI_STYLE": ("URI_STYLE", str),
    "NEREL_NIL_MODE": ("NIL_MODE", str),
    "NEREL_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
}

CHOICES: dict[str, tuple[str, ...]] = {
    "OFFSET_MODE": OFFSET_MODES,
    "URI_STYLE": URI_STYLES,
    "NIL_MODE": NIL_MODES,
}


class ConfigError(ValueError):
    """An invalid configuration value (operator error: stops the server start)."""


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable, (key, kind) in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw is None or raw == "":
            continue
        if kind is bool:
            values[key] = raw.strip().lower() not in ("0", "false", "no", "off")
        elif kind is int:
            try:
                values[key] = int(raw)
            except ValueError:
                raise ConfigError(f"{variable}={raw!r} is not an integer") from None
        else:
            values[key] = raw
    return values


def resolve_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then environment variables, then explicit `overrides`; validated."""
    config = dict(DEFAULTS)
    config.update(_from_environment(os.environ if environ is None else environ))
    config.update(overrides or {})
    for key, allowed in CHOICES.items():
        if config[key] not in allowed:
            raise ConfigError(f"{key}={config[key]!r}; expected one of {', '.join(allowed)}")
    if not isinstance(config["MAX_CONTENT_LENGTH"], int) or config["MAX_CONTENT_LENGTH"] <= 0:
        raise ConfigError("MAX_CONTENT_LENGTH must be a positive number of bytes")
    return config
