"""``arraygrad.types`` and ``autograd.grad_mode``: import paths that scripts written for
PyTorch use."""

from __future__ import annotations

import torch.autograd.grad_mode
import torch.types

import arraygrad as ag


def test_types_offers_torchs_names() -> None:
    from arraygrad.types import Device, FileLike, Number, _device, _dtype, _int, _size

    assert sorted(ag.types.__all__) == sorted(set(torch.types.__all__) - {"Storage"})
    assert Number == int | float | bool and _int is int
    assert _dtype is ag.dtype and _device is ag.device
    assert ag.device in Device.__args__ and ag.Size in _size.__args__
    assert str in FileLike.__args__


def test_grad_mode_path() -> None:
    from arraygrad.autograd.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

    assert no_grad is ag.no_grad and enable_grad is ag.enable_grad
    assert set_grad_enabled is ag.set_grad_enabled and inference_mode is ag.inference_mode
    assert set(ag.autograd.grad_mode.__all__) <= set(torch.autograd.grad_mode.__all__)
