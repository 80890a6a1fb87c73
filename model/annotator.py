"""Inference API: raw text in, mentions with exact character offsets out.

    annotator = Annotator.load()            # the shipped checkpoint
    annotator.annotate("Germany beat Brazil in Berlin.")   # A2KB
    annotator.link(text, [(0, 7)])          # D2KB: exactly the given spans

Text is split into CoNLL-like tokens (`model.tokenizer`), run through the model
sentence by sentence, and token spans are mapped back to code-point offsets. Found mentions
are mended by the rules of `model.span_rules` (symbols at their ends, names a conjunction
joins, a name and its place, titles that continue past a mention); given spans are kept exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Sequence


from model.annotation import Mention, Token
from model.features import SentenceExample
from model.joint_model import TrainedSystem
from model.kb.keys import spells
from model.kb.lookup import common_words
from model.kb.places import ap_state, country_keys, state_keys
from model.config import LinkingConfig
from model.candidate_set import PLACE_TYPE
from model.linking import LinkDecision
from model.settings import kb_mode, model_path, set_threads
from model.given_spans import align_to_spans, non_overlapping_layers, token_spans, trimmed
from model.span_rules import (adjacent_names, article_trimmed, case_parts, conjunction_parts, connector_parts,
                              dateline_follows, headline_names, headline_parts, in_angle_brackets, in_capitals,
                              in_title_case, name_start, qualified_place_pairs, role_trimmed, symbol_trimmed,
                              title_extensions)
from model.tokenizer import tokenize

Redo = dict[int, list[tuple[int, int]]]  # sentence index → the token spans to decode it on again


@dataclass
class DecodedText:
    """A text's mentions as decoded (candidates scored, links undecided): (tokens of the
    mention's sentence, decision) pairs; for given spans (D2KB) the spans and which span
    each decision is."""

    text: str
    found: list[tuple[list[Token], LinkDecision]] = field(default_factory=list)
    spans: list[tuple[int, int]] | None = None
    span_index: list[int] = field(default_factory=list)


class Annotator:
    """A loaded system plus its tokenizer and (if used) the contextual encoder."""

    def __init__(self, system: TrainedSystem, batch_size: int = 64, encoder: str | None = None) -> None:
        self.model, self.linking, self.batch_size = system.model, system.linking, batch_size
        self.candidates_shown = 5  # candidates kept on each Mention (scripts.nif_eval wants them all)
        self.contextual = None
        if self.model.config.use_contextual:
            from model.embeddings.contextual import ContextualEncoder

            self.contextual = ContextualEncoder(backend=encoder)

    @classmethod
    def load(cls, path: str | Path | None = None, threads: int | None = None, kb: str | None = None,
             open_kb_path: Path | None = None, encoder: str | None = None) -> "Annotator":
        """Load a checkpoint (default: $NEREL_MODEL, else the shipped one).

        `threads` (default $NEREL_TORCH_THREADS or 1) bounds torch's intra-op threads:
        one per worker process suits a 2-core machine serving with 2 workers. `kb`
        (`model.settings.KB_MODES`, default ``$NEREL_KB`` or ``open``) says what it links against; the
        open knowledge base's index is built first if it is missing. `encoder`
        (`model.settings.ENCODER_BACKENDS`, default ``$NEREL_ENCODER`` or ``onnx``) runs MiniLM.
        """
        set_threads(threads, default=1)
        system = TrainedSystem.load(model_path(path), kb=kb_mode(kb), open_kb_path=open_kb_path)
        return cls(system, encoder=encoder)

    def annotate(self, text: str) -> list[Mention]:
        """Detect, type and link every mention of `text` (A2KB)."""
        return self.annotate_many([text])[0]

    def annotate_many(self, texts: Sequence[str]) -> list[list[Mention]]:
        """`annotate` of each text, the texts' sentences decoded together.

        The answers are those of one `annotate` call per text (sentences never interact in
        decoding; linking is per text), but each transition step runs for more sentences at
        once, which is where batching saves time: the server decodes concurrent requests so.
        """
        return [self.decide(decoded) for decoded in self.decode_texts(texts)]

    def link(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        """Link exactly `spans` (D2KB): one Mention per span, in the given order.

        Tokens are split at span edges so every span is a whole number of tokens, and
        sentences a span crosses are merged. Overlapping spans are decoded in separate
        passes, since one transition sequence cannot build nested mentions.
        """
        return self.decide(self.decode_spans(text, spans))

    def decode_texts(self, texts: Sequence[str]) -> list[DecodedText]:
        """Mentions of each text with their candidates scored, links not yet decided (A2KB)."""
        documents = [tokenize(text) for text in texts]
        sentences = [sentence for document in documents for sentence in document]
        owner = [d for d, document in enumerate(documents) for _ in document]
        by_sentence: list[list[LinkDecision]] = [[] for _ in sentences]
        contextual = self._contextual(sentences)  # once: a rule's new spans do not change the words
        for index, decision in self._decode(sentences, None, contextual):
            by_sentence[index].append(decision)
        for rule in (self._trim_symbols, self._find_headline_names, self._split_joined_names,
                     self._join_place_qualifiers, self._extend_to_titles, self._trim_leading_words):
            self._decode_again(sentences, by_sentence, rule(sentences, by_sentence), contextual)
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            for d in decisions:
                d.dateline = in_capitals(d.words) and dateline_follows(words, d.end)
        decoded = [DecodedText(text) for text in texts]
        for index, decisions in enumerate(by_sentence):
            decoded[owner[index]].found.extend((sentences[index], d) for d in decisions)
        return decoded

    # The span rules: each mends `by_sentence` in place or returns the token spans of the
    # sentences to decode again ({sentence index: spans}), which `decode_texts` does.

    def _trim_symbols(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """Found mentions (A2KB) without the symbols at their ends (`symbol_trimmed`). One with
        no letter or digit left is dropped (in place), and so is one in angle brackets, a ticker
        symbol or markup (`in_angle_brackets`: "Pennzoil Co <PZL>", as Reuters writes it; `PZL`
        is an aircraft maker); a sentence where one loses an end is
        decoded again on the trimmed spans, so its type, candidates and mention vector are
        those of its words. The rule's one place: not the decoder, which also decodes given
        spans (D2KB, the client's, kept exactly) and CoNLL's gold in training and evaluation."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            kept, spans = [], []
            for d in decisions:
                part = symbol_trimmed(d.words)
                if part is not None and not in_angle_brackets(words, d.start, d.end):
                    kept.append(d)
                    spans.append((d.start + part[0], d.start + part[1]))
            by_sentence[index] = kept
            if any((d.start, d.end) != span for d, span in zip(kept, spans)):
                redo[index] = spans
        return redo

    def _find_headline_names(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """Sentences written in title case (`in_title_case`), decoded again with the names AIDA's
        dictionary knows that the NER missed (`headline_names`: "OPEC" in "Oil Rises As OPEC
        Agrees"): CoNLL taught it names among words in lowercase."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            if in_title_case(words, common_words()):
                spans = [(d.start, d.end) for d in decisions]
                missed = headline_names(words, spans, common_words(), partial(self._known_name, words))
                if missed:
                    redo[index] = sorted(spans + missed)
        return redo

    def _decode_again(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]], redo: Redo,
                      contextual: list) -> None:
        """The sentences `redo` names decoded again, constrained to its token spans, in place."""
        if not redo:
            return
        chosen = list(redo)
        for index in chosen:
            by_sentence[index] = []
        for position, decision in self._decode([sentences[i] for i in chosen], [redo[i] for i in chosen],
                                               [contextual[i] for i in chosen]):
            by_sentence[chosen[position]].append(decision)

    def _split_joined_names(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """Mentions that name nothing whole but join names (`_name_parts`): decoded again as
        their parts (the sentence's other mentions kept as they are)."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            spans, split = [], False
            for d in decisions:
                parts = self._name_parts(words, d)
                if parts:
                    spans.extend((d.start + a, d.start + b) for a, b in parts)
                    split = True
                else:
                    spans.append((d.start, d.end))
            if split:
                redo[index] = spans
        return redo

    def _name_parts(self, words: list[str], d: LinkDecision) -> list[tuple[int, int]] | None:
        """The parts of mention `d` (token ranges in it) when no entity is named like it: names
        joined by a conjunction, each with candidates ("Google and Facebook", found as one
        ORG: `conjunction_parts`), in a headline written in title case its names apart from
        its verbs and nouns ("Apple Beats": `headline_parts`), a name and a dateline in
        capitals after it ("Richard Finn NEW YORK": `case_parts`), the name after words no
        name begins with ("Seattle-based Amazon": `name_start`), else titles run together
        across a preposition ("National Art School in Sydney": `connector_parts`) or, in
        capitals, with nothing between them ("DETROIT CHICAGO": `adjacent_names`); None when
        it is no such mention."""
        if d.candidates:
            return None
        parts = conjunction_parts(d.words)
        if parts and all(len(self.model.candidates(list(d.words[a:b]))) for a, b in parts):
            return parts
        if in_title_case(words, common_words()):  # a headline: its names apart from its other words
            parts = headline_parts(d.words, common_words(),
                                   lambda a, b: self._names_entity(words, d.start + a, d.start + b, exact=True),
                                   lambda a, b: self._names_entity(words, d.start + a, d.start + b, exact=False),
                                   lambda a, b: self._known_name(words, d.start + a, d.start + b))
            if parts:
                return parts
        parts = case_parts(d.words)
        # the capitals name something; so does a name after them (a byline before a dateline may not)
        if parts and all(len(self.model.candidates(list(d.words[a:b]))) for a, b in parts
                         if in_capitals(d.words[a:b]) or a > 0):
            if parts[1][0] > 0 and in_capitals(d.words[parts[1][0]:]) and dateline_follows(words, d.end):
                return parts[1:]  # a byline: the reporter, whom no gold links and namesakes would take
            return parts
        start = name_start(d.words)
        if start is not None and len(self.model.candidates(list(d.words[start:]))):
            return [(start, len(d.words))]
        spells_title = lambda a, b: self._names_entity(words, d.start + a, d.start + b, exact=True)  # noqa: E731
        return connector_parts(d.words, spells_title) or adjacent_names(d.words, spells_title)

    def _join_place_qualifiers(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """A name and the place after its comma ("Madison, Wisconsin", "Christ Church, Oxford",
        "Washington, D.C."), found as two mentions: decoded again as one when the joined
        surface names an entity (`qualified_place_pairs`)."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            pairs = qualified_place_pairs(words, [(d.start, d.end, d.ner_type) for d in decisions],
                                          partial(self._names_entity, words), country_keys(),
                                          state_keys(codes=False))
            if pairs:
                joined = {i for i, _ in pairs} | {j for _, j in pairs}
                spans = [(d.start, d.end) for i, d in enumerate(decisions) if i not in joined]
                spans += [(decisions[i].start, decisions[j].end) for i, j in pairs]
                redo[index] = sorted(spans)
        return redo

    def _extend_to_titles(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """Found mentions that a page's title continues past their end ("State University of
        New York" + "at Cortland", "Human Rights" + "in China"), or, when they name nothing,
        begins before them ("Recep" + "Tayyip Erdogan"): decoded again as the longest such
        title (`title_extensions`)."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            words = [t.text for t in sentences[index]]
            spans = [(d.start, d.end) for d in decisions]
            nameless = frozenset((d.start, d.end) for d in decisions if not d.candidates)
            article_titled = frozenset((d.start, d.end) for d in decisions
                                       if d.candidates and spells(_best_title(d), "The " + d.surface))
            extended = title_extensions(words, spans, lambda a, b: self._names_entity(words, a, b, exact=True),
                                        nameless, article_titled)
            if extended != spans:
                redo[index] = extended
        return redo

    def _trim_leading_words(self, sentences: list[list[Token]], by_sentence: list[list[LinkDecision]]) -> Redo:
        """Found mentions whose words after the first spell their best candidate's title and
        whose whole does not ("Justice" + "Ruth Bader Ginsburg", "Chancellor" + "Angela
        Merkel"), or that begin with a "The" their best candidate's title lacks ("The" +
        "Commerce Department"): decoded again without that first word, a role or an article
        that gold standards leave out of the name, as CoNLL does for "President" or "Sen."
        (`role_trimmed`, `article_trimmed`)."""
        redo: Redo = {}
        for index, decisions in enumerate(by_sentence):
            spans = []
            for d in decisions:
                title = _best_title(d) if d.candidates else None
                spans.append(role_trimmed(d.words, d.ner_type, title) or article_trimmed(d.words, title))
            if any(span is not None for span in spans):
                redo[index] = [(d.start + span[0], d.start + span[1]) if span else (d.start, d.end)
                               for d, span in zip(decisions, spans)]
        return redo

    def _names_entity(self, words: list[str], start: int, end: int, exact: bool) -> bool:
        """Whether the KB has candidates for `words[start:end]`; with `exact`, one whose title
        the words spell ("Christ Church , Oxford" → Christ_Church,_Oxford)."""
        titles = self.model.candidates(words[start:end]).titles
        if not exact:
            return bool(titles)
        surface = " ".join(words[start:end]).replace(" , ", ", ").replace(" 's ", "'s ")  # as titles write them
        return any(spells(title, surface) for title in titles)

    def _known_name(self, words: list[str], start: int, end: int) -> bool:
        """Whether AIDA's dictionary knows `words[start:end]` as a name (candidates not from the
        open knowledge base)."""
        found = self.model.candidates(words[start:end])
        return len(found) > 0 and not found.from_open_kb

    def decode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> DecodedText:
        """The given spans of `text` decoded as mentions, links not yet decided (D2KB)."""
        decoded = DecodedText(text, spans=list(spans))
        for layer in non_overlapping_layers(spans):
            sentences = align_to_spans(tokenize(text), [spans[i] for i in layer], text)
            wanted = {}
            for i in layer:
                start, end = trimmed(text, *spans[i])
                wanted[(start, end)] = i
            by_sentence = [[(s, e) for s, e in token_spans(sent, wanted)] for sent in sentences]
            for index, decision in self._decode(sentences, by_sentence, self._contextual(sentences)):
                tokens = sentences[index]
                decision.given_span = True
                decoded.found.append((tokens, decision))
                decoded.span_index.append(wanted[(tokens[decision.start].start, tokens[decision.end - 1].end)])
        return decoded

    def decide(self, decoded: DecodedText, linking: LinkingConfig | None = None) -> list[Mention]:
        """Decide the links of a decoded text (with `linking`, default this system's) and return
        its mentions; deciding again with other settings starts from the same scores."""
        # coherence over the document
        self.model.link([d for _, d in decoded.found], linking or self.linking, decoded.text)
        mentions = [self._mention(decoded.text, tokens, d) for tokens, d in decoded.found]
        if decoded.spans is None:
            return mentions
        answers: dict[int, Mention] = {}
        for index, mention in zip(decoded.span_index, mentions):
            mention.start, mention.end = decoded.spans[index]
            mention.surface = decoded.text[mention.start:mention.end]
            answers[index] = mention
        for i, (start, end) in enumerate(decoded.spans):  # spans holding no token (e.g. only spaces)
            answers.setdefault(i, Mention(start, end, decoded.text[start:end], None, None, ner_score=0.0))
        return [answers[i] for i in range(len(decoded.spans))]

    def _contextual(self, sentences: list[list[Token]]) -> list:
        """The contextual embeddings of each sentence (None each without a contextual encoder)."""
        words = [[t.text for t in sentence] for sentence in sentences]
        return self.contextual.embed(words) if self.contextual else [None] * len(words)

    def _decode(self, sentences: list[list[Token]], spans: list[list[tuple[int, int]]] | None, contextual: list):
        """(sentence index, LinkDecision) for each mention, sentences batched in order, given
        their `_contextual` embeddings; links undecided."""
        words = [[t.text for t in sentence] for sentence in sentences]
        examples = [SentenceExample(w, contextual=c) for w, c in zip(words, contextual)]
        self.model.eval()
        for begin in range(0, len(examples), self.batch_size):
            batch = examples[begin:begin + self.batch_size]
            batch_spans = spans[begin:begin + self.batch_size] if spans is not None else None
            for offset, prediction in enumerate(self.model.decode(batch, spans=batch_spans)):
                for decision in prediction.mentions:
                    yield begin + offset, decision

    def _mention(self, text: str, tokens: list[Token], d: LinkDecision) -> Mention:
        """The decision as a Mention: code-point offsets (a US state's abbreviation with its dot,
        which the tokens leave apart), its `candidates_shown` most probable candidates."""
        start, end = tokens[d.start].start, tokens[d.end - 1].end
        after_comma = d.end >= 2 and tokens[d.end - 2].text == ","
        if d.ner_type == PLACE_TYPE and text[end:end + 1] == "." and ap_state(tokens[d.end - 1].text, after_comma):
            end += 1  # "Ore" + "." as CoNLL's tokens split it: the place is "Ore."
        shown = sorted(d.candidates, key=lambda c: -c[1])[:self.candidates_shown]  # the chosen one among them
        return Mention(start, end, text[start:end], d.ner_type, d.entity, ner_score=d.ner_score,
                       el_score=d.el_score, nil_score=d.nil_score, candidates=shown)


def _best_title(d: LinkDecision) -> str:
    """The title of `d`'s most probable candidate as decoded (before the link decision)."""
    return max(d.candidates, key=lambda c: c[1])[0]
