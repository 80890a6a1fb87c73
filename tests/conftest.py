"""Shared fixtures: the real raw data (read once per session) for the data-layer tests,
and the server tests' request builders and real-gunicorn runner.

The raw data lives in ``../shared/data`` beside the repository (``$NEREL_DATA_DIR``
overrides). Tests that need it skip, with the reason, when it is absent; everything
else uses small fixtures written into ``tmp_path``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONLL_FILES = ("eng.train", "eng.testa", "eng.testb")


def _raw_data_dir() -> Path:
    return Path(os.environ.get("NEREL_DATA_DIR") or REPO_ROOT.parent / "shared" / "data").expanduser().resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real raw data directory; skips the test when it is missing or incomplete."""
    from model.data.aida import DataDirError, resolve_data_dir

    try:
        return resolve_data_dir(str(_raw_data_dir()))
    except DataDirError as error:
        pytest.skip(f"real raw data not available (set $NEREL_DATA_DIR or place it in ../shared/data): {error}")


@pytest.fixture(scope="session")
def conll_docs(data_dir: Path) -> dict:
    """``{"eng.train": [ConllDocument, ...], ...}`` read once per session."""
    from model.data.conll import read_conll

    return {name: read_conll(data_dir / "conll2003" / name) for name in CONLL_FILES}


@pytest.fixture(scope="session")
def aida(data_dir: Path):
    """``(splits, AlignmentReport)`` from `load_aida` on the real data, once per session."""
    from model.data.aida import AlignmentReport, load_aida

    report = AlignmentReport()
    splits = load_aida(data_dir, report)
    return splits, report


# --- server tests: request builders, hermetic settings, a real gunicorn -----------------

TURTLE = "application/x-turtle"
PREFIXES = (
    "@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)
TEXT = "😀 Angela Merkel met someone in Paris."  # emoji: 1 code point, 2 UTF-16 units
CONTEXT_URI = "http://www.aksw.org/gerbil/NifWebService/request_0#char=0,38"


def request_ttl(text: str = TEXT, phrases: Sequence[tuple[int, int, str]] = (), uri: str = CONTEXT_URI) -> bytes:
    """A GERBIL-like NIF Turtle request: one context, optional D2KB phrases (code points)."""
    lines = [
        PREFIXES,
        f"<{uri}> a nif:Context, nif:String, nif:RFC5147String ;",
        f"  nif:isString {json.dumps(text, ensure_ascii=False)} ;",
        f'  nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "{len(text)}"^^xsd:nonNegativeInteger .',
    ]
    base = uri.split("#")[0]
    for begin, end, anchor in phrases:
        lines.append(
            f"<{base}#char={begin},{end}> a nif:Phrase, nif:String, nif:RFC5147String ;"
            f" nif:referenceContext <{uri}> ; nif:anchorOf {json.dumps(anchor, ensure_ascii=False)} ;"
            f' nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ; nif:endIndex "{end}"^^xsd:nonNegativeInteger .'
        )
    return "\n".join(lines).encode("utf-8")


@pytest.fixture()
def hermetic_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server settings must come from the test, not from the developer's shell."""
    from server.config import ENVIRONMENT

    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)


class GunicornServer:
    """The Procfile's web line on 127.0.0.1 at a free port, in its own process group.

    Its output is read line by line in a thread, so a test waits for a log line (a worker
    booted) as an event instead of polling the server.
    """

    def __init__(self, extra_env: dict[str, str]) -> None:
        from scripts.bench.nif import free_port, procfile_web_command
        from server.config import ENVIRONMENT

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        inherited = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
        env = {
            **inherited,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPO_ROOT),
            **extra_env,
        }
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self.process = subprocess.Popen(
            ["sh", "-c", "exec " + procfile_web_command()],  # exec: the shell becomes the gunicorn master
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopped below without touching others
        )
        threading.Thread(target=self._read_output, daemon=True).start()

    def _read_output(self) -> None:
        for raw in self.process.stdout:
            with self._new_line:
                self.lines.append(raw.decode("utf-8", "replace"))
                self._new_line.notify_all()
        with self._new_line:
            self.lines.append("")  # end of output: wake waiters
            self._new_line.notify_all()

    def wait_for_output(self, fragment: str, count: int = 1, timeout: float = 60.0) -> bool:
        """Block until `count` output lines contain `fragment` (False on timeout or exit)."""

        def seen() -> bool:
            return sum(fragment in line for line in self.lines) >= count or (bool(self.lines) and self.lines[-1] == "")

        with self._new_line:
            self._new_line.wait_for(seen, timeout)
            return sum(fragment in line for line in self.lines) >= count

    def worker_pids(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def output(self) -> str:
        with self._new_line:
            return "".join(self.lines)

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return self.output()
