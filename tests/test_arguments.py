"""PyTorch's TypeError for a non-tensor argument where a function takes only tensors, from the
one helper every such function uses (arraygrad._arguments), against torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _arguments

ARRAY = np.ones(3)

# Each call passes the NumPy array (cross: a list or a number too) where a tensor belongs.
CALLS = {
    "maximum": lambda L: L.maximum(L.ones(3), ARRAY),
    "binomial": lambda L: L.binomial(ARRAY, L.ones(3)),
    "get_device": lambda L: L.get_device(ARRAY),
    "is_inference": lambda L: L.is_inference(ARRAY),
    "conv_tbc": lambda L: L.conv_tbc(L.ones(4, 1, 1), L.ones(2, 1, 1), ARRAY),
    "as_strided_scatter": lambda L: L.as_strided_scatter(L.ones(3), ARRAY, (3,), (1,)),
    "resize_as_": lambda L: L.ones(3).resize_as_(ARRAY),
    "is_set_to": lambda L: L.ones(3).is_set_to(ARRAY),
    "batch_norm": lambda L: L.nn.functional.batch_norm(L.ones(2, 3), L.zeros(3), ARRAY),
    "nll_loss": lambda L: L.nn.functional.nll_loss(L.ones(2, 3), ARRAY),
    # (cross had raised AttributeError for a number, and took a NumPy array or a list)
    "linalg.cross": lambda L: L.linalg.cross(L.ones(3), ARRAY),
    "linalg.cross input": lambda L: L.linalg.cross([1.0, 2.0, 3.0], L.ones(3)),
    "cross": lambda L: L.cross(L.ones(3), 2.0, dim=0),
    "Tensor.cross": lambda L: L.ones(3).cross(ARRAY, dim=0),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_a_numpy_array_for_a_tensor_is_named_as_torch_names_it(call: str) -> None:
    # torch names the type as C's tp_name, "numpy.ndarray"; most of arraygrad's eight copies
    # of the message said "ndarray"
    messages = []
    for lib in (torch, ag):
        with pytest.raises(TypeError) as info:
            CALLS[call](lib)
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"name": "other", "position": 2}, "f(): argument 'other' (position 2) must be Tensor"),
        ({"name": "src"}, "f(): argument 'src' must be Tensor"),
        ({"position": 0}, "f(): argument 0 must be Tensor"),
    ],
)
def test_the_message_names_the_argument_as_given(options: dict[str, Any], expected: str) -> None:
    error = _arguments.not_tensor_error("f", [1.0], fix="pass a tensor.", **options)
    assert str(error) == f"{expected}, not list. Fix: pass a tensor."
    assert "Fix" not in str(_arguments.not_tensor_error("f", 1.0, name="x", position=1))
