"""``torch.nn.modules.instancenorm``'s import path for the instance norms and their base
``_InstanceNorm``, which arraygrad defines in ``_instance_norm`` and (the lazy ones) ``lazy``."""

from arraygrad.nn.modules._instance_norm import (
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)
from arraygrad.nn.modules._instance_norm import (
    _InstanceNorm as _InstanceNorm,
)
from arraygrad.nn.modules.lazy import (
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
)
from arraygrad.nn.modules.lazy import (
    _LazyNormBase as _LazyNormBase,
)
from arraygrad.nn.modules.normalization import (
    _NormBase as _NormBase,
)

# (the private bases are imported ``as`` themselves: re-exported, for code written for
# PyTorch that imports them for isinstance checks)
__all__ = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]
