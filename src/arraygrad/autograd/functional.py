"""Higher-level autodiff of functions, with :mod:`torch.autograd.functional`'s signatures.

All of it rests on one reverse-mode primitive, the vector-Jacobian product ``vᵀ J``
(:func:`arraygrad.autograd.grad`):

* ``jacobian`` stacks ``e_kᵀ J`` over the output elements ``k``;
* ``jvp`` (``J u``) uses the double-VJP method: ``g(v) = Jᵀ v`` is linear in ``v``, so the VJP of
  ``g`` with cotangent ``u`` is ``(Jᵀ)ᵀ u = J u``;
* ``hessian``, ``hvp`` and ``vhp`` differentiate the gradient once more.

>>> import arraygrad
>>> x = arraygrad.tensor([1.0, 2.0], dtype=arraygrad.float64)
>>> jacobian(lambda t: t**2, x)
tensor([[2., 0.],
        [0., 4.]], dtype=arraygrad.float64)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad import _backend
from arraygrad import ops as _ops
from arraygrad._grad_mode import enable_grad as _enable_grad
from arraygrad._tensor import Tensor as _Tensor
from arraygrad._tensor import describe as _describe

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from arraygrad._tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was_tuple, tensors)``; raises TypeError naming ``what`` when it is not tensors."""
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for index, item in enumerate(items):
        if not isinstance(item, _Tensor):
            raise TypeError(
                f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                f"the value at index {index} has type {type(item).__name__}."
            )
    return is_tuple, items


def _untuple(is_tuple: bool, values: Sequence[Any]) -> Any:
    return tuple(values) if is_tuple else values[0]


def _prepare_inputs(inputs: Sequence[Tensor], create_graph: bool) -> tuple[Tensor, ...]:
    """Fresh tensors to differentiate with respect to.

    With ``create_graph`` an input that already requires grad is aliased through a view, so the
    results stay connected to it (and can be differentiated again); otherwise it is detached.
    """
    prepared = []
    for tensor in inputs:
        if tensor.dtype.category < 2:  # (2: floating; complex tensors are differentiable too)
            # torch makes every input require grad, which refuses integer tensors
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients: got "
                f"{_describe(tensor)}. Fix: convert it first, e.g. x.double()."
            )
        if create_graph and tensor.requires_grad:
            prepared.append(_ops.reshape(tensor, shape=tuple(tensor._data.shape)))
        else:
            prepared.append(_Tensor._wrap(tensor._data, True))
    return tuple(prepared)


def _zeros_like(tensor: Tensor) -> Tensor:
    return _Tensor._wrap(_backend.xp.zeros_like(tensor._data))


def _detach_all(values: Sequence[Tensor], create_graph: bool) -> tuple[Tensor, ...]:
    return tuple(values) if create_graph else tuple(v.detach() for v in values)


def _vector_grads(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    cotangents: Sequence[Tensor],
    *,
    create_graph: bool,
    strict: bool,
    retain_graph: bool = True,
    fn_name: str = "vjp",
) -> tuple[Tensor, ...]:
    """``Σ_j cotangents[j]ᵀ ∂outputs[j]/∂inputs``, zeros for inputs the outputs do not use.

    ``strict=True`` raises instead of returning zeros for an independent input.
    """
    from arraygrad.autograd import grad

    pairs = [(o, c) for o, c in zip(outputs, cotangents, strict=True) if o.requires_grad]
    grads: Sequence[Tensor | None]
    if pairs and inputs:  # no inputs (e.g. jacobian of f()) need no pass, and grad() refuses it
        grads = grad(
            [o for o, _ in pairs],
            list(inputs),
            [c for _, c in pairs],
            retain_graph=retain_graph,
            create_graph=create_graph,
            allow_unused=True,
        )
    else:
        grads = [None] * len(inputs)
    results = []
    for index, (tensor, value) in enumerate(zip(inputs, grads, strict=True)):
        if value is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {index}. "
                    f"This is not allowed in strict mode ({fn_name}(..., strict=True)). Fix: "
                    "pass strict=False to get zeros for it."
                )
            value = _zeros_like(tensor)
        results.append(value)
    return tuple(results)


def _call(func: Callable[..., Any], inputs: Sequence[Tensor], fn_name: str) -> tuple[bool, Any]:
    with _enable_grad():
        result = func(*inputs)
    return _tuple(result, "outputs of the user-provided function", fn_name)


def _cotangents(
    v: Any, outputs: Sequence[Tensor], fn_name: str, what: str = "outputs"
) -> tuple[Tensor, ...]:
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if the user-provided function returns a single "
                f"Tensor with a single element ({fn_name}). Fix: pass v with the shape of the "
                f"{what}: {[list(o.shape) for o in outputs]}."
            )
        return (_Tensor._wrap(_backend.xp.ones_like(outputs[0]._data)),)
    _, given = _tuple(v, "v", fn_name)
    if len(given) != len(outputs):
        raise RuntimeError(
            f"v has {len(given)} tensors but the user-provided function has {len(outputs)} "
            f"{what} ({fn_name}). Fix: give one tensor per {what[:-1]}."
        )
    for index, (vec, out) in enumerate(zip(given, outputs, strict=True)):
        if tuple(vec.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: v[{index}] has shape {list(vec.shape)} but the "
                f"{what[:-1]} it multiplies has shape {list(out.shape)} ({fn_name})."
            )
    return given


def vjp(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    v: Tensor | Sequence[Tensor] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(*inputs), vᵀ J)``: the vector-Jacobian product of ``func`` at ``inputs``.

    ``v`` has the outputs' shapes (it may be omitted for a one-element output). The results
    have the structure of the outputs and of the inputs (a Tensor or a tuple).

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> vjp(lambda t: t**2, x, arraygrad.tensor([1.0, 1.0]))[1]
    tensor([2., 4.])
    """
    inputs_tuple, tensors = _tuple(inputs, "inputs", "vjp")
    with _enable_grad():
        fresh = _prepare_inputs(tensors, create_graph)
        outputs_tuple, outputs = _call(func, fresh, "vjp")
        cotangents = _cotangents(v, outputs, "vjp")
        grads = _vector_grads(
            outputs, fresh, cotangents, create_graph=create_graph, strict=strict, fn_name="vjp"
        )
    return (
        _untuple(outputs_tuple, _detach_all(outputs, create_graph)),
        _untuple(inputs_tuple, _detach_all(grads, create_graph)),
    )


def _double_vjp(
    outputs: Sequence[Tensor],
    fresh: Sequence[Tensor],
    tangents: Sequence[Tensor],
    *,
    create_graph: bool,
    strict: bool,
    fn_name: str,
) -> tuple[Tensor, ...]:
    """``J u`` for the tangents ``u`` of ``fresh``, from two reverse passes.

    ``g(w) = Jᵀ w`` is computed with a graph for a dummy cotangent ``w``; ``g`` is linear in
    ``w``, and its VJP with cotangent ``u`` is ``J u``. The dummy is ones, not zeros: a rule
    may treat a zero cotangent as a special case (xlogy's 0 where ``g == 0``), which has no
    derivative in ``w`` there.
    """
    dummies = tuple(
        _Tensor._wrap(_backend.xp.ones_like(o._data), o.dtype.category >= 2) for o in outputs
    )
    pulled = _vector_grads(
        outputs, fresh, dummies, create_graph=True, strict=strict, fn_name=fn_name
    )
    return _vector_grads(
        pulled, dummies, tangents, create_graph=create_graph, strict=strict, fn_name=fn_name
    )


def jvp(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    v: Tensor | Sequence[Tensor] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(*inputs), J v)``: the Jacobian-vector product of ``func`` at ``inputs``.

    Computed by the double-VJP method (two reverse passes), so it needs only VJP rules.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> jvp(lambda t: t**2, x, arraygrad.tensor([1.0, 0.0]))[1]
    tensor([2., 0.])
    """
    _, tensors = _tuple(inputs, "inputs", "jvp")
    with _enable_grad():
        fresh = _prepare_inputs(tensors, create_graph)
        outputs_tuple, outputs = _call(func, fresh, "jvp")
        tangents = _cotangents(v, fresh, "jvp", what="inputs")
        result = _double_vjp(
            outputs, fresh, tangents, create_graph=create_graph, strict=strict, fn_name="jvp"
        )
    return (
        _untuple(outputs_tuple, _detach_all(outputs, create_graph)),
        _untuple(outputs_tuple, _detach_all(result, create_graph)),
    )


def _stack(rows: Sequence[Tensor], shape: tuple[int, ...], like: Tensor) -> Tensor:
    """Stack ``rows`` along a new first axis into ``(len(rows),) + shape``, differentiably.

    Without a graph this is one array stack; with one, each row is scattered into its slot by
    ``index_add_zeros`` (whose VJP is indexing), so Jacobians of Jacobians work. No rows (an
    empty output or input) give zeros of ``like``'s dtype, the dtype the rows would have had.
    """
    xp = _backend.xp
    full = (len(rows), *shape)
    if not rows:
        return _Tensor._wrap(xp.zeros(full, dtype=like._data.dtype))
    if not any(r.requires_grad for r in rows):
        return _Tensor._wrap(xp.reshape(xp.stack([r._data for r in rows]), full))
    total: Tensor | None = None
    for index, row in enumerate(rows):
        part = _ops.index_add_zeros(_ops.reshape(row, shape=shape), shape=full, key=(index,))
        total = part if total is None else total + part
    assert total is not None
    return total


def _basis(tensors: Sequence[Tensor], position: int, k: int) -> list[Tensor]:
    """The ``k``-th unit direction of ``tensors[position]``, with zeros for the other tensors."""
    return [
        _one_hot(t, k) if m == position else _Tensor._wrap(_backend.xp.zeros_like(t._data))
        for m, t in enumerate(tensors)
    ]


def _one_hot(out: Tensor, k: int) -> Tensor:
    xp = _backend.xp
    flat = xp.zeros(out.numel(), dtype=out._data.dtype)
    flat[k] = 1
    return _Tensor._wrap(xp.reshape(flat, tuple(out._data.shape)))


def _jacobian_rows(
    outputs: Sequence[Tensor],
    fresh: Sequence[Tensor],
    *,
    create_graph: bool,
    strict: bool,
    fn_name: str = "jacobian",
) -> list[list[Tensor]]:
    """``J[j][i]`` of shape ``outputs[j].shape + fresh[i].shape``, one backward per element.

    Each element is pulled back through its own output only, as torch does: passing the other
    outputs with zero cotangents would give the same values but tie the rows to those outputs'
    graphs (``requires_grad`` where torch has none, and no strict check could see through it).
    """
    jacobians: list[list[Tensor]] = []
    for out in outputs:
        rows: list[list[Tensor]] = [[] for _ in fresh]
        for k in range(out.numel()):
            grads = _vector_grads(
                [out],
                fresh,
                [_one_hot(out, k)],
                create_graph=create_graph,
                strict=strict,
                fn_name=fn_name,
            )
            for i, value in enumerate(grads):
                rows[i].append(value)
        shape_out = tuple(out._data.shape)
        jacobians.append(
            [
                _ops.reshape(
                    _stack(rows[i], tuple(x._data.shape), like=x),
                    shape=shape_out + tuple(x._data.shape),
                )
                for i, x in enumerate(fresh)
            ]
        )
    return jacobians


def _arrange(jacobians: list[list[Tensor]], outputs_tuple: bool, inputs_tuple: bool) -> Any:
    per_output = [_untuple(inputs_tuple, row) for row in jacobians]
    return _untuple(outputs_tuple, per_output)


def jacobian(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``J[j][i]`` has shape ``out_j.shape + in_i.shape``.

    For one input and one output it is a single Tensor; tuples nest as in PyTorch (outputs
    outer, inputs inner). ``vectorize`` is accepted for compatibility (rows are computed one
    backward pass each); ``strategy`` may be ``"reverse-mode"`` or ``"forward-mode"`` (columns
    by the double-VJP method), which give the same values.

    >>> import arraygrad
    >>> jacobian(lambda a, b: a * b, (arraygrad.tensor([1.0]), arraygrad.tensor([3.0])))
    (tensor([[3.]]), tensor([[1.]]))
    """
    del vectorize
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f'Expected strategy to be either "forward-mode" or "reverse-mode", got {strategy!r}.'
        )
    inputs_tuple, tensors = _tuple(inputs, "inputs", "jacobian")
    for tensor in tensors:
        if tensor.dtype.is_complex:  # (PyTorch's refuses them too, for its ones cotangent)
            raise RuntimeError(
                "jacobian and hessian take real inputs: got a complex tensor. Fix: pass "
                "view_as_real(z) and rebuild z inside the function with view_as_complex."
            )
    with _enable_grad():
        fresh = _prepare_inputs(tensors, create_graph)
        outputs_tuple, outputs = _call(func, fresh, "jacobian")
        if strategy == "forward-mode":
            jacobians = _jacobian_columns(outputs, fresh, create_graph=create_graph, strict=strict)
        else:
            jacobians = _jacobian_rows(outputs, fresh, create_graph=create_graph, strict=strict)
    if not create_graph:
        jacobians = [[value.detach() for value in row] for row in jacobians]
    return _arrange(jacobians, outputs_tuple, inputs_tuple)


def _jacobian_columns(
    outputs: Sequence[Tensor],
    fresh: Sequence[Tensor],
    *,
    create_graph: bool,
    strict: bool,
    fn_name: str = "jacobian",
) -> list[list[Tensor]]:
    """The Jacobian as :func:`jacobian_rows` lays it out, built from ``J e_k`` columns."""
    dummies = tuple(
        _Tensor._wrap(_backend.xp.zeros_like(o._data), o.dtype.is_floating_point) for o in outputs
    )
    pulled = _vector_grads(
        outputs, fresh, dummies, create_graph=True, strict=strict, fn_name=fn_name
    )
    # columns[i][j] lists J_ji e_k for every element k of input i
    columns: list[list[list[Tensor]]] = [[[] for _ in outputs] for _ in fresh]
    for i, x in enumerate(fresh):
        for k in range(x.numel()):
            tangents = _basis(fresh, i, k)
            pushed = _vector_grads(
                pulled,
                dummies,
                tangents,
                create_graph=create_graph,
                strict=strict,
                fn_name=fn_name,
            )
            for j, value in enumerate(pushed):
                columns[i][j].append(value)
    result: list[list[Tensor]] = []
    for j, out in enumerate(outputs):
        row = []
        for i, x in enumerate(fresh):
            shape_out = tuple(out._data.shape)
            shape_in = tuple(x._data.shape)
            stacked = _stack(columns[i][j], shape_out, like=out)  # (numel(x),) + shape_out
            count = len(shape_out)
            moved = _ops.permute_dims(stacked, axes=(*range(1, count + 1), 0))
            row.append(_ops.reshape(moved, shape=shape_out + shape_in))
        result.append(row)
    return result


def _scalar_output(func: Callable[..., Any], fresh: Sequence[Tensor], fn_name: str) -> Tensor:
    outputs_tuple, outputs = _call(func, fresh, fn_name)
    if outputs_tuple:  # torch refuses even a 1-tuple here
        raise RuntimeError(
            f"The function given to {fn_name} should return a single Tensor, not a tuple of "
            f"{len(outputs)}. Fix: return the scalar itself."
        )
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The function given to {fn_name} should return a single Tensor with a single "
            f"element, but it returned {len(outputs)} tensor(s) of shape(s) "
            f"{[list(o.shape) for o in outputs]}. Fix: reduce the output, e.g. with .sum()."
        )
    return outputs[0]


def hessian(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func``: ``H[i][k]`` has shape ``in_i.shape + in_k.shape``.

    >>> import arraygrad
    >>> hessian(lambda t: (t**3).sum(), arraygrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    inputs_tuple, tensors = _tuple(inputs, "inputs", "hessian")

    def gradient(*args: Tensor) -> tuple[Tensor, ...]:
        out = _scalar_output(func, args, "hessian")
        ones = _Tensor._wrap(_backend.xp.ones_like(out._data))
        return _vector_grads(
            [out], args, [ones], create_graph=True, strict=strict, fn_name="hessian"
        )

    result = jacobian(
        gradient,
        tensors,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    if inputs_tuple:
        return result
    return result[0][0]


def _second_order(
    func: Callable[..., Any],
    inputs: Any,
    v: Any,
    create_graph: bool,
    strict: bool,
    fn_name: str,
    forward_over: bool,
) -> tuple[Tensor, Any]:
    inputs_tuple, tensors = _tuple(inputs, "inputs", fn_name)
    with _enable_grad():
        fresh = _prepare_inputs(tensors, create_graph)
        out = _scalar_output(func, fresh, fn_name)
        ones = _Tensor._wrap(_backend.xp.ones_like(out._data))
        grads = _vector_grads(
            [out], fresh, [ones], create_graph=True, strict=strict, fn_name=fn_name
        )
        vectors = _cotangents(v, fresh, fn_name, what="inputs")
        if forward_over:  # H v = J_grad v by the double-VJP method
            result = _double_vjp(
                grads, fresh, vectors, create_graph=create_graph, strict=strict, fn_name=fn_name
            )
        else:  # vᵀ H = VJP of the gradient with cotangent v
            result = _vector_grads(
                grads, fresh, vectors, create_graph=create_graph, strict=strict, fn_name=fn_name
            )
    value = out if create_graph else out.detach()
    return value, _untuple(inputs_tuple, _detach_all(result, create_graph))


def vhp(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    v: Tensor | Sequence[Tensor] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """``(func(*inputs), vᵀ H)`` for a scalar ``func``, by differentiating the gradient.

    >>> import arraygrad
    >>> vhp(lambda t: (t**3).sum(), arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])
    """
    return _second_order(func, inputs, v, create_graph, strict, "vhp", forward_over=False)


def hvp(
    func: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    v: Tensor | Sequence[Tensor] | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """``(func(*inputs), H v)`` for a scalar ``func`` (double-VJP of the gradient).

    >>> import arraygrad
    >>> hvp(lambda t: (t**3).sum(), arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    return _second_order(func, inputs, v, create_graph, strict, "hvp", forward_over=True)
