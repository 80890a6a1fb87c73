"""Annotate offline (no server): a text, a CoNLL file or a NIF file; print JSON or NIF.

Examples::

    python -m scripts.annotate "Angela Merkel visited Paris."
    echo "Angela Merkel visited Paris." | python -m scripts.annotate --format nif
    python -m scripts.annotate --conll ../shared/data/conll2003/eng.testb --limit 2
    python -m scripts.annotate --nif request.ttl --offsets nif

CoNLL documents are annotated as the text GERBIL would send for them
(`nif.aida_text.rebuild_text`). A NIF input is answered like the server would: A2KB for
contexts without phrases, D2KB for contexts with phrases. The model is
``model.annotator.Annotator.load(--model)``, imported only when needed; ``--annotator
module:Name`` substitutes another annotator (for tests or demos).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model.annotation import AnnotatorLike
from model.data.conll import read_conll
from nif.aida_text import rebuild_text
from nif.parse import CODE_POINTS, UTF16, parse_request
from nif.records import NifContext, NifError
from nif.write import serialize_answer
from server.config import resolve_config
from server.loading import ModelUnavailable, build_annotator
from server.service import AnswerOptions, answer_contexts, mention_json, run_annotator
from scripts.options import add_checkpoint

NIF_SUFFIXES: dict[str, str] = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
}
LOCAL_CONTEXT = "http://localhost/nerel/document_{index}#char=0,{length}"


def load_contexts(args: argparse.Namespace) -> list[NifContext]:
    """The inputs as NIF contexts (text/CoNLL get local context URIs)."""
    if args.nif:
        path = Path(args.nif)
        media_type = NIF_SUFFIXES.get(path.suffix.lower(), "text/turtle")
        return parse_request(path.read_bytes(), media_type, CODE_POINTS)
    if args.conll:
        texts = [
            rebuild_text([t for sentence in document.sentences for t in sentence])[0]
            for document in read_conll(Path(args.conll))
        ]
    else:
        texts = [args.text if args.text is not None else sys.stdin.read()]
    if args.limit:
        texts = texts[: args.limit]
    return [NifContext(LOCAL_CONTEXT.format(index=i, length=len(t)), t) for i, t in enumerate(texts)]


def json_output(annotator: AnnotatorLike, contexts: list[NifContext], options: AnswerOptions) -> str:
    """One JSON object: per context its URI, text length and mentions (code points)."""
    documents = []
    for context in contexts:
        spans = [(p.begin, p.end) for p in context.phrases] or None
        mentions = run_annotator(annotator, context.text, spans)
        documents.append(
            {
                "context": context.uri,
                "text_length": len(context.text),
                "task": "d2kb" if spans else "a2kb",
                "mentions": [mention_json(m, options) for m in mentions],
            }
        )
    return json.dumps({"offsets": "codepoints", "documents": documents}, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Annotate a text, CoNLL or NIF file offline.")
    parser.add_argument("text", nargs="?", help="text to annotate (default: stdin)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--conll", help="CoNLL-2003 file: annotate each document's GERBIL text")
    source.add_argument("--nif", help="NIF file (.ttl, .nt, .jsonld)")
    parser.add_argument("--format", choices=("json", "nif"), default="json")
    add_checkpoint(parser)
    parser.add_argument("--annotator", help="use 'module:Name' instead of loading a checkpoint")
    parser.add_argument("--offsets", choices=("gerbil", "nif"), default="nif", help="NIF output offset unit")
    parser.add_argument("--uris", choices=("wikipedia", "dbpedia"), default="wikipedia")
    parser.add_argument("--nil", choices=("omit", "emerging"), default="omit")
    parser.add_argument("--limit", type=int, default=0, help="only the first N CoNLL documents")
    args = parser.parse_args(argv)

    overrides = {"ANNOTATOR_FACTORY": args.annotator} if args.annotator else {}
    overrides["MODEL_PATH"] = str(args.checkpoint)
    options = AnswerOptions(args.offsets, args.uris, args.nil)
    try:
        contexts = load_contexts(args)
        annotator = build_annotator(resolve_config(overrides))
    except (NifError, ModelUnavailable, OSError, ValueError) as error:
        print(f"annotate: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json_output(annotator, contexts, options))
    else:
        answers = answer_contexts(annotator, contexts, options)
        unit = UTF16 if args.offsets == "gerbil" else CODE_POINTS
        sys.stdout.write(serialize_answer(answers, "text/turtle", unit).decode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
