"""The offline CLI (`scripts/annotate.py`) with the fake annotator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nif.answers import read_answer
from scripts.annotate import main
from tests.conftest import request_ttl

FAKE = ["--annotator", "tests.fake_annotator:FakeAnnotator"]
pytestmark = pytest.mark.usefixtures("hermetic_server_environment")


def test_text_to_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["😀 Angela Merkel met someone in Paris.", *FAKE]) == 0
    [document] = json.loads(capsys.readouterr().out)["documents"]
    assert [(m["start"], m["surface"]) for m in document["mentions"]] == [(2, "Angela Merkel"), (31, "Paris")]


def test_conll_to_nif_uses_gerbil_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conll = tmp_path / "mini.conll"
    conll.write_text("-DOCSTART- -X- O O\n\nParis NNP I-NP I-LOC\n's POS B-NP O\nmayor NN I-NP O\n. . O O\n")
    assert main(["--conll", str(conll), "--format", "nif", *FAKE]) == 0
    phrases = read_answer(capsys.readouterr().out.encode(), "text/turtle")
    assert [(p.begin, p.end, p.anchor) for p in phrases] == [(0, 5, "Paris")]


def test_nif_file_d2kb_and_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "request.ttl"
    request.write_bytes(request_ttl(phrases=[(31, 36, "Paris")]))
    assert main(["--nif", str(request), "--format", "nif", "--offsets", "gerbil", *FAKE]) == 0
    phrases = read_answer(capsys.readouterr().out.encode(), "text/turtle")
    assert [(p.begin, p.end, p.entity_uris) for p in phrases] == [(32, 37, ("http://en.wikipedia.org/wiki/Paris",))]
    assert main(["Paris", "--model", str(tmp_path / "none.pt")]) == 2
    assert "python -m scripts.train" in capsys.readouterr().err
