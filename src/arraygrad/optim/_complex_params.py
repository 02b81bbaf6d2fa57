"""Complex parameters in the element-wise optimizers, as PyTorch treats them: each complex
parameter is updated as its real view (``view_as_real``: the pairs of real and imaginary
parts), with its gradient and its state buffers viewed the same way, so that Adam's second
moment is the average of the squared parts, not of ``g * g``.

:meth:`Optimizer.step` sends a parameter group here only when it holds a complex parameter, so
real groups run their update as they are; the update itself is the optimizer's real one,
run on real stand-ins that share the complex arrays' memory (NumPy) or are written back to them
(libraries whose views are copies).
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._tensor import Tensor

_is_complex = _dtype.is_complex_native


def has_complex(params: list[Tensor]) -> bool:
    """Whether any of a group's parameters (those with a gradient) is complex."""
    return any(_is_complex(p._data.dtype) for p in params)


def update_as_real(optimizer: Any, group: dict[str, Any], params: list[Tensor]) -> None:
    """``optimizer._update_group(group, params)`` with every complex parameter, its gradient
    and its state replaced by real views, the state written back as complex afterwards."""
    if not getattr(optimizer, "_supports_complex", True):
        raise RuntimeError(
            f"{type(optimizer).__name__} does not support complex parameters"
            ". Fix: optimise torch.view_as_real(param) (a real parameter) instead, or use an "
            "optimizer that supports complex parameters (e.g. SGD, Adam)."
        )
    xp = _backend.xp
    stand_ins: list[Tensor] = []
    # each complex parameter, its real view, and its state buffers' real views by key
    pairs: list[tuple[Tensor, Tensor, dict[str, Tensor]]] = []
    for p in params:
        if not _is_complex(p._data.dtype):
            stand_ins.append(p)
            continue
        real = Tensor._wrap(xp.view_as_real(p._data))
        grad = p._grad
        assert grad is not None
        real._grad = Tensor._wrap(xp.view_as_real(grad._data))
        views: dict[str, Tensor] = {}
        state = optimizer.state.get(p)
        if state:
            real_state = optimizer.state[real] = dict(state)
            for key, value in state.items():
                if isinstance(value, Tensor) and _is_complex(value._data.dtype):
                    real_state[key] = views[key] = Tensor._wrap(xp.view_as_real(value._data))
        stand_ins.append(real)
        pairs.append((p, real, views))
    try:
        optimizer._update_group(group, stand_ins)
    finally:
        for p, real, views in pairs:
            _write_back(optimizer, p, real, views)


def _write_back(optimizer: Any, p: Tensor, real: Tensor, views: dict[str, Tensor]) -> None:
    xp = _backend.xp
    if not _backend.is_numpy:  # the real view was a copy: the update goes back into p
        _backend.assign(p._data, xp.view_as_complex(real._data))
    _primitive.bump_version(p)  # (the update bumped the stand-in's counter, not p's)
    updated = optimizer.state.pop(real, None)
    if updated is None:
        return
    state = optimizer.state[p]
    for key, value in updated.items():
        if key in views and value is views[key]:  # a buffer updated through its real view
            if not _backend.is_numpy:  # (a copy there: written back)
                _backend.assign(state[key]._data, xp.view_as_complex(value._data))
        elif isinstance(value, Tensor) and value._data.dtype == real._data.dtype and value.ndim:
            # a buffer this step made of the real view's shape: complex again, as PyTorch's
            state[key] = Tensor._wrap(xp.view_as_complex(value._data))
        else:
            state[key] = value  # step counters and other numbers, as they are
