"""Tensor creation, dtypes and promotion, conversions, printing and formatting, vs torch."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import grad_fn_names

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _pair(name: str) -> tuple[ag.dtype, torch.dtype]:
    return getattr(ag, name), getattr(torch, name)


def _same_dtype(mine: ag.dtype, theirs: torch.dtype) -> bool:
    return mine.name == str(theirs).removeprefix("torch.")


@pytest.mark.parametrize(
    "data",
    [1.5, 2, True, [1, 2], [1.0, 2], [[True, False]], [1, 2.5], np.float64(1.0), []],
    ids=repr,
)
def test_tensor_infers_torch_default_dtypes(data: object) -> None:
    assert _same_dtype(ag.tensor(data).dtype, torch.tensor(data).dtype)
    assert ag.tensor(data).shape == tuple(torch.tensor(data).shape)


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int64", "bool", "uint8"])
def test_numpy_arrays_keep_their_dtype(name: str) -> None:
    array = np.zeros(3, dtype=name)
    assert ag.tensor(array).dtype.name == name
    shared = ag.from_numpy(array)
    array[0] = 1
    assert shared.tolist()[0] == 1  # from_numpy shares memory, tensor() copies
    assert ag.tensor(array).tolist()[0] == 1


@pytest.mark.parametrize(("a", "b"), list(itertools.product(DTYPES, repeat=2)))
def test_tensor_tensor_promotion_matches_torch(a: str, b: str) -> None:
    (ag_a, th_a), (ag_b, th_b) = _pair(a), _pair(b)
    for shape_a, shape_b in [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]:
        mine = ag.zeros(shape_a, dtype=ag_a) * ag.zeros(shape_b, dtype=ag_b)
        theirs = torch.zeros(shape_a, dtype=th_a) * torch.zeros(shape_b, dtype=th_b)
        if not (a == b == "bool"):
            assert _same_dtype(mine.dtype, theirs.dtype), (shape_a, shape_b)


@pytest.mark.parametrize("name", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_tensor_scalar_promotion_matches_torch(name: str, scalar: object) -> None:
    ag_dtype, th_dtype = _pair(name)
    for op in ("__add__", "__radd__", "__mul__", "__truediv__"):
        mine = getattr(ag.ones(2, dtype=ag_dtype), op)(scalar)
        theirs = getattr(torch.ones(2, dtype=th_dtype), op)(scalar)
        assert _same_dtype(mine.dtype, theirs.dtype), op


def test_creation_functions_match_torch() -> None:
    pairs = [
        (ag.zeros(2, 3), torch.zeros(2, 3)),
        (ag.ones((2, 3), dtype=ag.float64), torch.ones((2, 3), dtype=torch.float64)),
        (ag.full((2,), 7), torch.full((2,), 7)),
        (ag.full((2,), 7.0), torch.full((2,), 7.0)),
        (ag.arange(5), torch.arange(5)),
        (ag.arange(1, 2, 0.25), torch.arange(1, 2, 0.25)),
        (ag.arange(0.0, 1.0, 0.1), torch.arange(0.0, 1.0, 0.1)),
        (ag.linspace(0, 1, 5), torch.linspace(0, 1, 5)),
        (ag.eye(3), torch.eye(3)),
        (ag.eye(2, 3), torch.eye(2, 3)),
        (
            ag.zeros_like(ag.ones(2, dtype=ag.int32)),
            torch.zeros_like(torch.ones(2, dtype=torch.int32)),
        ),
        (ag.ones_like(ag.zeros(3)), torch.ones_like(torch.zeros(3))),
        (ag.full_like(ag.zeros(2), 3), torch.full_like(torch.zeros(2), 3)),
        (ag.empty(0, 2), torch.empty(0, 2)),
    ]
    for mine, theirs in pairs:
        assert _same_dtype(mine.dtype, theirs.dtype)
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-7)


def test_random_creation_is_seeded_and_shaped() -> None:
    ag.manual_seed(0)
    a = ag.randn(3, 4)
    ag.manual_seed(0)
    assert ag.randn(3, 4).tolist() == a.tolist()
    assert a.dtype is ag.float32 and a.shape == (3, 4)
    u = ag.rand(1000)
    assert u.numpy().min() >= 0 and u.numpy().max() < 1
    r = ag.randint(0, 5, (100,))
    assert r.dtype is ag.int64 and set(r.tolist()) <= set(range(5))
    assert sorted(ag.randperm(6).tolist()) == list(range(6))


def test_shape_queries() -> None:
    t = ag.zeros(2, 3, 4)
    assert t.shape == ag.Size([2, 3, 4]) and repr(t.shape) == "arraygrad.Size([2, 3, 4])"
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.dim() == t.ndim == 3 and t.numel() == 24 and len(t) == 2
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.size(3)


def test_conversions() -> None:
    t = ag.tensor([1.7, -2.2])
    assert t.long().tolist() == torch.tensor([1.7, -2.2]).long().tolist()
    assert t.double().dtype is ag.float64 and t.float().dtype is ag.float32
    assert t.int().dtype is ag.int32 and t.bool().tolist() == [True, True]
    assert (
        t.to(ag.float64).dtype is ag.float64
        and t.type_as(ag.zeros(1, dtype=ag.int64)).dtype is ag.int64
    )
    assert (
        ag.tensor(2.5).item() == 2.5 and float(ag.tensor([3.0])) == 3.0 and int(ag.tensor(4)) == 4
    )
    assert bool(ag.tensor([1])) and not bool(ag.tensor(0.0))
    assert [x.item() for x in ag.tensor([1, 2])] == [1, 2]
    assert np.asarray(ag.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    c = ag.tensor([1.0], requires_grad=True)
    d = c.detach()
    assert not d.requires_grad and d.is_leaf and c.clone().grad_fn is not None


@pytest.mark.parametrize(
    ("make", "exception", "fragment"),
    [
        (lambda: ag.ones(2).item(), RuntimeError, "2 elements cannot be converted to Scalar"),
        (lambda: float(ag.ones(2)), ValueError, "only one element tensors"),
        (lambda: int(ag.ones(2)), ValueError, "only one element tensors"),
        (lambda: bool(ag.ones(2)), RuntimeError, "more than one value is ambiguous"),
        (lambda: len(ag.tensor(1.0)), TypeError, "len() of a 0-d tensor"),
        (lambda: iter(ag.tensor(1.0)), TypeError, "iteration over a 0-d tensor"),
        (lambda: ag.tensor([1, 2], requires_grad=True), RuntimeError, "floating point"),
        (lambda: ag.ones(2, requires_grad=True).numpy(), RuntimeError, "detach().numpy()"),
        (
            lambda: ag.ones(2, 3).reshape(4),
            RuntimeError,
            "shape '[4]' is invalid for input of size 6",
        ),
        (lambda: ag.ones(2, 3) @ ag.ones(2, 3), RuntimeError, "cannot be multiplied (2x3 and 2x3)"),
        (lambda: ag.ones(2, 3) + ag.ones(4), RuntimeError, "size of tensor a (3) must match"),
        (lambda: ag.ones(3, 4) @ ag.ones(3), RuntimeError, "size mismatch"),
        (lambda: ag.ones(3, 4).sum(5), IndexError, "Dimension out of range"),
        (lambda: ag.tensor([1, 2]).mean(), RuntimeError, "could not infer output dtype"),
    ],
)
def test_misuse_raises_torch_exception_classes(
    make: object, exception: type, fragment: str
) -> None:
    with pytest.raises(exception) as error:
        make()  # type: ignore[operator]
    assert fragment in str(error.value)


def test_torch_raises_the_same_classes() -> None:
    """The classes asserted above are torch's own (kept in sync with torch 2.13.0)."""
    with pytest.raises(RuntimeError):
        torch.ones(2).item()
    with pytest.raises(ValueError):
        float(torch.ones(2))
    with pytest.raises(RuntimeError):
        torch.ones(2, 3).reshape(4)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) + torch.ones(4)
    with pytest.raises(IndexError):
        torch.ones(3, 4).sum(5)


def test_error_messages_name_shapes_and_fix() -> None:
    with pytest.raises(RuntimeError) as error:
        ag.ones(2, 3) + ag.ones(4)
    assert "[2, 3]" in str(error.value) and "[4]" in str(error.value) and "Fix" in str(error.value)
    with pytest.raises(RuntimeError) as error:
        ag.ones(2, 3).reshape(4)
    assert "[2, 3]" in str(error.value) and "-1" in str(error.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor(2.0, requires_grad=True),
        lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float64),
        lambda lib: lib.tensor(2.0) * lib.tensor(3.0, requires_grad=True),
        lambda lib: lib.tensor([[1, 2], [3, 4]]),
        lambda lib: lib.tensor([True, False]),
        lambda lib: lib.zeros(2, 3, dtype=lib.int32),
        lambda lib: lib.arange(12).reshape(3, 4).float() / 7,
        # Empty: only the default dtype goes unnamed (no element tells int64 from float32).
        lambda lib: lib.zeros(0, dtype=lib.int64),
        lambda lib: lib.zeros(2, 0, dtype=lib.bool),
        lambda lib: lib.zeros(0, 3, 1, dtype=lib.complex64),
        lambda lib: lib.zeros(0, 2, requires_grad=True),
    ],
)
def test_repr_matches_torch(make: object) -> None:
    mine = repr(make(ag))  # type: ignore[operator]
    theirs = repr(make(torch)).replace("torch.", "arraygrad.")  # type: ignore[operator]
    assert mine == theirs


def test_empty_repr_names_dtype_when_the_default_dtype_is_float64() -> None:
    for lib in (ag, torch):
        lib.set_default_dtype(lib.float64)
    try:
        for make in (
            lambda lib: lib.zeros(0),
            lambda lib: lib.zeros(0, dtype=lib.float32),
            lambda lib: lib.zeros(2, 0, dtype=lib.complex128),
        ):
            assert repr(make(ag)) == repr(make(torch)).replace("torch.", "arraygrad.")
    finally:
        for lib in (ag, torch):
            lib.set_default_dtype(lib.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.Parameter(lib.ones(2, 2)),
        lambda lib: lib.nn.Parameter(lib.zeros(0, dtype=lib.float64), requires_grad=False),
    ],
)
def test_str_of_a_subclass_uses_its_repr(make: object) -> None:
    # str(parameter) keeps the "Parameter containing:" line, as torch's str does.
    assert str(make(ag)) == str(make(torch)).replace("torch.", "arraygrad.")  # type: ignore[operator]


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s[1:],
        lambda s: s[::-1],
        lambda s: s[:0],
        lambda s: s[-1],
        lambda s: s + (5,),
        lambda s: (5,) + s,
        lambda s: s + s,
        lambda s: s * 2,
        lambda s: 2 * s,
    ],
)
def test_size_slices_and_sums_stay_sizes(op: Any) -> None:
    mine, theirs = op(ag.ones(2, 3, 4).shape), op(torch.ones(2, 3, 4).shape)
    assert repr(mine) == repr(theirs).replace("torch.", "arraygrad.")
    assert isinstance(mine, ag.Size) == isinstance(theirs, torch.Size)


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s + [1],
        lambda s: s + 1,
        lambda s: s * 1.5,
        lambda s: 1.5 * s,
        lambda s: s * "a",
        lambda s: s * None,
    ],
)
def test_size_misuse_names_size_or_sequence_as_torch(op: Any) -> None:
    with pytest.raises(TypeError) as want:
        op(torch.Size([1]))
    with pytest.raises(TypeError) as got:
        op(ag.Size([1]))
    # torch's message, naming arraygrad.Size, and a fix after it
    assert str(got.value).startswith(str(want.value).replace("torch.", "arraygrad.") + ". Fix:")


class _Index:
    """An object whose ``__index__`` is ``value``, 3 by default (with a repr that names the test
    the same in each worker)."""

    def __init__(self, value: int = 3) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"index{self.value}"


def _sizes_of(lib: Any, items: list[Any]) -> list[Any]:
    # (a tensor item as a tensor of ``lib``)
    return [lib.tensor(item.numpy()) if isinstance(item, torch.Tensor) else item for item in items]


@pytest.mark.parametrize(
    "items",
    [
        ["a"],
        [1.5],
        [2.0],
        [None],
        [[1]],
        [1 + 0j],
        [1, "a", 2.0],
        [torch.tensor(3.0)],
        [torch.tensor([1, 2])],
        [np.float64(2.0)],
        [np.float32(1.0)],
        [np.bool_(True)],
        [np.array([4])],
    ],
    ids=repr,
)
def test_size_of_non_ints_raises_torch_s_type_error(items: list[Any]) -> None:
    with pytest.raises(TypeError) as want:
        torch.Size(items)
    with pytest.raises(TypeError) as got:
        ag.Size(_sizes_of(ag, items))
    assert str(got.value).startswith(str(want.value).replace("torch.", "arraygrad.") + ". Fix:")


@pytest.mark.parametrize(
    "items",
    [
        [True],
        [-1, -5],
        [torch.tensor(3)],
        [torch.tensor([3])],
        [torch.tensor(True)],
        [np.int64(3), np.uint8(4)],
        [np.array(3)],
        [_Index()],
        np.array([1, 2]),
        range(3),
        (),
        {1: 2},
        [2**63 - 1, -(2**63)],
    ],
    ids=repr,
)
def test_size_of_ints_and_indexes_keeps_torch_s_items(items: Any) -> None:
    mine = ag.Size(_sizes_of(ag, items) if isinstance(items, list) else items)
    theirs = torch.Size(items)
    assert tuple(mine) == tuple(theirs)
    assert [type(item) for item in mine] == [type(item) for item in theirs]  # NumPy's ints kept
    assert repr(mine) == repr(theirs).replace("torch.", "arraygrad.")


@pytest.mark.parametrize(
    "items",
    [[2**64], [2**63], [-(2**63) - 1], [3, 2**100], [np.uint64(2**63)], [_Index(2**64)]],
    ids=repr,
)
def test_size_of_items_beyond_int64_keeps_them_and_refuses_to_print_as_torch(
    items: list[Any],
) -> None:
    # arraygrad.Size([2**64]) printed; torch keeps such an item but reads each as an int64 to
    # print the Size or multiply its items
    theirs, mine = torch.Size(items), ag.Size(items)
    assert tuple(mine) == tuple(theirs) and tuple(mine[1:]) == tuple(theirs[1:])
    for use in (repr, str, lambda size: size.numel()):
        with pytest.raises(ValueError, match="Overflow when unpacking long long") as want:
            use(theirs)
        with pytest.raises(ValueError) as got:
            use(mine)
        assert str(got.value).startswith(str(want.value))
        assert str(items[-1]) in str(got.value) and "Fix:" in str(got.value)


@pytest.mark.parametrize("items", [[2**62, 4], [2**62, 3], [-(2**62), 3], [2**63 - 1, 2]])
def test_size_numel_multiplies_in_int64_as_torch(items: list[int]) -> None:
    # numel wrapped round nowhere: 2**64 where torch's int64 product is 0
    assert ag.Size(items).numel() == torch.Size(items).numel()


@pytest.mark.parametrize("spec", [".3f", " .3f", "", ".2e", "+.1f"])
def test_format_of_0d_tensors_is_the_python_number_format(spec: str) -> None:
    value = 1.23456
    assert format(ag.tensor(value), spec) == format(torch.tensor(value), spec)
    assert f"{ag.tensor(value, requires_grad=True):{spec}}" == format(
        torch.tensor(value, requires_grad=True), spec
    )


def test_numpy_array_on_the_left_gives_a_tensor_not_an_object_array() -> None:
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    for result in (np.ones(2) * t, np.ones(2) + t, np.ones(2) - t, np.ones(2) / t, np.ones(2) @ t):
        assert isinstance(result, ag.Tensor) and result.requires_grad
    assert (np.float64(2.0) * ag.tensor([1.0])).dtype is ag.float32  # a NumPy scalar is a number
    (np.array([3.0, 4.0]) * t).sum().backward()
    assert t.grad.tolist() == [3.0, 4.0]


def _strided(lib: object, kind: str) -> object:
    base = lib.arange(12.0).reshape(3, 4)  # type: ignore[attr-defined]
    return {"transposed": base.t(), "sliced": base[:, :2], "plain": base}[kind]


@pytest.mark.parametrize(
    ("kind", "shape"),
    [("transposed", (12,)), ("sliced", (6,)), ("transposed", (2, 6)), ("sliced", (3, 2, 1))],
)
def test_view_refuses_layouts_that_need_a_copy_like_torch(kind: str, shape: tuple) -> None:
    theirs = _strided(torch, kind)
    mine = _strided(ag, kind)
    try:
        expected = theirs.view(*shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"Fix: use \.reshape"):
            mine.view(*shape)
        assert mine.reshape(*shape).tolist() == theirs.reshape(*shape).tolist()
    else:
        assert mine.view(*shape).tolist() == expected.tolist()
    # contiguous() gives the C-ordered copy that does view, in the graph.
    flat = mine.contiguous().view(-1)
    assert flat.tolist() == theirs.contiguous().view(-1).tolist()
    assert mine.contiguous().is_contiguous() and (kind != "plain" or mine.contiguous() is mine)


def test_writes_through_a_view_reach_its_base() -> None:
    x = ag.arange(6.0).reshape(2, 3)
    x.view(3, 2)[0, 1] = 100.0
    assert x.tolist() == [[0.0, 100.0, 2.0], [3.0, 4.0, 5.0]]


def test_gradient_through_contiguous_matches_torch() -> None:
    w = np.random.default_rng(0).standard_normal((3, 4))
    grads = []
    for lib in (ag, torch):
        t = lib.tensor(w, requires_grad=True)
        (t.t().contiguous().view(-1) * lib.arange(12.0, dtype=t.dtype)).sum().backward()
        grads.append(np.asarray(t.grad.numpy()))
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("convert", ["long", "int", "bool", "short"])
def test_integer_conversions_do_not_require_grad_like_torch(convert: str) -> None:
    mine = getattr(ag.tensor([1.5, -2.5], requires_grad=True), convert)()
    theirs = getattr(torch.tensor([1.5, -2.5], requires_grad=True), convert)()
    assert mine.requires_grad is theirs.requires_grad is False
    assert mine.tolist() == theirs.tolist()
    assert ag.tensor([1.5], requires_grad=True).double().requires_grad


def test_mT_like_torch() -> None:
    assert ag.tensor(2.0).mT.item() == torch.tensor(2.0).mT.item()
    assert ag.ones(2, 3, 4).mT.shape == torch.ones(2, 3, 4).mT.shape
    with pytest.raises(RuntimeError):
        _ = torch.ones(3).mT
    with pytest.raises(RuntimeError, match="only supported on matrices"):
        _ = ag.ones(3).mT


# --- pickling and deep copies --------------------------------------------------------------------


def _pickled(value: object) -> object:
    import pickle

    return pickle.loads(pickle.dumps(value))


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_pickling_keeps_values_and_requires_grad_but_no_history_or_grad(lib: object) -> None:
    # A computed tensor pickles as a leaf that requires grad (its graph does not pickle), and
    # .grad and hooks stay behind, as in PyTorch.
    leaf = lib.tensor([1.0, 2.0], requires_grad=True)  # type: ignore[attr-defined]
    leaf.grad = lib.tensor([5.0, 5.0])  # type: ignore[attr-defined]
    leaf.register_hook(lambda g: g * 2)
    computed = leaf * 3
    restored = [_pickled(t) for t in (leaf, computed)]
    got = [(t.tolist(), t.requires_grad, t.is_leaf, t.grad) for t in restored]
    assert got == [([1.0, 2.0], True, True, None), ([3.0, 6.0], True, True, None)]
    restored = _pickled(computed)
    restored.sum().backward()  # a leaf of its own
    assert restored.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_deep_copies_are_for_leaves_as_in_pytorch(lib: object) -> None:
    import copy

    leaf = lib.tensor([1.0, 2.0], requires_grad=True)  # type: ignore[attr-defined]
    leaf.grad = lib.tensor([5.0, 5.0])  # type: ignore[attr-defined]
    copied = copy.deepcopy(leaf)
    assert (copied.tolist(), copied.requires_grad, copied.grad.tolist()) == (
        [1.0, 2.0],
        True,
        [5.0, 5.0],
    )
    copied.grad.zero_()
    assert leaf.grad.tolist() == [5.0, 5.0]  # its own .grad
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(leaf * 2)
    with lib.no_grad():  # type: ignore[attr-defined]
        assert copy.deepcopy(leaf * 2).tolist() == [2.0, 4.0]  # no history: a leaf


def test_copies_and_unpickled_tensors_start_at_version_one_as_in_torch() -> None:
    # torch rebuilds a deep-copied, copied or unpickled tensor by set_() of new storage (one
    # write: version 1), whatever the source's version; a Parameter's deep copy is a clone (0)
    import copy

    def versions(lib: Any) -> list[int]:
        bumped = lib.ones(3)
        bumped.add_(1).add_(1)
        leaf_with_grad = lib.ones(2, requires_grad=True)
        leaf_with_grad.grad = lib.ones(2)
        param = lib.nn.Parameter(lib.ones(2))
        norm = copy.deepcopy(lib.nn.BatchNorm1d(2))
        sources = [lib.ones(2), bumped, lib.arange(4)[1:3], leaf_with_grad, param]
        copies = [copy.deepcopy(t) for t in sources] + [copy.deepcopy(leaf_with_grad).grad]
        copies += [_pickled(t) for t in sources] + [copy.copy(bumped)]
        copies += [norm.running_mean, norm.weight]
        written = copy.deepcopy(bumped)
        written[0:2].mul_(2)  # a view of the copy shares its counter
        return [t._version for t in [*copies, written]]

    assert versions(ag) == versions(torch)


SIZE_ARGUMENTS = {
    "numpy_int": lambda lib, x: x.view(np.int64(6)),
    "numpy_ints": lambda lib, x: x.reshape(2, np.int32(3)),
    "list": lambda lib, x: x.reshape([3, 2]),
    "int_tensor_in_tuple": lambda lib, x: x.view((lib.tensor(2), 3)),
    "float": lambda lib, x: x.view(6.0),
    "floats": lambda lib, x: x.reshape(2.0, 3),
    "bool": lambda lib, x: x.reshape(True, 6),
    "bools_in_tuple": lambda lib, x: x.view((True, 6)),
    "float_permute": lambda lib, x: x.permute(0.0),
    "float_zeros": lambda lib, x: lib.zeros(2.5),
    "float_expand": lambda lib, x: x.expand(2.0, 6),
    # PyTorch refuses a bool as the first size only, and reads later ones as 0 and 1
    "bool_later": lambda lib, x: x.view(6, True),
    "bool_later_zeros": lambda lib, x: lib.zeros((2, True)),
    "bool_later_repeat": lambda lib, x: x.repeat(1, True),
    "bool_first_zeros": lambda lib, x: lib.zeros(True, 2),
    # one sequence of sizes is a tuple or a list (a Size is a tuple), nothing else
    "size_object": lambda lib, x: lib.zeros(x.view(2, 3).shape),
    "range_zeros": lambda lib, x: lib.zeros(range(3)),
    "range_view": lambda lib, x: x.view(range(1, 3)),
    "range_permute": lambda lib, x: x.view(2, 3).permute(range(2)),
    "tensor_zeros": lambda lib, x: lib.zeros(lib.tensor([2, 3])),
    "ndarray_view": lambda lib, x: x.view(np.array([2, 3])),
    "generator_reshape": lambda lib, x: x.reshape(size for size in (2, 3)),
}


@pytest.mark.parametrize("name", sorted(SIZE_ARGUMENTS))
def test_sizes_are_integers_as_in_torch(name: str) -> None:
    # Anything with __index__ is a size; floats (and a bool first) are a TypeError, never
    # truncated.
    def run(lib: object) -> object:
        x = lib.arange(6.0)  # type: ignore[attr-defined]
        try:
            return list(SIZE_ARGUMENTS[name](lib, x).shape)
        except TypeError:
            return TypeError

    assert run(ag) == run(torch)


# --- PyTorch's remaining predicates and aliases of dense tensors ------------------------------


@pytest.mark.parametrize(
    "name",
    ["is_mps", "is_xpu", "is_ipu", "is_maia", "is_mtia", "is_vulkan", "is_xla", "is_mkldnn"]
    + ["is_nested"],
)
def test_other_backend_predicates_are_false_as_torch(name: str) -> None:
    assert getattr(ag.ones(2), name) is getattr(torch.ones(2), name) is False


def test_dense_tensor_layout_methods_as_torch() -> None:
    for shape in [(), (2,), (2, 3)]:
        a, t = ag.zeros(shape), torch.zeros(shape)
        assert (a.dense_dim(), a.sparse_dim()) == (t.dense_dim(), t.sparse_dim())
        assert a.is_distributed() is t.is_distributed() is False
        assert a.to_dense() is a and t.to_dense() is t
        assert a.const_data_ptr() == a.data_ptr()
    w = ag.ones(2, requires_grad=True)
    assert w.to_dense(ag.float64).grad_fn is not None


def test_removed_linear_algebra_methods_raise_as_torch() -> None:
    for name in ["eig", "symeig", "lstsq", "solve"]:
        with pytest.raises(RuntimeError) as want:
            getattr(torch.eye(2), name)(torch.eye(2))
        with pytest.raises(RuntimeError) as got:
            getattr(ag.eye(2), name)(ag.eye(2))
        # torch's text, naming arraygrad's functions (linalg.eig and eigvals are there now)
        assert str(got.value) == str(want.value).replace("torch", "arraygrad")
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'other'"):
        ag.eye(2).lstsq()


def test_removed_volatile_flag_warns_and_reads_false_as_torch() -> None:
    def run(lib: Any) -> list[Any]:
        x = lib.ones(2, requires_grad=True)
        seen: list[Any] = []
        for value in (True, False):
            with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
                x.volatile = value
            with pytest.warns(UserWarning, match=r"Variable.volatile is always False"):
                seen.append(x.volatile)
        seen.append(x.requires_grad)  # setting it changed nothing else
        return seen

    assert run(ag) == run(torch) == [False, False, True]


def test_as_subclass_aliases_with_history_as_torch() -> None:
    class Mine(ag.Tensor):
        pass

    w = ag.ones(2, requires_grad=True)
    m = w.as_subclass(Mine)
    assert type(m) is Mine and m.grad_fn.name() == "AliasBackward0" and not m.is_leaf
    assert m.data_ptr() == w.data_ptr()
    (m.as_subclass(ag.Tensor) * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        w.as_subclass(int)
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        torch.ones(1).as_subclass(int)


def test_conj_physical_in_place_as_torch() -> None:
    for lib in (ag, torch):
        x = lib.ones(2)
        assert x.conj_physical_() is x and x._version == 1
        u = lib.ones(2, requires_grad=True) * 1
        assert u.conj_physical_().grad_fn.name() == "ConjPhysicalBackward1"
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib.ones(2, requires_grad=True).conj_physical_()


def test_module_load_as_torch() -> None:
    for lib in (ag, torch):
        s, o = lib.zeros(2), lib.ones(2)
        out = s.module_load(o)
        assert out is not s and out is not o and s.tolist() == [1.0, 1.0]
        s2 = lib.zeros(2)
        out = s2.module_load(o, assign=True)
        assert out is not o and out.data_ptr() == o.data_ptr() and s2.tolist() == [0.0, 0.0]
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib.nn.Parameter(lib.zeros(2)).module_load(o)


@pytest.mark.parametrize("expression", ["x.t().contiguous()", "x[:, ::2].contiguous()"])
def test_contiguous_copy_grad_fn_name_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(expression)
    assert mine == theirs
    x = ag.ones(2, 2, requires_grad=True) * 2
    assert x.contiguous() is x and x.grad_fn.name() == "MulBackward0"  # no copy, no new name


@pytest.mark.parametrize("method", ["size", "stride"])
@pytest.mark.parametrize("dim", [0, -1, -2, 1])
def test_a_0d_tensor_has_no_dimension_to_size_as_torch(method: str, dim: int) -> None:
    # torch's IndexError names the dimension and that there is none: arraygrad's size(0) was
    # Python's "tuple index out of range", size(-2) the range error of a 1-d tensor, and
    # stride(0) returned 1
    messages = []
    for lib in (torch, ag):
        with pytest.raises(IndexError) as info:
            getattr(lib.tensor(1.5), method)(dim)
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0] + ". Fix:")
    assert getattr(ag.tensor(1.5), method)() == getattr(torch.tensor(1.5), method)()


def test_contiguous_takes_its_memory_format_by_keyword_only_as_torch() -> None:
    for lib in (torch, ag):
        x = lib.ones(2, 3)
        assert x.contiguous(memory_format=lib.contiguous_format) is x
        with pytest.raises(TypeError, match="positional"):
            x.contiguous(lib.contiguous_format)


_FORMAT_CALLS = {
    "clone": lambda x, f: x.clone(memory_format=f),
    "clone_transposed": lambda x, f: x.transpose(2, 3).clone(memory_format=f),
    "contiguous": lambda x, f: x.contiguous(memory_format=f),
    "contiguous_twice": lambda x, f: x.contiguous(memory_format=f).contiguous(memory_format=f),
    "clone_3d": lambda x, f: x[0].clone(memory_format=f),
    "contiguous_3d": lambda x, f: x[0].contiguous(memory_format=f),
}


@pytest.mark.parametrize("call", list(_FORMAT_CALLS))
@pytest.mark.parametrize(
    "form", ["preserve_format", "contiguous_format", "channels_last", "channels_last_3d"]
)
def test_memory_formats_of_clone_and_contiguous_as_torch(call: str, form: str) -> None:
    """clone(memory_format=) lays the copy out in the format, contiguous(memory_format=) too
    unless the tensor lies so already, and is_contiguous(memory_format=) tells; a channels-last
    format of another rank is PyTorch's RuntimeError. (clone took no memory_format; contiguous
    and is_contiguous ignored it.)"""

    def run(lib: Any) -> Any:
        x = lib.arange(48.0).view(2, 2, 3, 4).requires_grad_()
        fmt = getattr(lib, form)
        try:
            y = _FORMAT_CALLS[call](x, fmt)
        except RuntimeError:
            return "RuntimeError"
        in_formats = [y.is_contiguous(memory_format=getattr(lib, f)) for f in ("channels_last",)]
        y.backward(lib.arange(float(y.numel())).view(y.shape))
        return (
            y.stride(),
            y.grad_fn.name() if y.grad_fn else None,
            y.tolist(),
            in_formats,
            y.is_contiguous(),
            x.grad.tolist(),
        )

    assert run(ag) == run(torch)


_FORMAT_CONVERSIONS = {
    "to": lambda L, x: x.to(memory_format=L.channels_last),
    "to_dtype": lambda L, x: x.to(L.float64, memory_format=L.channels_last),
    "to_back": lambda L, x: x.contiguous(memory_format=L.channels_last).to(
        memory_format=L.contiguous_format
    ),
    "to_3d": lambda L, x: x[0].to(memory_format=L.channels_last),
    "zeros_like": lambda L, x: L.zeros_like(x, memory_format=L.channels_last),
    "empty_like": lambda L, x: L.empty_like(x, memory_format=L.channels_last).zero_(),
    "full_like": lambda L, x: L.full_like(x, 2.0, memory_format=L.channels_last),
    "ones_like_preserved": lambda L, x: L.ones_like(x.contiguous(memory_format=L.channels_last)),
    "module": lambda L, x: L.nn.Conv2d(2, 3, 1).to(memory_format=L.channels_last).weight,
    "module_bias": lambda L, x: L.nn.Conv2d(2, 3, 1).to(memory_format=L.channels_last).bias,
}


@pytest.mark.parametrize("name", list(_FORMAT_CONVERSIONS))
def test_memory_format_conversions_as_torch(name: str) -> None:
    """to(memory_format=), Module.to(memory_format=) and the *_like functions' memory_format
    lay their results out as PyTorch's do (they were ignored)."""

    def run(lib: Any) -> Any:
        lib.manual_seed(0)
        x = lib.arange(48.0).view(2, 2, 3, 4)
        try:
            y = _FORMAT_CONVERSIONS[name](lib, x)
        except RuntimeError:
            return "RuntimeError"
        return y.stride(), str(y.dtype).split(".")[-1], y.detach().tolist()

    assert run(ag) == run(torch)


def test_to_refuses_unknown_keywords() -> None:
    for lib in (ag, torch):
        with pytest.raises(TypeError):
            lib.ones(2).to(foo=1)
        assert lib.ones(2).to(non_blocking=True).shape == (2,)


@pytest.mark.parametrize("number", [2.5, True, False, 1 - 2j])
def test_to_a_number_takes_its_wrapped_dtype_as_torch(number: Any) -> None:
    # A number is torch's to(Tensor other) with the number wrapped (bool, float64, complex128);
    # arraygrad ignored it (a float32 tensor stayed float32, a float64 one did not turn complex).
    outcomes = []
    for lib in (torch, ag):
        y = lib.ones(2, dtype=lib.float32, requires_grad=True).to(number)
        outcomes.append((str(y.dtype).split(".")[-1], y.requires_grad, y.tolist()))
    assert outcomes[1] == outcomes[0]


def _chain(t: Any) -> list[str]:
    """The names of the nodes from ``t``'s grad_fn down its first inputs to the leaf."""
    names, node = [], t.grad_fn
    while node is not None:
        names.append(node.name().split("::")[-1])
        node = next((f for f, _ in node.next_functions if f is not None), None)
    return names


# Regression (leftovers13): Tensor.to(dtype, memory_format=...) recorded two nodes, the
# conversion's and the copy's, and to(copy=True) a CloneBackward0; torch records one
# ToCopyBackward0 (its _to_copy converts and lays out at once).
@pytest.mark.parametrize(
    "call",
    [
        "x.to(lib.float64, memory_format=lib.channels_last)",
        "x.to('cpu', lib.float64, memory_format=lib.channels_last)",
        "x.to(lib.zeros(1, dtype=lib.float64), memory_format=lib.channels_last)",
        "x.permute(0, 2, 3, 1).to(lib.float64, memory_format=lib.contiguous_format)",
        "x.to(memory_format=lib.channels_last, copy=True)",
        "x.to(lib.float32, copy=True)",
        "x.to(lib.float64, memory_format=lib.channels_last).to(lib.float16)",
    ],
)
def test_to_a_dtype_and_a_memory_format_is_one_node_as_torch(call: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        x = lib.tensor(np.arange(120.0).reshape(2, 3, 4, 5), dtype=lib.float32, requires_grad=True)
        y = eval(call)
        (y.double() * lib.arange(120.0, dtype=lib.float64).reshape(y.shape)).sum().backward()
        outcomes.append((_chain(y), tuple(y.stride()), str(y.dtype).split(".")[-1], y.tolist()))
        outcomes[-1] += (x.grad.tolist(),)
    assert outcomes[1] == outcomes[0]
