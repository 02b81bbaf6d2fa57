"""rand_like, randn_like, randint_like and asarray (``_creation``) against torch 2.13.0.

Random values differ from PyTorch's (another generator); shapes, dtypes, ranges, seeding and
errors are compared.
"""

from __future__ import annotations

import math
import random
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

LIKE_CASES = [
    ((2, 3), "float32", {}),
    ((4,), "float64", {}),
    ((), "float16", {}),
    ((0, 2), "float32", {}),
    ((2, 2), "int64", {"dtype": "float64"}),
    ((3,), "float64", {"dtype": "float32", "requires_grad": True}),
]


def _kwargs(module: Any, options: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(module, v) if k == "dtype" else v for k, v in options.items()}


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


@pytest.mark.parametrize(("shape", "dtype", "options"), LIKE_CASES)
@pytest.mark.parametrize("name", ["rand_like", "randn_like"])
def test_float_like_shapes_dtypes_and_grad_match_torch(
    name: str, shape: tuple[int, ...], dtype: str, options: dict[str, Any]
) -> None:
    theirs = getattr(torch, name)(
        torch.zeros(shape, dtype=getattr(torch, dtype)), **_kwargs(torch, options)
    )
    mine = getattr(ag, name)(ag.zeros(shape, dtype=getattr(ag, dtype)), **_kwargs(ag, options))
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert _dtype_name(mine) == _dtype_name(theirs)
    assert mine.requires_grad is theirs.requires_grad and mine.is_leaf


def test_float_like_values_are_seeded_and_distributed() -> None:
    ag.manual_seed(3)
    first = ag.rand_like(ag.zeros(10_000, dtype=ag.float64))
    ag.manual_seed(3)
    again = ag.rand_like(ag.zeros(10_000, dtype=ag.float64))
    assert first.tolist() == again.tolist()
    values = first.numpy()
    assert values.min() >= 0.0 and values.max() < 1.0 and abs(values.mean() - 0.5) < 0.02
    normal = ag.randn_like(ag.zeros(10_000, dtype=ag.float64)).numpy()
    assert abs(normal.mean()) < 0.05 and abs(normal.std() - 1.0) < 0.05


RANDINT_CASES = [
    ((5,), {}, "float32"),
    ((3, 5), {}, "float32"),
    ((), {"high": 5}, "int32"),
    ((), {"low": 2, "high": 5}, "int32"),
    ((-3, 4), {"dtype": "int64"}, "float64"),
    ((7,), {"dtype": "float64"}, "uint8"),
]


@pytest.mark.parametrize(("args", "options", "dtype"), RANDINT_CASES)
def test_randint_like_matches_torch(
    args: tuple[int, ...], options: dict[str, Any], dtype: str
) -> None:
    for shape in [(50,), (2, 0), ()]:
        theirs = torch.randint_like(
            torch.zeros(shape, dtype=getattr(torch, dtype)), *args, **_kwargs(torch, options)
        )
        mine = ag.randint_like(
            ag.zeros(shape, dtype=getattr(ag, dtype)), *args, **_kwargs(ag, options)
        )
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert _dtype_name(mine) == _dtype_name(theirs)
        low, high = (0, args[0]) if len(args) == 1 else args if args else (0, 0)
        low, high = options.get("low", low), options.get("high", high)
        values = mine.numpy()
        assert np.all((values >= low) & (values < high)) and np.all(values == np.floor(values))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.rand_like(m.zeros(2, dtype=m.int64)), NotImplementedError),
        (lambda m: m.rand_like(m.zeros(2), dtype=m.int64), NotImplementedError),
        (lambda m: m.randn_like(m.zeros(2, dtype=m.int32)), NotImplementedError),
        (lambda m: m.randint_like(m.zeros(2), 5, 3), RuntimeError),
        (lambda m: m.randint_like(m.zeros(2), 0), RuntimeError),
        (lambda m: m.logspace(0, 2, -1), RuntimeError),
        (lambda m: m.arange(0, 10, -1), RuntimeError),  # the step's sign against the bounds
        (lambda m: m.arange(10, 0, 2), RuntimeError),
        (lambda m: m.arange(0.0, 1.0, -0.5), RuntimeError),
        (lambda m: m.full((2,), "x"), TypeError),  # not a number
        (lambda m: m.full((2,), None), TypeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


FACTORY_KEYWORDS: dict[str, Any] = {
    "zeros_size": lambda lib: lib.zeros(size=(2, 3)),
    "ones_size_list": lambda lib: lib.ones(size=[2]),
    "empty_size": lambda lib: lib.empty(size=(2,)),
    "rand_size": lambda lib: lib.rand(size=(2, 1)),
    "randn_size": lambda lib: lib.randn(size=(3,)),
    "new_zeros_size": lambda lib: lib.ones(2).new_zeros(size=(3,)),
    "size_twice": lambda lib: lib.ones(2, size=(3,)),
    "placement": lambda lib: lib.zeros(3, device="cpu", pin_memory=False),
    "like_placement": lambda lib: lib.zeros_like(lib.ones(2), device="cpu"),
    "misspelt": lambda lib: lib.arange(3, devise="cpu"),
    "unknown": lambda lib: lib.eye(2, foo=1),
    "randn_unknown": lambda lib: lib.randn(2, seed=1),
    "out_none": lambda lib: lib.zeros(2, 3, out=None),
    "arange_end_keyword": lambda lib: lib.arange(end=5),
    "arange_start_end_keywords": lambda lib: lib.arange(start=1, end=7, step=2),
    "arange_nothing": lambda lib: lib.arange(),
    "randint_high_size_keywords": lambda lib: lib.randint(high=10, size=(3,)),
    "randint_high_then_size_keyword": lambda lib: lib.randint(10, size=(2, 2)),
    "randint_all_keywords": lambda lib: lib.randint(low=2, high=10, size=(3,)),
    "randint_requires_grad_false": lambda lib: lib.randint(0, 10, (3,), requires_grad=False),
    "randperm_requires_grad_false": lambda lib: lib.randperm(5, requires_grad=False),
    "rand_like_generator": lambda lib: lib.rand_like(lib.zeros(3), generator=lib.Generator()),
    "randn_like_generator": lambda lib: lib.randn_like(lib.zeros(3), generator=lib.Generator()),
    "randint_like_generator": lambda lib: lib.randint_like(
        lib.zeros(3), 5, generator=lib.Generator()
    ),
}


@pytest.mark.parametrize("name", sorted(FACTORY_KEYWORDS))
def test_factory_keywords_as_in_torch(name: str) -> None:
    # size= is a shape (it was ignored: zeros(size=(2, 3)) gave a 0-d tensor), placement
    # keywords are accepted, and unknown or misspelt ones are a TypeError (they were ignored).
    def run(lib: Any) -> Any:
        try:
            return list(FACTORY_KEYWORDS[name](lib).shape)
        except TypeError:
            return TypeError

    assert run(ag) == run(torch)


def test_like_functions_refuse_out_and_say_what_to_do() -> None:
    """PyTorch's ``*_like`` take no out= (the factories do: tests/test_out.py)."""
    with pytest.raises(TypeError, match=r"zeros_like\(\) got an unexpected keyword.*copy_"):
        ag.zeros_like(ag.ones(3), out=ag.ones(3))


def test_like_functions_draw_from_the_generator_given() -> None:
    draws = []
    for _ in range(2):
        g = ag.Generator()
        g.manual_seed(3)
        x = ag.zeros(4)
        draws.append([f(x, generator=g).tolist() for f in (ag.rand_like, ag.randn_like)])
        draws[-1].append(ag.randint_like(x, 100, generator=g).tolist())
    assert draws[0] == draws[1]


# --- asarray: torch's rules for sharing, copying, dtypes and requires_grad ----------------------


def _leaf(lib: Any) -> Any:
    return lib.tensor([1.0, 2.0], requires_grad=True)


ASARRAY = {
    "tensor": lambda L: (t := L.tensor([1.0, 2.0]), L.asarray(t)),
    "tensor_copy": lambda L: (t := L.tensor([1.0, 2.0]), L.asarray(t, copy=True)),
    "tensor_dtype": lambda L: (t := L.tensor([1.0, 2.0]), L.asarray(t, dtype=L.float64)),
    "tensor_same_dtype_no_copy": lambda L: (
        t := L.tensor([1.0, 2.0]),
        L.asarray(t, dtype=L.float32, copy=False),
    ),
    "leaf_keeps_requires_grad": lambda L: (t := _leaf(L), L.asarray(t)),
    "leaf_false_clears_its_flag": lambda L: (t := _leaf(L), L.asarray(t, requires_grad=False)),
    "leaf_copy_stays_in_graph": lambda L: (t := _leaf(L), L.asarray(t, copy=True)),
    "leaf_copy_false": lambda L: (t := _leaf(L), L.asarray(t, copy=True, requires_grad=False)),
    "leaf_dtype": lambda L: (t := _leaf(L), L.asarray(t, dtype=L.float64, requires_grad=True)),
    "non_leaf": lambda L: (t := _leaf(L) * 2, L.asarray(t)),
    "non_leaf_false_detaches": lambda L: (t := _leaf(L) * 2, L.asarray(t, requires_grad=False)),
    "plain_true": lambda L: (t := L.tensor([1.0, 2.0]), L.asarray(t, requires_grad=True)),
    "plain_true_copy": lambda L: (
        t := L.tensor([1.0, 2.0]),
        L.asarray(t, requires_grad=True, copy=True),
    ),
    "ints": lambda L: (None, L.asarray([1, 2])),
    "floats": lambda L: (None, L.asarray([1.0, 2])),
    "float": lambda L: (None, L.asarray(3.5)),
    "bool": lambda L: (None, L.asarray(True)),
    "list_dtype": lambda L: (None, L.asarray([1, 2], dtype=L.float64)),
    "list_float_to_int": lambda L: (None, L.asarray([1.5, 2], dtype=L.int64)),
    "float_requires_grad": lambda L: (None, L.asarray(3.5, requires_grad=True)),
    "numpy": lambda L: (None, L.asarray(np.array([1.0, 2.0]))),
    "numpy_dtype": lambda L: (None, L.asarray(np.array([1.0, 2.0]), dtype=L.float32)),
    "numpy_requires_grad": lambda L: (None, L.asarray(np.array([1.0, 2.0]), requires_grad=True)),
    "numpy_0d": lambda L: (None, L.asarray(np.array(3.0))),
    "numpy_scalar": lambda L: (None, L.asarray(np.float64(3.0))),
    "numpy_int32_scalar": lambda L: (None, L.asarray(np.int32(3))),
    "numpy_uint8": lambda L: (None, L.asarray(np.array([1, 2], dtype=np.uint8))),
}


@pytest.mark.parametrize("name", sorted(ASARRAY))
def test_asarray_matches_torch(name: str) -> None:
    seen = []
    for lib in (torch, ag):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the requires_grad default's warning: tested below
            source, result = ASARRAY[name](lib)
        seen.append(
            (
                _dtype_name(result),
                result.requires_grad,
                result.is_leaf,
                result is source,
                None if source is None else source.requires_grad,
                result.tolist(),
            )
        )
    assert seen[1] == seen[0]


def test_asarray_shares_memory_unless_it_must_copy() -> None:
    array = np.array([1.0, 2.0])
    shared, copied = ag.asarray(array), ag.asarray(array, copy=True)
    converted = ag.asarray(array, dtype=ag.float32)
    array[0] = 5.0
    assert shared.tolist() == [5.0, 2.0] and np.shares_memory(shared.numpy(), array)
    assert copied.tolist() == [1.0, 2.0] and converted.tolist() == [1.0, 2.0]
    x = ag.tensor([1.0, 2.0])
    copy = ag.asarray(x, copy=True)
    x[0] = 9.0
    assert copy.tolist() == [1.0, 2.0]


def test_asarray_copies_and_conversions_keep_the_graph() -> None:
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.asarray(x * 3, dtype=lib.float64) + lib.asarray(x, copy=True, requires_grad=True)
        y.sum().backward()
        assert x.grad.tolist() == [4.0, 4.0]


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.asarray(L.ones(2), dtype=L.float64, copy=False), ValueError),
        (lambda L: L.asarray(np.ones(2), dtype=L.float32, copy=False), ValueError),
        (lambda L: L.asarray([1, 2], copy=False), ValueError),
        (lambda L: L.asarray(3.0, copy=False), ValueError),
        (lambda L: L.asarray(np.float64(3.0), copy=False), RuntimeError),
        (lambda L: L.asarray([1, 2], requires_grad=True), RuntimeError),
        (lambda L: L.asarray(L.tensor([1, 2]), requires_grad=True), RuntimeError),
        (lambda L: L.asarray(np.array([1, 2]), requires_grad=True), RuntimeError),
    ],
)
def test_asarray_errors_match_torch(fn: Any, error: type) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_asarray_warns_once_that_requires_grad_now_follows_the_tensor() -> None:
    ag._creation._warned_requires_grad[0] = False
    with pytest.warns(UserWarning, match="unspecified requires_grad now defaults"):
        ag.asarray(ag.tensor([1.0], requires_grad=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.asarray(ag.tensor([1.0], requires_grad=True))  # once only, as torch
        ag.asarray(ag.tensor([1.0], requires_grad=True), requires_grad=True)


def test_asarray_names_the_dtypes_it_cannot_alias() -> None:
    with pytest.raises(
        ValueError, match="can't alias tensor with dtype 'Float' into dtype 'Double'"
    ):
        ag.asarray(ag.ones(2), dtype=ag.float64, copy=False)


def test_asarray_copies_a_0d_numpy_array_as_torch() -> None:
    """torch copies a 0-d NumPy array (as a NumPy scalar), even with copy=False."""
    for copy in (None, False):
        found = []
        for lib in (torch, ag):
            array = np.array(2.5)
            result = lib.asarray(array, copy=copy)
            array[()] = 7.0
            found.append(result.item())
        assert found == [2.5, 2.5]


def test_nan_in_data_for_an_integer_dtype_raises_pytorchs_runtime_error() -> None:
    # NumPy refuses with a ValueError; PyTorch raises the RuntimeError it raises for every value
    # an integer dtype cannot hold (inf and 1e20 already did).
    for data in ([float("nan"), 1], [[float("nan"), False], [float("inf"), -1]]):
        with pytest.raises(RuntimeError, match="cannot be converted to type int32"):
            torch.tensor(data, dtype=torch.int32)
        with pytest.raises(RuntimeError, match=r"cannot be converted to type int32.*NaN.*Fix:"):
            ag.tensor(data, dtype=ag.int32)
    assert ag.tensor([float("nan")], dtype=ag.bool).tolist() == [True]


@pytest.mark.parametrize("name", ["rand_like", "randn_like", "randint_like"])
@pytest.mark.parametrize("layout", ["transposed", "permuted", "expanded"])
def test_random_like_results_are_laid_out_as_torch_s(name: str, layout: str) -> None:
    # preserve_format, as zeros_like's: randn_like and randint_like gave C order whatever the
    # input's layout (rand_like followed it).
    def strides(lib: Any) -> tuple[int, ...]:
        base = lib.zeros(2, 3, 4)
        source = {
            "transposed": base[0].t(),
            "permuted": base.permute(2, 0, 1),
            "expanded": lib.zeros(3, 1).expand(3, 4),
        }[layout]
        args = (5,) if name == "randint_like" else ()
        return tuple(getattr(lib, name)(source, *args).stride())

    assert strides(ag) == strides(torch)


@pytest.mark.parametrize(
    "data",
    [
        [-1],
        [-129, 3],
        [[7], [-255]],
        -3,
        [-256],
        [300],
        [True, -1],
        [-0.0, -1],
        [-1.5, -1],
        [-1, float("nan")],
    ],
    ids=repr,
)
def test_negative_ints_in_uint8_wrap_as_torch_down_to_minus_255(data: Any) -> None:
    # torch stores -1 as 255 and refuses -256 (dtype fuzzer, seed 20453)
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(lib.tensor(data, dtype=lib.uint8).tolist())
        except RuntimeError:
            outcomes.append("RuntimeError")
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "data",
    [[1, 2], np.float32(3.0), np.array([object()]), np.array(["a"])],
    ids=["list", "numpy_scalar", "object_array", "string_array"],
)
def test_from_numpy_takes_only_numpy_arrays_of_supported_dtypes(data: Any) -> None:
    # it accepted lists and scalars (copying them), and object arrays (failing at first use)
    with pytest.raises(TypeError):
        torch.from_numpy(data)
    with pytest.raises(TypeError, match=r"np\.ndarray"):
        ag.from_numpy(data)
    with pytest.raises(TypeError, match="uint32"):  # (a dtype torch has and arraygrad has not)
        ag.from_numpy(np.zeros(2, np.uint32))


def test_tensor_of_a_tensor_warns_as_torch_and_copies() -> None:
    source = ag.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match=r"detach\(\)\.clone\(\)") as caught:
        copy = ag.tensor(source)
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        torch.tensor(torch.ones(2))
    assert not copy.requires_grad and copy.is_leaf
    copy.add_(1)
    assert source.tolist() == [1.0, 1.0]


def _scalar(lib: Any, name: str, value: Any) -> Any:
    """A 0-d tensor of dtype ``name`` of ``lib`` holding ``value``."""
    return lib.tensor(value, dtype=getattr(lib, name))


# Nested data holding NumPy scalars, NumPy arrays or tensors beside Python numbers: torch
# promotes each scalar's own dtype (a Python float: the default dtype).
_OWN_DTYPES = {
    "float_and_f64": lambda lib: [1.0, np.float64(2)],
    "int_and_f64": lambda lib: [1, np.float64(2)],
    "f64_in_a_tuple": lambda lib: (np.float64(1), 1.0),
    "nested_f64": lambda lib: [[np.float64(1)], [1.0]],
    "f16": lambda lib: [np.float16(2), 3],
    "f32_and_f64": lambda lib: [np.float32(1), np.float64(2)],
    "i32": lambda lib: [np.int32(2)],
    "int_and_i32": lambda lib: [1, np.int32(2)],
    "float_and_i32": lambda lib: [1.5, np.int32(2)],
    "i8_and_u8": lambda lib: [np.int8(-2), np.uint8(200)],
    "bool_and_np_bool": lambda lib: [True, np.bool_(False)],
    "c128": lambda lib: [np.complex128(1 + 2j)],
    "f64_and_c64": lambda lib: [np.float64(0.1), np.complex64(1j)],
    "f16_and_complex": lambda lib: [np.float16(1), 1j],
    "0d_array_second": lambda lib: [1.0, np.array(0.1)],
    "arrays": lambda lib: [np.array([1, 2], np.int32), np.array([1.5, 0.1])],
    "f64_tensor": lambda lib: [1.0, _scalar(lib, "float64", 0.1)],
    "i32_tensors": lambda lib: [_scalar(lib, "int32", 3), _scalar(lib, "int8", -4)],
    "f16_tensor_and_int": lambda lib: [_scalar(lib, "float16", 0.1), 1],
    "f64_tensor_and_f32": lambda lib: [_scalar(lib, "float64", 0.1), np.float32(0.1)],
}


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("name", list(_OWN_DTYPES))
def test_tensor_infers_numpy_scalars_and_tensors_dtypes_as_torch(name: str, default: str) -> None:
    # tensor([1.0, np.float64(2)]) was float32 and tensor([np.int32(2)]) int64: arraygrad read
    # NumPy's inference of the values, where torch keeps each NumPy scalar's and tensor's dtype
    outcomes = []
    for lib in (torch, ag):
        before = lib.get_default_dtype()
        lib.set_default_dtype(getattr(lib, default))
        try:
            made = lib.tensor(_OWN_DTYPES[name](lib))
        finally:
            lib.set_default_dtype(before)
        outcomes.append((_dtype_name(made), made.tolist()))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1, np.bool_(True)], None),
        ([np.int64(1), np.bool_(False)], None),
        ([1, np.float32(1.5)], "int64"),
        ([np.complex64(1)], "uint8"),
        ([2, np.array(1.5)], "int32"),
    ],
    ids=repr,
)
def test_tensor_refuses_to_store_non_integers_into_integers_as_torch(data: Any, dtype: Any) -> None:
    # torch stores a float (truncated) or an index into an integer tensor; arraygrad stored a
    # NumPy bool, float32 or complex scalar too
    for lib in (torch, ag):
        with pytest.raises(TypeError, match=r"cannot be interpreted as an integer|integer scalar"):
            lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype))
    # a float64 (a Python float) is truncated, and a NumPy integer stored
    assert ag.tensor([np.float64(2.7), np.int8(3)], dtype=ag.int8).tolist() == [2, 3]


ARANGE_INTEGER_CASES = [
    ((2**62, 2**62 + 3), None),  # beyond 2**53: the float64 path had lost the last bits
    ((10**17, 10**17 + 30, 7), None),
    ((0, 2**62 + 1, 2**61), None),  # int64's count is exact integer arithmetic
    ((0, 2**62 + 1, 2**61), "int32"),  # the others' from the double difference
    ((0.9, 4.2, 1.5), "int32"),  # bounds and step truncated first: 0, 1, 2
    ((0.9, 4.2, 1.5), "int64"),
    ((-2.7, 3), "int64"),
    ((-2.7, 3), "int8"),
    ((3.5, -2.2, -1.5), "int32"),
    ((0, 300, 100), "int8"),  # wraps round, as torch's
    ((np.int64(2), 7, 2), None),  # a NumPy int is an int: int64
    ((0, 2**63), None),  # beyond int64: torch's RuntimeError
    ((-(2**63) - 1, 0), None),  # and its OverflowErrors
    ((0, 2**64, 2**62), None),
    ((0, 1, 0.5), "int64"),  # a step that truncates to 0: torch's ValueError
    ((0, 1, 0.5), "int32"),  # (the others repeat the start)
]


@pytest.mark.parametrize("args, dtype", ARANGE_INTEGER_CASES)
def test_integer_arange_is_torch_s(args: tuple[Any, ...], dtype: str | None) -> None:
    # Integer ranges were computed in float64 and cast: wrong past 2**53, and from the
    # untruncated bounds where torch's integer kernels truncate them first.
    outcomes = []
    for lib in (torch, ag):
        options = {} if dtype is None else {"dtype": getattr(lib, dtype)}
        try:
            result = lib.arange(*args, **options)
        except Exception as error:  # (the class is the outcome compared)
            outcomes.append(type(error))
        else:
            outcomes.append((result.tolist(), str(result.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "bounds",
    [
        (("int8", -3), 0),  # an integer 0-d tensor is an integer bound: int64
        (("int32", 3),),
        (("bool", True),),
        (0, 3, ("uint8", 1)),
        (("int64", 1), ("float64", 3.5)),  # a float one makes it the default float dtype
        (("int64", [3]),),  # a tensor of one dimension: torch's TypeError
        (0, ("int64", [3])),
    ],
)
def test_arange_reads_0d_tensor_bounds_as_numbers_like_torch(bounds: tuple[Any, ...]) -> None:
    # arraygrad converted every tensor bound to float: arange(tensor(3)) was float32
    outcomes = []
    for lib in (torch, ag):
        args = [
            lib.tensor(b[1], dtype=getattr(lib, b[0])) if isinstance(b, tuple) else b
            for b in bounds
        ]
        try:
            result = lib.arange(*args)
        except TypeError as error:
            outcomes.append((TypeError, "arange()" in str(error)))
        else:
            outcomes.append((result.tolist(), str(result.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


ARANGE_BOUND_CASES = [
    (0, 2, 1e39),  # a step beyond float32: float16 and bfloat16 compute in it
    (1e39, 0, -1e38),  # a start beyond it
    (0, 1e39, 1e38),  # (an end beyond it is taken: the values past 65504 are inf)
    (0, 1, float("inf")),  # (an infinite step too)
    (0, float("inf"), 1),  # bounds that are not finite
    (float("nan"), 1, -1),  # (before the step's sign)
    (0, 1, float("nan")),  # a NaN step is not a nonzero one
    (0, 1e300, 1e-300),  # more values than int64 counts (int64: its end's overflow first)
    (-1e308, 1e308, 1e-300),  # (before the start's overflow)
    (0, 3, 0.9),  # a step truncated to 0: the start repeated, int64's ValueError
    (0, 2.0**63, 2.0**62),  # 2**63 as a double passes int64's test and wraps round
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "int64", "int32"])
@pytest.mark.parametrize("args", ARANGE_BOUND_CASES)
def test_arange_checks_its_bounds_as_torch(args: tuple[float, ...], dtype: str) -> None:
    # arraygrad made NaNs and infs of bounds beyond float32 in float16 and bfloat16, raised
    # Python's OverflowError or ValueError for infinite or NaN bounds and for counts past
    # int64, and refused an integer step truncated to 0 in every integer dtype
    outcomes = []
    for lib in (torch, ag):
        try:
            result = lib.arange(*args, dtype=getattr(lib, dtype))
        except Exception as error:  # (the class and torch's words are the outcome compared)
            outcomes.append((type(error), str(error).split(":")[0]))
        else:
            outcomes.append((result.tolist(), str(result.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "data",
    [
        [np.array(2.0)],
        [[np.array(1.0)], [np.array(2.0)]],
        [np.array(2.0), 1.0],
        [1.0, np.array(3)],  # (a 0-d array after the first item is read as a number)
        [np.array([2.0])],
    ],
)
def test_a_0d_array_first_in_a_list_is_refused_as_torch(data: list[Any]) -> None:
    # torch sizes each level of nested data by its first item's len(): a 0-d NumPy array
    # there is its TypeError, where arraygrad read the value
    outcomes = []
    for lib in (torch, ag):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch's "list of numpy.ndarrays is slow")
            try:
                made = lib.tensor(data)
            except TypeError as error:
                outcomes.append(str(error).split(":")[0])
            else:
                outcomes.append((made.tolist(), str(made.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


def _bits(t: Any) -> list[tuple[float, float]]:
    """Each value of ``t`` with its sign (to tell -0.0 from 0.0), as float64s."""
    return [(v, math.copysign(1.0, v)) for v in t.double().tolist()]


def _random_ranges(seed: int, count: int) -> list[tuple[float, float, float]]:
    """``count`` ranges ``(start, end, step)``: starts in [-10, 10] (some 100 times larger or
    smaller), steps of either sign, 1 to 300 values; a fifth of them of short binary fractions
    (whose values a float holds exactly)."""
    rng = random.Random(seed)
    ranges = [(-0.0, -2.0, -0.3), (-0.0, 2.0, 0.3), (0.0, -2.0, -0.3), (-0.0, -2.0, -0.25)]
    for _ in range(count):
        if rng.random() < 0.2:
            start = rng.randint(-5000, 5000) / 2 ** rng.randint(0, 30)
            step = rng.randint(1, 5000) / 2 ** rng.randint(0, 30)
        else:
            start = rng.uniform(-10, 10) * rng.choice([1, 1, 1e-3, 100])
            step = rng.uniform(0.01, 3) * rng.choice([1, 1, 1e-3])
        step *= rng.choice([1, -1])
        n = rng.choice([rng.randint(1, 64), rng.randint(65, 300)])
        ranges.append((start, start + step * (n - 0.5), step))
    return ranges


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_float_arange_has_torch_s_bits(dtype: str) -> None:
    # Float ranges were start + i * step in float64, cast: a last bit off torch's in most
    # ranges. Torch's kernel fuses each multiply-add (in float32 for 16-bit floats) and fills
    # vectors of 32 bytes from bases rounded to the dtype, the rest one by one.
    wrong = []
    for start, end, step in _random_ranges(seed=len(dtype), count=300):
        want = torch.arange(start, end, step, dtype=getattr(torch, dtype))
        got = ag.arange(start, end, step, dtype=getattr(ag, dtype))
        if _bits(got) != _bits(want):
            wrong.append((start, end, step))
    assert not wrong, f"{len(wrong)} ranges differ from torch's, e.g. {wrong[:3]}"


@pytest.mark.parametrize("count", [32769, 70003])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_long_float_arange_has_torch_s_bits_on_its_threads(dtype: str, count: int) -> None:
    # Past 32768 values torch splits a range among its threads, each part filling vectors
    # from its own first index: arraygrad follows get_num_threads().
    threads = torch.get_num_threads()
    torch.set_num_threads(ag.get_num_threads())
    try:
        start, step = 0.123456789, -0.0123456789
        end = start + step * (count - 0.5)
        want = torch.arange(start, end, step, dtype=getattr(torch, dtype))
    finally:
        torch.set_num_threads(threads)
    got = ag.arange(start, end, step, dtype=getattr(ag, dtype))
    assert got.shape == want.shape
    assert np.array_equal(got.numpy(), want.numpy())


REFUSED_FACTORY_DTYPES = {
    "rand int64": lambda L: L.rand(2, dtype=L.int64),
    "rand bool": lambda L: L.rand(2, dtype=L.bool),
    "randn int64": lambda L: L.randn(2, dtype=L.int64),
    "randperm bool": lambda L: L.randperm(2, dtype=L.bool),
    "randperm complex64": lambda L: L.randperm(2, dtype=L.complex64),
    "randint complex64": lambda L: L.randint(0, 2, (2,), dtype=L.complex64),
    "arange bool": lambda L: L.arange(2, dtype=L.bool),
    "range bool": lambda L: L.range(0, 2, dtype=L.bool),
    "range complex64": lambda L: L.range(0, 2, dtype=L.complex64),
}


@pytest.mark.parametrize("case", list(REFUSED_FACTORY_DTYPES))
def test_factories_refuse_dtypes_as_torch(case: str) -> None:
    """Dtypes PyTorch's kernels have no implementation for: the same exception class."""
    raised = []
    for library in (torch, ag):
        with warnings.catch_warnings(), pytest.raises((NotImplementedError, RuntimeError)) as error:
            warnings.simplefilter("ignore")  # (range's deprecation)
            REFUSED_FACTORY_DTYPES[case](library)
        raised.append(error.type)
    assert raised[0] is raised[1]


PINNED = {
    "tensor": lambda L, pin: L.tensor([1.0, 2.0], pin_memory=pin),
    "zeros": lambda L, pin: L.zeros(2, pin_memory=pin),
    "empty": lambda L, pin: L.empty(2, pin_memory=pin),
    "rand": lambda L, pin: L.rand(2, pin_memory=pin),
    "randperm": lambda L, pin: L.randperm(2, pin_memory=pin),
}


@pytest.mark.parametrize("name", list(PINNED))
@pytest.mark.parametrize("pin", [False, True])
def test_pin_memory_keyword_as_torch(name: str, pin: bool) -> None:
    """pin_memory=False is taken (tensor() refused it); True is PyTorch's RuntimeError where no
    accelerator is present (the factories ignored it)."""
    outcomes = []
    for library in (torch, ag):
        try:
            outcomes.append(tuple(PINNED[name](library, pin).shape))
        except RuntimeError:
            outcomes.append("RuntimeError")
    assert outcomes[0] == outcomes[1]


def test_promote_types_takes_torch_keywords() -> None:
    assert ag.promote_types(type1=ag.int32, type2=ag.float16) is ag.float16
    assert torch.promote_types(type1=torch.int32, type2=torch.float16) is torch.float16


# Regression (leftovers13): the random *_like functions took memory_format= and ignored it
# (channels-last inputs and formats, permuted inputs with contiguous_format); torch lays the
# result out in that format and fills it in its memory order, complex samples too.
@pytest.mark.parametrize(
    "name",
    ["rand_like", "randn_like", "randint_like", "rand_like (complex)", "randn_like (complex)"],
)
@pytest.mark.parametrize(
    ("source", "form"),
    [
        ("plain", "channels_last"),
        ("plain 5-D", "channels_last_3d"),
        ("permuted", "contiguous_format"),
        ("permuted", "preserve_format"),
        ("channels-last", "contiguous_format"),
        ("channels-last", "preserve_format"),
        ("permuted", "channels_last"),
    ],
)
def test_random_like_memory_format_as_torch(name: str, source: str, form: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        x = {
            "plain": lambda L: L.zeros(2, 3, 4, 5),
            "plain 5-D": lambda L: L.zeros(2, 3, 2, 2, 2),
            "permuted": lambda L: L.zeros(3, 4, 5).permute(2, 0, 1),
            "channels-last": lambda L: L.zeros(2, 3, 4, 5).to(memory_format=L.channels_last),
        }[source](lib)
        function = getattr(lib, name.split()[0])
        args = (7,) if name == "randint_like" else ()
        kwargs = {"dtype": lib.complex64} if "complex" in name else {}
        lib.manual_seed(3)
        try:
            y = function(x, *args, memory_format=getattr(lib, form), **kwargs)
        except RuntimeError as error:
            outcomes.append(str(error)[:40])
            continue
        outcomes.append((tuple(y.stride()), y.flatten().tolist()))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "call",
    [
        "L.tensor([1j])", "L.tensor(1j)", "L.as_tensor([1.0, 2j])", "L.tensor([[1, 2j]])",
        "L.tensor([1j], dtype=L.complex64)", "L.ones(2) + 1j", "L.full((2,), 1j)",
        "L.where(L.tensor([True]), 1j, 0.0)", "L.zeros(1, dtype=L.cfloat).fill_(1j)",
    ],
)  # fmt: skip
def test_complex_data_under_a_bfloat16_default_as_torch(call: str) -> None:
    # Regression: tensor([1j]) made a complex64 tensor where torch refuses (no complex dtype
    # has bfloat16 parts); complex numbers as operands still make complex64.
    outcomes = []
    for L in (torch, ag):
        L.set_default_dtype(L.bfloat16)
        try:
            outcomes.append(str(eval(call, {"L": L}).dtype).split(".")[-1])
        except RuntimeError as error:
            outcomes.append(str(error).split(":")[0])
        finally:
            L.set_default_dtype(L.float32)
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("name", ["rand_like", "randn_like", "randint_like"])
def test_random_like_in_a_format_has_its_strides_for_size_one_dims_too(name: str) -> None:
    # Regression (review of leftovers13): with memory_format=channels_last, a size-1 dim's
    # stride was read from the input's layout (1) where torch's empty_like gives the format's
    # (3), as Tensor.to(memory_format=) already did.
    seen = []
    for L in (torch, ag):
        L.manual_seed(0)
        x = L.arange(24.0).reshape(2, 3, 2, 2)[:, :, :, ::2]
        args = (5,) if name == "randint_like" else ()
        made = getattr(L, name)(x, *args, memory_format=L.channels_last)
        seen.append((made.stride(), made.flatten().tolist()))
    assert seen[0] == seen[1]


def test_random_like_in_a_format_compiles_and_draws_anew_on_each_replay() -> None:
    # Regression (second read): the copy into the format's strides was made outside the
    # compile tracer, so a compiled rand_like(memory_format=) fell back to eager.
    x = ag.zeros(2, 3, 1, 2)

    @ag.compile
    def draw(x: Any) -> Any:
        return ag.rand_like(x, memory_format=ag.channels_last)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a fallback to eager warns)
        first, second, third = draw(x), draw(x), draw(x)
    assert first.stride() == second.stride() == third.stride() == (6, 1, 6, 3)
    assert not ag.equal(second, third)


@pytest.mark.parametrize("sizes", [(-3,), (-3, 0), (3, -1), (-1, -2)])
def test_eye_of_a_negative_size_is_torchs_runtime_error(sizes: tuple[int, ...]) -> None:
    # Regression (fuzz_methods seed 300088): NumPy's ValueError "negative dimensions are not
    # allowed" came out, where torch checks n, then m.
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            lib.eye(*sizes)
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0]) and "Fix:" in messages[1]
