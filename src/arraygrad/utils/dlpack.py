"""``arraygrad.utils.dlpack``: DLPack exchange under PyTorch's module path
(``from torch.utils.dlpack import from_dlpack, to_dlpack``).

>>> from arraygrad.utils.dlpack import from_dlpack, to_dlpack
>>> import arraygrad
>>> from_dlpack(to_dlpack(arraygrad.tensor([1.0, 2.0])))
tensor([1., 2.])
"""

# ruff: noqa: N815 - the members are dlpack.h's names, as PyTorch spells them

from __future__ import annotations

import enum

from arraygrad._interop import from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """DLPack's device types (``dlpack.h``), as ``Tensor.__dlpack_device__`` reports them."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
