"""PyTorch's older top-level names that scripts and libraries still call: the linear algebra
functions removed in PyTorch 1.9 (``lstsq``, ``solve``, ``eig``, ``symeig``: they raise, as in
PyTorch, saying what replaces them), the deprecated ``set_default_tensor_type``,
``is_distributed``, ``compiled_with_cxx11_abi`` and the build flags ``has_lapack``,
``has_spectral``, ``has_mkl`` and ``has_openmp``.

The flags say what arraygrad computes with: NumPy's LAPACK and FFT, no MKL-specific kernels and
no OpenMP-parallel kernels of its own (as ``backends.mkldnn`` and ``backends.openmp`` say).

>>> import arraygrad
>>> arraygrad.has_lapack, arraygrad.has_mkl
(True, False)
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, NoReturn

from arraygrad import _dtype
from arraygrad._arguments import require_tensor
from arraygrad._tensor import Tensor
from arraygrad._tensor_types import tensortype

__all__ = [
    "compiled_with_cxx11_abi",
    "eig",
    "has_lapack",
    "has_mkl",
    "has_openmp",
    "has_spectral",
    "is_distributed",
    "lstsq",
    "set_default_tensor_type",
    "solve",
    "symeig",
]

# numpy.linalg is LAPACK and numpy.fft the spectral ops; arraygrad adds no MKL or OpenMP kernels.
has_lapack = True
has_spectral = True
has_mkl = False
has_openmp = False

# PyTorch's texts, naming arraygrad's functions: each says which function replaces the removed one
# and how its call changes.
_REMOVED = "This function was deprecated since version 1.9 and is now removed. "
_EIG = (
    _REMOVED + "`arraygrad.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` "
    "rather than real tensors mimicking complex tensors.\n\nL, _ = arraygrad.eig(A) should be "
    "replaced with:\nL_complex = arraygrad.linalg.eigvals(A)\n\nand\n\nL, V = "
    "arraygrad.eig(A, eigenvectors=True) should be replaced with:\nL_complex, V_complex = "
    "arraygrad.linalg.eig(A)"
)
_SYMEIG = (
    _REMOVED + "The default behavior has changed from using the upper triangular portion of the "
    "matrix by default to using the lower triangular portion.\n\nL, _ = arraygrad.symeig(A, "
    "upper=upper) should be replaced with:\nL = arraygrad.linalg.eigvalsh(A, UPLO='U' if upper "
    "else 'L')\n\nand\n\nL, V = arraygrad.symeig(A, eigenvectors=True) should be replaced "
    "with:\nL, V = arraygrad.linalg.eigh(A, UPLO='U' if upper else 'L')"
)
_LSTSQ = (
    _REMOVED + "`arraygrad.lstsq` is deprecated in favor of `arraygrad.linalg.lstsq`.\n"
    "`arraygrad.linalg.lstsq` has reversed arguments and does not return the QR decomposition "
    "in the returned tuple (although it returns other information about the problem).\n\nTo "
    "get the QR decomposition consider using `arraygrad.linalg.qr`.\n\nThe returned solution in "
    "`arraygrad.lstsq` stored the residuals of the solution in the last m - n columns of the "
    "returned value whenever m > n. In arraygrad.linalg.lstsq, the residuals are in the field "
    "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = "
    "arraygrad.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = "
    "arraygrad.linalg.lstsq(A, B).solution"
)
_SOLVE = (
    _REMOVED + "`arraygrad.solve` is deprecated in favor of `arraygrad.linalg.solve`. "
    "`arraygrad.linalg.solve` has its arguments reversed and does not return the LU "
    "factorization.\n\nTo get the LU factorization see `arraygrad.lu`, which can be used with "
    "`arraygrad.lu_solve` or `arraygrad.lu_unpack`.\nX = arraygrad.solve(B, A).solution should "
    "be replaced with:\nX = arraygrad.linalg.solve(A, B)"
)


def lstsq(input: Tensor, A: Tensor, *, out: Any = None) -> NoReturn:  # noqa: N803
    """Removed from PyTorch (it raises RuntimeError there, as here): use
    :func:`arraygrad.linalg.lstsq`, whose arguments are reversed (``lstsq(A, B)`` minimises
    ``||A X - B||``) and whose residuals are a field of its result.

    >>> import arraygrad
    >>> arraygrad.lstsq(arraygrad.eye(2), arraygrad.eye(2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(_LSTSQ)


def solve(input: Tensor, A: Tensor, *, out: Any = None) -> NoReturn:  # noqa: N803
    """Removed from PyTorch (it raises RuntimeError there, as here): use
    :func:`arraygrad.linalg.solve`, whose arguments are reversed (``X = solve(A, B)`` for
    ``A X = B``) and which returns no LU factorisation.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.solve(arraygrad.eye(2), arraygrad.eye(2))
    ... except RuntimeError as error:
    ...     print(str(error).splitlines()[-1])
    X = arraygrad.linalg.solve(A, B)
    """
    raise RuntimeError(_SOLVE)


def eig(self: Tensor, eigenvectors: bool = False, *, e: Any = None, v: Any = None) -> NoReturn:
    """Removed from PyTorch (it raises RuntimeError there, as here): use
    :func:`arraygrad.linalg.eigvals` for the eigenvalues and :func:`arraygrad.linalg.eig` for
    both, which return complex tensors rather than real pairs.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[2.0, 0.0], [0.0, 3.0]])
    >>> arraygrad.linalg.eigvals(a)  # what replaces arraygrad.eig(a)
    tensor([2.+0.j, 3.+0.j])
    """
    raise RuntimeError(_EIG)


def symeig(
    input: Tensor, eigenvectors: bool = False, upper: bool = True, *, out: Any = None
) -> NoReturn:
    """Removed from PyTorch (it raises RuntimeError there, as here): use
    :func:`arraygrad.linalg.eigh` or :func:`arraygrad.linalg.eigvalsh`, which read the lower
    triangle by default (``UPLO='U'`` for symeig's old default, the upper one).

    >>> import arraygrad
    >>> a = arraygrad.tensor([[2.0, 1.0], [1.0, 2.0]])
    >>> arraygrad.linalg.eigvalsh(a, UPLO="U")  # what replaces arraygrad.symeig(a)
    tensor([1., 3.])
    """
    raise RuntimeError(_SYMEIG)


_FLOAT_ONLY = "only floating-point types are supported as the default type"


def _resolve(name: str) -> Any:
    """The tensor type a string such as ``"torch.DoubleTensor"`` names: PyTorch imports the
    module before the last dot and reads the attribute; ``torch`` here means arraygrad."""
    module_name, _, attribute = name.rpartition(".")
    if module_name.split(".")[0] == "torch":
        module_name = "arraygrad" + module_name[len("torch") :]
    if module_name in ("arraygrad.cuda", "arraygrad.mps"):
        raise TypeError(
            f"type {name} not available. Torch not compiled with CUDA enabled. Fix: use "
            "arraygrad.set_default_dtype() (arraygrad's tensors are on the CPU)."
        )
    module = importlib.import_module(module_name or attribute)
    if not module_name:
        return module
    if not hasattr(module, attribute):
        raise AttributeError(
            f"module {module_name.replace('arraygrad', 'torch', 1)!r} has no "
            f"attribute {attribute!r}"
        )
    return getattr(module, attribute)


def set_default_tensor_type(t: Any, /) -> None:
    """Deprecated (a UserWarning, as in PyTorch): make the floating dtype of ``t`` (a type such
    as ``DoubleTensor``, or its name ``"torch.DoubleTensor"``) the default, as
    :func:`arraygrad.set_default_dtype` does.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.set_default_tensor_type(arraygrad.DoubleTensor)
    >>> arraygrad.tensor([1.5]).dtype
    arraygrad.float64
    >>> arraygrad.set_default_dtype(arraygrad.float32)
    """
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(t, str):
        t = _resolve(t)
    if not isinstance(t, tensortype):
        raise TypeError(f"invalid type object: {_FLOAT_ONLY}")
    if not t.dtype.is_floating_point:
        raise TypeError(_FLOAT_ONLY)
    _dtype.set_default_dtype(t.dtype)


def is_distributed(input: Tensor) -> bool:
    """False: an arraygrad tensor is never split across processes.

    >>> import arraygrad
    >>> arraygrad.is_distributed(arraygrad.zeros(2))
    False
    """
    require_tensor("is_distributed", "input", 1, input)
    return False


def compiled_with_cxx11_abi() -> bool:
    """False: arraygrad is pure Python, with no C++ code built with either C++ ABI (PyTorch
    asks this to choose the ABI flag of C++ extensions, which arraygrad cannot load; torch's
    own wheels answer True).

    >>> import arraygrad
    >>> arraygrad.compiled_with_cxx11_abi()
    False
    """
    return False
