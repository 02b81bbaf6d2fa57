"""Tensor.dim_order, resize_, resize_as_, new_empty_strided, share_memory_ and output_nr,
compared with torch."""

import math
import random
import warnings

import numpy as np
import pytest
import torch

import arraygrad as ag


def test_dim_order_matches_torch_on_random_layouts() -> None:
    rng = random.Random(0)
    for _ in range(1500):
        n = rng.randint(1, 4)
        # (no size 0: an empty array's strides are C order here, whatever was asked)
        shape = [rng.choice([1, 1, 2, 3, 4]) for _ in range(n)]
        strides = [rng.choice([0, 1, 2, 3, 4, 6, 12]) for _ in range(n)]
        need = max(1, 1 + sum(max(s - 1, 0) * t for s, t in zip(shape, strides, strict=True)))
        t = torch.empty(need).as_strided(shape, strides)
        a = ag.empty_strided(shape, strides)
        assert a.dim_order() == t.dim_order(), (shape, strides)


@pytest.mark.parametrize(
    ("shape", "check"),
    [
        ((2, 3, 4), True),
        ((2, 1, 4), True),
        ((2, 1, 4, 5), [ag.contiguous_format, ag.channels_last]),
        ((2, 3, 4, 5), [ag.contiguous_format, ag.channels_last]),
        ((2, 1, 4, 5), [ag.channels_last]),
        ((2, 1, 4), [ag.channels_last, ag.contiguous_format]),
    ],
)
def test_dim_order_ambiguity_check(shape: tuple[int, ...], check: object) -> None:
    torch_check = check if isinstance(check, bool) else [getattr(torch, f._name) for f in check]
    try:
        want = torch.empty(shape).dim_order(ambiguity_check=torch_check)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=str(error).split(",")[0].rstrip(".")):
            ag.empty(shape).dim_order(ambiguity_check=check)
    else:
        assert ag.empty(shape).dim_order(ambiguity_check=check) == want
    with pytest.raises(TypeError, match="must be a bool or a list of memory formats"):
        ag.empty(shape).dim_order(ambiguity_check=3)


def test_dim_order_of_permuted_and_channels_last() -> None:
    assert ag.empty(2, 3, 4).permute(2, 0, 1).dim_order() == (1, 2, 0)
    want = torch.empty(2, 3, 4, 5, memory_format=torch.channels_last)
    assert (
        ag.empty_strided(want.shape, want.stride()).dim_order() == want.dim_order() == (0, 2, 3, 1)
    )


def test_resize_keeps_flat_order_and_bumps_version() -> None:
    for lib in (ag, torch):
        x = lib.arange(6.0)
        x.resize_(2, 2)
        assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]] and x._version == 1
        y = lib.arange(6.0)
        y.resize_((3, 3))
        assert y.flatten()[:6].tolist() == list(range(6)) and tuple(y.shape) == (3, 3)
        z = lib.arange(6.0)
        z.resize_(2, 3)  # same numel: a view of the elements in the new shape
        assert z.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    c = ag.arange(24.0).resize_(1, 2, 3, 4, memory_format=ag.channels_last)
    assert (
        c.stride()
        == torch.arange(24.0).resize_(1, 2, 3, 4, memory_format=torch.channels_last).stride()
    )
    t = ag.arange(6.0).view(2, 3).t().clone()  # memory order, not the logical order
    assert t.resize_(6).tolist() == torch.arange(6.0).view(2, 3).t().resize_(6).tolist()
    assert ag.arange(6.0).resize_as_(ag.empty(2, 3)).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_resize_errors() -> None:
    for lib in (ag, torch):
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            lib.arange(6.0, requires_grad=True).resize_(2, 3)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            (lib.arange(6.0, requires_grad=True) * 1).resize_as_(lib.empty(6))
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.arange(6.0).resize_(2, 3, memory_format=lib.channels_last)
        with pytest.raises(TypeError, match="must be Tensor, not list"):
            lib.arange(6.0).resize_as_([2, 3])
    base = ag.arange(6.0)
    view = base[:3]
    # PyTorch grows the storage under every view of it; NumPy memory cannot grow in place
    with pytest.raises(RuntimeError, match="resize_ of a tensor that has views"):
        base.resize_(3, 3)
    with pytest.raises(RuntimeError, match=r"resize_ of a view to \[7\] is not supported"):
        view.resize_(7)
    for lib in (ag, torch):  # a view of a tensor that requires grad counts as requiring it
        leaf = lib.arange(6.0, requires_grad=True)
        with lib.no_grad():
            part = leaf[1:3]
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            part.resize_(2)


def test_resize_to_the_same_shape_is_no_write_as_in_torch() -> None:
    def versions(lib: object) -> list[int]:
        plain, transposed = lib.arange(6.0), lib.arange(6.0).view(2, 3).t()
        plain.resize_(6)
        transposed.resize_(3, 2)  # keeps its strides
        grown = lib.arange(6.0)
        grown.resize_(2, 3)
        return [plain._version, transposed._version, transposed.stride(), grown._version]

    assert versions(ag) == versions(torch)


VIEWS = {
    "reshape": lambda x: x.reshape(2, 3),
    "view": lambda x: x.view(3, 2),
    "slice": lambda x: x[1:4],
    "select": lambda x: x.view(2, 3)[1],
    "step": lambda x: x[::2],
    "transpose": lambda x: x.view(2, 3).t(),
    "expand": lambda x: x[:1].expand(3),
    "view_of_view": lambda x: x.view(2, 3)[:, 1:],
}


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
@pytest.mark.parametrize("size", [(3, 2), (6,), (2, 2), (1,), (0,)], ids=str)
def test_resize_of_a_view_restrides_it_in_the_shared_memory_as_torch(make, size) -> None:
    # PyTorch lays a resized view out contiguously from its own start in the storage it shares
    # with its base, which keeps its shape and sees the view's writes
    def outcome(lib: object) -> object:
        base = lib.arange(6.0)
        view = make(base)
        if view.storage_offset() + math.prod(size) > 6:
            return "grows past the storage"
        other = base.view(2, 3)[0]
        view.resize_(*size)
        shape, values, stride = tuple(view.shape), view.tolist(), view.stride()
        view.mul_(10)
        written = base.tolist(), other.tolist(), base._version, view._base is base
        return shape, values, stride, written

    assert outcome(ag) == outcome(torch)


def test_compiled_resize_runs_as_eager() -> None:
    def step(x: ag.Tensor) -> ag.Tensor:
        buf = x.detach().clone()
        buf.resize_(2, 2)
        return buf * 2

    compiled = ag.compile(step)
    for values in (
        [1.0, 2.0, 3.0, 4.0, 5.0],
        [6.0, 7.0, 8.0, 9.0, 10.0],
        [0.0, 1.0, 2.0, 3.0, 4.0],
    ):
        x = ag.tensor(values)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = compiled(x)
        assert got.tolist() == step(x).tolist()


def test_new_empty_strided() -> None:
    for lib in (ag, torch):
        base = lib.empty(2, dtype=lib.float64)
        x = base.new_empty_strided((2, 3), (1, 2))
        assert x.stride() == (1, 2) and x.dtype == lib.float64 and tuple(x.shape) == (2, 3)
        assert base.new_empty_strided([2, 3], [3, 1], dtype=lib.int32).dtype == lib.int32
        assert base.new_empty_strided((2,), (1,), requires_grad=True).requires_grad
        with pytest.raises(RuntimeError, match="dimensionality of sizes"):
            base.new_empty_strided((2, 3), (1,))


def test_share_memory() -> None:
    x = ag.randn(3)
    assert not x.is_shared()
    assert x.share_memory_() is x and x.is_shared() and x[1:].is_shared()
    model = ag.nn.Linear(2, 2)
    assert model.share_memory() is model and model.weight.is_shared()
    assert model.weight.is_leaf and model.weight.requires_grad
    before = model.weight.detach().clone()
    (model(ag.ones(2)).sum()).backward()
    assert np.array_equal(model.weight.detach().numpy(), before.numpy())
    y = ag.randn(4)
    keep = y[1:]
    with pytest.raises(RuntimeError, match="shares its memory with views"):
        y.share_memory_()
    assert keep.shape == (3,)


def test_output_nr() -> None:
    for lib in (ag, torch):
        x = lib.arange(6.0, requires_grad=True)
        y = x * 1
        assert x.output_nr == 0 and y.output_nr == 0
        assert [p.output_nr for p in y.split(2)] == [0, 1, 2]
        assert [p.output_nr for p in y.chunk(3)] == [0, 1, 2]
        assert [p.output_nr for p in y.unbind()] == list(range(6))
        assert y.unbind()[3][None].output_nr == 0
        assert [p.output_nr for p in lib.unsafe_split(y, 4)] == [0, 1]
        assert lib.arange(6.0).split(2)[1].output_nr == 0


def test_set_to_a_tensor_shares_memory_both_ways() -> None:
    for lib in (ag, torch):
        a = lib.arange(6.0)
        t = lib.zeros(2)
        assert t.set_(a) is t
        assert t._version == 1 and a._version == 0
        a[0] = 100.0
        t[1] = 7.0
        assert t.tolist() == a.tolist() == [100.0, 7.0, 2.0, 3.0, 4.0, 5.0]
        assert t.is_set_to(a) and a.is_set_to(t) and a.is_set_to(a[:])
        assert not a.is_set_to(a.view(2, 3)) and not a.is_set_to(a.clone())
        assert t.untyped_storage().data_ptr() == a.untyped_storage().data_ptr()


@pytest.mark.parametrize(
    ("dtype", "args"),
    [
        ("float32", (1, (2, 2), (2, 1))),
        ("float32", (0, (2, 3))),
        ("float32", (2, (2, 2), (1, 2))),
        ("int32", (0, (6,))),
        ("int8", (3, (2,))),
        ("int16", (1, (2,))),
    ],
)
def test_set_to_a_storage_views_it_as_torch(dtype: str, args: tuple) -> None:
    a, t = ag.arange(6.0), torch.arange(6.0)
    got = ag.zeros(1, dtype=getattr(ag, dtype)).set_(a.untyped_storage(), *args)
    want = torch.zeros(1, dtype=getattr(torch, dtype)).set_(t.untyped_storage(), *args)
    assert got.tolist() == want.tolist()
    assert got.stride() == want.stride() and got.storage_offset() == want.storage_offset()
    a[2] = -1.0  # a write through the storage's other tensor shows
    t[2] = -1.0
    assert got.tolist() == want.tolist()


def test_set_forms_and_errors_as_torch() -> None:
    for lib in (ag, torch):
        a = lib.arange(6.0)
        whole = lib.zeros(1).set_(a.untyped_storage())
        assert whole.tolist() == a.tolist()
        empty = lib.ones(3).set_()
        assert empty.shape == (0,) and empty.untyped_storage().nbytes() == 0
        assert empty.dtype == lib.float32
        with pytest.raises(RuntimeError, match="Could not set tensor of type float to a tensor"):
            lib.zeros(1, dtype=lib.int32).set_(a)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib.zeros(1, requires_grad=True).set_(a)
        with pytest.raises(TypeError, match="invalid combination of arguments"):
            lib.zeros(1).set_(3)
        with pytest.raises(TypeError, match="invalid combination of arguments"):
            lib.zeros(1).set_(a.untyped_storage(), 2)
        with pytest.raises(RuntimeError, match=r"unequal size length \(1\) and stride length"):
            lib.zeros(1).set_(a.untyped_storage(), 0, (2,), (1, 1))
        with pytest.raises(RuntimeError, match="invalid storage offset -1"):
            lib.zeros(1).set_(a.untyped_storage(), -1, (2,))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            typed = a.storage()
        with pytest.raises(RuntimeError, match="Expected a Storage of type int or an Untyped"):
            lib.zeros(1, dtype=lib.int32).set_(typed)
        p = lib.zeros(1, requires_grad=True)
        with lib.no_grad():
            p.set_(a)  # swapping a parameter's memory
        assert p.is_leaf and p.requires_grad and p.tolist() == a.tolist()


def test_set_records_a_history_without_derivative_as_torch() -> None:
    for lib in (ag, torch):
        w = lib.ones(3, requires_grad=True)
        t = lib.zeros(3)
        t.set_(w * 2)
        assert t.requires_grad and t.grad_fn.name().endswith("NotImplemented")
        with pytest.raises(RuntimeError, match="derivative for set_ is not implemented"):
            (t * 3).sum().backward()


def test_set_leaves_old_views_on_the_old_memory() -> None:
    for lib in (ag, torch):
        b = lib.arange(4.0)
        v = b[1:3]
        b.set_(lib.tensor([9.0, 9.0]))
        v.fill_(-1.0)
        assert b.tolist() == [9.0, 9.0] and v.tolist() == [-1.0, -1.0]
        base = lib.arange(6.0)
        view = base[1:3]
        view.set_(lib.tensor([5.0, 5.0]))
        view.fill_(0.0)
        assert base.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_storage_offset_of_a_tensor_set_into_memory() -> None:
    a = ag.arange(6.0)
    t = ag.zeros(1).set_(a.untyped_storage(), 2, (3,))
    assert t.storage_offset() == 2
    assert t.as_strided((2,), (1,)).tolist() == [2.0, 3.0]  # as_strided starts at its offset


def test_pin_memory_without_accelerator_as_torch() -> None:
    for lib in (ag, torch):
        t = lib.ones(2)
        assert t.is_pinned() is False
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is"):
            t.pin_memory()
        with pytest.raises(RuntimeError, match="unknown parameter type"):
            t.record_stream(None)
    with pytest.warns(UserWarning, match="no accelerator is found"):
        batches = list(ag.utils.data.DataLoader(list(range(4)), batch_size=2, pin_memory=True))
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3]]


def test_deprecated_out_of_place_resizes_as_torch() -> None:
    for lib in (ag, torch):
        w = lib.arange(4.0, requires_grad=True)
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            r = w.resize(2, 2)
        assert r.grad_fn.name() == "ResizeBackward"
        (r * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        assert w.grad.tolist() == [1.0, 2.0, 3.0, 4.0]
        with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
            r = lib.arange(6.0).view(2, 3).t().resize_as(lib.zeros(6))
        assert r.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="requested resize to 3"):
            lib.ones(2).resize(3)


@pytest.mark.parametrize(
    "make",
    [
        lambda x, lib: x[1:].detach(),
        lambda x, lib: x[1:].detach().detach(),
        lambda x, lib: x[1:].detach()[1:],
        lambda x, lib: x[2:].view(lib.int32),
        lambda x, lib: x[2:].view(lib.int16),
        lambda x, lib: x.detach()[3:],
        lambda x, lib: x[1:].clone(),
        lambda x, lib: x.detach(),
    ],
)
def test_storage_offset_of_detached_views_as_torch(make) -> None:
    # A detach of a view shares its base's storage in PyTorch, so it starts where the view
    # does; arraygrad read 0 for it (and for view(dtype) of a view, made by detach).
    offsets = [make(lib.arange(6.0), lib).storage_offset() for lib in (ag, torch)]
    assert offsets[0] == offsets[1]
