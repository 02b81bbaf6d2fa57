"""The layers of ``arraygrad.nn``: one file per family, as in PyTorch."""

from arraygrad.nn.modules.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from arraygrad.nn.modules.container import ModuleDict, ModuleList, Sequential
from arraygrad.nn.modules.conv import Conv1d, Conv2d
from arraygrad.nn.modules.dropout import Dropout
from arraygrad.nn.modules.flatten import Flatten, Unflatten
from arraygrad.nn.modules.linear import Bilinear, Identity, Linear
from arraygrad.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from arraygrad.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from arraygrad.nn.modules.rnn import GRU, LSTM, RNN, RNNBase
from arraygrad.nn.modules.sparse import Embedding

__all__ = [
    "ELU",
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Bilinear",
    "Conv1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "RNNBase",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "Unflatten",
]
