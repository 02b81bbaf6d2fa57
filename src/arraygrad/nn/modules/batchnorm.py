"""``torch.nn.modules.batchnorm``'s import path for the batch norms and their bases
(``_NormBase``, ``_BatchNorm``, ``_LazyNormBase``), which arraygrad defines in
``normalization`` and (the lazy ones) ``lazy``."""

from arraygrad.nn.modules.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
)
from arraygrad.nn.modules.lazy import (
    _LazyNormBase as _LazyNormBase,
)
from arraygrad.nn.modules.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    SyncBatchNorm,
)
from arraygrad.nn.modules.normalization import (
    _BatchNorm as _BatchNorm,
)
from arraygrad.nn.modules.normalization import (
    _NormBase as _NormBase,
)

# (the private bases are imported ``as`` themselves: re-exported, for code written for
# PyTorch that imports them for isinstance checks)
__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
]
