"""The demo page without a browser: negotiation on GET /, the no-JS form, escaping, limits.

The JavaScript rendering is checked in a real browser by ``python -m scripts.ui_check``.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from nif.answers import read_answer
from server.app import create_app
from tests.fake_annotator import FakeAnnotator

pytestmark = pytest.mark.usefixtures("hermetic_server_environment")

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
TEXT = "😀 Angela Merkel met Bob in Paris."  # emoji: one code point, two UTF-16 units
SCRIPT = '<script>alert("x")</script>'
LIMIT = 4_000


@pytest.fixture()
def annotator() -> FakeAnnotator:
    return FakeAnnotator()


@pytest.fixture()
def client(annotator: FakeAnnotator) -> FlaskClient:
    return create_app({"ANNOTATOR": annotator, "MAX_CONTENT_LENGTH": LIMIT}).test_client()


class Marks(HTMLParser):
    """Collects the rendered document: its text (labels and cards aside) and its mentions."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.mentions: list[dict] = []
        self.scripts = 0
        self._in_doc = False
        self._depth = 0
        self._skip_depth: int | None = None
        self._in_surface = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "script" and "src" not in attributes:
            self.scripts += 1
        if attributes.get("id") == "doc":
            self._in_doc, self._depth = True, 0
        if not self._in_doc:
            return
        self._depth += 1
        if tag == "mark":
            self.mentions.append({"classes": classes, "start": int(attributes["data-start"]),
                                  "end": int(attributes["data-end"]), "href": None, "shown": ""})
        if "surface" in classes:
            self._in_surface = True
            self.mentions[-1]["href"] = attributes.get("href")
        if self._skip_depth is None and ("tag" in classes or "card" in classes):
            self._skip_depth = self._depth

    def handle_endtag(self, tag: str) -> None:
        if not self._in_doc:
            return
        if self._skip_depth == self._depth:
            self._skip_depth = None
        self._in_surface = False if tag in ("a", "span") and self._skip_depth is None else self._in_surface
        self._depth -= 1
        if self._depth == 0:
            self._in_doc = False

    def handle_data(self, data: str) -> None:
        if self._in_doc and self._skip_depth is None:
            self.text += data
            if self._in_surface:
                self.mentions[-1]["shown"] += data


def rendered(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    return parser


def error_message(html: str) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert match, "no error shown on the page"
    return match.group(1)


def test_get_root_serves_the_page_to_browsers_and_json_to_curl(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<form id="demo-form" method="post" action="/demo"' in page.get_data(as_text=True)
    for accept in ("application/json", "*/*", None, "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        described = client.get("/", headers=headers)
        assert described.mimetype == "application/json", accept
        assert "POST /annotate" in described.get_json()["endpoints"]
        assert "Accept" in described.headers["Vary"]
    assert "Accept" in page.headers["Vary"]
    assert client.get("/demo").get_data() == page.get_data()


def test_page_is_self_contained(client: FlaskClient) -> None:
    html = client.get("/demo").get_data(as_text=True)
    references = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert references and all(ref.startswith("/") or ref == "data:," for ref in references), references
    assert rendered(html).scripts == 0  # no inline script: only the served file
    css = client.get("/demo/static/demo.css")
    js = client.get("/demo/static/demo.js")
    assert css.status_code == js.status_code == 200
    assert "@import" not in css.get_data(as_text=True) and "url(" not in css.get_data(as_text=True)
    assert "innerHTML" not in js.get_data(as_text=True)  # text is inserted as text only


def test_form_post_renders_code_point_spans_links_and_nil(client: FlaskClient) -> None:
    response = client.post("/demo", data={"text": TEXT, "task": "a2kb", "view": "page"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = rendered(html)
    assert page.text == TEXT
    by_surface = {TEXT[m["start"]:m["end"]]: m for m in page.mentions}
    assert list(by_surface) == ["Angela Merkel", "Bob", "Paris"]
    assert all(m["shown"] == surface for surface, m in by_surface.items())
    assert by_surface["Angela Merkel"]["start"] == 2  # code points, not UTF-16 units
    assert by_surface["Angela Merkel"]["href"] == "http://en.wikipedia.org/wiki/Angela_Merkel"
    assert "t-PER" in by_surface["Angela Merkel"]["classes"] and "t-LOC" in by_surface["Paris"]["classes"]
    assert "nil" in by_surface["Bob"]["classes"] and by_surface["Bob"]["href"] is None
    assert "NER 0.90 · EL 0.80 · NIL 0.10" in html  # the hover card's scores
    assert "NIL 0.90: not linked" in html and "EL – · NIL 0.90" in html  # a NIL mention's decision is its NIL score
    assert "<strong>3</strong> mentions · <strong>2</strong> linked · <strong>1</strong> NIL" in html
    assert "a document may hold up to 100,000 characters (25,000 tokens) and a request body up to 4,000 bytes" in html


def test_form_post_d2kb_links_only_the_given_spans(client: FlaskClient, annotator: FakeAnnotator) -> None:
    response = client.post("/demo", data={"text": TEXT, "task": "d2kb", "spans": "27-32, 2-15"})
    assert response.status_code == 200
    page = rendered(response.get_data(as_text=True))
    assert [(m["start"], m["shown"]) for m in page.mentions] == [(2, "Angela Merkel"), (27, "Paris")]
    assert annotator.calls[-1] == ("link", TEXT)
    assert 'value="27-32, 2-15"' in response.get_data(as_text=True)  # the form keeps what was sent


@pytest.mark.parametrize("task, spans", [("a2kb", ""), ("d2kb", "0-29")])
def test_markup_in_the_text_is_escaped_everywhere(client: FlaskClient, task: str, spans: str) -> None:
    text = f"Paris </textarea>{SCRIPT} <b>Bob</b>"
    html = client.post("/demo", data={"text": text, "task": task, "spans": spans}).get_data(as_text=True)
    assert SCRIPT not in html and "<b>" not in html and "</textarea><" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # textarea, doc, table, JSON
    page = rendered(html)
    assert page.text == text and page.scripts == 0


def test_page_goes_through_the_api_checks(client: FlaskClient) -> None:
    sent = {"text": "abc", "task": "d2kb", "spans": "1-9"}
    page = client.post("/demo", data=sent)
    api = client.post("/annotate", json={"text": "abc", "spans": [[1, 9]]})
    assert page.status_code == api.status_code == 400
    assert error_message(page.get_data(as_text=True)) == api.get_json()["error"]
    assert 'value="1-9"' in page.get_data(as_text=True)


@pytest.mark.parametrize("field, value, expected", [
    ("task", "ner", "task='ner'; expected one of a2kb, d2kb"),
    ("spans", "2..15", "spans: '2..15' is not a code-point pair start-end"),
    ("view", "xml", "view='xml'; expected one of page, json, nif"),
    ("text", None, "missing form field 'text'"),
])
def test_bad_form_fields_are_a_400_saying_what_is_wrong(client: FlaskClient, field: str, value: str, expected: str) -> None:
    form = {"text": TEXT, field: value}
    response = client.post("/demo", data={name: v for name, v in form.items() if v is not None})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert expected.replace("'", "&#39;") in error_message(response.get_data(as_text=True))


def test_size_limit_is_the_api_limit(client: FlaskClient) -> None:
    too_long = "Paris " * (LIMIT // 6 + 10)
    page = client.post("/demo", data={"text": too_long})
    assert page.status_code == 413 and page.mimetype == "text/html"
    api = client.post("/annotate", json={"text": too_long})
    assert api.status_code == 413
    assert error_message(page.get_data(as_text=True)) == api.get_json()["error"]
    assert client.post("/demo", data={"text": "Paris " * 100}).status_code == 200


def test_json_and_nif_views_are_the_api_answers(client: FlaskClient) -> None:
    as_json = client.post("/demo", data={"text": TEXT, "view": "json"})
    assert as_json.mimetype == "application/json"
    assert as_json.get_json() == client.post("/annotate?uris=wikipedia", json={"text": TEXT}).get_json()
    as_nif = client.post("/demo", data={"text": TEXT, "task": "d2kb", "spans": "27-32", "view": "nif"})
    assert as_nif.status_code == 200 and as_nif.mimetype == "text/plain"
    phrases = read_answer(as_nif.data, "text/turtle")
    # GERBIL offsets (UTF-16 units: the emoji counts twice), exactly the requested phrase.
    assert [(p.begin, p.end, p.anchor, p.entity_uris) for p in phrases] == [
        (28, 33, "Paris", ("http://en.wikipedia.org/wiki/Paris",))
    ]


def test_nif_view_refuses_spans_outside_the_text(client: FlaskClient) -> None:
    response = client.post("/demo", data={"text": "abc", "task": "d2kb", "spans": "1-9", "view": "nif"})
    assert response.status_code == 400
    assert error_message(response.get_data(as_text=True)) == "span 1-9 is not a non-empty span of a text of 3 characters"


def test_request_id_is_kept_through_the_inner_api_call(client: FlaskClient) -> None:
    response = client.post("/demo", data={"text": TEXT}, headers={"X-Request-Id": "demo-42"})
    assert response.headers["X-Request-Id"] == "demo-42"


def test_model_not_loaded_is_shown_on_the_page(tmp_path) -> None:
    app = create_app({"MODEL_PATH": str(tmp_path / "missing.pt"), "EAGER_LOAD": False})
    response = app.test_client().post("/demo", data={"text": TEXT})
    assert response.status_code == 503 and "model" in error_message(response.get_data(as_text=True))
