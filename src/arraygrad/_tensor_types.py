"""PyTorch's legacy typed constructors: ``FloatTensor(2, 3)``, ``LongTensor([1, 2])``, and
``Tensor.new(...)``, which takes the same arguments.

Old PyTorch code builds tensors this way and tests ``isinstance(t, torch.FloatTensor)``. Each
name is a :class:`tensortype`: calling it makes an ordinary :class:`arraygrad.Tensor` of its
dtype, and ``isinstance`` is true for exactly the tensors of that dtype on the CPU (these are
PyTorch's CPU types; ``FloatTensor`` is not a subclass of ``Tensor``).

The arguments select the form, as in PyTorch: nothing (an empty 1-D tensor), ints or one
``Size`` (an uninitialised tensor of that shape), a sequence or array (its values, converted),
or a tensor of the same dtype (the same memory).

>>> import arraygrad
>>> arraygrad.LongTensor([1, 2])
tensor([1, 2])
>>> arraygrad.FloatTensor(2, 3).shape
arraygrad.Size([2, 3])
>>> isinstance(arraygrad.zeros(2), arraygrad.FloatTensor)
True
"""

from __future__ import annotations

import numbers
from typing import Any

import arraygrad as _ag
from arraygrad import _device
from arraygrad import _dtype as _dtypes

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
]

# What the refusal of other arguments lists, as PyTorch's does.
_FORMS = (
    " * (*, torch.device device = None)\n"
    " * (torch.Storage storage)\n"
    " * (Tensor other)\n"
    " * (tuple of ints size, *, torch.device device = None)\n"
    " * (object data, *, torch.device device = None)\n"
)


def _options(dtype: _dtypes.dtype, where: _device.device) -> str:
    return (
        f"TensorOptions(dtype={_dtypes.c_type_name(dtype)}, device={where}, layout=Strided, "
        "requires_grad=false (default), pinned_memory=false (default), "
        "memory_format=(nullopt))"
    )


def _is_int(value: Any) -> bool:
    # NumPy's integers count (PyTorch accepts them as sizes); bool is not a size.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _refuse(args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError:
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(got)}), but "
        f"expected one of:\n{_FORMS}"
    )


def _no_form_takes(args: tuple[Any, ...], device: Any) -> TypeError:
    """PyTorch's TypeError for several arguments, the first not a size (``x.new(True, 2)``),
    with the reasons it gives: for two arguments, why the form without any refuses them; for
    three, why the size and data forms do; with ``device=``, that those two refuse the
    keyword."""
    got = [type(a).__name__ for a in args]
    if device is not None:
        got.append(
            f"device={'torch.' if isinstance(device, _device.device) else ''}"
            f"{type(device).__name__}"
        )
    marked = "(" + ", ".join(f"!{kind}!" for kind in got) + ")"
    why = "\n      didn't match because some of the arguments have invalid types: " + marked
    if device is not None:
        why = "\n      didn't match because some of the keywords were incorrect: device"
    forms = _FORMS.splitlines()
    # (the forms PyTorch explains; none where an argument is a sequence, which it describes
    # by its elements)
    explained = {2: (0,), 3: (3, 4)}.get(len(args), ()) if device is None else (3, 4)
    if any(isinstance(a, list | tuple) for a in args) or (device is not None and len(args) != 2):
        explained = ()
    listed = "".join(form + (why if i in explained else "") + "\n" for i, form in enumerate(forms))
    return TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(got)}), but "
        f"expected one of:\n{listed} Fix: pass the sizes as ints, e.g. x.new(2, 3), or the data "
        "as one list, e.g. x.new([1, 2])."
    )


def legacy_new(
    dtype: _dtypes.dtype,
    kind: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    kind_of_call: str = "constructor",
) -> Any:
    """The tensor that ``FloatTensor(*args, **kwargs)`` (``kind_of_call="constructor"``) or
    ``x.new(*args, **kwargs)`` (``"new"``) makes: ``dtype`` on the device arraygrad computes
    on, whose type is ``kind`` (``"cpu"`` on NumPy)."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise _refuse(args, kwargs)
    if device is not None:
        named = _device.device("cuda", device) if _is_int(device) else _device.device(device)
        if named.type != kind:
            raise RuntimeError(
                f"legacy constructor expects device type: {kind} but device type: "
                f"{named.type} was passed"
                ". Fix: drop device=, or use arraygrad.tensor(data, "
                "device=...)."
            )
    if not args:
        return _ag._creation.empty(0, dtype=dtype)
    first = args[0]
    if len(args) == 1 and isinstance(first, _ag.Tensor):
        if device is not None:
            if kind_of_call == "new":
                raise RuntimeError(
                    "Legacy tensor new of the form tensor.new(tensor, device=device) is not "
                    "supported.  Use torch.as_tensor(...) instead."
                )
            raise RuntimeError(
                "Legacy tensor constructor of the form torch.Tensor(tensor, device=device) is "
                "not supported.  Use torch.tensor(...) or torch.as_tensor(...) instead."
            )
        if first.dtype != dtype:
            where = first.device
            raise TypeError(
                f"expected {_options(dtype, where)} (got {_options(first.dtype, where)})"
                ". Fix: convert the tensor first (e.g. t.to(dtype)), or use "
                "arraygrad.tensor(t, dtype=...)."
            )
        # The same memory under a new tensor, recorded as a view so gradients flow back.
        return first.view(first.shape)
    if len(args) == 1 and isinstance(first, _ag.Size):
        return _sized(dtype, tuple(first))
    if _is_int(first) and all(_is_int(a) or a.__class__ is bool for a in args[1:]):
        # (PyTorch's parser reads a bool after the first size as an int: new(0, False) is
        # new(0, 0); a first bool is data)
        return _sized(dtype, tuple(int(a) if a.__class__ is bool else a for a in args))
    if len(args) > 1:
        if isinstance(first, _ag.Size):
            raise _refuse(args, {})
        position = next(i for i, a in enumerate(args) if not _is_int(a))
        if position == 0:
            raise _no_form_takes(args, device)
        raise TypeError(
            f"new(): argument 'size' failed to unpack the object at pos {position + 1} with "
            f'error "type must be tuple of ints,but got {type(args[position]).__name__}"'
            ". Fix: pass the sizes as ints, e.g. x.new(2, 3), or the data"
            " as a list."
        )
    if isinstance(first, str):
        raise TypeError(
            f"new(): invalid data type '{type(first).__name__}'"
            ". Fix: pass a dtype object (e.g. arraygrad.float32), not its"
            " name."
        )
    if first is None or isinstance(first, (numbers.Number, bool)):
        raise TypeError(
            f"new(): data must be a sequence (got {type(first).__name__})"
            ". Fix: pass a list of values (e.g. x.new([1.0])) or sizes as"
            " ints; arraygrad.tensor(value) makes a 0-dim tensor."
        )
    return _ag._creation.tensor(first, dtype=dtype)


def _sized(dtype: _dtypes.dtype, size: tuple[Any, ...]) -> Any:
    sizes = [int(s) for s in size]
    negative = next((s for s in sizes if s < 0), None)
    if negative is not None:
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {negative}: {sizes}"
            ". Fix: pass sizes >= 0."
        )
    return _ag._creation.empty(*sizes, dtype=dtype)


class tensortype(type):  # noqa: N801 - PyTorch's name
    """The type of ``FloatTensor`` and its siblings: calling one makes a tensor of its dtype;
    ``isinstance(t, FloatTensor)`` asks whether ``t`` is a float32 tensor on the CPU."""

    dtype: _dtypes.dtype
    is_cuda = False
    is_sparse = False
    layout = _device.strided

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return legacy_new(cls.dtype, "cpu", args, kwargs)

    def __instancecheck__(cls, instance: Any) -> bool:
        return (
            isinstance(instance, _ag.Tensor)
            and instance.dtype == cls.dtype
            and instance.device.type == "cpu"
        )


# Each typed constructor's docstring (``help(arraygrad.FloatTensor)``), filled in per dtype.
_DOC = """PyTorch's legacy constructor of {dtype} CPU tensors, and their type for ``isinstance``.

``{name}(2, 3)`` is an uninitialised tensor of that shape, ``{name}([1, 0])`` converts the
data; ``isinstance(t, {name})`` is True for exactly the {dtype} tensors on the CPU.

>>> import arraygrad
>>> arraygrad.{name}([1, 0]).dtype
{dtype}
>>> isinstance(arraygrad.zeros(2, dtype={dtype}), arraygrad.{name})
True
"""


def _typed(name: str, dtype: _dtypes.dtype) -> tensortype:
    namespace = {"dtype": dtype, "__doc__": _DOC.format(name=name, dtype=dtype)}
    made = tensortype(name, (), {**namespace, "__module__": "arraygrad", "__slots__": ()})
    return made


BoolTensor = _typed("BoolTensor", _dtypes.bool_)
ByteTensor = _typed("ByteTensor", _dtypes.uint8)
CharTensor = _typed("CharTensor", _dtypes.int8)
ShortTensor = _typed("ShortTensor", _dtypes.int16)
IntTensor = _typed("IntTensor", _dtypes.int32)
LongTensor = _typed("LongTensor", _dtypes.int64)
HalfTensor = _typed("HalfTensor", _dtypes.float16)
FloatTensor = _typed("FloatTensor", _dtypes.float32)
DoubleTensor = _typed("DoubleTensor", _dtypes.float64)
