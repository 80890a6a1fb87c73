"""Where the NER errors are: F1 by entity type in ALL-CAPS (headline) and other sentences, and
the commonest type confusions (issue 19's error analysis).

    python -m scripts.research.ner_errors --split validation
    python -m scripts.research.ner_errors --split validation --checkpoint runs/x/best.pt --json

A gold span found with the right type is a true positive; found with another type, it counts
as a confusion (and as one false negative and one false positive, as span F1 counts it).
Prints numbers; asserts nothing. Reads documents and contextual vectors from the prepare_data cache.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from model.data.cache import DataCache
from model.data.records import Document
from model.evaluation import predict_documents
from model.joint_model import TrainedSystem
from model.settings import cache_dir, set_threads
from scripts.options import add_cache_dir, add_checkpoint, add_threads


def headline_sentences(doc: Document) -> list[bool]:
    """Per sentence: whether every word with a letter is written in capitals."""
    return [bool(words) and all(w.isupper() for w in words)
            for words in ([t for t in sentence if any(c.isalpha() for c in t)] for sentence in doc.sentences)]


def error_table(documents: list[Document], predicted: list[set[tuple[int, int, str]]]) -> dict:
    """Counts per (sentence kind, type) and the type confusions, from gold and predicted spans."""
    counts: dict[tuple[str, str], Counter] = {}
    confusions: Counter = Counter()
    for doc, spans in zip(documents, predicted):
        caps = headline_sentences(doc)
        sentence_of = [s for s, sentence in enumerate(doc.sentences) for _ in sentence]
        kind = lambda start: "headline" if caps[sentence_of[start]] else "other"  # noqa: E731
        gold = {(n.start, n.end): n.ner_type for n in doc.ner_spans}
        found = {(s, e): t for s, e, t in spans}
        for span, ner_type in gold.items():
            hit = found.get(span) == ner_type
            counts.setdefault((kind(span[0]), ner_type), Counter())["tp" if hit else "fn"] += 1
            if span in found and not hit:
                confusions[f"{ner_type}->{found[span]}"] += 1
        for span, ner_type in found.items():
            if gold.get(span) != ner_type:
                counts.setdefault((kind(span[0]), ner_type), Counter())["fp"] += 1

    def f1(c: Counter) -> float:
        return round(200 * c["tp"] / (2 * c["tp"] + c["fn"] + c["fp"]), 2) if c["tp"] else 0.0

    by_kind: dict[str, Counter] = {}
    for (kind_, _), c in counts.items():
        by_kind.setdefault(kind_, Counter()).update(c)
    return {"by_sentence_and_type": {f"{k}/{t}": {**c, "f1": f1(c)} for (k, t), c in sorted(counts.items())},
            "by_sentence": {k: {**c, "f1": f1(c)} for k, c in sorted(by_kind.items())},
            "confusions": dict(confusions.most_common(12))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    add_checkpoint(parser)
    add_cache_dir(parser)
    add_threads(parser)
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    args = parser.parse_args(argv)
    set_threads(args.threads, default=2)
    cache = DataCache(cache_dir(args.cache_dir))
    documents = cache.documents()[args.split]
    system = TrainedSystem.load(args.checkpoint)  # the dictionary: NER does not depend on the candidates
    predictions = predict_documents(system.model, documents,
                                    cache.features_for(system.model.config, args.split, documents), system.linking)
    table = error_table(documents, [{(m.start, m.end, m.ner_type) for m in p.mentions} for p in predictions])
    if args.json:
        print(json.dumps({"split": args.split, "checkpoint": str(args.checkpoint), **table}))
    else:
        for name, section in table.items():
            print(name)
            for key, value in section.items():
                print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
