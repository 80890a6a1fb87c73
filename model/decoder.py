"""Greedy transition decoding with explicit Stack-LSTMs, batched over sentences.

Each sentence keeps its own stacks (`StateStack`); a REDUCE pops the whole mention
stack back to its empty state. All sentences that push in a step share one LSTM call.
Decoding can be constrained to given spans (D2KB, Only-EL) or to given actions (tests).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from model.features import MentionTarget, SentenceExample
from model.stack_lstm import StateStack
from model.transitions import NUM_ACTIONS, OUT, REDUCE_OFFSET, SHIFT, legal_actions, reduce_type

# tokens of a mention -> (titles, entity rows, priors)
CandidateSource = Callable[[list[str]], tuple[list[str], list[int], list[float]]]


@dataclass
class LinkDecision:
    """What the model decided for one mention."""

    start: int
    end: int
    ner_type: str
    ner_score: float
    entity: str | None = None
    el_score: float | None = None
    nil_score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)
    local: list[float] | None = None  # the sentence-level probabilities, kept when coherence re-ranks
    words: tuple[str, ...] = ()  # the mention's tokens


@dataclass
class SentencePrediction:
    actions: list[int] = field(default_factory=list)
    mentions: list[LinkDecision] = field(default_factory=list)
    step_scores: list[Tensor] = field(default_factory=list)  # only when recording


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


class _SentenceState:
    def __init__(self, n: int) -> None:
        self.n, self.cursor, self.stack_start = n, 0, None
        self.stack, self.output, self.history = StateStack(), StateStack(), StateStack()

    @property
    def done(self) -> bool:
        return self.cursor >= self.n and self.stack_start is None


@torch.no_grad()
def greedy_decode(model, examples: list[SentenceExample], candidates: CandidateSource | None,
                  spans: list[list[tuple[int, int]]] | None = None,
                  actions: list[list[int]] | None = None, record: bool = False) -> list[SentencePrediction]:
    """Predict transitions (and links at every REDUCE) for a batch of sentences.

    `spans` forces the mentions to build (one list per sentence); `actions` forces the
    whole action sequence. `record` keeps each step's action scores.
    """
    enc = model.encoder(examples)
    h = model.config.hidden
    lengths = torch.tensor(enc.lengths)
    states = [_SentenceState(n) for n in enc.lengths]
    predictions = [SentencePrediction() for _ in examples]
    link_el = candidates is not None and model.config.objective != "ner"
    empty = model.empty
    while True:
        active = [b for b, st in enumerate(states) if not st.done]
        if not active:
            break
        rows = torch.tensor(active)
        stack = torch.stack([states[b].stack.top(empty["stack"]) for b in active])
        buffer = torch.stack([enc.buffer[b, states[b].cursor] if states[b].cursor < states[b].n else empty["buffer"] for b in active])
        output = torch.stack([states[b].output.top(empty["output"]) for b in active])
        history = torch.stack([states[b].history.top(empty["history"]) for b in active])
        query = torch.stack([_query(enc.words[b], states[b], h) for b in active])
        v_t = model.sentence_rep(enc.layer1[rows], lengths[rows], query) if model.config.use_sentence_rep else None
        state = model.parser_state(stack, buffer, output, history, v_t)
        legal = []
        for b in active:
            st = states[b]
            allowed = legal_actions(st.n - st.cursor, 0 if st.stack_start is None else st.cursor - st.stack_start)
            if spans is not None:
                allowed = [a and c for a, c in zip(allowed, _span_constraint(spans[b], st.n, st.cursor, st.stack_start))]
            legal.append(allowed)
        scores = model.action_scores(state, torch.tensor(legal))
        log_probs = torch.log_softmax(scores, dim=-1)
        if actions is not None:
            chosen = [actions[b][len(predictions[b].actions)] for b in active]
        else:
            chosen = scores.argmax(-1).tolist()
        shifts, outs, reduces = [], [], []
        for i, (b, action) in enumerate(zip(active, chosen)):
            predictions[b].actions.append(action)
            if record:
                predictions[b].step_scores.append(scores[i])
            (shifts if action == SHIFT else outs if action == OUT else reduces).append((i, b, action))
        StateStack.push_many(model.stack_lstm, [states[b].stack for _, b, _ in shifts],
                             torch.stack([enc.words[b, states[b].cursor] for _, b, _ in shifts]) if shifts else None)
        pushes = [(states[b].output, enc.words[b, states[b].cursor]) for _, b, _ in outs]
        if reduces:
            mention_spans = [(b, states[b].stack_start, states[b].cursor, reduce_type(a)) for _, b, a in reduces]
            composed = model.compose_spans(enc.words, mention_spans)
            pushes += [(states[b].output, composed[j]) for j, (_, b, _) in enumerate(reduces)]
            decisions = [LinkDecision(s, e, t, float(log_probs[i, a].exp()), words=tuple(examples[b].tokens[s:e]))
                         for (i, _, a), (b, s, e, t) in zip(reduces, mention_spans)]
            if link_el:
                _link(model, examples, enc, state, v_t, reduces, mention_spans, decisions, candidates)
            for (_, b, _), decision in zip(reduces, decisions):
                predictions[b].mentions.append(decision)
        if pushes:
            StateStack.push_many(model.output_lstm, [p[0] for p in pushes], torch.stack([p[1] for p in pushes]))
        StateStack.push_many(model.action_lstm, [states[b].history for b in active],
                             model.action_embedding(torch.tensor(chosen)))
        for _, b, _ in shifts:
            st = states[b]
            st.stack_start = st.cursor if st.stack_start is None else st.stack_start
            st.cursor += 1
        for _, b, _ in outs:
            states[b].cursor += 1
        for _, b, _ in reduces:
            while len(states[b].stack):  # pointer back to the empty stack
                states[b].stack.pop()
            states[b].stack_start = None
    return predictions


def _query(words: Tensor, st: _SentenceState, h: int) -> Tensor:
    if st.stack_start is not None:
        return words[st.stack_start:st.cursor].mean(0)
    return words[st.cursor] if st.cursor < st.n else words.new_zeros(h)


def _link(model, examples, enc, state, v_t, reduces, mention_spans, decisions, candidates: CandidateSource) -> None:
    """EL + NIL for the mentions reduced in this step."""
    targets, keep = [], []
    for j, (b, s, e, _) in enumerate(mention_spans):
        titles, rows, priors = candidates(examples[b].tokens[s:e])
        if rows:
            targets.append((titles, MentionTarget(s, e, rows, priors)))
            keep.append(j)
    if not keep:
        return
    idx = torch.tensor([reduces[j][0] for j in keep])
    m = torch.stack([enc.layer2[mention_spans[j][0], mention_spans[j][1]:mention_spans[j][2]].mean(0) for j in keep])
    context = model.mention_context(state[idx], m, None if v_t is None else v_t[idx],
                                    [examples[mention_spans[j][0]] for j in keep])
    scores, _ = model.candidate_scores(context, [t for _, t in targets])
    probs = torch.softmax(scores, dim=-1)
    mention_targets = [t for _, t in targets]
    nil = torch.sigmoid(model.nil_logit(context, scores, mention_targets)) if model.config.use_nil_classifier \
        else torch.zeros(len(keep))
    for row, j in enumerate(keep):
        titles = targets[row][0]
        best = int(probs[row].argmax())
        decision = decisions[j]
        decision.candidates = [(t, float(probs[row, c])) for c, t in enumerate(titles)]
        decision.el_score = float(probs[row, best])
        decision.nil_score = float(nil[row])
        decision.entity = None if decision.nil_score > model.config.nil_threshold else titles[best]
