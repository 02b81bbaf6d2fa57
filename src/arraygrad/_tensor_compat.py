"""Tensor methods of PyTorch's for what arraygrad's tensors are not: on other devices and
layouts (``is_mps``, ``is_nested``, ``dense_dim``, ``to_dense``, ...), subclass conversion
(``as_subclass``, ``module_load``), the in-place conjugate of real values, the removed
``volatile`` flag, and the linear-algebra methods PyTorch removed in 1.9 (``eig``, ``symeig``,
``lstsq``, ``solve``), which raise naming their replacements.

A mixin of :class:`arraygrad.Tensor`.

>>> import arraygrad
>>> arraygrad.ones(2).is_nested, arraygrad.ones(2, 3).dense_dim()
(False, 2)
"""

from __future__ import annotations

import builtins
import warnings
from typing import TYPE_CHECKING, Any, cast

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time.
import arraygrad as _ag

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor


class TensorCompatMethods:
    """The methods above; mixed into :class:`arraygrad.Tensor`."""

    __slots__ = ()

    # Other backends and layouts PyTorch's tensors may be on: arraygrad's never are.
    @property
    def is_mps(self) -> builtins.bool:
        """False: arraygrad has no Apple-GPU (MPS) tensors."""
        return False

    @property
    def is_xpu(self) -> builtins.bool:
        """False: arraygrad has no Intel-GPU (XPU) tensors."""
        return False

    @property
    def is_ipu(self) -> builtins.bool:
        """False: arraygrad has no Graphcore IPU tensors."""
        return False

    @property
    def is_maia(self) -> builtins.bool:
        """False: arraygrad has no MAIA tensors."""
        return False

    @property
    def is_mtia(self) -> builtins.bool:
        """False: arraygrad has no MTIA tensors."""
        return False

    @property
    def is_vulkan(self) -> builtins.bool:
        """False: arraygrad has no Vulkan tensors."""
        return False

    @property
    def is_xla(self) -> builtins.bool:
        """False: arraygrad has no XLA tensors."""
        return False

    @property
    def is_mkldnn(self) -> builtins.bool:
        """False: arraygrad has no MKL-DNN (oneDNN) layout."""
        return False

    @property
    def is_nested(self) -> builtins.bool:
        """False: arraygrad has no nested (ragged) tensors."""
        return False

    def is_distributed(self) -> builtins.bool:
        """False (a method, as in PyTorch): no tensor is distributed."""
        return False

    def dense_dim(self) -> builtins.int:
        """The number of dense dimensions: all of them, for a strided tensor."""
        return cast("Tensor", self).ndim

    def sparse_dim(self) -> builtins.int:
        """The number of sparse dimensions: 0, for a strided tensor."""
        return 0

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        """A strided tensor of these values: this tensor itself (it is one), or converted to
        ``dtype`` (in the graph)."""
        tensor = cast("Tensor", self)
        return tensor if dtype is None or dtype is tensor.dtype else tensor.to(dtype)

    # Removed from PyTorch in 1.9: calling them raises its RuntimeError naming the replacement.
    def eig(self, eigenvectors: builtins.bool = False) -> Any:
        """Removed (PyTorch 1.9): raises, naming ``linalg.eig`` (which needs complex dtypes,
        so arraygrad lacks it) and :func:`arraygrad.linalg.eigh`."""
        return _ag._legacy.eig(cast("Tensor", self), eigenvectors)

    def symeig(self, eigenvectors: builtins.bool = False, upper: builtins.bool = True) -> Any:
        """Removed (PyTorch 1.9): raises, naming :func:`arraygrad.linalg.eigh`."""
        return _ag._legacy.symeig(cast("Tensor", self), eigenvectors, upper)

    def lstsq(self, other: Any) -> Any:
        """Removed (PyTorch 1.9): raises, naming :func:`arraygrad.linalg.lstsq`."""
        return _ag._legacy.lstsq(cast("Tensor", self), other)

    def solve(self, other: Any) -> Any:
        """Removed (PyTorch 1.9): raises, naming :func:`arraygrad.linalg.solve`."""
        return _ag._legacy.solve(cast("Tensor", self), other)

    def conj_physical_(self) -> Tensor:
        """In place: the conjugate ``a - ib`` of ``a + ib``, which leaves a real tensor's values
        as they are; recorded (``ConjPhysicalBackward1``) and counted as a write, as in
        PyTorch."""
        return _ag._inplace.apply(cast("Tensor", self), _conjugate)

    def as_subclass(self, cls: type) -> Tensor:
        """This tensor as an instance of ``cls``, a subclass of :class:`arraygrad.Tensor`: an
        alias sharing its memory, with a history (``AliasBackward0``) that sends gradients
        back to it where it requires grad."""
        if not isinstance(cls, type) or not issubclass(cls, _ag.Tensor):
            raise TypeError(
                "Creating a Tensor subclass from a class that does not inherit from Tensor is "
                f"not possible. Make sure your class inherits from Tensor. (Got {cls!r}.) Fix: "
                "pass a subclass of arraygrad.Tensor."
            )
        tensor = cast("Tensor", self)
        alias = _ag._primitive.labelled(tensor.view_as(tensor), "AliasBackward0")
        alias.__class__ = cls
        return alias

    @property
    def volatile(self) -> builtins.bool:
        """Always False, with PyTorch's warning: the flag was removed (0.4), ``no_grad`` took
        its place."""
        warnings.warn(
            "volatile was removed (Variable.volatile is always False). Fix: read "
            "x.requires_grad or arraygrad.is_grad_enabled() instead.",
            UserWarning,
            stacklevel=2,
        )
        return False

    @volatile.setter
    def volatile(self, value: builtins.bool) -> None:
        # Nothing is stored: PyTorch only warns, and the flag keeps reading False.
        warnings.warn(
            "volatile was removed and now has no effect. Use `with torch.no_grad():` instead "
            "(arraygrad.no_grad()).",
            UserWarning,
            stacklevel=2,
        )

    def module_load(self, other: Any, assign: builtins.bool = False) -> Tensor:
        """How ``other`` (a state-dict value) becomes the tensor swapped in for this parameter or
        buffer, as PyTorch's ``load_state_dict`` does under
        ``torch.__future__.set_swap_module_params_on_conversion(True)``: ``other`` detached
        with ``assign=True``, else this tensor's values copied from ``other``, detached (a new
        tensor either way). Subclasses override it to convert ``other``. (arraygrad's
        ``load_state_dict`` copies into the tensors rather than swapping them.)"""
        if assign:
            return cast("Tensor", other.detach())
        return cast("Tensor", self.copy_(other)).detach()  # type: ignore[attr-defined]


def _conjugate(x: Tensor) -> Tensor:
    """``x``'s conjugate as a new recorded result (``conj_physical_``): a real tensor's values,
    a complex one's with the imaginary parts negated."""
    result = _ag._complex.conj(x) if x.dtype.is_complex else _ag._math.clone(x)
    return _ag._primitive.labelled(result, "ConjPhysicalBackward1")
