"""Flask application factory: NIF (GERBIL) and JSON endpoints around an annotator.

Routes stay thin: parsing and writing live in `nif/`, model glue in `server/service.py`.
Client mistakes become 4xx answers with a JSON ``{"error": ..., "status": ...}`` body;
anything else is logged with the request id (also sent back in ``X-Request-Id``) and
answered 500.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from nif.parse import CODE_POINTS, UTF16, decode_body, parse_request
from nif.records import NifError
from nif.write import ANSWER_FORMATS, serialize_answer
from server.body import read_body
from server.config import CHOICES, resolve_config
from server.demo import demo_blueprint, prefers_html, render_page
from server.errors import JSON_MEDIA_TYPE, REQUEST_ID_HEADER, ClientError
from server.limits import WorkItem, WorkLimits, check_work
from server.loading import AnnotatorHolder, long_preparation
from server.model_calls import CallPolicy, GuardedAnnotator
from server.service import AnswerOptions, answer_contexts, mention_json, run_annotator

LOGGER = logging.getLogger(__name__)
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Query parameter -> config key it overrides for one request.
QUERY_OVERRIDES: dict[str, str] = {"offsets": "OFFSET_MODE", "uris": "URI_STYLE", "nil": "NIL_MODE"}
RETRY_AFTER_SECONDS = 5  # a 503 asks the client to come back after this long


def error_response(status: int, message: str) -> Response:
    """The JSON body every error answer carries."""
    response = jsonify({"error": message, "status": status, "request_id": g.get("request_id")})
    response.status_code = status
    return response


def holder() -> AnnotatorHolder:
    return current_app.extensions["nerel.annotator"]


def require_annotator() -> GuardedAnnotator:
    """The loaded (guarded) annotator, or a 503 answer while it is still loading / failed."""
    state = holder()
    if state.annotator is None:
        detail = (f"model failed to load: {state.error}" if state.error
                  else f"model is still loading ({state.current_step()}); GET /health shows its progress")
        raise ClientError(503, detail)
    return state.annotator


def request_body() -> bytes:
    """The body, read within BODY_TIMEOUT (408 otherwise)."""
    return read_body(request, current_app.config["BODY_TIMEOUT"])


def check_request_work(items: list[WorkItem]) -> None:
    """413 when the request asks for more model work than the configured limits."""
    check_work(items, current_app.extensions["nerel.limits"])


def answer_options() -> AnswerOptions:
    """Config defaults overridden by ``?offsets=&uris=&nil=``; 400 on unknown values."""
    values: dict[str, str] = {}
    for parameter, key in QUERY_OVERRIDES.items():
        value = request.args.get(parameter, current_app.config[key])
        if value not in CHOICES[key]:
            raise ClientError(
                400, f"query parameter {parameter}={value!r}; expected one of {', '.join(CHOICES[key])}"
            )
        values[key] = value
    return AnswerOptions(values["OFFSET_MODE"], values["URI_STYLE"], values["NIL_MODE"])


def negotiate_nif_media_type() -> str:
    """Answer media type from the Accept header (Turtle unless N-Triples is preferred)."""
    if not request.headers.get("Accept"):
        return "application/x-turtle"
    best = request.accept_mimetypes.best_match(list(ANSWER_FORMATS))
    if best is None:
        raise ClientError(406, f"cannot answer in the accepted types; available: {', '.join(ANSWER_FORMATS)}")
    return best


def nif_endpoint() -> Response:
    """POST / and /gerbil: A2KB for contexts without phrases, D2KB for the others."""
    options = answer_options()
    media_type = negotiate_nif_media_type()
    contexts = parse_request(request_body(), request.headers.get("Content-Type"), CODE_POINTS)
    check_request_work(
        [WorkItem(f"context {c.uri}", c.text, [(p.begin, p.end) for p in c.phrases] or None) for c in contexts]
    )
    answers = answer_contexts(require_annotator(), contexts, options)
    unit = UTF16 if options.offset_mode == "gerbil" else CODE_POINTS
    body = serialize_answer(answers, media_type, unit)
    return Response(body, status=200, content_type=f"{media_type}; charset=utf-8")


def parse_spans(raw: Any, text: str) -> list[tuple[int, int]] | None:
    """Validate the optional ``spans`` list of ``[start, end]`` code-point pairs."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ClientError(400, "'spans' must be a list of [start, end] pairs")
    spans: list[tuple[int, int]] = []
    for index, item in enumerate(raw):
        valid = (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in item)
        )
        if not valid:
            raise ClientError(400, f"spans[{index}] must be a pair of integers [start, end], got {item!r}")
        start, end = item
        if not 0 <= start < end <= len(text):
            raise ClientError(
                400, f"spans[{index}] = [{start}, {end}] is not a non-empty span of a text of {len(text)} characters"
            )
        spans.append((start, end))
    return spans


def json_endpoint() -> Response:
    """POST /annotate: ``{"text": ..., "spans": [[s, e], ...]?}`` -> mentions as JSON."""
    media_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise ClientError(415, f"unsupported media type {media_type or 'none'!r}; send application/json")
    options = answer_options()
    text_body = decode_body(request_body())
    try:
        payload = json.loads(text_body)
    except json.JSONDecodeError as error:
        raise ClientError(400, f"malformed JSON: {error}") from None
    if not isinstance(payload, dict):
        raise ClientError(400, "the JSON body must be an object with a 'text' field")
    text = payload.get("text")
    if not isinstance(text, str):
        raise ClientError(400, "missing or non-string 'text' field")
    spans = parse_spans(payload.get("spans"), text)
    check_request_work([WorkItem("'text'", text, spans)])
    mentions = run_annotator(require_annotator(), text, spans)
    return jsonify(
        {
            "task": "a2kb" if spans is None else "d2kb",
            "offsets": "codepoints",
            "text_length": len(text),
            "mentions": [mention_json(m, options) for m in mentions],
        }
    )


def describe() -> Response:
    """GET /: the demo page for browsers (HTML preferred), else what this service offers."""
    if prefers_html():
        return render_page()
    config = current_app.config
    response = jsonify(
        {
            "service": "joint NER + entity linking (Stack-LSTM), GERBIL NIF web service",
            "endpoints": {
                "POST /gerbil (also POST /)": "NIF 2.0 request (application/x-turtle, text/turtle, "
                "application/n-triples, application/ld+json); contexts without nif:Phrase get A2KB, "
                "contexts with phrases get D2KB on exactly those phrases",
                "POST /annotate": 'JSON {"text": str, "spans": [[start, end], ...] optional}; '
                "offsets are code points",
                "GET /health": "200 once the model is loaded, else 503 with what it is doing (or why it failed)",
                "GET / (Accept: text/html), GET /demo": "demo page: annotations rendered in the browser",
            },
            "query_parameters": {name: list(CHOICES[key]) for name, key in QUERY_OVERRIDES.items()},
            "defaults": {name: config[key] for name, key in QUERY_OVERRIDES.items()},
            "max_content_length": config["MAX_CONTENT_LENGTH"],
        }
    )
    response.vary.add("Accept")
    return response


def health() -> Response:
    """GET /health: 200 when the model is loaded; 503 while loading (with what it is doing,
    for how long, and Retry-After) or after a failure (with the error)."""
    status = holder().status()
    response = jsonify(status)
    if status["status"] != "ready":
        response.status_code = 503
        if status["status"] == "loading":
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NifError)  # ClientError included
    def client_error(error: NifError) -> Response:
        response = error_response(error.status, error.message)
        if error.status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        message = error.description or error.name
        if error.code == 413:
            message = f"request body too large (limit {current_app.config['MAX_CONTENT_LENGTH']} bytes)"
        return error_response(error.code or 500, message)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        LOGGER.exception("request %s failed", g.get("request_id"))
        return error_response(500, f"internal server error (request id {g.get('request_id')})")


def create_app(config: dict | None = None) -> Flask:
    """Build the application. The annotator is loaded now (EAGER_LOAD true), in a background
    thread while requests get 503 (false), or by default now unless loading must first build
    something that takes minutes (the open knowledge base index on a first start): then the
    worker listens at once and /health reports the build's progress."""
    settings = resolve_config(config)
    app = Flask(__name__)
    app.config.update(settings)
    state = AnnotatorHolder(CallPolicy.from_config(settings))
    app.extensions["nerel.annotator"] = state
    app.extensions["nerel.limits"] = WorkLimits.from_config(settings)
    eager = settings["EAGER_LOAD"]
    if eager is None:
        pending = long_preparation(settings)
        eager = pending is None
        if pending:
            LOGGER.info("first start: %s must be built before the model can serve; answering meanwhile, "
                        "GET /health shows the progress", pending)
    if eager:
        state.load(settings)
    else:
        state.load_in_background(settings)

    @app.before_request
    def assign_request_id() -> None:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = supplied if _CLIENT_REQUEST_ID.match(supplied) else uuid.uuid4().hex

    @app.after_request
    def send_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        return response

    app.add_url_rule("/", "describe", describe, methods=["GET"])
    app.add_url_rule("/", "nif_root", nif_endpoint, methods=["POST"])
    app.add_url_rule("/gerbil", "nif_gerbil", nif_endpoint, methods=["POST"])
    app.add_url_rule("/annotate", "annotate", json_endpoint, methods=["POST"])
    app.add_url_rule("/health", "health", health, methods=["GET"])
    app.register_blueprint(demo_blueprint)
    register_error_handlers(app)
    return app
