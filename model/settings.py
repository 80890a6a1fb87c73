"""Where things are and how many threads to use: the one place for paths and defaults.

Every script, the server and the model read these instead of re-deriving them:

- ``REPO_ROOT``: the repository checkout.
- ``DEFAULT_CHECKPOINT``: the shipped model (``$NEREL_MODEL`` overrides it).
- ``data_dir()``: raw shared data (``--data-dir``, else ``$NEREL_DATA_DIR``, else
  ``../shared/data`` beside the repository). Only rebuilding data and training read it.
- ``cache_dir()``: derived caches (``--cache-dir``, else ``$NEREL_CACHE_DIR``, else the
  user's cache directory, ``~/.cache/nerel`` on Linux: one cache for every checkout, so
  the open knowledge base's index is built once per user, not once per clone).
- ``kb_mode()``: what the model links against (``$NEREL_KB``, default ``open``; see
  `model.candidates`).
- ``encoder_backend()``: what runs MiniLM (``$NEREL_ENCODER``: ``onnx``, the default, or
  ``torch``; see `model.embeddings.contextual`).
- ``set_threads()``: torch's intra-op threads (``--threads``, else
  ``$NEREL_TORCH_THREADS``, else the caller's default).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHECKPOINT = REPO_ROOT / "model" / "checkpoint" / "joint.pt"

SETTINGS_PREFIX = "NEREL_"  # every variable of this project starts so
MODEL_ENV = "NEREL_MODEL"
DATA_ENV = "NEREL_DATA_DIR"
CACHE_ENV = "NEREL_CACHE_DIR"
THREADS_ENV = "NEREL_TORCH_THREADS"
KB_ENV = "NEREL_KB"
KB_MODES = ("aida", "open", "open-only")  # model.candidates says what each one is
DEFAULT_KB_MODE = "open"
ENCODER_ENV = "NEREL_ENCODER"
ENCODER_BACKENDS = ("onnx", "torch")  # the same vectors to float16 rounding; onnx is faster
DEFAULT_ENCODER_BACKEND = "onnx"


def _resolve(cli_value: str | Path | None, variable: str, default: Path) -> Path:
    raw = cli_value or os.environ.get(variable) or default
    return Path(raw).expanduser().resolve()


def model_path(cli_value: str | Path | None = None) -> Path:
    """The checkpoint to load: the argument, else ``$NEREL_MODEL``, else the shipped one."""
    return _resolve(cli_value, MODEL_ENV, DEFAULT_CHECKPOINT)


def data_dir(cli_value: str | Path | None = None) -> Path:
    """The raw shared data directory (not checked here: `model.data.aida.resolve_data_dir` checks it)."""
    return _resolve(cli_value, DATA_ENV, REPO_ROOT.parent / "shared" / "data")


def default_cache_dir() -> Path:
    """The user's cache directory for this project (``$XDG_CACHE_HOME/nerel``, else
    ``~/.cache/nerel`` on Linux; platformdirs knows the other systems' places)."""
    return Path(platformdirs.user_cache_dir("nerel", appauthor=False))


def cache_dir(cli_value: str | Path | None = None) -> Path:
    """The derived-data cache directory. What is in it is keyed by what it was built from
    (index format and inputs, encoder and package versions), so checkouts at other commits
    can share it; builds take a file lock, so servers starting at once build each thing once."""
    return _resolve(cli_value, CACHE_ENV, default_cache_dir())


def kb_mode(cli_value: str | None = None) -> str:
    """The knowledge-base mode: the argument, else ``$NEREL_KB``, else ``open``; checked."""
    mode = cli_value or os.environ.get(KB_ENV) or DEFAULT_KB_MODE
    if mode not in KB_MODES:
        raise ValueError(f"knowledge base {mode!r}; expected one of {', '.join(KB_MODES)}")
    return mode


def encoder_backend(cli_value: str | None = None) -> str:
    """What runs MiniLM: the argument, else ``$NEREL_ENCODER``, else ``onnx``; checked."""
    backend = cli_value or os.environ.get(ENCODER_ENV) or DEFAULT_ENCODER_BACKEND
    if backend not in ENCODER_BACKENDS:
        raise ValueError(f"encoder backend {backend!r}; expected one of {', '.join(ENCODER_BACKENDS)}")
    return backend


def threads(cli_value: int | None = None, default: int = 1) -> int:
    """Torch intra-op threads: the argument, else ``$NEREL_TORCH_THREADS``, else `default`."""
    if cli_value:
        return cli_value
    raw = os.environ.get(THREADS_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else default


def set_threads(cli_value: int | None = None, default: int = 1) -> int:
    """Bound torch's intra-op threads (one per worker suits 2 workers on 2 cores); returns the number."""
    import torch  # local: the server's config layer imports this module without needing torch

    count = threads(cli_value, default)
    torch.set_num_threads(count)
    return count


def export_kb_mode(mode: str) -> None:
    """Make `mode` the knowledge base of this process and of the processes it starts
    (``$NEREL_KB``, which every evaluation reads through `kb_mode`)."""
    os.environ[KB_ENV] = kb_mode(mode)


def child_environment(keep: Collection[str] | None = None, **updates: str) -> dict[str, str]:
    """The environment for a child process: this one's, plus `updates`, with the running
    interpreter's folder first on ``PATH``; with `keep` (a server under test, a baseline)
    without its ``NEREL_*`` settings except the variables `keep` names."""
    env = {k: v for k, v in os.environ.items()
           if keep is None or not (k.startswith(SETTINGS_PREFIX) and k not in keep)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env.update(updates)
    return env


def forbid_model_hub_downloads() -> None:
    """Tell transformers and huggingface_hub never to reach a model hub (nothing is downloaded
    at run time: MiniLM ships in a pip package), unless the caller's environment says otherwise."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def git_commit(short: bool = True) -> str:
    """The repository's HEAD commit (for stamping runs and reports), or "unknown"."""
    command = ["git", "-C", str(REPO_ROOT), "rev-parse"] + (["--short"] if short else []) + ["HEAD"]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
