"""PyTorch's refusals of in-place writes through views (see :mod:`arraygrad._view_history`).

A write through a view is refused, as PyTorch refuses it, when it is recorded and the view is
of a leaf that requires grad, was made under ``no_grad`` from a tensor that requires grad, or is
one of several views one function returned; and, recorded or not, when it is element-wise and
several of the view's elements are one memory location (an expansion, overlapping ``unfold``
windows), where the result would depend on the order of the loop. The checks run before any
memory is written, so a refused write leaves every tensor as it was.
"""

from __future__ import annotations

from typing import Any

import arraygrad as _ag
from arraygrad import _backend
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, describe
from arraygrad._view_history import element_positions


def check_write(target: Tensor, overlap: bool) -> None:
    """Raise PyTorch's error for a recorded in-place write to the view ``target``, if any.

    With ``overlap`` (an element-wise write) it is refused where elements of the view share
    memory; so is a ``fill_`` of an expanded view, whose backward PyTorch refuses with that
    error (it allows one of overlapping ``unfold`` windows). ``setitem`` writes a region of
    distinct elements through a view of it instead.
    """
    root = target._base
    assert root is not None
    if "_view_detached" in target.__dict__:
        # A detach() shares memory, not history: only its elements' overlap matters.
        if overlap or expanded(target):
            check_overlap(target)
        return
    if target.__dict__.get("_view_no_grad"):  # (first: PyTorch's error for such a view)
        raise _no_grad_view_error(target, root)
    # PyTorch refuses the write when the view requires grad and its root is a leaf: a view of a
    # leaf that requires grad, or a view of a plain tensor given requires_grad_() itself (a
    # leaf, x = base.t().requires_grad_(), whose history the write would otherwise replace).
    if root._node is None and (root._rg or target._rg):
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({describe(target)}, a view of {describe(root)}). Fix: write inside "
            "`with arraygrad.no_grad():` if the write should not be recorded, or write into a "
            ".clone() of the leaf (or build the result out of place)."
        )
    multi = target._view_multi
    if multi is not None:
        function, index = multi
        raise RuntimeError(
            f"Output {index} of {function} is a view and is being modified inplace. This view "
            "is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace "
            f"operation by an out-of-place one. ({describe(target)}.) Fix: compute the new "
            "piece out of place and torch.cat the pieces, write into the tensor before "
            "splitting it, or take the piece with narrow() or slicing, which allow writes."
        )
    if overlap or expanded(target):
        check_overlap(target)
    _refuse_expanded(target)


def check_unrecorded(target: Tensor, overlap: bool = True, key: Any = None) -> None:
    """The checks of :func:`check_write` for a write to the view ``target`` that arraygrad
    does not record (grad mode off, or nothing requires grad by arraygrad's flags).

    A view made under ``no_grad`` of a tensor that requires grad requires grad in PyTorch, so
    PyTorch records (and refuses) such a write when grad mode is on.
    """
    root = target._base
    assert root is not None
    if target.__dict__.get("_view_no_grad") and root._rg and grad_enabled.get():
        raise _no_grad_view_error(target, root)
    if overlap:
        check_overlap(target, key)
    _refuse_expanded(target)


def _refuse_expanded(target: Tensor) -> None:
    """Refuse any write into an expanded tensor (or a view of one) that PyTorch's overlap error
    did not refuse (a ``fill_``, a region of distinct elements) on array libraries other than
    NumPy, whose expansions may be copies or read-only, so the write would not reach the
    tensor's base (PyTorch writes it through). NumPy's are writable views."""
    if not _backend.is_numpy and expanded(target):
        root = target._base
        assert root is not None
        raise RuntimeError(
            f"in-place writes into an expanded tensor ({describe(target)}, expanded from "
            f"{describe(root)}) are not supported by arraygrad: its expansions do not share "
            "writable memory with the tensor they expand. Fix: write into the tensor before "
            "expanding it, or .clone() the expanded tensor and write into the clone."
        )


def expanded(target: Tensor) -> bool:
    """Whether the view ``target`` was made by, or from, an expansion (``expand``)."""
    ops = _ag.ops
    steps = target.__dict__.get("_view_steps") or ()
    return ops.broadcast_to.name in steps[::2]


def _no_grad_view_error(target: Tensor, root: Tensor) -> RuntimeError:
    if target.__dict__.get("_view_no_grad") == "inference":  # made inside inference_mode
        made, written, block = "inference mode", "in normal mode", "inference_mode"
    else:
        made, written, block = "no_grad mode", "with grad mode enabled", "no_grad"
    return RuntimeError(
        f"A view was created in {made} and is being modified inplace {written} "
        f"({describe(target)}, a view of {describe(root)}). Given that this use case "
        "is ambiguous and error-prone, it is forbidden. Fix: move both the view and the inplace "
        f"either both inside the {block} block (if you don't want the inplace to be tracked) or "
        "both outside (if you want the inplace to be tracked)."
    )


def may_overlap(target: Tensor) -> bool:
    """Whether some elements of the view ``target`` may share memory: it was made by, or from,
    an expansion or windows that overlap (``unfold`` with a step below the window size)."""
    ops = _ag.ops
    steps = target.__dict__.get("_view_steps") or ()
    for name, params in zip(steps[::2], steps[1::2], strict=True):
        if name == ops.broadcast_to.name or (
            name == ops.unfold_windows.name and params["step"] < params["size"]
        ):
            return True
    return False


def shared_positions(target: Tensor, key: Any = None) -> Any:
    """The memory positions (flat, in ``target``'s root) of the elements of the view
    ``target`` (with ``key``: of its region ``target[key]``) where several of them are one
    memory location (an expanded tensor, overlapping windows); ``None`` where none are."""
    ops = _ag.ops
    if not may_overlap(target):
        return None  # only broadcasting and overlapping windows make elements share memory
    steps = target.__dict__["_view_steps"]
    root = target._base
    assert root is not None
    # Read from the memory layout where the backend can (untraced by arraygrad.compile: it is
    # metadata, fixed by the strides a compiled step guards on), else by replaying the steps.
    region = target._data if key is None else target._data[key]
    positions = _backend.memory_positions(region, root._data)
    repeats = _backend.has_repeats(positions)
    if repeats is None:
        if key is not None:
            steps = (*steps, ops.basic_getitem.name, {"key": key})
        xp = _backend.xp
        positions = element_positions(tuple(root._data.shape), steps)
        flat = xp.reshape(positions, (-1,))
        count = flat.shape[0]
        repeats = count > 1 and xp.unique_values(flat).shape[0] < count
    return positions if repeats else None


def one_value_per_location(target: Tensor, result: Tensor, positions: Any) -> Tensor:
    """``result``, to be written into ``target`` whose elements at ``positions`` share memory
    locations, with one value per location: as PyTorch's fills of a selection (``masked_fill_``,
    ``tril_``) write only the selected elements, a location takes the value written through
    any of its elements that the op changed (the last in order), else keeps its value."""
    xp = _backend.xp
    old = xp.reshape(target._data, (-1,))
    new = xp.reshape(result._data, (-1,))
    same = xp.logical_or(old == new, xp.logical_and(old != old, new != new))  # (NaN: same)
    places = xp.reshape(xp.astype(positions, xp.int64), (-1,))
    # Sorted by place, a changed element after the unchanged ones: each place's last is its.
    order = xp.argsort(places * 2 + xp.astype(xp.logical_not(same), xp.int64), stable=True)
    sorted_places = xp.take(places, order)
    last = xp.concat([sorted_places[1:] != sorted_places[:-1], xp.ones((1,), dtype=xp.bool)])
    chosen = xp.take(order[last], xp.searchsorted(sorted_places[last], places))
    return Tensor._wrap(xp.reshape(xp.take(new, chosen), tuple(result._data.shape)))


def accumulated_per_location(target: Tensor, positions: Any, indices: Any, values: Any) -> Tensor:
    """``target.index_put(indices, values, accumulate=True)`` for a ``target`` whose elements
    at ``positions`` share memory locations: as PyTorch's, each value is added to the location
    of the element it goes to, so a location sums the values sent to any of its elements.

    >>> import arraygrad
    >>> e = arraygrad.zeros(1).expand(2)  # two elements, one location
    >>> positions = arraygrad._backend.xp.asarray([0, 0])
    >>> accumulated_per_location(e, positions, (arraygrad.tensor([0, 1]),), 1.0).tolist()
    [2.0, 2.0]
    """
    xp = _backend.xp
    found = xp.unique_all(xp.reshape(positions, (-1,)))
    # The locations' values, one each, and the location of each of target's elements.
    locations = Tensor._wrap(xp.take(xp.reshape(target._data, (-1,)), found.indices))
    where = Tensor._wrap(xp.reshape(found.inverse_indices, tuple(target._data.shape)))
    sent_to = where[tuple(indices)]
    if not isinstance(values, Tensor):
        values = _ag.tensor(values, dtype=target.dtype)
    values = _ag.broadcast_to(values, tuple(sent_to.shape))
    summed = _ag.index_put(locations, (sent_to.reshape(-1),), values.reshape(-1), accumulate=True)
    return summed[where]


def check_overlap(target: Tensor, key: Any = None) -> None:
    """Raise PyTorch's error if ``target`` (a view; with ``key``: its region ``target[key]``)
    has several elements at one memory location (an expanded tensor, overlapping windows),
    where an element-wise write would be ambiguous."""
    root = target._base
    if shared_positions(target, key) is not None:
        assert root is not None
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation. "
            f"({describe(target)} is a view of {describe(root)}, expanded or of overlapping "
            "windows: several of its elements are one element of that tensor.)"
        )
