"""Function transforms with :mod:`torch.func`'s signatures: ``grad``, ``vjp``, ``jacrev``,
``vmap``, ...

Each transform takes a function of tensors and returns a new function (or values). Arguments
may be tensors or nested tuples, lists and dicts of tensors ("pytrees"). The transforms compose:
``grad(grad(f))`` is the second derivative, ``jacfwd(jacrev(f))`` the Hessian. They are built on
reverse mode alone: forward-mode products ``J u`` come from the double-VJP method (see
:mod:`arraygrad.autograd.functional`).

Results are returned without a graph unless they depend on tensors that require grad outside
the transform (an enclosing transform, or a closed-over parameter), so nesting works.

>>> import arraygrad
>>> x = arraygrad.tensor(2.0)
>>> grad(lambda t: t**3)(x)
tensor(12.)
>>> grad(grad(lambda t: t**3))(x)
tensor(12.)
"""

from __future__ import annotations

import functools as _functools
from typing import TYPE_CHECKING

from arraygrad import _backend
from arraygrad import ops as _ops
from arraygrad._func_modules import functional_call, replace_all_batch_norm_modules_
from arraygrad._grad_mode import enable_grad as _enable_grad
from arraygrad._node import Node as _Node
from arraygrad._node import reachable as _reachable
from arraygrad._pytree import tree_flatten as _tree_flatten
from arraygrad._pytree import tree_unflatten as _tree_unflatten
from arraygrad._tensor import Tensor as _Tensor
from arraygrad._tensor import describe as _describe
from arraygrad._vmap import stack_module_state, vmap
from arraygrad.autograd import functional as _functional

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from arraygrad._tensor import Tensor

_FLOATING = 2  # the dtype category of floating types; complex ones (3) are above it

__all__ = [
    "functional_call",
    "functionalize",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "replace_all_batch_norm_modules_",
    "stack_module_state",
    "vjp",
    "vmap",
]


# --- the shared machinery ------------------------------------------------------------------------


def _fresh(tensor: Any) -> Any:
    """A tensor to differentiate with respect to, still connected to ``tensor``'s graph."""
    if not isinstance(tensor, _Tensor):
        return tensor
    if tensor.requires_grad:
        return _ops.reshape(tensor, shape=tuple(tensor._data.shape))
    fresh = _Tensor._wrap(tensor._data, tensor.dtype.category >= _FLOATING)
    if tensor._vmap_levels:  # a slice of a running vmap (vmap(grad(f))) stays one
        fresh._vmap_levels = tensor._vmap_levels
    return fresh


def _own_leaves(fresh: list[Any]) -> set[int]:
    return {id(t) for t in fresh if isinstance(t, _Tensor) and t._node is None and t._rg}


def _depends_on_outer(values: list[Any], own: set[int]) -> bool:
    """Whether any of ``values`` reaches a leaf requiring grad that this transform did not make."""
    for value in values:
        if (
            isinstance(value, _Tensor)
            and value._node is None
            and value._rg
            and id(value) not in own
        ):
            return True
    roots = [v._node for v in values if isinstance(v, _Tensor) and v._node is not None]
    for node in _reachable(roots):
        for edge in node.edges:
            if edge is not None and edge.__class__ is not _Node and id(edge) not in own:
                return True
    return False


def _finish(tree: Any, own: set[int]) -> Any:
    """Detach the tensors of ``tree`` unless an enclosing computation needs their graph."""
    leaves, spec = _tree_flatten(tree)
    if _depends_on_outer(leaves, own):
        return tree
    return _tree_unflatten([v.detach() if isinstance(v, _Tensor) else v for v in leaves], spec)


def _zeros_like(tensor: Tensor) -> Tensor:
    return _Tensor._wrap(_backend.xp.zeros_like(tensor._data))


def _argnum_tuple(argnums: int | tuple[int, ...], count: int) -> tuple[int, ...]:
    # bool is an int (torch takes argnums=True as 1); a list is refused, as in torch.func.
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(
            f"argnums must be int or Tuple[int, ...], got: {type(argnums)}"
            ". Fix: pass argnums=0 or a tuple of ints such as (0, 1)."
        )
    chosen = (argnums,) if isinstance(argnums, int) else argnums
    if not chosen:
        raise RuntimeError(
            "argnums must be non-empty. Fix: pass at least one argument index, e.g. argnums=(0,)."
        )
    normalized = []
    for a in chosen:
        if not isinstance(a, int):
            raise RuntimeError(
                f"argnum must be int, got: {type(a)}. Fix: pass argument indices as ints."
            )
        if not -count <= a < count:
            raise RuntimeError(
                f"Got argnums={argnums!r}, but only {count} positional inputs. Fix: argnums must "
                f"be an int (or tuple of ints) in [-{count}, {count})."
            )
        normalized.append(a % count)
    # The same argument twice would get two fresh copies, and the function sees only the last:
    # the first copy's gradient would silently be zeros.
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(
            f"argnums elements must be unique, got {tuple(normalized)}"
            ". Fix: list each argument index once."
        )
    return tuple(normalized)


def _split_aux(result: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(
            f"{name}(f, ...)(*args): output of function f should be a tuple: (output, aux) if "
            "has_aux is True"
            ". Fix: return (output, aux) from f, or pass has_aux=False."
        )
    return result


def _check_primal(leaf: Any, forward: bool) -> None:
    """Refuse what cannot be differentiated, with torch.func's exception classes: reverse-mode
    transforms raise ValueError for a non-tensor and RuntimeError for a non-floating tensor,
    forward-mode ones (jvp, jacfwd) RuntimeError and ValueError."""
    if not isinstance(leaf, _Tensor):
        if forward:
            raise RuntimeError(
                "jvp(f, primals, tangents): Expected primals to only contain Tensors, got "
                f"{type(leaf)}"
                ". Fix: pass only tensors in primals; close over other values"
                " in f."
            )
        raise ValueError(
            f"Thing passed to transform API must be Tensor, got {type(leaf)}"
            ". Fix: pass tensors (or containers of tensors) as the "
            "differentiated arguments, or move other values out of "
            "argnums."
        )
    if leaf.dtype.category < _FLOATING:  # (floating and complex tensors are differentiable)
        if forward:
            raise ValueError(
                f"Expected primal to be floating point or complex, but got: {leaf.dtype}"
                ". Fix: convert the primal first (e.g. x.double())."
            )
        raise RuntimeError(
            "only Tensors of floating point dtype can require gradients: got "
            f"{_describe(leaf)}. Fix: convert it first, e.g. x.double()."
        )


def _check_outputs(leaves: list[Any], name: str, floating: bool) -> None:
    """Every output leaf must be a tensor; reverse mode also needs floating point (a
    cotangent of an integer output has no meaning)."""
    for leaf in leaves:
        if not isinstance(leaf, _Tensor):
            raise RuntimeError(
                f"{name}: expected f(*primals) to return only tensors, got unsupported type "
                f"{type(leaf)}"
                ". Fix: make f return tensors (or containers of tensors); "
                "return other values as aux with has_aux=True."
            )
        if floating and leaf.dtype.category < _FLOATING:
            raise RuntimeError(
                f"{name}: All outputs of f must be floating-point or complex Tensors, got "
                f"Tensor with dtype {leaf.dtype}"
                ". Fix: convert the output in f (e.g. out.double()), or "
                "return it as aux with has_aux=True."
            )


class _Prepared:
    """The arguments of one call with the differentiated ones replaced by fresh tensors."""

    def __init__(
        self, args: tuple[Any, ...], argnums: tuple[int, ...], forward: bool = False
    ) -> None:
        self.args = list(args)
        self.argnums = argnums
        self.specs = []
        self.leaves: list[list[Any]] = []
        for a in argnums:
            leaves, spec = _tree_flatten(args[a])
            for leaf in leaves:
                _check_primal(leaf, forward)
            fresh = [_fresh(t) for t in leaves]
            self.specs.append(spec)
            self.leaves.append(fresh)
            self.args[a] = _tree_unflatten(fresh, spec)
        self.flat = [t for group in self.leaves for t in group]
        self.own = _own_leaves(self.flat)

    def regroup(self, flat_values: list[Any]) -> list[Any]:
        """Split a list aligned with :attr:`flat` back into one pytree per argnum."""
        out = []
        start = 0
        for spec, group in zip(self.specs, self.leaves, strict=True):
            out.append(_tree_unflatten(flat_values[start : start + len(group)], spec))
            start += len(group)
        return out


def _pull(outputs: list[Tensor], inputs: list[Tensor], cotangents: list[Tensor]) -> list[Tensor]:
    return list(
        _functional._vector_grads(
            outputs, inputs, cotangents, create_graph=True, strict=False, fn_name="arraygrad.func"
        )
    )


# --- the transforms ------------------------------------------------------------------------------


def grad_and_value(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """A function returning ``(gradient, value)`` of the scalar ``func`` (``(g, (value, aux))``
    with ``has_aux``). The gradient has the structure of ``args[argnums]`` (a tuple of them when
    ``argnums`` is a tuple).

    >>> import arraygrad
    >>> grad_and_value(lambda t: (t * t).sum())(arraygrad.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """

    @_functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = _argnum_tuple(argnums, len(args))
        with _enable_grad():
            prepared = _Prepared(args, chosen)
            output, aux = _split_aux(func(*prepared.args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, _Tensor):
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                    f"{type(output)}"
                    ". Fix: make f return a single tensor (e.g. loss.sum()), or "
                    "use vjp for other outputs."
                )
            # 0-d only, as in torch.func: a one-element [1] output is refused too.
            if output.ndim != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                    f"tensor with {output.ndim} dims. Fix: reduce the output (e.g. .sum()) or "
                    "use jacrev/vjp."
                )
            ones = _Tensor._wrap(_backend.xp.ones_like(output._data))
            grads = _pull([output], prepared.flat, [ones])
        grouped = prepared.regroup(grads)
        gradient = grouped[0] if isinstance(argnums, int) else tuple(grouped)
        gradient = _finish(gradient, prepared.own)
        value = _finish(output, prepared.own)
        if has_aux:
            return gradient, (value, _finish(aux, prepared.own))
        return gradient, value

    return wrapper


def grad(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """A function computing the gradient of the scalar ``func`` with respect to ``args[argnums]``.

    With ``has_aux=True``, ``func`` returns ``(output, aux)`` and the result is ``(grad, aux)``.

    >>> import arraygrad
    >>> grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(
    ...     arraygrad.tensor([1.0]), arraygrad.tensor([3.0]))
    (tensor([3.]), tensor([1.]))
    """
    inner = grad_and_value(func, argnums, has_aux)

    @_functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gradient, value = inner(*args, **kwargs)
        if has_aux:
            return gradient, value[1]
        return gradient

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(func(*primals), vjp_fn)`` (plus ``aux``): ``vjp_fn(cotangents)`` returns ``vᵀ J`` as a
    tuple with one entry per primal. ``vjp_fn`` may be called many times.

    >>> import arraygrad
    >>> out, vjp_fn = vjp(lambda t: t**2, arraygrad.tensor([1.0, 2.0]))
    >>> vjp_fn(arraygrad.tensor([1.0, 1.0]))
    (tensor([2., 4.]),)
    """
    with _enable_grad():
        prepared = _Prepared(primals, tuple(range(len(primals))))
        result, aux = _split_aux(func(*prepared.args), has_aux, "vjp")
    out_leaves, out_spec = _tree_flatten(result)
    _check_outputs(out_leaves, "vjp(f, *primals)", floating=True)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        given, given_spec = _tree_flatten(cotangents)
        if given_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function: got {len(given)} cotangent(s) for {len(out_leaves)} "
                "output(s)."
                " Fix: pass one cotangent per output, in the same structure "
                "as f's outputs."
            )
        for index, (c, o) in enumerate(zip(given, out_leaves, strict=True)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: cotangent {index} has shape {list(c.shape)} and output "
                    f"{index} has shape {list(o.shape)}"
                    f". Fix: pass cotangent {index} with shape {list(o.shape)}."
                )
        with _enable_grad():
            grads = _pull(out_leaves, prepared.flat, given)
        return _finish(tuple(prepared.regroup(grads)), prepared.own)

    output = _finish(result, prepared.own)
    if has_aux:
        return output, vjp_fn, _finish(aux, prepared.own)
    return output, vjp_fn


def jvp(
    func: Callable[..., Any],
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
) -> tuple[Any, ...]:
    """``(func(*primals), J·tangents)`` (plus ``aux``), computed by the double-VJP method.

    >>> import arraygrad
    >>> jvp(lambda t: t**2, (arraygrad.tensor([1.0, 2.0]),), (arraygrad.tensor([1.0, 0.0]),))
    (tensor([1., 4.]), tensor([2., 0.]))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to be tuples. E.g. it "
            "should be valid to call f(*primals)."
        )
    flat_tangents, _ = _tree_flatten(tangents)
    if not _tree_flatten(primals)[0]:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals to contain at least one Tensor."
        )
    with _enable_grad():
        prepared = _Prepared(primals, tuple(range(len(primals))), forward=True)
        if len(flat_tangents) != len(prepared.flat):
            raise RuntimeError(
                "jvp(f, primals, tangents): Expected primals and tangents to have the same "
                f"python structure: got {len(prepared.flat)} primals and {len(flat_tangents)} "
                "tangents."
                " Fix: pass one tangent per primal, in the same structure."
            )
        for tangent in flat_tangents:
            if not isinstance(tangent, _Tensor):
                raise RuntimeError(
                    "jvp(f, primals, tangents): Expected tangents to only contain Tensors, got "
                    f"{type(tangent)}"
                    ". Fix: pass only tensors in tangents."
                )
            if tangent.dtype.category < _FLOATING:
                raise ValueError(
                    f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
                    ". Fix: convert the tangent first (e.g. t.double())."
                )
        result, aux = _split_aux(func(*prepared.args), has_aux, "jvp")
        out_leaves, out_spec = _tree_flatten(result)
        _check_outputs(out_leaves, "jvp(f, primals, tangents)", floating=False)
        # Ones, not zeros: J·t is the gradient of <Jᵀw, t> in the dummy w, linear in w, but a
        # rule may treat a zero cotangent as a special case (xlogy's 0 where g == 0), which
        # has no derivative there (forward_ad's probe is ones for the same reason).
        dummies = [
            _Tensor._wrap(_backend.xp.ones_like(o._data), o.dtype.category >= _FLOATING)
            for o in out_leaves
        ]
        pulled = _pull(out_leaves, prepared.flat, dummies)
        pushed = list(
            _functional._vector_grads(
                pulled, dummies, flat_tangents, create_graph=True, strict=strict, fn_name="jvp"
            )
        )
    output = _finish(result, prepared.own)
    tangent_out = _finish(_tree_unflatten(pushed, out_spec), prepared.own)
    if has_aux:
        return output, tangent_out, _finish(aux, prepared.own)
    return output, tangent_out


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` is ``J·tangents`` at ``primals``,
    the linear approximation of ``func`` there, for as many tangents as one likes.

    Each tangent has its primal's structure, shape and dtype (PyTorch's RuntimeErrors
    otherwise). PyTorch traces ``func`` once and replays the linear part; here each call of
    ``jvp_fn`` is a :func:`jvp` at the same primals, which gives the same numbers for a
    deterministic ``func``.

    >>> import arraygrad
    >>> out, jvp_fn = linearize(arraygrad.sin, arraygrad.tensor([0.0, 1.0]))
    >>> jvp_fn(arraygrad.tensor([1.0, 1.0]))
    tensor([1.0000, 0.5403])
    """
    flat_primals, primal_spec = _tree_flatten(primals)
    output = _finish(func(*primals), set())

    def jvp_fn(*tangents: Any) -> Any:
        flat_tangents, tangent_spec = _tree_flatten(tangents)
        if tangent_spec != primal_spec:
            raise RuntimeError(
                f"Expected the tangents {tangent_spec} to have the same argspec as the primals "
                f"{primal_spec}"
                ". Fix: give tangents the same structure as primals."
            )
        for index, (tangent, primal) in enumerate(zip(flat_tangents, flat_primals, strict=True)):
            for what, mine, wanted in (
                ("shape", tangent.shape, primal.shape),
                ("dtype", tangent.dtype, primal.dtype),
            ):
                if mine != wanted:
                    raise RuntimeError(
                        f"tangent:{index} with {what} {mine} in flattened pytree doesn't match "
                        f"the {what} {wanted} of the corresponding primal."
                        f" Fix: give each tangent the {what} of its primal."
                    )
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


def functionalize(func: Callable[..., Any], *, remove: str = "mutations") -> Callable[..., Any]:
    """``func`` itself, wrapped: PyTorch's functionalization rewrites in-place ops and views
    into out-of-place ones for graph compilers without changing any result (it copies
    mutations of the inputs back into them), so running ``func`` as it is gives its values,
    gradients and input mutations. arraygrad has no such rewriting to do.

    >>> import arraygrad
    >>> def f(a):
    ...     b = a.clone()
    ...     b.add_(1)
    ...     return b * a
    >>> functionalize(f)(arraygrad.tensor([1.0, 2.0]))
    tensor([2., 6.])
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            "functionalize(f, remove='mutations'): received invalid argument for "
            f"remove={remove}. Valid options are:\n"
            "     remove='mutations': all inplace and out= operators will be removed from the "
            "program, and replaced with their out-of-place equivalents.\n"
            "     remove='mutations_and_views': In addition to the above, all aliasing "
            "operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n"
        )

    @_functools.wraps(func)
    def functionalized(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return functionalized


def _jacobian_transform(
    func: Callable[..., Any], argnums: int | tuple[int, ...], has_aux: bool, forward: bool
) -> Callable[..., Any]:
    name = "jacfwd" if forward else "jacrev"

    @_functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = _argnum_tuple(argnums, len(args))
        with _enable_grad():
            prepared = _Prepared(args, chosen, forward=forward)
            for index, leaf in enumerate(prepared.flat):
                if leaf.dtype.is_complex:  # PyTorch's Jacobians are of real inputs only
                    raise RuntimeError(
                        f"{name}: Expected all inputs to be real but received complex tensor at "
                        f"flattened input idx: {index}"
                        ". Fix: differentiate a real function of x.real and x.imag, "
                        "e.g. pass torch.view_as_real(x)."
                    )
            result, aux = _split_aux(func(*prepared.args, **kwargs), has_aux, name)
            out_leaves, out_spec = _tree_flatten(result)
            if forward:
                _check_outputs(out_leaves, "jvp(f, primals, tangents)", floating=False)
            else:
                _check_outputs(out_leaves, "vjp(f, ...)", floating=True)
            build = _functional._jacobian_columns if forward else _functional._jacobian_rows
            table = build(out_leaves, prepared.flat, create_graph=True, strict=False, fn_name=name)
        per_output = []
        for row in table:
            grouped = prepared.regroup(row)
            per_output.append(grouped[0] if isinstance(argnums, int) else tuple(grouped))
        jac = _finish(_tree_unflatten(per_output, out_spec), prepared.own)
        if has_aux:
            return jac, _finish(aux, prepared.own)
        return jac

    return wrapper


def jacrev(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """A function computing the Jacobian of ``func`` by reverse mode (one VJP per output
    element). Each output leaf maps to ``out.shape + arg.shape``. ``chunk_size`` is accepted for
    compatibility (rows are computed one at a time).

    >>> import arraygrad
    >>> jacrev(lambda t: t.sin())(arraygrad.tensor([0.0, 0.0]))
    tensor([[1., 0.],
            [0., 1.]])
    """
    del chunk_size
    return _jacobian_transform(func, argnums, has_aux, forward=False)


def jacfwd(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable[..., Any]:
    """A function computing the Jacobian of ``func`` column by column (``J e_k`` by the
    double-VJP method); the layout is :func:`jacrev`'s.

    >>> import arraygrad
    >>> jacfwd(lambda t: t * 3)(arraygrad.tensor([1.0, 2.0]))
    tensor([[3., 0.],
            [0., 3.]])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
        )
    return _jacobian_transform(func, argnums, has_aux, forward=True)


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function computing the Hessian of the scalar ``func``: ``jacfwd(jacrev(func))``.

    >>> import arraygrad
    >>> hessian(lambda t: (t**3).sum())(arraygrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
