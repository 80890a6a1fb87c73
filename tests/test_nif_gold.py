"""Reading NIF gold standards (`nif.gold`) and scoring them (`scripts.nif_eval`), hermetic."""
from __future__ import annotations

import json

import pytest

from nif.gold import GoldDocument, GoldMention, read_gold
from nif.records import NifError
from scripts.bench.nif_scoring import Prediction, classify, evaluate_in_process, evaluate_server
from scripts.nif_eval import main, means, table
from server.app import create_app
from tests.fake_annotator import FakeAnnotator

TEXT = "😀 Zürich and Paris met Jo Smith and Angela Merkel in the city of Berlin."
URI = "http://example.org/gold/doc-1#char=0,73"
OTHER = "http://example.org/gold/doc-0#char=0,12"
# surface -> taIdentRef (None: the phrase has none)
GOLD = {
    "Zürich": "http://dbpedia.org/resource/Z%C3%BCrich",
    "Paris": "http://dbpedia.org/resource/Paris%2C_Texas",
    "Jo Smith": "http://aksw.org/notInWiki/Jo_Smith",
    "Angela Merkel": "http://en.wikipedia.org/wiki/Angela_Merkel",
    "city": "http://dbpedia.org/resource/City",
    "Berlin": "http://dbpedia.org/resource/Berlin",
}


def phrase(context: str, text: str, surface: str, uri: str | None) -> str:
    begin = text.index(surface)  # code points, as GERBIL's datasets write them
    ident = f" ; itsrdf:taIdentRef <{uri}>" if uri else ""
    return (f"<{context.split('#')[0]}#char={begin},{begin + len(surface)}> a nif:Phrase ;"
            f" nif:referenceContext <{context}> ; nif:anchorOf {json.dumps(surface, ensure_ascii=False)} ;"
            f' nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ;'
            f' nif:endIndex "{begin + len(surface)}"^^xsd:nonNegativeInteger{ident} .\n')


GOLD_TTL = (
    "@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .\n"
    "@prefix itsrdf: <http://www.w3.org/2005/11/its/rdf#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    f"<{URI}> a nif:Context , nif:String ; nif:isString {json.dumps(TEXT, ensure_ascii=False)} ;"
    ' nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "73"^^xsd:nonNegativeInteger .\n'
    f'<{OTHER}> a nif:Context ; nif:isString "France wins." .\n'
    + "".join(phrase(URI, TEXT, surface, uri) for surface, uri in GOLD.items())
).encode("utf-8")


def at(surface: str, title: str | None) -> GoldMention:
    begin = TEXT.index(surface)
    return GoldMention(begin, begin + len(surface), title)


def test_read_gold_titles_offsets_and_order(tmp_path) -> None:
    documents = read_gold(GOLD_TTL)
    assert [d.uri for d in documents] == [OTHER, URI]  # sorted by context URI
    assert documents[0] == GoldDocument(OTHER, "France wins.", [])
    document = documents[1]
    assert document.text == TEXT
    assert document.mentions == [
        at("Zürich", "Zürich"), at("Paris", "Paris,_Texas"), at("Jo Smith", None),
        at("Angela Merkel", "Angela_Merkel"), at("city", "City"), at("Berlin", "Berlin"),
    ]
    assert [m.title for m in document.linked] == ["Zürich", "Paris,_Texas", "Angela_Merkel", "City", "Berlin"]
    path = tmp_path / "gold.ttl"
    path.write_bytes(GOLD_TTL)
    assert read_gold(path) == documents


def test_read_gold_refuses_anchor_mismatch() -> None:
    broken = GOLD_TTL.replace('nif:anchorOf "Berlin"'.encode(), 'nif:anchorOf "Berlim"'.encode())
    with pytest.raises(NifError):
        read_gold(broken)


def test_classify_puts_each_linked_gold_mention_in_one_class() -> None:
    gold = [GoldMention(0, 5, "A"), GoldMention(6, 9, "B"), GoldMention(10, 12, "C"),
            GoldMention(13, 15, "D"), GoldMention(16, 18, "E"), GoldMention(19, 20, None)]
    predictions = [
        Prediction(0, 5, "A", ("A", "X")),        # correct
        Prediction(6, 9, "X", ("X", "B")),        # wrong_entity
        Prediction(10, 12, None, ("X", "C")),     # nil
        Prediction(13, 14, "D", ("D",)),          # D's span missed; this one is spurious
        Prediction(16, 18, "X", ("X",)),          # not_in_candidates
        Prediction(19, 20, "Y", ("Y",)),          # linked on a NIL gold span: spurious
        Prediction(21, 22, None, ()),             # NIL prediction elsewhere: not counted
    ]
    found = classify(gold, predictions)
    assert [(c, g.title if g else None) for c, g, _ in found] == [
        ("correct", "A"), ("wrong_entity", "B"), ("nil", "C"), ("span_missed", "D"),
        ("not_in_candidates", "E"), ("spurious", None), ("spurious", None),
    ]
    assert [(p.begin, p.end) for c, _, p in found if c == "spurious"] == [(13, 14), (19, 20)]


def test_in_process_evaluation_with_the_fake_annotator() -> None:
    documents = read_gold(GOLD_TTL)
    a2kb = evaluate_in_process(FakeAnnotator(), documents, "a2kb", examples=1)
    # Fake links Zürich, Paris, Angela Merkel (and France, spurious); "city" is lower case.
    assert a2kb["breakdown"] == {"correct": 2, "span_missed": 1, "not_in_candidates": 2, "nil": 0,
                                 "wrong_entity": 0, "spurious": 1}
    assert (a2kb["true_positives"], a2kb["predicted"], a2kb["gold"]) == (2, 4, 5)
    assert a2kb["micro_p"] == pytest.approx(50.0) and a2kb["micro_r"] == pytest.approx(40.0)
    assert a2kb["macro_f1"] == pytest.approx(100 * (2 * 2 / 3 * 2 / 5 / (2 / 3 + 2 / 5)) / 2)
    assert a2kb["examples"]["spurious"] == [{"document": OTHER, "span": [0, 6], "surface": "France",
                                             "context": "[[France]] wins.",
                                             "gold": None, "predicted": "France", "candidates": ["France"]}]
    d2kb = evaluate_in_process(FakeAnnotator(), documents, "d2kb")
    assert d2kb["breakdown"] == {"correct": 2, "span_missed": 0, "not_in_candidates": 3, "nil": 0,
                                 "wrong_entity": 0, "spurious": 0}
    assert (d2kb["true_positives"], d2kb["predicted"], d2kb["gold"]) == (2, 3, 5)


@pytest.mark.parametrize("task", ["a2kb", "d2kb"])
def test_server_scores_equal_in_process_scores(task) -> None:
    """Through the NIF endpoint (UTF-16 answer offsets, the emoji shifts them) as in process."""
    client = create_app({"ANNOTATOR": FakeAnnotator()}).test_client()

    def send(body: bytes) -> tuple[int, str, bytes]:
        response = client.post("/gerbil", data=body, headers={"Content-Type": "application/x-turtle"})
        return response.status_code, response.content_type, response.data

    documents = read_gold(GOLD_TTL)
    served = evaluate_server(send, documents, task)
    local = evaluate_in_process(FakeAnnotator(), documents, task)
    assert served["http_errors"] == 0 and served["offset_mismatches"] == 0
    for key in ("micro_p", "micro_r", "micro_f1", "macro_f1", "true_positives", "predicted", "gold"):
        assert served[key] == pytest.approx(local[key]), key


def test_table_and_means() -> None:
    rows = [{"corpus": "A", "task": "a2kb", "documents": 2, "gold": 5, "micro_p": 50.0, "micro_r": 40.0,
             "micro_f1": 44.44, "macro_f1": 30.0, "breakdown": dict.fromkeys(
                 ("correct", "span_missed", "not_in_candidates", "nil", "wrong_entity", "spurious"), 1)},
            {"corpus": "B", "task": "d2kb", "documents": 1, "gold": 3, "micro_p": 60.0, "micro_r": 60.0,
             "micro_f1": 60.0, "macro_f1": 60.0}]
    assert means(rows) == {"mean_a2kb_micro_f1": 44.44, "mean_micro_f1": pytest.approx(52.22)}
    lines = table(rows).splitlines()
    assert len(lines) == 4 and lines[2].startswith("| A | A2KB | 2 | 5 | 50.00 |")
    assert lines[3].endswith("| – | – | – | – | – | – |")


def test_main_needs_files_or_suite(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["--task", "a2kb"])
    assert "give gold FILEs or --suite" in capsys.readouterr().err
