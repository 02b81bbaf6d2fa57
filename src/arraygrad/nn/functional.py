"""``arraygrad.nn.functional``: PyTorch's functional neural-network API.

Every function is a composition of arraygrad's differentiable ops (no VJP of its own), written
to be numerically stable where PyTorch is: ``log_softmax``, ``cross_entropy``, ``softplus`` and
``binary_cross_entropy_with_logits`` give finite values and gradients for logits of magnitude
1e4 in float32. Convolutions and pooling are vectorised with one sliding-window gather
(im2col) and one matmul or reduction.

>>> import arraygrad
>>> import arraygrad.nn.functional as F
>>> F.relu(arraygrad.tensor([-1.0, 1.0]))
tensor([0., 1.])
"""

from __future__ import annotations

from arraygrad.nn import (
    _activation,
    _adaptive_pooling,
    _attention,
    _batch_norm,
    _class_loss,
    _conv,
    _conv_transpose,
    _ctc_loss,
    _distance,
    _dropout,
    _embedding,
    _fractional_pooling,
    _grid_sampling,
    _interpolation,
    _likelihood_loss,
    _linear,
    _linear_cross_entropy,
    _loss,
    _lp_pooling,
    _margin_loss,
    _multihead_attention,
    _normalization,
    _padding,
    _piecewise_activation,
    _pooling,
    _random_activation,
    _resampling,
    _unpooling,
    _vector_normalization,
)
from arraygrad.nn._activation import *  # noqa: F403 - each module lists its names in __all__
from arraygrad.nn._adaptive_pooling import *  # noqa: F403
from arraygrad.nn._attention import *  # noqa: F403
from arraygrad.nn._batch_norm import *  # noqa: F403
from arraygrad.nn._class_loss import *  # noqa: F403
from arraygrad.nn._conv import *  # noqa: F403
from arraygrad.nn._conv_transpose import *  # noqa: F403
from arraygrad.nn._ctc_loss import *  # noqa: F403
from arraygrad.nn._distance import *  # noqa: F403
from arraygrad.nn._dropout import *  # noqa: F403
from arraygrad.nn._embedding import *  # noqa: F403
from arraygrad.nn._fractional_pooling import *  # noqa: F403
from arraygrad.nn._grid_sampling import *  # noqa: F403
from arraygrad.nn._interpolation import *  # noqa: F403
from arraygrad.nn._likelihood_loss import *  # noqa: F403
from arraygrad.nn._linear import *  # noqa: F403
from arraygrad.nn._linear_cross_entropy import *  # noqa: F403
from arraygrad.nn._loss import *  # noqa: F403
from arraygrad.nn._lp_pooling import *  # noqa: F403
from arraygrad.nn._margin_loss import *  # noqa: F403
from arraygrad.nn._multihead_attention import *  # noqa: F403
from arraygrad.nn._normalization import *  # noqa: F403
from arraygrad.nn._padding import *  # noqa: F403
from arraygrad.nn._piecewise_activation import *  # noqa: F403
from arraygrad.nn._pooling import *  # noqa: F403
from arraygrad.nn._random_activation import *  # noqa: F403
from arraygrad.nn._resampling import *  # noqa: F403
from arraygrad.nn._unpooling import *  # noqa: F403
from arraygrad.nn._vector_normalization import *  # noqa: F403

__all__ = [
    *_activation.__all__,
    *_piecewise_activation.__all__,
    *_adaptive_pooling.__all__,
    *_attention.__all__,
    *_batch_norm.__all__,
    *_class_loss.__all__,
    *_linear_cross_entropy.__all__,
    *_conv.__all__,
    *_conv_transpose.__all__,
    *_ctc_loss.__all__,
    *_distance.__all__,
    *_dropout.__all__,
    *_embedding.__all__,
    *_fractional_pooling.__all__,
    *_grid_sampling.__all__,
    *_likelihood_loss.__all__,
    *_linear.__all__,
    *_loss.__all__,
    *_lp_pooling.__all__,
    *_margin_loss.__all__,
    *_multihead_attention.__all__,
    *_normalization.__all__,
    *_padding.__all__,
    *_pooling.__all__,
    *_random_activation.__all__,
    *_resampling.__all__,
    *_interpolation.__all__,
    *_unpooling.__all__,
    *_vector_normalization.__all__,
]
