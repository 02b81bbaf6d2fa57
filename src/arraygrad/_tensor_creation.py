"""Tensor methods that make tensors like this one (``new_zeros``, ...), fill it at random in
place (``normal_``, ...), describe its storage (``stride``, ``is_contiguous``, ...) and convert
its dtype (``float``, ``long``, ``type``, ...).

A mixin of :class:`arraygrad.Tensor`; each method delegates to a PyTorch-style function.
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
    import arraygrad._random
    import arraygrad._tensor_types
    import arraygrad._views
    from arraygrad._dtype import dtype
    from arraygrad._tensor import Tensor

# The largest integer random_() draws by default: 2**mantissa bits for floats (every integer
# up to it is exact), the dtype's maximum for integers, as in PyTorch.
_RANDOM_MAX = {
    "float16": 2**11,
    "float32": 2**24,
    "float64": 2**53,
    "bool": 1,
    "uint8": 2**8 - 1,
    "int8": 2**7 - 1,
    "int16": 2**15 - 1,
    "int32": 2**31 - 1,
    "int64": 2**63 - 1,
}
_INT_MIN = {
    "bool": 0,
    "uint8": 0,
    "int8": -(2**7),
    "int16": -(2**15),
    "int32": -(2**31),
    "int64": -(2**63),
}
# PyTorch's C names of the types, for its errors ("out of bounds for signed char").
_C_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
}


def _real_bound(method: str, name: str, position: int, value: Any) -> None:
    """PyTorch's TypeError for a complex number where a random fill takes a real one."""
    if isinstance(value, complex):
        raise TypeError(
            f"{method}(): argument '{name}' (position {position}) must be float, not complex"
        )


def _from_keyword(method: str, from_: Any, kwargs: dict[str, Any]) -> Any:
    """``from_``, or PyTorch's keyword ``from`` when given; other keywords are refused."""
    if "from" in kwargs:
        from_ = kwargs.pop("from")
    if kwargs:
        raise TypeError(
            f"{method}() got an unexpected keyword argument '{next(iter(kwargs))}'. Fix: its "
            "keywords are from, to and generator."
        )
    return from_


class TensorCreationMethods:
    """New tensors like this one, random in-place fills, storage facts and dtype conversions."""

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
        return strides[_ag._dims.normalize_dim(dim, self.ndim)] if self.ndim else 1

    def storage_offset(self) -> builtins.int:
        """Where this tensor starts in its storage, in elements: a view's offset in its
        base's memory, a tensor's offset given to :meth:`set_`."""
        if self._base is None and not (
            "_set_storage" in self.__dict__ or "_view_alias" in self.__dict__
        ):
            return 0  # (arrays from elsewhere may start inside memory: PyTorch's would not)
        return _ag._storage.place_of(self)[0]

    def is_contiguous(self, memory_format: Any = None) -> builtins.bool:
        """Whether the elements lie in C order with no gaps (sizes of 1 and 0 excepted)."""
        if self.numel() == 0:
            return True
        expected = 1
        for size, step in zip(reversed(self.shape), reversed(self.stride()), strict=True):
            if size != 1:
                if step != expected:
                    return False
                expected *= size
        return True

    # --- in-place random fills ---------------------------------------------------------------

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of ``N(mean, std**2)``; for a complex tensor, ``mean + std z`` with
        ``z`` PyTorch's complex standard normal (each part of variance 1/2)."""
        _real_bound("normal_", "mean", 1, mean)
        _real_bound("normal_", "std", 2, std)
        if not self.dtype.is_complex:
            _ag._random._require_float(self, "normal_kernel_cpu")
        if std < 0:
            raise RuntimeError(
                f"normal expects std >= 0.0, but found std {std}. Fix: pass a non-negative std."
            )
        if self.dtype.is_complex:
            shape, half = tuple(self.shape), std * 0.5**0.5
            sample = _ag._random.complex_draw(generator, "normal", shape, self.dtype, mean, half)
            return _ag._random.write(self, sample)
        return _ag._random.fill(self, "normal", mean, std, generator=generator)

    def uniform_(
        self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None, **kwargs: Any
    ) -> Tensor:
        """In place: samples of the uniform distribution on ``[from_, to)`` (PyTorch's keyword
        ``from``, a Python keyword, is taken as ``**{"from": value}``)."""
        from_ = _from_keyword("uniform_", from_, kwargs)
        _real_bound("uniform_", "from", 1, from_)
        _real_bound("uniform_", "to", 2, to)
        if not self.dtype.is_complex:
            _ag._random._require_float(self, "check_uniform_bounds")
        if from_ > to:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={from_} > "
                f"to={to}. Fix: swap the bounds."
            )
        if not self.dtype.is_complex:
            _uniform_within_dtype(self.dtype, from_, to)
        if self.dtype.is_complex:  # the real and imaginary parts each uniform on [from, to)
            sample = _ag._random.complex_draw(
                generator, "uniform", tuple(self.shape), self.dtype, from_, to
            )
            return _ag._random.write(self, sample)
        # (A draw that rounds up to `to` is `from_`, as PyTorch's kernel makes it.)
        return _ag._random.fill(self, "uniform", from_, to, generator=generator)

    def random_(
        self,
        from_: builtins.int | None = None,
        to: builtins.int | None = None,
        *,
        generator: Any = None,
        **kwargs: Any,
    ) -> Tensor:
        """In place: integers drawn uniformly, PyTorch's three forms: ``random_()`` from
        ``[0, 2**mantissa]`` for floats or ``[0, max]`` for integers, ``random_(to)`` (or
        ``random_(to=to)``) from ``[0, to)``, and ``random_(from_, to)`` from ``[from_, to)``."""
        from_ = _from_keyword("random_", from_, kwargs)
        name = self.dtype.name
        if from_ is None and to is None:
            low, high = 0, _RANDOM_MAX[name]
        elif to is None:
            low, high = 0, from_ - 1
        elif from_ is None:
            low, high = 0, to - 1
        else:
            low, high = from_, to - 1
        if high < low:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                f"to={high + 1}. Fix: pass from < to."
            )
        for bound, value, out in (
            ("from", low, low < _INT_MIN.get(name, low)),
            ("to - 1", high, high > _RANDOM_MAX[name] and name in _C_NAMES),
        ):
            if out:
                raise RuntimeError(
                    f"{bound} is out of bounds for {_C_NAMES[name]}: {value} does not fit "
                    f"{name}. Fix: draw into a wider dtype or narrow the range."
                )
        rng = _ag._random_creation.generator_rng(generator)
        native = self._data.dtype

        def draw(order: tuple[builtins.int, ...], _: builtins.bool) -> Any:  # memory order
            if from_ is None and to is None:  # torch's own draw for the dtype's whole range
                return _ag._backend.random_bits(high, order, native, rng)
            return _ag._backend.random_integers(low, high + 1, order, native, rng)

        array = _ag._backend.drawn_in_memory_order(draw, self._data, fresh=False)
        return _ag._random.write(self, _ag.Tensor._wrap(array))

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """In place: 1 with probability ``p`` (a number or a tensor of probabilities), else 0."""
        _ag._random.check_probability(p, "bernoulli_")
        rng = _ag._random_creation.generator_rng(generator)
        if not isinstance(p, _ag.Tensor):  # torch's scalar kernel, in memory order
            native = self._data.dtype
            keep = _ag._backend.drawn_in_memory_order(
                lambda order, _: _ag._backend.random_bernoulli(float(p), order, native, rng),
                self._data,
                fresh=False,
            )
            return _ag._random.write(self, _ag.Tensor._wrap(keep))
        # PyTorch expands p to this tensor first: only a p of its shape can be refused.
        _ag._inplace.check_no_partial_overlap(self, p, rule=_ag._inplace.EXPANDED)
        # p broadcasts to this tensor's shape (expand's error otherwise), never the reverse.
        probs = _ag._views.broadcast_to(p.detach(), tuple(self.shape))
        return _ag._random.write(self, _ag._random.bernoulli_tensor(probs, self.dtype, generator))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of the exponential distribution of rate ``lambd``."""
        if not self.dtype.is_floating_point:
            raise RuntimeError(
                "Exponential distribution is a continuous probability distribution. dtype must "
                "be a floating point but you specified "
                f"{_dtypes.torch_type_name(self.dtype)}. Fix: x = x.float() first."
            )
        if not lambd > 0:
            raise RuntimeError(
                f"exponential_ expects lambda > 0.0, but found lambda={lambd}. Fix: pass a "
                "positive rate."
            )
        return _ag._random.fill(self, "exponential_rate", lambd, generator=generator)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Tensor:
        """In place: ``exp`` of samples of ``N(mean, std**2)``."""
        _ag._random._require_float(self, "log_normal_cpu")
        if not std > 0:
            raise RuntimeError(
                f"log_normal_ expects std > 0.0, but found std={std}. Fix: pass a positive std."
            )
        return _ag._random.fill(self, "lognormal", mean, std, generator=generator)

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of the Cauchy distribution ``median + sigma * tan(pi * (u - 1/2))``."""
        if not self.dtype.is_floating_point:
            raise RuntimeError(
                "Cauchy distribution is a continuous probability distribution. dtype must be a "
                f"floating point but you specified {self.dtype.name}. Fix: x = x.float() first."
            )
        if not sigma > 0:
            raise RuntimeError(
                f"cauchy_ expects sigma > 0.0, but found sigma={sigma}. Fix: pass a positive scale."
            )
        return _ag._random.fill(self, "cauchy", median, sigma, generator=generator)

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """In place: the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        if self.dtype is _ag.bool_:
            raise NotImplementedError(
                "\"geometric_cpu\" not implemented for 'Bool': a count of trials needs a "
                "numeric dtype. Fix: fill an integer or floating tensor."
            )
        if not 0 < p < 1:
            raise RuntimeError(
                f"geometric_ expects p to be in (0, 1), but got p={p}. Fix: pass a probability "
                "strictly between 0 and 1."
            )
        return _ag._random.fill(self, "geometric", p, generator=generator)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """See :func:`arraygrad.bernoulli`."""
        return _ag._random.bernoulli(self, p, generator=generator)

    def multinomial(
        self,
        num_samples: builtins.int,
        replacement: builtins.bool = False,
        *,
        generator: Any = None,
    ) -> Tensor:
        """See :func:`arraygrad.multinomial`."""
        return _ag._random.multinomial(self, num_samples, replacement, generator=generator)

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
        return _ag._complex.adjoint(self)

    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix (``t()`` for a real one; 0-d: the tensor)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor. "
                "Fix: use .mH for batches of matrices."
            )
        return _ag._complex.adjoint(self)  # a 0-d tensor is its own adjoint

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


def _uniform_within_dtype(dtype: Any, from_: float, to: float) -> None:
    """PyTorch's bounds of ``uniform_``: each bound a finite number of ``dtype``, and the
    width ``to - from`` too (the kernel computes ``x * (to - from) + from``)."""
    limit = float(_ag.finfo(dtype).max)
    for name, bound in (("from", from_), ("to", to)):
        if not -limit <= bound <= limit:
            raise RuntimeError(
                f"{name} is out of bounds for {dtype}: uniform_'s bounds must be finite "
                f"numbers of its dtype, within +-{limit:g}. Fix: use bounds inside that range."
            )
    if to - from_ > limit:
        raise RuntimeError(
            f"uniform_ expects to-from <= the largest {dtype}, but found to={to:g} and "
            f"from={from_:g} which result in to-from to exceed the limit. Fix: draw in "
            "[from/2, to/2) and double the result, as torch.testing.make_tensor does."
        )
