"""Devices, layouts and memory formats: PyTorch's names for where and how a tensor's memory is
laid out, so that PyTorch programs that name them run unchanged.

arraygrad computes where its array library does, on strided arrays: on the CPU for NumPy, on
the GPU for CuPy (``arraygrad.set_backend("cupy")``). ``device`` parses and compares devices as
PyTorch does; tensors report the device their arrays are on (read from the standard's
``__dlpack_device__``); ``.to(device)`` accepts that device and refuses others, since tensors
never move. ``strided``, ``contiguous_format`` and the other layouts and formats are names that
factory functions accept and ignore.

>>> import arraygrad
>>> arraygrad.device("cuda:1")
device(type='cuda', index=1)
>>> arraygrad.zeros(2).device
device(type='cpu')
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from arraygrad import _backend

# PyTorch's device types, in the order of its error message.
_TYPES = [
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
]


class device:  # noqa: N801 - PyTorch's name
    """A device: a type (``"cpu"``, ``"cuda"``, ...) and an optional index, as ``torch.device``.

    ``device("cuda:0")``, ``device("cuda", 0)`` and ``device(other_device)`` are accepted;
    devices are equal when their types and indices are (a device is not equal to a string).

    >>> import arraygrad
    >>> arraygrad.device("cuda:1")
    device(type='cuda', index=1)
    >>> arraygrad.device("cpu") == "cpu"
    False
    """

    __slots__ = ("index", "type")

    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError(
                    "device(device, index): give the index in the device instead"
                    f" (got {type!r} and index {index!r}). Fix: pass device('cuda:1'), or "
                    "device('cuda', 1)."
                )
            type, index = type.type, type.index
        elif not isinstance(type, str):
            raise TypeError(
                f"device() expects a string or a device, got {type!r}"
                ". Fix: pass a string such as 'cpu' or 'cuda:0', or a device."
            )
        elif ":" in type:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                    f". Fix: pass device('{type}') alone, or the type without ':N'"
                    " with the index."
                )
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError(
                    f"Invalid device string: '{type}:{number}'"
                    ". Fix: write the device as type or type:index, e.g. "
                    "'cuda:0'."
                )
            index = int(number)
        if type not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
                f". Fix: start the string with one of {', '.join(_TYPES)}, e.g. 'cpu' or "
                "'cuda:0'."
            )
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(
                f"Device index must not be negative, got {index!r}"
                ". Fix: pass an index >= 0, e.g. device('cuda', 0)."
            )
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"device objects are immutable (cannot set {name!r})")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> Any:
        return (device, (self.type, self.index))


CPU = device("cpu")
# The class under another name, for set_default_device, whose argument is named ``device``.
_Device = device


def current() -> device:
    """The device the active array library computes on: ``device("cpu")`` for NumPy,
    ``device("cuda", 0)`` for CuPy on the first GPU."""
    kind, index = _backend.device
    return CPU if kind == "cpu" else device(kind, index)


def get_device_module(device_or_type: device | str | None = None) -> ModuleType:
    """The module of a device type, as ``torch.get_device_module``: ``arraygrad.cuda`` for
    ``"cuda:1"``, ``arraygrad.cpu`` for ``"cpu"``; with no argument, the module of the device
    arraygrad computes on (``arraygrad.cpu`` on NumPy, ``arraygrad.cuda`` on CuPy).

    >>> import arraygrad
    >>> arraygrad.get_device_module("cuda:1").__name__
    'arraygrad.cuda'
    """
    if isinstance(device_or_type, device):
        kind = device_or_type.type
    elif isinstance(device_or_type, str):
        kind = device(device_or_type).type  # checks the string as torch.device does
    elif device_or_type is None:
        kind = current().type
    else:
        raise RuntimeError(
            f"Invalid value of device '{device_or_type}', expect arraygrad.device, str, or None"
            ". Fix: pass a device name such as 'cpu' or 'cuda'."
        )
    import arraygrad  # the device modules import this one

    module = getattr(arraygrad, kind, None)
    if not isinstance(module, ModuleType):
        raise RuntimeError(
            f"Device '{kind}' does not have a corresponding module registered as "
            f"'arraygrad.{kind}': arraygrad has arraygrad.cpu, arraygrad.cuda and arraygrad.mps"
        )
    return module


def of_array(array: Any) -> device:
    """The device holding ``array``'s memory."""
    kind, index = _backend.device_of(array)
    return CPU if kind == "cpu" else device(kind, index)


def cuda_device(where: Any = None) -> device:
    """The device that ``.cuda(where)`` names: the current GPU for ``None``, GPU ``where`` for
    an int, else ``device(where)``."""
    if where is None:
        return device("cuda")
    if isinstance(where, int):
        return device("cuda", where)
    named = device(where)
    if named.type != "cuda":  # .cuda("cpu") moves nothing to the CPU
        raise RuntimeError(
            f"Invalid device, must be cuda device: .cuda() got {str(where)!r}. Fix: call "
            f".cuda() or .cuda(index) for a GPU, .to({str(where)!r}) for another device."
        )
    return named


def check_reachable(where: Any) -> None:
    """Raise PyTorch's RuntimeError unless ``where`` (a device, a string naming one, or a GPU's
    index) is the device arraygrad computes on; ``"cuda"`` without an index names the current GPU.

    arraygrad computes on one device at a time, its array library's, so tensors never move:
    ``.to(device)`` accepts that device and refuses the others. A string that names no device
    raises PyTorch's error for it.
    """
    # an int is a GPU's index, as for torch (Generator(device=0), module.to(0))
    wanted = device("cuda", where) if where.__class__ is int else device(where)
    here = current()
    if wanted.type == here.type and wanted.index in (None, here.index):
        return
    if wanted.type == here.type == "cpu":  # "cpu:0": the one CPU
        return
    if wanted.type == "cpu":  # on a GPU library: values reach the host by being read
        fix = (
            "read values into host memory with .numpy(), .tolist() or .item() (they copy), "
            "or compute on NumPy with arraygrad.set_backend('numpy') before making tensors."
        )
    else:
        fix = (
            "choose the device with arraygrad.cuda.is_available() (device = 'cuda' if "
            "arraygrad.cuda.is_available() else 'cpu'), or pick the library with "
            "arraygrad.set_backend before making tensors."
        )
    raise RuntimeError(
        f"device {str(wanted)!r} is not available: arraygrad computes where its array library "
        f"({_backend.module.__name__}) does, on {here}. Fix: {fix}"
    )


def check_placement(where: Any) -> None:
    """The ``device=`` of a factory function or a module's constructor: ``None`` (the device
    :func:`set_default_device` chose, if any) or the device arraygrad computes on, as
    :func:`check_reachable` says; PyTorch raises too when asked to make a tensor on a device it
    cannot reach (``device="cuda"`` without a GPU)."""
    if where is None:
        where = _default[0]
    if where is not None:
        check_reachable(where)


# The device set_default_device named (None: wherever the array library computes).
_default: list[device | None] = [None]


def set_default_device(device: Any) -> None:
    """Make factory functions and modules create their tensors on ``device`` when given no
    ``device=``; ``None`` undoes it. arraygrad computes on one device, its array library's: on
    another, factory functions then raise the RuntimeError that ``device=`` raises there, as
    PyTorch raises when the default device is unusable. An int names an accelerator's index.

    >>> import arraygrad
    >>> arraygrad.set_default_device("cpu")
    >>> arraygrad.get_default_device()
    device(type='cpu')
    >>> arraygrad.set_default_device(None)
    """
    if device is None:
        _default[0] = None
        return
    if device.__class__ is int:
        if current().type == "cpu":  # PyTorch's error when no accelerator is available
            raise RuntimeError(
                "Cannot access accelerator device when none is available."
                f" Fix: pass 'cpu' (or a device string) instead of the index {device}."
            )
        _default[0] = _Device(current().type, device)
        return
    _default[0] = _Device(device)


def get_default_device() -> device:
    """The device factory functions use when given none: the one :func:`set_default_device`
    named (a GPU's index filled in when arraygrad computes there), else ``device("cpu")``.

    >>> import arraygrad
    >>> arraygrad.get_default_device()
    device(type='cpu')
    """
    chosen = _default[0]
    if chosen is None:
        return CPU
    here = current()
    if chosen.index is None and chosen.type == here.type != "cpu":
        return here
    return chosen


class _Name:
    """A layout or memory format: only its name (factory functions accept and ignore it)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"arraygrad.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickles as the module attribute


class layout(_Name):  # noqa: N801 - PyTorch's name
    """A memory layout; arraygrad's tensors are all ``strided`` (``Tensor.layout``).

    >>> import arraygrad
    >>> arraygrad.zeros(2).layout
    arraygrad.strided
    """

    __slots__ = ()


class memory_format(_Name):  # noqa: N801 - PyTorch's name
    """A memory format, as ``Tensor.contiguous(memory_format=...)`` takes: ``contiguous_format``,
    ``preserve_format``, ``channels_last`` (NHWC order of a 4-D tensor) or ``channels_last_3d``.

    >>> import arraygrad
    >>> x = arraygrad.zeros(2, 3, 4, 5).contiguous(memory_format=arraygrad.channels_last)
    >>> x.stride()
    (60, 1, 15, 3)
    """

    __slots__ = ()


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


# Each channels-last format: the rank of the tensors laid out in it, and its dims innermost
# first (the channels, dim 1, innermost).
CHANNELS_LAST = {
    channels_last: (4, (1, 3, 2, 0)),
    channels_last_3d: (5, (1, 4, 3, 2, 0)),
}


def is_channels_last(form: Any) -> bool:
    """Whether ``form`` is one of the channels-last memory formats."""
    return form is channels_last or form is channels_last_3d


def outer_first(form: Any, ndim: int) -> tuple[int, ...] | None:
    """The dims from outermost to innermost in memory that the memory format ``form`` lays a
    tensor of ``ndim`` dims out in; ``None`` for ``preserve_format`` (the source's layout).
    The channels-last formats put the channels (dim 1) innermost and need their rank (PyTorch's
    RuntimeError otherwise)."""
    if form is None or form is preserve_format:
        return None
    if form is contiguous_format:
        return tuple(range(ndim))
    rank_order = CHANNELS_LAST.get(form)
    if rank_order is None:
        raise RuntimeError(
            f"Unsupported memory format {form!r}. Fix: pass arraygrad.preserve_format, "
            "contiguous_format, channels_last or channels_last_3d."
        )
    rank, inner_first = rank_order
    if ndim != rank:
        raise RuntimeError(
            f"required rank {rank} tensor to use {form._name} format (the tensor has {ndim} "
            f"dimensions). Fix: use it on {rank}-D tensors (N, C, ...) only."
        )
    return tuple(reversed(inner_first))


def strides_in(shape: Any, outer_first: tuple[int, ...]) -> tuple[int, ...]:
    """The element strides of a dense tensor of ``shape`` whose dims lie in memory in the
    order ``outer_first`` (size-1 dims included, as a fresh tensor's)."""
    strides = [0] * len(shape)
    step = 1
    for axis in reversed(outer_first):
        strides[axis] = step
        step *= shape[axis]
    return tuple(strides)


__all__ = [
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "device",
    "get_default_device",
    "get_device_module",
    "layout",
    "memory_format",
    "preserve_format",
    "set_default_device",
    "strided",
]
