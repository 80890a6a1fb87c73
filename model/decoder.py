"""Greedy transition decoding with Stack-LSTMs, batched over sentences.

Every sentence's parser state (cursor, where its mention stack starts, and the tops of
its stack, output and action-history LSTMs: `model.stack_lstm.StackTops`) lives in
batch tensors, so one step of all sentences is a handful of tensor operations with no
per-sentence gathering; a REDUCE empties the mention stack. Inputs are gathered the way
teacher forcing gathers them (`JointNerElModel._teacher_forced_steps`: buffer table,
query as a cumulative-sum mean), so both compute the same scores.
Decoding can be constrained to given spans (D2KB, Only-EL) or to given actions (tests).
Mentions come back with their candidates scored from the sentence (`LinkDecision.local`)
and a NIL probability. EL scores never steer the transitions, so the candidates of all
mentions of the batch are scored together once decoding ends; `model.linking.decide_links`
turns them into links per document.
This is `JointNerElModel.decode`'s implementation, written against the model's own
step functions (the same ones teacher forcing runs over whole sequences).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import Protocol

import torch
from torch import Tensor

from model.candidate_set import CandidateSource
from model.config import ModelConfig
from model.encoder import EncodedBatch
from model.features import MentionTarget, SentenceExample
from model.linking import LinkDecision
from model.place_linking import mark_listed_divisions, mark_place_qualifiers
from model.stack_lstm import StackTops
from model.transitions import NUM_ACTIONS, OUT, REDUCE_OFFSET, SHIFT, legal_action_mask, reduce_type



class TransitionModel(Protocol):
    """What greedy decoding needs of the model (`model.joint_model.JointNerElModel`, which
    imports this module: the decoder names the pieces it uses instead of importing the model)."""

    config: ModelConfig
    encoder: Callable[[list[SentenceExample]], EncodedBatch]
    empty: Mapping[str, Tensor]  # the learned vectors of an empty stack, buffer, output and history
    stack_lstm: torch.nn.Module
    output_lstm: torch.nn.Module
    action_lstm: torch.nn.Module
    action_embedding: torch.nn.Module

    def step_state(self, stack: Tensor, buffer: Tensor, output: Tensor, history: Tensor, layer1: Tensor,
                   lengths: Tensor, query: Tensor) -> tuple[Tensor, Tensor | None]: ...

    def action_scores(self, state: Tensor, legal: Tensor) -> Tensor: ...

    def compose_spans(self, words: Tensor, spans: list[tuple[int, int, int, str]]) -> Tensor: ...

    def mention_scores(self, enc: EncodedBatch, state: Tensor, v_t: Tensor | None, rows: list[int],
                       spans: list[tuple[int, int, int]], targets: list[MentionTarget]) -> tuple[Tensor, Tensor | None]: ...

EL_CHUNK = 64  # mentions scored per call: bounds the (M, K, el_hidden) activations


@dataclass
class SentencePrediction:
    actions: list[int] = field(default_factory=list)
    mentions: list[LinkDecision] = field(default_factory=list)
    step_scores: list[Tensor] = field(default_factory=list)  # only when recording


@dataclass
class _Reduced:
    """A reduced mention waiting for its candidates to be scored, with the parser state
    (and v_t) it was reduced at."""

    sentence: int  # batch index
    state: Tensor
    v_t: Tensor | None
    decision: LinkDecision


def _span_constraint(spans: list[tuple[int, int]], n: int, cursor: int, stack_start: int | None) -> list[bool]:
    """Actions allowed when exactly `spans` must be built (their types are predicted)."""
    allowed = [False] * NUM_ACTIONS
    if stack_start is not None:
        end = dict(spans)[stack_start]
        if cursor < end:
            allowed[SHIFT] = True
        else:
            allowed[REDUCE_OFFSET:] = [True] * (NUM_ACTIONS - REDUCE_OFFSET)
    elif cursor < n:
        allowed[SHIFT if cursor in dict(spans) else OUT] = True
    return allowed


@torch.no_grad()
def greedy_decode(model: TransitionModel, examples: list[SentenceExample], candidates: CandidateSource | None,
                  spans: list[list[tuple[int, int]]] | None = None,
                  actions: list[list[int]] | None = None, record: bool = False) -> list[SentencePrediction]:
    """Predict transitions (and score candidates of every reduced mention) for a batch of sentences.

    `spans` forces the mentions to build (one list per sentence); `actions` forces the
    whole action sequence. `record` keeps each step's action scores.
    """
    enc = model.encoder(examples)
    words, empty = enc.words, model.empty
    batch, n_max, h = words.shape
    lengths = torch.tensor(enc.lengths)
    cursor = torch.zeros(batch, dtype=torch.long)
    stack_start = torch.full((batch,), -1)  # -1: the mention stack is empty
    stack, output = StackTops(model.stack_lstm, batch, empty["stack"]), StackTops(model.output_lstm, batch, empty["output"])
    history = StackTops(model.action_lstm, batch, empty["history"])
    # Row b * n_max + i holds token i of sentence b; the extra last row is the empty buffer.
    buffer_table = torch.cat([enc.buffer.reshape(-1, h), empty["buffer"][None]])
    word_table = words.reshape(-1, h)
    cumsum = torch.cat([words.new_zeros(batch, 1, h), words.cumsum(1)], dim=1)
    predictions = [SentencePrediction() for _ in examples]
    reduced: list[_Reduced] = []
    while True:
        active = ((cursor < lengths) | (stack_start >= 0)).nonzero().squeeze(1)
        if len(active) == 0:
            break
        cur, n, start = cursor[active], lengths[active], stack_start[active]
        in_mention = start >= 0
        buffer = buffer_table[torch.where(cur < n, active * n_max + cur, len(buffer_table) - 1)]
        # Query: mean of the stack's words; the next word when the stack is empty (zeros at the end).
        q_start = torch.where(in_mention, start, cur)
        q_end = torch.where(in_mention, cur, torch.minimum(cur + 1, n))
        query = (cumsum[active, q_end] - cumsum[active, q_start]) / (q_end - q_start).clamp_min(1)[:, None]
        every = len(active) == batch  # then the batch's own tensors, not copies gathered by `active`
        state, v_t = model.step_state(stack.top(active), buffer, output.top(active), history.top(active),
                                      enc.layer1 if every else enc.layer1[active], lengths if every else lengths[active],
                                      query)
        legal = legal_action_mask(n - cur, torch.where(in_mention, cur - start, 0))
        if spans is not None:
            legal &= torch.tensor([_span_constraint(spans[b], int(lengths[b]), int(cursor[b]),
                                                    int(stack_start[b]) if stack_start[b] >= 0 else None)
                                   for b in active.tolist()])
        scores = model.action_scores(state, legal)
        if actions is not None:
            chosen = torch.tensor([actions[b][len(predictions[b].actions)] for b in active.tolist()])
        else:
            chosen = scores.argmax(-1)
        for i, (b, action) in enumerate(zip(active.tolist(), chosen.tolist())):
            predictions[b].actions.append(action)
            if record:
                predictions[b].step_scores.append(scores[i])

        shift, out, reduce = chosen == SHIFT, chosen == OUT, chosen >= REDUCE_OFFSET
        shifted, outed = active[shift], active[out]
        stack.push(shifted, word_table[shifted * n_max + cursor[shifted]])
        push_rows, push_inputs = [outed], [word_table[outed * n_max + cursor[outed]]]
        if reduce.any():
            rows = reduce.nonzero().squeeze(1)
            reduced_b = active[rows]
            found = []
            ner_probs = torch.log_softmax(scores[rows], dim=-1).exp().gather(1, chosen[rows, None]).squeeze(1).tolist()
            for j, (b, s, e, action) in enumerate(zip(reduced_b.tolist(), stack_start[reduced_b].tolist(),
                                                      cursor[reduced_b].tolist(), chosen[rows].tolist())):
                decision = LinkDecision(s, e, reduce_type(action), ner_probs[j], words=tuple(examples[b].tokens[s:e]))
                predictions[b].mentions.append(decision)
                found.append((b, s, e, decision.ner_type))
                reduced.append(_Reduced(b, state[rows[j]], None if v_t is None else v_t[rows[j]], decision))
            push_rows.append(reduced_b)
            push_inputs.append(model.compose_spans(words, found))
            stack.clear(reduced_b)
            stack_start[reduced_b] = -1
        output.push(torch.cat(push_rows), torch.cat(push_inputs))
        history.push(active, model.action_embedding(chosen))
        stack_start[shifted] = torch.where(stack_start[shifted] >= 0, stack_start[shifted], cursor[shifted])
        cursor[shifted] += 1
        cursor[outed] += 1
    if candidates is not None and model.config.links:
        for example, prediction in zip(examples, predictions):
            mark_place_qualifiers(example.tokens, prediction.mentions)
            mark_listed_divisions(example.tokens, prediction.mentions)
        for begin in range(0, len(reduced), EL_CHUNK):
            _score_candidates(model, examples, enc, reduced[begin:begin + EL_CHUNK], candidates)
    return predictions


def _score_candidates(model: TransitionModel, examples: list[SentenceExample], enc: EncodedBatch,
                      reduced: list[_Reduced], candidates: CandidateSource) -> None:
    """Sentence-level candidate probabilities and P(NIL) of reduced mentions."""
    found = [(r, candidates(list(r.decision.lookup_words or r.decision.words), r.decision.ner_type)) for r in reduced]
    for r, c in found:  # also when it found none (`model.coreference.document_coreference`)
        r.decision.from_open_kb, r.decision.unique_name = c.from_open_kb, c.unique_name
        r.decision.one_name_title, r.decision.named_page = c.one_name_title, c.named_page
        r.decision.famous_bearer, r.decision.places = c.famous_bearer, c.places
    found = [(r, c, MentionTarget(r.decision.start, r.decision.end, c.rows, c.priors, vectors=c.vectors))
             for r, c in found if len(c)]
    if not found:
        return
    state = torch.stack([r.state for r, _, _ in found])
    v_t = None if found[0][0].v_t is None else torch.stack([r.v_t for r, _, _ in found])
    scores, nil_logits = model.mention_scores(enc, state, v_t, list(range(len(found))),
                                              [(r.sentence, r.decision.start, r.decision.end) for r, _, _ in found],
                                              [t for _, _, t in found])
    probs = torch.softmax(scores, dim=-1).tolist()
    nil = torch.sigmoid(nil_logits).tolist() if nil_logits is not None else [0.0] * len(found)
    for i, (r, candidate_set, _) in enumerate(found):
        r.decision.candidates = [(t, probs[i][c]) for c, t in enumerate(candidate_set.titles)]
        r.decision.local = [p for _, p in r.decision.candidates]
        r.decision.nil_score = nil[i]
