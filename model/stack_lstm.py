"""Stack-LSTM with stack-pointer semantics (Dyer et al., 2015).

A stack keeps the LSTM state after every push; its summary is the state at the top.
Popping moves the pointer back, so the summary is again exactly the state it was
before the popped push — nothing is recomputed. Pushes of many stacks (one per
sentence of a batch) run as one batched LSTM step.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class StateStack:
    """One sentence's stack of ``(h, c)`` LSTM states; empty means the initial zero state."""

    def __init__(self) -> None:
        self.states: list[tuple[Tensor, Tensor]] = []

    def __len__(self) -> int:
        return len(self.states)

    def pop(self) -> None:
        if not self.states:
            raise IndexError("pop from an empty stack")
        self.states.pop()

    def clear(self) -> None:
        self.states.clear()

    def top(self, empty: Tensor) -> Tensor:
        """Summary of the stack: the top hidden state, or `empty` for an empty stack."""
        return self.states[-1][0] if self.states else empty

    @staticmethod
    def push_many(lstm: nn.LSTM, stacks: list["StateStack"], inputs: Tensor) -> None:
        """Push ``inputs[i]`` onto ``stacks[i]`` for all i with one LSTM step."""
        if not stacks:
            return
        zeros = inputs.new_zeros(lstm.hidden_size)
        h0 = torch.stack([s.states[-1][0] if s.states else zeros for s in stacks])[None]
        c0 = torch.stack([s.states[-1][1] if s.states else zeros for s in stacks])[None]
        _, (h, c) = lstm(inputs[:, None, :], (h0, c0))
        for i, stack in enumerate(stacks):
            stack.states.append((h[0, i], c[0, i]))
