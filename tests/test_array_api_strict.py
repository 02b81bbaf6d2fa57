"""The op tables again, with ``array_api_strict`` arrays as the storage.

``array_api_strict`` implements the Array API standard and nothing more, so any NumPy-only call
outside ``_backend/`` fails here: passing proves the engine and the ops are library-agnostic.
Every ``OP_TABLE`` of the op test modules is collected and each row is compared with torch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import all_op_tables, run_torch_case, strict_backend

pytest.importorskip("array_api_strict")

ROWS = all_op_tables()


def test_tables_were_found() -> None:
    assert len(ROWS) > 20


@pytest.mark.parametrize("row", sorted(ROWS))
@settings(max_examples=4)
@given(data=st.data())
def test_op_matches_torch_on_array_api_strict(row: str, data: st.DataObject) -> None:
    with strict_backend():
        run_torch_case(ROWS[row], data.draw, np.float64)


def test_storage_really_is_array_api_strict() -> None:
    import array_api_strict

    strict_array = type(array_api_strict.asarray(0.0))
    with strict_backend():
        t = ag.tensor([1.0, 2.0], requires_grad=True)
        assert isinstance(t._data, strict_array)
        (t * t).sum().backward()
        assert t.grad is not None and isinstance(t.grad._data, strict_array)
        assert t.grad.tolist() == [2.0, 4.0]


def test_a_dtype_the_library_lacks_raises_a_type_error_naming_it_and_the_fix() -> None:
    # array_api_strict has no float16; the message once crashed reading a name off the namespace.
    with strict_backend():
        for make in (lambda: ag.zeros(2, dtype=ag.float16), lambda: ag.tensor([1.0]).half()):
            with pytest.raises(TypeError, match=r"arraygrad\.float16 .* array_api_strict.*Fix:"):
                make()


def test_tensors_of_two_libraries_with_numbers_warn_nothing() -> None:
    # The fast path for ``tensor op number`` knows float dtype objects of every library met; it
    # once held them in a set, whose lookups compared array_api_strict's dtypes with NumPy's,
    # which array_api_strict warns about.
    numpy_tensor = ag.tensor([1.0, 2.0])
    assert (numpy_tensor * 2).tolist() == [2.0, 4.0]
    with strict_backend(), warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ag.tensor([1.0, 2.0], requires_grad=True)
        ((t * 2 + 1) ** 2 - 0.5).sum().backward()
        assert t.grad is not None and t.grad.tolist() == [12.0, 20.0]
        assert (numpy_tensor * 2).tolist() == [2.0, 4.0]


def test_compile_runs_eagerly_with_a_warning_on_a_standard_only_library() -> None:
    # It crashed: traces copied arrays with NumPy's copy(order="K"), which the standard lacks.
    with strict_backend():
        f = ag.compile(lambda a: (a * 2).sum())
        with pytest.warns(RuntimeWarning, match=r"runs eagerly: .*array_api_strict.*Fix:") as w:
            assert f(ag.tensor([1.0, 2.0])).item() == 6.0
        assert w[0].filename == __file__
        with pytest.raises(RuntimeError, match=r"fullgraph=True.*array_api_strict"):
            ag.compile(lambda a: a * 2, fullgraph=True)(ag.tensor([3.0]))
