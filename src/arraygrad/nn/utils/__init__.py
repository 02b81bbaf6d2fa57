"""Utilities for training: gradient clipping, parameter flattening, packed sequences,
``stateless`` calls, ``skip_init``, batch-norm fusion, parametrizations and the hook-based weight
and spectral norms (the submodules are attributes of the package, as in PyTorch)."""

from arraygrad.nn.utils import fusion, parametrizations, parametrize, rnn, stateless
from arraygrad.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from arraygrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from arraygrad.nn.utils.fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from arraygrad.nn.utils.init import skip_init
from arraygrad.nn.utils.memory_format import (
    convert_conv2d_weight_memory_format,
    convert_conv3d_weight_memory_format,
)
from arraygrad.nn.utils.norm_hooks import (
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "convert_conv2d_weight_memory_format",
    "convert_conv3d_weight_memory_format",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "fusion",
    "get_total_norm",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "rnn",
    "skip_init",
    "spectral_norm",
    "stateless",
    "vector_to_parameters",
    "weight_norm",
]

# Importing norm_hooks bound its name here; torch.nn.utils has no such module (its weight_norm
# and spectral_norm live in modules of their own), so it is unbound again.
del globals()["norm_hooks"]
