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


def _spd(L: Any) -> Any:
    a = L.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], dtype=L.float64)
    return a


def _lu(L: Any) -> Any:
    return L.linalg.lu_factor(_spd(L))


# A tensor given for a bool, number, int or string argument of the linear-algebra functions:
# torch's parser raises its TypeError, or reads a 0-d tensor as its number (an integer 0-d tensor
# as an int); arraygrad read the tensor's truth value ("Boolean value of Tensor ... is
# ambiguous" for several elements) or compared it with strings.
B, T, F, I1, S2 = "matrix", "true", "false", "one", "two"
_TENSORS = {
    B: lambda L: _spd(L),
    T: lambda L: L.tensor(True),
    F: lambda L: L.tensor(False),
    I1: lambda L: L.tensor(1),
    S2: lambda L: L.tensor(2.0, dtype=L.float64),
}
LINALG_CALLS = {
    "linalg.norm ord": (lambda L, t: L.linalg.norm(_spd(L), t), [B, S2]),
    "linalg.norm keepdim": (lambda L, t: L.linalg.norm(_spd(L), keepdim=t), [T]),
    "linalg.norm dim": (lambda L, t: L.linalg.norm(_spd(L)[0], dim=t), [I1, S2]),
    "linalg.svd": (lambda L, t: L.linalg.svd(_spd(L), t), [B, T]),
    "linalg.svd keyword": (lambda L, t: L.linalg.svd(_spd(L), full_matrices=t), [F]),
    "linalg.svdvals driver": (lambda L, t: L.linalg.svdvals(_spd(L), driver=t), [B]),
    "linalg.vector_norm": (lambda L, t: L.linalg.vector_norm(_spd(L), t), [B, S2, I1]),
    "linalg.vector_norm keepdim": (lambda L, t: L.linalg.vector_norm(_spd(L), keepdim=t), [T]),
    "linalg.matrix_norm": (lambda L, t: L.linalg.matrix_norm(_spd(L), t), [B, S2]),
    "linalg.matrix_norm keepdim": (lambda L, t: L.linalg.matrix_norm(_spd(L), keepdim=t), [T]),
    "svd": (lambda L, t: L.svd(_spd(L), t), [B, T]),
    "svd compute_uv": (lambda L, t: L.svd(_spd(L), compute_uv=t), [F]),
    "norm": (lambda L, t: L.norm(_spd(L), t), [B, S2]),
    "norm keepdim": (lambda L, t: L.norm(_spd(L), 2, keepdim=t), [T]),
    "linalg.cholesky": (lambda L, t: L.linalg.cholesky(_spd(L), upper=t), [T]),
    "cholesky": (lambda L, t: L.cholesky(_spd(L), t), [T]),
    "linalg.cholesky_ex": (lambda L, t: L.linalg.cholesky_ex(_spd(L), upper=t), [T]),
    "linalg.cholesky_ex check_errors": (
        lambda L, t: L.linalg.cholesky_ex(_spd(L), check_errors=t),
        [T],
    ),
    "linalg.eigh": (lambda L, t: L.linalg.eigh(_spd(L), UPLO=t), [B]),
    "linalg.eigvalsh": (lambda L, t: L.linalg.eigvalsh(_spd(L), t), [B]),
    "linalg.qr": (lambda L, t: L.linalg.qr(_spd(L), mode=t), [B]),
    "qr": (lambda L, t: L.qr(_spd(L), some=t), [T]),
    "linalg.lu_factor": (lambda L, t: L.linalg.lu_factor(_spd(L), pivot=t), [T]),
    "linalg.lu_factor_ex": (lambda L, t: L.linalg.lu_factor_ex(_spd(L), pivot=t), [T]),
    "linalg.lu": (lambda L, t: L.linalg.lu(_spd(L), pivot=t), [T]),
    "lu_unpack": (lambda L, t: L.lu_unpack(*_lu(L), unpack_data=t), [T]),
    "linalg.solve": (lambda L, t: L.linalg.solve(_spd(L), _spd(L), left=t), [T]),
    "linalg.solve_ex": (lambda L, t: L.linalg.solve_ex(_spd(L), _spd(L), left=t), [T]),
    "linalg.solve_triangular": (
        lambda L, t: L.linalg.solve_triangular(_spd(L), _spd(L), upper=t),
        [T],
    ),
    "triangular_solve": (lambda L, t: L.triangular_solve(_spd(L), _spd(L), upper=t), [T]),
    "cholesky_solve": (lambda L, t: L.cholesky_solve(_spd(L), _spd(L), upper=t), [T]),
    "cholesky_inverse": (lambda L, t: L.cholesky_inverse(_spd(L), upper=t), [T]),
    "linalg.matrix_rank": (lambda L, t: L.linalg.matrix_rank(_spd(L), hermitian=t), [T]),
    "linalg.pinv": (lambda L, t: L.linalg.pinv(_spd(L), hermitian=t), [T]),
    "linalg.ldl_factor": (lambda L, t: L.linalg.ldl_factor(_spd(L), hermitian=t), [T]),
    "linalg.ldl_factor_ex": (lambda L, t: L.linalg.ldl_factor_ex(_spd(L), hermitian=t), [T]),
    "linalg.inv_ex": (lambda L, t: L.linalg.inv_ex(_spd(L), check_errors=t), [T]),
    "linalg.cond": (lambda L, t: L.linalg.cond(_spd(L), t), [B, S2]),
    "linalg.matrix_power": (lambda L, t: L.linalg.matrix_power(_spd(L), t), [I1, S2, T]),
    "matrix_power": (lambda L, t: L.matrix_power(_spd(L), t), [I1, S2]),
    "linalg.tensorinv": (lambda L, t: L.linalg.tensorinv(_spd(L), ind=t), [I1, S2]),
    "linalg.vecdot": (lambda L, t: L.linalg.vecdot(_spd(L), _spd(L), dim=t), [I1, S2]),
    "linalg.lstsq rcond": (lambda L, t: L.linalg.lstsq(_spd(L), _spd(L), rcond=t), [B]),
    "linalg.lstsq driver": (lambda L, t: L.linalg.lstsq(_spd(L), _spd(L), driver=t), [B]),
    "pinverse": (lambda L, t: L.pinverse(_spd(L), rcond=t), [B, S2]),
}


@pytest.mark.parametrize(
    ("call", "given"),
    [(call, given) for call, (_, gives) in LINALG_CALLS.items() for given in gives],
)
def test_a_tensor_for_a_number_or_flag_is_read_or_refused_as_torch(call: str, given: str) -> None:
    outcomes: list[Any] = []
    for lib in (torch, ag):
        try:
            result = LINALG_CALLS[call][0](lib, _TENSORS[given](lib))
        except (TypeError, RuntimeError, IndexError) as error:
            outcomes.append(type(error))
            if lib is ag and isinstance(error, TypeError):  # naming the argument and the type
                assert "argument '" in str(error) and "not Tensor" in str(error)
        else:
            first = result if isinstance(result, lib.Tensor) else result[0]
            outcomes.append(np.round(first.numpy(), 8).tolist())
    assert outcomes[1] == outcomes[0]


# Tensors where PyTorch's parser takes an int: for `int` a 0-d integer tensor (not bool); for
# `SymInt` one element of an integer dtype, any shape (bool fails an internal assert, a
# RuntimeError); for `int[N]` (pooling windows, convolution strides) one integer or bool element
# for all N. Tensor.split reads int() of any one-element tensor; fold and max_unpool2d read
# their sizes in Python (`_pair`), where a tensor is a sequence. arraygrad had iterated a 0-d
# tensor here ("iteration over a 0-d tensor") or refused every tensor.
_INTS = {
    "0-d": lambda L: L.tensor(2),
    "bool": lambda L: L.tensor(True),
    "[2]": lambda L: L.tensor([2]),
    "[[2]]": lambda L: L.tensor([[2]]),
    "float": lambda L: L.tensor(2.0),
    "[2, 2]": lambda L: L.tensor([2, 2]),
    "uint8": lambda L: L.tensor(2, dtype=L.uint8),
}
_X4 = [0.0, 1.0, 2.0, 3.0]
INT_CALLS = {
    "split": lambda L, v: L.split(L.tensor(_X4), v),
    "Tensor.split": lambda L, v: L.tensor(_X4).split(v),
    "chunk": lambda L, v: L.chunk(L.tensor(_X4), v),
    "unsafe_chunk": lambda L, v: L.unsafe_chunk(L.tensor(_X4), v),
    "unsafe_split": lambda L, v: L.unsafe_split(L.tensor(_X4), v),
    "native_channel_shuffle": lambda L, v: L.native_channel_shuffle(L.ones(1, 2, 2), v),
    "max_pool1d": lambda L, v: L.max_pool1d(L.tensor([[_X4]]), v),
    "F.max_pool1d stride": lambda L, v: L.nn.functional.max_pool1d(L.tensor([[_X4]]), 2, v),
    "F.max_pool2d": lambda L, v: L.nn.functional.max_pool2d(L.tensor([[_X4, _X4]]), v),
    "F.max_pool3d": lambda L, v: L.nn.functional.max_pool3d(L.ones(1, 2, 2, 4), v),
    "F.avg_pool1d": lambda L, v: L.nn.functional.avg_pool1d(L.tensor([[_X4]]), v),
    "F.conv2d stride": lambda L, v: L.nn.functional.conv2d(
        L.ones(1, 1, 4, 4), L.ones(1, 1, 2, 2), stride=v
    ),
    "F.unfold": lambda L, v: L.nn.functional.unfold(L.ones(1, 1, 4, 4), v),
    "F.lp_pool2d": lambda L, v: L.nn.functional.lp_pool2d(L.ones(1, 1, 4, 4), 2, v),
}


@pytest.mark.parametrize("given", list(_INTS))
@pytest.mark.parametrize("call", list(INT_CALLS))
def test_a_tensor_for_an_int_is_read_or_refused_as_torch(call: str, given: str) -> None:
    outcomes: list[Any] = []
    for lib in (torch, ag):
        try:
            result = INT_CALLS[call](lib, _INTS[given](lib))
        except (TypeError, RuntimeError, ValueError) as error:
            outcomes.append(type(error))
        else:
            first = result if isinstance(result, lib.Tensor) else result[0]
            outcomes.append(first.tolist())
    assert outcomes[1] == outcomes[0]
