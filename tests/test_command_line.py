"""One front door: ``python -m scripts`` lists the commands and each documents itself."""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from model.settings import REPO_ROOT
from scripts.__main__ import COMMANDS, PACKAGE_DIR, available, main

COMMAND_MODULES = sorted(available().items())


def test_listing_names_every_command_with_one_line() -> None:
    done = subprocess.run([sys.executable, "-m", "scripts"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")]
    assert listed == list(available())


def test_every_script_with_a_main_is_a_command() -> None:
    """A product command is listed; probes go to scripts/research/ (not listed)."""
    modules = {p.stem for p in PACKAGE_DIR.glob("*.py") if "def main(" in p.read_text()} - {"__main__"}
    assert modules == set(available().values())
    assert set(available()) <= set(COMMANDS)


@pytest.mark.parametrize("command, module", COMMAND_MODULES)
def test_every_command_documents_itself(command: str, module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["python"])  # main names the program from argv[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as leaving:
        main([command, "--help"])
    assert leaving.value.code == 0
    assert out.getvalue().startswith(f"usage: python -m scripts {command}")


def test_an_unknown_command_is_refused_with_the_listing(capsys: pytest.CaptureFixture) -> None:
    assert main(["nonesuch"]) == 2
    assert "unknown command 'nonesuch'" in capsys.readouterr().err
