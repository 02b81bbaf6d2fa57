"""Tensor methods that convert to Python and NumPy: ``item``, ``tolist``, ``numpy``, the
number protocols (``float(t)``, ``int(t)``, ``bool(t)``, indexes), ``len`` and iteration,
NumPy's array protocols, and pickling and deep copies.

A mixin of :class:`arraygrad.Tensor`.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

# The package itself: the modules these methods use are looked up at call time.
import arraygrad as _ag
from arraygrad._backend import checkpoints

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor


# Tensor attributes that belong to one process's graph and views, not to the values:
# gradients and hooks, version counters, the links between views and their root, and a dual
# level's tangent (forward_ad's keys; as in PyTorch a copy has none, and a kept one would outlive
# the level, which forgets only the tensors it gave one to).
_NOT_PICKLED = frozenset(
    [
        "_grad",
        "_hooks",
        "_post_accumulate_hooks",
        "_grad_dtype",  # (not copied by torch either: a copy's grad_dtype is its dtype)
        "_version_counter",
        "_base",
        "_hollow",
        "_set_storage",
        "_view_steps",
        "_view_no_grad",
        "_view_detached",
        "_view_multi",
        "_views",
        "_no_grad_views",
        "_retains_grad",
        "_view_invalid",
        "_view_old_node",
        "_view_alias",
        "_fw_tangent",
        "_fw_primal",
    ]
)


class TensorConversionMethods:
    """Conversions of :class:`arraygrad.Tensor` to Python numbers, lists and NumPy arrays."""

    __slots__ = ()

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar "
                f"(shape {list(self._data.shape)}). Fix: reduce it first (e.g. .sum() or .mean()) "
                "or index one element."
            )
        tracer = _ag._backend.tracer
        if tracer is not None:
            # An optimizer's tensor lr, read while arraygrad.compile traces: a number the
            # program reads from the tensor anew on every replay (see _compile_numbers)
            number = tracer.tensor_number(self)
            if number is not None:
                return number
        return _ag._backend.item(self._data)

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return _ag._backend.to_list(self._data)

    def numpy(self, *, force: bool = False) -> Any:
        """The values as a NumPy array sharing memory with the tensor where possible."""
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        if self._data.dtype is _ag._backend.bfloat16_loaded():  # (None until it is loaded)
            # PyTorch's refusal: NumPy has no bfloat16 (ml_dtypes' is not one of NumPy's own)
            raise TypeError(
                "Got unsupported ScalarType BFloat16. Fix: convert first, e.g. x.float().numpy()."
            )
        return _ag._backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __dlpack__(
        self,
        *,
        stream: Any = -1,
        max_version: tuple[builtins.int, builtins.int] | None = None,
        dl_device: Any = None,
        copy: builtins.bool | None = None,
    ) -> Any:
        """The tensor's memory as a DLPack capsule (the standard's exchange protocol), for
        ``numpy.from_dlpack`` and other libraries' ``from_dlpack``: they share the memory."""
        if self._rg:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        keywords: dict[str, Any] = {}
        if max_version is not None:  # only libraries that know the versioned protocol get it
            keywords["max_version"] = max_version
        if dl_device is not None:
            keywords["dl_device"] = dl_device
        if copy is not None:
            keywords["copy"] = copy
        return _ag._backend.interchange.to_dlpack(self._data, **keywords)

    def __dlpack_device__(self) -> tuple[Any, builtins.int]:
        """``(DLPack device type, index)`` of the tensor's memory: ``(kDLCPU, 0)`` on NumPy."""
        from arraygrad.utils.dlpack import DLDeviceType

        kind, index = _ag._backend.interchange.dlpack_device(self._data)
        return DLDeviceType(int(kind)), builtins.int(index)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # NumPy calls this for ``ndarray <op> Tensor`` and for ufuncs applied to tensors: route
        # the arithmetic ufuncs to our differentiable ops so the result is a Tensor, never an
        # object array.
        handler = _ag._tensor._UFUNC_HANDLERS.get(ufunc.__name__) if method == "__call__" else None
        if handler is None or kwargs:
            return NotImplemented
        return handler(*inputs)

    def _one_element(self, kind: str) -> Any:
        if self.numel() != 1:
            raise ValueError(
                "only one element tensors can be converted to Python scalars; this tensor has "
                f"shape {list(self._data.shape)}"
                ". Fix: reduce it first (e.g. x.sum().item()), or use "
                "x.tolist() for all values."
            )
        return self.item()

    def __float__(self) -> float:
        return float(_real_value(self._one_element("float"), "double"))

    def __complex__(self) -> complex:
        return complex(self._one_element("complex"))

    def __int__(self) -> builtins.int:
        return int(_real_value(self._one_element("int"), "int64_t"))

    def __index__(self) -> builtins.int:
        if self.dtype.is_floating_point or self.dtype.is_complex or self.numel() != 1:
            raise TypeError(
                "only integer tensors of a single element can be converted to an index"
                f", got {self.dtype.name} tensor of shape "
                f"{list(self._data.shape)}. Fix: index with a Python int, or "
                "x.long().item() of a one-element tensor."
            )
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
            raise TypeError(
                "len() of a 0-d tensor. Fix: use x.numel() or x.dim() for a 0-d tensor."
            )
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError(
                "iteration over a 0-d tensor"
                ". Fix: use x.item() for its value, or x.reshape(1) to "
                "iterate."
            )
        tensor = cast("Tensor", self)
        return iter([tensor[i] for i in range(self._data.shape[0])])

    # --- pickling and deep copies -------------------------------------------------------------

    def __getstate__(self) -> Any:
        """What pickling keeps: the values, the flags and the user's own attributes.

        As in PyTorch, a tensor computed by recorded ops pickles as a leaf that requires grad
        (its graph holds code, which does not pickle), and ``.grad`` and hooks are not kept. A
        view pickles as a tensor of its own (its array is its elements only), with its own
        version counter, as PyTorch's pickles of tensors do.
        """
        state: Any = object.__getstate__(self)  # type: ignore[misc]
        attrs: dict[str, Any] | None = state[0]
        slots = dict(state[1])
        slots.pop("_node", None)
        if attrs:
            attrs = {k: v for k, v in attrs.items() if k not in _NOT_PICKLED} or None
        return attrs, slots

    def __setstate__(self, state: Any) -> None:
        attrs, slots = state
        if attrs:
            self.__dict__.update(attrs)
        slots.setdefault("_node", None)  # a leaf: no history was pickled
        if "_data" in slots:
            # An unpickled array's dtype object is NumPy's equal copy, not its own: see there.
            slots["_data"] = checkpoints.with_builtin_dtype(slots["_data"])
        for name, value in slots.items():
            setattr(self, name, value)
        tensor = cast("Tensor", self)
        if _ag._grad_mode.inference_used and _ag._grad_mode.inference_enabled.get():
            # Made inside inference mode (a deep copy, an unpickled tensor): an inference
            # tensor, as PyTorch's (its version counter is not pickled: see _NOT_PICKLED).
            tensor._version_counter = _ag._inference.SHARED
        else:
            # A counter of its own at 1: PyTorch rebuilds a deep-copied, copied or unpickled
            # tensor by set_() of new storage into an empty one, which counts as one write.
            tensor._version_counter = [1, 0]

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A copy with its own memory (a view's elements only) and a copy of ``.grad``; like
        PyTorch, only leaves can be deep-copied."""
        if id(self) in memo:
            return cast("Tensor", memo[id(self)])
        if self._node is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                f"protocol at the moment: this {self.dtype.name} tensor of shape "
                f"{list(self._data.shape)} was computed by {self._node.name()}. Fix: deep-copy "
                "x.detach() (or x.detach().requires_grad_() for a new leaf), or the leaves it "
                "was computed from."
            )
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        return cast("Tensor", new)


def _real_value(value: Any, c_type: str) -> Any:
    """A one-element tensor's value for ``float()`` / ``int()``: a complex value with a zero
    imaginary part is its real part, as PyTorch converts it; any other raises PyTorch's error."""
    if not isinstance(value, builtins.complex):
        return value
    if value.imag != 0:
        raise RuntimeError(
            f"value cannot be converted to type {c_type} without overflow: {value!r} has an "
            "imaginary part. Fix: use complex(x), or x.real / x.abs() first."
        )
    return value.real
