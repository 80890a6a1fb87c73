"""The joint NER + EL Stack-LSTM model (Martins, Marinho & Martins, 2019).

One class owns the encoder, the transition classifier, the EL scorer and the NIL
classifier, their losses (`loss`, teacher forcing), prediction (`decode` / `link`,
greedy, in `model.decoder`; links decided by `model.linking`) and persistence
(`save` / `load`, with the vocabularies, entity table and knowledge base it needs).
Under teacher forcing every parser state is known in advance, so the stack, output and
action LSTMs run over whole sequences at once; `decode` steps the same LSTMs one
transition at a time with explicit stacks, and a test checks that both give the same
scores.
"""
from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pad_sequence

from model.annotation import NER_TYPES
from model.checkpoint import read_checkpoint, write_checkpoint
from model.coherence import CoherenceReranker
from model.country_qualifiers import qualify_institutions
from model.config import LinkingConfig, ModelConfig
from model.data.knowledge_base import KnowledgeBase
from model.candidate_set import ORGANISATION_TYPE, CandidateSource
from model.candidates import CandidateLookup, candidate_source
from model.decoder import SentencePrediction, greedy_decode
from model.embeddings.glove import shared_glove
from model.encoder import EncodedBatch, TokenEncoder
from model.features import CharVocabulary, MentionTarget, SentenceExample, WordVocabulary
from model.linking import LinkDecision, decide_links
from model.stack_lstm import final_state
from model.transitions import NUM_ACTIONS, OUT, SHIFT, legal_actions


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
    def __init__(self, config: ModelConfig, glove: np.ndarray, glove_index: dict[str, int], chars: CharVocabulary,
                 titles: list[str], entity_vectors: np.ndarray, kb: KnowledgeBase,
                 words: WordVocabulary | None = None) -> None:
        """`titles` name the rows of `entity_vectors` (the entity table); `kb` gives each
        surface its candidate titles and priors. Both travel with the saved model."""
        super().__init__()
        if len(titles) != len(entity_vectors):
            raise ValueError(f"{len(titles)} entity titles for {len(entity_vectors)} entity vectors")
        self.config, self.chars, self.words, self.titles, self.kb = config, chars, words, list(titles), kb
        self.entity_rows = {t: i for i, t in enumerate(self.titles)}
        # What `decode` links against: the dictionary; `linking_against` gives a view with another source.
        self.candidates: CandidateSource = CandidateLookup(kb, self.entity_rows, config.max_candidates)
        self._coherence: CoherenceReranker | None = None
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
        self.register_buffer("entity_vectors", torch.from_numpy(np.asarray(entity_vectors)).float())
        context_dim = h + (2 * h if config.use_mention_rep else 0) + (2 * h if config.use_sentence_rep else 0)
        # affine([c_e; c_p; m; v_t; a_t]) split in two so the mention part is computed once per mention.
        self.el_entity = nn.Linear(entity_vectors.shape[1] + 2, config.el_hidden, bias=False)
        self.el_context = nn.Linear(context_dim, config.el_hidden)
        self.el_out = nn.Linear(config.el_hidden, 1)
        self.nil_hidden = nn.Linear(context_dim + (NIL_EVIDENCE if config.nil_uses_candidates else 0), config.nil_hidden)
        self.nil_out = nn.Linear(config.nil_hidden, 1)
        self.dropout = nn.Dropout(config.dropout)

    # ---- pieces shared by teacher forcing and greedy decoding -------------------
    def sentence_rep(self, layer1: Tensor, lengths: Tensor, query: Tensor) -> Tensor:
        """v_t: attention over BiLSTM layer 1 of each step's sentence, queried by `query`."""
        q = self.attention_query(query)  # (S, 2H)
        scores = torch.bmm(layer1, q[:, :, None]).squeeze(2)  # bmm, not einsum: this runs at every decoding step
        mask = torch.arange(layer1.shape[1])[None, :] < lengths[:, None]
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return torch.bmm(weights[:, None], layer1).squeeze(1)

    def parser_state(self, stack: Tensor, buffer: Tensor, output: Tensor, history: Tensor,
                     sentence_rep: Tensor | None) -> Tensor:
        parts = [stack, buffer, output, history] + ([sentence_rep] if sentence_rep is not None else [])
        return torch.tanh(self.state(self.dropout(torch.cat(parts, dim=-1))))

    def action_scores(self, state: Tensor, legal: Tensor) -> Tensor:
        return self.action_out(state).masked_fill(~legal, float("-inf"))

    def compose_spans(self, words: Tensor, spans: list[tuple[int, int, int, str]]) -> Tensor:
        """Output-stack vectors of reduced mentions: BiLSTM over the span + its type.
        Spans of one length run together, step by step (`model.stack_lstm.final_state`)."""
        by_length: dict[int, list[int]] = {}
        for i, (_, s, e, _) in enumerate(spans):
            by_length.setdefault(e - s, []).append(i)
        order, finals = [], []
        for members in by_length.values():
            inputs = torch.stack([words[spans[i][0], spans[i][1]:spans[i][2]] for i in members])  # (G, length, H)
            finals.append(torch.cat([final_state(self.compose_lstm, inputs, reverse) for reverse in (False, True)], dim=-1))
            order.extend(members)
        composed = torch.cat(finals)[torch.argsort(torch.tensor(order))]
        types = self.type_embedding(torch.tensor([NER_TYPES.index(t) for *_, t in spans]))
        return torch.tanh(self.compose(torch.cat([composed, types], dim=-1)))

    def step_state(self, stack: Tensor, buffer: Tensor, output: Tensor, history: Tensor, layer1: Tensor,
                   lengths: Tensor, query: Tensor) -> tuple[Tensor, Tensor | None]:
        """Parser state a_t of one step per sentence, and v_t (None without the sentence rep)."""
        v_t = self.sentence_rep(layer1, lengths, query) if self.config.use_sentence_rep else None
        return self.parser_state(stack, buffer, output, history, v_t), v_t

    def mention_context(self, state: Tensor, layer2_mean: Tensor, sentence_rep: Tensor | None) -> Tensor:
        """s_t for EL and NIL: [a_t; m; v_t] with the switched-off parts left out."""
        parts = [state]
        if self.config.use_mention_rep:
            parts.append(layer2_mean)
        if self.config.use_sentence_rep and sentence_rep is not None:
            parts.append(sentence_rep)
        return self.dropout(torch.cat(parts, dim=-1))

    def mention_scores(self, enc: EncodedBatch, state: Tensor, v_t: Tensor | None, rows: list[int],
                       spans: list[tuple[int, int, int]], targets: list[MentionTarget]) -> tuple[Tensor, Tensor | None]:
        """EL scores (M, K) and NIL logits (M,; None without the NIL classifier) of mentions
        `spans` (sentence, start, end), each reduced at parser state `state[rows[i]]`."""
        m = torch.stack([enc.layer2[b, s:e].mean(0) for b, s, e in spans])
        index = torch.tensor(rows)
        context = self.mention_context(state[index], m, None if v_t is None else v_t[index])
        scores, _ = self.candidate_scores(context, targets)
        nil = self.nil_logit(context, scores, targets) if self.config.use_nil_classifier else None
        return scores, nil

    def candidate_scores(self, context: Tensor, targets: list[MentionTarget]) -> tuple[Tensor, Tensor]:
        """EL scores (M, K) padded with -inf, and the candidate mask.

        Only real (mention, candidate) pairs go through the 5000-unit layer; the padding
        of mentions with fewer than K candidates is filled in afterwards."""
        counts = [len(t.candidates) for t in targets]
        k = max(1, max(counts))
        mention = torch.repeat_interleave(torch.arange(len(targets)), torch.tensor(counts))
        slot = torch.arange(len(mention)) - torch.repeat_interleave(torch.tensor([0] + counts[:-1]).cumsum(0),
                                                                      torch.tensor(counts))
        rows = torch.tensor([r for t in targets for r in t.candidates], dtype=torch.long)
        priors = torch.tensor([p for t in targets for p in t.priors], dtype=torch.float)
        starts = [0] + list(itertools.accumulate(counts))[:-1]
        own = {start + k: vector for start, t in zip(starts, targets) for k, vector in t.vectors.items()}
        pair_scores = self.el_out(self.pair_hidden(rows, priors, own, self.el_context(context), mention)).squeeze(-1)
        scores = pair_scores.new_full((len(targets), k), float("-inf")).index_put((mention, slot), pair_scores)
        mask = torch.zeros(len(targets), k, dtype=torch.bool).index_put((mention, slot), torch.tensor(True))
        return scores, mask

    def pair_hidden(self, rows: Tensor, priors: Tensor, own_vectors: dict[int, np.ndarray],
                    context_part: Tensor, mention: Tensor) -> Tensor:
        """The EL hidden layer of (mention, candidate) pairs: ``tanh(el_entity([c_e; p; log p]) +
        context_part[mention])`` for candidate rows `rows` (P,) with priors `priors` (P,) of
        mentions `mention` (P,), `context_part` being ``el_context`` of each mention's context.
        A row of -1 is an entity outside the table whose vector `own_vectors` gives (by position).

        el_entity is linear, so its entity-vector part is computed once per distinct entity.
        A pair's pre-activation is then a sum of four rows scaled by 1, 1, p and log p (its
        entity's, its mention's context, the two prior weight columns): one sparse × dense
        product writes the (pairs, el_hidden) activations once, instead of ~10 passes of
        separate gathers and adds, which made this most of the cost of scoring candidates."""
        d = self.entity_vectors.shape[1]
        weight = self.el_entity.weight  # (el_hidden, d + 2), no bias
        in_table = rows >= 0
        distinct, where = torch.unique(rows[in_table], return_inverse=True)
        parts = [F.linear(self.entity_vectors[distinct], weight[:, :d]), weight.new_zeros(1, weight.shape[0])]
        entity_row = torch.full_like(rows, len(distinct))  # rows -1 without a vector of their own: the zero row
        entity_row[in_table] = where
        if own_vectors:  # positions in `rows`
            own = torch.from_numpy(np.stack([np.asarray(v, dtype=np.float32) for v in own_vectors.values()]))
            parts.append(F.linear(own, weight[:, :d]))
            entity_row[torch.tensor(list(own_vectors), dtype=torch.long)] = len(distinct) + 1 + torch.arange(len(own))
        dense = torch.cat([*parts, context_part, weight[:, d:].T])  # entity rows, context rows, the prior columns
        n_entity, n_pairs = sum(len(p) for p in parts), len(rows)
        columns = torch.stack([entity_row, n_entity + mention, torch.full_like(rows, len(dense) - 2),
                               torch.full_like(rows, len(dense) - 1)], dim=1)
        values = torch.stack([torch.ones_like(priors), torch.ones_like(priors), priors,
                              torch.log(priors.clamp_min(1e-6))], dim=1)
        mixer = torch.sparse_coo_tensor(torch.stack([torch.arange(n_pairs).repeat_interleave(4), columns.reshape(-1)]),
                                        values.reshape(-1), (n_pairs, len(dense)), check_invariants=False)
        return torch.tanh(torch.sparse.mm(mixer, dense))

    def nil_logit(self, context: Tensor, el_scores: Tensor, targets: list[MentionTarget]) -> Tensor:
        """NIL classifier: sigmoid(affine(tanh(affine(s_t)))) on the mention context, plus
        (with `nil_uses_candidates`) how convincing the best candidate is."""
        if self.config.nil_uses_candidates:
            best_prob = torch.softmax(el_scores.detach(), dim=-1).max(-1).values
            best_prior = torch.tensor([max(t.priors, default=0.0) for t in targets])
            count = torch.log1p(torch.tensor([float(len(t.candidates)) for t in targets]))
            context = torch.cat([context, torch.stack([best_prob, best_prior, count], dim=-1)], dim=-1)
        return self.nil_out(torch.tanh(self.nil_hidden(context))).squeeze(-1)

    # ---- prediction ---------------------------------------------------------------------
    def decode(self, examples: list[SentenceExample], spans: list[list[tuple[int, int]]] | None = None,
               actions: list[list[int]] | None = None, record: bool = False,
               candidates: CandidateSource | None = None) -> list[SentencePrediction]:
        """Greedy transitions for a batch of sentences; every reduced mention gets its
        candidates (from `candidates`, default this model's knowledge base) scored from its
        sentence, links still undecided (`link` decides them per document).
        `spans` forces the mentions to build (D2KB), `actions` the whole sequence (tests)."""
        return greedy_decode(self, examples, self.candidates if candidates is None else candidates,
                             spans=spans, actions=actions, record=record)

    def decode_documents(self, examples: list[SentenceExample], spans: list[list[tuple[int, int]]] | None = None,
                         batch_size: int = 128) -> list[list[LinkDecision]]:
        """Mentions of every document (by `SentenceExample.doc_index`), in document token
        offsets and in text order, links undecided. Sentences of similar length are batched."""
        self.eval()
        documents = 1 + max((e.doc_index for e in examples), default=-1)
        out: list[list[LinkDecision]] = [[] for _ in range(documents)]
        order = sorted(range(len(examples)), key=lambda i: len(examples[i].tokens))
        for begin in range(0, len(order), batch_size):
            chosen = order[begin:begin + batch_size]
            batch = [examples[i] for i in chosen]
            batch_spans = None if spans is None else [spans[i] for i in chosen]
            for example, prediction in zip(batch, self.decode(batch, spans=batch_spans)):
                for m in prediction.mentions:
                    m.start += example.offset
                    m.end += example.offset
                    out[example.doc_index].append(m)
        for mentions in out:
            mentions.sort(key=lambda m: m.start)
        return out

    def linking_against(self, mode: str, open_kb_path: Path | None = None) -> "JointNerElModel":
        """This model, linking against `mode` (`model.settings.KB_MODES`): ``aida`` (the
        dictionary the model was trained with), ``open`` (it first, then the open knowledge
        base) or ``open-only`` (the open knowledge base alone).

        A view: the same modules and weights (training or loading weights into one changes
        both), its own candidate source; this model keeps its own. Nothing is switched in
        place, so code that evaluates one model against several modes cannot depend on order."""
        view = copy.copy(self)  # shallow: shares the parameter and submodule tables
        view.candidates = candidate_source(mode, self.kb, self.entity_rows, self.config.max_candidates, open_kb_path,
                                           table_dim=self.entity_vectors.shape[1])
        return view

    def link(self, document: list[LinkDecision], linking: LinkingConfig, text: str | None = None) -> None:
        """Decide the links of one document's mentions (`model.linking.decide_links`), then
        qualify the institutions it names without their country by the country its links
        name most (`model.country_qualifiers`); `text`: the document's, whose words may
        confirm a candidate's disambiguator."""
        decide_links(document, linking, self.coherence() if linking.coherence_weight > 0 else None, text)
        qualify_institutions(document, lambda tokens: self.candidates(tokens, ORGANISATION_TYPE))

    def coherence(self) -> CoherenceReranker:
        """The document-coherence re-ranker over this model's entity table (built once)."""
        if self._coherence is None:
            self._coherence = CoherenceReranker.from_entity_vectors(self.entity_vectors.numpy(), self.titles)
        return self._coherence

    # ---- persistence ------------------------------------------------------------------------
    @classmethod
    def create(cls, config: ModelConfig, chars: CharVocabulary, titles: list[str], entity_vectors: np.ndarray,
               kb: KnowledgeBase, words: WordVocabulary | None = None) -> "JointNerElModel":
        """A new model on the GloVe vectors of their pip package (loaded once per process)."""
        glove = shared_glove()
        return cls(config, glove.matrix, glove.index, chars, titles, entity_vectors, kb, words)

    def save(self, path: Path, linking: LinkingConfig, meta: dict, half: bool = True) -> None:
        """Write the model with everything it predicts with (vocabularies, entity table,
        knowledge base) and how it links; `half` stores floating weights as fp16 (shipping).
        GloVe is not saved: it is read from its pip package."""
        state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in self.state_dict().items()}
        write_checkpoint(path, {
            "config": self.config.to_dict(), "linking": linking.to_dict(), "state_dict": state,
            "chars": self.chars.chars, "words": self.words.words if self.words else None,
            "titles": self.titles, "kb": self.kb.to_state(), "meta": meta,
        })


    # ---- teacher forcing ------------------------------------------------------------
    def teacher_forced(self, examples: list[SentenceExample]):
        """Encoder output, gathered steps, reduce rows, gold spans, v_t and parser state of
        every gold transition (what `loss` scores; tests compare it with decoding)."""
        enc = self.encoder(examples)
        steps, reduce_rows, spans = self._teacher_forced_steps(enc, examples)
        lengths = torch.tensor(enc.lengths)
        state, v_t = self.step_state(steps.stack, steps.buffer, steps.output, steps.history,
                                     enc.layer1[steps.sentence], lengths[steps.sentence], steps.query)
        return enc, steps, reduce_rows, spans, v_t, state

    def loss(self, examples: list[SentenceExample]) -> dict[str, Tensor]:
        """L_NER + L_EL + L_NIL (per the objective) for a batch, with gold transitions."""
        enc, steps, reduce_rows, spans, v_t, state = self.teacher_forced(examples)
        losses: dict[str, Tensor] = {}
        if self.config.objective in ("joint", "ner"):
            losses["ner"] = F.cross_entropy(self.action_scores(state, steps.legal), steps.gold)
        if self.config.links and spans:
            # Only mentions with candidates can be linked; the others are NIL without asking.
            keep = [i for i, (b, s, e, _) in enumerate(spans) if examples[b].mentions[(s, e)].candidates]
            if not keep:
                return losses
            targets = [examples[spans[i][0]].mentions[spans[i][1:3]] for i in keep]
            scores, nil_logits = self.mention_scores(enc, state, v_t, [reduce_rows[i] for i in keep],
                                                     [spans[i][:3] for i in keep], targets)
            linkable = torch.tensor([t.gold >= 0 for t in targets])
            if linkable.any():
                gold = torch.tensor([t.gold for t in targets])[linkable]
                losses["el"] = F.cross_entropy(scores[linkable], gold)
            if nil_logits is not None:
                nil_gold = torch.tensor([1.0 if t.nil else 0.0 for t in targets])
                losses["nil"] = F.binary_cross_entropy_with_logits(nil_logits, nil_gold)
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


@dataclass
class TrainedSystem:
    """What a checkpoint holds: the model, how it decides links, and how it was made."""

    model: JointNerElModel
    linking: LinkingConfig
    meta: dict

    @classmethod
    def load(cls, path: Path, kb: str = "aida", open_kb_path: Path | None = None) -> "TrainedSystem":
        """A saved model (in eval mode) with its linking settings and meta, linking against
        `kb` (`JointNerElModel.linking_against`; default the dictionary it was trained with)."""
        payload = read_checkpoint(path)
        state = {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
        model = JointNerElModel.create(ModelConfig.from_dict(payload["config"]), CharVocabulary(list(payload["chars"])),
                                       list(payload["titles"]), state["entity_vectors"].numpy(),
                                       KnowledgeBase.from_state(payload["kb"]),
                                       WordVocabulary(list(payload["words"])) if payload["words"] else None)
        model.load_state_dict(state)
        model.eval()
        if kb != "aida":
            model = model.linking_against(kb, open_kb_path)
        return cls(model, LinkingConfig.from_dict(payload["linking"]), dict(payload["meta"]))

    def save(self, path: Path, half: bool = True) -> None:
        self.model.save(path, self.linking, self.meta, half=half)

    def export(self, path: Path) -> None:
        """Write the shipping form (fp16, no optimizer) and its meta beside it as .json."""
        self.save(path, half=True)
        path.with_suffix(".json").write_text(json.dumps(self.meta, indent=2))
