"""Output memory layouts as PyTorch's: ``stride()`` of every op-table row's outputs, on inputs
laid out contiguously, transposed, permuted, sliced with a step and expanded (stride 0).

``view`` succeeds or fails from the strides, so an op that returns a non-contiguous result
where torch's is contiguous makes ``y.view(-1)`` raise where torch's runs (the engine
fuzzer's program below). Each row runs on the same values in both libraries, each input built
with the same layout in both, and the strides of every output are compared over its
dimensions of more than one element: the stride of a dimension of size 1 is never used to
reach an element (``is_contiguous`` and ``view`` ignore it), and torch's choice there follows
from how each kernel allocated, not from the layout.

All inputs of a row share one layout. Operands laid out differently (``t.t() + c``) are a
deviation left for speed: torch lays the result out as the first operand that orders the axes,
NumPy in C order where its operands disagree (the engine fuzzer's docstring, seed 346116).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import all_op_tables, draw_inputs

ROWS = all_op_tables()

# Reasons for the rows left out (each found by this test; not matched yet):
LAPACK = (
    "linear algebra: torch's LAPACK/BLAS-backed results are column-major per matrix (or follow"
    " its BLAS output), arraygrad's C order: view(-1) runs here where torch's raises"
)
EXPANDED = (
    "elementwise kernel on an expanded (stride-0) input: torch allocates C order, NumPy puts"
    " the stride-0 axis innermost; matching it needs a layout check on every elementwise op"
)
NN = "nn.functional kernel (conv, pooling, fold, shuffles, local_response_norm): its layout"
SORT = "sort keeps a dense input's layout in torch (preserve_format); arraygrad's is C order"
SCATTER = "index/scatter family: torch's result is laid out as the input's clone"
QUANTILE = "quantile: torch's result layout follows its internal sort and transposes"
VIEWS = "ravel/rot90: torch's copy (or view) layout differs from NumPy's"
OTHER = "layout of this op's result not matched yet"

#: Rows left out, each with the reason. Keys are ``all_op_tables()`` keys.
EXCLUDED: dict[str, str] = {
    "test_decompositions:cholesky:method": LAPACK,
    "test_decompositions:linalg.cholesky": LAPACK,
    "test_decompositions:linalg.cholesky:lower_triangle": LAPACK,
    "test_decompositions:linalg.eigh": LAPACK,
    "test_decompositions:linalg.eigvalsh": LAPACK,
    "test_decompositions:linalg.qr": LAPACK,
    "test_decompositions:linalg.qr:complete_wide": LAPACK,
    "test_decompositions:linalg.svd": LAPACK,
    "test_decompositions:linalg.svd:full_matrices": LAPACK,
    "test_decompositions:linalg.svdvals:distinct": LAPACK,
    "test_decompositions:pca_lowrank": LAPACK,
    "test_decompositions:pca_lowrank:no_center": LAPACK,
    "test_decompositions:svd_lowrank": LAPACK,
    "test_decompositions:svd_lowrank:M": LAPACK,
    "test_decompositions:svd_lowrank:niter_0": LAPACK,
    "test_decompositions:qr": LAPACK,
    "test_decompositions:svd": LAPACK,
    "test_decompositions:svd:compute_uv_false": LAPACK,
    "test_elementwise:erf": EXPANDED,
    "test_functional_conv:avg_pool1d": NN,
    "test_functional_conv:conv1d": NN,
    "test_functional_conv:conv1d_depthwise": NN,
    "test_functional_conv:conv2d": NN,
    "test_functional_conv:conv2d_depthwise": NN,
    "test_functional_conv:conv2d_depthwise_stride": NN,
    "test_functional_conv_transpose:conv_transpose1d": NN,
    "test_functional_conv_transpose:conv_transpose1d_all_options": NN,
    "test_functional_conv_transpose:conv_transpose1d_output_padding_below_dilation": NN,
    "test_functional_conv_transpose:conv_transpose2d": NN,
    "test_functional_conv_transpose:conv_transpose2d_groups_dilation": NN,
    "test_functional_conv_transpose:conv_transpose3d_groups_dilation": NN,
    "test_functional_layers:adaptive_max_pool1d": NN,
    "test_functional_layers:local_response_norm": NN,
    "test_functional_layers:local_response_norm_4d": NN,
    "test_functional_layers:local_response_norm_5d_wide": NN,
    "test_functional_layers:max_pool1d_with_indices": NN,
    "test_functional_lp_pooling:lp_pool1d_p2": NN,
    "test_functional_lp_pooling:lp_pool1d_p3_stride_ceil": NN,
    "test_functional_pooling_3d:adaptive_avg_pool3d": NN,
    "test_functional_pooling_3d:adaptive_avg_pool3d_none_upsample": NN,
    "test_functional_resampling:area_scale_1d": NN,
    "test_functional_resampling:channel_shuffle": NN,
    "test_functional_resampling:fold_all_options": NN,
    "test_functional_resampling:fold_of_unfold": NN,
    "test_functional_resampling:pixel_shuffle": NN,
    "test_functional_resampling:pixel_unshuffle": NN,
    "test_fused:addbmm_": LAPACK,
    "test_fused:addr:default": LAPACK,
    "test_fused:addr_": LAPACK,
    "test_indexing:msort": SORT,
    "test_indexing:sort": SORT,
    "test_indexing:sort_descending": SORT,
    "test_linalg:inv": LAPACK,
    "test_linalg:inverse_method": LAPACK,
    "test_linalg:solve_right": LAPACK,
    "test_linalg_extras:geqrf": LAPACK,
    "test_linalg_extras:geqrf:method": LAPACK,
    "test_linalg_extras:linalg.cholesky_ex": LAPACK,
    "test_linalg_extras:linalg.householder_product": LAPACK,
    "test_linalg_extras:linalg.inv_ex": LAPACK,
    "test_linalg_extras:linalg.solve_ex": LAPACK,
    "test_linalg_extras:linalg.solve_ex:right": LAPACK,
    "test_linalg_extras:linalg.solve_ex:vector": LAPACK,
    "test_linalg_extras:linalg.tensorinv": LAPACK,
    "test_linalg_extras:linalg.tensorinv:ind1": LAPACK,
    "test_linalg_extras:orgqr": LAPACK,
    "test_linalg_extras:orgqr:method": LAPACK,
    "test_linalg_extras:ormqr": LAPACK,
    "test_linalg_extras:ormqr:right": LAPACK,
    "test_linalg_extras:ormqr:right_transpose_method": LAPACK,
    "test_linalg_extras:ormqr:transpose": LAPACK,
    "test_linalg_solvers:cholesky_inverse": LAPACK,
    "test_linalg_solvers:cholesky_inverse:full_input": LAPACK,
    "test_linalg_solvers:cholesky_inverse:method": LAPACK,
    "test_linalg_solvers:cholesky_inverse:upper": LAPACK,
    "test_linalg_solvers:cholesky_solve": LAPACK,
    "test_linalg_solvers:cholesky_solve:full_input": LAPACK,
    "test_linalg_solvers:cholesky_solve:upper": LAPACK,
    "test_linalg_solvers:solve_triangular:unitriangular": LAPACK,
    "test_linalg_solvers:solve_triangular:upper": LAPACK,
    "test_matrices:diag_embed_swapped": OTHER,
    "test_matrices:kron_method": LAPACK,
    "test_matrix_functions:matrix_power:1": LAPACK,
    "test_matrix_functions:slogdet": LAPACK,
    "test_quantiles:nanquantile:dim": QUANTILE,
    "test_quantiles:quantile:linear": QUANTILE,
    "test_quantiles:quantile:lower": QUANTILE,
    "test_quantiles:quantile:midpoint": QUANTILE,
    "test_quantiles:quantile:q_tensor": QUANTILE,
    "test_scatter:as_strided_scatter": SCATTER,
    "test_scatter:as_strided_scatter_method": SCATTER,
    "test_scatter:as_strided_scatter_offset_2d": SCATTER,
    "test_scatter:diagonal_scatter": SCATTER,
    "test_scatter:diagonal_scatter_method": SCATTER,
    "test_scatter:index_copy": SCATTER,
    "test_scatter:index_fill": SCATTER,
    "test_scatter:index_put_accumulate_broadcast": SCATTER,
    "test_scatter:index_put_two_indices": SCATTER,
    "test_scatter:masked_scatter_broadcast": SCATTER,
    "test_scatter:put_accumulate": SCATTER,
    "test_scatter:repeat_interleave_dim": SCATTER,
    "test_scatter:select_scatter": SCATTER,
    "test_scatter:slice_scatter": SCATTER,
    "test_scatter:slice_scatter_middle": SCATTER,
    "test_special_namespace:special.chebyshev_polynomial_v:int_degree": OTHER,
    "test_special_namespace:special.erfcx": EXPANDED,
    "test_special_namespace:special.hermite_polynomial_h": OTHER,
    "test_special_namespace:special.hermite_polynomial_he": OTHER,
    "test_special_namespace:special.hermite_polynomial_he:int_degree": OTHER,
    "test_special_namespace:special.i0": EXPANDED,
    "test_special_namespace:special.log_ndtr": EXPANDED,
    "test_special_namespace:special.modified_bessel_i0": EXPANDED,
    "test_special_namespace:special.modified_bessel_k1": EXPANDED,
    "test_special_namespace:special.ndtri": EXPANDED,
    "test_special_namespace:special.psi": EXPANDED,
    "test_special_namespace:special.shifted_chebyshev_polynomial_t:int_degree": OTHER,
    "test_special_namespace:special.shifted_chebyshev_polynomial_w": OTHER,
    "test_views:ravel": VIEWS,
    "test_views:ravel_transposed": VIEWS,
    "test_views:rot90": VIEWS,
    "test_views:rot90_full_turn": VIEWS,
    "test_views:rot90_k3_last": VIEWS,
}


def _storage_and_view(array: np.ndarray, layout: str) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """The array to build a tensor from and the view that gives ``array``'s values (or, for
    ``expanded``, its first slice repeated) in ``layout``."""
    ndim = array.ndim
    if layout == "transposed" and ndim >= 2:
        return np.ascontiguousarray(array.swapaxes(-1, -2)), lambda t: t.mT
    if layout == "permuted" and ndim >= 3:
        # the last axis outermost in memory: (a, b, c) stored as (c, a, b)
        order = (ndim - 1, *range(ndim - 1))
        back = tuple(int(i) for i in np.argsort(order))
        return np.ascontiguousarray(array.transpose(order)), lambda t: t.permute(*back)
    if layout == "sliced" and ndim >= 1:
        storage = np.zeros((*array.shape[:-1], 2 * array.shape[-1]), dtype=array.dtype)
        storage[..., ::2] = array
        return storage, lambda t: t[..., ::2]
    if layout == "expanded" and ndim >= 1 and array.shape[0] > 1:
        return np.ascontiguousarray(array[:1]), lambda t: t.expand(*array.shape)
    return array, lambda t: t


LAYOUTS = ("contiguous", "transposed", "permuted", "sliced", "expanded")


def _tensors(lib: Any, arrays: list[np.ndarray], layout: str) -> list[Any]:
    out = []
    for array in arrays:
        storage, view = _storage_and_view(array, layout)
        out.append(view(lib.tensor(storage)))
    return out


def _outputs(value: Any) -> Iterator[Any]:
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _outputs(item)
    elif isinstance(value, (ag.Tensor, torch.Tensor)):
        yield value


def _layout(t: Any) -> tuple[tuple[int, int], ...]:
    """The (size, stride) pairs of the dimensions of more than one element."""
    return tuple((n, s) for n, s in zip(t.shape, t.stride(), strict=True) if n > 1)


def stride_mismatch(fn: Callable[..., Any], arrays: list[np.ndarray], layout: str) -> str | None:
    """How ``fn``'s outputs' strides on inputs in ``layout`` differ from torch's, or ``None``
    when they agree (or torch raises: nothing to compare with)."""
    try:
        theirs = list(_outputs(fn(*_tensors(torch, arrays, layout))))
    except Exception:  # torch refuses these values or this layout
        return None
    try:
        mine = list(_outputs(fn(*_tensors(ag, arrays, layout))))
    except Exception as error:
        return f"{layout}: arraygrad raised {type(error).__name__}: {error}"
    if len(mine) != len(theirs):
        return f"{layout}: {len(mine)} outputs, torch {len(theirs)}"
    for position, (a, t) in enumerate(zip(mine, theirs, strict=True)):
        if tuple(a.shape) != tuple(t.shape) or t.numel() == 0:
            continue  # a shape difference is the op tables' concern; no layout when empty
        if _layout(a) != _layout(t):
            return (
                f"{layout}: output {position} of shape {tuple(t.shape)}: strides "
                f"{tuple(a.stride())}, torch {tuple(t.stride())}"
            )
    return None


@pytest.mark.parametrize("row", sorted(set(ROWS) - set(EXCLUDED)))
@settings(
    max_examples=3,
    derandomize=True,
    phases=[Phase.generate],
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_output_strides_match_torch(row: str, data: st.DataObject) -> None:
    arrays = draw_inputs(ROWS[row], data.draw, np.float64)
    problems = [stride_mismatch(ROWS[row].fn, arrays, layout) for layout in LAYOUTS]
    assert not any(problems), [p for p in problems if p]


def test_exclusions_name_rows_that_exist() -> None:
    assert set(EXCLUDED) <= set(ROWS)


def test_softmax_of_a_transposed_exp_views_flat_as_in_torch() -> None:
    # The engine fuzzer's program: torch's softmax allocates a contiguous result.
    base = np.random.default_rng(0).standard_normal((3, 4, 5))
    for lib in (torch, ag):
        t1 = lib.tensor(base, requires_grad=True)
        t4 = t1.mT.exp()
        t9 = t4.softmax(-1)
        t10 = t9.view(-1)
        assert t9.is_contiguous() and tuple(t10.shape) == (60,)
        t10.sum().backward()
