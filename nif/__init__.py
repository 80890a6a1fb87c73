"""NIF 2.0 / RDF layer: parse GERBIL requests, write answers, convert offsets.

Knows RDF, URIs and string offsets; knows nothing of the model (annotations arrive as
plain `nif.records.Annotation` records built by the server).
"""
