"""Misuse raises PyTorch's exception class with a message that names the fix.

Each case runs the same call on torch 2.13.0 and on arraygrad: the exception classes must be
equal, and arraygrad's message must say how to fix the call ("Fix: ...") and, where the message
gained them, the values or shapes involved.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag

# torch warns that jit.script is deprecated and that stft got no window; both beside the point.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:A window was not provided:UserWarning"),
]


def _optimizer(lib: Any) -> Any:
    return lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)


def _dataset(lib: Any) -> Any:
    return lib.utils.data.TensorDataset(lib.zeros(4, 2))


def _remove_missing_parametrization(lib: Any) -> Any:
    return lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(2, 2), "weight")


def _grad_of_no_arguments(lib: Any) -> Any:
    return lib.func.grad(lambda x: x.sum(), argnums=())(lib.ones(2))


def _parameter_before_init(lib: Any) -> Any:
    class Early(lib.nn.Module):
        def __init__(self) -> None:
            self.weight = lib.nn.Parameter(lib.zeros(1))

    return Early()


def _module(lib: Any, path: str) -> Any:
    return importlib.import_module(f"{lib.__name__}.{path}")


def _state_hook(lib: Any) -> Any:
    m = lib.nn.Linear(1, 1)
    m.register_state_dict_post_hook(lambda *args: 1)
    return m.state_dict()


def _splitk(lib: Any) -> Any:
    matmul = lib.backends.cuda.matmul
    try:
        matmul.allow_fp16_reduced_precision_reduction = (True, False)
    finally:
        matmul.allow_fp16_reduced_precision_reduction = True


# (id, call taking the library, text the message must also contain)
CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("rnn_num_layers", lambda lib: lib.nn.RNN(2, 3, num_layers=0), "got 0"),
    ("lstm_bias_type", lambda lib: lib.nn.LSTM(2, 3, bias=1), "bias=True"),
    ("gru_input_size_type", lambda lib: lib.nn.GRU(2.0, 3), "int"),
    ("rnn_cell_input_size", lambda lib: lib.nn.RNNCell(2, 3)(lib.zeros(4, 5)), "input_size=5"),
    ("sequential_add", lambda lib: lib.nn.Sequential() + 3, "Sequential(module)"),
    ("module_list_extend", lambda lib: lib.nn.ModuleList().extend(3), "append"),
    ("module_list_index", lambda lib: lib.nn.ModuleList([lib.nn.Linear(1, 1)])[5], "[-1, 0]"),
    ("parameter_list_call", lambda lib: lib.nn.ParameterList()(), "plist[i]"),
    ("module_init_keyword", lambda lib: lib.nn.Module(foo=1), "super().__init__()"),
    ("parameter_name", lambda lib: lib.nn.Linear(1, 1).register_parameter(3, None), "str"),
    ("remove_parametrization", _remove_missing_parametrization, "is_parametrized"),
    ("pad_sequence_0d", lambda lib: lib.nn.utils.rnn.pad_sequence([lib.zeros(())]), "unsqueeze"),
    ("optimizer_non_tensor", lambda lib: lib.optim.SGD([lib.zeros(1), 3], lr=0.1), "parameters"),
    ("one_cycle_steps", lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), 0.1), ""),
    (
        "plateau_factor",
        lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), factor=1.5),
        "factor=0.1",
    ),
    (
        "warm_restarts_t0",
        lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(lib), T_0=0),
        "T_0",
    ),
    ("constant_lr", lambda lib: lib.optim.lr_scheduler.ConstantLR(_optimizer(lib), factor=2), ""),
    (
        "loader_drop_last",
        lambda lib: lib.utils.data.DataLoader(_dataset(lib), batch_size=None, drop_last=True),
        "drop_last=False",
    ),
    (
        "random_sampler_num_samples",
        lambda lib: lib.utils.data.RandomSampler(_dataset(lib), num_samples=0),
        "num_samples",
    ),
    ("random_split", lambda lib: lib.utils.data.random_split(_dataset(lib), [1, 1]), "sum to 4"),
    ("grad_argnums", _grad_of_no_arguments, "argnums=(0,)"),
    ("histogramdd_1d", lambda lib: lib.histogramdd(lib.zeros(3), bins=[2]), "shape [3]"),
    (
        "conv_tbc_input",
        lambda lib: lib.conv_tbc(lib.zeros(2, 3), lib.zeros(1, 3, 4), lib.zeros(4)),
        "shape [2, 3]",
    ),
    ("block_diag_3d", lambda lib: lib.block_diag(lib.zeros(2, 2, 2)), "2-D"),
    (
        "searchsorted_side",
        lambda lib: lib.searchsorted(lib.arange(3.0), lib.ones(1), side="middle"),
        "side='left'",
    ),
    (
        "index_select_2d",
        lambda lib: lib.zeros(3).index_select(0, lib.zeros(2, 2, dtype=lib.long)),
        "flatten",
    ),
    (
        "stft_win_length",
        lambda lib: lib.stft(lib.zeros(16), 4, win_length=8, return_complex=True),
        "n_fft=4",
    ),
    ("jit_script_class", lambda lib: lib.jit.script(lib.nn.Linear), "instance"),
    (
        "pixel_shuffle",
        lambda lib: lib.nn.functional.pixel_shuffle(lib.zeros(1, 3, 2, 2), 2),
        "divisible by 4",
    ),
    ("one_hot_negative", lambda lib: lib.nn.functional.one_hot(lib.tensor([-1])), ">= 0"),
    ("xavier_vector", lambda lib: lib.nn.init.xavier_uniform_(lib.zeros(3)), "shape [3]"),
    (
        "interpolate_both",
        lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 2), size=2, scale_factor=2),
        "not both",
    ),
    ("group_norm_groups", lambda lib: lib.nn.GroupNorm(3, 4), "divides"),
    ("len_0d", lambda lib: len(lib.tensor(1.0)), "numel"),
    ("cdist_p", lambda lib: lib.cdist(lib.zeros(2, 3), lib.zeros(2, 3), p=-1.0), "p >= 0"),
    ("quantile_q", lambda lib: lib.quantile(lib.zeros(3), 1.5), "[0, 1]"),
    ("einsum_subscript", lambda lib: lib.einsum("i1", lib.zeros(2)), "a-z"),
    (
        "multi_margin_p",
        lambda lib: lib.nn.functional.multi_margin_loss(lib.zeros(2, 3), lib.tensor([0, 1]), p=3),
        "p=3",
    ),
    # second round: a misuse per module whose messages gained the fix
    ("expand_fewer_sizes", lambda lib: lib.zeros(2, 3).expand(3), "shape [2, 3]"),
    ("cat_sizes", lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]), "[2, 4]"),
    ("stack_shapes", lambda lib: lib.stack([lib.zeros(2), lib.zeros(3)]), "same shape"),
    ("roll_shifts", lambda lib: lib.zeros(2, 2).roll((1, 1), 0), "shifts=[1, 1]"),
    ("parameter_before_init", _parameter_before_init, "super().__init__()"),
    (
        "mha_query_dims",
        lambda lib: lib.nn.MultiheadAttention(4, 2)(*[lib.zeros(1, 2, 3, 4)] * 3),
        "(L, N, E)",
    ),
    ("layer_norm_shape", lambda lib: lib.nn.functional.layer_norm(lib.zeros(2, 3), [4]), "[4]"),
    (
        "group_norm_weight",
        lambda lib: lib.nn.functional.group_norm(lib.zeros(2, 4), 2, lib.ones(3)),
        "[4]",
    ),
    ("pad_too_long", lambda lib: lib.nn.functional.pad(lib.zeros(2), (1, 1, 1, 1)), "at most 2"),
    (
        "pad_reflect_size",
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 3), (3, 3), mode="reflect"),
        "at most 2",
    ),
    (
        "grid_sample_mode",
        lambda lib: lib.nn.functional.grid_sample(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), mode="cubic", align_corners=False
        ),
        "'bicubic'",
    ),
    (
        "affine_grid_theta",
        lambda lib: lib.nn.functional.affine_grid(
            lib.zeros(1, 3, 3), [1, 1, 2, 2], align_corners=False
        ),
        "[1, 2, 3]",
    ),
    ("split_sizes", lambda lib: lib.zeros(5).split([2, 2]), "sum to 5"),
    ("chunk_zero", lambda lib: lib.zeros(5).chunk(0), "chunks >= 1"),
    (
        "conv_bias",
        lambda lib: lib.nn.functional.conv1d(lib.zeros(1, 2, 5), lib.zeros(3, 2, 2), lib.zeros(2)),
        "shape [3]",
    ),
    (
        "conv_transpose_stride",
        lambda lib: lib.nn.functional.conv_transpose1d(
            lib.zeros(1, 2, 5), lib.zeros(2, 3, 2), stride=0
        ),
        "stride >= 1",
    ),
    ("view_as_complex_size", lambda lib: lib.view_as_complex(lib.zeros(2, 3)), "shape [2, 3]"),
    (
        "huber_delta",
        lambda lib: lib.nn.functional.huber_loss(lib.zeros(2), lib.zeros(2), delta=0.0),
        "delta > 0",
    ),
    (
        "adaptive_pool_size",
        lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.zeros(1, 2, 2, 2), (1, 1, 1)),
        "2 sizes",
    ),
    ("empty_permuted_layout", lambda lib: lib.empty_permuted((2, 3), (0,)), "[0, 1]"),
    (
        "complex_dtypes",
        lambda lib: lib.complex(lib.zeros(2), lib.zeros(2, dtype=lib.float64)),
        "imag.to(real.dtype)",
    ),
    # third round: a misuse per module whose messages gained the fix
    (
        "vmap_randomness",
        lambda lib: lib.func.vmap(lambda x: x, randomness="foo")(lib.zeros(2)),
        "randomness='error'",
    ),
    ("vander_n", lambda lib: lib.linalg.vander(lib.zeros(3), N=1), "N >= 2"),
    ("geqrf_vector", lambda lib: lib.geqrf(lib.zeros(3)), "shape [3]"),
    ("buffer_dot", lambda lib: lib.nn.Linear(1, 1).register_buffer("a.b", None), "a.b"),
    ("lstm_hidden_zero", lambda lib: lib.nn.LSTM(2, 0), "got 0"),
    (
        "scaler_growth",
        lambda lib: lib.amp.GradScaler("cpu", growth_factor=0.5),
        "growth_factor=0.5",
    ),
    (
        "flex_3d",
        lambda lib: _module(lib, "nn.attention.flex_attention").flex_attention(
            *[lib.zeros(1, 4, 4)] * 3
        ),
        "(B, H, L, E)",
    ),
    ("pad_sequence_empty", lambda lib: lib.nn.utils.rnn.pad_sequence([]), "at least one"),
    (
        "prune_amount",
        lambda lib: _module(lib, "nn.utils.prune").l1_unstructured(
            lib.nn.Linear(2, 2), "weight", amount=1.5
        ),
        "[0, 1]",
    ),
    (
        "reshape_transform",
        lambda lib: lib.distributions.transforms.ReshapeTransform((2, 3), (4,)),
        "in_shape=[2, 3]",
    ),
    ("gaussian_std", lambda lib: lib.signal.windows.gaussian(4, std=0.0), "std > 0"),
    (
        "loader_workers",
        lambda lib: lib.utils.data.DataLoader([1, 2], num_workers=-1),
        "num_workers=-1",
    ),
    ("fft_norm", lambda lib: lib.fft.fft(lib.ones(4), norm="foo"), "'ortho'"),
    ("matmul_splitk", _splitk, "allow_splitk=True"),
    (
        "cat_transform_size",
        lambda lib: lib.distributions.transforms.CatTransform(
            [lib.distributions.transforms.ExpTransform()], lengths=[2]
        )(lib.zeros(3)),
        "size 2",
    ),
    (
        "segment_reduce_kind",
        lambda lib: lib.segment_reduce(lib.zeros(6), "foo", lengths=lib.tensor([6])),
        "reduce='sum'",
    ),
    ("matrix_norm_vector", lambda lib: lib.linalg.matrix_norm(lib.zeros(3)), "vector_norm"),
    (
        "max_pool_padding",
        lambda lib: lib.nn.functional.max_pool1d(lib.zeros(2, 5), 2, padding=2),
        "[0, 1]",
    ),
    (
        "get_submodule_parameter",
        lambda lib: lib.nn.Sequential(lib.nn.Linear(1, 1)).get_submodule("0.weight"),
        "chain of submodules",
    ),
    (
        "pruning_container_add",
        lambda lib: _module(lib, "nn.utils.prune").PruningContainer().add_pruning_method(3),
        "BasePruningMethod subclass",
    ),
    ("device_type", lambda lib: lib.device("foo"), "'cpu'"),
    ("log_prob_float", lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(1.0), "got float"),
    (
        "mvn_no_matrix",
        lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)),
        "exactly one",
    ),
    (
        "batch_norm_one_value",
        lambda lib: lib.nn.functional.batch_norm(lib.zeros(1, 3), None, None, training=True),
        ".eval()",
    ),
    ("batch_norm2d_3d", lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(3, 4, 4)), "unsqueeze(0)"),
    ("embedding_padding_idx", lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=5), "[-3, 2]"),
    ("state_dict_post_hook", _state_hook, "return None"),
    (
        "orthogonal_map",
        lambda lib: lib.nn.utils.parametrizations.orthogonal(
            lib.nn.Linear(2, 2), orthogonal_map="foo"
        ),
        "'cayley'",
    ),
    (
        "trace_returns_none",
        lambda lib: lib.jit.trace(lambda x: None, lib.zeros(1)),
        "return the tensors",
    ),
]


def _raised(call: Callable[[Any], Any], lib: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        call(lib)
    return info.value


def assert_torchs_class_with_a_fix(call: Callable[[Any], Any], detail: str) -> None:
    """``call`` raises the same class in torch and arraygrad; arraygrad's message names the
    fix and contains ``detail`` (also used by tests/test_error_messages_nn.py)."""
    theirs = _raised(call, torch)
    mine = _raised(call, ag)
    assert type(mine) is type(theirs), (mine, theirs)
    message = str(mine)
    assert "Fix:" in message, message
    assert detail in message, message


@pytest.mark.parametrize(("call", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_misuse_raises_torchs_class_with_a_fix(call: Callable[[Any], Any], detail: str) -> None:
    assert_torchs_class_with_a_fix(call, detail)
