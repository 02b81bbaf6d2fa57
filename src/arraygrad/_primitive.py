"""Primitives: an array function and its vector-Jacobian product, declared side by side.

A :class:`Primitive` is the unit the engine differentiates. Each is one statement in ``ops/``::

    exp = Primitive(
        "exp",
        forward=lambda xp, x: xp.exp(x),
        vjp=(lambda ns, g, out, x: g * out,),
        reads_output=True,
    )

``forward(xp, *arrays, **params)`` computes on raw arrays of the namespace ``xp``.
``vjp[i](ns, g, out, *inputs, **params)`` returns the gradient for input ``i`` given the
cotangent ``g`` of the output. It is written once against a namespace ``ns``: during an ordinary
backward pass ``ns`` is the array namespace and every value is a raw array (no Tensor objects, no
graph); with ``create_graph=True`` ``ns`` is :mod:`arraygrad.ops` and every value is a Tensor, so
the backward pass is itself recorded. A rule may return a gradient of the output's broadcast shape:
the engine sums it down to the input's shape (``sum_to``), so rules never mention broadcasting.

Calling a primitive on tensors computes the forward and, when gradients are needed, records a
:class:`~arraygrad._node.Node` (its own module, :mod:`arraygrad._node`) that the engine walks in
reverse. This module also holds the process-wide flags the hot paths test once per op (the
rare modes: vmap, saved-tensor hooks, forward-mode AD; the compile and profiler detour), which
must stay module globals here, read where they are tested.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from arraygrad import _backend, _inference, _profiling, _view_history
from arraygrad._grad_mode import grad_enabled
from arraygrad._node import Node, computed_as_nodes
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor

Vjp = Callable[..., Any]

# The number of in-place writes so far. A node remembers the count at its creation; while it is
# unchanged at backward time no saved value can have been overwritten, so the per-tensor version
# check is skipped entirely (the common case costs one integer comparison).
_inplace_epoch = 0

# arraygrad.func.vmap calls its function once per slice of the mapped inputs. While one runs,
# every result made here is marked with the vmap calls ("levels", unique ids) its inputs were
# marked with, starting from the slices: it says which tensors PyTorch would hold batched, for
# the checks PyTorch makes on them (an in-place write of a batched value into an unbatched
# tensor, a batched output where out_dims is None). Off outside vmap: one test per op.
# vmap_active says whether a vmap runs in any thread (with rare_modes below, the one test the
# ops make); which levels
# run is per thread, as in PyTorch, where a vmap in one thread leaves the others' ops alone.
vmap_active = False
_vmap_calls = 0  # the vmap calls running in all threads
_modes_lock = threading.Lock()  # (+= and the flag's update are not atomic)

# Whether autograd.graph.saved_tensors_hooks are active in any thread: then the values each
# recorded node saves are passed through the hooks (autograd/_saved_hooks.py).
saved_hooks_active = False
# Whether a forward-mode AD level is open (autograd/forward_ad.py): then each op's result gets
# a tangent computed from its inputs' tangents.
forward_ad_active = False
# Whether an inference_mode block is open or an inference tensor lives (in any thread): then
# results made inside the mode are marked as inference tensors, and recorded ops refuse to save
# one (arraygrad/_inference.py).
inference_used = False
# Whether anomaly detection is on (autograd/anomaly_mode.py: in the thread that last changed
# it): then each recorded node keeps the stack of the forward call that made it, for the
# warning that names it when its backward fails.
anomaly_active = False
# Any of the flags above: the one flag a recorded op tests for all the rare modes.
rare_modes = False


def _any_rare_mode() -> bool:
    return (
        vmap_active or saved_hooks_active or forward_ad_active or inference_used or anomaly_active
    )


# Whether a view was ever made under no_grad of a tensor that requires grad: then every
# in-place write looks for such views of the memory it writes (see bump_version).
no_grad_views_made = False

# Whether the ops' fast entry points (apply1, apply2) must hand calls on: arraygrad.compile
# records (``_backend.tracer``, which it also sets to None inside each call it records) or the
# profiler times ops. The one test those entry points make for both, while neither is on.
detour = False
_compile_recording = False


def note_compile_recording(active: bool) -> None:
    """arraygrad.compile's recording of a call began (True) or ended (False)."""
    global _compile_recording
    _compile_recording = active
    update_detour()


def update_detour() -> None:
    """Recompute :data:`detour` (the profiler calls it as it starts and stops)."""
    global detour
    with _modes_lock:
        detour = _compile_recording or _profiling.recorder is not None


def set_saved_hooks_active(active: bool) -> None:
    """Note whether saved-tensor hooks are active in any thread (their module counts)."""
    global saved_hooks_active, rare_modes
    with _modes_lock:
        saved_hooks_active = active
        rare_modes = _any_rare_mode()


def set_forward_ad_active(active: bool) -> None:
    """Note whether a forward-mode AD level is open (forward_ad's levels say)."""
    global forward_ad_active, rare_modes
    with _modes_lock:
        forward_ad_active = active
        rare_modes = _any_rare_mode()


def set_anomaly_active(active: bool) -> None:
    """Note whether anomaly detection is on (by arraygrad.autograd.anomaly_mode)."""
    global anomaly_active, rare_modes
    with _modes_lock:
        anomaly_active = active
        rare_modes = _any_rare_mode()


def set_inference_used(used: bool) -> None:
    """Note that inference mode is open or inference tensors live, or no longer (by
    arraygrad._inference)."""
    global inference_used, rare_modes
    with _modes_lock:
        inference_used = used
        rare_modes = _any_rare_mode()


class _VmapLevels(threading.local):
    """The vmap calls running in this thread: their levels, innermost last, and the batch
    size of each."""

    def __init__(self) -> None:
        self.levels: list[int] = []
        self.sizes: dict[int, int] = {}


vmap_running = _VmapLevels()


def enter_vmap(level: int, size: int) -> None:
    """Mark the vmap call ``level`` (of batch ``size``) running in this thread."""
    global vmap_active, _vmap_calls, rare_modes
    vmap_running.levels.append(level)
    vmap_running.sizes[level] = size
    with _modes_lock:
        _vmap_calls += 1
        vmap_active = rare_modes = True


def exit_vmap(level: int) -> None:
    """Undo :func:`enter_vmap` for ``level``."""
    global vmap_active, _vmap_calls, rare_modes
    vmap_running.levels.remove(level)
    del vmap_running.sizes[level]
    with _modes_lock:
        _vmap_calls -= 1
        vmap_active = _vmap_calls > 0
        rare_modes = _any_rare_mode()


def batched_levels(values: Iterable[Any]) -> frozenset[int]:
    """The vmap levels the tensors among ``values`` are marked with, together."""
    levels: frozenset[int] = frozenset()
    for value in values:
        if isinstance(value, Tensor):
            marked = value._vmap_levels
            if marked and marked is not levels:
                levels = marked if not levels else levels | marked
    return levels


# Shared by every node of a primitive called without parameters (never mutated).
_NO_PARAMS: dict[str, Any] = {}


class Primitive:
    """An array function with its vector-Jacobian products.

    Args:
        name: the op's name (``"mul"``); backward nodes are named ``MulBackward0`` after it.
        forward: ``forward(xp, *arrays, **params) -> array``.
        vjp: one rule per positional input, ``rule(ns, g, out, *inputs, **params)``, or ``None``
            for an input that never gets a gradient (indices, masks). ``vjp=None`` marks the
            whole primitive as not differentiable (comparisons, argmax).
        reads_inputs: the rules read the inputs' values (not just their shapes); then an
            in-place change of an input before backward is an error.
        reads_output: the rules read ``out``; then it is kept for backward and guarded likewise.
        rule_reads: for each rule, the positions of the inputs whose values it reads, and
            ``"out"`` if it reads the output (``mul``: ``((1,), (0,))``, ``g * y`` and
            ``g * x``). Only the values that the rules which will run read are checked for
            in-place changes, as in PyTorch, which saves no more: ``y = a * 2`` followed by
            ``a.mul_(3)`` differentiates. ``None``: every rule reads all that ``reads_inputs``
            and ``reads_output`` say.
        view: the output shares memory with input 0 (reshape, transpose, basic indexing), so both
            share one version counter and an in-place write to either is seen by the other.
        own_results: a rule's result that is a new array (not its gradient, a saved value or a
            view of one) belongs to nobody else, so the engine may add into it or make it
            ``.grad`` without a copy. False for rules that may return any array (the user code
            of a custom ``autograd.Function``: one array for two inputs, a saved tensor).
        vjp_add_into: for some inputs, a second form of the rule for the engine to use when it
            already holds a gradient for that input in an array of its own (nobody else refers
            to it): ``rule(ns, total, g, out, *inputs, **params)`` returns ``total`` plus what
            ``vjp`` gives, added into ``total`` where it can. The adjoint of indexing adds the
            view's gradient at its place in the base's, at the cost of the view's size instead
            of a zero array of the base's and a sum of it.
        vjp_overwriting: for at most one input, a second form of the rule that gives the same
            result as ``vjp``'s by writing into ``g``: the engine calls it, after the node's other
            rules, on ``g`` when it holds ``g`` in an array of its own, or else on a copy of
            ``g`` (which its result then is). ``index_put``'s gradient for ``x`` (``g`` with the
            written places zeroed) is ``g`` itself, zeroed there, where ``vjp``'s copies all of
            it: a buffer written row by row costs a row per write in backward, not the buffer.
        backward_name: the name of its backward nodes (``grad_fn``), when PyTorch's is not
            ``<Name>Backward0`` (``CopySlices``), or a function of the node that gives it
            (indexing: ``SelectBackward0``, ``SliceBackward0``, ... by the key).
        packs_saved: whether ``autograd.graph.saved_tensors_hooks`` pack the values its nodes
            keep for the rules. False for a custom ``autograd.Function``, whose rules read
            what its ``ctx.save_for_backward`` kept (packed by the ctx itself).
        exact_scalars: the rules compute with a Python number operand itself (``y - 1`` in
            pow's), so it must reach them as a Python number, in double precision. Otherwise a
            Python float beside an array reaches forward and rules as the 0-d array NumPy would
            make of it (see :func:`_backend.scalar_operand`) when called through
            :meth:`apply2`: the same values, computed faster. (A constant operand's own rule
            never runs, and the other input's rule only combines it with arrays, where NumPy
            gives identical results for both forms; so traced calls, which pass Python floats,
            equal eager ones.)
    """

    __slots__ = (
        "backward_name",
        "exact_scalars",
        "forward",
        "name",
        "overwrite_order",
        "own_results",
        "owning_rules",
        "packs_saved",
        "reads_inputs",
        "reads_output",
        "rule_reads",
        "view",
        "vjps",
        "vjps_add_into",
        "vjps_overwriting",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjp: Sequence[Vjp | None] | None,
        *,
        reads_inputs: bool = True,
        reads_output: bool = False,
        view: bool = False,
        exact_scalars: bool = False,
        backward_name: str | Callable[[Node], str] | None = None,
        rule_reads: Sequence[tuple[int | str, ...]] | None = None,
        own_results: bool = True,
        vjp_add_into: Sequence[Vjp | None] | None = None,
        vjp_overwriting: Sequence[Vjp | None] | None = None,
        packs_saved: bool = True,
    ) -> None:
        self.name = name
        self.packs_saved = packs_saved
        self.forward = forward
        self.vjps = tuple(vjp) if vjp is not None else None
        self.reads_inputs = reads_inputs
        self.reads_output = reads_output
        self.view = view
        self.exact_scalars = exact_scalars
        self.rule_reads = tuple(rule_reads) if rule_reads is not None else None
        self.own_results = own_results
        self.vjps_add_into = tuple(vjp_add_into) if vjp_add_into is not None else None
        # The rules with the overwriting one in its place, and the order to run them in: the
        # overwriting one last, once no other rule can read ``g``.
        self.vjps_overwriting: tuple[Vjp | None, ...] | None = None
        self.overwrite_order: tuple[int, ...] = ()
        if vjp_overwriting is not None:
            assert self.vjps is not None
            overwriting = [i for i, rule in enumerate(vjp_overwriting) if rule is not None]
            assert len(overwriting) == 1, "one input's rule may overwrite g"
            (position,) = overwriting
            rules = list(self.vjps)
            rules[position] = vjp_overwriting[position]
            self.vjps_overwriting = tuple(rules)
            others = tuple(i for i in range(len(rules)) if i != position)
            self.overwrite_order = (*others, position)
        self.owning_rules = self.vjps_add_into is not None or self.vjps_overwriting is not None
        if backward_name is None:
            backward_name = "".join(part.capitalize() for part in name.split("_")) + "Backward0"
        self.backward_name = backward_name

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def reads_of(self, edges: Sequence[Any]) -> tuple[tuple[int, ...], bool]:
        """The input positions and whether the output are read by the rules for ``edges``'
        inputs that get a gradient (``None`` edges get none): what an in-place change must
        not have touched before backward."""
        if self.rule_reads is None:
            inputs = tuple(range(len(edges))) if self.reads_inputs else ()
            return inputs, self.reads_output
        read: set[int | str] = set()
        for edge, reads in zip(edges, self.rule_reads, strict=True):
            if edge is not None:
                read.update(reads)
        return tuple(sorted(p for p in read if isinstance(p, int))), "out" in read

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        """Apply the primitive to tensors (or Python numbers) and record it for backward."""
        if detour and (recording := _profiling.timing(self)) is not None:
            return recording.timed(self, self, args, params)
        if _backend.tracer is None:
            if len(args) == 2 and not params:
                return self.apply2(args[0], args[1])
            if len(args) == 1 and isinstance(args[0], Tensor):
                return self.apply1(args[0], params)
        needs_grad = False
        arrays = []
        edges: list[Node | Tensor | None] = []
        for arg in args:
            if arg.__class__ is Tensor or isinstance(arg, Tensor):
                arrays.append(arg._data)
                if arg._rg:
                    needs_grad = True
                    edges.append(arg if arg._node is None else arg._node)
                else:
                    edges.append(None)
            else:
                arrays.append(arg)
                edges.append(None)
        tracer = _backend.tracer
        try:  # (free in Python 3.11+ while nothing is raised)
            if tracer is None:
                out = self.forward(_backend.xp, *arrays, **params)
            else:  # arraygrad.compile is recording: the same call, written down
                out = tracer.forward(self.forward, _backend.xp, args, arrays, params)
        except MemoryError as error:  # PyTorch's OutOfMemoryError, a RuntimeError
            raise allocation_error(error) from None
        return self._result(out, args, tuple(arrays), tuple(edges), needs_grad, params)

    # The hot paths. Python calls with a fixed number of positional arguments are several times
    # cheaper than ``*args, **params`` ones, so the common arities have their own entry points,
    # which the PyTorch-level functions call directly; the results are the same as __call__'s.

    def apply2(self, x: Any, y: Any) -> Tensor:
        """``self(x, y)`` for a two-input primitive without parameters."""
        if detour:  # arraygrad.compile traces or the profiler times ops
            recording = _profiling.timing(self)
            if recording is not None:
                return recording.timed(self, self.apply2, (x, y), _NO_PARAMS)
            if _backend.tracer is not None:
                return self(x, y)
        if x.__class__ is Tensor or isinstance(x, Tensor):
            x_array = x._data
            x_edge = (x if x._node is None else x._node) if x._rg else None
        else:
            x_array = x
            x_edge = None
        if y.__class__ is Tensor or isinstance(y, Tensor):
            y_array = y._data
            y_edge = (y if y._node is None else y._node) if y._rg else None
            if x_array.__class__ is float and not self.exact_scalars:
                x_array = _backend.scalar_operand(x_array, y_array)
        else:
            y_array = y
            y_edge = None
            if y.__class__ is float and not self.exact_scalars:
                y_array = _backend.scalar_operand(y, x_array)
        try:  # (free in Python 3.11+ while nothing is raised)
            out = self.forward(_backend.xp, x_array, y_array)
        except MemoryError as error:  # PyTorch's OutOfMemoryError, a RuntimeError
            raise allocation_error(error) from None
        return self._result(
            out,
            (x, y),
            (x_array, y_array),
            (x_edge, y_edge),
            x_edge is not None or y_edge is not None,
            _NO_PARAMS,
        )

    def apply1(self, x: Tensor, params: dict[str, Any] = _NO_PARAMS) -> Tensor:
        """``self(x, **params)`` for a one-input primitive."""
        if detour:  # arraygrad.compile traces or the profiler times ops
            recording = _profiling.timing(self)
            if recording is not None:
                return recording.timed(self, self.apply1, (x,), params)
            if _backend.tracer is not None:
                return self(x, **params)
        x_array = x._data
        edge = (x if x._node is None else x._node) if x._rg else None
        try:  # (free in Python 3.11+ while nothing is raised)
            if params:
                out = self.forward(_backend.xp, x_array, **params)
            else:
                out = self.forward(_backend.xp, x_array)
                params = _NO_PARAMS
        except MemoryError as error:  # PyTorch's OutOfMemoryError, a RuntimeError
            raise allocation_error(error) from None
        return self._result(out, (x,), (x_array,), (edge,), edge is not None, params)

    def _result(
        self,
        out: Any,
        args: tuple[Any, ...],
        arrays: tuple[Any, ...],
        edges: tuple[Node | Tensor | None, ...],
        needs_grad: bool,
        params: dict[str, Any],
    ) -> Tensor:
        """The output tensor of a forward, with its Node when a gradient can flow."""
        if out.__class__ is not _backend.array_type:
            out = _backend.ensure_array(out)
        result = Tensor.__new__(Tensor)
        result._data = out
        if needs_grad and self.vjps is not None and grad_enabled.get():
            # Only what every backward reads is set here; hooks, retained grads and the freed
            # flag are class defaults, set on the rare nodes that need them.
            node = Node()
            node.prim = self
            node.params = params
            node.edges = edges
            node.shape = out.shape
            node.dtype = out.dtype
            node.epoch = _inplace_epoch
            if self.reads_inputs:
                node.inputs = args
                node.arrays = arrays
            else:
                # The rules need the shapes only of the inputs that get gradients: keeping
                # computed ones would hold their memory until backward (x @ w + b would keep
                # x @ w alive). Leaves and constants are kept (their owner holds them anyway,
                # and graph drawings show them).
                node.inputs, node.arrays = computed_as_nodes(args, arrays, edges)
            if self.reads_output:
                node.out = out
                node.out_version = result._version_counter = (
                    [0, 0] if result._version_counter is None else result._version_counter
                )
            else:
                node.out = node.out_version = None
            result._node = node
            result._rg = True
        else:
            result._node = None
            result._rg = False
        if self.view:  # shares memory and version counter with args[0]: see _view_history
            # (after the flags: one made in no_grad of a tensor that requires grad sets its own)
            _view_history.made_view(result, args[0], self, params, needs_grad)
        if rare_modes:  # a vmap, saved_tensors_hooks, a dual level, or inference_mode was used
            _rare_result(result, args, self, params)
        return result


def _rare_result(
    result: Tensor, args: tuple[Any, ...], prim: Primitive, params: dict[str, Any]
) -> None:
    """What a vmap, saved-tensor hooks, forward-mode AD, inference mode or anomaly detection
    add to an op's result: the vmap levels it is batched at, its node's saved values passed
    through the pack hook, its tangent, its mark as an inference tensor (or the refusal to save
    one), and its node's forward stack."""
    if inference_used:
        _inference.on_result(result, args, prim)
    if vmap_active:
        levels = batched_levels(args)
        if levels:
            result._vmap_levels = levels
    if saved_hooks_active and result._node is not None:
        from arraygrad.autograd._saved_hooks import pack_node

        pack_node(result._node, result)
    if forward_ad_active:
        from arraygrad.autograd.forward_ad import _propagate

        _propagate(prim, result, args, params)
    if anomaly_active and result._node is not None:
        from arraygrad.autograd.anomaly_mode import record_forward

        record_forward(result._node)


def on_raw_arrays(ns: Any) -> bool:
    """Whether a VJP rule called with the namespace ``ns`` runs on raw arrays (the backend's
    namespace), not on Tensors under ``create_graph`` (``ns`` is :mod:`arraygrad.ops`): only
    there may a rule read values into Python to pick its formula."""
    return getattr(ns, "__name__", None) != "arraygrad.ops"


def labelled(tensor: Tensor, name: str) -> Tensor:
    """``tensor`` (just made by a primitive), its backward node named ``name``: PyTorch's name
    for the function that made it, where arraygrad composes that function of a primitive with
    another name (``x.t()`` is ``TBackward0``, not ``PermuteBackward0``), so that ``grad_fn``
    reads as in PyTorch. Only the name changes; nothing is recorded differently."""
    node = tensor._node
    if node is not None:
        node.label = name
    return tensor


def labelled_result(name: str) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Decorator: :func:`labelled` on what a composite function returns, for one whose result is
    always a tensor it just made (never an input returned as is), as ``softmax``, named
    ``SoftmaxBackward0`` as in PyTorch rather than after its last primitive's ``DivBackward0``."""

    def decorate(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        @functools.wraps(fn)
        def named(*args: Any, **kwargs: Any) -> Tensor:
            return labelled(fn(*args, **kwargs), name)

        return named

    return decorate


def bump_version(tensor: Tensor) -> None:
    """Record an in-place write to ``tensor`` (and every view sharing its memory)."""
    global _inplace_epoch
    _inplace_epoch += 1
    counter = tensor._version_counter
    if counter is None:
        counter = tensor._version_counter = [0, 0]
    counter[0] += 1
    counter[1] = _inplace_epoch
    if no_grad_views_made:  # (rare: a view was made under no_grad of a tensor requiring grad)
        root = tensor._base
        if "_no_grad_views" in (tensor if root is None else root).__dict__:
            _view_history.invalidate_no_grad_views(tensor)
