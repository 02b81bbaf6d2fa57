"""``.real``, ``.imag``, ``view_as_real`` and ``view_as_complex`` are views, as in PyTorch:
writes through them reach the complex tensor and the other way round, they share ``_base``
and the version counter, and autograd runs through them and through recorded in-place writes
into them (PyTorch's ``CopySlices``), compared with torch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _values(t: Any) -> Any:
    return t.detach().resolve_conj().numpy().round(6).tolist()


def _writes_both_ways(lib: Any) -> Any:
    z = lib.tensor([1 + 2j, 3 - 1j, -2 + 0.5j], dtype=lib.complex128)
    re, im = z.real, z.imag
    re[0] = 10.0
    im[1] = 7.0
    written = z.tolist()
    z.mul_(2)
    return written, re.tolist(), im.tolist(), re._base is z, im._base is z


def _versions(lib: Any) -> Any:
    z = lib.tensor([1 + 2j, 3 - 1j])
    re, pairs = z.real, lib.view_as_real(z)
    before = (z._version, re._version, pairs._version)
    re.add_(1)
    pairs[0, 1] = 5.0
    return before, (z._version, re._version, pairs._version), z.tolist(), pairs._base is z


def _view_as_complex_writes(lib: Any) -> Any:
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
    c = lib.view_as_complex(x)
    c.mul_(1j)
    return x.tolist(), c._base is x


def _real_mul_(lib: Any) -> Any:
    a = lib.tensor([1 + 2j, 3 - 1j, 0.5j], requires_grad=True)
    y = a * (1 + 1j)
    y.real.mul_(2)
    (y * lib.tensor([1 - 1j, 2, 1j])).real.sum().backward()
    name = type(y.grad_fn).__name__ if lib is torch else y.grad_fn.name()
    return _values(y), _values(a.grad), name


def _view_taken_before_a_root_write(lib: Any) -> Any:
    a = lib.tensor([1 + 2j, 3 - 1j, 0.5j], requires_grad=True)
    y = a * (2 - 1j)
    im = y.imag
    y.mul_(3)
    (im * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    return _values(im), _values(a.grad)


def _pairs_write(lib: Any) -> Any:
    a = lib.tensor([1 + 2j, 3 - 1j, 0.5j], requires_grad=True)
    y = a * 1
    pairs = lib.view_as_real(y)
    pairs[1:, 0].exp_()
    (y * lib.tensor([1j, 2, 3])).real.sum().backward()
    return _values(y), _values(a.grad)


def _complex_of_pairs_write(lib: Any) -> Any:
    a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = a * 1
    c = lib.view_as_complex(y)
    c[0] = c[1] * (2 + 1j)
    (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return _values(y), _values(a.grad)


def _imag_copy_(lib: Any) -> Any:
    a = lib.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    b = lib.tensor([5.0, 6.0], requires_grad=True)
    y = a * 1
    y.imag.copy_(b * 2)
    y.abs().sum().backward()
    return _values(y), _values(a.grad), _values(b.grad)


def _no_grad_write_into_a_leaf_part(lib: Any) -> Any:
    a = lib.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    with lib.no_grad():
        a.imag.zero_()
    (a * a).real.sum().backward()
    return _values(a), _values(a.grad)


CASES: dict[str, Callable[[Any], Any]] = {
    "writes_both_ways": _writes_both_ways,
    "versions": _versions,
    "view_as_complex_writes": _view_as_complex_writes,
    "real_mul_": _real_mul_,
    "view_taken_before_a_root_write": _view_taken_before_a_root_write,
    "pairs_write": _pairs_write,
    "complex_of_pairs_write": _complex_of_pairs_write,
    "imag_copy_": _imag_copy_,
    "no_grad_write_into_a_leaf_part": _no_grad_write_into_a_leaf_part,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parts_are_views_as_in_torch(name: str) -> None:
    assert CASES[name](ag) == CASES[name](torch)


def test_the_parts_share_memory() -> None:
    z = ag.tensor([1 + 2j, 3 - 1j])
    assert np.shares_memory(z.real.numpy(), z.numpy())
    assert np.shares_memory(ag.view_as_real(z).numpy(), z.numpy())
    x = ag.tensor([[1.0, 2.0]])
    assert np.shares_memory(ag.view_as_complex(x).numpy(), x.numpy())


def test_a_recorded_write_through_a_part_of_a_view_says_what_to_do() -> None:
    a = ag.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    y = a * 1
    with pytest.raises(NotImplementedError, match=r"z\.real\[0\], not z\[0\]\.real"):
        y[0:1].real.mul_(2)
