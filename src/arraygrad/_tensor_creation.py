"""Tensor methods that make tensors like this one (``new_zeros``, ...), describe its storage
(``stride``, ``is_contiguous``, ...), give its complex parts (``real``, ``conj``, ``mH``, ...),
run Python callbacks on it (``apply_``, ``map_``) and convert its dtype (``float``, ``long``,
``type``, ...).

A mixin of :class:`arraygrad.Tensor`; each method delegates to a PyTorch-style function. The
random in-place fills (``normal_``, ...) are in :mod:`arraygrad._tensor_random`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._creation.zeros``.
import arraygrad as _ag
from arraygrad import _dtype as _dtypes
from arraygrad import _inference

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._complex
    import arraygrad._creation
    import arraygrad._inplace
    import arraygrad._math
    import arraygrad._tensor_types
    import arraygrad._views
    from arraygrad._dtype import dtype
    from arraygrad._tensor import Tensor


class TensorCreationMethods:
    """New tensors like this one, storage facts, complex parts, callbacks, dtype conversions."""

    __slots__ = ()

    # --- new tensors with this one's dtype ---------------------------------------------------

    def new_zeros(
        self, *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
    ) -> Tensor:
        """Zeros of shape ``size`` (ints or one sequence), in this dtype unless ``dtype``, on
        this tensor's device (not the default device), as all ``new_*`` do."""
        size = _ag._creation.creation_options("new_zeros", options, size)
        d = self.dtype if dtype is None else dtype
        return _ag._creation.zeros(*size, dtype=d, requires_grad=requires_grad, device=self.device)

    def new_ones(
        self, *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
    ) -> Tensor:
        """Ones of shape ``size`` (ints or one sequence), in this dtype unless ``dtype``."""
        size = _ag._creation.creation_options("new_ones", options, size)
        d = self.dtype if dtype is None else dtype
        return _ag._creation.ones(*size, dtype=d, requires_grad=requires_grad, device=self.device)

    def new_empty(
        self, *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
    ) -> Tensor:
        """An uninitialised tensor of shape ``size`` in this dtype (arraygrad fills zeros)."""
        size = _ag._creation.creation_options("new_empty", options, size)
        d = self.dtype if dtype is None else dtype
        return _ag._creation.empty(*size, dtype=d, requires_grad=requires_grad, device=self.device)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: dtype | None = None,
        requires_grad: bool = False,
        **options: Any,
    ) -> Tensor:
        """A tensor of shape ``size`` filled with ``fill_value``, in this dtype unless ``dtype``."""
        _ag._creation.creation_options("new_full", options)
        d = self.dtype if dtype is None else dtype
        return _ag._creation.full(
            size, fill_value, dtype=d, requires_grad=requires_grad, device=self.device
        )

    def new_tensor(
        self, data: Any, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A new leaf holding a copy of ``data``, in this dtype unless ``dtype``."""
        d = self.dtype if dtype is None else dtype
        where = self.device if device is None else device  # this tensor's, not the default
        if isinstance(data, _ag.Tensor):
            _ag._creation.warn_copy_construct("tensor.new_tensor(sourceTensor)")
        return _ag._creation.copied_tensor(data, d, where, requires_grad)

    def new(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's legacy constructor in this tensor's dtype: ``x.new()`` (empty),
        ``x.new(2, 3)`` or ``x.new(size)`` (uninitialised), ``x.new(data)`` (a copy of a
        sequence or array) or ``x.new(tensor)`` (the same memory, when the dtypes match);
        ``device=`` is the only keyword. Prefer ``new_empty`` and ``new_tensor``."""
        made: Tensor = _ag._tensor_types.legacy_new(
            self.dtype, self.device.type, args, kwargs, "new"
        )
        return made

    def view_as(self, other: Tensor) -> Tensor:
        """``self.view(other.shape)``: the same memory in ``other``'s shape."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``self.reshape(other.shape)``."""
        return self.reshape(other.shape)

    # --- facts about the tensor and its storage ----------------------------------------------

    def ndimension(self) -> builtins.int:
        """The number of dimensions (alias of :meth:`dim`)."""
        return self.ndim

    def is_same_size(self, other: Tensor) -> builtins.bool:
        """Whether ``other`` has this tensor's shape."""
        return tuple(self.shape) == tuple(other.shape)

    def is_signed(self) -> builtins.bool:
        """Whether the dtype holds negative numbers (False for bool and uint8)."""
        return self.dtype.is_signed

    def is_inference(self) -> builtins.bool:
        """Whether this is an inference tensor: made inside :class:`arraygrad.inference_mode`
        (or a view of one), with the restrictions PyTorch puts on those outside it."""
        return _inference.is_inference(self)  # type: ignore[arg-type]

    # arraygrad's tensors are dense, unquantised, and hold their data.
    @property
    def is_sparse(self) -> builtins.bool:
        """False: arraygrad has no sparse tensors."""
        return False

    @property
    def is_quantized(self) -> builtins.bool:
        """False: arraygrad has no quantised tensors."""
        return False

    @property
    def is_meta(self) -> builtins.bool:
        """False: arraygrad has no meta (data-less) tensors."""
        return False

    def const_data_ptr(self) -> builtins.int:
        """:meth:`data_ptr`, for reading only (a distinction of PyTorch's C++ API)."""
        return self.data_ptr()

    def data_ptr(self) -> builtins.int:
        """The memory address of the first element (0 for an empty tensor): equal for views
        that start at the same element. On array libraries that do not tell addresses, an id
        of the array object."""
        return _ag._backend.data_address(self._data)

    @property
    def itemsize(self) -> builtins.int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> builtins.int:
        """Bytes taken by the elements: ``numel() * itemsize``."""
        return self.numel() * self.dtype.itemsize

    @property
    def is_cpu(self) -> builtins.bool:
        """Whether the data is in host memory (always on NumPy)."""
        return self.device.type == "cpu"

    @property
    def is_cuda(self) -> builtins.bool:
        """Whether the data is on a CUDA device (CuPy's arrays)."""
        return self.device.type == "cuda"

    def get_device(self) -> builtins.int:
        """The index of the GPU holding the data; ``-1``, PyTorch's index of CPU tensors."""
        index = self.device.index
        return -1 if index is None else index

    def stride(self, dim: builtins.int | None = None) -> Any:
        """Steps in elements between neighbours along each dimension (or ``dim``'s step).

        They are the strides of the array behind the tensor: views (``t()``, slices) have
        PyTorch's, but where arraygrad copies and PyTorch views (``expand``, ``diagonal``)
        the copy's own C-order strides.
        """
        strides = _ag._backend.element_strides(self._data)
        if dim is None:
            return strides
        if not self.ndim and dim.__class__ is int:
            raise _ag._dims.no_dimensions_error(dim, "stride")
        return strides[_ag._dims.normalize_dim(dim, self.ndim)]

    def storage_offset(self) -> builtins.int:
        """Where this tensor starts in its storage, in elements: a view's offset in its
        base's memory, a tensor's offset given to :meth:`set_`."""
        if self._base is None and not (
            "_set_storage" in self.__dict__ or "_view_alias" in self.__dict__
        ):
            return 0  # (arrays from elsewhere may start inside memory: PyTorch's would not)
        return _ag._storage.place_of(self)[0]

    def is_contiguous(self, *, memory_format: Any = None) -> builtins.bool:
        """Whether the elements lie in C order with no gaps (sizes of 1 and 0 excepted); with a
        channels-last ``memory_format``, in that format's order (False for another rank)."""
        if _ag._device.is_channels_last(memory_format):
            return _ag._tensor_storage.in_format(
                tuple(self.shape), tuple(self.stride()), memory_format
            )
        if self.numel() == 0:
            return True
        expected = 1
        for size, step in zip(reversed(self.shape), reversed(self.stride()), strict=True):
            if size != 1:
                if step != expected:
                    return False
                expected *= size
        return True

    # --- the complex API -----------------------------------------------------------------------

    @property
    def real(self) -> Tensor:
        """The real part (a new tensor for a complex one); this tensor itself when real."""
        return _ag._complex.real(self)

    @property
    def imag(self) -> Tensor:
        """The imaginary part; PyTorch's RuntimeError for real tensors, which have none."""
        return _ag._complex.imag(self)

    def conj(self) -> Tensor:
        """The complex conjugate (materialised); this tensor itself when real."""
        return _ag._complex.conj(self)

    def conj_physical(self) -> Tensor:
        """The materialised conjugate; this tensor itself when real."""
        return _ag._complex.conj_physical(self)

    def resolve_conj(self) -> Tensor:
        """This tensor (no lazy conjugation to materialise)."""
        return _ag._complex.resolve_conj(self)

    def resolve_neg(self) -> Tensor:
        """This tensor (no lazy negation to materialise)."""
        return _ag._complex.resolve_neg(self)

    def is_conj(self) -> builtins.bool:
        """False: arraygrad never conjugates lazily."""
        return False

    def is_neg(self) -> builtins.bool:
        """False: arraygrad never negates lazily."""
        return False

    def adjoint(self) -> Tensor:
        """The conjugate transpose of the last two dimensions (``mT`` for real tensors)."""
        return _ag._complex.adjoint(self)

    @property
    def mH(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of the last two dimensions (``mT`` for real tensors)."""
        _ag._complex._require_matrices(self, "tensor.mH")
        return _ag._complex._adjoint(self)

    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix (``t()`` for a real one; 0-d: the tensor)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor. "
                "Fix: use .mH for batches of matrices."
            )
        if self.ndim == 0:  # its own adjoint: PyTorch deprecates it
            _ag._complex.warn_deprecated("tensor.H")
        return _ag._complex._adjoint(self)

    # --- Python callbacks (PyTorch's CPU-only element loops) ---------------------------------

    def apply_(self, callable: Callable[[Any], Any]) -> Tensor:
        """In place: ``self[i] = callable(self[i])`` for each element, as Python numbers."""
        values = [callable(v) for v in self.flatten().tolist()]
        return self._callback_write(values)

    def map_(self, tensor: Tensor, callable: Callable[[Any, Any], Any]) -> Tensor:
        """In place: ``self[i] = callable(self[i], tensor[i])``, ``tensor`` broadcast to self."""
        if isinstance(tensor, _ag.Tensor) and tensor._rg:  # as torch: the callback is opaque
            raise RuntimeError(
                "Can't call map_() with an argument that requires grad: the Python callback is "
                f"not differentiable ({_ag._tensor.describe(tensor)}). Fix: pass "
                "tensor.detach()."
            )
        other = _ag._views.broadcast_to(tensor, tuple(self.shape)).flatten().tolist()
        values = [callable(a, b) for a, b in zip(self.flatten().tolist(), other, strict=True)]
        return self._callback_write(values)

    def _callback_write(self, values: list[Any]) -> Tensor:
        if self._rg:
            raise RuntimeError(
                "apply_ and map_ can't be used on a tensor that requires grad: the Python "
                "callback is not differentiable. Fix: run it on x.detach() or inside "
                "`with arraygrad.no_grad():` on a tensor that does not require grad."
            )
        result = _ag._creation.tensor(values, dtype=self.dtype).reshape(tuple(self.shape))
        return _ag._inplace.copy(self, result)

    # --- dtype conversions: last in the class, as their names shadow the builtins in it ------

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False, **_: Any) -> Any:
        """Without ``dtype``: PyTorch's type string (``'torch.FloatTensor'``, which code written
        for PyTorch compares against); with a dtype or such a string: this tensor converted."""
        if dtype is None:
            return f"torch.{_dtypes.torch_type_name(self.dtype)}Tensor"
        if isinstance(dtype, _ag._tensor_types.tensortype):  # x.type(torch.DoubleTensor)
            dtype = dtype.dtype
        if isinstance(dtype, str):
            target = _TYPE_NAMES.get(dtype.removeprefix("torch.").removeprefix("arraygrad."))
            if target is None:
                raise ValueError(
                    f"invalid type: {dtype!r}. Fix: pass a dtype or a name such as "
                    "'torch.FloatTensor'."
                )
            dtype = target
        return self.to(dtype)

    def short(self) -> Tensor:
        """Convert to int16."""
        return self.to(_ag.int16)

    def byte(self) -> Tensor:
        """Convert to uint8."""
        return self.to(_ag.uint8)

    def char(self) -> Tensor:
        """Convert to int8."""
        return self.to(_ag.int8)

    def float(self) -> Tensor:
        """Convert to float32."""
        return self.to(_dtypes.float32)

    def double(self) -> Tensor:
        """Convert to float64."""
        return self.to(_dtypes.float64)

    def cfloat(self) -> Tensor:
        """Convert to complex64."""
        return self.to(_dtypes.complex64)

    def cdouble(self) -> Tensor:
        """Convert to complex128."""
        return self.to(_dtypes.complex128)

    def half(self) -> Tensor:
        """Convert to float16."""
        return self.to(_dtypes.float16)

    def bfloat16(self) -> Tensor:
        """Convert to bfloat16 (rounded to nearest, ties to even; float64 through float32, as
        PyTorch)."""
        return self.to(_dtypes.bfloat16)

    def long(self) -> Tensor:
        """Convert to int64."""
        return self.to(_dtypes.int64)

    def int(self) -> Tensor:
        """Convert to int32."""
        return self.to(_dtypes.int32)

    def bool(self) -> Tensor:
        """Convert to bool."""
        return self.to(_dtypes.bool_)


# 'FloatTensor' -> float32, ... (the names Tensor.type() takes and gives).
_TYPE_NAMES = {f"{_dtypes.torch_type_name(d)}Tensor": d for d in _dtypes.ALL_DTYPES}
