"""Measure how well `model.tokenizer.tokenize` recovers CoNLL tokens from GERBIL's text.

For every CoNLL-2003 document (eng.train, eng.testa, eng.testb) the text is rebuilt the way
GERBIL does (`nif.aida_text.rebuild_text`), tokenized, and compared with the gold tokens:

* token recall: gold tokens whose exact span is a predicted token span;
* entity boundary rate: gold NER spans (IOB1) whose start and end both fall on predicted
  token boundaries, i.e. spans a token-level tagger could still produce exactly;
* sentence breaks: recall of CoNLL's sentence breaks among the predicted ones, and their
  precision. GERBIL's text keeps no line breaks, so many CoNLL breaks (table rows, headlines)
  cannot be seen in it; the model then reads such rows as one long sentence.

Usage: ``python -m scripts.research.tokenizer_check [--show N]``; data dir from ``NEREL_DATA_DIR``
(default ``../shared/data`` relative to the repository root).
"""
from __future__ import annotations

import argparse

import sys
from collections import Counter
from dataclasses import dataclass, field


from model.data.conll import iob1_to_spans, read_conll
from model.settings import data_dir
from model.tokenizer import tokenize
from nif.aida_text import rebuild_text

CONLL_FILES: tuple[str, ...] = ("eng.train", "eng.testa", "eng.testb")




@dataclass
class Tally:
    """Counts accumulated over documents, plus examples of misses for inspection."""

    gold_tokens: int = 0
    recovered_tokens: int = 0
    entities: int = 0
    recovered_entities: int = 0
    gold_breaks: int = 0
    predicted_breaks: int = 0
    matched_breaks: int = 0
    missed_tokens: Counter = field(default_factory=Counter)
    missed_entities: list[str] = field(default_factory=list)


def check_document(sentences: list[list[str]], tags: list[list[str]], tally: Tally) -> None:
    """Rebuild, tokenize and compare one document, adding its counts to `tally`."""
    flat = [token for sentence in sentences for token in sentence]
    text, gold_spans = rebuild_text(flat)
    predicted_sentences = tokenize(text)
    predicted = [token for sentence in predicted_sentences for token in sentence]
    gold_breaks, offset = set(), 0
    for sentence in sentences[:-1]:
        offset += len(sentence)
        gold_breaks.add(gold_spans[offset][0])
    predicted_breaks = {sentence[0].start for sentence in predicted_sentences[1:]}
    tally.gold_breaks += len(gold_breaks)
    tally.predicted_breaks += len(predicted_breaks)
    tally.matched_breaks += len(gold_breaks & predicted_breaks)
    predicted_spans = {(t.start, t.end) for t in predicted}
    starts = {t.start for t in predicted}
    ends = {t.end for t in predicted}
    for token, span in zip(flat, gold_spans):
        tally.gold_tokens += 1
        if span in predicted_spans:
            tally.recovered_tokens += 1
        else:
            left = max(0, span[0] - 12)
            tally.missed_tokens[f"{token!r} in {text[left:span[1] + 12]!r}"] += 1
    offset = 0
    for sentence, sentence_tags in zip(sentences, tags):
        for start, end, _kind in iob1_to_spans(sentence_tags):
            begin, finish = gold_spans[offset + start][0], gold_spans[offset + end - 1][1]
            tally.entities += 1
            if begin in starts and finish in ends:
                tally.recovered_entities += 1
            else:
                tally.missed_entities.append(repr(text[max(0, begin - 15) : finish + 15]))
        offset += len(sentence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print N missed tokens/entities")
    args = parser.parse_args()
    conll_dir = data_dir() / "conll2003"
    tally = Tally()
    documents = 0
    for name in CONLL_FILES:
        path = conll_dir / name
        if not path.exists():
            sys.exit(f"missing {path}: set NEREL_DATA_DIR to the shared data directory")
        for document in read_conll(path):
            documents += 1
            check_document(document.sentences, document.tags, tally)
    print(f"documents: {documents}")
    print(
        f"gold tokens recovered: {tally.recovered_tokens}/{tally.gold_tokens} "
        f"= {100 * tally.recovered_tokens / tally.gold_tokens:.3f}%"
    )
    print(
        f"entity spans on token boundaries: {tally.recovered_entities}/{tally.entities} "
        f"= {100 * tally.recovered_entities / tally.entities:.3f}%"
    )
    print(
        f"sentence breaks: recall {tally.matched_breaks}/{tally.gold_breaks} "
        f"= {100 * tally.matched_breaks / tally.gold_breaks:.2f}%, precision "
        f"{tally.matched_breaks}/{tally.predicted_breaks} "
        f"= {100 * tally.matched_breaks / max(tally.predicted_breaks, 1):.2f}%"
    )
    if args.show:
        print("\nmost frequent missed tokens:")
        for example, count in tally.missed_tokens.most_common(args.show):
            print(f"  {count:5d}  {example}")
        print("\nmissed entity spans (first N):")
        for example in tally.missed_entities[: args.show]:
            print(f"  {example}")


if __name__ == "__main__":
    main()
