"""Misuse in nn, distributions, optim and utils raises PyTorch's exception class with a message
that names the fix (the fourth round; the first three are in tests/test_error_messages.py).

Each case runs the same call on torch 2.13.0 and on arraygrad: the exception classes must be
equal, and arraygrad's message must say how to fix the call ("Fix: ...") and contain the values
or shapes it gained.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.test_error_messages import _module, assert_torchs_class_with_a_fix

# torch warns that weight_norm is deprecated; beside the point.
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _weight_normed_twice(lib: Any) -> Any:
    m = lib.nn.Linear(2, 2)
    lib.nn.utils.weight_norm(m)
    return lib.nn.utils.weight_norm(m)


def _fuse_in_training(lib: Any) -> Any:
    return lib.nn.utils.fusion.fuse_conv_bn_eval(lib.nn.Conv2d(2, 2, 1), lib.nn.BatchNorm2d(2))


def _pre_hook_bad_return(lib: Any) -> Any:
    m = lib.nn.Linear(1, 1)
    m.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
    return m(lib.zeros(1))


def _backward_hook_count(lib: Any) -> Any:
    m = lib.nn.Linear(1, 1)
    m.register_full_backward_hook(lambda mod, gi, go: (None, None, None))
    m(lib.zeros(1, 1, requires_grad=True)).sum().backward()


def _optimizer_hook_bad(lib: Any) -> Any:
    opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: 3)
    return opt.step()


def _swa_scheduler(lib: Any) -> Any:
    opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
    return lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_strategy="exp")


def _swa_lr_groups(lib: Any) -> Any:
    opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
    return lib.optim.swa_utils.SWALR(opt, swa_lr=[0.05, 0.01])


def _lbfgs_groups(lib: Any) -> Any:
    a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
    opt = lib.optim.LBFGS([a])
    opt.add_param_group({"params": [b]})
    return opt.step(lambda: a.sum())


def _adafactor_complex(lib: Any) -> Any:
    p = lib.zeros(2, dtype=lib.complex64, requires_grad=True)
    p.grad = lib.zeros(2, dtype=lib.complex64)
    return lib.optim.Adafactor([p]).step()


def _spectral_norm_none(lib: Any) -> Any:
    return lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), name="bias")


def _stateless_strict(lib: Any) -> Any:
    return lib.func.functional_call(
        lib.nn.Linear(2, 2), {"foo": lib.zeros(1)}, (lib.zeros(2),), strict=True
    )


# (id, call taking the library, text the message must also contain)
CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    (
        "hardtanh_bounds",
        lambda lib: lib.nn.functional.hardtanh(lib.zeros(2), 1.0, 0.0),
        "min_val <= max_val",
    ),
    (
        "gelu_approximate",
        lambda lib: lib.nn.functional.gelu(lib.zeros(2), approximate="foo"),
        "approximate='tanh'",
    ),
    (
        "prelu_weight_2d",
        lambda lib: lib.nn.functional.prelu(lib.zeros(2, 3), lib.zeros(3, 1)),
        "shape [3, 1]",
    ),
    ("conv_groups", lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2), "in_channels=3, groups=2"),
    ("conv_padding_mode", lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode="foo"), "'zeros'"),
    ("conv_same_strided", lambda lib: lib.nn.Conv2d(4, 4, 3, padding="same", stride=2), "stride=1"),
    ("triplet_margin", lambda lib: lib.nn.TripletMarginLoss(margin=0), "margin > 0"),
    (
        "multi_margin_weight",
        lambda lib: lib.nn.MultiMarginLoss(weight=lib.zeros(2, 2)),
        "shape [2, 2]",
    ),
    ("fractional_ratio", lambda lib: lib.nn.FractionalMaxPool2d(2, output_ratio=1.5), "(0, 1)"),
    ("weight_norm_twice", _weight_normed_twice, "remove_weight_norm"),
    ("spectral_norm_none", _spectral_norm_none, "name='weight'"),
    ("module_to_int", lambda lib: lib.nn.Linear(2, 2).to(lib.int64), "floating-point"),
    ("module_type_int", lambda lib: lib.nn.Linear(2, 2).type(lib.int64), "requires_grad_(False)"),
    ("functional_call_keys", _stateless_strict, "named_parameters"),
    ("fuse_training", _fuse_in_training, ".eval()"),
    (
        "memory_format_preserve",
        lambda lib: lib.nn.utils.convert_conv2d_weight_memory_format(
            lib.nn.Conv2d(2, 2, 1), lib.preserve_format
        ),
        "channels_last",
    ),
    ("pre_hook_return", _pre_hook_bad_return, "kwargs_dict"),
    ("backward_hook_count", _backward_hook_count, "tuple of 1"),
    ("dropout_p", lambda lib: lib.nn.Dropout(1.5), "[0, 1]"),
    (
        "dropout1d_4d",
        lambda lib: lib.nn.functional.dropout1d(lib.zeros(1, 2, 3, 4)),
        "shape [1, 2, 3, 4]",
    ),
    ("mha_heads", lambda lib: lib.nn.MultiheadAttention(5, 2), "divides embed_dim"),
    (
        "instance_norm_channels",
        lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.zeros(2, 4, 5)),
        "num_features=4",
    ),
    (
        "embedding_bag_mode",
        lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[0]]), lib.zeros(2, 2), mode="foo"),
        "mode='sum'",
    ),
    (
        "kaiming_mode",
        lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(2, 2), mode="foo"),
        "mode='fan_in'",
    ),
    ("pad_circular_rank", lambda lib: lib.nn.CircularPad2d(1)(lib.zeros(2)), "2 spatial"),
    (
        "pad_reflect_length",
        lambda lib: lib.nn.functional.pad(lib.zeros(2, 3), (1, 1, 1, 1), mode="reflect"),
        "pass 2 padding values",
    ),
    ("unflatten_size_type", lambda lib: lib.nn.Unflatten(1, 3), "unflattened_size=(2, 3)"),
    ("sequential_insert", lambda lib: lib.nn.Sequential().insert(0, 3), "got int"),
    (
        "ctc_targets",
        lambda lib: lib.nn.functional.ctc_loss(
            lib.zeros(5, 2, 3).log_softmax(2),
            lib.zeros(2, 2, 2, dtype=lib.long),
            lib.tensor([5, 5]),
            lib.tensor([2, 2]),
        ),
        "concatenated",
    ),
    ("categorical_0d", lambda lib: lib.distributions.Categorical(lib.tensor(0.5)), "shape []"),
    (
        "probs_and_logits",
        lambda lib: lib.distributions.Bernoulli(lib.tensor(0.5), lib.tensor(0.0)),
        "exactly one",
    ),
    (
        "lowrank_cov_diag",
        lambda lib: lib.distributions.LowRankMultivariateNormal(
            lib.zeros(2), lib.zeros(2, 1), lib.ones(3)
        ),
        "shape [3]",
    ),
    (
        "mixture_counts",
        lambda lib: lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(lib.ones(3)), lib.distributions.Normal(lib.zeros(2), 1.0)
        ),
        "2 weights",
    ),
    ("wishart_df", lambda lib: lib.distributions.Wishart(lib.tensor(0.5), lib.eye(3)), "df > 2"),
    (
        "kl_mvn_sizes",
        lambda lib: lib.distributions.kl_divergence(
            lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2)),
            lib.distributions.MultivariateNormal(lib.zeros(3), lib.eye(3)),
        ),
        "[2] and [3]",
    ),
    (
        "corr_cholesky_square",
        lambda lib: lib.distributions.transforms.CorrCholeskyTransform().inverse_shape((2, 3)),
        "shape [2, 3]",
    ),
    (
        "transformed_list",
        lambda lib: lib.distributions.TransformedDistribution(
            lib.distributions.Normal(0.0, 1.0), [3]
        ),
        "Transform instances",
    ),
    (
        "tril_diag",
        lambda lib: _module(lib, "distributions.utils").tril_matrix_to_vec(lib.zeros(3, 3), diag=5),
        "[-3, 2]",
    ),
    (
        "biject_integer",
        lambda lib: lib.distributions.biject_to(
            lib.distributions.constraints.integer_interval(0, 2)
        ),
        "register",
    ),
    (
        "binomial_enumerate",
        lambda lib: lib.distributions.Binomial(
            lib.tensor([2, 3]), lib.tensor([0.5, 0.5])
        ).enumerate_support(),
        "one total_count",
    ),
    ("lkj_dim", lambda lib: lib.distributions.LKJCholesky(1), "dim >= 2"),
    (
        "parameter_constraint",
        lambda lib: lib.distributions.Normal(0.0, -1.0),
        "satisfy GreaterThan",
    ),
    (
        "value_support",
        lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(lib.tensor(float("nan"))),
        "within the support",
    ),
    ("swa_anneal_strategy", _swa_scheduler, "anneal_strategy='cos'"),
    ("swa_lr_groups", _swa_lr_groups, "one per param group"),
    ("lbfgs_groups", _lbfgs_groups, "one group"),
    ("adafactor_complex", _adafactor_complex, "view_as_real"),
    (
        "adam_tensor_lr_foreach",
        lambda lib: lib.optim.Adam(
            [lib.zeros(1, requires_grad=True)], lr=lib.tensor(0.1), foreach=True
        ),
        "foreach=False",
    ),
    ("optimizer_pre_hook", _optimizer_hook_bad, "kwargs_dict"),
    (
        "stack_dataset_sizes",
        lambda lib: lib.utils.data.StackDataset(lib.zeros(2), lib.zeros(3)),
        "[2, 3]",
    ),
    ("concat_dataset_empty", lambda lib: lib.utils.data.ConcatDataset([]), "at least one"),
    (
        "weighted_sampler_2d",
        lambda lib: lib.utils.data.WeightedRandomSampler(lib.ones(2, 2), 2),
        "flatten",
    ),
    ("collate_lengths", lambda lib: lib.utils.data.default_collate([[1, 2], [1]]), "[1, 2]"),
    (
        "distributed_rank",
        lambda lib: lib.utils.data.DistributedSampler([1, 2], num_replicas=2, rank=2),
        "num_replicas=2",
    ),
    (
        "checkpoint_kwargs",
        lambda lib: lib.utils.checkpoint.checkpoint(
            lambda x: x, lib.zeros(1), use_reentrant=True, foo=1
        ),
        "use_reentrant=False",
    ),
    (
        "checkpoint_determinism",
        lambda lib: lib.utils.checkpoint.checkpoint(
            lambda x: x, lib.zeros(1), use_reentrant=False, determinism_check="foo"
        ),
        "determinism_check='default'",
    ),
    (
        "benchmark_stmt",
        lambda lib: _module(lib, "utils.benchmark").Timer(stmt=lambda: None),
        "function",
    ),
    ("skip_init_device", lambda lib: lib.nn.utils.skip_init(lib.nn.Identity), "device=None"),
    (
        "block_mask_dims",
        lambda lib: _module(lib, "nn.attention.flex_attention").BlockMask.from_kv_blocks(
            lib.zeros(1, dtype=lib.int32), lib.zeros(1, dtype=lib.int32)
        ),
        "shape [1]",
    ),
    (
        "sdpa_kernel_type",
        lambda lib: _module(lib, "nn.attention").sdpa_kernel(3).__enter__(),
        "SDPBackend.MATH",
    ),
    (
        "conv_grad_output",
        lambda lib: lib.nn.grad.conv2d_input(
            (1, 2, 5, 5), lib.zeros(3, 2, 3, 3), lib.zeros(1, 3, 2, 3)
        ),
        "[1, 3, 3, 3]",
    ),
    (
        "linear_cross_entropy_features",
        lambda lib: lib.nn.functional.linear_cross_entropy(
            lib.zeros(2, 3), lib.zeros(4, 5), lib.tensor([0, 1])
        ),
        "(classes, 3)",
    ),
    (
        "stack_dataset_both",
        lambda lib: lib.utils.data.StackDataset(lib.zeros(2), x=lib.zeros(2)),
        "all positionally",
    ),
]


@pytest.mark.parametrize(("call", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_misuse_raises_torchs_class_with_a_fix(call: Callable[[Any], Any], detail: str) -> None:
    assert_torchs_class_with_a_fix(call, detail)
