"""Speed of training and inference on this machine (printed, never asserted).

    python -m scripts.speed                      # shipped checkpoint, 2 threads
    python -m scripts.speed --no-ctx-checkpoint runs/stack_lstm_s1/best.pt --json

Training: sentences/s of teacher-forced loss + backward + Adam step over AIDA train
batches, with and without contextual embeddings (cached MiniLM vectors, as training
reads them). Inference: documents/s and tokens/s of greedy decoding + linking over
AIDA test, where the contextual run includes computing MiniLM vectors from scratch
(what serving pays; ``--encoders onnx torch`` times both backends), split per document into
MiniLM and decoding with linking; the run without contextual uses a model trained without them.

    python -m scripts.speed --no-training --threads 1 --limit 60 --encoders onnx torch

``--batch-documents 1 2 4``: AIDA test texts as GERBIL sends them, annotated k at a time
(`Annotator.annotate_many`, what a server worker does with k waiting requests): seconds per
document for each k, relative to one at a time, and whether every text got the same mentions;
then the same documents one at a time with CoNLL's sentence breaks written as line breaks,
which GERBIL's text does not have (what finding every break would save).

    python -m scripts.speed --no-training --threads 1 --limit 48 --batch-documents 1 2 4

``--profile N``: a cProfile of `Annotator.annotate` over the same texts, one call each (what
one request costs), as milliseconds per document for the N functions with the most cumulative
time: where a served document's time goes.

    python -m scripts.speed --no-training --threads 1 --limit 40 --profile 25

``--load N``: seconds of importing torch and of `Annotator.load` (model imports included) in
N fresh Python processes, the median: what a server worker or a corpus actor pays before its
first document.

    python -m scripts.speed --no-training --limit 1 --load 3
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from model.config import ModelConfig
from model.data.cache import DataCache
from model.evaluation import predict_documents
from model.features import CharVocabulary, WordVocabulary, document_examples
from model.joint_model import JointNerElModel, TrainedSystem
from model.settings import ENCODER_BACKENDS, cache_dir, encoder_backend, set_threads
from scripts.options import add_cache_dir, add_checkpoint, add_threads


def training_speed(cache: DataCache, use_contextual: bool, batches: int, batch_size: int = 32) -> float:
    documents = cache.documents()
    titles, vectors = cache.entity_vectors()
    model = JointNerElModel.create(ModelConfig(use_contextual=use_contextual), CharVocabulary.build(documents["train"]),
                                   titles, vectors, cache.knowledge_base(), WordVocabulary.build(documents["train"]))
    ctx = cache.features_for(model.config, "train", documents["train"])
    examples = document_examples(documents["train"], model.candidates, ctx)[: batches * batch_size]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    started = time.time()
    for begin in range(0, len(examples), batch_size):
        loss = sum(model.loss(examples[begin:begin + batch_size]).values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return len(examples) / (time.time() - started)


def inference_speed(checkpoint: Path, cache: DataCache, limit: int | None, encoder: str | None = None) -> dict:
    """Documents/s over AIDA test, and per document how long MiniLM (run by `encoder`,
    `model.settings.ENCODER_BACKENDS`) and decoding with linking take."""
    system = TrainedSystem.load(checkpoint)
    documents = cache.documents()["test"][:limit]
    ctx, encoder_seconds = None, 0.0
    if system.model.config.use_contextual:
        from model.embeddings.contextual import ContextualEncoder

        contextual = ContextualEncoder(backend=encoder)
        contextual.embed(documents[0].sentences)  # warm: the first call pays one-off set-up
        started = time.time()
        ctx = [contextual.embed(doc.sentences) for doc in documents]
        encoder_seconds = time.time() - started
    started = time.time()
    predict_documents(system.model, documents, ctx, system.linking)
    decode_seconds = time.time() - started
    seconds = encoder_seconds + decode_seconds
    tokens = sum(d.num_tokens for d in documents)
    return {"checkpoint": str(checkpoint), "contextual": system.model.config.use_contextual,
            "encoder": contextual.backend if ctx is not None else None,
            "documents": len(documents), "seconds": round(seconds, 1),
            "docs_per_second": round(len(documents) / seconds, 2), "tokens_per_second": round(tokens / seconds, 1),
            "ms_per_document": {"minilm": round(1000 * encoder_seconds / len(documents), 1),
                                "decode_and_link": round(1000 * decode_seconds / len(documents), 1)}}


def warm_annotator(checkpoint: Path, cache: DataCache, limit: int | None):
    """(the checkpoint's `Annotator`, once warmed, and AIDA test's texts as GERBIL sends them)."""
    from model.annotator import Annotator
    from scripts.bench.measure import gerbil_texts

    texts = gerbil_texts(cache)["test"][:limit]
    annotator = Annotator.load(checkpoint, threads=torch.get_num_threads())
    annotator.annotate(texts[0])  # warm: the first call pays one-off set-up
    return annotator, texts


def batching_speed(checkpoint: Path, cache: DataCache, limit: int | None, sizes: list[int]) -> dict:
    """Time `Annotator.annotate_many` on AIDA test texts, `k` per call for each k in `sizes`."""
    from scripts.bench.measure import timed

    annotator, texts = warm_annotator(checkpoint, cache, limit)

    def annotate_timed(calls: list[list[str]]) -> tuple[float, list]:
        """(ms per document, every text's mentions) of annotating `calls`, one call each."""
        answers: list = []
        wall, _ = timed(lambda: [answers.extend(annotator.annotate_many(call)) for call in calls])
        return round(1000 * wall / len(answers), 1), answers

    runs, reference = [], None
    for k in sizes:
        ms, answers = annotate_timed([texts[begin:begin + k] for begin in range(0, len(texts), k)])
        decided = [[(m.start, m.end, m.ner_type, m.entity) for m in mentions] for mentions in answers]
        reference = reference or decided
        runs.append({"documents_per_call": k, "ms_per_document": ms, "same_mentions_as_first": decided == reference})
    broken = ["\n".join(" ".join(sentence) for sentence in doc.sentences) for doc in cache.documents()["test"][:limit]]
    runs.append({"documents_per_call": 1, "text": "CoNLL sentence breaks as line breaks",
                 "ms_per_document": annotate_timed([[text] for text in broken])[0]})
    for run in runs:
        run["relative_to_first"] = round(run["ms_per_document"] / runs[0]["ms_per_document"], 2)
    return {"documents": len(texts), "runs": runs}


def profile_annotate(checkpoint: Path, cache: DataCache, limit: int | None, top: int) -> dict:
    """Cumulative and own milliseconds per document of the `top` costliest functions (cProfile)
    while annotating AIDA test texts as GERBIL sends them, one call per text."""
    import cProfile
    import pstats

    annotator, texts = warm_annotator(checkpoint, cache, limit)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for text in texts:
        annotator.annotate(text)
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (calls, _, own s, cumulative s, _)}
    costliest = sorted(stats.items(), key=lambda item: -item[1][3])[:top]
    per_document = lambda seconds: round(1000 * seconds / len(texts), 1)  # noqa: E731
    return {"documents": len(texts), "ms_per_document": per_document(wall),
            "functions": [{"function": f"{Path(file).name}:{line}({name})", "calls": calls,
                           "cumulative_ms": per_document(cumulative), "own_ms": per_document(own)}
                          for (file, line, name), (calls, _, own, cumulative, _) in costliest]}


# Run in a fresh interpreter: what a server worker or corpus actor pays before its first document.
_LOAD_PROBE = """
import sys, time
started = time.perf_counter()
import torch
imported = time.perf_counter()
from model.annotator import Annotator
Annotator.load(sys.argv[1], threads=1)
print(round(imported - started, 2), round(time.perf_counter() - imported, 2))
"""


def load_seconds(checkpoint: Path, rounds: int) -> dict:
    """Median seconds of importing torch and of `Annotator.load` (model imports included), each
    in a fresh Python process, over `rounds` processes."""
    import statistics
    import subprocess

    from model.settings import REPO_ROOT

    times = [subprocess.run([sys.executable, "-c", _LOAD_PROBE, str(checkpoint)], cwd=REPO_ROOT, check=True,
                            capture_output=True, text=True).stdout.split() for _ in range(rounds)]
    return {"rounds": rounds, "import_torch": statistics.median(float(t[0]) for t in times),
            "annotator_load": statistics.median(float(t[1]) for t in times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_checkpoint(parser)
    parser.add_argument("--no-ctx-checkpoint", type=Path, help="a checkpoint trained without contextual embeddings")
    add_cache_dir(parser)
    parser.add_argument("--train-batches", type=int, default=20)
    parser.add_argument("--limit", type=int, help="only the first N test documents")
    add_threads(parser)
    parser.add_argument("--encoders", nargs="+", choices=ENCODER_BACKENDS, default=[encoder_backend()],
                        help="time inference with each of these MiniLM backends (default: the configured one)")
    parser.add_argument("--no-training", action="store_true", help="time inference only")
    parser.add_argument("--batch-documents", type=int, nargs="+", metavar="K",
                        help="also time annotating K texts per call (first K is the reference)")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="also profile annotating one text per call: the N costliest functions")
    parser.add_argument("--load", type=int, metavar="N",
                        help="also time loading the annotator in N fresh processes (median)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    threads = set_threads(args.threads, default=2)
    cache = DataCache(cache_dir(args.cache_dir))
    result = {"threads": threads}
    if not args.no_training:
        result["train_sentences_per_second"] = {
            "contextual": round(training_speed(cache, True, args.train_batches), 1),
            "no_contextual": round(training_speed(cache, False, args.train_batches), 1),
        }
    result["inference"] = [inference_speed(args.checkpoint, cache, args.limit, encoder) for encoder in args.encoders]
    if args.no_ctx_checkpoint:
        result["inference"].append(inference_speed(args.no_ctx_checkpoint, cache, args.limit))
    if args.batch_documents:
        result["batching"] = batching_speed(args.checkpoint, cache, args.limit, args.batch_documents)
    if args.profile:
        result["profile"] = profile_annotate(args.checkpoint, cache, args.limit, args.profile)
    if args.load:
        result["load_seconds"] = load_seconds(args.checkpoint, args.load)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
