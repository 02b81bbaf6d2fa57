"""arraygrad: backpropagation for array code, with PyTorch's API.

PyTorch programs run unchanged with ``import arraygrad as torch``; tensors compute on NumPy by
default (or on any Array API library, see :func:`set_backend`).

>>> import arraygrad as torch
>>> w = torch.tensor(0.0, requires_grad=True)
>>> loss = ((w * torch.tensor([1.0, 2.0]) - torch.tensor([2.0, 4.0])) ** 2).mean()
>>> loss.backward()
>>> w.grad
tensor(-10.)
"""

from __future__ import annotations

import importlib as _importlib
import math as _pymath
from typing import TYPE_CHECKING

from arraygrad import (
    _aliases,
    _binary,
    _bitwise,
    _clamp,
    _comparison,
    _complex,
    _contractions,
    _control_flow,
    _convolution_entry,
    _creation,
    _decompositions,
    _deprecated_linalg,
    _device,
    _distances,
    _division,
    _einsum,
    _flags,
    _fused,
    _histogram,
    _index_updates,
    _indexing,
    _info,
    _inplace_functions,
    _interop,
    _joining,
    _legacy,
    _like_creation,
    _linalg,
    _linalg_extra,
    _lines,
    _lu,
    _math,
    _matrices,
    _matrix_exp,
    _matrix_functions,
    _native_norms,
    _nn_aliases,
    _nn_kernel_forms,
    _power,
    _predicates,
    _quantiles,
    _random,
    _random_creation,
    _reduction,
    _renorm,
    _repeats,
    _rnn_functions,
    _rounding,
    _scans,
    _scatter,
    _searching,
    _segment_reduce,
    _shape,
    _signal_windows,
    _softmax,
    _sorting,
    _special_functions,
    _splitting,
    _statistics,
    _stft,
    _storage,
    _sym_numbers,
    _tensor_types,
    _triangular,
    _trigonometric,
    _typed_storage,
    _unary,
    _unique,
    _utilities,
    _view_copies,
    _view_scatter,
    _views,
    accelerator,
    amp,
    autograd,
    backends,
    cpu,
    cuda,
    func,
    linalg,
    mps,
    nn,
    random,
    return_types,
    special,
    utils,
    version,
)
from arraygrad._aliases import *  # noqa: F403
from arraygrad._backend import get_backend, set_backend
from arraygrad._binary import *  # noqa: F403
from arraygrad._bitwise import *  # noqa: F403
from arraygrad._clamp import *  # noqa: F403
from arraygrad._comparison import *  # noqa: F403
from arraygrad._compile import compile
from arraygrad._complex import *  # noqa: F403
from arraygrad._contractions import *  # noqa: F403
from arraygrad._control_flow import *  # noqa: F403
from arraygrad._convolution_entry import *  # noqa: F403
from arraygrad._creation import *  # noqa: F403 - each module lists its public names in __all__
from arraygrad._decompositions import *  # noqa: F403
from arraygrad._deprecated_linalg import *  # noqa: F403
from arraygrad._device import *  # noqa: F403
from arraygrad._distances import *  # noqa: F403
from arraygrad._division import *  # noqa: F403
from arraygrad._dtype import (
    bfloat16,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from arraygrad._dtype import bool_ as _bool
from arraygrad._einsum import *  # noqa: F403
from arraygrad._flags import *  # noqa: F403
from arraygrad._fused import *  # noqa: F403
from arraygrad._generator import Generator, default_generator
from arraygrad._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from arraygrad._histogram import *  # noqa: F403
from arraygrad._index_updates import *  # noqa: F403
from arraygrad._indexing import *  # noqa: F403
from arraygrad._info import *  # noqa: F403
from arraygrad._inplace_functions import *  # noqa: F403
from arraygrad._interop import *  # noqa: F403
from arraygrad._joining import *  # noqa: F403
from arraygrad._legacy import *  # noqa: F403
from arraygrad._like_creation import *  # noqa: F403
from arraygrad._linalg import *  # noqa: F403
from arraygrad._linalg_extra import *  # noqa: F403
from arraygrad._lines import *  # noqa: F403
from arraygrad._lu import *  # noqa: F403
from arraygrad._math import *  # noqa: F403
from arraygrad._matrices import *  # noqa: F403
from arraygrad._matrix_exp import *  # noqa: F403
from arraygrad._matrix_functions import *  # noqa: F403
from arraygrad._native_norms import *  # noqa: F403
from arraygrad._nn_aliases import *  # noqa: F403
from arraygrad._nn_kernel_forms import *  # noqa: F403
from arraygrad._out_of_memory import OutOfMemoryError
from arraygrad._power import *  # noqa: F403
from arraygrad._predicates import *  # noqa: F403
from arraygrad._printing import get_printoptions, set_printoptions
from arraygrad._quantiles import *  # noqa: F403
from arraygrad._random import *  # noqa: F403
from arraygrad._random_creation import *  # noqa: F403
from arraygrad._reduction import *  # noqa: F403
from arraygrad._renorm import *  # noqa: F403
from arraygrad._repeats import *  # noqa: F403
from arraygrad._rnn_functions import *  # noqa: F403
from arraygrad._rounding import *  # noqa: F403
from arraygrad._scans import *  # noqa: F403
from arraygrad._scatter import *  # noqa: F403
from arraygrad._searching import *  # noqa: F403
from arraygrad._segment_reduce import *  # noqa: F403
from arraygrad._shape import *  # noqa: F403
from arraygrad._signal_windows import *  # noqa: F403
from arraygrad._softmax import *  # noqa: F403
from arraygrad._sorting import *  # noqa: F403
from arraygrad._special_functions import *  # noqa: F403
from arraygrad._splitting import *  # noqa: F403
from arraygrad._statistics import *  # noqa: F403
from arraygrad._stft import *  # noqa: F403
from arraygrad._storage import *  # noqa: F403
from arraygrad._sym_numbers import *  # noqa: F403
from arraygrad._tensor import Size, Tensor
from arraygrad._tensor_types import *  # noqa: F403
from arraygrad._triangular import *  # noqa: F403
from arraygrad._trigonometric import *  # noqa: F403
from arraygrad._typed_storage import *  # noqa: F403
from arraygrad._unary import *  # noqa: F403
from arraygrad._unique import *  # noqa: F403
from arraygrad._utilities import *  # noqa: F403
from arraygrad._view_copies import *  # noqa: F403
from arraygrad._view_scatter import *  # noqa: F403
from arraygrad._views import *  # noqa: F403
from arraygrad.amp import GradScaler, _legacy_state, autocast
from arraygrad.amp._legacy_state import *  # noqa: F403 - torch's deprecated per-device forms
from arraygrad.amp.autocast_mode import (
    autocast_decrement_nesting,
    autocast_increment_nesting,
    clear_autocast_cache,
    get_autocast_dtype,
    is_autocast_cache_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from arraygrad.autograd.anomaly_mode import (
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
)
from arraygrad.func import vmap
from arraygrad.serialization import load, save

if TYPE_CHECKING:
    from arraygrad import (
        compiler,
        distributed,
        distributions,
        fft,
        hub,
        jit,
        multiprocessing,
        optim,
        profiler,
        signal,
        testing,
        types,
        viz,
    )

# Subpackages imported on first use (``arraygrad.optim`` runs the import the first time it is
# read), as most programs use few of them: together they are about a tenth of
# ``import arraygrad``'s own time, which issue 6 holds within 0.1 s of NumPy's.
_ON_FIRST_USE = (
    "compiler",
    "distributed",
    "distributions",
    "fft",
    "hub",
    "jit",
    "multiprocessing",
    "optim",
    "profiler",
    "signal",
    "testing",
    "types",
    "viz",
)

if not TYPE_CHECKING:  # mypy would otherwise type every misspelt ``arraygrad.name`` as Any

    def __getattr__(name: str) -> object:
        if name in _ON_FIRST_USE:
            # importlib also binds the subpackage on this module, so this runs once per name
            return _importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *_ON_FIRST_USE})


# One version string: arraygrad.version holds it, as torch.version does.
__version__ = version.__version__

# PyTorch's other names for the same dtypes.
bool = _bool
half = float16
float = float32
double = float64
cfloat = complex64
cdouble = complex128
int = int32
long = int64
short = int16

# PyTorch's constants: Python floats (and None, NumPy's spelling of a new axis in an index).
pi = _pymath.pi
e = _pymath.e
inf = _pymath.inf
nan = _pymath.nan
newaxis = None

__all__ = [
    "Generator",
    "default_generator",
    "OutOfMemoryError",
    "Size",
    "Tensor",
    "load",
    "nn",
    "optim",
    "save",
    "testing",
    "types",
    "utils",
    "accelerator",
    "amp",
    "GradScaler",
    "autocast",
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "clear_autocast_cache",
    "get_autocast_dtype",
    "is_autocast_cache_enabled",
    "is_autocast_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_dtype",
    "set_autocast_enabled",
    "autograd",
    "backends",
    "cpu",
    "cuda",
    "distributed",
    "distributions",
    "profiler",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "mps",
    "set_anomaly_enabled",
    "signal",
    "version",
    "fft",
    "func",
    "hub",
    "jit",
    "multiprocessing",
    "vmap",
    "viz",
    "compile",
    "compiler",
    "bfloat16",
    "bool",
    "cdouble",
    "cfloat",
    "complex64",
    "complex128",
    "double",
    "dtype",
    "enable_grad",
    "float",
    "float16",
    "float32",
    "float64",
    "get_backend",
    "get_default_dtype",
    "get_printoptions",
    "half",
    "inference_mode",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "long",
    "no_grad",
    "promote_types",
    "set_backend",
    "set_default_dtype",
    "set_grad_enabled",
    "set_printoptions",
    "short",
    "uint8",
    "pi",
    "e",
    "inf",
    "nan",
    "newaxis",
    *_tensor_types.__all__,
    *_storage.__all__,
    *_typed_storage.__all__,
    *_creation.__all__,
    *_like_creation.__all__,
    *_lines.__all__,
    *_contractions.__all__,
    *_linalg.__all__,
    *_linalg_extra.__all__,
    *_math.__all__,
    *_division.__all__,
    *_clamp.__all__,
    *_reduction.__all__,
    *_binary.__all__,
    *_statistics.__all__,
    *_rounding.__all__,
    *_trigonometric.__all__,
    *_unary.__all__,
    *_shape.__all__,
    *_splitting.__all__,
    *_einsum.__all__,
    *_indexing.__all__,
    *_sorting.__all__,
    *_views.__all__,
    *_joining.__all__,
    *_matrices.__all__,
    *_power.__all__,
    *_predicates.__all__,
    *_distances.__all__,
    *_matrix_functions.__all__,
    *_decompositions.__all__,
    *_lu.__all__,
    *_triangular.__all__,
    *_quantiles.__all__,
    *_scans.__all__,
    *_searching.__all__,
    *_unique.__all__,
    *_histogram.__all__,
    *_signal_windows.__all__,
    *_fused.__all__,
    *_comparison.__all__,
    *_aliases.__all__,
    *_inplace_functions.__all__,
    *_bitwise.__all__,
    *_matrix_exp.__all__,
    *_renorm.__all__,
    *_special_functions.__all__,
    *_softmax.__all__,
    *_complex.__all__,
    *_stft.__all__,
    *_control_flow.__all__,
    *_random.__all__,
    *_random_creation.__all__,
    *_scatter.__all__,
    *_index_updates.__all__,
    *_view_scatter.__all__,
    *_view_copies.__all__,
    *_repeats.__all__,
    *_device.__all__,
    *_info.__all__,
    *_interop.__all__,
    *_flags.__all__,
    *_nn_aliases.__all__,
    *_deprecated_linalg.__all__,
    *_convolution_entry.__all__,
    *_nn_kernel_forms.__all__,
    *_utilities.__all__,
    *_legacy.__all__,
    *_native_norms.__all__,
    *_rnn_functions.__all__,
    *_legacy_state.__all__,
    *_segment_reduce.__all__,
    *_sym_numbers.__all__,
    "linalg",
    "random",
    "return_types",
    "special",
]
