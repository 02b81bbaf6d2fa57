"""``arraygrad.softmax`` and ``arraygrad.log_softmax``: the top-level forms of
``nn.functional``'s, which compute them (on ``x - max(x)``, so that no ``exp`` overflows).

Unlike the functional forms, PyTorch's top-level ones require ``dim`` (there is no implicit
dimension) and take ``out``. Both refuse integer tensors unless ``dtype`` converts them.
"""

from __future__ import annotations

import operator
from typing import Any

# The package, its nn looked up at call time: nn builds on the top-level package, which imports
# this module first (an import statement in each call costs more than the check below).
import arraygrad as _ag
from arraygrad import _dtype
from arraygrad._arguments import require_tensor
from arraygrad._out import written_exactly
from arraygrad._tensor import Tensor

__all__ = ["log_softmax", "softmax"]


def _checked(op: str, input: Tensor, dim: Any, dtype: _dtype.dtype | None) -> int:
    """``dim`` as an int; PyTorch takes any integer with ``__index__`` (``np.int64``, an integer
    0-d tensor) but no bool or float."""
    require_tensor(op, "input", 1, input)
    if isinstance(dim, bool) or not hasattr(type(dim), "__index__"):
        raise TypeError(
            f"{op}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}. Fix: "
            f"name the dimension to normalise over, e.g. {op}(x, dim=-1)."
        )
    return operator.index(dim)


def softmax(
    input: Tensor, dim: int, dtype: _dtype.dtype | None = None, *, out: Tensor | None = None
) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim`` (computed in ``dtype`` when given).

    >>> import arraygrad
    >>> arraygrad.softmax(arraygrad.tensor([0.0, 0.0]), 0)
    tensor([0.5000, 0.5000])
    """
    if out is not None:  # (of the result's dtype: dtype's, where given)
        return written_exactly("softmax", out, softmax, input, dim, dtype)
    if input.__class__ is not Tensor or dim.__class__ is not int:
        dim = _checked("softmax", input, dim, dtype)
    return _ag.nn._softmax_functions.softmax(input, dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int, dtype: _dtype.dtype | None = None, *, out: Tensor | None = None
) -> Tensor:
    """``x_i - log(sum_j exp(x_j))`` along ``dim``, finite for logits of any magnitude.

    >>> import arraygrad
    >>> arraygrad.log_softmax(arraygrad.tensor([1e4, 0.0]), 0)
    tensor([     0., -10000.])
    """
    if out is not None:  # (of the result's dtype: dtype's, where given)
        return written_exactly("log_softmax", out, log_softmax, input, dim, dtype)
    if input.__class__ is not Tensor or dim.__class__ is not int:
        dim = _checked("log_softmax", input, dim, dtype)
    return _ag.nn._softmax_functions.log_softmax(input, dim, dtype=dtype)
