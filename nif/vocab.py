"""RDF namespaces and fixed URIs used in NIF requests and answers."""
from __future__ import annotations

from rdflib import Namespace, URIRef

NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
ITSRDF = Namespace("http://www.w3.org/2005/11/its/rdf#")
DBO = Namespace("http://dbpedia.org/ontology/")

WIKIPEDIA_PREFIX = "http://en.wikipedia.org/wiki/"
DBPEDIA_PREFIX = "http://dbpedia.org/resource/"
# GERBIL counts any URI outside its configured knowledge-base namespaces (DBpedia,
# Wikipedia, ...) as an emerging entity; this prefix is the one GERBIL's own tooling and
# FOX use for "not in Wikipedia" entities.
EMERGING_PREFIX = "http://aksw.org/notInWiki/"

# NER type -> itsrdf:taClassRef. MISC maps to no class on purpose: it mixes nationalities,
# events, works and products, so any single DBpedia class would be wrong most of the time,
# and GERBIL's A2KB/D2KB scores ignore taClassRef anyway.
NER_CLASS: dict[str, URIRef] = {
    "PER": DBO.Person,
    "LOC": DBO.Place,
    "ORG": DBO.Organisation,
}
