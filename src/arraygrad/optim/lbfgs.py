"""L-BFGS: a quasi-Newton method that steps along an inverse-Hessian estimate from recent steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _primitive, _view_history
from arraygrad._grad_mode import enable_grad, no_grad
from arraygrad._tensor import Tensor
from arraygrad.optim.optimizer import Optimizer, check_lr_elements, check_options, to_scalar

__all__ = ["LBFGS"]


def _dot(a: Any, b: Any) -> Any:
    """The dot product of two 1-D arrays, as a 0-d array.

    PyTorch's ``dot`` calls the BLAS (MKL), whose order of summation depends on the CPU's
    vector width and is not documented: the products summed pairwise give its bits for 2
    elements (for 3 in float32), and differ from it in the last bits beyond. NumPy's ``dot``
    (OpenBLAS) fuses the products into the sums and differs even for 2.
    """
    xp = _backend.xp
    return xp.sum(a * b)


def _abs_max(a: Any) -> Any:
    xp = _backend.xp
    return xp.max(xp.abs(a))


def _divide(a: Any, b: Any) -> Any:
    """``a / b`` as PyTorch computes it where ``a`` is a Python number and ``b`` a 0-d tensor:
    its ``Tensor.__rtruediv__`` takes the reciprocal of ``b``, then multiplies by ``a`` (a
    rounding NumPy's division skips, so the bits can differ)."""
    if isinstance(a, (int, float)) and _backend.is_array(b):
        return (1 / b) * a
    return a / b


def _cubic_interpolate(
    x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None
) -> Any:
    """The minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1`` and
    ``g2``, clipped to ``bounds`` (by default the interval between ``x1`` and ``x2``); the
    middle of the bounds where the cubic has no minimum. Arguments are Python numbers and 0-d
    arrays as PyTorch mixes Python numbers and 0-d tensors, with the same promotions."""
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    # A zero divisor gives inf or nan without a warning, as PyTorch's 0-d tensors do (the
    # backend silences NumPy's warnings raised in arraygrad's modules).
    d1 = g1 + g2 - _divide(3 * (f1 - f2), x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = _backend.xp.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


Evaluate = Callable[[list[Any], Any, Any], tuple[float, Any]]


def _strong_wolfe(
    evaluate: Evaluate,
    x: list[Any],
    t: Any,
    d: Any,
    f: float,
    g: Any,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, Any, int]:
    """A step ``t`` along ``d`` that meets the strong Wolfe conditions
    ``f(t) <= f(0) + c1 t f'(0)`` and ``|f'(t)| <= -c2 f'(0)``: the interval holding one is
    bracketed by growing ``t`` (cubic interpolation bounded to ``[t + 0.01 (t - t_prev), 10 t]``),
    then zoomed into by cubic interpolation, at most ``max_ls`` evaluations in all. Returns the
    loss, flat gradient and step of the best point found, and the number of evaluations.

    ``evaluate(x, t, d)`` is the loss and flat gradient at ``x + t d`` (``x`` restored after).
    The flat gradients are new arrays nothing writes, so none is copied (PyTorch clones them).
    """
    d_norm = _abs_max(d)
    f_new, g_new = evaluate(x, t, d)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    # Bracketing: the loop ends with a bracket [t_prev, t] holding a Wolfe point, or with t one.
    t_prev: Any = 0
    f_prev, g_prev, gtd_prev = f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = evaluate(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:  # out of evaluations: the bracket is [0, t] (no zoom follows)
        bracket = [0, t]
        bracket_f = [f, f_new]
        bracket_g = [g, g_new]

    # Zoom: shrink the bracket around a Wolfe point. A trial point within a tenth of the
    # bracket's width of an end is moved to that distance when the previous trial was also
    # that close or the new one is at or past an end (insufficient progress).
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = evaluate(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            # not a sufficient decrease, or no lower than the low end: t becomes the high end
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # the slope points out of the bracket past the low end: the old low is the high
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new

    return bracket_f[low], bracket_g[low], bracket[low], ls_func_evals


def _array(value: Any) -> Any:
    """A state value as the step computes on it: a tensor's array, lists item by item."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, list):
        return [_array(v) for v in value]
    return value


def _tensor(value: Any) -> Any:
    """A value as the state keeps it: arrays as tensors (state_dict and load_state_dict convert
    and copy tensors), lists item by item, Python numbers as they are."""
    if _backend.is_array(value):  # NumPy scalars included
        return Tensor._wrap(_backend.ensure_array(value))
    if isinstance(value, list):
        return [_tensor(v) for v in value]
    return value


def _wrote(param: Tensor) -> None:
    """Record the write of ``param``'s array: its version moves, and on a library whose views
    are copies (Dask) its views get the new values before the closure reads them."""
    _primitive.bump_version(param)
    if _backend.views_are_copies:
        _view_history.write_through(param)


class LBFGS(Optimizer):
    r"""L-BFGS, with PyTorch's algorithm (after minFunc), fixed steps or a strong Wolfe search.

    Each :meth:`step` runs up to ``max_iter`` iterations on all parameters flattened into one
    vector :math:`x` (a parameter without a gradient counts as a zero gradient). From the
    gradient :math:`g` and the last ``history_size`` pairs :math:`s_i = x_{i+1} - x_i`,
    :math:`y_i = g_{i+1} - g_i` (kept only when :math:`y_i^\top s_i > 10^{-10}`), the two-loop
    recursion gives the direction :math:`d = -H g`:

    .. math::
        q &\leftarrow -g; \quad \text{for } i = k-1, \dots, 0:\
            \alpha_i = \rho_i s_i^\top q, \quad q \leftarrow q - \alpha_i y_i \\
        r &\leftarrow \gamma q, \quad \gamma = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}};
            \quad \text{for } i = 0, \dots, k-1:\
            \beta_i = \rho_i y_i^\top r, \quad r \leftarrow r + (\alpha_i - \beta_i) s_i

    with :math:`\rho_i = 1 / y_i^\top s_i` and :math:`d = r` (:math:`d = -g` on the first
    iteration). The step is :math:`x \leftarrow x + t d` with :math:`t` = ``lr`` (on the very
    first iteration :math:`\min(1, 1 / \lVert g\rVert_1)` ``lr``), or the step the strong Wolfe
    line search finds from there when ``line_search_fn="strong_wolfe"``. Iterations stop after
    ``max_iter`` or ``max_eval`` closure calls, when :math:`\max|g| \le` ``tolerance_grad``, when
    :math:`g^\top d > -` ``tolerance_change``, or when the step or the change of the loss falls
    under ``tolerance_change``.

    ``closure`` re-evaluates the model, calls ``backward()`` and returns the loss; it runs with
    gradients on, several times per step. ``step`` returns the loss of its first call. Only one
    parameter group is allowed. The state (``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``)
    is kept under the first parameter, as in PyTorch; it costs ``2 * history_size + 2`` vectors
    of all the parameters' size.

    PyTorch's arithmetic is followed, with its mix of Python floats and 0-d tensors and its
    fused ``add_(..., alpha=)``; dot products sum the products pairwise where PyTorch calls the
    BLAS, so results beyond 2 elements can differ from PyTorch's in the last bits. Under
    :func:`arraygrad.compile` a function calling ``step`` runs eagerly, with a warning: the line
    search and the stopping tests are Python decisions on the values.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.5, 1.5], dtype=arraygrad.float64, requires_grad=True)
    >>> opt = arraygrad.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(3):
    ...     loss = opt.step(closure)
    >>> round(closure().item(), 8), w.detach().round(decimals=4).tolist()
    (0.0, [1.0, 1.0])
    """

    _tensor_numbers = ()  # its counters (n_iter, func_evals) are numbers, as in PyTorch

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_lr_elements(lr)
        check_options([(bool(lr >= 0.0), f"Invalid learning rate: {lr}", "lr >= 0.0")])
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): got "
                f"{len(self.param_groups)} groups. Fix: pass every parameter in one group."
            )

    @property
    def _params(self) -> list[Tensor]:
        # read from the group each time: load_state_dict replaces the group dicts
        return self.param_groups[0]["params"]  # type: ignore[no-any-return]

    def _gather_flat_grad(self) -> Any:
        """All gradients as one new 1-D array (zeros for a parameter without one)."""
        xp = _backend.xp
        views = []
        for p in self._params:
            if p.grad is None:
                views.append(xp.zeros((p.numel(),), dtype=p._data.dtype))
            else:
                views.append(xp.reshape(p.grad._data, (-1,)))
        return xp.concat(views)

    def _add_grad(self, step_size: Any, update: Any) -> None:
        """``p += step_size * update[slice of p]`` for every parameter, rounded once."""
        offset = 0
        for p in self._params:
            numel = p.numel()
            part = _backend.xp.reshape(update[offset : offset + numel], p._data.shape)
            _backend.assign(p._data, _backend.fused_add(p._data, step_size, part))
            _wrote(p)
            offset += numel

    def _set_params(self, arrays: list[Any]) -> None:
        for p, array in zip(self._params, arrays, strict=True):
            _backend.assign(p._data, array)
            _wrote(p)

    def _evaluate(self, closure: Callable[[], Any]) -> Any:
        with enable_grad():
            return closure()

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[Any], t: Any, d: Any
    ) -> tuple[float, Any]:
        """The loss and flat gradient at ``x + t d``; the parameters are left at ``x``."""
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_params(x)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure call.

        Args:
            closure: re-evaluates the model, fills the gradients and returns the loss.
        """
        if len(self.param_groups) != 1:
            raise AssertionError(
                f"Expected exactly one param_group, but got {len(self.param_groups)}"
                ". Fix: give LBFGS all parameters as one group (one LBFGS per group if they "
                "need different options)."
            )
        if _backend.tracer is not None:
            # The iterations branch on the loss and gradient values (stopping tests, the line
            # search's conditions): a replayed program would take this call's branches.
            _backend.tracer.untraceable("LBFGS.step (its iterations branch on the values)")
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        # Variables hold what PyTorch's hold: Python floats where it has Python floats (the
        # losses, lr), 0-d arrays where it has 0-d tensors (dot products, the first step size),
        # so that every operation promotes and rounds as PyTorch's does.
        xp = _backend.xp
        group = self.param_groups[0]
        lr = to_scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]  # LBFGS's state is global: kept under the first
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        opt_cond = _abs_max(flat_grad) <= tolerance_grad
        if opt_cond:
            return orig_loss

        d = _array(state.get("d"))
        t = state.get("t")
        # The group's tensor lr itself where the last step's length was the lr (see below): its
        # value now, which a scheduler may have written since, as PyTorch's aliased t reads it.
        t = to_scalar(t) if t is group["lr"] else _array(t)
        old_dirs = _array(state.get("old_dirs"))
        old_stps = _array(state.get("old_stps"))
        ro = _array(state.get("ro"))
        h_diag = _array(state.get("H_diag"))
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # --- the direction ------------------------------------------------------------
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:  # keep the pair only where it keeps H positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)

                if "al" not in state:
                    state["al"] = [None] * history_size
                al = _array(state["al"])
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    q = _backend.fused_add(q, -al[i], old_dirs[i])
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = _dot(old_dirs[i], d) * ro[i]
                    d = _backend.fused_add(d, al[i] - be_i, old_stps[i])
                state["al"] = _tensor(al)

            if prev_flat_grad is None:
                prev_flat_grad = _backend.copy(flat_grad)
            else:
                _backend.assign(prev_flat_grad, flat_grad)
            prev_loss = loss

            # --- the step length ----------------------------------------------------------
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / xp.sum(xp.abs(flat_grad))) * lr
            else:
                t = lr

            gtd = _dot(flat_grad, d)  # the directional derivative
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError(
                        f"only 'strong_wolfe' is supported: got line_search_fn={line_search_fn!r}. "
                        "Fix: pass line_search_fn='strong_wolfe' or None."
                    )
                x_init = [_backend.copy(p._data) for p in self._params]

                def evaluate(x: list[Any], t: Any, d: Any) -> tuple[float, Any]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    evaluate, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = _abs_max(flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    # the last iteration's loss is not evaluated: in a stochastic setting a new
                    # evaluation would not tell the next step anything
                    loss = float(self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = _abs_max(flat_grad) <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # --- stopping tests -----------------------------------------------------------
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _abs_max(d * t) <= tolerance_change:  # no progress in the parameters
                break
            if abs(loss - prev_loss) < tolerance_change:  # nor in the loss
                break

        state["d"] = _tensor(d)
        # A step length that is the lr, where the lr is a tensor: PyTorch keeps that very tensor
        # (t = lr), so that the next step's s = d * t reads what a scheduler wrote into it since.
        tensor_lr = isinstance(group["lr"], Tensor) and t is lr
        state["t"] = group["lr"] if tensor_lr else _tensor(t)
        state["old_dirs"] = _tensor(old_dirs)
        state["old_stps"] = _tensor(old_stps)
        state["ro"] = _tensor(ro)
        state["H_diag"] = _tensor(h_diag)
        state["prev_flat_grad"] = _tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss
