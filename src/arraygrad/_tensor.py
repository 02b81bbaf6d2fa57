"""The Tensor: an array of the active backend plus what autograd needs to know about it.

A Tensor holds its array in ``_data``; ``_node`` is the recorded op that produced it (``None``
for leaves) and ``_rg`` whether gradients flow to it. Everything it computes is delegated to the
PyTorch-style functions of :mod:`arraygrad._math`, :mod:`arraygrad._reduction` and
:mod:`arraygrad._shape`, which promote dtypes like PyTorch and call the primitives in ``ops/``.

This module keeps what a tensor is: its slots, versions and detaching, shape and type, printing
and Python's operators (here so that each operator reads its functions as this module's
globals). The named methods come from mixins by topic (``_tensor_*.py``): the autograd API
(``requires_grad_``, hooks, ``backward``) from :mod:`arraygrad._tensor_autograd`.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from math import prod as _prod
from typing import TYPE_CHECKING, Any, ParamSpec

import arraygrad as _ag
from arraygrad import _backend, _device, _dtype, _grad_mode, _inference, _printing
from arraygrad._dims import no_dimensions_error, normalize_dim
from arraygrad._dtype import dtype
from arraygrad._size import Size
from arraygrad._tensor_aliases import TensorAliasMethods
from arraygrad._tensor_analysis import TensorAnalysisMethods
from arraygrad._tensor_autograd import TensorAutogradMethods
from arraygrad._tensor_compat import TensorCompatMethods
from arraygrad._tensor_conversion import TensorConversionMethods
from arraygrad._tensor_creation import TensorCreationMethods
from arraygrad._tensor_elementwise import TensorElementwiseMethods
from arraygrad._tensor_indexing import TensorIndexingMethods
from arraygrad._tensor_inplace import TensorInPlaceMethods
from arraygrad._tensor_math import TensorMathMethods
from arraygrad._tensor_operators import TensorOperatorMethods, bind_functions
from arraygrad._tensor_random import TensorRandomMethods
from arraygrad._tensor_set import TensorSetMethods
from arraygrad._tensor_shape import TensorShapeMethods
from arraygrad._tensor_storage import TensorStorageMethods

if TYPE_CHECKING:
    from arraygrad._node import Node


_P = ParamSpec("_P")


# The printing style of each dtype category (bool apart): ints, floats, complex numbers.
_PRINT_KINDS = {1: "int", 2: "float", 3: "complex"}
# A Size of an array's shape, whose sizes are ints already: made without Size()'s checks.
_new_size = tuple.__new__


def version_of(tensor: Tensor) -> int:
    """``tensor._version`` for arraygrad's own bookkeeping (compile's guards, caches keyed by a
    tensor's writes): 0 for an inference tensor, which keeps no version (its ``_version``
    raises, as PyTorch's does)."""
    counter = tensor._version_counter
    if counter is None or (
        counter.__class__ is not list and isinstance(counter, _inference.InferenceCounter)
    ):
        return 0
    return counter[0]


def describe(tensor: Tensor) -> str:
    """A short description for error messages: ``float32 tensor of shape [2, 3]``."""
    return f"{tensor.dtype.name} tensor of shape {list(tensor._data.shape)}"


class Tensor(
    TensorOperatorMethods,
    TensorAutogradMethods,
    TensorMathMethods,
    TensorElementwiseMethods,
    TensorAnalysisMethods,
    TensorInPlaceMethods,
    TensorShapeMethods,
    TensorCreationMethods,
    TensorRandomMethods,
    TensorIndexingMethods,
    TensorAliasMethods,
    TensorConversionMethods,
    TensorStorageMethods,
    TensorSetMethods,
    TensorCompatMethods,
):
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
    # The gradient behind the ``grad`` property (which warns and checks, for users); arraygrad's
    # own code reads and writes it here.
    _grad: Tensor | None = None
    _version_counter: list[int] | None = None  # [version, in-place epoch], shared with views
    _base: Tensor | None = None  # the tensor whose memory a view shares
    # (function, output index) for the outputs of split/chunk/unbind and views of them
    _view_multi: tuple[str, int] | None = None
    # A leaf's hooks on its gradient (register_hook), and those called after the gradient was
    # accumulated into .grad (register_post_accumulate_grad_hook), by handle id. A leaf with
    # either has a _hooks table, possibly empty: the one attribute the engine tests per leaf.
    _hooks: OrderedDict[int, Callable[[Any], Any]] | None = None
    _post_accumulate_hooks: OrderedDict[int, Callable[[Any], None]] | None = None
    # A leaf's grad_dtype once set (a dtype, or None: any dtype); unset, it is the leaf's dtype.
    # Setting it gives the leaf a _hooks table, so the engine's hook path casts to it.
    _grad_dtype: Any = NotImplemented
    # The calls of arraygrad.func.vmap whose mapped slices this tensor was computed from (see
    # _primitive.batched_levels): empty outside vmap, where nothing reads it.
    _vmap_levels: frozenset[int] = frozenset()

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
        if _grad_mode.inference_used and _grad_mode.inference_enabled.get():
            tensor._version_counter = _inference.SHARED  # (see _inference)
        if _backend.tracer is not None:  # arraygrad.compile notes where the array came from
            _backend.tracer.wrapped(tensor)
        return tensor

    # --- versions, data, detaching (requires_grad, hooks, backward: _tensor_autograd.py) -----

    @property
    def _version(self) -> int:
        counter = self._version_counter
        if counter is None:
            return 0
        # (one test for a normal tensor's list) made in inference mode, or Untracked
        if counter.__class__ is not list and isinstance(counter, _inference.InferenceCounter):
            raise _inference.version_error(self)
        return counter[0]

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (writes to it are not tracked)."""
        out = Tensor._wrap(self._data)
        if _grad_mode.inference_used:  # an inference tensor's is one, a normal tensor's is not
            _inference.data_of(out, self)
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        if self.__dict__.get("_views"):
            # Stale views replay their steps on this tensor's history when next used: now,
            # while its array is still the one they view.
            _view_history.refresh_stale(self)
        self._data = value._data if isinstance(value, Tensor) else _backend.asarray(value)
        if _grad_mode.inference_used and isinstance(value, Tensor):
            _inference.data_set(self, value)  # an inference tensor's values make one (PyTorch)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's memory, outside the graph."""
        tracer = _backend.tracer
        if tracer is not None:
            # arraygrad.compile: a tensor from outside the function (a parameter) is read from
            # there on each replay. Unseen, its array was of unknown origin to the recorder,
            # which took the detached tensor for one made by raw array code (the step ran
            # eagerly: spectral_norm's power iteration on weight.detach()).
            tracer.see_tensor(self)
        out = Tensor._wrap(self._data)
        if self._vmap_levels:  # a detached slice of a vmap is still one slice per call
            out._vmap_levels = self._vmap_levels
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = [0, 0]
        elif counter.__class__ is not list:  # an inference tensor's: see _inference.detached
            counter = _inference.detached(counter)
        out._version_counter = counter
        if self._base is not None:
            # It starts where the view does in the root's memory: storage_offset reads that
            # offset (PyTorch's detach shares the storage), not 0 as for a tensor of its own.
            out.__dict__["_view_alias"] = True
            if _view_checks.may_overlap(self):
                _view_history.detached_view(out, self)  # its writes are checked for overlap
        elif "_view_alias" in self.__dict__:
            out.__dict__["_view_alias"] = True
        return out

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place, making it a leaf."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead: a view shares its history "
                f"with its base ({describe(self)} is a view). Fix: v = v.detach()."
            )
        self._node = None
        self._rg = False
        if _ag._primitive.forward_ad_active:  # the tangent goes too, as in PyTorch
            self.__dict__.pop("_fw_tangent", None)
        return self

    # --- shape and type ----------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, as an :class:`arraygrad.Size`."""
        return _new_size(Size, self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        shape = self._data.shape
        if dim is None:
            return _new_size(Size, shape)
        if not shape and dim.__class__ is int:
            raise no_dimensions_error(dim, "size")
        return shape[normalize_dim(dim, len(shape))]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self._data.shape)

    def dim(self) -> int:
        """The number of dimensions."""
        return len(self._data.shape)

    def numel(self) -> int:
        """The number of elements."""
        return _prod(self._data.shape)  # (an array's sizes are ints within int64: unchecked)

    def nelement(self) -> int:
        """The number of elements (alias of :meth:`numel`)."""
        return self.numel()

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, e.g. ``arraygrad.float32``."""
        return _dtype.from_xp(self._data.dtype)

    @property
    def layout(self) -> _device.layout:
        """How the elements are laid out in memory: ``arraygrad.strided`` (arraygrad has no
        sparse tensors)."""
        return _device.strided

    @property
    def device(self) -> _device.device:
        """Where the data lives: ``device(type='cpu')`` for NumPy arrays, ``device(type='cuda',
        index=0)`` for CuPy's on the first GPU."""
        return _device.of_array(self._data)

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
        """Convert to a dtype (``t.to(arraygrad.float64)``, ``t.to(other)``).

        arraygrad computes on one device, its array library's (NumPy: the CPU; CuPy: the GPU),
        so a device argument naming that one is accepted and others raise PyTorch's
        RuntimeError: ``t.to(device)`` with ``device = "cuda" if arraygrad.cuda.is_available()
        else "cpu"`` runs unchanged on either.
        """
        target = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        memory_format = kwargs.pop("memory_format", None)
        kwargs.pop("non_blocking", None)  # (copies are synchronous here)
        device = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(
                f"to() got an unexpected keyword argument '{next(iter(kwargs))}'. Fix: pass a "
                "dtype, a device, a tensor, copy=, non_blocking= or memory_format=."
            )
        if args and args[0].__class__ in (bool, float, complex):  # PyTorch: to(tensor(number))
            wrapped: dict[type, dtype] = {bool: _dtype.bool_, float: _dtype.float64}  # (int: GPU)
            args = (wrapped.get(args[0].__class__, _dtype.complex128), *args[1:])
        for arg in [*args, device]:
            if isinstance(arg, dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif isinstance(arg, (str, _device.device)) or arg.__class__ is int:  # int: a GPU
                _device.check_reachable(arg)
        # (a wrong rank for the format raises; None: preserve_format)
        order = None if memory_format is None else _device.outer_first(memory_format, self.ndim)
        if target is not None and target is not self.dtype:
            # One ToCopyBackward0 node, as PyTorch's _to_copy: converted and laid out at once.
            result = _ag.ops.astype(self, target, order)
        elif copy:
            result = _math.clone(self, memory_format=memory_format)
            return _ag._primitive.labelled(result, "ToCopyBackward0")
        else:
            result = self
        # A copy laid out in the format, unless the result has exactly its strides already
        # (PyTorch's test: size-1 dims count, where is_contiguous ignores them).
        if order is None or result.stride() == _device.strides_in(result.shape, order):
            return result
        copied = _math.clone(result, memory_format=memory_format)
        return _ag._primitive.labelled(copied, "ToCopyBackward0")

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor converted to ``other``'s dtype."""
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        """This tensor.

        On NumPy its data is in host memory already. On a GPU library (CuPy) it stays on the
        GPU, where every other tensor is, so that PyTorch idioms such as ``(pred.cpu() ==
        y.cpu()).sum()`` keep working; ``.numpy()``, ``.tolist()`` and ``.item()`` are what
        copy values to the host.
        """
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """This tensor, when arraygrad computes on a CUDA device (CuPy's); else PyTorch's
        RuntimeError, with the fix."""
        _device.check_reachable(_device.cuda_device(device))
        return self

    def contiguous(self, *, memory_format: Any = None) -> Tensor:
        """This tensor if its elements lie in C order, else a copy in C order (in the graph).

        A view never copies, so PyTorch's idiom ``x.t().contiguous().view(-1)`` needs it. With
        a channels-last ``memory_format``: this tensor if it lies so, else a copy laid out so.
        """
        if _device.is_channels_last(memory_format):
            if self.is_contiguous(memory_format=memory_format):
                return self
            return _math.clone(self, memory_format=memory_format)  # (CloneBackward0)
        if self.is_contiguous():
            return self
        # Flattening reads the elements out in C order into a new array, which then takes the
        # shape back as a view of itself. Where the layout flattens without a copy (a strided
        # vector, x[::2]), the flat view's elements are copied out.
        flat = _shape_mod.reshape(self, (-1,))
        if flat._base is not None:
            flat = ops.clone(flat)
        # Named as PyTorch's copy, CloneBackward0, not after the reshape giving the shape back.
        return _ag._primitive.labelled(_shape_mod.reshape(flat, self._data.shape), "CloneBackward0")

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy that stays in the graph (gradients flow back through it), laid out as this
        tensor is, or in ``memory_format`` (``contiguous_format``, ``channels_last``, ...)."""
        return _math.clone(self, memory_format=memory_format)

    # --- printing ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        dt = self.dtype
        suffixes = []
        if not _backend.is_numpy and self.device.type != "cpu":  # torch's order: device first
            suffixes.append(f"device='{self.device}'")
        default = _dtype.get_default_dtype()
        if dt != default and (
            dt not in (_dtype.get_default_complex_dtype(), _dtype.int64, _dtype.bool_)
            # An empty tensor has no elements to tell int64, bool or complex apart: torch
            # names every dtype but the default one there.
            or 0 in self._data.shape
        ):
            suffixes.append(f"dtype={dt!r}")
        if "_view_invalid" in self.__dict__:  # a history that may not be used (_view_history)
            suffixes.append("grad_fn=<Invalid>")
        elif self._node is not None:
            suffixes.append(f"grad_fn=<{self._node.name()}>")
        elif self._rg:
            suffixes.append("requires_grad=True")
        tangent = self.__dict__.get("_fw_tangent")  # in a forward-mode AD dual level
        if tangent is not None:
            suffixes.append(f"tangent={tangent.item() if tangent.ndim == 0 else tangent!r}")
        kind = _PRINT_KINDS[dt.category] if dt is not _dtype.bool_ else "bool"
        return _printing.format_tensor(
            self._data, to_list=_backend.to_list, kind=kind, suffixes=suffixes
        )

    # No ``__str__ = __repr__``: object.__str__ calls the subclass's __repr__, so str() of an
    # nn.Parameter keeps its "Parameter containing:" line as in torch.

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

    # --- unary operators (the binary and in-place ones: _tensor_operators.py) ---------------

    def __neg__(self) -> Tensor:
        return _math.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _math.abs(self)

    def __invert__(self) -> Tensor:
        if self.dtype.category >= _dtype._FLOAT:  # (and complex) a TypeError, as in PyTorch
            raise TypeError(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors: got "
                f"a {self.dtype.name} tensor. Fix: use logical_not() or 1 - x for floats."
            )
        return _bitwise.bitwise_not(self)

    def __getitem__(self, key: Any) -> Tensor:
        return _shape_mod.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        # Recorded like any in-place op: the overwritten elements get no gradient, ``value``
        # gets the gradient of the places it was written to.
        _setitem.setitem(self, key, value)


def c_ordered(x: Tensor) -> Tensor:
    """``x``, or where its elements do not lie in C order a C-ordered copy of it (in the graph,
    so that gradients flow through the copy)."""
    return x if _backend.is_c_ordered(x._data) else x.contiguous()


def c_ordered_result(fn: Callable[_P, Tensor]) -> Callable[_P, Tensor]:
    """``fn``'s result made C-ordered (:func:`c_ordered`), as PyTorch's kernels allocate it
    whatever the inputs' layout; an ``out=`` given is returned itself, in its own layout."""

    @functools.wraps(fn)
    def made_c_ordered(*args: _P.args, **kwargs: _P.kwargs) -> Tensor:
        result = fn(*args, **kwargs)
        return result if kwargs.get("out") is not None else c_ordered(result)

    return made_c_ordered


# The modules below build on Tensor, so they are imported after the class exists.
from arraygrad import (  # noqa: E402
    _bitwise,
    _comparison,
    _division,
    _linalg,
    _math,
    _power,
    _setitem,
    _view_checks,
    _view_history,
    ops,
)
from arraygrad import _shape as _shape_mod  # noqa: E402

bind_functions()


def _ufunc_multiply(a: Any, b: Any) -> Tensor:
    # NumPy's ``a * b`` for an operator with a tensor on the right: the operator's reflected
    # form, as PyTorch runs it (a number beside float16 is carried as ``x * n``'s is)
    return _math.mul(a, b) if isinstance(a, Tensor) else b.__rmul__(a)


def _ufunc_divide(a: Any, b: Any) -> Tensor:
    # as _ufunc_multiply: ``np.float32(1e10) / x`` is ``x.__rtruediv__``, not ``torch.div``
    return _division.div(a, b) if isinstance(a, Tensor) else b.__rtruediv__(a)


_UFUNC_HANDLERS: dict[str, Callable[..., Any]] = {
    "add": _math.add,
    "subtract": _math.sub,
    "multiply": _ufunc_multiply,
    "divide": _ufunc_divide,
    "true_divide": _ufunc_divide,
    "power": _power.pow,
    "matmul": _linalg.matmul,
    "negative": _math.neg,
    "absolute": _math.abs,
    "exp": _math.exp,
    "log": _math.log,
    "sqrt": _math.sqrt,
    "sin": _math.sin,
    "cos": _math.cos,
    "tanh": _math.tanh,
    "equal": _comparison.eq,
    "not_equal": _comparison.ne,
    "less": _comparison.lt,
    "less_equal": _comparison.le,
    "greater": _comparison.gt,
    "greater_equal": _comparison.ge,
}
