"""The program format of :mod:`arraygrad._compile`, and the splitting of a call into array ops.

A recorded program is a list of :class:`Op` over numbered slots (``v0``, ``v1``, ...). An op's
operands are slots (``int``), constants (:class:`Const`) or tuples/lists of those (:class:`Seq`).

:func:`decompose` turns one opaque call the recorder sees (a primitive's forward, a VJP rule,
``sum_to``, a gradient sum, an in-place helper) into the array operations it performs: the call
is run a second time with its arrays wrapped in :class:`_Sym` objects that execute every
operator, method and namespace function on the real values and write each one down. The Python
logic of the call (``isinstance`` tests on constants, shape arithmetic, branches on shapes) runs
once, at trace time, so a replay pays only for the array operations. The split is kept only when
it gave bit for bit the result (and the writes) of the real call; anything it cannot follow
(values read into Python, arrays made behind its back, results whose shape depends on values)
makes it give up, and the call stays one opaque step of the program.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import _backend

# How an op is written in the generated code.
CALL, BINARY, UNARY, INPLACE, GETITEM, SETITEM, METHOD, ATTR, FOLD = range(9)


class Const:
    """A constant operand (anything that is not a slot)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Seq:
    """A tuple or list operand with slots inside (``concat([a, b])``, an index key)."""

    __slots__ = ("items", "kind")

    def __init__(self, kind: type, items: list[Any]) -> None:
        self.kind = kind
        self.items = items


class RawSlots:
    """A program's result that is the arrays of some slots as they are, in a tuple (the
    forward program of ``compile(model)``: its output and the values its backward reads)."""

    __slots__ = ("slots",)

    def __init__(self, slots: tuple[int, ...]) -> None:
        self.slots = slots


class Op:
    """One step of a program: ``out = fn(*args, **kwargs)`` written in the form ``style`` says.

    ``pure`` ops only compute ``out``: they are dropped when nothing uses it. The others write
    into arrays (or cannot be known not to) and always run, in their place.
    """

    __slots__ = ("args", "fn", "kwargs", "name", "out", "pure", "style")

    def __init__(
        self,
        style: int,
        fn: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        out: int | None,
        pure: bool,
        name: str = "",
    ) -> None:
        self.style = style
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.out = out
        self.pure = pure
        self.name = name


def is_mutable_array(value: Any) -> bool:
    """Whether ``value`` is an array of the backend (unlike a NumPy scalar, it can be written)."""
    return value.__class__ is _backend.array_type


def slots_in(operand: Any) -> list[int]:
    """The slots an operand reads."""
    if operand.__class__ is int:
        return [operand]
    if operand.__class__ is Seq:
        return [slot for item in operand.items for slot in slots_in(item)]
    return []


def slots_read(op: Op) -> list[int]:
    """The slots ``op`` reads, through its arguments and keyword arguments (``out=`` too), each
    as often as it appears."""
    return [slot for operand in (*op.args, *op.kwargs.values()) for slot in slots_in(operand)]


BINARY_OPERATORS: dict[Any, str] = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.floordiv: "//",
    operator.mod: "%",
    operator.pow: "**",
    operator.matmul: "@",
    operator.and_: "&",
    operator.or_: "|",
    operator.xor: "^",
    operator.lshift: "<<",
    operator.rshift: ">>",
    operator.lt: "<",
    operator.le: "<=",
    operator.eq: "==",
    operator.ne: "!=",
    operator.ge: ">=",
    operator.gt: ">",
}
INPLACE_OPERATORS: dict[Any, str] = {
    getattr(operator, "i" + fn.__name__.rstrip("_")): symbol
    for fn, symbol in BINARY_OPERATORS.items()
    if hasattr(operator, "i" + fn.__name__.rstrip("_"))
}
UNARY_OPERATORS: dict[Any, str] = {operator.neg: "-", operator.pos: "+", operator.invert: "~"}

# Attributes that depend on an array's shape and dtype only, which the program is specialised on.
_STATIC_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "size", "itemsize", "nbytes"})
_VIEW_ATTRIBUTES = frozenset({"T", "mT", "real", "imag"})
# Methods that return a new value (or a view) and write nowhere.
_PURE_METHODS = frozenset(
    ("all", "any", "argmax", "argmin", "astype", "clip", "conj", "conjugate", "copy")
    + ("cumprod", "cumsum", "dot", "max", "mean", "min", "prod", "ravel", "repeat", "reshape")
    + ("round", "squeeze", "std", "sum", "swapaxes", "take", "transpose", "var")
)
# Functions whose result's shape depends on the values: later shape logic would be stale.
_VALUE_SHAPED = frozenset({"nonzero", "unique", "argwhere", "flatnonzero", "compress", "extract"})
# Functions that write into an argument.
# (``at`` is a ufunc's method: ``np.add.at(target, index, values)``.)
_WRITING = frozenset({"at", "copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"})
# Functions of dtypes and shapes only: their Python results are constants of the program.
_METADATA = frozenset({"result_type", "can_cast", "isdtype", "finfo", "iinfo", "promote_types"})


class _OpaqueError(Exception):
    """The call does something the split cannot follow."""


class _ImpureError(Exception):
    """The call writes into an array: split it again on copies of its arguments."""


class _Sym:
    """An array inside a call being split: its real value and the operand that names it."""

    __slots__ = ("ref", "run", "value")
    __array_priority__ = 1e9  # NumPy scalars and arrays defer to it
    __hash__ = object.__hash__

    def __init__(self, value: Any, ref: Any, run: _Run) -> None:
        self.value = value
        self.ref = ref
        self.run = run

    # ``x.__class__`` and ``isinstance`` see the real value's class, so that code testing it
    # (NumPy wrappers' fast paths) takes the branch it takes in eager code; ``type(x)`` is
    # still _Sym, and ``type(x) is ndarray`` tests lead to __array__ below, which gives up.
    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        return self.value.__class__

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        return self.run.apply(CALL, fn, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return self.run.apply(CALL, func, args, kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise _OpaqueError("converted to an array behind the recorder's back")

    def _leak(self, *args: Any) -> Any:
        raise _OpaqueError("a value read into Python")

    __bool__ = __int__ = __float__ = __index__ = __complex__ = __iter__ = __contains__ = _leak

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        return f"<traced {self.value.__class__.__name__}>"

    def __getattr__(self, name: str) -> Any:
        if name in _STATIC_ATTRIBUTES:
            return getattr(self.value, name)
        if name.startswith("__"):  # a protocol probe (NumPy's __array_interface__, ...)
            self.run.failed = True
            raise AttributeError(name)
        if name in _VIEW_ATTRIBUTES:
            return self.run.apply(ATTR, None, (self,), {}, name)
        if not callable(getattr(self.value, name)):
            raise _OpaqueError(f"attribute {name}")
        run = self.run
        return lambda *args, **kwargs: run.apply(METHOD, None, (self, *args), kwargs, name)

    def __getitem__(self, key: Any) -> Any:
        for part in key if isinstance(key, tuple) else (key,):
            value = part.value if type(part) is _Sym else part
            if _backend.is_array(value) and value.dtype == bool and value.ndim:
                raise _OpaqueError("a boolean mask (the result's shape depends on the values)")
        return self.run.apply(GETITEM, operator.getitem, (self, key), {})

    def __setitem__(self, key: Any, value: Any) -> None:
        self.run.apply(SETITEM, operator.setitem, (self, key, value), {})


def _install_operators() -> None:
    def binary(fn: Any) -> Callable[..., Any]:
        return lambda self, other: self.run.apply(BINARY, fn, (self, other), {})

    def reflected(fn: Any) -> Callable[..., Any]:
        return lambda self, other: self.run.apply(BINARY, fn, (other, self), {})

    def inplace(fn: Any) -> Callable[..., Any]:
        return lambda self, other: self.run.apply(INPLACE, fn, (self, other), {})

    def unary(style: int, fn: Any) -> Callable[..., Any]:
        return lambda self: self.run.apply(style, fn, (self,), {})

    for fn in BINARY_OPERATORS:
        name = fn.__name__.rstrip("_")
        setattr(_Sym, f"__{name}__", binary(fn))
        if name not in ("lt", "le", "eq", "ne", "ge", "gt"):  # Python reflects those itself
            setattr(_Sym, f"__r{name}__", reflected(fn))
    for fn in INPLACE_OPERATORS:
        setattr(_Sym, f"__{fn.__name__}__", inplace(fn))
    for fn in UNARY_OPERATORS:
        setattr(_Sym, f"__{fn.__name__}__", unary(UNARY, fn))
    _Sym.__abs__ = unary(CALL, abs)  # type: ignore[attr-defined]


_install_operators()


#: The modules whose namespace functions a split call enters (records op by op): the backend's
#: own helpers, and its indexing ones (whose writes into the engine's gradients must be seen).
_ENTERED_MODULES = frozenset([_backend.__name__, _backend.indexing.__name__])


class _Namespace:
    """The array namespace inside a split call: each function call is one recorded op."""

    def __init__(self, run: _Run, real: Any) -> None:
        self._run = run
        self._real = real

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value) and not isinstance(value, type):
            if getattr(value, "__module__", None) in _ENTERED_MODULES:
                value = _entered_function(self._run, value, name)
            else:
                value = _namespace_function(self._run, value, name)
        setattr(self, name, value)
        return value


def _namespace_function(run: _Run, fn: Any, name: str) -> Callable[..., Any]:
    return lambda *args, **kwargs: run.apply(CALL, fn, args, kwargs, name)


def _entered_function(run: _Run, fn: Any, name: str) -> Callable[..., Any]:
    """A function of the backend's own namespace (``sum``: NumPy's reduction minus its Python
    wrapper): its operations are recorded one by one, or, where that fails, it is one op."""

    def call(*args: Any, **kwargs: Any) -> Any:
        mark = run.checkpoint()
        try:
            return fn(*args, **kwargs)
        except _ImpureError:
            # It writes into an argument (the backward engine's index_put_into and
            # index_add_into write into gradients it owns): the whole call is split again on
            # copies, as any call that writes.
            raise
        except Exception:
            # Anything else it does that the split cannot follow: one op, which is pure (the
            # namespace's other functions write only into arrays of their own).
            run.roll_back(mark)
            return run.apply(CALL, fn, args, kwargs, name)

    return call


def _writes(style: int, fn: Any, kwargs: dict[str, Any], name: str) -> bool:
    """Whether an operation writes into an array (decided before it runs)."""
    if style in (INPLACE, SETITEM) or "out" in kwargs:
        return True
    if style == METHOD:
        return name not in _PURE_METHODS
    return style == CALL and (name or getattr(fn, "__name__", "")) in _WRITING


class _Run:
    """One split of a call: wraps values, runs and records each array operation."""

    def __init__(self, tracer: Any, real_xp: Any, writable: bool) -> None:
        self.tracer = tracer
        self.real_xp = real_xp
        self.namespace = _Namespace(self, real_xp)
        self.writable = writable  # False: a write aborts the run before it happens
        self.failed = False
        self.syms: dict[int, _Sym] = {}  # id(real value) -> its _Sym

    def checkpoint(self) -> tuple[int, int]:
        return len(self.tracer.ops), len(self.tracer.keep)

    def roll_back(self, mark: tuple[int, int]) -> None:
        """Forget what was recorded since ``mark``."""
        for value in self.tracer.keep[mark[1] :]:
            self.syms.pop(id(value), None)
        self.tracer.forget(*mark)
        self.failed = False

    def wrap_in(self, value: Any, ref: Any) -> Any:
        """An argument of the call with its arrays wrapped; ``ref`` names it in the program."""
        if value is self.real_xp:
            return self.namespace
        if _backend.is_array(value):
            sym = self.syms.get(id(value))
            if sym is None or not is_mutable_array(value):  # (NumPy's bools are shared objects)
                sym = self.syms[id(value)] = _Sym(value, ref, self)
            return sym
        if ref.__class__ is Seq:
            return ref.kind(self.wrap_in(v, r) for v, r in zip(value, ref.items, strict=True))
        if ref.__class__ is int and value.__class__ in (int, float):
            # A Python number the program reads anew on each replay (an optimizer's lr, see
            # _compile_numbers): traced as an array is, so that its arithmetic with arrays is
            # recorded on its slot; any other use (a branch, a conversion) gives up the split.
            # (Not cached by identity: numbers are shared objects.)
            return _Sym(value, ref, self)
        return value

    def _encode(self, value: Any) -> Any:
        if type(value) is _Sym:
            return value.ref
        if value.__class__ in (tuple, list):
            items = [self._encode(v) for v in value]
            if any(item.__class__ is not Const for item in items):
                return Seq(value.__class__, items)
            return Const(value.__class__(item.value for item in items))  # without _Sym inside
        if value is self.namespace:
            raise _OpaqueError("the namespace passed on")
        if is_mutable_array(value):  # (NumPy scalars are immutable constants)
            slot = self.tracer.slot_of(value)
            if slot is not None and not self.writable:
                # An array the program made earlier that the call reached by another way than
                # its arguments (a custom Function's backward reads ctx.saved_tensors): read
                # from its slot, as an argument is. Not in a split that writes: that one runs
                # on copies of the arguments only, and would write into this array itself.
                return slot
            # An array the recorder did not see made: replaying it as a constant would be wrong.
            raise _OpaqueError("an array made outside the recorded operations")
        if value.__class__ in (int, float) and type(value) not in (int, float):
            # A number the program reads anew (see _compile_numbers) met here, not as an
            # operand of the call (through a closure): a constant, whose option is guarded.
            from arraygrad._compile_numbers import constant_of

            value = constant_of(value)
        return Const(value)

    @staticmethod
    def _unwrap(value: Any) -> Any:
        if type(value) is _Sym:
            return value.value
        if value.__class__ in (tuple, list):
            return value.__class__(_Run._unwrap(v) for v in value)
        return value

    def apply(
        self, style: int, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str = ""
    ) -> Any:
        """Run one array operation on the real values and write it down."""
        if self.failed:
            raise _OpaqueError("an earlier operation failed")
        if (name or getattr(fn, "__name__", "")) in _VALUE_SHAPED:
            raise _OpaqueError("a result whose shape depends on the values")
        writes = _writes(style, fn, kwargs, name)
        if writes and not self.writable:
            raise _ImpureError
        operands = tuple(self._encode(a) for a in args)
        keywords = {k: self._encode(v) for k, v in kwargs.items()}
        real = [self._unwrap(a) for a in args]
        real_kwargs = {k: self._unwrap(v) for k, v in kwargs.items()}
        if style == METHOD:
            result = getattr(real[0], name)(*real[1:], **real_kwargs)
        elif style == ATTR:
            result = getattr(real[0], name)
        else:
            result = fn(*real, **real_kwargs)
        ops = self.tracer.ops
        if result is None:
            ops.append(Op(style, fn, operands, keywords, None, False, name))
            return None
        if not _backend.is_array(result):
            if (name or getattr(fn, "__name__", "")) in _METADATA:
                return result  # a dtype or a flag computed from dtypes
            raise _OpaqueError("a value read into Python")
        sym = self.syms.get(id(result))
        # (Identity tells only for arrays: NumPy's bools are two shared objects.)
        if sym is not None and sym.value is result and is_mutable_array(result):
            # One of the inputs handed back: after a write (out=, +=) the write is a step of
            # the program; a pure pass-through (asarray of an array) is no step at all.
            if writes:
                ops.append(Op(style, fn, operands, keywords, None, False, name))
            return sym
        slot = self.tracer.new_slot(result)
        ops.append(Op(style, fn, operands, keywords, slot, not writes, name))
        sym = self.syms[id(result)] = _Sym(result, slot, self)
        return sym


def same(a: Any, b: Any) -> bool:
    """Whether two values are the same bit for bit (type, dtype, shape and bytes)."""
    if a is None or b is None:
        return a is b
    if a.__class__ in (int, float):  # a Python number a program reads (see _compile_numbers)
        return a.__class__ is b.__class__ and repr(a) == repr(b)
    return (
        a.__class__ is b.__class__
        and a.dtype == b.dtype
        and a.shape == b.shape
        and a.tobytes() == b.tobytes()
    )


def decompose(
    tracer: Any,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    refs: tuple[Any, ...],
    params: dict[str, Any],
    param_refs: dict[str, Any],
) -> tuple[bool, Any]:
    """Run ``fn(*args, **params)`` as eager code would, and record it split into array ops.

    ``refs`` and ``param_refs`` are the operands naming the arguments in the program. Returns
    ``(True, result)`` when the split was recorded, ``(False, result)`` when the caller must
    record the call as one step; ``result`` is the real call's. Its exceptions propagate.
    """
    start_ops, start_slots = len(tracer.ops), len(tracer.keep)

    def split(values: tuple[Any, ...], keywords: dict[str, Any], writable: bool) -> Any:
        run = _Run(tracer, tracer.xp, writable)
        wrapped = [run.wrap_in(v, r) for v, r in zip(values, refs, strict=True)]
        wrapped_kwargs = {k: run.wrap_in(v, param_refs[k]) for k, v in keywords.items()}
        saved_xp = _backend.xp
        _backend.xp = run.namespace
        try:
            with warnings.catch_warnings():  # the real call warns, once, as eager code does
                warnings.simplefilter("ignore")
                out = fn(*wrapped, **wrapped_kwargs)
        finally:
            _backend.xp = saved_xp
        if run.failed:
            raise _OpaqueError("an operation failed")
        return out

    def roll_back() -> None:
        tracer.forget(start_ops, start_slots)

    copies = None
    symbolic = None
    try:
        # First without writes (no copies needed): most calls compute a new value.
        symbolic = split(args, params, writable=False)
    except _ImpureError:
        roll_back()
        copies = _copies(args, params)
    except Exception:
        roll_back()
        return False, fn(*args, **params)
    result = fn(*args, **params)  # the real call, as eager code makes it
    if copies is not None:
        copied_args, copied_params, pairs = copies
        try:
            symbolic = split(copied_args, copied_params, writable=True)
        except Exception:
            roll_back()
            return False, result
        if not all(same(real, copy) for real, copy in pairs):
            roll_back()
            return False, result
    if not _adopt(tracer, symbolic, result, start_slots):
        roll_back()
        return False, result
    return True, result


def _copies(args: tuple[Any, ...], params: dict[str, Any]) -> tuple[Any, Any, list[Any]]:
    """Copies of the call's arrays, for a split that writes (the real call writes into the
    originals), with (original, copy) pairs to compare afterwards."""
    made: dict[int, Any] = {}
    pairs: list[Any] = []

    def copy(value: Any) -> Any:
        if value.__class__ in (tuple, list):
            return value.__class__(copy(v) for v in value)
        array: Any = value
        if not is_mutable_array(array):
            return array
        if id(array) not in made:
            made[id(array)] = array.copy(order="K")
            pairs.append((array, made[id(array)]))
        return made[id(array)]

    return tuple(copy(a) for a in args), {k: copy(v) for k, v in params.items()}, pairs


def _adopt(tracer: Any, symbolic: Any, result: Any, start_slots: int) -> bool:
    """Check the split's result against the real one, then name the real result by its slot."""
    if symbolic is None or result is None:
        return symbolic is None and result is None
    if type(symbolic) is not _Sym or not _backend.is_array(result):
        return False
    if not same(result, symbolic.value):
        return False
    if getattr(result, "strides", None) != getattr(symbolic.value, "strides", None):
        # Equal values laid out otherwise (the real call made a C-ordered copy, which the
        # split cannot see to make): a replay of the split would not give eager code's layout.
        return False
    ref = symbolic.ref
    known = tracer.slot_of(result)
    if known is not None and is_mutable_array(result):
        return ref == known  # the real call handed back an input: so must the split
    if ref.__class__ is Const:
        return ref.value is result
    if ref < start_slots:  # the split handed back an input, the real call made a new value
        return False
    if tracer.slots.get(id(symbolic.value)) == ref:
        del tracer.slots[id(symbolic.value)]
    tracer.keep[ref] = result  # the split's value stands for the real one from now on
    tracer.name(result, ref)
    return True
