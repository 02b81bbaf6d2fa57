"""Utilities for training: gradient clipping, parameter flattening, packed sequences."""

from arraygrad.nn.utils import rnn as rnn
from arraygrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from arraygrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "rnn",
    "vector_to_parameters",
]
