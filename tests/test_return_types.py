"""``arraygrad.return_types``: the named results print as torch 2.13.0's ``torch.return_types``."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag


def _square(lib: Any) -> Any:
    return lib.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=lib.float64)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1),
        lambda L: L.sort(L.tensor([3.0, 1.0, 2.0])),
        lambda L: L.aminmax(L.tensor([3.0, 1.0])),
        lambda L: L.frexp(L.tensor([3.0, 0.5])),
        lambda L: L.slogdet(_square(L)),
        lambda L: L.linalg.slogdet(_square(L)),
        lambda L: L.linalg.eigh(_square(L)),
        lambda L: L.linalg.qr(_square(L)),
        lambda L: L.linalg.svd(L.eye(2, dtype=L.float64)),
        lambda L: L.linalg.lu_factor(_square(L)),
        lambda L: L.linalg.lu(_square(L)),
        lambda L: L.linalg.cholesky_ex(_square(L)),
        lambda L: L.linalg.inv_ex(_square(L)),
        lambda L: L.linalg.lstsq(2 * L.eye(2, dtype=L.float64), _square(L)),
        lambda L: L.geqrf(_square(L)),
        lambda L: L.histogram(L.tensor([1.0, 2.0, 2.5]), bins=2),
    ],
)
def test_repr_matches_torch(call: Any) -> None:
    mine, theirs = call(ag), call(torch)
    assert repr(mine) == repr(theirs).replace("torch.", "arraygrad.")
    assert str(mine) == str(theirs).replace("torch.", "arraygrad.")


def test_linalg_slogdet_and_slogdet_hold_the_same_values() -> None:
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64)
    assert type(ag.linalg.slogdet(a)) is ag.return_types.linalg_slogdet
    assert type(ag.slogdet(a)) is ag.return_types.slogdet
    assert ag.linalg.slogdet(a) == tuple(ag.slogdet(a))
