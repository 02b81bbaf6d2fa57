"""Neural-network building blocks with PyTorch's API (``arraygrad.nn``)."""

from arraygrad.nn import attention as attention
from arraygrad.nn import functional as functional
from arraygrad.nn import grad as grad
from arraygrad.nn import init as init
from arraygrad.nn import parallel as parallel
from arraygrad.nn import utils as utils
from arraygrad.nn._linear_cross_entropy import (
    LinearCrossEntropyOptions as LinearCrossEntropyOptions,
)
from arraygrad.nn.modules import *  # noqa: F403 - the layers, listed in modules.__all__
from arraygrad.nn.parallel import DataParallel as DataParallel
from arraygrad.nn.parameter import Buffer as Buffer
from arraygrad.nn.parameter import Parameter as Parameter
from arraygrad.nn.parameter import UninitializedBuffer as UninitializedBuffer
from arraygrad.nn.parameter import UninitializedParameter as UninitializedParameter
