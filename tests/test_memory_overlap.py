"""Memory checks before an in-place write (``arraygrad._memory_overlap``): writes whose input
shares part of the written memory are refused as PyTorch refuses them, and the overlaps PyTorch
allows give its values."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import outcome_in_each


@pytest.mark.parametrize(
    "write",
    [
        "t[1:] -= t[:-1]",
        "t[1:] = t[:-1]",
        "t[1:].copy_(t[:-1])",
        "t[1:].mul_(t[:-1])",
        "t[[0, 1]] = t[1:3]",
        "t[[0, 1, 2, 3, 4, 5]] = t",  # index_put refuses a full overlap too
        # PyTorch compares the input as given, before broadcasting it:
        "t[:4].add_(t[2])",  # a 0-d element of the written region
        "t[:2].copy_(t[1])",
        "t.view(2, 3).mul_(t[3:6])",  # a row of the written block
        "t.view(2, 3).copy_(t[0:3])",
        "t.view(2, 3).clamp_(min=t[4])",
        "t[:4].lerp_(t[1:5], t[0])",
        "t[:3].addcmul_(t[3:], t[1])",
        "t.index_copy_(0, lib.tensor([0]), t[1:2])",
        "t.index_add_(0, lib.tensor([5]), t[1:2])",
        # memory shared through detach() (a new root, the same memory), and a dense permutation
        "t[1:].copy_(t.detach()[:-1])",
        "t[:2] += t.detach()[1:3]",
        "t.view(2, 3).copy_(t.detach().view(3, 2).t())",
        # index writes refuse any shared memory: the same elements, and a 0-d value too
        "t.index_copy_(0, lib.tensor([0, 1, 2, 3, 4, 5]), t)",
        "t.index_add_(0, lib.tensor([1, 0]), t[4:])",
        "t.scatter_(0, lib.tensor([1, 0]), t[:2])",
        "t.put_(lib.tensor([0, 1]), t[4:])",
        "t[lib.tensor([0, 2])] = t[0]",
        "t.index_put_((lib.tensor([0, 2]),), t[2])",
        "t.view(2, 3)[0, lib.tensor([1, 2])] = t[0]",  # into the row t[0:3] holding t[0]
    ],
)
def test_in_place_writes_from_partly_overlapping_memory_are_refused_as_in_torch(write: str) -> None:
    # The result would depend on the order elements are written in; PyTorch refuses, and the
    # tensor is unchanged and usable. A write from the same elements, or from memory that
    # interleaves without sharing, is fine.
    for lib in (ag, torch):
        t = lib.arange(6.0)
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            exec(write, {"t": t, "lib": lib})
        assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        t[1:] = t[1:]
        t[::2] = t[1::2]
        assert t.tolist() == [1.0, 1.0, 3.0, 3.0, 5.0, 5.0]


@pytest.mark.parametrize(
    "write",
    [
        "i[i[:2]] = 7",
        "i.index_put_((i[1:3],), lib.tensor(7))",
        "i.index_fill_(0, i[:2], 5)",
        "i.scatter_(0, i, lib.zeros(4, dtype=lib.int64))",
        "i.index_copy_(0, i[:2], lib.zeros(2, dtype=lib.int64))",
    ],
)
def test_index_tensors_sharing_the_written_memory_are_refused_as_in_torch(write: str) -> None:
    # An integer tensor indexing itself: PyTorch refuses any index sharing the memory written.
    for lib in (ag, torch):
        i = lib.tensor([1, 0, 3, 2])
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            exec(write, {"i": i, "lib": lib})
        assert i.tolist() == [1, 0, 3, 2]


@pytest.mark.parametrize(
    "write",
    [
        # numbers given as keywords are never compared; tensors (clamp_'s min) are
        "x.addcmul_(lib.ones(6), lib.ones(6), value=x[1])",
        "x.index_add_(0, lib.tensor([1]), lib.ones(1), alpha=x[2])",
        "x.scatter_(0, lib.tensor([1]), value=x[2])",
        "x.clamp_(min=x[1])",
        # one mask (a tensor, list or array) and one value: PyTorch's masked_fill_
        "x[[True, False, True, False, False, True]] = x[0]",
        "x[np.array([True, False, True, False, False, True])] = x[0]",
        "b[b[0]] = True",  # the mask as given shares part of the memory written
        "b[b] = True",
        # the region written is what the key's ints and slices select, masks of any ndim
        "x.view(2, 3, 1)[np.array([[True, False, True], [False, True, True]]), 0] = x[2:6]",
        "x.view(2, 3, 1)[[[True, False, True], [False, True, True]], 0] = x[2:6]",
        "x.view(2, 3)[lib.tensor(0), lib.tensor([0, 1])] = x[3:5]",  # a 0-d index selects
        "x.view(2, 3)[lib.tensor([True, False]), [0]] = x[3]",  # a list index: no mask fill
        # the index of index_fill_ and the mask of masked_fill_ are compared, 0-d too
        "i.index_fill_(0, i[1], 9)",
        "b[:2].masked_fill_(b[0], True)",
        "x[1:3] = x[None, 0:2]",  # leading ones dropped first
        "x[0] = x[0:1]",
    ],
)
def test_index_and_keyword_inputs_are_compared_as_in_torch(write: str) -> None:
    def run(lib: Any) -> Any:
        x, i, b = lib.arange(6.0), lib.tensor([1, 0, 3, 2]), lib.zeros(4, 4, dtype=lib.bool)
        try:
            exec(write, {"x": x, "i": i, "b": b, "lib": lib, "np": np})
        except RuntimeError as error:
            assert "refer to a single memory location" in str(error)
            raise
        return [x.tolist(), i.tolist(), b.tolist()]

    theirs, ours = outcome_in_each(run)
    assert ours == theirs


def test_bernoulli_probabilities_of_the_written_memory_follow_torch() -> None:
    # PyTorch expands p to the tensor first: only a p of its shape that overlaps is refused.
    for lib in (ag, torch):
        x = lib.arange(6.0) / 10
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            x[1:].bernoulli_(x[:-1])
        x[1:].bernoulli_(x[0])  # a 0-d p of the written memory is read as a number
        x[:3].bernoulli_(x[3:])


OVERLAPPING_WRITES_TORCH_ALLOWS = [
    "x.fill_(x[0])",
    "x.masked_fill_(x > 5, x[0])",
    "x.index_fill_(0, lib.tensor([1, 2]), x[1])",
    "x[x > 5] = x[0]",
    "x[2:4] = x[3]",
    "A[:] = A[0]",
    "A[0:2] = A[1]",
    "A[:] = A[:1]",
    "x[2:4] = x[3:4]",
    "x[0] = x[0:1]",
    "x[2:4] = x[None, 2:4]",
    "x.masked_scatter_(x > 7, x[:4])",
    "x.view(1, 12).copy_(x[None])",
    "x.fill_(x[3])",
    "x[2:6].fill_(x[3])",
    "x[2:6].masked_fill_(x[2:6] > 3, x[3])",
    "x[2:6].index_fill_(0, lib.tensor([1, 2]), x[3])",
    "x[3:5] = x[4]",
    "A[:, 1:].add_(A[:, :1])",  # a strided column is not dense: too hard for the check
    "x[x > 5] = x[3:4]",  # one boolean mask and one value: PyTorch's masked_fill_
    "x[:6].index_put_((x[:6] > 2,), x[1])",
    "A[lib.tensor([1]), 1:3] = A[0, 1:3]",  # written into A[:, 1:3], which is not dense
    "A[1:, lib.tensor([1, 2])] = A[0, 1:3]",  # written into A[1:], which A[0] is not in
    # PyTorch does not compare these inputs with the written memory
    "x[:4].view(2, 2).addmm_(x[2:6].view(2, 2), lib.ones(2, 2, dtype=x.dtype))",
    "x[4:8].addmv_(lib.ones(4, 4, dtype=x.dtype), x[6:10])",
    "x[1:5].ldexp_(x[:4])",
    "x[:4].masked_scatter_(x[:4] > 1, x[2:6])",
]


@pytest.mark.parametrize("write", OVERLAPPING_WRITES_TORCH_ALLOWS)
def test_overlapping_writes_torch_allows_give_its_values(write: str) -> None:
    # A 0-d input is a number to PyTorch, and an input that broadcasts is an expansion, which
    # its overlap check passes; so is the same memory seen with other size-1 strides.
    results = []
    for lib in (ag, torch):
        x = lib.arange(12.0)
        exec(write, {"x": x, "A": x.view(3, 4), "lib": lib})
        results.append(x.tolist())
    assert results[0] == results[1]


@pytest.mark.parametrize("shape", [(3,), (3, 2)])
def test_a_0d_bool_tensor_key_is_an_index_as_in_torch(shape: tuple[int, ...]) -> None:
    # PyTorch reads x[tensor(True)] as x[None] indexed by a new index tensor (arange(1), or an
    # empty one for False): reads and writes select as x[None] and x[None][[]] do, and a value
    # sharing the memory written is refused as by any index write. index_put_ itself reads a
    # 0-d boolean tensor as a mask: a one-element value is then a number (masked_fill_).
    def run(lib: Any) -> Any:
        def fresh() -> Any:
            return lib.arange(float(math.prod(shape))).reshape(shape)

        outcomes = []
        for flag in (True, False):
            x = fresh()
            read = x[lib.tensor(flag)]
            outcomes.append((tuple(read.shape), read.tolist()))
            for value in ("x[0]", "x[1:2]", "x", "x[None]", "x[0].clone()", "7.0"):
                x = fresh()
                try:
                    x[lib.tensor(flag)] = eval(value, {"x": x})
                    outcomes.append(x.tolist())
                except RuntimeError as error:
                    assert "refer to a single memory location" in str(error)
                    outcomes.append(("refused", x.tolist()))  # unchanged
                    x[lib.tensor(flag)] = x[0].clone()  # and usable
                    outcomes.append(x.tolist())
            x = fresh()
            x.index_put_((lib.tensor(flag),), x[0, 0] if len(shape) > 1 else x[0])
            outcomes.append(x.tolist())
        return outcomes

    assert run(ag) == run(torch)


@pytest.mark.parametrize(
    "write",
    [
        # a bool in a tuple is an index tensor for PyTorch: the value's memory is compared
        "y[0, True] = y[0]",
        "y[:, False] = y[0, 0]",
        # a mask of the wrong shape: with a one-element value (masked_fill_) PyTorch checks
        # the mask's shape first (IndexError), otherwise the memory first (RuntimeError)
        "b.index_put_((b[0, :3],), lib.tensor(True))",
        "y.index_put_((lib.tensor([True, False]), lib.tensor([0])), y[0, 0])",
        "b[b[0, :3]] = b[1]",
        # a value expanded by dimensions of size 1 only is compared: it still fills its memory
        "y[None] = y.t()",
        "y[True] = y.t()",
        # x[False] (a bare False) writes and checks nothing
        "x[False] = x[1:]",
        # a 0-d integer tensor selects: the region is a view, with which an index may overlap
        "i.view(2, 2)[i[1], i[0:2]] = 5",
        # a 0-d boolean tensor key is a long index: no masked fill converting the value
        "b[b[0, 0]] = lib.tensor(1)",
        # a one-element value through one mask is converted, as by masked_fill_
        "b.index_put_((b,), lib.tensor(1))",
        # ... but masked_fill_ refuses a uint8 mask, whatever the value's dtype or memory
        "y.index_put_((lib.tensor([1, 0, 1], dtype=lib.uint8),), lib.tensor(5.0).double())",
        "y.index_put_((lib.tensor([1, 0, 1], dtype=lib.uint8),), lib.tensor(5.0))",
        "y[:, lib.tensor([1, 0, 1], dtype=lib.uint8)] = y[1, 1]",
        # index_put_ reads a 0-d long tensor as an index: values of the wrong shape are refused
        "y.index_put_((lib.tensor(1),), lib.ones(2, 3))",
        # a short list holding sequences is a tuple of indices (NumPy's old rule), with
        # PyTorch's deprecation warning
        "y[[[0], [1]]] = 5",
        "x[[[0], [1]]] = 5",
        "r = y[[[0], [1]]]",
    ],
)
def test_index_writes_follow_torchs_checks_in_its_order(write: str) -> None:
    def run(lib: Any) -> Any:
        x, y = lib.arange(6.0), lib.arange(9.0).view(3, 3)
        i, b = lib.tensor([1, 0, 3, 2]), lib.eye(4, dtype=lib.bool)
        scope = {"x": x, "y": y, "i": i, "b": b, "lib": lib}
        with warnings.catch_warnings(record=True) as caught_warnings:
            warnings.simplefilter("always")
            try:
                exec(write, scope)
                error = None
            except (RuntimeError, IndexError) as caught:
                error = type(caught).__name__
        warned = any("non-tuple sequence" in str(w.message) for w in caught_warnings)
        read = scope.get("r")
        tensors = [t.tolist() for t in (x, y, i, b)]  # unchanged after an error
        read_out = None if read is None else (tuple(read.shape), read.tolist())
        return error, tensors, read_out, warned

    assert run(ag) == run(torch)


@pytest.mark.parametrize(
    "write",
    [
        # PyTorch checks these arguments before it compares memory: their error wins
        "x.index_add_(0, lib.tensor([0, 2]), x[0, 0])",  # a 0-d source for two indices
        "x.index_add_(0, lib.tensor([[0], [2]]), x[:2])",  # an index of two dimensions
        "x.index_add_(2, lib.tensor([0]), x[:1])",  # a dim out of range
        "x.index_add_(0, x[0], x[:3])",  # a float index that is x's memory
        "x.index_reduce_(0, lib.tensor([[0]]), x[:1], 'amax')",
        "x.index_copy_(2, lib.tensor([0]), x[:1])",
        "x.scatter_(0, lib.tensor([[0], [2]]), x[0])",  # src has no dimension 1
        "x.scatter_(3, lib.tensor([[0]]), x[:1])",
        "x.scatter_add_(0, lib.tensor([[0], [2]]), x[0])",
        "x.scatter_reduce_(0, lib.tensor([[0], [2]]), x[0], 'sum')",
        "x.index_fill_(0, x[0], 1.0)",  # a float index: index_fill_ takes int64 only
        "x.index_fill_(0, lib.tensor([0]), x[0])",  # a value of one dimension
        "i.index_add_(0, i[0], 5)",  # not a tensor: PyTorch's argument parsing refuses it
        # ... and compares memory before these (so the refusal wins)
        "x.index_copy_(0, lib.tensor([[1]]), x[:1])",  # an index of two dimensions
        "x.index_copy_(0, lib.tensor([1, 2]), x[0])",  # a source of too few dimensions
        "x.index_copy_(0, lib.tensor([7]), x[0:1])",  # an index out of range
        "x.index_add_(0, lib.tensor([7]), x[0:1])",
        "i.index_fill_(5, i[0], 1)",  # a dim out of range
        "i.index_fill_(0, i[:2], 1)",  # an index of two dimensions
        "x.scatter_(0, lib.tensor([[0], [5]]), x[:2])",
        # an input that is not dense is "too hard" for PyTorch's comparison: it passes
        "x.index_copy_(1, lib.tensor([1]), x[:, :2])",
    ],
)
def test_bad_in_place_index_writes_sharing_memory_raise_torchs_error(write: str) -> None:
    def run(lib: Any) -> Any:
        x, i = lib.arange(9.0).view(3, 3), lib.arange(9).view(3, 3)
        try:
            exec(write, {"x": x, "i": i, "lib": lib})
            error = None
        except (RuntimeError, IndexError, TypeError) as caught:
            error = (type(caught).__name__, "single memory location" in str(caught))
        tensors = [x.tolist(), i.tolist()]  # unchanged after the error
        x.index_add_(0, lib.tensor([0]), lib.ones(1, 3))  # and usable
        return error, tensors, x.tolist()

    assert run(ag) == run(torch)


def test_bad_in_place_index_writes_that_share_memory_say_what_is_wrong() -> None:
    # The argument's error, not the refusal to write from shared memory.
    x = ag.arange(9.0).view(3, 3)
    with pytest.raises(IndexError, match=r"Index is supposed to be a vector.*\[2, 1\]"):
        x.index_add_(0, ag.tensor([[0], [2]]), x[:2])
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.scatter_(0, ag.tensor([[0], [2]]), x[0])
    assert x.tolist() == ag.arange(9.0).view(3, 3).tolist()
