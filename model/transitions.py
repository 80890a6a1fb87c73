"""The NER transition system of Lample et al. (2016), §3.1 of the paper.

A parser state has a buffer (words still to read), a stack (words of the mention
being built) and an output. Actions:

- SHIFT: move the next buffer word onto the stack (the word starts/extends a mention);
- OUT: move the next buffer word straight to the output (not part of a mention);
  only allowed when the stack is empty;
- REDUCE-T: pop the whole stack as one mention of type T onto the output (this is
  where the mention is linked); only allowed when the stack is non-empty.
"""
from __future__ import annotations

import torch

from model.annotation import NER_TYPES

SHIFT, OUT = 0, 1
REDUCE_OFFSET = 2
ACTIONS: tuple[str, ...] = ("SHIFT", "OUT") + tuple(f"REDUCE-{t}" for t in NER_TYPES)
NUM_ACTIONS = len(ACTIONS)


def reduce_action(ner_type: str) -> int:
    return REDUCE_OFFSET + NER_TYPES.index(ner_type)


def is_reduce(action: int) -> bool:
    return action >= REDUCE_OFFSET


def reduce_type(action: int) -> str:
    return NER_TYPES[action - REDUCE_OFFSET]


def legal_actions(buffer_size: int, stack_size: int) -> list[bool]:
    """Which actions are allowed in a state (indexed like `ACTIONS`)."""
    can_reduce = stack_size > 0
    return [buffer_size > 0, buffer_size > 0 and stack_size == 0] + [can_reduce] * len(NER_TYPES)


def legal_action_mask(buffer_size: torch.Tensor, stack_size: torch.Tensor) -> torch.Tensor:
    """`legal_actions` for a batch of states at once: ``(S, NUM_ACTIONS)`` bool."""
    can_shift, can_reduce = buffer_size > 0, stack_size > 0
    return torch.cat([can_shift[:, None], (can_shift & ~can_reduce)[:, None],
                      can_reduce[:, None].expand(-1, len(NER_TYPES))], dim=1)


def oracle(length: int, spans: list[tuple[int, int, str]]) -> list[int]:
    """Static oracle: the action sequence that builds exactly `spans` (non-overlapping).

    Every token of a span is shifted, and the span is reduced right after its last
    token; every other token goes OUT.
    """
    ends = {}
    inside = [False] * length
    for start, end, kind in spans:
        if not 0 <= start < end <= length or any(inside[start:end]):
            raise ValueError(f"span ({start}, {end}) is empty, out of range or overlaps another")
        inside[start:end] = [True] * (end - start)
        ends[end - 1] = kind
    actions = []
    for i in range(length):
        actions.append(SHIFT if inside[i] else OUT)
        if i in ends:
            actions.append(reduce_action(ends[i]))
    return actions


def spans_from_actions(actions: list[int]) -> list[tuple[int, int, str]]:
    """Mentions ``(start, end, type)`` that an action sequence builds."""
    spans, cursor, stack_start = [], 0, None
    for action in actions:
        if action == SHIFT:
            if stack_start is None:
                stack_start = cursor
            cursor += 1
        elif action == OUT:
            if stack_start is not None:
                raise ValueError("OUT with a non-empty stack")
            cursor += 1
        else:
            if stack_start is None:
                raise ValueError("REDUCE with an empty stack")
            spans.append((stack_start, cursor, reduce_type(action)))
            stack_start = None
    if stack_start is not None:
        raise ValueError("actions end with a non-empty stack")
    return spans
