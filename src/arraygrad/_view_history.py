"""Views and in-place writes with PyTorch's autograd semantics ("view + inplace").

A view (``x[1:]``, ``x.t()``, ``x.view(2, 2)``, ``x.expand(...)``) shares memory with its *root*
(the tensor that owns the memory; a view of a view has the same root) and the root's version
counter. So an in-place write to the root changes every view, and a write to a view changes the
root and its other views. PyTorch keeps the gradients consistent with the values:

- Every view's history is "these view steps applied to the root's *current* history". A view
  taken before a write to its root therefore differentiates through the write: with
  ``x = a * 1; v = x[:2]; x.mul_(2)``, ``v`` is ``(a * 2)[:2]`` and ``v.sum()`` gives
  ``a.grad == [2, 2, 0, 0]``.
- A recorded write to a view ``v`` of root ``r`` gives ``r`` the history "old ``r`` with ``v``'s
  elements replaced by ``op(old v)``" (PyTorch's ``CopySlices``): the replaced elements get no
  gradient from old ``r``, the new values send theirs to ``op``'s inputs. A root that required
  no gradient (``zeros(4)``) written through a view with a value that does, requires one from
  then on, and so does every view of it.

Each view remembers its *view steps from the root*: the view primitives (``basic_getitem``,
``reshape``, ``permute_dims``, ``broadcast_to``, ``unfold_windows``, ``diagonal_view``,
``as_strided``) with their parameters, so its history can be rebuilt by replaying them on the
root. Roots keep weak references to their views.

Lazy regeneration, as in PyTorch: a recorded write to a root or to one of its views marks the
views whose history was current stale, and a stale view rebuilds its history (a replay of its
few view steps) when it is next used (see :func:`regenerate`). arraygrad's hot paths
(``Primitive.apply1``/``apply2``) read ``tensor._node`` directly, with no check: a stale view
has that slot unset and the class :class:`_StaleView`, whose ``__getattr__`` does the rebuild.
Each view made appends one weak reference to its root's list (dead ones are pruned,
amortised; about 0.2 µs a view, most of it the weak reference), and a write visits only the
views made or rebuilt since the last one. Writes under ``no_grad`` or where nothing requires
grad change no history (the views' histories stay valid) and only bump the version counter.

The root's new history is a ``copy_slices`` node (``arraygrad.ops``) with ``index_put``'s
rules whose forward computes nothing: the new values are already in the root's memory, so an
``index_put`` (a copy of the whole root per write) would be wasted. The view's elements are
found in the root by replaying the steps on an index array (one basic-indexing step uses its
key directly).

Errors as in PyTorch (checked by :mod:`arraygrad._view_checks`): an in-place write to a view of
a leaf that requires grad, a recorded write to a view made under ``no_grad`` of a tensor that
requires grad, and an element-wise write into a tensor whose elements overlap in memory (an
expanded tensor). Overlapping ``unfold`` windows get that last error too, where PyTorch runs the
write with a result that depends on the order of its loop. ``x[key] = v`` with a basic key
writes through the view ``x[key]``, as PyTorch does (so into a view with repeated elements it
writes a region of distinct ones, and its cost is the region's, not ``x``'s), and a recorded
``fill_`` of a whole expansion is refused (PyTorch's backward refuses it).

>>> import arraygrad
>>> a = arraygrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
>>> x = a * 1
>>> v = x[:2]
>>> _ = x.mul_(2)
>>> v.sum().backward()
>>> a.grad.tolist()
[2.0, 2.0, 0.0, 0.0]
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import arraygrad as _ag
from arraygrad import _backend, _grad_mode
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, describe

if TYPE_CHECKING:
    from arraygrad._node import Node
    from arraygrad._primitive import Primitive

# View steps are stored flat, ``(name0, params0, name1, params1, ...)``: one tuple per view. The
# primitives' names, not the primitives, so that views pickle and deep-copy like other tensors.
Steps = tuple[Any, ...]

# The attributes live in the instance ``__dict__`` (ordinary tensors have none of them):
#   view: "_base" (the root), "_version_counter" (the root's), "_view_steps" (from the root),
#         "_view_no_grad" (made under no_grad from a tensor that requires grad; absent if not:
#         such a view requires grad, with an empty hook table and no history, see made_view),
#         "_view_detached" (a detach() of a view with repeated elements, see detached_view);
#   root: "_views" (a _ViewRefs of weak references to its views), "_no_grad_views" (True
#         once a view with "_view_no_grad" was made of it).
_MIN_LIMIT = 64
_ref = weakref.ref


class _ViewRefs(list):  # type: ignore[type-arg]
    """A root's weak references to its views; pruned of dead ones when it outgrows ``limit``.

    The entries from ``fresh`` on are the views whose history is the root's current one (made,
    or given their history again, since the root's last recorded write); a write marks just
    those stale (see :func:`regenerate`). A view given its history again is appended again, so
    a view may appear twice: once stale, once fresh.
    """

    __slots__ = ("fresh", "limit")

    fresh: int
    limit: int

    def __reduce__(self) -> Any:
        # A pickled or deep-copied root has no views yet (weak references do not pickle).
        return (_new_view_refs, ())


def _new_view_refs() -> _ViewRefs:
    views = _ViewRefs()
    views.limit = _MIN_LIMIT
    views.fresh = 0
    return views


def made_view(view: Any, base: Any, prim: Primitive, params: dict[str, Any], rg: bool) -> None:
    """Mark ``view`` (just made by the view primitive ``prim`` from ``base``) as a view.

    ``rg``: whether ``base`` requires grad. Called for every view made (``x[i]``), so it is
    kept to attribute stores, one weak reference and one append (``view``/``base`` are typed
    ``Any`` as these attributes are not declared on Tensor).
    """
    # Of the view primitives only a reshape copies (a layout that cannot take the shape); basic
    # indexing, permutations and expansions never do (other libraries' expansions are taken as
    # views, and writes into them are refused: see _refuse_expanded).
    if prim.name == "view" and not _backend.shares_memory(view._data, base._data):
        return  # a reshape that had to copy: not a view, as in PyTorch
    counter = base._version_counter
    if counter is None:
        counter = base._version_counter = [0, 0]
    view._version_counter = counter
    root = base._base
    if root is None:
        root = view._base = base
        view._view_steps = (prim.name, params)
    else:
        view._base = root
        view._view_steps = base._view_steps + (prim.name, params)
    if (rg and not grad_enabled.get()) or "_view_no_grad" in base.__dict__:
        # A view of such a view is one too, as in PyTorch; made in inference mode, its error
        # says so (see _view_checks._no_grad_view_error), even for a view of a view made in
        # no_grad (PyTorch's inference mode wins over no_grad, not the other way round).
        mode = base.__dict__.get("_view_no_grad")
        if mode != "inference" and _grad_mode.inference_used and _grad_mode.inference_enabled.get():
            mode = "inference"
        elif mode is None:
            mode = True
        view._view_no_grad = mode
        # Any later write to its memory makes it unusable in grad mode (see
        # invalidate_no_grad_views): its root says it has such views, for the writes to look.
        root.__dict__["_no_grad_views"] = True
        _ag._primitive.no_grad_views_made = True
        if rg and view._node is None and root._rg:
            # It requires grad, as in PyTorch (its root does), but no gradient reaches it or its
            # base: its uses are recorded, and what they send it goes nowhere (PyTorch gives it
            # no gradient accumulator). A hook table routes it to the engine's leaf path, where
            # that is done (autograd._delivery.deliver_to_leaf).
            view._rg = True
            view._hooks = OrderedDict()
    multi = base._view_multi
    if multi is not None:  # a view of an output of split, chunk or unbind
        view._view_multi = multi
    _listed(root, view)


def _listed(root: Tensor, view: Tensor) -> None:
    """Append ``view`` to ``root``'s list of views (as current: the next write marks it)."""
    views = root.__dict__.get("_views")
    if views is None:
        views = root.__dict__["_views"] = _new_view_refs()
    views.append(_ref(view))
    if len(views) > views.limit:
        _prune(views)


_view_primitives: dict[str, Primitive] = {}  # by name, filled on first use (ops imports us)
# The view steps that change the dtype (a complex tensor's parts, its real pairs and back): a
# recorded write through them is rebased by arraygrad._complex_views.
_RETYPING = frozenset(("real", "imag", "view_as_real", "view_as_complex"))


def pairs(steps: Steps) -> Any:
    """``(primitive, params)`` for each step."""
    prims = _view_primitives
    if not prims:
        from arraygrad import ops

        for prim in (
            ops.basic_getitem,
            ops.reshape,
            ops.permute_dims,
            ops.broadcast_to,
            ops.unfold_windows,
            ops.diagonal_view,
            ops.as_strided,
            ops.complex_ops.real,
            ops.complex_ops.imag,
            ops.complex_ops.view_as_real,
            ops.complex_ops.view_as_complex,
        ):
            prims[prim.name] = prim
    return zip([prims[name] for name in steps[::2]], steps[1::2], strict=True)


def write_through(target: Tensor) -> None:
    """After a write into ``target``'s array, give its root and the root's other live views
    the written values, on a library whose views hold values of their own
    (``_backend.views_are_copies``: Dask's, whose arrays are graphs, not memory). Elsewhere
    views share their root's memory and see writes as they happen."""
    root = target._base
    if root is None:
        root = target
    else:
        key = _region_key(root, target.__dict__["_view_steps"], target._data)
        _backend.set_at(root._data, key, target._data)
    for view in live_views(root):
        if view is not target:
            array = root._data
            for prim, params in pairs(view.__dict__["_view_steps"]):
                array = prim.forward(_backend.xp, array, **params)
            _backend.assign(view._data, array)


def _prune(views: _ViewRefs) -> None:
    # One entry per live view, its last (a view rebuilt since it was marked stale is listed
    # again, fresh). Amortised: the next prune waits until the list has doubled.
    last: dict[int, int] = {}
    for index, ref in enumerate(views):
        view = ref()
        if view is not None:
            last[id(view)] = index
    kept = sorted(last.values())
    stale = sum(1 for index in kept if index < views.fresh)
    views[:] = [views[index] for index in kept]
    views.fresh = stale
    views.limit = max(_MIN_LIMIT, 2 * len(views))


def live_views(root: Tensor) -> list[Tensor]:
    """The views of ``root`` still alive, each once (pruning the list of the others)."""
    views = root.__dict__.get("_views")
    if not views:
        return []
    _prune(views)  # one entry per live view
    return [view for view in (ref() for ref in views) if view is not None]


# --- replaying view steps ----------------------------------------------------------------------


def element_positions(shape: tuple[int, ...], steps: Steps) -> Any:
    """The view's elements as flat (C-order) positions in its root of ``shape``: the view
    primitives' own forwards replayed on the index array ``arange(numel).reshape(shape)``."""
    xp = _backend.xp
    positions = xp.reshape(xp.arange(math.prod(shape), dtype=xp.int64), shape)
    for prim, params in pairs(steps):
        positions = prim.forward(xp, positions, **params)
    return positions


def _region_key(root: Tensor, steps: Steps, view: Any) -> Any:
    """An index into ``root`` whose result is the elements of its view ``view`` (an array), in
    the view's shape."""
    ops = _ag.ops
    if len(steps) == 2 and steps[0] == ops.basic_getitem.name:
        return steps[1]["key"]
    root_shape = tuple(root._data.shape)
    if not root_shape:  # a view of a 0-d root: its one element, in the view's shape of ones
        return (None,) * len(view.shape)
    # Read from the view's memory layout where the backend can (the view's size of work),
    # else the steps replayed on the root's positions (the root's size).
    positions = _backend.memory_positions(view, root._data)
    if positions is None:
        if _backend.is_numpy and ops.as_strided.name in steps[::2]:
            # as_strided's strides are the memory's; replayed on positions in C order they
            # would pick other elements of a root laid out otherwise (Fortran order).
            raise RuntimeError(
                "a recorded in-place write through an as_strided view of a tensor whose memory "
                f"is not in C order (shape {list(root_shape)}, strides "
                f"{list(root.stride())}) is not supported. Fix: make the base contiguous "
                "first (x = x.contiguous()), or write without recording (under no_grad)."
            )
        positions = element_positions(root_shape, steps)
    key = []
    step = 1
    for size in reversed(root_shape):
        key.append((positions // step) % size)
        step *= size
    key.reverse()
    if not _backend.is_numpy:
        return tuple(_backend.asarray(part) for part in key)
    return tuple(key)


def _replay(root: Tensor, steps: Steps) -> Tensor:
    """The view of ``root`` that ``steps`` make, recorded as ordinary view primitives."""
    if len(steps) == 2 and _view_primitives:  # one step (most views): no pairing needed
        return _view_primitives[steps[0]].apply1(root, steps[1])
    out = root
    for prim, params in pairs(steps):
        out = prim.apply1(out, params)
    return out


def regenerate(root: Tensor, written: bool = True) -> None:
    """Give the live views of ``root`` the history "their view steps on ``root``'s history",
    when next used: ``root``'s history changed (a recorded write, or ``requires_grad_()``,
    where ``written`` is false).

    Those views are marked stale: their ``_node`` and ``_rg`` unset, their class
    :class:`_StaleView`, whose ``__getattr__`` rebuilds them when either is next read (a
    ``Tensor`` again), as PyTorch rebuilds a view's ``grad_fn`` when it is next used. Views
    already stale are not visited again, so a loop that writes into a buffer through views
    (``h[t] = f(h[t - 1])``), whose graph keeps every view alive, costs the same per step
    however long it runs.
    """
    views = root.__dict__.get("_views")
    if not views:
        return
    with lock:  # never between a refresh's new history and its class (see refresh)
        for ref in views[views.fresh :]:
            view = ref()
            if view is None:
                continue
            state = view.__dict__
            if "_view_no_grad" in state or (written and "_view_multi" in state):
                # Made under no_grad from a root that requires grad (its history is
                # ambiguous), or one of several views one function returned (split, chunk,
                # unbind: their one backward node cannot be rebuilt for one of them) and the
                # memory it shows was written: PyTorch refuses to use it in grad mode from now
                # on; see _StaleView.
                state["_view_invalid"] = True
                if type(view) is not _StaleView:
                    # Kept as torch keeps such a view's grad_fn field: .grad, retains_grad and
                    # output_nr still read it (see recorded_node); its retained gradient, if
                    # any, is still filled by passes through it.
                    state["_view_old_node"] = view._node
            elif type(view) is not _StaleView:
                node = view._node
                if node is not None and node.retained is not None:
                    # retain_grad() moves to the history the view gets next (move_retained).
                    node.retained = None
                    view.__dict__["_retains_grad"] = True
            _mark_stale(view)
        views.fresh = len(views)


def _mark_stale(view: Any) -> None:
    """Give ``view`` the class :class:`_StaleView` and unset its history. Under lock."""
    # The class first: interrupted between the two, the view is still usable.
    view.__class__ = _StaleView
    # (try, not contextlib.suppress: a context manager per view costs more than the rest of
    # the marking, on every recorded write)
    try:  # noqa: SIM105
        del view._node, view._rg
    except AttributeError:  # listed twice: already marked
        pass


def invalidate_no_grad_views(target: Tensor) -> None:
    """After a write to ``target``'s memory that changed no history (under no_grad): make the
    views of its root made under no_grad from a tensor that requires grad unusable in grad mode,
    as PyTorch, which finds their version moved when it next reads their ``grad_fn`` and
    refuses ("its base or another view of its base has been modified inplace"). Recorded writes
    mark them in :func:`regenerate`."""
    root = target._base
    if root is None:
        root = target
    with lock:
        for view in live_views(root):
            if "_view_no_grad" in view.__dict__ and "_view_invalid" not in view.__dict__:
                view.__dict__["_view_invalid"] = True
                _mark_stale(view)


def refresh(view: Any) -> None:
    """Rebuild the history of the view ``view`` that a change of its root's made stale (see
    :func:`regenerate`), in grad mode whatever the mode now: the write it follows was recorded."""
    with lock:
        if type(view) is not _StaleView or "_view_invalid" in view.__dict__:
            return  # another thread rebuilt it first, or it has no history to rebuild
        rebuild(view, view.__dict__["_base"])


def rebuild(view: Any, root: Tensor) -> None:
    """Give ``view`` its history from ``root``'s, in grad mode whatever the mode now, and make
    it a plain ``Tensor`` again (last: interrupted before, it is still usable). Under lock."""
    token = grad_enabled.set(True)
    try:
        _take_history(view, root)
    finally:
        grad_enabled.reset(token)
    view.__class__ = Tensor


def refresh_stale(root: Tensor) -> None:
    """Rebuild now the histories of ``root``'s stale views (before ``root.data`` is replaced:
    their steps describe the array they view, not the new one)."""
    for view in live_views(root):
        if type(view) is _StaleView:
            refresh(view)


# Marking stale and rebuilding exclude each other: a thread's write between another's rebuilt
# history and its class change would leave a view with neither. Reentrant: a rebuild replays
# view ops, which may make and mark nothing, but take the lock again harmlessly.
lock = threading.RLock()


class _StaleView(Tensor):
    """The class of a view while its history is stale (see :func:`regenerate`).

    A class of its own, not a ``__getattr__`` on :class:`Tensor`: a class with ``__getattr__``
    makes Python look up every attribute of its instances the slow way, and tensors' slots are
    read on every operation. Instances exist only between a write to the root and the view's
    next use, which reads ``_node`` or ``_rg`` and makes it a ``Tensor`` again.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name == "_node" or name == "_rg":
            if "_view_invalid" in self.__dict__:
                return _invalid_view_attribute(self, name)
            refresh(self)
            return object.__getattribute__(self, name)
        raise AttributeError(f"'Tensor' object has no attribute {name!r}", name=name, obj=self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        if "_view_invalid" in self.__dict__:  # its values, as a tensor of its own
            return Tensor._wrap(self._data, True).__reduce_ex__(protocol)
        refresh(self)  # pickled and copied as the tensor it is
        return self.__reduce_ex__(protocol)


def _invalid_view_attribute(view: Any, name: str) -> Any:
    """``_rg`` or ``_node`` of a view made under no_grad, or of an output of split, chunk or
    unbind (or a view of one), whose root was then written in grad mode: as in PyTorch, it
    requires grad, and its history may be used under no_grad only."""
    if name == "_rg":
        return True
    if grad_enabled.get():
        raise _invalid_view_error(view)
    return None


def recorded_node(tensor: Tensor) -> Any:
    """``tensor``'s node as PyTorch's ``grad_fn`` field holds it, which ``.grad``,
    ``retains_grad`` and ``output_nr`` read: for a view whose history may no longer be used
    (see :func:`_invalid_view_attribute`, where reading ``_node`` raises) the one it had
    before the write, not an error."""
    if type(tensor) is _StaleView and "_view_invalid" in tensor.__dict__:
        return tensor.__dict__.get("_view_old_node")
    return tensor._node


def refuse_invalid_view(tensor: Tensor) -> None:
    """Raise PyTorch's error where ``tensor`` is such a view (see
    :func:`_invalid_view_attribute`) and a backward pass starts from it or asks for its
    gradient: the engine runs without grad mode, where reading its ``_node`` gives ``None``
    (a leaf, which no gradient would reach), but PyTorch refuses in any mode."""
    if type(tensor) is _StaleView and "_view_invalid" in tensor.__dict__:
        raise _invalid_view_error(tensor)


def _invalid_view_error(view: Any) -> RuntimeError:
    multi = view.__dict__.get("_view_multi")
    if multi is not None and "_view_no_grad" not in view.__dict__:
        function, index = multi
        return RuntimeError(
            f"Output {index} of {function} is a view and its base or another view of its base "
            "has been modified inplace. This view is the output of a function that returns "
            "multiple views. Such functions do not allow the output views to be modified "
            "inplace. You should replace the inplace operation by an out-of-place one. "
            f"({describe(view)}.) Fix: take the pieces again after the write, or write before "
            "splitting."
        )
    if view.__dict__.get("_view_no_grad") == "inference":  # made inside inference_mode
        made, written, block = "inference mode", "in normal mode", "inference_mode"
    else:
        made, written, block = "no_grad mode", "with grad mode enabled", "no_grad"
    return RuntimeError(
        f"A view was created in {made} and its base or another view of its base has "
        f"been modified inplace {written}. Given that this use case is "
        "ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
        f"both the view and the inplace either both inside the {block} block (if you don't "
        "want the inplace to be tracked) or both outside (if you want the inplace to be "
        f"tracked). ({describe(view)}.) Fix: take the view again after the write, or use "
        f"it inside {block}."
    )


_StaleView.__name__ = _StaleView.__qualname__ = "Tensor"  # as printed in type(v) and errors


def _take_history(view: Tensor, root: Tensor) -> None:
    """Give ``view`` the history of its view steps replayed on ``root``'s (now current: listed
    as fresh, for the root's next write to mark stale)."""
    replayed = _replay(root, view.__dict__["_view_steps"])
    view._node = replayed._node
    view._rg = replayed._rg
    if view.__dict__.pop("_retains_grad", False) and view._node is not None:
        view._node.retained = _ref(view)
    _listed(root, view)


def move_retained(tensor: Tensor, old: Node | None) -> None:
    """``tensor`` got a new history in place (``old`` was its node): as PyTorch does, a
    ``retain_grad()`` moves to the new node, so ``.grad`` is the gradient of the tensor's
    latest value (hooks stay with the old one, as in PyTorch)."""
    if old is not None and old.retained is not None and old.retained() is tensor:
        old.retained = None
        if tensor._node is not None:
            tensor._node.retained = _ref(tensor)


def detached_view(out: Tensor, view: Tensor) -> None:
    """Make ``out``, ``view.detach()`` of a view whose elements may share memory (an
    expansion, overlapping windows), a view of the same memory for the checks of in-place
    writes (an element-wise write into repeated elements raises, as in PyTorch). It takes no
    part in histories: its root does not list it, and it never gets one."""
    out._base = view._base
    out.__dict__.update(_view_steps=view.__dict__["_view_steps"], _view_detached=True)


def rebase(target: Tensor, result: Tensor) -> None:
    """Record that ``target``'s memory now holds ``result`` (computed out of place from
    ``target``'s old value, recorded): set the histories of ``target``, its root and every
    live view of that root."""
    # A detach() of a view with repeated elements keeps its root only for the overlap checks
    # (see detached_view): its history is its own, and its root's is not touched.
    root = None if "_view_detached" in target.__dict__ else target._base
    tracer = _backend.tracer
    if tracer is not None:
        outside = tracer.entry.keys() | tracer.arg_refs.keys()
        if id(target) in outside or (root is not None and id(root) in outside):
            # arraygrad.compile replays array calls, not histories: the new history of a tensor
            # that outlives the call would be missing after every replay.
            tracer.untraceable(
                "an in-place write recorded into the history of a tensor from outside the "
                "function (an argument or captured tensor that is part of a graph)"
            )
    if root is None:
        old = target._node
        target._node = result._node
        target._rg = result._rg
        move_retained(target, old)
        if target.__dict__.get("_views"):
            regenerate(target)
        return
    ops, labelled = _ag.ops, _ag._primitive.labelled
    if not root._data.shape and 0 in target._data.shape:
        # An empty view of a 0-d root (``s[None][1:]``), which no index of a 0-d array can
        # select: the write changed no element, but the root now depends on what was written
        # (PyTorch's CopySlices), which gets an empty gradient.
        if not (result._rg or root._rg):
            return
        new_root = labelled(root + ops.sum(result) * 0.0, "CopySlices")
    else:
        steps = target.__dict__["_view_steps"]
        if any(name in _RETYPING for name in steps[::2]):
            from arraygrad._complex_views import retyped_copy_slices

            new_root = retyped_copy_slices(root, steps, target, result)
        else:
            key = _region_key(root, steps, target._data)
            new_root = ops.copy_slices(root, result, key=key)
    old = root._node
    root._node = new_root._node
    root._rg = new_root._rg
    move_retained(root, old)
    regenerate(root)  # target included
