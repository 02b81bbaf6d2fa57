"""Tensor.dim_order, resize_, resize_as_, new_empty_strided, share_memory_ and output_nr,
compared with torch."""

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
    with pytest.raises(RuntimeError, match="shares its memory with views"):
        base.resize_(3, 3)
    with pytest.raises(RuntimeError, match="shares its memory with views"):
        view.resize_(4)
    assert base.resize_(6)._version == 1  # the same shape is allowed


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
