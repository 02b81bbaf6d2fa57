"""``vmap`` and ``stack_module_state`` of :mod:`arraygrad.func` (``torch.func``'s names).

``vmap(f)(x)`` is ``stack([f(x[i]) for i in range(len(x))])``: this module computes exactly
that, calling ``f`` once per slice of the mapped inputs and stacking what it returns. The
results and their gradients are PyTorch's; the speed is that of a Python loop (there are no
batching rules that would run ``f`` once on the whole batch).

PyTorch's checks that depend on which tensors it holds batched are made by marking tensors:
each call is a "level" with a unique id, the slices are marked with it, and every primitive's
result inherits the marks of its inputs while a vmap runs (``_primitive.batched_levels``).
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import arraygrad
from arraygrad import _backend, _primitive
from arraygrad._backend import random as _random
from arraygrad._pytree import tree_flatten, tree_unflatten
from arraygrad._tensor import Tensor

__all__ = ["stack_module_state", "vmap"]

_RANDOMNESS = ("error", "different", "same")
_level_ids = itertools.count(1)


class _StructureError(Exception):
    """Dims (in_dims or out_dims) whose structure is not a prefix of the values'."""


def _dims_per_leaf(dims: Any, tree: Any) -> list[Any]:
    """One dim per leaf of ``tree``: ``dims`` has ``tree``'s structure down to where it has a
    single value (an int, None), which then holds for every leaf below."""
    if isinstance(dims, (tuple, list)):
        if type(tree) is not type(dims) or len(tree) != len(dims):
            raise _StructureError
        return [d for sub, item in zip(dims, tree, strict=True) for d in _dims_per_leaf(sub, item)]
    if isinstance(dims, dict):
        if not isinstance(tree, dict) or set(tree) != set(dims):
            raise _StructureError
        # Each key's dims spread over that key's values, but listed in the order of dims' keys
        # and then paired with the leaves in the order of tree's, as PyTorch 2.13 does:
        # in_dims={"b": None, "a": 0} for {"a": x, "b": y} maps y, not x. (Dicts written with
        # their keys in the same order pair by key.)
        return [d for key in dims for d in _dims_per_leaf(dims[key], tree[key])]
    return [dims] * len(tree_flatten(tree)[0])


def _structure(tree: Any) -> str:
    """``tree``'s shape as PyTorch's error messages draw it (``*`` for a leaf), on one line."""
    if isinstance(tree, (tuple, list)):
        inner = ", ".join(_structure(item) for item in tree)
        return f"TreeSpec({type(tree).__name__}, None, [{inner}])"
    if isinstance(tree, dict):
        inner = ", ".join(_structure(item) for item in tree.values())
        return f"TreeSpec(dict, {list(tree)}, [{inner}])"
    return "*"


def _bad_out_dims(name: str, out_dims: Any) -> ValueError:
    return ValueError(
        f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python "
        "collection of ints representing where in the outputs the vmapped dimension should "
        "appear."
    )


def _name(func: Any) -> str:
    return getattr(func, "__name__", repr(func))


def _is_dim(value: Any) -> bool:
    return isinstance(value, int) or value is None


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """``func`` mapped over dimension ``in_dims`` of its inputs, its results stacked along
    ``out_dims``: ``vmap(f)(x)`` equals ``stack([f(x[i]) for i in range(x.shape[0])])``.

    ``in_dims``: an int (or None) for every positional argument, or a tuple with one entry
    per argument, each an int, None (not mapped: passed whole to every call) or a nested
    tuple/list/dict matching the argument. Keyword arguments are never mapped. ``out_dims``
    likewise for the outputs, which may be nested tuples/lists/dicts of tensors; None for an
    output that does not depend on the mapped inputs returns it as it is. Negative dims count
    from the end. Calls nest (``vmap(vmap(f))``) and compose with the other transforms
    (``vmap(grad(f))``, ``vmap(jacrev(f))``, ``grad`` of a function calling ``vmap``).

    ``randomness``: what a random draw inside ``func`` does: ``"error"`` refuses it,
    ``"different"`` draws independently for each slice, ``"same"`` draws once and gives every
    slice the same numbers (the generator advances as for one call). ``chunk_size`` (None or
    positive) groups the slices in PyTorch; the results are the same for every value.

    arraygrad runs ``func`` once per slice, in a Python loop, and stacks the results: the
    values and gradients are PyTorch's, the speed is that of the loop (there are no batching
    rules). PyTorch's errors are raised where the mapped tensors would show as batched: an
    in-place write of a value computed from the slices into a tensor that is not (one
    captured from outside ``func``), or such an output where ``out_dims`` is None.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> vmap(lambda row: row.dot(row))(x)
    tensor([ 5., 25.])
    >>> vmap(lambda a, b: a * b, in_dims=(1, None))(x, arraygrad.tensor(10.0))
    tensor([[10., 30.],
            [20., 40.]])
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
            ". Fix: pass randomness='error', 'different' or 'same'."
        )
    if chunk_size is not None and not chunk_size > 0:
        raise ValueError(
            f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})"
            ". Fix: pass chunk_size=None to map all at once, or a positive int."
        )

    @functools.wraps(func)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        return _run(func, in_dims, out_dims, randomness, args, kwargs)

    return mapped


def _mapped_inputs(
    func: Any, in_dims: Any, args: tuple[Any, ...]
) -> tuple[list[Any], Any, list[Any], int]:
    """The leaves of ``args``, their spec, the dim of each (normalized, None where not
    mapped) and the batch size, with PyTorch's checks."""
    name = _name(func)
    if not args:
        raise ValueError(
            f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
            "trying to vmap over a function with no inputs. The latter is unsupported."
            " Fix: call the vmapped function with at least one tensor argument."
        )
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(
            f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching "
            f"the structure of inputs, got: {type(in_dims)}."
            " Fix: pass in_dims as an int, or a tuple with one entry (int or None) "
            "per positional input."
        )
    leaves, spec = tree_flatten(args)
    try:
        dims = _dims_per_leaf(in_dims, args) if isinstance(in_dims, tuple) else None
    except _StructureError:
        raise ValueError(
            f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
            f"structure {_structure(in_dims)} but inputs has structure {_structure(args)}."
            " Fix: give in_dims the same nesting as the positional inputs, one entry "
            "per input."
        ) from None
    if dims is None:
        dims = [in_dims] * len(leaves)
    sizes = []
    for position, (leaf, dim) in enumerate(zip(leaves, dims, strict=True)):
        if dim is None:
            continue
        if not isinstance(dim, int):
            raise ValueError(
                f"{where}: Got in_dim={dim} for an input but in_dim must be either an integer "
                "dimension or None."
                " Fix: pass an int dimension, or None for an input that is not mapped."
            )
        if not isinstance(leaf, Tensor):
            raise ValueError(
                f"{where}: Got in_dim={dim} for an input but the input is of type "
                f"{type(leaf)}. We cannot vmap over non-Tensor arguments, please use None as "
                "the respective in_dim"
                ". Fix: use None as the in_dim of non-tensor inputs."
            )
        ndim = leaf.ndim
        if not -ndim <= dim < ndim:
            raise ValueError(
                f"{where}: Got in_dim={dim} for some input, but that input is a Tensor of "
                f"dimensionality {ndim} so expected in_dim to satisfy -{ndim} <= in_dim < "
                f"{ndim}."
                f" Fix: pass an in_dim in [{-ndim}, {ndim - 1}] for this input."
            )
        if dim.__class__ is bool:  # PyTorch reads the size with it, which takes no bool
            raise TypeError(
                "size(): argument 'dim' (position 1) must be int, not bool"
                ". Fix: pass the mapped dimension as an int (0, not False)."
            )
        dims[position] = dim % ndim
        sizes.append(leaf.shape[dim])
    if not sizes:
        raise ValueError(
            "vmap: Expected at least one Tensor to vmap over"
            ". Fix: give at least one tensor input an int in_dim (in_dims=None maps "
            "nothing)."
        )
    if any(size != sizes[0] for size in sizes):
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
            ". Fix: map dimensions of equal size, or use None as the in_dim of "
            "inputs shared by every slice."
        )
    return leaves, spec, dims, sizes[0]


class _RandomWatch:
    """What a running vmap level does when ``func`` draws random numbers (see
    :data:`arraygrad._backend.random.draw_watchers`). Draws made by other threads are theirs:
    PyTorch's vmap neither refuses nor replays them."""

    def __init__(self, randomness: str) -> None:
        self.randomness = randomness
        self.thread = threading.get_ident()
        # "same": each generator drawn from, with its state before its first draw
        self.states: dict[int, tuple[Any, Any]] = {}

    def __call__(self, generator: Any) -> None:
        if threading.get_ident() != self.thread:
            return
        if self.randomness == "error":
            raise RuntimeError(
                "vmap: called random operation while in randomness error mode. Please either "
                "use the 'same' or 'different' randomness flags on vmap or perform the "
                "randomness operation out of vmap"
                ". Fix: pass randomness='different' or 'same' to vmap, or draw the "
                "random values outside vmap."
            )
        if id(generator) not in self.states:
            self.states[id(generator)] = (generator, _backend.generator_state(generator))

    def rewind(self) -> None:
        """Put every generator drawn from so far back where it was before the first slice."""
        for generator, state in self.states.values():
            _backend.set_generator_state(state, generator)


def _run(
    func: Callable[..., Any],
    in_dims: Any,
    out_dims: Any,
    randomness: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    leaves, spec, dims, size = _mapped_inputs(func, in_dims, args)
    if not (_is_dim(out_dims) or isinstance(out_dims, (tuple, list, dict))):
        raise _bad_out_dims(_name(func), out_dims)  # before func runs, as in PyTorch
    level = next(_level_ids)
    watch = None if randomness == "different" else _RandomWatch(randomness)

    def sliced(index: int | None) -> tuple[Any, ...]:
        items = []
        for leaf, dim in zip(leaves, dims, strict=True):
            if dim is None:
                items.append(leaf)
                continue
            if index is None:
                # No slices (a batch of 0): func still runs once, as in PyTorch, on a slice's
                # shape. The sum over the empty dim is zeros of that shape, on leaf's graph.
                item = leaf.sum(dim).to(leaf.dtype)
            else:
                item = leaf.select(dim, index)
            item._vmap_levels = leaf._vmap_levels | {level}
            items.append(item)
        return tree_unflatten(items, spec)

    results = []
    _primitive.enter_vmap(level, size)
    if watch is not None:
        _random.draw_watchers.append(watch)
    try:
        for index in range(size) if size else [None]:
            if watch is not None and index:
                watch.rewind()
            results.append(func(*sliced(index), **kwargs))
    finally:
        if watch is not None:
            _random.draw_watchers.remove(watch)
        _primitive.exit_vmap(level)
    return _stacked(func, out_dims, results, level, size)


def _same_values(a: Any, b: Any) -> bool:
    """Whether two outputs of ``func`` for an out_dim of None are the same value."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        if a is b:
            return True
        try:
            return bool(a == b)
        except (TypeError, ValueError, RuntimeError):  # no single truth value: not provably equal
            return False
    if a is b:
        return True
    if a.shape != b.shape or a.dtype is not b.dtype:
        return False
    xp = _backend.xp
    equal = xp.equal(a._data, b._data)
    if a.dtype.is_floating_point:
        equal = equal | (xp.isnan(a._data) & xp.isnan(b._data))  # NaN where NaN is the same
    return bool(xp.all(equal))


def _stacked(func: Any, out_dims: Any, results: list[Any], level: int, size: int) -> Any:
    """The outputs of the calls of one vmap (``results``, one per slice), stacked along
    ``out_dims``."""
    name = _name(func)
    first = results[0]
    leaves, spec = tree_flatten(first)
    per_call = [leaves]
    for result in results[1:]:
        other_leaves, other_spec = tree_flatten(result)
        if other_spec != spec:
            raise RuntimeError(
                f"vmap({name}, ...): `{name}` returned outputs of different structures for "
                "different slices. Fix: return the same structure for every input."
            )
        per_call.append(other_leaves)
    dims_given = out_dims
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and spec.is_leaf():
        dims_given = out_dims[0]  # PyTorch takes (d,) for a single output
    try:
        dims = _dims_per_leaf(dims_given, first)
    except _StructureError:
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
            f"the structure of `outputs`. out_dims has structure {_structure(out_dims)} but "
            f"outputs has structure {_structure(first)}."
            " Fix: give out_dims the same nesting as the outputs, one entry per "
            "output."
        ) from None
    running = {level, *_primitive.vmap_running.levels}
    stacked = []
    for position, dim in enumerate(dims):
        column = [leaves[position] for leaves in per_call]
        if dim is None:
            batched = any(
                isinstance(value, Tensor) and value._vmap_levels & running for value in column
            )
            # A value marked unbatched that still differs between slices was computed outside
            # the ops that mark (a random draw, raw array code): it is batched all the same.
            if batched or not all(_same_values(column[0], value) for value in column[1:]):
                raise ValueError(
                    f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is "
                    "None"
                    ". Fix: pass an int out_dim for this output, or return a value that does "
                    "not depend on the mapped inputs."
                )
            stacked.append(column[0])
            continue
        if not _is_dim(dim):
            raise _bad_out_dims(name, out_dims)
        for value in column:
            if not isinstance(value, Tensor):
                raise ValueError(
                    f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                    f"{type(value)}. Did you mean to set out_dims= to None for output?"
                    " Fix: set out_dims=None for non-tensor outputs, or return tensors."
                )
        rank = column[0].ndim + 1
        if not -rank <= dim < rank:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but "
                f"got {dim})"
                f". Fix: pass an out_dim in [{-rank}, {rank - 1}]."
            )
        if size:
            out = arraygrad.stack(column, dim=dim)
        else:  # the one call on a slice's shape: its output with a mapped dim of 0
            out = column[0].unsqueeze(dim).narrow(dim, 0, 0)
        if _primitive.vmap_running.levels:  # within an outer vmap: batched at its levels only
            out._vmap_levels = _primitive.batched_levels(column) - {level}
        stacked.append(out)
    return tree_unflatten(stacked, spec)


def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The parameters and the buffers of ``models`` (modules of one class, all training or all
    evaluating) stacked along a new first dimension, as two dicts keyed by ``state_dict``
    names: the state of an ensemble, for ``vmap`` over :func:`functional_call`.

    The stacked parameters are new leaves, detached from the models, that require grad where
    the models' parameters do (an optimizer can train them); the stacked buffers do not.

    >>> import arraygrad
    >>> import arraygrad.nn as nn
    >>> params, buffers = stack_module_state([nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].is_leaf, params["weight"].requires_grad
    (arraygrad.Size([4, 2, 3]), True, True)
    """
    if len(models) == 0:
        raise RuntimeError(
            "stack_module_state: Expected at least one model, got 0."
            " Fix: pass a list of one or more models."
        )
    if not all(model.training == models[0].training for model in models):
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
            " Fix: call .train() or .eval() on all models before stacking them."
        )
    if not all(type(model) is type(models[0]) for model in models):
        raise RuntimeError(
            "stack_module_state: Expected all models to be of the same class."
            f" (got {sorted({type(model).__name__ for model in models})}). Fix: stack "
            "copies of one model class."
        )

    def stacked(tables: list[dict[str, Tensor]]) -> dict[str, Tensor]:
        out = {}
        for key in tables[0]:
            members = [table[key] for table in tables]
            wanted = members[0].requires_grad
            if any(member.requires_grad != wanted for member in members):
                raise RuntimeError(
                    f"Expected {key} from each model to have the same .requires_grad"
                    f". Fix: set requires_grad the same way on '{key}' in every model "
                    "(requires_grad_(True) or False)."
                )
            with arraygrad.no_grad():
                joined = arraygrad.stack([member.detach() for member in members])
            out[key] = joined.requires_grad_(wanted)
        return out

    params = stacked([dict(model.named_parameters()) for model in models])
    buffers = stacked([dict(model.named_buffers()) for model in models])
    return params, buffers
