"""The Tensor: an array of the active backend plus what autograd needs to know about it.

A Tensor holds its array in ``_data``; ``_node`` is the recorded op that produced it (``None``
for leaves) and ``_rg`` whether gradients flow to it. Everything it computes is delegated to the
PyTorch-style functions of :mod:`arraygrad._math`, :mod:`arraygrad._reduction` and
:mod:`arraygrad._shape`, which promote dtypes like PyTorch and call the primitives in ``ops/``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype, _printing
from arraygrad._dims import normalize_dim
from arraygrad._dtype import dtype

if TYPE_CHECKING:
    from arraygrad._primitive import Node


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints that prints like PyTorch's ``torch.Size``.

    >>> Size([2, 3])
    arraygrad.Size([2, 3])
    """

    def __repr__(self) -> str:
        return f"arraygrad.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        count = 1
        for size in self:
            count *= size
        return count


def describe(tensor: Tensor) -> str:
    """A short description for error messages: ``float32 tensor of shape [2, 3]``."""
    return f"{tensor.dtype.name} tensor of shape {list(tensor._data.shape)}"


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Make tensors with :func:`arraygrad.tensor`, :func:`arraygrad.zeros` and friends; operate on
    them with Python operators and methods named as in PyTorch, and call :meth:`backward` on a
    scalar result to fill the ``.grad`` of the leaves that require it.

    >>> import arraygrad
    >>> w = arraygrad.tensor(3.0, requires_grad=True)
    >>> (w * w).backward()
    >>> w.grad
    tensor(6.)
    """

    __slots__ = ("__dict__", "__weakref__", "_data", "_node", "_rg")

    # Rarely set attributes live in the instance __dict__, created on first write: making a
    # tensor sets three slots only, and reading an unset one falls back to these defaults.
    grad: Tensor | None = None
    _version_counter: list[int] | None = None  # [version, in-place epoch], shared with views
    _base: Tensor | None = None  # the tensor whose memory a view shares
    _hooks: list[Callable[[Any], Any]] | None = None

    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 1000.0
    # Tensors compare elementwise, so hashing is by identity as in PyTorch.
    __hash__ = object.__hash__

    _data: Any
    _node: Node | None
    _rg: bool

    @classmethod
    def _wrap(cls, array: Any, requires_grad: bool = False) -> Tensor:
        """A leaf tensor holding ``array`` (no copy)."""
        tensor = object.__new__(cls)
        tensor._data = array
        tensor._node = None
        tensor._rg = requires_grad
        if _backend.tracer is not None:  # arraygrad.compile notes where the array came from
            _backend.tracer.wrapped(tensor)
        return tensor

    # --- autograd state ----------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` on a leaf in place and return it."""
        if self._node is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients: this is "
                f"a {describe(self)}. Fix: convert it first, e.g. x.float().requires_grad_()."
            )
        if self._node is None:
            self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The recorded operation that produced this tensor (``None`` for leaves)."""
        return self._node

    @property
    def _version(self) -> int:
        counter = self._version_counter
        return 0 if counter is None else counter[0]

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (writes to it are not tracked)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else _backend.asarray(value)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's memory, outside the graph."""
        out = Tensor._wrap(self._data)
        if self._version_counter is None:
            self._version_counter = [0, 0]
        out._version_counter = self._version_counter
        return out

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place, making it a leaf."""
        self._node = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        """Fill ``.grad`` of this non-leaf tensor during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        from arraygrad.autograd.engine import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True when :meth:`retain_grad` was called on this non-leaf tensor."""
        return self._node is not None and self._node.retained is not None

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed.

        The hook may return a replacement gradient. Returns a handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            hooks = self._node.hooks
            if hooks is None:
                hooks = self._node.hooks = []
        else:
            hooks = self._hooks
            if hooks is None:
                hooks = self._hooks = []
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of the leaves it depends on.

        ``gradient`` is the cotangent (required unless this tensor has one element).
        """
        if (
            gradient is None
            and inputs is None
            and not retain_graph
            and not create_graph
            and self._node is not None
            and self._data.size == 1
        ):
            # The training-loop case, loss.backward(), straight to the engine: nothing to check.
            from arraygrad.autograd import engine

            data = self._data
            seed = engine._backend.xp.ones(data.shape, dtype=data.dtype)
            token = engine.grad_enabled.set(False)
            try:
                engine.run_backward([self], [seed], retain_graph=False, create_graph=False)
            finally:
                engine.grad_enabled.reset(token)
            return
        from arraygrad.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- shape and type ----------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, as an :class:`arraygrad.Size`."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[normalize_dim(dim, self.ndim)]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self._data.shape)

    def dim(self) -> int:
        """The number of dimensions."""
        return len(self._data.shape)

    def numel(self) -> int:
        """The number of elements."""
        return Size(self._data.shape).numel()

    def nelement(self) -> int:
        """The number of elements (alias of :meth:`numel`)."""
        return self.numel()

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, e.g. ``arraygrad.float32``."""
        return _dtype.from_xp(self._data.dtype)

    @property
    def device(self) -> str:
        """Where the data lives: ``"cpu"`` for NumPy arrays."""
        return str(getattr(self._data, "device", "cpu"))

    @property
    def is_floating_point_type(self) -> bool:
        return self.dtype.is_floating_point

    def is_floating_point(self) -> bool:
        """True for float16, float32 and float64 tensors."""
        return self.dtype.is_floating_point

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert to a dtype (``t.to(arraygrad.float64)``, ``t.to(other)``); devices other than
        ``"cpu"`` are not supported by the NumPy backend and are rejected."""
        target = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        for arg in args:
            if isinstance(arg, dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif isinstance(arg, str) and arg != "cpu":
                raise RuntimeError(f"device {arg!r} is not available: arraygrad computes on CPU")
        if target is None or target is self.dtype:
            return self.clone() if copy else self
        return _math.astype(self, target)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor converted to ``other``'s dtype."""
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        """This tensor (data already lives in host memory on the NumPy backend)."""
        return self

    def contiguous(self) -> Tensor:
        """This tensor; arrays are always usable as they are."""
        return self

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradients flow back through it)."""
        return _math.clone(self)

    # --- conversion to Python and NumPy ------------------------------------------------------

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar "
                f"(shape {list(self._data.shape)}). Fix: reduce it first (e.g. .sum() or .mean()) "
                "or index one element."
            )
        return _backend.item(self._data)

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return _backend.to_list(self._data)

    def numpy(self, *, force: bool = False) -> Any:
        """The values as a NumPy array sharing memory with the tensor where possible."""
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return _backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # NumPy calls this for ``ndarray <op> Tensor`` and for ufuncs applied to tensors: route
        # the arithmetic ufuncs to our differentiable ops so the result is a Tensor, never an
        # object array.
        handler = _UFUNC_HANDLERS.get(ufunc.__name__) if method == "__call__" else None
        if handler is None or kwargs:
            return NotImplemented
        return handler(*inputs)

    def _one_element(self, kind: str) -> Any:
        if self.numel() != 1:
            raise ValueError(
                "only one element tensors can be converted to Python scalars; this tensor has "
                f"shape {list(self._data.shape)}"
            )
        return self.item()

    def __float__(self) -> float:
        return float(self._one_element("float"))

    def __int__(self) -> builtins.int:
        return int(self._one_element("int"))

    def __index__(self) -> builtins.int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{list(self._data.shape)}). Fix: use .any() or .all()."
            )
        return bool(self.item())

    def __len__(self) -> builtins.int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[0])])

    # --- printing ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        dt = self.dtype
        suffixes = []
        if dt not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={dt!r}")
        if self._node is not None:
            suffixes.append(f"grad_fn=<{self._node.name()}>")
        elif self._rg:
            suffixes.append("requires_grad=True")
        kind = "float" if dt.is_floating_point else ("bool" if dt is _dtype.bool_ else "int")
        return _printing.format_tensor(
            self._data, to_list=_backend.to_list, kind=kind, suffixes=suffixes
        )

    __str__ = __repr__

    def _repr_svg_(self) -> str | None:
        """Jupyter's rich display: the graph that computed this tensor, drawn by Graphviz
        (``None``, i.e. the plain repr, for leaves or where Graphviz is not installed)."""
        from arraygrad import viz

        return viz.repr_svg(self)

    def __format__(self, format_spec: str) -> str:
        # A 0-d tensor formats like its Python number, so f"{loss:.3f}" works as in PyTorch.
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    # --- arithmetic operators ----------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return _math.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _math.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _math.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _math.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _math.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _math.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _math.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _math.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _math.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _math.pow(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _math.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _math.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _math.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _math.remainder(other, self)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.floor_divide, other)

    def __imod__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.remainder, other)

    def __ipow__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.pow, other)

    def __matmul__(self, other: Any) -> Tensor:
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _linalg.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _math.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _math.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _math.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _math.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _math.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _math.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _math.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _math.ge(self, other)

    def __and__(self, other: Any) -> Tensor:
        return _math.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _math.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return _math.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _math.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return _math.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _math.bitwise_xor(other, self)

    def __invert__(self) -> Tensor:
        return _math.bitwise_not(self)

    def __getitem__(self, key: Any) -> Tensor:
        return _shape_mod.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        # Recorded like any in-place op: the overwritten elements get no gradient, ``value``
        # gets the gradient of the places it was written to.
        _indexing.setitem(self, key, value)

    # --- in-place operators: PyTorch's rules, see _inplace.py ----------------------------------

    def __iadd__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.sub, other)

    def __imul__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.mul, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _inplace.apply(self, _math.div, other)

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """In place: ``self += alpha * other``."""
        return _inplace.apply(self, _math.add, other, alpha=alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """In place: ``self -= alpha * other``."""
        return _inplace.apply(self, _math.sub, other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        """In place: ``self *= other``."""
        return _inplace.apply(self, _math.mul, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In place: ``self /= other``."""
        return _inplace.apply(self, _math.div, other, rounding_mode=rounding_mode)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place: clamp every element into ``[min, max]``."""
        return _inplace.apply(self, _math.clamp, min, max)

    def zero_(self) -> Tensor:
        """In place: set every element to 0."""
        return _inplace.fill(self, 0)

    def fill_(self, value: Any) -> Tensor:
        """In place: set every element to ``value``."""
        return _inplace.fill(self, value)

    def copy_(self, src: Any) -> Tensor:
        """In place: copy ``src`` (broadcast to this shape) into this tensor."""
        return _inplace.copy(self, src)

    # --- math methods ------------------------------------------------------------------------

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return _math.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return _math.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return _math.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other`` (rounded toward 0 or -inf with ``rounding_mode``)."""
        return _math.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return _math.pow(self, exponent)

    def neg(self) -> Tensor:
        """``-self``."""
        return _math.neg(self)

    def abs(self) -> Tensor:
        """``|self|``."""
        return _math.abs(self)

    def exp(self) -> Tensor:
        """``e ** self``."""
        return _math.exp(self)

    def log(self) -> Tensor:
        """Natural logarithm."""
        return _math.log(self)

    def sqrt(self) -> Tensor:
        """Square root."""
        return _math.sqrt(self)

    def sin(self) -> Tensor:
        """Sine."""
        return _math.sin(self)

    def cos(self) -> Tensor:
        """Cosine."""
        return _math.cos(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return _math.tanh(self)

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid ``1 / (1 + e ** -self)``."""
        return _math.sigmoid(self)

    def relu(self) -> Tensor:
        """``max(self, 0)``."""
        return _math.relu(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp every element into ``[min, max]``."""
        return _math.clamp(self, min, max)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==``."""
        return _math.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """Elementwise ``!=``."""
        return _math.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """Elementwise ``<``."""
        return _math.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """Elementwise ``<=``."""
        return _math.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """Elementwise ``>``."""
        return _math.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """Elementwise ``>=``."""
        return _math.ge(self, other)

    def sum(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Sum over ``dim`` (all elements when ``None``)."""
        return _reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Mean over ``dim`` (all elements when ``None``)."""
        return _reduction.mean(self, dim, keepdim, dtype=dtype)

    def exp2(self) -> Tensor:
        """``2 ** self``."""
        return _unary.exp2(self)

    def expm1(self) -> Tensor:
        """``exp(self) - 1``, accurate near 0."""
        return _unary.expm1(self)

    def log1p(self) -> Tensor:
        """``log(1 + self)``, accurate near 0."""
        return _unary.log1p(self)

    def log2(self) -> Tensor:
        """Base-2 logarithm."""
        return _unary.log2(self)

    def log10(self) -> Tensor:
        """Base-10 logarithm."""
        return _unary.log10(self)

    def rsqrt(self) -> Tensor:
        """``1 / sqrt(self)``."""
        return _unary.rsqrt(self)

    def reciprocal(self) -> Tensor:
        """``1 / self``."""
        return _unary.reciprocal(self)

    def square(self) -> Tensor:
        """``self ** 2``."""
        return _unary.square(self)

    def tan(self) -> Tensor:
        """Tangent."""
        return _unary.tan(self)

    def asin(self) -> Tensor:
        """Inverse sine."""
        return _unary.asin(self)

    def acos(self) -> Tensor:
        """Inverse cosine."""
        return _unary.acos(self)

    def atan(self) -> Tensor:
        """Inverse tangent."""
        return _unary.atan(self)

    def sinh(self) -> Tensor:
        """Hyperbolic sine."""
        return _unary.sinh(self)

    def cosh(self) -> Tensor:
        """Hyperbolic cosine."""
        return _unary.cosh(self)

    def asinh(self) -> Tensor:
        """Inverse hyperbolic sine."""
        return _unary.asinh(self)

    def acosh(self) -> Tensor:
        """Inverse hyperbolic cosine."""
        return _unary.acosh(self)

    def atanh(self) -> Tensor:
        """Inverse hyperbolic tangent."""
        return _unary.atanh(self)

    def arcsin(self) -> Tensor:
        """Alias of :meth:`asin`."""
        return _unary.arcsin(self)

    def arccos(self) -> Tensor:
        """Alias of :meth:`acos`."""
        return _unary.arccos(self)

    def arctan(self) -> Tensor:
        """Alias of :meth:`atan`."""
        return _unary.arctan(self)

    def arcsinh(self) -> Tensor:
        """Alias of :meth:`asinh`."""
        return _unary.arcsinh(self)

    def arccosh(self) -> Tensor:
        """Alias of :meth:`acosh`."""
        return _unary.arccosh(self)

    def arctanh(self) -> Tensor:
        """Alias of :meth:`atanh`."""
        return _unary.arctanh(self)

    def erf(self) -> Tensor:
        """The error function."""
        return _unary.erf(self)

    def erfinv(self) -> Tensor:
        """The inverse error function."""
        return _unary.erfinv(self)

    def lgamma(self) -> Tensor:
        """``log |Gamma(self)|``."""
        return _unary.lgamma(self)

    def digamma(self) -> Tensor:
        """The logarithmic derivative of Gamma."""
        return _unary.digamma(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 by sign (zero gradient)."""
        return _unary.sign(self)

    def sgn(self) -> Tensor:
        """Alias of :meth:`sign` for real tensors."""
        return _unary.sgn(self)

    def floor(self) -> Tensor:
        """Round toward -inf (zero gradient)."""
        return _unary.floor(self)

    def ceil(self) -> Tensor:
        """Round toward +inf (zero gradient)."""
        return _unary.ceil(self)

    def trunc(self) -> Tensor:
        """Round toward 0 (zero gradient)."""
        return _unary.trunc(self)

    def fix(self) -> Tensor:
        """Alias of :meth:`trunc`."""
        return _unary.fix(self)

    def frac(self) -> Tensor:
        """``self - trunc(self)``."""
        return _unary.frac(self)

    def isnan(self) -> Tensor:
        """Where the elements are nan."""
        return _math.isnan(self)

    def isinf(self) -> Tensor:
        """Where the elements are infinite."""
        return _math.isinf(self)

    def isfinite(self) -> Tensor:
        """Where the elements are finite."""
        return _math.isfinite(self)

    def logical_not(self) -> Tensor:
        """Element-wise logical not."""
        return _math.logical_not(self)

    def maximum(self, other: Any) -> Tensor:
        """Element-wise maximum (ties split the gradient)."""
        return _binary.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Element-wise minimum (ties split the gradient)."""
        return _binary.minimum(self, other)

    def atan2(self, other: Any) -> Tensor:
        """``atan2(self, other)``, the angle of ``(other, self)``."""
        return _binary.atan2(self, other)

    def arctan2(self, other: Any) -> Tensor:
        """Alias of :meth:`atan2`."""
        return _binary.arctan2(self, other)

    def hypot(self, other: Any) -> Tensor:
        """``sqrt(self**2 + other**2)``."""
        return _binary.hypot(self, other)

    def fmod(self, other: Any) -> Tensor:
        """C's modulus (the sign of ``self``)."""
        return _math.fmod(self, other)

    def remainder(self, other: Any) -> Tensor:
        """Python's modulus (the sign of ``other``)."""
        return _math.remainder(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        """``self // other``."""
        return _math.floor_divide(self, other)

    def true_divide(self, other: Any) -> Tensor:
        """``self / other``."""
        return _math.true_divide(self, other)

    def xlogy(self, other: Any) -> Tensor:
        """``self * log(other)``, 0 where ``self == 0``."""
        return _binary.xlogy(self, other)

    def logical_and(self, other: Any) -> Tensor:
        """Element-wise logical and."""
        return _math.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        """Element-wise logical or."""
        return _math.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        """Element-wise logical exclusive or."""
        return _math.logical_xor(self, other)

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round half to even to ``decimals`` places (zero gradient)."""
        return _unary.round(self, decimals=decimals)

    def logit(self, eps: float | None = None) -> Tensor:
        """``log(self / (1 - self))``, after clamping into ``[eps, 1 - eps]`` when given."""
        return _unary.logit(self, eps)

    def polygamma(self, n: int) -> Tensor:
        """The ``n``-th derivative of digamma at ``self``."""
        return _unary.polygamma(n, self)

    def clamp_min(self, min: Any) -> Tensor:
        """``clamp(self, min=min)``."""
        return _math.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        """``clamp(self, max=max)``."""
        return _math.clamp_max(self, max)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """Alias of :meth:`clamp`."""
        return _math.clamp(self, min, max)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """Replace nan and infinities by finite numbers."""
        return _math.nan_to_num(self, nan, posinf, neginf)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """``self + weight * (end - self)``."""
        return _binary.lerp(self, end, weight)

    def prod(
        self, dim: int | None = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Product over ``dim`` (all elements when ``None``)."""
        return _reduction.prod(self, dim, keepdim, dtype=dtype)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Maximum over ``dim`` (all when empty); ties share the gradient."""
        return _reduction.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Minimum over ``dim`` (all when empty); ties share the gradient."""
        return _reduction.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
        return _reduction.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (of the flattened tensor when ``dim`` is None)."""
        return _reduction.argmin(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether all elements (over ``dim``) are non-zero."""
        return _reduction.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any element (over ``dim``) is non-zero."""
        return _reduction.any(self, dim, keepdim)

    def cumsum(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """Cumulative sums along ``dim``."""
        return _reduction.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """Cumulative products along ``dim``."""
        return _reduction.cumprod(self, dim, dtype=dtype)

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Variance over ``dim`` (unbiased unless ``correction``/``unbiased`` say otherwise)."""
        return _statistics.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Standard deviation over ``dim``."""
        return _statistics.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """``log(sum(exp(self)))`` over ``dim``, without overflow."""
        return _statistics.logsumexp(self, dim, keepdim)

    def norm(
        self,
        p: Any = "fro",
        dim: Any = None,
        keepdim: bool = False,
        dtype: _dtype.dtype | None = None,
    ) -> Tensor:
        """The ``p``-norm over ``dim`` (the 2-norm of all elements by default)."""
        return _statistics.norm(self, p, dim, keepdim, dtype)

    # in place, PyTorch's most used ones

    def pow_(self, exponent: Any) -> Tensor:
        """In place: ``self **= exponent``."""
        return _inplace.apply(self, _math.pow, exponent)

    def clamp_min_(self, min: Any) -> Tensor:
        """In place: ``clamp(self, min=min)``."""
        return _inplace.apply(self, _math.clamp_min, min)

    def clamp_max_(self, max: Any) -> Tensor:
        """In place: ``clamp(self, max=max)``."""
        return _inplace.apply(self, _math.clamp_max, max)

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place: alias of :meth:`clamp_`."""
        return _inplace.apply(self, _math.clamp, min, max)

    def nan_to_num_(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """In place: replace nan and infinities by finite numbers."""
        return _inplace.apply(self, _math.nan_to_num, nan, posinf, neginf)

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """In place: ``self += weight * (end - self)``."""
        return _inplace.apply(self, _binary.lerp, end, weight)

    def round_(self, *, decimals: int = 0) -> Tensor:
        """In place: round half to even."""
        return _inplace.apply(self, _unary.round, decimals=decimals)

    def remainder_(self, other: Any) -> Tensor:
        """In place: ``self %= other``."""
        return _inplace.apply(self, _math.remainder, other)

    def floor_divide_(self, other: Any) -> Tensor:
        """In place: ``self //= other``."""
        return _inplace.apply(self, _math.floor_divide, other)

    def abs_(self) -> Tensor:
        """In place: :meth:`abs`."""
        return _inplace.apply(self, _math.abs)

    def neg_(self) -> Tensor:
        """In place: :meth:`neg`."""
        return _inplace.apply(self, _math.neg)

    def exp_(self) -> Tensor:
        """In place: :meth:`exp`."""
        return _inplace.apply(self, _math.exp)

    def log_(self) -> Tensor:
        """In place: :meth:`log`."""
        return _inplace.apply(self, _math.log)

    def sqrt_(self) -> Tensor:
        """In place: :meth:`sqrt`."""
        return _inplace.apply(self, _math.sqrt)

    def sigmoid_(self) -> Tensor:
        """In place: :meth:`sigmoid`."""
        return _inplace.apply(self, _math.sigmoid)

    def tanh_(self) -> Tensor:
        """In place: :meth:`tanh`."""
        return _inplace.apply(self, _math.tanh)

    def relu_(self) -> Tensor:
        """In place: :meth:`relu`."""
        return _inplace.apply(self, _math.relu)

    def exp2_(self) -> Tensor:
        """In place: :meth:`exp2`."""
        return _inplace.apply(self, _unary.exp2)

    def expm1_(self) -> Tensor:
        """In place: :meth:`expm1`."""
        return _inplace.apply(self, _unary.expm1)

    def log1p_(self) -> Tensor:
        """In place: :meth:`log1p`."""
        return _inplace.apply(self, _unary.log1p)

    def rsqrt_(self) -> Tensor:
        """In place: :meth:`rsqrt`."""
        return _inplace.apply(self, _unary.rsqrt)

    def reciprocal_(self) -> Tensor:
        """In place: :meth:`reciprocal`."""
        return _inplace.apply(self, _unary.reciprocal)

    def square_(self) -> Tensor:
        """In place: :meth:`square`."""
        return _inplace.apply(self, _unary.square)

    def sin_(self) -> Tensor:
        """In place: :meth:`sin`."""
        return _inplace.apply(self, _math.sin)

    def cos_(self) -> Tensor:
        """In place: :meth:`cos`."""
        return _inplace.apply(self, _math.cos)

    def floor_(self) -> Tensor:
        """In place: :meth:`floor`."""
        return _inplace.apply(self, _unary.floor)

    def ceil_(self) -> Tensor:
        """In place: :meth:`ceil`."""
        return _inplace.apply(self, _unary.ceil)

    def trunc_(self) -> Tensor:
        """In place: :meth:`trunc`."""
        return _inplace.apply(self, _unary.trunc)

    def sign_(self) -> Tensor:
        """In place: :meth:`sign`."""
        return _inplace.apply(self, _unary.sign)

    def frac_(self) -> Tensor:
        """In place: :meth:`frac`."""
        return _inplace.apply(self, _unary.frac)

    def erf_(self) -> Tensor:
        """In place: :meth:`erf`."""
        return _inplace.apply(self, _unary.erf)

    def erfinv_(self) -> Tensor:
        """In place: :meth:`erfinv`."""
        return _inplace.apply(self, _unary.erfinv)

    def maximum_(self, other: Any) -> Tensor:
        """In place: :meth:`maximum`."""
        return _inplace.apply(self, _binary.maximum, other)

    def minimum_(self, other: Any) -> Tensor:
        """In place: :meth:`minimum`."""
        return _inplace.apply(self, _binary.minimum, other)

    def fmod_(self, other: Any) -> Tensor:
        """In place: :meth:`fmod`."""
        return _inplace.apply(self, _math.fmod, other)

    def atan2_(self, other: Any) -> Tensor:
        """In place: :meth:`atan2`."""
        return _inplace.apply(self, _binary.atan2, other)

    def hypot_(self, other: Any) -> Tensor:
        """In place: :meth:`hypot`."""
        return _inplace.apply(self, _binary.hypot, other)

    def xlogy_(self, other: Any) -> Tensor:
        """In place: :meth:`xlogy`."""
        return _inplace.apply(self, _binary.xlogy, other)

    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with PyTorch's 1-D and batched broadcasting rules."""
        return _linalg.matmul(self, other)

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (one size may be -1)."""
        return _shape_mod.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        """The same elements in a new shape, sharing memory."""
        return _shape_mod.view(self, *shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return _shape_mod.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions."""
        return _shape_mod.permute(self, *dims)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """All dimensions reversed."""
        return _shape_mod.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two dimensions swapped."""
        return _shape_mod.transpose(self, -2, -1)

    def t(self) -> Tensor:
        """Transpose of a tensor of at most 2 dimensions."""
        return _shape_mod.t(self)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        return _shape_mod.unsqueeze(self, dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dimensions of size 1 (only ``dim`` when given)."""
        return _shape_mod.squeeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim .. end_dim`` into one."""
        return _shape_mod.flatten(self, start_dim, end_dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
        return _shape_mod.expand(self, *sizes)

    # --- shape, indexing, sorting and linear algebra (see _shape, _indexing, _sorting) -------

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape without copying."""
        return _shape_mod.expand_as(self, other)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Split dimension ``dim`` into ``sizes``."""
        return _shape_mod.unflatten(self, dim, sizes)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """Move dimensions ``source`` to positions ``destination``."""
        return _shape_mod.movedim(self, source, destination)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile ``sizes[i]`` times along dimension ``i`` (extra sizes add leading dimensions)."""
        return _shape_mod.repeat(self, *sizes)

    def tile(self, *dims: Any) -> Tensor:
        """Like :meth:`repeat`; fewer ``dims`` than dimensions repeat the last ones."""
        return _shape_mod.tile(self, _shape_mod._shape_arg(dims))

    def flip(self, *dims: Any) -> Tensor:
        """Reverse the order of elements along ``dims``."""
        return _shape_mod.flip(self, _shape_mod._shape_arg(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Shift elements circularly along ``dims``."""
        return _shape_mod.roll(self, shifts, dims)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """The view of ``length`` elements from ``start`` along ``dim``."""
        return _shape_mod.narrow(self, dim, start, length)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Views split along ``dim`` into pieces of ``split_size`` (or the listed sizes)."""
        return _shape_mod.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into ``chunks`` views along ``dim``."""
        return _shape_mod.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, with that dimension removed."""
        return _shape_mod.unbind(self, dim)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """The slices at positions ``index`` along ``dim``."""
        return _indexing.index_select(self, dim, index)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Elements picked along ``dim`` at ``index`` (same number of dimensions)."""
        return _indexing.gather(self, dim, index)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """Like :meth:`gather`, with broadcasting."""
        return _indexing.take_along_dim(self, indices, dim)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
        return _indexing.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """In place: add ``src`` at ``index`` along ``dim``."""
        return _inplace.apply(self, _indexing.scatter_add, dim, index, src)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """A copy with ``value`` where ``mask`` is True."""
        return _indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """In place: set ``value`` where ``mask`` is True."""
        return _inplace.apply(self, _indexing.masked_fill, mask, value)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The largest element, or ``(values, indices)`` along ``dim``."""
        return _sorting.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The smallest element, or ``(values, indices)`` along ``dim``."""
        return _sorting.min(self, dim, keepdim)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """``(values, indices)`` sorted along ``dim``."""
        return _sorting.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The indices that sort along ``dim``."""
        return _sorting.argsort(self, dim, descending, stable)

    def msort(self) -> Tensor:
        """Sorted along the first dimension."""
        return _sorting.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``."""
        return _sorting.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """``(values, indices)`` of the ``k``-th smallest along ``dim``."""
        return _sorting.kthvalue(self, k, dim, keepdim)

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median, or ``(values, indices)`` along ``dim``."""
        return _sorting.median(self, dim, keepdim)

    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two matrices."""
        return _linalg.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product."""
        return _linalg.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """Matrix-vector product."""
        return _linalg.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        """Dot product of two vectors."""
        return _linalg.dot(self, other)

    def inner(self, other: Tensor) -> Tensor:
        """Sum of products over the last dimensions."""
        return _linalg.inner(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two vectors."""
        return _linalg.outer(self, vec2)

    def trace(self) -> Tensor:
        """Sum of the main diagonal."""
        return _linalg.trace(self)

    def diag(self, diagonal: int = 0) -> Tensor:
        """Diagonal matrix of a vector, or a diagonal of a matrix."""
        return _linalg.diag(self, diagonal)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle; the rest 0."""
        return _linalg.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle; the rest 0."""
        return _linalg.triu(self, diagonal)

    def tril_(self, diagonal: int = 0) -> Tensor:
        """In place: keep the lower triangle."""
        return _inplace.apply(self, _linalg.tril, diagonal)

    def triu_(self, diagonal: int = 0) -> Tensor:
        """In place: keep the upper triangle."""
        return _inplace.apply(self, _linalg.triu, diagonal)

    def inverse(self) -> Tensor:
        """Inverse of a (batch of) square matrices."""
        return _linalg.inverse(self)

    def det(self) -> Tensor:
        """Determinant of a (batch of) square matrices."""
        return _linalg.det(self)

    # --- dtype conversions: last in the class, as their names shadow the builtins in it ----

    def float(self) -> Tensor:
        """Convert to float32."""
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        """Convert to float64."""
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        """Convert to float16."""
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        """Convert to int64."""
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        """Convert to int32."""
        return self.to(_dtype.int32)

    def bool(self) -> Tensor:
        """Convert to bool."""
        return self.to(_dtype.bool_)


class _HookHandle:
    """Returned by :meth:`Tensor.register_hook`; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# The modules below build on Tensor, so they are imported after the class exists.
from arraygrad import (  # noqa: E402  # noqa: E402  # noqa: E402
    _binary,
    _indexing,
    _inplace,
    _linalg,
    _math,
    _reduction,
    _sorting,
    _statistics,
    _unary,
)
from arraygrad import _shape as _shape_mod  # noqa: E402

_UFUNC_HANDLERS: dict[str, Callable[..., Any]] = {
    "add": _math.add,
    "subtract": _math.sub,
    "multiply": _math.mul,
    "divide": _math.div,
    "true_divide": _math.div,
    "power": _math.pow,
    "matmul": _linalg.matmul,
    "negative": _math.neg,
    "absolute": _math.abs,
    "exp": _math.exp,
    "log": _math.log,
    "sqrt": _math.sqrt,
    "sin": _math.sin,
    "cos": _math.cos,
    "tanh": _math.tanh,
    "equal": _math.eq,
    "not_equal": _math.ne,
    "less": _math.lt,
    "less_equal": _math.le,
    "greater": _math.gt,
    "greater_equal": _math.ge,
}
