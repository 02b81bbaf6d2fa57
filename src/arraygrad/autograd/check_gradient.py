"""Check a hand-written gradient against autodiff and say in plain words what is wrong with it.

:func:`check_gradient` evaluates ``grad_fn`` (your formula, on NumPy arrays and numbers) and the
gradient that reverse-mode autodiff computes for ``loss_fn`` at the given inputs and at a few
nearby points, then looks for the usual mistakes:

* a constant factor ``c`` at every point, named when it is recognisable: ``-1`` (a sign flip),
  ``1/2`` (the 2 of ``d(u²)/du = 2u`` is missing), ``2``, and ``N`` where the loss takes a
  ``mean`` over ``N`` elements (the formula sums where the loss averages);
* a transposed matrix gradient;
* for a complex input, the complex conjugate of the gradient (the true one is PyTorch's:
  ``dL/dx + i·dL/dy`` for ``z = x + iy`` and a real loss ``L``);
* a gradient that is right except at a few elements (named by index);
* a formula that agrees at the given point only.

>>> import arraygrad
>>> x = arraygrad.tensor([1.0, 2.0, 3.0, 4.0]).numpy()
>>> y = 2 * x
>>> report = check_gradient(
...     lambda w: ((w * arraygrad.tensor(x) - arraygrad.tensor(y)) ** 2).mean(),
...     lambda w: (2 * x).dot(w * x - y).mean(),  # np.dot sums: no mean is taken
...     0.0,
... )
>>> report.ok, report.ratio
(False, 4.0)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arraygrad import _backend
from arraygrad._node import reachable
from arraygrad._tensor import Tensor

__all__ = ["GradientReport", "check_gradient"]


@dataclass
class _Value:
    """One input: its values as a flat list of numbers (complex ones for a complex input), its
    shape and how to rebuild it."""

    flat: list[Any]
    shape: tuple[int, ...]
    kind: str  # "number", "array" or "tensor"
    dtype: Any
    floating: bool

    def rebuild(self, flat: list[Any]) -> Any:
        if self.kind == "number":
            if isinstance(flat[0], complex):
                return complex(flat[0])
            return float(flat[0]) if self.floating else int(flat[0])
        array = _backend.xp.reshape(_backend.asarray(flat, dtype=self.dtype), self.shape)
        if self.kind == "tensor":
            return Tensor._wrap(array)
        return _backend.to_numpy(array)


def _flat_floats(array: Any) -> list[Any]:
    """Flat Python floats, or complex numbers where ``array`` is complex."""
    values = _backend.to_list(_backend.xp.reshape(array, (-1,)))
    return [complex(v) if isinstance(v, complex) else float(v) for v in values]


def _read_input(value: Any) -> _Value:
    if isinstance(value, Tensor):
        data = value.detach()._data
        return _Value(
            _flat_floats(data),
            tuple(data.shape),
            "tensor",
            data.dtype,
            value.dtype.is_floating_point or value.dtype.is_complex,
        )
    if isinstance(value, complex):
        return _Value([value], (), "number", None, True)
    if isinstance(value, (bool, int, float)):
        return _Value([float(value)], (), "number", None, isinstance(value, float))
    data = _backend.asarray(value)
    kind = str(data.dtype)
    differentiable = "float" in kind or "complex" in kind
    return _Value(_flat_floats(data), tuple(data.shape), "array", data.dtype, differentiable)


def _as_result(value: Any) -> tuple[list[Any], tuple[int, ...]]:
    """A gradient returned by ``grad_fn`` (array, number or Tensor) as flat floats and shape."""
    if isinstance(value, Tensor):
        data = value.detach()._data
    else:
        data = _backend.asarray(value)
    return _flat_floats(data), tuple(data.shape)


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    if not shape:
        return "[]"
    parts = []
    for size in reversed(shape):
        parts.append(flat_index % size)
        flat_index //= size
    return "[" + ", ".join(str(p) for p in reversed(parts)) + "]"


def _fmt(value: complex) -> str:
    return f"{value:.6g}"


def _fmt_values(values: list[Any], shape: tuple[int, ...]) -> str:
    if not shape:
        return _fmt(values[0])
    shown = ", ".join(_fmt(v) for v in values[:8])
    return f"[{shown}{', ...' if len(values) > 8 else ''}] (shape {list(shape)})"


def _mean_reductions(loss: Tensor) -> list[tuple[int, tuple[int, ...]]]:
    """(reduced size, input shape) of every ``mean`` node in the graph of ``loss``."""
    found = []
    for node in reachable([loss._node] if loss._node is not None else []):
        if node.prim.name == "mean" and node.inputs is not None:
            shape = tuple(node.inputs[0].shape)
            axis = node.params.get("axis")
            axes = range(len(shape)) if axis is None else axis
            size = math.prod(shape[a] for a in axes)
            if size > 1:
                found.append((size, shape))
    return found


@dataclass
class _Point:
    true: list[tuple[list[Any], tuple[int, ...]]]
    manual: list[tuple[list[Any], tuple[int, ...]]]


@dataclass
class GradientReport:
    """The verdict of :func:`check_gradient`.

    Attributes:
        ok: the hand-written gradient agrees with autodiff at every point checked.
        max_abs_error: the largest ``|manual - true|`` over all points, inputs and elements.
        ratio: the constant factor ``manual / true`` when there is one (``1.0`` when they
            agree), else ``None``.
        findings: one plain-language sentence per problem found (empty when ``ok``).

    Its ``str()`` is the summary and the findings, as a paragraph to read.

    >>> import arraygrad
    >>> report = check_gradient(lambda w: (w * w).sum(), lambda w: w, arraygrad.ones(2).numpy())
    >>> report.ok, report.ratio, report.findings[0][:46]
    (False, 0.5, 'input 0: it is 0.5 times the true gradient: a ')
    """

    ok: bool
    max_abs_error: float
    ratio: float | None
    findings: list[str] = field(default_factory=list)
    summary: str = ""
    points: int = 0

    def __str__(self) -> str:
        lines = [textwrap.fill(self.summary, width=100, break_on_hyphens=False)]
        lines.extend(
            textwrap.fill(
                finding,
                width=100,
                initial_indent="- ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
            for finding in self.findings
        )
        return "\n".join(lines)


def _close(a: complex, b: complex, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def _all_close(a: list[Any], b: list[Any], rtol: float, atol: float) -> bool:
    return all(_close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))


def _transpose(values: list[Any], shape: tuple[int, ...]) -> list[Any]:
    rows, cols = shape
    return [values[i * cols + j] for j in range(cols) for i in range(rows)]


def _snap(ratio: float, tol: float) -> float:
    """``ratio`` rounded to a nearby integer or reciprocal of one, when it is that close."""
    for candidate in (round(ratio), 1 / round(1 / ratio) if abs(ratio) < 1 else None):
        if candidate and abs(ratio - candidate) <= tol * abs(candidate):
            return float(candidate)
    return ratio


def _describe_factor(c: float, means: list[tuple[int, tuple[int, ...]]], tol: float) -> str:
    def near(target: float) -> bool:
        return abs(c - target) <= tol * abs(target)

    magnitude = abs(c)
    sign = " and has the wrong sign" if c < 0 else ""
    for size, shape in means:
        if abs(magnitude - size) <= tol * size:
            return (
                f"it is {_fmt(c)} times the true gradient{sign}. The loss takes a mean over "
                f"{size} elements (a mean reducing a tensor of shape {list(shape)}), and the "
                f"derivative of a mean is 1/{size} of the derivative of the sum: the hand-written "
                f"gradient sums where the loss takes a mean. Fix: divide it by {size} (take the "
                "mean instead of the sum)."
            )
        if abs(magnitude - 1 / size) <= tol / size:
            return (
                f"it is 1/{size} of the true gradient{sign}. The loss takes a mean over {size} "
                f"elements (shape {list(shape)}) and the hand-written gradient divides by {size} "
                "once more: it averages twice (or the loss should have been a sum). Fix: drop the "
                f"extra division by {size}."
            )
    if near(-1.0):
        return (
            "it is the negative of the true gradient (a sign flip): it points uphill, so "
            "gradient descent with it increases the loss. Check the order of a subtraction such "
            "as (target - prediction) versus (prediction - target)."
        )
    if near(0.5) or near(-0.5):
        return (
            f"it is {_fmt(c)} times the true gradient: a factor 2 is missing{sign}. The "
            "derivative of a square u² is 2u; the 2 was dropped."
        )
    if near(2.0) or near(-2.0):
        return (
            f"it is {_fmt(c)} times the true gradient: an extra factor 2{sign} (for example the "
            "2 of d(u²)/du = 2u applied twice, or a loss of ½u² differentiated as u²)."
        )
    return (
        f"it is {_fmt(c)} times the true gradient at every point checked: a constant factor"
        f"{sign}. Look for a missing or extra constant or normalisation in the formula."
    )


def _analyse_input(
    index: int,
    name: str,
    points: list[_Point],
    means: list[tuple[int, tuple[int, ...]]],
    rtol: float,
    atol: float,
) -> tuple[str | None, float | None, float]:
    """(finding or None, factor for this input or None, max abs error) for input ``index``."""
    pairs = [(p.manual[index], p.true[index]) for p in points]
    true_shape = pairs[0][1][1]
    manual_shape = pairs[0][0][1]
    worst = 0.0
    if [m for (m, _s), _ in pairs] and len(pairs[0][0][0]) != len(pairs[0][1][0]):
        return (
            f"{name}: the hand-written gradient has shape {list(manual_shape)} but the input "
            f"(and its gradient) has shape {list(true_shape)}: a gradient has the shape of what "
            "it differentiates with respect to.",
            None,
            math.inf,
        )
    for (m, _), (t, _) in pairs:
        worst = max([worst, *(abs(a - b) for a, b in zip(m, t, strict=True))])
    if all(_all_close(m, t, rtol, atol) for (m, _), (t, _) in pairs):
        if manual_shape != true_shape:
            return (
                f"{name}: the values agree but the hand-written gradient has shape "
                f"{list(manual_shape)} instead of {list(true_shape)}.",
                None,
                worst,
            )
        return None, 1.0, worst
    # A transposed matrix gradient.
    if len(true_shape) == 2 and true_shape[0] > 1 and true_shape[1] > 1:
        transposed_shape = (true_shape[1], true_shape[0])
        if manual_shape in (transposed_shape, true_shape) and all(
            _all_close(
                _transpose(m, manual_shape if manual_shape == transposed_shape else true_shape),
                t,
                rtol,
                atol,
            )
            for (m, _), (t, _) in pairs
        ):
            return (
                f"{name}: the hand-written gradient is the transpose of the true gradient "
                f"(shape {list(manual_shape)}, expected {list(true_shape)}): element [i, j] of the "
                "gradient must be dL/dW[i, j], so it has the layout of the matrix W itself. "
                "Fix: transpose it (.T), or swap the operands of the product that builds it.",
                None,
                worst,
            )
    # The complex conjugate of the true gradient (the other convention, or a missing conj).
    if any(isinstance(b, complex) for (_, _), (t, _) in pairs for b in t) and all(
        _all_close(m, [b.conjugate() for b in t], rtol, atol) for (m, _), (t, _) in pairs
    ):
        return (
            f"{name}: it is the complex conjugate of the true gradient. For a complex input "
            "z = x + iy and a real loss L, the gradient is dL/dx + i·dL/dy (PyTorch's "
            "convention, twice dL/d(conj z)): the one to step against in gradient descent. "
            "Fix: conjugate it (for a holomorphic f, use grad_output·conj(f'(z)), not "
            "grad_output·f'(z)).",
            None,
            worst,
        )
    # A constant factor at every point (real: a complex one is no simple mistake).
    factors = []
    for (m, _), (t, _) in pairs:
        norm = sum(abs(b) ** 2 for b in t)
        if norm <= (atol * atol) * len(t):
            continue
        factors.append(sum(a * b.conjugate() for a, b in zip(m, t, strict=True)) / norm)
    tol = max(10 * rtol, 1e-6)
    if (
        factors
        and all(abs(f - factors[0]) <= tol * abs(factors[0]) for f in factors)
        and all(abs(complex(f).imag) <= tol * abs(f) for f in factors)
    ):
        c = _snap(sum(complex(f).real for f in factors) / len(factors), tol)
        if all(
            _all_close(m, [c * b for b in t], rtol, atol * max(1.0, abs(c)))
            for (m, _), (t, _) in pairs
        ):
            return f"{name}: {_describe_factor(c, means, tol)}", c, worst
    # Wrong at a few elements only.
    count = len(pairs[0][1][0])
    wrong: set[int] = set()
    for (m, _), (t, _) in pairs:
        wrong.update(
            k for k, (a, b) in enumerate(zip(m, t, strict=True)) if not _close(a, b, rtol, atol)
        )
    if count > 1 and len(wrong) <= count // 2:
        (m0, _), (t0, _) = pairs[0]
        where = ", ".join(
            f"{_index(k, true_shape)} (hand-written {_fmt(m0[k])}, true {_fmt(t0[k])})"
            for k in sorted(wrong)[:10]
        )
        more = f" and {len(wrong) - 10} more" if len(wrong) > 10 else ""
        return (
            f"{name}: right everywhere except at {len(wrong)} of {count} elements: {where}{more}. "
            "Look for the case the formula treats specially there (an index, a boundary, a "
            "branch).",
            None,
            worst,
        )
    first_ok = _all_close(pairs[0][0][0], pairs[0][1][0], rtol, atol)
    if first_ok:
        return (
            f"{name}: agrees at the given inputs but not at nearby points (max abs error "
            f"{_fmt(worst)}): the formula matches by coincidence there; it does not follow the "
            "loss as the inputs change.",
            None,
            worst,
        )
    (m0, _), (t0, _) = pairs[0]
    return (
        f"{name}: differs with no simple pattern (not a constant multiple, not a transpose, "
        f"wrong at {len(wrong)} of {count} elements; max abs error {_fmt(worst)}). At the given "
        f"inputs: hand-written {_fmt_values(m0, manual_shape)}, true "
        f"{_fmt_values(t0, true_shape)}.",
        None,
        worst,
    )


def _draw(rng: Any, is_complex: bool) -> complex:
    """A standard normal step; a complex value moves along both its parts."""
    step = rng.gauss(0.0, 1.0)
    return complex(step, rng.gauss(0.0, 1.0)) if is_complex else step


def check_gradient(
    loss_fn: Callable[..., Tensor],
    grad_fn: Callable[..., Any],
    *inputs: Any,
    wrt: int | Sequence[int] | None = None,
    names: Sequence[str] | None = None,
    nearby: int = 3,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> GradientReport:
    """Compare a hand-written gradient with autodiff of ``loss_fn`` and diagnose the difference.

    Args:
        loss_fn: takes arraygrad tensors (one per input) and returns a scalar loss.
        grad_fn: your gradient: takes the same inputs as NumPy arrays / Python numbers and
            returns one gradient per differentiated input (a single value when there is one).
        inputs: the point to check at (numbers, NumPy arrays or tensors).
        wrt: the indices of the inputs ``grad_fn`` differentiates (default: the floating and
            complex ones).
        names: names for the inputs in the report (default ``input 0``, ...).
        nearby: how many randomly perturbed nearby points to check besides the given one.
        rtol, atol: agreement tolerances (default from the precision of the inputs).
        seed: seeds the perturbations (a private generator; the global one is untouched).

    Returns a :class:`GradientReport`: ``ok``, ``max_abs_error``, ``ratio`` and a ``str()`` that
    explains the mismatch.

    Complex inputs are checked too, moved along both their real and imaginary parts at the
    nearby points, as :func:`~arraygrad.autograd.gradcheck` perturbs them: the true gradient of
    the real loss at ``z = x + iy`` is PyTorch's ``dL/dx + i·dL/dy``, and a hand-written one
    that is its complex conjugate is named as such.

    >>> import arraygrad
    >>> print(check_gradient(lambda w: (w**3).sum(), lambda w: -3 * w**2, 1.5).findings[0][:56])
    input 0: it is the negative of the true gradient (a sign
    >>> report = check_gradient(lambda z: (z * z).real.sum(), lambda z: 2 * z, 1 + 2j)
    >>> report.findings[0][:53]  # d Re(z²) = 2x dx - 2y dy: the gradient is 2x - 2yi
    'input 0: it is the complex conjugate of the true grad'
    """
    from arraygrad import _creation
    from arraygrad.autograd import grad

    values = [_read_input(v) for v in inputs]
    if wrt is None:
        chosen = [i for i, v in enumerate(values) if v.floating]
    else:
        chosen = [wrt] if isinstance(wrt, int) else list(wrt)
    if not chosen:
        raise ValueError(
            "check_gradient needs at least one floating-point or complex input to differentiate "
            "with respect to; got none. Fix: pass floats (0.0, not 0) or name them with wrt=."
        )
    labels = list(names) if names is not None else [f"input {i}" for i in range(len(values))]
    import random  # here, not at the top: a millisecond of `import arraygrad`

    rng = random.Random(seed)
    point_values = [[list(v.flat) for v in values]]
    for _ in range(nearby):
        moved = [list(v.flat) for v in values]
        for i in chosen:
            moved[i] = [
                x + 0.5 * (1.0 + abs(x)) * _draw(rng, isinstance(x, complex)) for x in moved[i]
            ]
        point_values.append(moved)

    points: list[_Point] = []
    means: list[tuple[int, tuple[int, ...]]] = []
    low_precision = False
    for flats in point_values:
        rebuilt = [v.rebuild(f) for v, f in zip(values, flats, strict=True)]
        tensors = []
        for i, r in enumerate(rebuilt):
            data = r if isinstance(r, Tensor) else _creation.tensor(r)
            tensors.append(Tensor._wrap(data._data, i in chosen))
        loss = loss_fn(*tensors)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise ValueError(
                "check_gradient: loss_fn must return a scalar Tensor, got "
                f"{type(loss).__name__}{list(loss.shape) if isinstance(loss, Tensor) else ''}. "
                "Fix: reduce the loss, e.g. with .mean()."
            )
        if not means:
            means = _mean_reductions(loss)
        true_grads = grad(loss, [tensors[i] for i in chosen], allow_unused=True)
        true = []
        for i, g in zip(chosen, true_grads, strict=True):
            if g is not None and g.dtype.itemsize < (16 if g.dtype.is_complex else 8):
                low_precision = True
            true.append(
                _as_result(g) if g is not None else ([0.0] * len(values[i].flat), values[i].shape)
            )
        manual_raw = grad_fn(*[r.detach().numpy() if isinstance(r, Tensor) else r for r in rebuilt])
        manual_list = (
            list(manual_raw)
            if isinstance(manual_raw, (tuple, list)) and len(chosen) > 1
            else [manual_raw]
        )
        if len(manual_list) != len(chosen):
            raise ValueError(
                f"check_gradient: grad_fn returned {len(manual_list)} gradients for "
                f"{len(chosen)} inputs. Fix: return one gradient per input in wrt={chosen}."
            )
        points.append(_Point(true=true, manual=[_as_result(m) for m in manual_list]))

    default_rtol, default_atol = (1e-4, 1e-5) if low_precision else (1e-7, 1e-9)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    # tolerances scale with the size of the gradients
    scale = max([1.0, *(abs(x) for p in points for t, _ in p.true for x in t)])
    findings = []
    factors: list[float | None] = []
    worst = 0.0
    for position, i in enumerate(chosen):
        finding, factor, error = _analyse_input(
            position, labels[i], points, means, rtol, atol * scale
        )
        worst = max(worst, error)
        factors.append(factor)
        if finding is not None:
            findings.append(finding)
    ok = not findings
    ratio = None
    known = [f for f in factors if f is not None]
    if len(known) == len(factors) and all(abs(f - known[0]) <= 1e-6 * abs(known[0]) for f in known):
        ratio = known[0]
    where = f"at the given inputs and at {nearby} nearby point{'s' if nearby != 1 else ''}"
    if ok:
        summary = (
            f"The hand-written gradient agrees with autodiff {where} (max abs error {_fmt(worst)})."
        )
    else:
        summary = (
            f"The hand-written gradient does NOT match autodiff (checked {where}; max abs error "
            f"{_fmt(worst)}):"
        )
        if ratio is not None and ratio != 1.0:
            t0 = points[0].true[0][0]
            m0 = points[0].manual[0][0]
            summary += (
                f" at the given inputs it gives {_fmt_values(m0, points[0].manual[0][1])} where "
                f"autodiff gives {_fmt_values(t0, points[0].true[0][1])}."
            )
    return GradientReport(
        ok=ok,
        max_abs_error=worst,
        ratio=ratio,
        findings=findings,
        summary=summary,
        points=len(points),
    )
