"""PyTorch's inference tensors: what :class:`arraygrad.inference_mode` makes, and the uses of
them that PyTorch refuses outside it.

A tensor made inside inference mode (by a factory function, an op, ``tensor()``, ``clone()``,
a checkpoint's loader) is an inference tensor; so are views, ``detach()`` and ``.data`` of one,
wherever they are made. A view of a normal tensor made inside stays normal, and so does a normal
tensor written in place inside. Outside inference mode PyTorch refuses, with a RuntimeError:
saving an inference tensor for backward (an input whose value the gradient reads:
``inference_t * w`` with ``w`` requiring grad, not ``inference_t + w``; an index, mask or loss
target that PyTorch's op saves, which arraygrad keeps as a parameter or does not read:
:func:`check_kept`) and ``requires_grad_()`` on one. An inference tensor made inside the mode,
and every view of an inference tensor, keep no version counter: reading ``_version`` raises,
in the mode or out of it, and an in-place write outside the mode raises once the values are
written (PyTorch's check is the version bump that follows the write, so it too leaves them
written). ``detach()`` and ``.data`` of one made
outside the mode are inference tensors with a version counter of their own: PyTorch writes them
in place without complaint, and counts only the writes made outside the mode (made inside the
mode, they keep none either). An inference tensor given a normal tensor's values by ``.data =``
is no inference tensor any more but still keeps no version (:class:`Untracked`): a view of it
is refused at once, in every mode, as PyTorch's view creation reads the base's version.

How it is marked: an inference tensor's version counter is an :class:`InferenceCounter` (no
version), or for ``detach()`` and ``.data`` of one made outside the mode an
:class:`InferenceMark` (counting). Views share their base's counter, so they are marked with it
at no cost; a view of a counting one gets :data:`SHARED` instead (:func:`on_result`).

Nothing here runs while no inference mode block is open and no inference tensor lives, in any
thread (:func:`opened`, :func:`release_if_unused`). Otherwise the primitives' rare path
(``_primitive.rare_modes``) marks each op's result made inside and checks what a recorded op
saves (:func:`on_result`), and ``Tensor._wrap`` marks the tensors made without an op
(factory functions, ``tensor()``, loaders; ``Tensor.__setstate__`` those deep-copied or
unpickled); ``.data``, ``requires_grad_()`` and ``no_grad()`` test the same flag,
``_grad_mode.inference_used``.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from arraygrad._grad_mode import grad_enabled, inference_enabled

if TYPE_CHECKING:
    from arraygrad._node import Node
    from arraygrad._primitive import Primitive
    from arraygrad._tensor import Tensor

# PyTorch's fix: a clone made outside the mode is a normal tensor, as are tensors made in no_grad.
_FIX = (
    "Fix: make a clone outside inference mode (x = x.clone()) to get a normal tensor, or use "
    "arraygrad.no_grad() instead of arraygrad.inference_mode() where the tensor is made."
)


class InferenceMark(list):  # type: ignore[type-arg]
    """The version counter of ``detach()`` or ``.data`` of an inference tensor: it counts
    versions as a plain ``[version, in-place epoch]`` list does; its class marks the tensor
    (and its views) as an inference tensor. It holds the shared counter (``anchor``), so that
    it counts among the references to that one (see :func:`release_if_unused`)."""

    __slots__ = ("anchor",)

    def __init__(self, version: int = 0) -> None:
        super().__init__((version, 0))
        self.anchor = SHARED

    def __setitem__(self, index: Any, value: Any) -> None:
        # PyTorch counts no write made inside inference mode (the version bump's store)
        if index != 0 or not inference_enabled.get():
            super().__setitem__(index, value)


class InferenceCounter(InferenceMark):
    """The version counter of the tensors made inside inference mode, and of their views,
    which track no version (as in PyTorch): one object, :data:`SHARED`, for all of them.

    Every in-place write ends with ``_primitive.bump_version``, whose ``counter[0] += 1`` reads
    it: inside inference mode nothing is counted; outside it, that read raises PyTorch's
    refusal, after the write, as PyTorch's own version bump does.
    """

    __slots__ = ()

    def __getitem__(self, index: Any) -> Any:
        if index == 0 and not inference_enabled.get():
            raise RuntimeError(
                "Inplace update to inference tensor outside InferenceMode is not allowed (the "
                "values are written already, as in PyTorch, which checks after the write). You "
                "can make a clone to get a normal tensor before doing inplace update. " + _FIX
            )
        return 0

    def __setitem__(self, index: Any, value: Any) -> None:
        pass  # no version is kept


class Untracked(InferenceCounter):
    """The version counter of a tensor made inside inference mode (or a view of one) that was
    then given a normal tensor's values by ``.data = ...``: PyTorch's is no inference tensor
    any more (``is_inference()`` is False, ``requires_grad_()`` is allowed) but still keeps no
    version. Reading ``_version`` (its views' and ``detach()``'s too) and recording it for
    backward raise; in-place writes outside inference mode raise after the write, as an
    inference tensor's do."""

    __slots__ = ()


SHARED: InferenceCounter | None = None
SHARED = InferenceCounter()  # (its own anchor is None)
# References to SHARED while no inference tensor lives: this global's (and the call's own).
# No other module may keep one (``from arraygrad._inference import SHARED`` would): each
# inference tensor holds one, through its version counter.
_UNUSED_REFERENCES = sys.getrefcount(SHARED)


# The classes of an inference tensor's version counter, and Untracked's, whose tensors no
# recorded op may save either.
_MARKS = frozenset((InferenceMark, InferenceCounter, Untracked))


def is_inference(tensor: Tensor) -> bool:
    """Whether ``tensor`` is an inference tensor."""
    counter = tensor._version_counter
    return isinstance(counter, InferenceMark) and counter.__class__ is not Untracked


def _described(tensor: Tensor) -> str:
    from arraygrad._tensor import describe

    return describe(tensor)


def version_error(tensor: Tensor) -> RuntimeError:
    """PyTorch's refusal to read an inference tensor's ``_version``."""
    return RuntimeError(
        f"Inference tensors do not track version counter ({_described(tensor)}). " + _FIX
    )


def requires_grad_error(tensor: Tensor) -> RuntimeError:
    """PyTorch's refusal of ``requires_grad_()`` on an inference tensor outside the mode."""
    return RuntimeError(
        "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed"
        f" ({_described(tensor)}). " + _FIX
    )


def saved_error(tensor: Tensor, what: str) -> RuntimeError:
    """PyTorch's refusal to save an inference tensor for backward (``what``: where it is)."""
    return RuntimeError(
        f"Inference tensors cannot be saved for backward: {what}, {_described(tensor)}, is "
        "read by its gradient. Please do not use Tensors created in inference mode in "
        "computation tracked by autograd. " + _FIX
    )


def on_result(result: Tensor, args: tuple[Any, ...], prim: Primitive) -> None:
    """Mark an op's ``result`` made inside inference mode (a view keeps its base's mark); out of
    it, refuse the op's recording if its gradient reads an inference tensor among ``args``.
    A view of a tensor that keeps no version but is no inference tensor (:class:`Untracked`)
    is refused in every mode, as PyTorch's view creation reads the base's version."""
    if result._version_counter.__class__ is Untracked:  # (a view shares its base's counter)
        raise version_error(args[0])
    node = result._node
    if node is not None:
        # Recorded, so outside inference mode (nothing is recorded inside it). This runs for
        # every recorded op once inference mode was used: one class test per operand.
        for value in args:  # (which inputs the rules read is only worked out for these)
            if getattr(value, "_version_counter", None).__class__ in _MARKS:
                _check_saved(node, args, prim)
                return
    else:
        counter = result._version_counter
        if counter is None:
            if inference_enabled.get():
                result._version_counter = SHARED
        elif counter.__class__ is InferenceMark:
            # A view of detach() or .data of an inference tensor, made in the mode or out of
            # it, keeps no version, as PyTorch's views of inference tensors: its _version and,
            # outside the mode, its in-place writes are refused. (Any other view has its
            # base's counter already: a view of a normal tensor stays normal.)
            result._version_counter = SHARED


def _check_saved(node: Node, args: tuple[Any, ...], prim: Primitive) -> None:
    positions, _ = prim.reads_of(node.edges)
    for position in positions:
        value = args[position]
        counter = getattr(value, "_version_counter", None)
        if counter.__class__ is Untracked:  # PyTorch's error: saving reads its version
            raise version_error(value)
        if isinstance(counter, InferenceMark):
            raise saved_error(value, f"input {position} of {node.name()}")


def check_kept(kept: Any, what: str, *inputs: Any) -> None:
    """Refuse, as PyTorch does, an op that would save an inference tensor among ``kept`` (a
    tensor or a key: a tuple or list of parts) for backward, where arraygrad's op keeps its
    array as a parameter or composes the op of primitives that do not read it (an index, a
    mask, a loss's target), so that :func:`on_result` does not see it. ``inputs``: the op's
    operands whose gradients read ``kept`` in PyTorch; it is saved when grad mode records and
    one of them requires grad. Called only while inference tensors may live
    (``_grad_mode.inference_used``)."""
    if not grad_enabled.get() or not any(getattr(x, "_rg", False) for x in inputs):
        return  # (grad mode is off inside inference mode: nothing is recorded there)
    for part in kept if isinstance(kept, (tuple, list)) else (kept,):
        counter = getattr(part, "_version_counter", None)
        if counter.__class__ is Untracked:  # PyTorch's error: saving reads its version
            raise version_error(part)
        if isinstance(counter, InferenceMark):
            raise saved_error(part, what)


def saved_version(tensor: Tensor, recorded: bool) -> int | None:
    """The version at which ``autograd.Function``'s ``save_for_backward`` saves ``tensor``;
    ``None`` for one that keeps no version (``recorded``: the call is recorded for backward,
    which refuses an inference tensor outside inference mode)."""
    counter = tensor._version_counter
    if not isinstance(counter, InferenceMark):
        return tensor._version  # type: ignore[no-any-return]
    if recorded and not inference_enabled.get():
        raise saved_error(tensor, "a tensor given to save_for_backward")
    return None if isinstance(counter, InferenceCounter) else tensor._version


def detached(counter: list[int]) -> InferenceMark:
    """The version counter of ``detach()`` of a tensor whose counter is ``counter``, an
    inference tensor's, as PyTorch's: made inside inference mode, none (:data:`SHARED`);
    outside it, one that counts (a detach of such a detach shares it, so that the memory
    checks that compare counters still see the two share memory)."""
    if counter.__class__ is Untracked:
        return counter  # shared: none to count, as PyTorch's detach shares the source's
    if inference_enabled.get():
        return SHARED  # type: ignore[return-value]
    if counter.__class__ is InferenceMark:
        return counter  # type: ignore[return-value]
    return InferenceMark()


def data_of(out: Tensor, source: Tensor) -> None:
    """Mark ``out``, just made as ``source.data``, as PyTorch does: if ``source`` is an
    inference tensor, an inference tensor that keeps no version inside inference mode and
    counts versions outside it; else a normal tensor (in inference mode too)."""
    if not is_inference(source):
        out._version_counter = None
    else:
        out._version_counter = SHARED if inference_enabled.get() else InferenceMark()


def data_set(tensor: Tensor, value: Tensor) -> None:
    """Mark ``tensor``, given ``value``'s array by ``tensor.data = value``, as PyTorch does:
    an inference tensor if ``value`` is one, else a normal tensor, which keeps no version if
    it kept none (:class:`Untracked`)."""
    if is_inference(value):
        if not is_inference(tensor):
            tensor._version_counter = InferenceMark()
    elif is_inference(tensor):
        untracked = tensor._version_counter.__class__ is InferenceCounter
        tensor._version_counter = Untracked() if untracked else None


# Inference mode blocks open, in all threads. The checks and marks run while one is open or an
# inference tensor lives (a reference to SHARED), so that a training loop that evaluates in
# inference mode now and then stops paying for them once the evaluation's tensors are gone.
_open = 0
_lock = threading.Lock()


def _set_flags(used: bool) -> None:
    from arraygrad import _grad_mode, _primitive  # (here: they import this module)

    _primitive.set_inference_used(used)
    _grad_mode.inference_used = used


def opened(change: int) -> None:
    """Count an inference mode block opened (1) or closed (-1): the checks and marks are on
    from the first; after the last, off once no inference tensor lives."""
    global _open
    with _lock:
        _open += change
        if change > 0 and _open == 1:
            _set_flags(True)
    if _open == 0:
        release_if_unused()


def release_if_unused() -> None:
    """Turn the checks and marks off if no inference mode block is open and no inference tensor
    lives (no reference to :data:`SHARED` but its own). Called as the last block closes and
    at each ``backward()`` while they are on, where an evaluation's tensors are gone by then."""
    with _lock:
        if _open == 0 and sys.getrefcount(SHARED) <= _UNUSED_REFERENCES:
            _set_flags(False)
