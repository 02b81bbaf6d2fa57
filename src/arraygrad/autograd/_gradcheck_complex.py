"""Complex inputs and outputs in :func:`~arraygrad.autograd.gradcheck`, the way PyTorch's are.

A complex function has no single Jacobian that one backward pass computes, so the check is
reduced to real-valued pieces, as PyTorch's "Gradcheck mechanics" note describes:

* a complex **output** ``y`` is checked as two real functions, ``y.imag`` and then ``y.real``
  (a failure names the part: "While considering the imaginary part of complex outputs only");
* a complex **input** ``z = x + iy`` of a real output ``s`` is perturbed along ``x`` and along
  ``iy``; the numerical column is ``ds/dx + i·ds/dy``, which is the gradient PyTorch's backward
  returns for a complex input (twice the conjugate Wirtinger derivative ``∂s/∂z̄``);
* forward mode (``check_forward_ad``) sees a complex input as two real ones, its real part with
  the imaginary part held fixed and the other way round.

>>> import arraygrad
>>> z = arraygrad.tensor([1 + 2j, -0.5j], dtype=arraygrad.complex128, requires_grad=True)
>>> real_fn, imag_fn = split_outputs(lambda t: t * t)
>>> imag_fn(z)
(tensor([4., 0.], dtype=arraygrad.float64, grad_fn=<ImagBackward0>),)
>>> [(part, args[0].dtype) for part, _, args in split_inputs(lambda t: t * t, (z,))]
[('imaginary', arraygrad.float64), ('real', arraygrad.float64)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor

__all__ = ["complex_fix", "is_checked", "prefix", "split_inputs", "split_outputs"]


def is_checked(value: Any) -> bool:
    """Whether gradcheck differentiates ``value``: a floating or complex Tensor."""
    return isinstance(value, Tensor) and (value.dtype.is_floating_point or value.dtype.is_complex)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def prefix(part: str, element: str) -> str:
    """PyTorch's words before a mismatch found on one part of complex outputs or inputs."""
    return f"While considering the {part} part of complex {element} only, "


def complex_fix(inputs: Sequence[Any], index: int) -> str:
    """The extra advice of a mismatch for input ``index`` when that input is complex."""
    tensor = inputs[index] if index < len(inputs) else None
    if not (isinstance(tensor, Tensor) and tensor.dtype.is_complex):
        return ""
    return (
        f" Input {index} is complex: for a real loss L its gradient is dL/dx + i·dL/dy "
        "(PyTorch's convention), so the backward of a holomorphic f returns grad_output times "
        "conj(f'(z)), not grad_output times f'(z)."
    )


def split_outputs(
    func: Callable[..., Any],
) -> tuple[Callable[..., tuple[Any, ...]], Callable[..., tuple[Any, ...]]]:
    """``(real_fn, imag_fn)``: ``func`` with ``.real`` / ``.imag`` taken of its complex outputs."""

    def part(name: str) -> Callable[..., tuple[Any, ...]]:
        def wrapped(*args: Any) -> tuple[Any, ...]:
            outs = _as_tuple(func(*args))
            return tuple(
                getattr(o, name) if isinstance(o, Tensor) and o.dtype.is_complex else o
                for o in outs
            )

        return wrapped

    return part("real"), part("imag")


def split_inputs(
    func: Callable[..., Any], inputs: Sequence[Any]
) -> list[tuple[str, Callable[..., Any], tuple[Any, ...]]]:
    """``[("imaginary", fn, args), ("real", fn, args)]``: ``func`` of real tensors in place of
    its complex inputs that require grad, each standing for one part, the other part held fixed.

    The order is PyTorch's (imaginary first), so that the first failure reported is the same.
    """
    xp = _backend.xp
    chosen = [
        i
        for i, t in enumerate(inputs)
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.is_complex
    ]
    checks = []
    for part, take in (("imaginary", xp.imag), ("real", xp.real)):

        def wrapped(*args: Any, _part: str = part) -> Any:
            rebuilt = list(args)
            for i in chosen:
                data = inputs[i]._data
                if _part == "real":  # x + i·(fixed y)
                    rebuilt[i] = args[i] + Tensor._wrap(1j * xp.imag(data))
                else:  # (fixed x) + i·y
                    rebuilt[i] = Tensor._wrap(xp.real(data) + 0j) + args[i] * 1j
            return func(*rebuilt)

        args = tuple(
            Tensor._wrap(xp.asarray(take(t._data), copy=True), True) if i in chosen else t
            for i, t in enumerate(inputs)
        )
        checks.append((part, wrapped, args))
    return checks
