"""Utilities for training: gradient clipping and parameter flattening."""

from arraygrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from arraygrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
]
