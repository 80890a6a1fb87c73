"""Greedy transition decoding with explicit Stack-LSTMs, batched over sentences.

Each sentence keeps its own stacks (`StateStack`); a REDUCE pops the whole mention
stack back to its empty state. All sentences that push in a step share one LSTM call.
Decoding can be constrained to given spans (D2KB, Only-EL) or to given actions (tests).
Mentions come back with their candidates scored from the sentence (`LinkDecision.local`)
and a NIL probability; `model.linking.decide_links` turns them into links per document.
This is `JointNerElModel.decode`'s implementation, written against the model's own
step functions (the same ones teacher forcing runs over whole sequences).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from model.candidates import CandidateSource
from model.encoder import EncodedBatch
from model.features import MentionTarget, SentenceExample
from model.linking import LinkDecision
from model.stack_lstm import StateStack
from model.transitions import NUM_ACTIONS, OUT, REDUCE_OFFSET, SHIFT, legal_actions, reduce_type

if TYPE_CHECKING:
    from model.joint_model import JointNerElModel


@dataclass
class SentencePrediction:
    actions: list[int] = field(default_factory=list)
    mentions: list[LinkDecision] = field(default_factory=list)
    step_scores: list[Tensor] = field(default_factory=list)  # only when recording


@dataclass
class _Reduced:
    """A mention reduced in the current step: where it is and which parser state built it."""

    row: int  # index among the step's active sentences (rows of `state` and `v_t`)
    sentence: int  # batch index
    start: int
    end: int
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


class _SentenceState:
    def __init__(self, n: int) -> None:
        self.n, self.cursor, self.stack_start = n, 0, None
        self.stack, self.output, self.history = StateStack(), StateStack(), StateStack()

    @property
    def done(self) -> bool:
        return self.cursor >= self.n and self.stack_start is None

    def legal(self, spans: list[tuple[int, int]] | None) -> list[bool]:
        allowed = legal_actions(self.n - self.cursor, 0 if self.stack_start is None else self.cursor - self.stack_start)
        if spans is not None:
            allowed = [a and c for a, c in zip(allowed, _span_constraint(spans, self.n, self.cursor, self.stack_start))]
        return allowed

    def query(self, words: Tensor) -> Tensor:
        """Attention query: mean of the stack's words; the next word when the stack is empty."""
        if self.stack_start is not None:
            return words[self.stack_start:self.cursor].mean(0)
        return words[self.cursor] if self.cursor < self.n else words.new_zeros(words.shape[-1])


@torch.no_grad()
def greedy_decode(model: "JointNerElModel", examples: list[SentenceExample], candidates: CandidateSource | None,
                  spans: list[list[tuple[int, int]]] | None = None,
                  actions: list[list[int]] | None = None, record: bool = False) -> list[SentencePrediction]:
    """Predict transitions (and score candidates at every REDUCE) for a batch of sentences.

    `spans` forces the mentions to build (one list per sentence); `actions` forces the
    whole action sequence. `record` keeps each step's action scores.
    """
    enc = model.encoder(examples)
    lengths = torch.tensor(enc.lengths)
    states = [_SentenceState(n) for n in enc.lengths]
    predictions = [SentencePrediction() for _ in examples]
    link = candidates is not None and model.config.links
    empty = model.empty
    while True:
        active = [b for b, st in enumerate(states) if not st.done]
        if not active:
            break
        rows = torch.tensor(active)
        buffer = torch.stack([enc.buffer[b, states[b].cursor] if states[b].cursor < states[b].n else empty["buffer"]
                              for b in active])
        state, v_t = model.step_state(
            torch.stack([states[b].stack.top(empty["stack"]) for b in active]), buffer,
            torch.stack([states[b].output.top(empty["output"]) for b in active]),
            torch.stack([states[b].history.top(empty["history"]) for b in active]),
            enc.layer1[rows], lengths[rows], torch.stack([states[b].query(enc.words[b]) for b in active]))
        legal = torch.tensor([states[b].legal(None if spans is None else spans[b]) for b in active])
        scores = model.action_scores(state, legal)
        log_probs = torch.log_softmax(scores, dim=-1)
        chosen = [actions[b][len(predictions[b].actions)] for b in active] if actions is not None \
            else scores.argmax(-1).tolist()
        shifts, outs, reduced = [], [], []
        for i, (b, action) in enumerate(zip(active, chosen)):
            predictions[b].actions.append(action)
            if record:
                predictions[b].step_scores.append(scores[i])
            st = states[b]
            if action == SHIFT:
                shifts.append(b)
            elif action == OUT:
                outs.append(b)
            else:
                s, e = st.stack_start, st.cursor
                decision = LinkDecision(s, e, reduce_type(action), float(log_probs[i, action].exp()),
                                        words=tuple(examples[b].tokens[s:e]))
                reduced.append(_Reduced(i, b, s, e, decision))
        StateStack.push_many(model.stack_lstm, [states[b].stack for b in shifts],
                             torch.stack([enc.words[b, states[b].cursor] for b in shifts]) if shifts else None)
        pushes = [(states[b].output, enc.words[b, states[b].cursor]) for b in outs]
        if reduced:
            composed = model.compose_spans(enc.words, [(r.sentence, r.start, r.end, r.decision.ner_type) for r in reduced])
            pushes += [(states[r.sentence].output, composed[j]) for j, r in enumerate(reduced)]
            if link:
                _score_candidates(model, examples, enc, state, v_t, reduced, candidates)
            for r in reduced:
                predictions[r.sentence].mentions.append(r.decision)
        if pushes:
            StateStack.push_many(model.output_lstm, [p[0] for p in pushes], torch.stack([p[1] for p in pushes]))
        StateStack.push_many(model.action_lstm, [states[b].history for b in active],
                             model.action_embedding(torch.tensor(chosen)))
        for b in shifts:
            st = states[b]
            st.stack_start = st.cursor if st.stack_start is None else st.stack_start
            st.cursor += 1
        for b in outs:
            states[b].cursor += 1
        for r in reduced:
            states[r.sentence].stack.clear()  # pointer back to the empty stack
            states[r.sentence].stack_start = None
    return predictions


def _score_candidates(model: "JointNerElModel", examples: list[SentenceExample], enc: EncodedBatch, state: Tensor,
                      v_t: Tensor | None, reduced: list[_Reduced], candidates: CandidateSource) -> None:
    """Sentence-level candidate probabilities and P(NIL) of the mentions reduced in this step."""
    found = [(r, candidates(examples[r.sentence].tokens[r.start:r.end])) for r in reduced]
    found = [(r, c, MentionTarget(r.start, r.end, c.rows, c.priors, vectors=c.vectors)) for r, c in found if len(c)]
    if not found:
        return
    scores, nil_logits = model.mention_scores(enc, state, v_t, [r.row for r, _, _ in found],
                                              [(r.sentence, r.start, r.end) for r, _, _ in found],
                                              [t for _, _, t in found])
    probs = torch.softmax(scores, dim=-1)
    nil = torch.sigmoid(nil_logits) if nil_logits is not None else torch.zeros(len(found))
    for i, (r, candidate_set, _) in enumerate(found):
        r.decision.candidates = [(t, float(probs[i, c])) for c, t in enumerate(candidate_set.titles)]
        r.decision.from_open_kb = candidate_set.from_open_kb
        r.decision.local = [p for _, p in r.decision.candidates]
        r.decision.nil_score = float(nil[i])
