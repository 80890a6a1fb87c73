"""Token encoder: GloVe + character BiLSTM + casing (+ contextual) → word vectors and
the 2-layer sentence BiLSTM whose layers give v_t (layer 1) and m (layer 2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from model.config import ModelConfig
from model.embeddings.contextual import DIM as CONTEXTUAL_DIM
from model.features import CASES, CharVocabulary, SentenceExample, WordVocabulary, casing


@dataclass
class EncodedBatch:
    """Per-token tensors of a batch of sentences, padded to the longest."""

    lengths: list[int]
    words: Tensor  # (B, N, H) word representations fed to the Stack-LSTMs
    layer1: Tensor  # (B, N, 2H) sentence BiLSTM, first layer
    layer2: Tensor  # (B, N, 2H) second layer
    buffer: Tensor  # (B, N, H) buffer LSTM: state when the buffer's top is token i


def run_bilstm(lstm: nn.LSTM, inputs: Tensor, lengths: list[int]) -> Tensor:
    packed = pack_padded_sequence(inputs, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, _ = lstm(packed)
    return pad_packed_sequence(out, batch_first=True, total_length=inputs.shape[1])[0]


class TokenEncoder(nn.Module):
    """Everything computed once per sentence, before any transition."""

    def __init__(self, config: ModelConfig, glove: np.ndarray, glove_index: dict[str, int], chars: CharVocabulary,
                 words: WordVocabulary | None = None):
        super().__init__()
        self.config, self.glove_index, self.chars, self.words = config, glove_index, chars, words
        if config.tune_words and words is None:
            raise ValueError("tune_words needs the training word vocabulary")
        # GloVe stays frozen (not fine-tuned) and is read from its pip package, so it is
        # not saved in checkpoints; the extra last row is the zero vector for unknown words.
        table = np.concatenate([glove, np.zeros((1, glove.shape[1]), dtype=glove.dtype)])
        self.register_buffer("glove", torch.from_numpy(table).float(), persistent=False)
        if config.tune_words:
            # Offsets start at zero, so training starts from GloVe; unseen words keep pure GloVe.
            self.word_offset = nn.Embedding(len(words), glove.shape[1], padding_idx=0)
            nn.init.zeros_(self.word_offset.weight)
        self.char_embedding = nn.Embedding(len(chars), config.char_dim, padding_idx=0)
        self.char_lstm = nn.LSTM(config.char_dim, config.char_hidden, batch_first=True, bidirectional=True)
        self.case_embedding = nn.Embedding(len(CASES), config.case_dim, padding_idx=0)
        in_dim = glove.shape[1] + 2 * config.char_hidden + config.case_dim
        in_dim += CONTEXTUAL_DIM if config.use_contextual else 0
        h = config.hidden
        self.dropout = nn.Dropout(config.dropout)
        self.project = nn.Linear(in_dim, h)
        self.layer1 = nn.LSTM(in_dim, h, batch_first=True, bidirectional=True)
        self.layer2 = nn.LSTM(2 * h, h, batch_first=True, bidirectional=True)
        self.buffer_lstm = nn.LSTM(h, h, batch_first=True)

    def glove_id(self, token: str) -> int:
        return self.glove_index.get(token.lower(), len(self.glove_index))

    def char_vectors(self, tokens: list[str]) -> Tensor:
        ids = [torch.tensor(self.chars.encode(t)) for t in tokens]
        lengths = [len(x) for x in ids]
        packed = pack_padded_sequence(self.char_embedding(pad_sequence(ids, batch_first=True)),
                                      torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.char_lstm(packed)
        return torch.cat([h[0], h[1]], dim=-1)

    def forward(self, examples: list[SentenceExample]) -> EncodedBatch:
        lengths = [len(e.tokens) for e in examples]
        flat = [t for e in examples for t in e.tokens]
        word_vectors = self.glove[torch.tensor([self.glove_id(t) for t in flat])]
        if self.config.tune_words:
            word_vectors = word_vectors + self.word_offset(torch.tensor([self.words.id(t) for t in flat]))
        parts = [
            word_vectors,
            self.char_vectors(flat),
            self.case_embedding(torch.tensor([casing(t) for t in flat])),
        ]
        if self.config.use_contextual:
            missing = [i for i, e in enumerate(examples) if e.contextual is None]
            if missing:
                raise ValueError("contextual embeddings are enabled but missing for some sentences")
            parts.append(torch.from_numpy(np.concatenate([np.asarray(e.contextual, dtype=np.float32) for e in examples])))
        rows = self.dropout(torch.cat(parts, dim=-1)).split(lengths)
        inputs = pad_sequence(list(rows), batch_first=True)
        words = torch.tanh(self.project(inputs))
        layer1 = run_bilstm(self.layer1, inputs, lengths)
        layer2 = run_bilstm(self.layer2, self.dropout(layer1), lengths)
        return EncodedBatch(lengths, words, layer1, layer2, self.buffer_states(words, lengths))

    def buffer_states(self, words: Tensor, lengths: list[int]) -> Tensor:
        """The buffer holds tokens i..n-1 with i on top: an LSTM read from the end."""
        n = words.shape[1]
        reverse = torch.tensor([[max(length - 1 - i, 0) for i in range(n)] for length in lengths])
        index = reverse[..., None].expand(-1, -1, words.shape[2])
        out, _ = self.buffer_lstm(words.gather(1, index))
        return out.gather(1, index)
