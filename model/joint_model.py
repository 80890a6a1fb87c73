"""The joint NER + EL Stack-LSTM model (Martins, Marinho & Martins, 2019).

One class owns the encoder, the transition classifier, the EL scorer and the NIL
classifier, their losses (`loss`, teacher forcing) and prediction (`decode`, greedy,
in `model.decoder`). Under teacher forcing every parser state is known in advance, so
the stack, output and action LSTMs run over whole sequences at once; `decode` steps
the same LSTMs one transition at a time with explicit stacks, and a test checks that
both give the same scores.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from model.config import ModelConfig
from model.encoder import CONTEXTUAL_DIM, EncodedBatch, TokenEncoder
from model.features import CharVocabulary, MentionTarget, SentenceExample, WordVocabulary
from model.transitions import NUM_ACTIONS, OUT, SHIFT, legal_actions
from model.annotation import NER_TYPES


NIL_EVIDENCE = 3  # best EL probability, best prior, log(1 + number of candidates)


@dataclass
class ParserSteps:
    """Gathered inputs of every transition of a batch (teacher forcing)."""

    sentence: Tensor  # (S,) batch row of each step
    stack: Tensor  # (S, H)
    buffer: Tensor
    output: Tensor
    history: Tensor
    query: Tensor  # (S, H) attention query: mean of the stack's words
    legal: Tensor  # (S, A) bool
    gold: Tensor  # (S,) gold action


class JointNerElModel(nn.Module):
    def __init__(self, config: ModelConfig, glove: np.ndarray, glove_index: dict[str, int],
                 chars: CharVocabulary, entity_vectors: np.ndarray, words: WordVocabulary | None = None) -> None:
        super().__init__()
        self.config = config
        h = config.hidden
        self.encoder = TokenEncoder(config, glove, glove_index, chars, words)
        self.stack_lstm = nn.LSTM(h, h, batch_first=True)
        self.output_lstm = nn.LSTM(h, h, batch_first=True)
        self.action_lstm = nn.LSTM(config.action_dim, h, batch_first=True)
        self.action_embedding = nn.Embedding(NUM_ACTIONS, config.action_dim)
        self.empty = nn.ParameterDict({k: nn.Parameter(torch.randn(h) * 0.1) for k in ("stack", "buffer", "output", "history")})
        self.compose_lstm = nn.LSTM(h, h // 2, batch_first=True, bidirectional=True)
        self.type_embedding = nn.Embedding(len(NER_TYPES), config.type_dim)
        self.compose = nn.Linear(2 * (h // 2) + config.type_dim, h)
        self.attention_query = nn.Linear(h, 2 * h)
        state_in = 4 * h + (2 * h if config.use_sentence_rep else 0)
        self.state = nn.Linear(state_in, h)
        self.action_out = nn.Linear(h, NUM_ACTIONS)
        # Entity vectors are fixed features (as Wikipedia2Vec in the paper); saved with the model.
        self.register_buffer("entity_vectors", torch.from_numpy(entity_vectors).float())
        if config.tune_entities:
            # Zero-initialised, so an entity never seen as a training candidate keeps its vector.
            self.entity_offset = nn.Embedding(*entity_vectors.shape)
            nn.init.zeros_(self.entity_offset.weight)
        context_dim = h + (2 * h if config.use_mention_rep else 0) + (2 * h if config.use_sentence_rep else 0)
        if config.use_document_rep:
            self.document_proj = nn.Linear(CONTEXTUAL_DIM, h)
            context_dim += h
        # affine([c_e; c_p; m; v_t; a_t]) split in two so the mention part is computed once per mention.
        self.el_entity = nn.Linear(entity_vectors.shape[1] + 2, config.el_hidden, bias=False)
        self.el_context = nn.Linear(context_dim, config.el_hidden)
        self.el_out = nn.Linear(config.el_hidden, 1)
        if config.el_bilinear:
            # tanh(W_e c_e + W_c s_t) mixes entity and context only through the saturation;
            # "sports context <-> national team" needs a product of the two. Zero-initialised:
            # training starts from the paper's scorer.
            self.el_match = nn.Linear(context_dim, entity_vectors.shape[1], bias=False)
            nn.init.zeros_(self.el_match.weight)
        self.nil_hidden = nn.Linear(context_dim + (NIL_EVIDENCE if config.nil_uses_candidates else 0), config.nil_hidden)
        self.nil_out = nn.Linear(config.nil_hidden, 1)
        self.dropout = nn.Dropout(config.dropout)

    # ---- pieces shared by teacher forcing and greedy decoding -------------------
    def sentence_rep(self, layer1: Tensor, lengths: Tensor, query: Tensor) -> Tensor:
        """v_t: attention over BiLSTM layer 1 of each step's sentence, queried by `query`."""
        q = self.attention_query(query)  # (S, 2H)
        scores = torch.einsum("snd,sd->sn", layer1, q)
        mask = torch.arange(layer1.shape[1])[None, :] < lengths[:, None]
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return torch.einsum("sn,snd->sd", weights, layer1)

    def parser_state(self, stack: Tensor, buffer: Tensor, output: Tensor, history: Tensor,
                     sentence_rep: Tensor | None) -> Tensor:
        parts = [stack, buffer, output, history] + ([sentence_rep] if sentence_rep is not None else [])
        return torch.tanh(self.state(self.dropout(torch.cat(parts, dim=-1))))

    def action_scores(self, state: Tensor, legal: Tensor) -> Tensor:
        return self.action_out(state).masked_fill(~legal, float("-inf"))

    def compose_spans(self, words: Tensor, spans: list[tuple[int, int, int, str]]) -> Tensor:
        """Output-stack vectors of reduced mentions: BiLSTM over the span + its type."""
        pieces = [words[b, s:e] for b, s, e, _ in spans]
        lengths = torch.tensor([len(p) for p in pieces])
        packed = pack_padded_sequence(pad_sequence(pieces, batch_first=True), lengths, batch_first=True, enforce_sorted=False)
        _, (hn, _) = self.compose_lstm(packed)
        types = self.type_embedding(torch.tensor([NER_TYPES.index(t) for *_, t in spans]))
        return torch.tanh(self.compose(torch.cat([hn[0], hn[1], types], dim=-1)))

    def mention_context(self, state: Tensor, layer2_mean: Tensor, sentence_rep: Tensor | None,
                        examples: list[SentenceExample] | None = None) -> Tensor:
        """s_t for EL and NIL: [a_t; m; v_t (; d)] with the switched-off parts left out;
        `examples` are the mentions' sentences, whose document vectors give d."""
        parts = [state]
        if self.config.use_mention_rep:
            parts.append(layer2_mean)
        if self.config.use_sentence_rep and sentence_rep is not None:
            parts.append(sentence_rep)
        if self.config.use_document_rep:
            if examples is None or any(e.document is None for e in examples):
                raise ValueError("use_document_rep needs each sentence's document vector")
            topic = torch.from_numpy(np.stack([np.asarray(e.document, dtype=np.float32) for e in examples]))
            parts.append(torch.tanh(self.document_proj(self.dropout(topic))))
        return self.dropout(torch.cat(parts, dim=-1))

    def candidate_scores(self, context: Tensor, targets: list[MentionTarget]) -> tuple[Tensor, Tensor]:
        """EL scores (M, K) padded with -inf, and the candidate mask."""
        k = max(1, max(len(t.candidates) for t in targets))
        rows = torch.zeros(len(targets), k, dtype=torch.long)
        priors = torch.zeros(len(targets), k)
        mask = torch.zeros(len(targets), k, dtype=torch.bool)
        for i, t in enumerate(targets):
            n = len(t.candidates)
            rows[i, :n] = torch.tensor(t.candidates, dtype=torch.long)
            priors[i, :n] = torch.tensor(t.priors)
            mask[i, :n] = True
        vectors = self.entity_vectors[rows]
        if self.config.tune_entities:
            vectors = vectors + self.entity_offset(rows)
        features = torch.cat([vectors, priors[..., None], torch.log(priors.clamp_min(1e-6))[..., None]], dim=-1)
        hidden = torch.tanh(self.el_entity(features) + self.el_context(context)[:, None, :])
        scores = self.el_out(hidden).squeeze(-1)
        if self.config.el_bilinear:
            scores = scores + torch.einsum("mkd,md->mk", vectors, self.el_match(context))
        return scores.masked_fill(~mask, float("-inf")), mask

    def nil_logit(self, context: Tensor, el_scores: Tensor, targets: list[MentionTarget]) -> Tensor:
        """NIL classifier: sigmoid(affine(tanh(affine(s_t)))) on the mention context, plus
        (with `nil_uses_candidates`) how convincing the best candidate is."""
        if self.config.nil_uses_candidates:
            best_prob = torch.softmax(el_scores.detach(), dim=-1).max(-1).values
            best_prior = torch.tensor([max(t.priors, default=0.0) for t in targets])
            count = torch.log1p(torch.tensor([float(len(t.candidates)) for t in targets]))
            context = torch.cat([context, torch.stack([best_prob, best_prior, count], dim=-1)], dim=-1)
        return self.nil_out(torch.tanh(self.nil_hidden(context))).squeeze(-1)

    # ---- teacher forcing ------------------------------------------------------------
    def teacher_forced(self, examples: list[SentenceExample]):
        """Encoder output, gathered steps, reduce rows, gold spans, v_t and parser state of
        every gold transition (what `loss` scores; tests compare it with decoding)."""
        enc = self.encoder(examples)
        steps, reduce_rows, spans = self._teacher_forced_steps(enc, examples)
        lengths = torch.tensor(enc.lengths)
        v_t = self.sentence_rep(enc.layer1[steps.sentence], lengths[steps.sentence], steps.query) \
            if self.config.use_sentence_rep else None
        state = self.parser_state(steps.stack, steps.buffer, steps.output, steps.history, v_t)
        return enc, steps, reduce_rows, spans, v_t, state

    def loss(self, examples: list[SentenceExample]) -> dict[str, Tensor]:
        """L_NER + L_EL + L_NIL (per the objective) for a batch, with gold transitions."""
        enc, steps, reduce_rows, spans, v_t, state = self.teacher_forced(examples)
        losses: dict[str, Tensor] = {}
        if self.config.objective in ("joint", "ner"):
            losses["ner"] = F.cross_entropy(self.action_scores(state, steps.legal), steps.gold)
        if self.config.objective in ("joint", "el") and spans:
            # Only mentions with candidates can be linked; the others are NIL without asking.
            keep = [i for i, (b, s, e, _) in enumerate(spans) if examples[b].mentions[(s, e)].candidates]
            if not keep:
                return losses
            targets = [examples[spans[i][0]].mentions[spans[i][1:3]] for i in keep]
            m = torch.stack([enc.layer2[b, s:e].mean(0) for b, s, e, _ in (spans[i] for i in keep)])
            rows = torch.tensor([reduce_rows[i] for i in keep])
            context = self.mention_context(state[rows], m, None if v_t is None else v_t[rows],
                                           [examples[spans[i][0]] for i in keep])
            scores, _ = self.candidate_scores(context, targets)
            linkable = torch.tensor([t.gold >= 0 for t in targets])
            if linkable.any():
                gold = torch.tensor([t.gold for t in targets])[linkable]
                losses["el"] = F.cross_entropy(scores[linkable], gold)
            if self.config.use_nil_classifier:
                nil_gold = torch.tensor([1.0 if t.nil else 0.0 for t in targets])
                losses["nil"] = F.binary_cross_entropy_with_logits(self.nil_logit(context, scores, targets), nil_gold)
        return losses

    def _teacher_forced_steps(self, enc: EncodedBatch, examples: list[SentenceExample]):
        """Parser-state inputs of every gold transition, gathered from whole-sequence LSTMs."""
        h = self.config.hidden
        words, batch, n_max = enc.words, len(examples), enc.words.shape[1]
        spans = [(b, s, e, t) for b, ex in enumerate(examples) for s, e, t in ex.spans]
        span_id = {(b, s): i for i, (b, s, _, _) in enumerate(spans)}
        # Stack: states after pushing each prefix of each mention, from an empty stack.
        if spans:
            seg_len = max(e - s for _, s, e, _ in spans)
            segments = pad_sequence([words[b, s:e] for b, s, e, _ in spans], batch_first=True)
            stack_table = torch.cat([self.stack_lstm(segments)[0].reshape(-1, h), self.empty["stack"][None]])
            composed = self.compose_spans(words, spans)
        else:
            seg_len, stack_table, composed = 1, self.empty["stack"][None], words.new_zeros(0, h)
        buffer_table = torch.cat([enc.buffer.reshape(-1, h), self.empty["buffer"][None]])
        word_flat = words.reshape(-1, h)
        cumsum = torch.cat([words.new_zeros(batch, 1, h), words.cumsum(1)], dim=1)

        rows = {k: [] for k in ("sentence", "stack", "buffer", "output", "history", "gold", "legal", "qs", "qe")}
        items, reduce_rows = [], []
        for b, ex in enumerate(examples):
            n, cursor, seg_start, outputs = len(ex.tokens), 0, None, 0
            sentence_items = []
            for t, action in enumerate(ex.actions):
                k = 0 if seg_start is None else cursor - seg_start
                rows["sentence"].append(b)
                rows["stack"].append(span_id[(b, seg_start)] * seg_len + k - 1 if k else len(stack_table) - 1)
                rows["buffer"].append(b * n_max + cursor if cursor < n else len(buffer_table) - 1)
                rows["output"].append((b, outputs))
                rows["history"].append((b, t))
                rows["gold"].append(action)
                rows["legal"].append(legal_actions(n - cursor, k))
                # Query: mean of the stack's words; the next word when the stack is empty.
                rows["qs"].append((b, seg_start if k else cursor))
                rows["qe"].append((b, cursor if k else min(cursor + 1, n)))
                if action == SHIFT:
                    seg_start = cursor if seg_start is None else seg_start
                    cursor += 1
                elif action == OUT:
                    sentence_items.append(word_flat[b * n_max + cursor])
                    cursor, outputs = cursor + 1, outputs + 1
                else:
                    reduce_rows.append(len(rows["gold"]) - 1)
                    sentence_items.append(composed[span_id[(b, seg_start)]])
                    seg_start, outputs = None, outputs + 1
            items.append(torch.stack(sentence_items) if sentence_items else words.new_zeros(1, h))
        output_seq = self.output_lstm(pad_sequence(items, batch_first=True))[0]
        history_seq = self.action_lstm(self.action_embedding(pad_sequence(
            [torch.tensor(ex.actions, dtype=torch.long) for ex in examples], batch_first=True)))[0]
        out_pos, hist_pos = output_seq.shape[1], history_seq.shape[1]
        output_table = torch.cat([output_seq.reshape(-1, h), self.empty["output"][None]])
        history_table = torch.cat([history_seq.reshape(-1, h), self.empty["history"][None]])
        out_idx = [b * out_pos + j - 1 if j else len(output_table) - 1 for b, j in rows["output"]]
        hist_idx = [b * hist_pos + t - 1 if t else len(history_table) - 1 for b, t in rows["history"]]
        qs, qe = rows["qs"], rows["qe"]
        sums = torch.stack([cumsum[b, e] - cumsum[b, s] for (b, s), (_, e) in zip(qs, qe)])
        counts = torch.tensor([max(e - s, 1) for (_, s), (_, e) in zip(qs, qe)], dtype=torch.float)[:, None]
        steps = ParserSteps(
            sentence=torch.tensor(rows["sentence"]),
            stack=stack_table[torch.tensor(rows["stack"])],
            buffer=buffer_table[torch.tensor(rows["buffer"])],
            output=output_table[torch.tensor(out_idx)],
            history=history_table[torch.tensor(hist_idx)],
            query=sums / counts,
            legal=torch.tensor(rows["legal"]),
            gold=torch.tensor(rows["gold"]),
        )
        return steps, reduce_rows, spans
