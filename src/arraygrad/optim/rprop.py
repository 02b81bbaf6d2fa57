"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink when
it flips; only the sign of the gradient moves the parameter."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    increment,
    new_array,
    new_step,
    zeros_like,
)
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    lr_number,
    refuse_differentiable,
    to_scalar,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (resilient backpropagation), with PyTorch's update (maximize).

    With :math:`g` the gradient (negated when ``maximize``) and :math:`g'` the previous step's
    (``prev``, zero at first), each coordinate's step size :math:`\eta` (``step_size``, starting
    at ``lr``) is scaled by ``etas`` :math:`(\eta^-, \eta^+)` and clamped to ``step_sizes``:

    .. math::
        \eta &\leftarrow \operatorname{clamp}\bigl(\eta \cdot
            \begin{cases} \eta^+ & g g' > 0 \\ \eta^- & g g' < 0 \\ 1 & \text{else}\end{cases},
            \ \eta_{\min}, \eta_{\max}\bigr) \\
        g &\leftarrow 0 \text{ where } g g' < 0, \qquad
            \theta \leftarrow \theta - \operatorname{sign}(g)\,\eta, \qquad g' \leftarrow g

    A NaN product counts as neither sign and ``sign(NaN)`` is 0, as in PyTorch. :math:`\theta`,
    ``step_size`` and ``prev`` are updated in place, with at most two temporary arrays of the
    parameter's size and two boolean masks at once (the selections are made with ``where``, not
    with boolean-mask indexing, so a compiled step replays them); ``p.grad`` is left as it is.
    Under :func:`arraygrad.compile`, the first step (which makes the state) runs eagerly and the
    next call is traced.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Rprop([w], lr=0.25)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> w  # steps of 0.25, then 0.25 * 1.2
    tensor([ 0.4500, -0.4500], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
                (
                    0.0 < etas[0] < 1.0 < etas[1],
                    f"Invalid eta values: {etas[0]}, {etas[1]}",
                    "0.0 < etas[0] < 1.0 < etas[1]",
                ),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # The arithmetic is PyTorch's, rearranged only in ways that give the same bits: with
        # maximize, (-g)·g' = -(g·g'), so the two comparisons trade places instead of negating
        # an array; θ + (-1·s)·η = θ - s·η for s in {-1, 0, 1}. Where PyTorch assigns through
        # boolean masks, the factors are chosen with where(): the same values, no
        # value-dependent shapes.
        etaminus, etaplus = (to_scalar(eta) for eta in group["etas"])
        step_size_min, step_size_max = group["step_sizes"]
        negate = group["maximize"]
        for p in params:
            param, grad = p._data, grad_of(p)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["prev"] = zeros_like(p)
                # PyTorch fills the step sizes like the gradient, with the group's lr then
                lr = to_scalar(group["lr"])
                state["step_size"] = Tensor._wrap(
                    _backend.xp.full(grad.shape, lr, dtype=grad.dtype)
                )
            prev, step_size = state["prev"], state["step_size"]
            increment(state["step"])
            dtype = step_size._data.dtype

            # The step-size factor, by the sign of g·g' (NaN: neither, factor 1)
            product = new_array("multiply", grad, prev._data)
            grew = new_array("less" if negate else "greater", product, 0)
            flipped = new_array("greater" if negate else "less", product, 0)
            del product  # each temporary is dropped once read, so that fewer exist at once
            factor = new_array(
                "where",
                grew,
                _backend.asarray(etaplus, dtype=dtype),
                new_array(
                    "where",
                    flipped,
                    _backend.asarray(etaminus, dtype=dtype),
                    _backend.asarray(1.0, dtype=dtype),
                ),
            )
            del grew
            compute_into("multiply", step_size._data, step_size._data, factor)
            del factor
            compute_into("clip", step_size._data, step_size._data, step_size_min, step_size_max)
            _primitive.bump_version(step_size)

            # g' ← g with zeros where the sign flipped (+0, as PyTorch's masked assignment)
            if negate:
                compute_into("negative", prev._data, grad)
                grad = prev._data
            _backend.assign(prev._data, new_array("where", flipped, 0.0, grad))
            _primitive.bump_version(prev)

            # θ ← θ - sign(g') η
            direction = new_array("sign", prev._data)
            compute_into("multiply", direction, direction, step_size._data)
            compute_into("subtract", param, param, direction)
            _primitive.bump_version(p)
