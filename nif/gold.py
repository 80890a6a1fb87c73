"""Read a NIF gold standard (GERBIL's dataset format) into documents and gold mentions.

Each nif:Context is a document (`nif:isString`); each nif:Phrase referring to it is a gold
mention with code-point offsets (checked against its anchorOf by `nif.parse`, which also
reads UTF-16 offsets when the anchor says so) and an `itsrdf:taIdentRef`. A Wikipedia or
DBpedia URI gives the mention's title (`nif.uris.title_from_uri`, percent-decoded,
underscores); any other URI (``http://aksw.org/notInWiki/...``) or none makes it NIL.
Documents come sorted by context URI, mentions by span (one per span, as `nif.parse`
merges duplicates).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from nif.parse import contexts_from_graph, decode_body, parse_graph
from nif.uris import title_from_uri
from nif.vocab import ITSRDF

# File suffix -> rdflib format; anything else is read as Turtle (GERBIL's usual format).
_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}


@dataclass(frozen=True)
class GoldMention:
    """A gold marking: code-point span and Wikipedia title (None = NIL / not in the KB)."""

    begin: int
    end: int
    title: str | None


@dataclass
class GoldDocument:
    """One gold nif:Context: its URI, text and gold mentions sorted by span."""

    uri: str
    text: str
    mentions: list[GoldMention] = field(default_factory=list)

    @property
    def linked(self) -> list[GoldMention]:
        """The mentions with a title (the ones InKB scoring counts)."""
        return [m for m in self.mentions if m.title]


def _title(graph: Graph, phrase_uri: str) -> str | None:
    """The first (in sorted URI order) Wikipedia/DBpedia title the phrase is tagged with."""
    uris = sorted(str(uri) for uri in graph.objects(URIRef(phrase_uri), ITSRDF.taIdentRef))
    return next((t for t in map(title_from_uri, uris) if t), None)


def read_gold(source: str | Path | bytes, rdf_format: str | None = None) -> list[GoldDocument]:
    """Gold documents of a NIF file (path) or of NIF bytes (Turtle unless `rdf_format`).

    Raises `nif.records.NifError` for malformed RDF or phrases whose offsets disagree
    with their anchorOf."""
    if isinstance(source, bytes):
        body, rdf_format = source, rdf_format or "turtle"
    else:
        path = Path(source)
        body, rdf_format = path.read_bytes(), rdf_format or _FORMATS.get(path.suffix.lower(), "turtle")
    graph = parse_graph(decode_body(body), rdf_format)
    return [
        GoldDocument(context.uri, context.text,
                     [GoldMention(p.begin, p.end, _title(graph, p.uri)) for p in context.phrases])
        for context in contexts_from_graph(graph)
    ]
