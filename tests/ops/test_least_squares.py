"""``linalg.lstsq`` (``_least_squares.py``) against torch 2.13.0: its ``out=`` tuple, written by
torch's rules of its own (each out any dtype that holds its result's; the outs written in place,
and the ones the driver leaves unset untouched, where all four can be used directly)."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

_OUT_DTYPES = ["float16", "float32", "float64", "complex64", "int64", "bool"]


def _call(
    lib: Any,
    a: np.ndarray,
    b: np.ndarray,
    dtype: str,
    driver: Any,
    dtypes: list[str],
    sizes: list[int],
) -> tuple[Any, int]:
    """lstsq with out tensors of ``dtypes`` and ``sizes`` (each filled with 1): what it wrote (or
    the exception's class) and how many resize warnings it gave."""
    outs = tuple(
        lib.full((size,), 1).to(getattr(lib, d)) for d, size in zip(dtypes, sizes, strict=True)
    )
    A, B = (lib.tensor(x, dtype=getattr(lib, dtype)) for x in (a, b))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = lib.linalg.lstsq(A, B, driver=driver, out=outs)
        except (RuntimeError, TypeError) as error:
            return type(error), 0
    assert all(x is o for x, o in zip(found, outs, strict=True))
    written = [(str(o.dtype).split(".")[-1], tuple(o.shape), o.numpy()) for o in outs]
    return written, sum("resized" in str(w.message) for w in caught)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    ("dtype", "a_shape", "b_shape"),
    [("float32", (4, 3), (4, 2)), ("float64", (2, 4, 3), (2, 4)), ("complex64", (2, 3), (2, 2))],
)
def test_lstsq_out_as_torch(driver: Any, dtype: str, a_shape: Any, b_shape: Any) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    if dtype.startswith("complex"):
        a, b = a + 1j * rng.standard_normal(a_shape), b + 1j * rng.standard_normal(b_shape)
    real = "float32" if dtype == "complex64" else dtype
    for which, out_dtype, size in itertools.product(range(4), _OUT_DTYPES, (0, 5)):
        dtypes, sizes = [dtype, real, "int64", real], [0, 0, 0, 0]
        dtypes[which], sizes[which] = out_dtype, size
        theirs, warned = _call(torch, a, b, dtype, driver, dtypes, sizes)
        ours, ours_warned = _call(ag, a, b, dtype, driver, dtypes, sizes)
        case = (which, out_dtype, size)
        assert warned == ours_warned, case
        if isinstance(theirs, type):
            assert ours is theirs, case
            continue
        assert not isinstance(ours, type), (case, ours)
        for (dt, shape, value), (our_dt, our_shape, our_value) in zip(theirs, ours, strict=True):
            assert (our_dt, our_shape) == (dt, shape), case
            np.testing.assert_allclose(our_value, value, atol=1e-2, err_msg=str(case))


def test_lstsq_out_errors_as_torch() -> None:
    A, B = ag.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), ag.ones(3, 2)
    outs = [ag.empty(0), ag.empty(0), ag.empty(0, dtype=ag.int64), ag.empty(0)]
    with pytest.raises(TypeError, match="expected tuple of 4 elements but got 3"):
        ag.linalg.lstsq(A, B, out=tuple(outs[:3]))
    with pytest.raises(TypeError, match="expected Tensor as element 0 in argument 4, but got int"):
        ag.linalg.lstsq(A, B, out=(1, *outs[1:]))
    with pytest.raises(RuntimeError, match="Expected rank to be safely castable from Long dtype"):
        ag.linalg.lstsq(A, B, out=(*outs[:2], ag.empty(0, dtype=ag.bool), outs[3]))
    # (torch names the residuals "solution" here)
    with pytest.raises(RuntimeError, match="Expected solution to be safely castable from Float"):
        ag.linalg.lstsq(A, B, out=(outs[0], ag.empty(0, dtype=ag.int64), *outs[2:]))
    # torch trips an internal assert ("please report a bug"): a clean RuntimeError here
    with pytest.raises(RuntimeError, match=r"singular_values must have dtype arraygrad\.float32"):
        ag.linalg.lstsq(A, B, out=(*outs[:3], ag.empty(0, dtype=ag.float64)))
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype float, but got doub"):
        ag.linalg.lstsq(
            A, B, driver="gels", out=(outs[0], ag.empty(0, dtype=ag.float64), *outs[2:])
        )
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.linalg.lstsq(A, B, out=(outs[0], ag.empty(0, requires_grad=True), *outs[2:]))


def test_lstsq_out_takes_singular_values_requiring_grad_as_torch() -> None:
    # (torch's singular_values have no gradient: their out may require grad)
    values = ag.empty(0, requires_grad=True)
    A, B = ag.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), ag.ones(3, 1)
    outs = (ag.empty(0), ag.empty(0), ag.empty(0, dtype=ag.int64), values)
    assert ag.linalg.lstsq(A, B, driver="gelsd", out=outs).singular_values.tolist() == [2.0, 1.0]


def test_lstsq_reads_the_driver_in_any_case_as_torch() -> None:
    A, B = ag.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), ag.ones(3, 2)
    assert ag.linalg.lstsq(A, B, driver="GELSD").singular_values.shape == (2,)


@pytest.mark.parametrize(
    ("a_shape", "b_shape", "driver"),
    [
        ((3, 2), (3, 4), None),
        ((2, 3), (2, 4), "gelsd"),
        ((2, 3, 2), (2, 3, 1), "gels"),
        ((2, 3, 2), (2, 3), None),
        ((3, 2), (3,), "gelss"),
    ],
)
def test_lstsq_out_direct_solution_is_lapacks_column_major_as_torch(
    a_shape: Any, b_shape: Any, driver: Any
) -> None:
    # Regression: an empty solution written in place came back row-major; torch leaves the
    # first n rows of LAPACK's column-major buffer of max(m, n) rows (strides like (1, 3)).
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    found = []
    for lib in (torch, ag):
        outs = (lib.empty(0), lib.empty(0), lib.empty(0, dtype=lib.int64), lib.empty(0))
        solution = lib.linalg.lstsq(
            lib.tensor(a, dtype=lib.float32),
            lib.tensor(b, dtype=lib.float32),
            driver=driver,
            out=outs,
        ).solution
        assert solution is outs[0]
        found.append((tuple(solution.shape), solution.stride(), solution.numpy().copy()))
    assert found[1][:2] == found[0][:2]
    np.testing.assert_allclose(found[1][2], found[0][2], rtol=1e-4, atol=1e-5)


_LSTSQ_FAULTS: dict[str, Any] = {
    "A 1-d": lambda lib, d: d.update(A=lib.ones(3, dtype=d["A"].dtype)),
    "B 0-d": lambda lib, d: d.update(B=lib.tensor(1.0, dtype=d["B"].dtype)),
    "dtypes": lambda lib, d: d.update(B=d["B"].double()),
    "integer": lambda lib, d: d.update(A=d["A"].long(), B=d["B"].long()),
    "ranks": lambda lib, d: d.update(B=lib.ones(2, 2, 3, 4, dtype=d["B"].dtype)),
    "rows": lambda lib, d: d.update(B=lib.ones(5, dtype=d["B"].dtype)),
    "driver": lambda lib, d: d.update(driver="x"),
    "out dtype": lambda lib, d: d.update(
        out=(
            lib.empty(0, dtype=lib.bool),
            lib.empty(0),
            lib.empty(0, dtype=lib.int64),
            lib.empty(0),
        )
    ),
}


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(_LSTSQ_FAULTS, 2)))
def test_lstsq_checks_in_torchs_order(first: str, second: str) -> None:
    # Regression: arraygrad checked the out dtypes and the driver before the operands' ranks
    # and sizes (and the driver before their dtypes); torch: ranks, dtypes, sizes, out
    # dtypes, driver, then the dtype's support.
    raised = []
    for lib in (torch, ag):
        call: dict[str, Any] = {"A": lib.ones(3, 2), "B": lib.ones(3, 4), "driver": None}
        call["out"] = None
        for fault in (first, second):
            _LSTSQ_FAULTS[fault](lib, call)
        with pytest.raises(RuntimeError) as info:
            lib.linalg.lstsq(call["A"], call["B"], driver=call["driver"], out=call["out"])
        raised.append(str(info.value))
    assert raised[1].startswith(raised[0]) and "Fix:" in raised[1]
