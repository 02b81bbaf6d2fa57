"""Views of a tensor whose own layout or memory changes in place: shape ops in place (``t_``,
``squeeze_``, ``as_strided_``...) and ``set_``.

Separate from :mod:`arraygrad._view_history`, which keeps each view's history current as the
values it views are written: here the geometry itself changes, so a view's steps from its root
are restated (a root's views get the inverse of its new steps first), or a tensor stops being
a view (``set_``) and leaves its own views to a stand-in that keeps the old memory.
"""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad._view_history import Steps, live_views, lock, pairs, rebuild


def restate(view: Tensor) -> None:
    """Give the view ``view`` the history of its view steps on its root's history, as its own
    shape changed in place without a record (``v.t_()`` under ``no_grad``): PyTorch rebuilds
    such a view's history from its new geometry when it is next used."""
    root = view._base
    attrs = view.__dict__
    if root is None or attrs.get("_view_no_grad") or attrs.get("_view_detached"):
        return
    with lock:
        rebuild(view, root)


def restrided(target: Tensor, source: Tensor, result: Tensor) -> None:
    """``target`` becomes ``result``, the view of ``source`` (``target`` or a stand-in for it)
    made by a shape op in place (``t_``, ``squeeze_``, ...): extend its view steps, or, for a
    root, restate its views' steps from the new shape. Call before ``target._data`` changes."""
    if result is source:
        return
    have = len(source.__dict__.get("_view_steps", ())) if source._base is not None else 0
    new = result.__dict__.get("_view_steps", ())[have:]
    if not new:
        return
    attrs = target.__dict__
    if target._base is not None:
        attrs["_view_steps"] = attrs["_view_steps"] + new
        return
    # result (a view of target itself when nothing is recorded) is discarded by the caller
    views = [view for view in live_views(target) if view is not result]
    if not views:  # nothing to restate (as_strided_, whose step has no inverse, needs this)
        return
    undo = _inverse(tuple(target._data.shape), new)
    for view in views:
        view.__dict__["_view_steps"] = undo + view.__dict__["_view_steps"]


def _inverse(shape: tuple[int, ...], steps: Steps) -> Steps:
    """Steps that undo ``steps`` (reshapes and permutations) applied to a tensor of ``shape``."""
    from arraygrad import ops

    undo: list[Steps] = []
    for prim, params in pairs(steps):
        if prim is ops.reshape:
            undo.append((prim.name, {"shape": shape}))
            shape = tuple(params["shape"])
        elif prim is ops.permute_dims:
            axes = params["axes"]
            inverse = [0] * len(axes)
            for position, axis in enumerate(axes):
                inverse[axis] = position
            undo.append((prim.name, {"axes": tuple(inverse)}))
            shape = tuple(shape[axis] for axis in axes)
        else:  # as_strided_ on a tensor that has views: its new layout has no inverse
            raise NotImplementedError(
                f"cannot undo view step {prim.name}: arraygrad cannot restate the views of a "
                "tensor whose layout as_strided_ changed. Fix: call as_strided_ before taking "
                "views of the tensor, or use as_strided (a new view)."
            )
    return tuple(part for step in reversed(undo) for part in step)


def release(tensor: Tensor) -> None:
    """``tensor`` is about to view other memory (``set_``): it stops being a view of its root,
    and its own live views, which keep the old memory as in PyTorch, become views of a
    stand-in that holds that memory and ``tensor``'s history until now."""
    attrs = tensor.__dict__
    root = attrs.get("_base")
    if root is not None:
        tensor._node  # noqa: B018 - a stale history is rebuilt (from the root) before leaving
        views = root.__dict__.get("_views")
        if views:
            with lock:
                fresh = sum(1 for ref in views[: views.fresh] if ref() is not tensor)
                views[:] = [ref for ref in views if ref() is not tensor]
                views.fresh = fresh
        for name in ("_base", "_view_steps", "_view_no_grad", "_view_multi", "_view_detached"):
            attrs.pop(name, None)
        return
    views = live_views(tensor)
    if not views:
        attrs.pop("_views", None)
        return
    stand_in = Tensor._wrap(tensor._data, tensor._rg)
    stand_in._node = tensor._node
    stand_in._version_counter = tensor._version_counter
    stand_in.__dict__["_views"] = attrs.pop("_views")
    for view in views:
        view.__dict__["_base"] = stand_in
