"""The demo page: a browser view of the annotations (``GET /`` for browsers, ``/demo``).

The page is one HTML form. With JavaScript (``static/demo.js``) it calls ``POST /annotate``
and renders the answer in place; without it the form posts to ``POST /demo`` and gets the
same rendering from ``templates/demo.html``. Either way the text goes through the API's own
route: the no-JS form is re-dispatched to ``POST /annotate`` (and, for the NIF view, to
``POST /gerbil``) inside the current request, so the page has exactly the API's checks,
size limits and error messages, and shows the same answer a client would get.
Nothing is fetched from anywhere else: no CDN, fonts or external scripts.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from model.annotation import NER_TYPES
from nif.records import NifContext, NifPhrase
from nif.uris import entity_uri
from nif.vocab import WIKIPEDIA_PREFIX
from nif.write import serialize_request
from server.errors import JSON_MEDIA_TYPE, REQUEST_ID_HEADER

demo_blueprint = Blueprint(
    "demo", __name__, template_folder="templates", static_folder="static", static_url_path="/demo/static"
)

HTML_MEDIA_TYPE = "text/html"
NIF_MEDIA_TYPE = "application/x-turtle"
TASKS: tuple[str, ...] = ("a2kb", "d2kb")
# What the page's "view" buttons ask for: the rendered page, or the raw API answer.
VIEWS: tuple[str, ...] = ("page", "json", "nif")
# The page links Wikipedia whatever URI_STYLE the server answers NIF with.
PAGE_QUERY: dict[str, str] = {"uris": "wikipedia"}
# Context URI of the NIF request the page builds for its NIF view.
NIF_CONTEXT_BASE = "http://nerel.local/demo/text"
# Form field "spans": code-point pairs "start-end", separated by commas or spaces.
_SPAN = re.compile(r"^(\d+)-(\d+)$")
EXAMPLE_TEXT = (
    "LONDON (Reuters) - England captain Michael Atherton said on Friday that Pakistan would be hard "
    "to beat at Lord's, while Leicestershire lost to Somerset at Taunton. German Chancellor Angela "
    "Merkel arrived in Paris for talks with the European Union."
)


class DemoInputError(ValueError):
    """A form field the page cannot turn into an API request (answered 400 on the page)."""


@dataclass(frozen=True)
class Segment:
    """A piece of the rendered text: plain text, or one mention of the API answer."""

    text: str
    mention: dict[str, Any] | None = None


def prefers_html() -> bool:
    """True when the client ranks text/html above application/json (browsers, not curl)."""
    best = request.accept_mimetypes.best_match([JSON_MEDIA_TYPE, HTML_MEDIA_TYPE])
    return best == HTML_MEDIA_TYPE


def parse_form_spans(raw: str) -> list[list[int]]:
    """``"31-36, 0-5"`` -> ``[[31, 36], [0, 5]]``; the API checks them against the text."""
    spans: list[list[int]] = []
    for item in raw.replace(",", " ").split():
        match = _SPAN.match(item)
        if match is None:
            raise DemoInputError(f"spans: {item!r} is not a code-point pair start-end such as 31-36")
        spans.append([int(match.group(1)), int(match.group(2))])
    return spans


def segments(text: str, mentions: list[dict[str, Any]]) -> list[Segment]:
    """Split `text` into plain pieces and mentions (code-point offsets, as the API gives).

    A mention overlapping an earlier one (possible only with overlapping D2KB spans) is not
    highlighted inline; the mention table still lists it."""
    pieces: list[Segment] = []
    cursor = 0
    for mention in sorted(mentions, key=lambda m: (m["start"], m["end"])):
        if mention["start"] < cursor:
            continue
        if mention["start"] > cursor:
            pieces.append(Segment(text[cursor : mention["start"]]))
        pieces.append(Segment(text[mention["start"] : mention["end"]], mention))
        cursor = mention["end"]
    if cursor < len(text):
        pieces.append(Segment(text[cursor:]))
    return pieces


def candidate_uri(title: str) -> str:
    return entity_uri(title, "wikipedia")


def dispatch_api(endpoint: str, body: bytes, content_type: str, accept: str, query: dict[str, str]) -> Response:
    """Run one of this app's API routes inside the current request, through the whole
    request pipeline: its hooks, checks, size limits and error handlers all apply."""
    builder = EnvironBuilder(
        path=url_for(endpoint),
        method="POST",
        data=body,
        content_type=content_type,
        query_string=query,
        headers={"Accept": accept, REQUEST_ID_HEADER: g.get("request_id", "")},
    )
    with current_app.request_context(builder.get_environ()):
        return current_app.full_dispatch_request()


def annotate_request(text: str, task: str, spans: list[list[int]]) -> Response:
    """``POST /annotate`` for the form's text: A2KB, or D2KB on `spans`."""
    payload: dict[str, Any] = {"text": text}
    if task == "d2kb":
        payload["spans"] = spans
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return dispatch_api("annotate", body, JSON_MEDIA_TYPE, JSON_MEDIA_TYPE, PAGE_QUERY)


def nif_request(text: str, task: str, spans: list[list[int]]) -> Response:
    """``POST /gerbil`` with the NIF request GERBIL would send for the form's text."""
    uri = f"{NIF_CONTEXT_BASE}#char=0,{len(text)}"
    phrases: list[NifPhrase] = []
    for start, end in spans if task == "d2kb" else []:
        # Checked here: the NIF writer cannot even express a phrase outside its context.
        if not 0 <= start < end <= len(text):
            raise DemoInputError(f"span {start}-{end} is not a non-empty span of a text of {len(text)} characters")
        phrases.append(NifPhrase(f"{NIF_CONTEXT_BASE}#char={start},{end}", start, end, text[start:end]))
    body = serialize_request([NifContext(uri, text, phrases)], NIF_MEDIA_TYPE)
    response = dispatch_api("nif_gerbil", body, NIF_MEDIA_TYPE, NIF_MEDIA_TYPE, {})
    if response.status_code == 200:
        # Browsers download Turtle; text/plain shows the same bytes in the tab.
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


def render_page(
    text: str = "",
    task: str = "a2kb",
    spans: str = "",
    answer: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The demo page, with the rendered answer or an error message when given."""
    html = render_template(
        "demo.html",
        text=text,
        task=task,
        spans=spans,
        answer=answer,
        answer_json=None if answer is None else json.dumps(answer, ensure_ascii=False, indent=2),
        segments=[] if answer is None else segments(text, answer["mentions"]),
        error=error,
        ner_types=NER_TYPES,
        wikipedia_prefix=WIKIPEDIA_PREFIX,
        example_text=EXAMPLE_TEXT,
        candidate_uri=candidate_uri,
        max_content_length=current_app.config["MAX_CONTENT_LENGTH"],
        max_document_chars=current_app.config["MAX_DOCUMENT_CHARS"],
        max_document_tokens=current_app.config["MAX_DOCUMENT_TOKENS"],
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


@demo_blueprint.get("/demo")
def page() -> Response:
    """GET /demo (and GET / for browsers): the empty page."""
    return render_page()


@demo_blueprint.post("/demo")
def submit() -> Response:
    """POST /demo: the form without JavaScript; ``view`` picks the page, JSON or NIF."""
    try:
        form = request.form
    except RequestEntityTooLarge as too_large:
        # The body is refused before the API sees it: show the app's own 413 answer.
        refused = current_app.handle_user_exception(too_large)
        return render_page(error=refused.get_json()["error"], status=refused.status_code)
    text = form.get("text", "")
    task = form.get("task", "a2kb")
    raw_spans = form.get("spans", "")
    view = form.get("view", "page")
    try:
        if "text" not in form:
            raise DemoInputError("missing form field 'text'")
        if task not in TASKS:
            raise DemoInputError(f"task={task!r}; expected one of {', '.join(TASKS)}")
        if view not in VIEWS:
            raise DemoInputError(f"view={view!r}; expected one of {', '.join(VIEWS)}")
        spans = parse_form_spans(raw_spans)
        if view == "nif":
            return nif_request(text, task, spans)
    except DemoInputError as error:
        return render_page(text, task if task in TASKS else "a2kb", raw_spans, error=str(error), status=400)
    response = annotate_request(text, task, spans)
    if view == "json":
        return response
    answer = response.get_json(silent=True) or {}
    if response.status_code != 200:
        message = answer.get("error") or f"the annotation API answered {response.status_code}"
        return render_page(text, task, raw_spans, error=message, status=response.status_code)
    return render_page(text, task, raw_spans, answer=answer)
