"""Python numbers a compiled program reads anew on every replay (for ``arraygrad.compile``).

An optimizer's learning rate, momentum and betas are Python numbers in a param group dict (the
betas a tuple of two). An LR schedule stepped between calls changes the lr on every call, and
``OneCycleLR`` and ``CyclicLR`` (``cycle_momentum``) the momentum or the first beta too; baked
into the program as constants, they would make every call trace again. Instead, while a
function is traced, each option of :data:`NUMBER_OPTIONS` of each param group of the
optimizers an earlier trace of the function stepped is a :class:`TracedNumber` (the betas a
tuple of them), put into the group dict for the whole trace and taken out again at its end
(see :mod:`._compile_number_tracing`, a part of the tracer). Whatever code reads it, the
number either:

- is recorded: Python arithmetic on it with Python numbers (``-lr``, ``1 - lr * wd``,
  ``lr / bc``, ``1 - beta1``) is a step of the program on Python numbers, with Python's
  semantics, so the replay computes the same bits as eager code, as is its rounding to a
  float16 or bfloat16 parameter's dtype (``p.add_(g, alpha=-lr)``, see
  ``NumberTracing.number_call``); passed to a recorded call (the backend's in-place helpers,
  ``_backend.xp`` functions, ``scalar_from``, a primitive through a tensor's operator:
  ``p.grad * lr``), it is an operand read at replay, as an array slot is;
  the program reads ``group["lr"]`` (``group["betas"][0]``) itself, in its place, on every
  replay (the group dict's identity and the number's class are guarded); or
- is compared (``==``, ``<``, ..., with a Python number or another such number, or ``bool()``;
  it may be one computed from the options by recorded arithmetic: ``abs(1 - beta1) < 0.5``):
  the comparison gives its Python bool, and the program gets a *predicate guard*, which makes
  the same comparison, on the same arithmetic, on the group's values before each replay and
  replays only while it gives the same bool (``momentum != 0`` stays True: an update that
  branches on it takes the same branch); or
- is turned back into its value, a constant of this program, on any other use (``float``,
  ``hash``, formatting, NumPy's conversions, arithmetic with anything but a Python number or a
  tensor, arithmetic while the recorder is not recording): the program then gets a guard on
  that option's value (and class), as every option had before, and is traced again when it
  changes.

So a replay never uses a stale value, whichever way the code reads it: a use the recorder does
not follow costs a retrace per change, not a wrong result. Only the traced call meets a
:class:`TracedNumber`; one the function keeps (``lrs.append(group["lr"])``) acts as its value
afterwards (its arithmetic gives plain numbers), but ``type()`` tells it apart.

An option given as a one-element floating tensor (PyTorch's ``lr=torch.tensor(0.01)``, which
the schedulers ``fill_`` in place) stays the tensor in the group: the update reads its number
with ``.item()`` (``to_scalar``). During a trace that ``item()`` gives a :class:`TracedNumber`
whose source is the tensor's value (``item`` :data:`TENSOR_ITEM`): the tensor is met as a
captured tensor (its array read at replay start, its shape and dtype guarded), and the program
reads the number from that array, in its place, on every replay. The group's guard compares
such an option by its identity and dtype (:func:`number_class`), not its version, so a new
value written in place replays; another tensor or a number in its place traces again. Of an
optimizer no earlier trace stepped, the tensor's number is a constant, guarded by value, as a
Python number option of such an optimizer is.
"""

from __future__ import annotations

import math
import operator
import weakref
from typing import Any

from arraygrad import _backend
from arraygrad._compile_symbolic import BINARY, CALL, UNARY
from arraygrad._tensor import Tensor

#: The param group options read anew on every replay: a Python number each, or a tuple of them
#: (``betas``).
NUMBER_OPTIONS = ("lr", "momentum", "betas")

#: Every optimizer made, by id (``Optimizer.__init__`` adds itself; by id, as a subclass may
#: not be hashable): a trace notes their options as it starts, to tell an option the function
#: sets before ``step()`` (see ``NumberTracing.trace_numbers``).
OPTIMIZERS: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()

# The classes of value that are traced (bool is an int too, but not a learning rate).
_NUMBER_CLASSES = (int, float)

#: ``item`` of a :class:`TracedNumber`'s source for an option that is a one-element tensor:
#: the number is the tensor's value (``group[name].item()``).
TENSOR_ITEM = "item()"


def is_number(value: Any) -> bool:
    """Whether ``value`` is a Python number a trace can read anew on each replay."""
    return type(value) in _NUMBER_CLASSES


def is_numbers(value: Any) -> bool:
    """Whether ``value`` is a tuple of such numbers (``betas``)."""
    return type(value) is tuple and len(value) > 0 and all(map(is_number, value))


def is_number_tensor(value: Any) -> bool:
    """Whether ``value`` is a tensor option whose value a trace can read anew on each replay:
    one element of a floating dtype (a tensor lr)."""
    return isinstance(value, Tensor) and value.numel() == 1 and value.is_floating_point()


def read_value(array: Any) -> Any:
    """The number in a one-element array, as ``Tensor.item()`` gives it, read with the array's
    own methods: a replay's step reading a tensor option, and the guards on its value, which
    must record nothing when they run while another function is traced."""
    return array.reshape(()).tolist()


def number_class(value: Any) -> Any:
    """What a replay that reads ``value`` anew depends on, as a guard compares it: the class of
    a Python number (a traced one's: its value's), the classes of a tuple of them, the identity
    and dtype of a tensor (whose value a replay reads from its array; by id, as a program that
    reads it holds it); ``None`` for anything else (which the caller compares by value)."""
    kind = value.__class__
    if kind in _NUMBER_CLASSES:
        return ("number", kind)
    if kind is tuple and all([item.__class__ in _NUMBER_CLASSES for item in value]):
        return ("numbers", tuple([item.__class__ for item in value]))
    if isinstance(value, Tensor):  # (one the program reads is a captured tensor: shape guarded)
        return ("tensor value", id(value), value._data.dtype)
    return None


# The operators of TracedNumber, made by these factories in its class body.


def _binary(fn: Any) -> Any:
    def method(self: TracedNumber, other: Any) -> Any:
        if isinstance(other, Tensor):
            # ``lr * p.grad``: the tensor's reflected operator, as for a Python number, which
            # records the number as an operand of the primitive.
            return NotImplemented
        return operate(BINARY, fn, (self, other))

    return method


def _reflected(fn: Any) -> Any:
    return lambda self, other: operate(BINARY, fn, (other, self))


def _unary(style: int, fn: Any) -> Any:
    return lambda self: operate(style, fn, (self,))


def _with_constant(fn: Any) -> Any:
    return lambda self, other: fn(self.constant(), constant_of(other))


def _reflected_with_constant(fn: Any) -> Any:
    return lambda self, other: fn(constant_of(other), self.constant())


def _comparison(fn: Any) -> Any:
    return lambda self, other: _compare(fn, (self, other))


class TracedNumber:
    """A Python number read from a param group, ``source`` (``(group, key, optimizer, index,
    item)``: ``index`` the group's index in ``optimizer.param_groups``, ``item`` the number's
    index in the option's tuple, ``None`` for an option that is a number, or
    :data:`TENSOR_ITEM` for one that is a tensor), or computed from such (``source`` None) as
    ``recipe`` (``(fn, operands)``: ``fn(*operands)``).

    ``value`` is its value in the traced call. ``slot`` is the program slot holding it (made on
    first use for a number read from a dict), ``roots`` the numbers read from dicts it depends
    on, whose values are guarded when it is turned into a constant. ``x.__class__`` is the
    value's class (as for the recorder's traced arrays), so that ``isinstance`` tests take the
    branch they take in eager code; ``type(x)`` is :class:`TracedNumber`.
    """

    __slots__ = ("recipe", "roots", "slot", "source", "tracer", "value")

    def __init__(
        self,
        value: Any,
        tracer: Any,
        slot: int | None,
        roots: tuple[TracedNumber, ...] | None = None,
        source: Any = None,
        recipe: tuple[Any, tuple[Any, ...]] | None = None,
    ) -> None:
        self.value = value
        self.tracer = tracer
        self.slot = slot
        self.roots = (self,) if roots is None else roots
        self.source = source
        self.recipe = recipe

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        return self.value.__class__  # type: ignore[no-any-return]

    def constant(self) -> Any:
        """The value, as a constant of the program: its roots' values are guarded from now on.
        After the trace (a number kept somewhere), just the value."""
        tracer = self.tracer
        if not tracer.numbers_closed:
            tracer.number_is_constant(self)
        return self.value

    def __repr__(self) -> str:
        return repr(self.constant())

    def __str__(self) -> str:
        return str(self.constant())

    def __format__(self, spec: str) -> str:
        return format(self.constant(), spec)

    def __hash__(self) -> int:
        return hash(self.constant())

    def __bool__(self) -> bool:
        return _compare(bool, (self,))  # type: ignore[no-any-return]

    def __float__(self) -> float:
        return float(self.constant())

    def __int__(self) -> int:
        return int(self.constant())

    def __complex__(self) -> complex:
        return complex(self.constant())

    def __index__(self) -> int:
        return operator.index(self.constant())

    def __round__(self, digits: Any = None) -> Any:
        return round(self.constant(), digits)

    def __trunc__(self) -> Any:
        return math.trunc(self.constant())

    def __floor__(self) -> Any:
        return math.floor(self.constant())

    def __ceil__(self) -> Any:
        return math.ceil(self.constant())

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy, deepcopy and pickle (a state_dict saved inside the step) get the plain number
        value = self.constant()
        return (value.__class__, (value,))

    def __getattr__(self, name: str) -> Any:
        # ``lr.real``, ``lr.is_integer()``: the value's, as a constant. A missing attribute (a
        # probe such as NumPy's ``__array_interface__``) raises first and fixes nothing.
        if name in TracedNumber.__slots__:  # not set yet (an object made without __init__)
            raise AttributeError(name)
        found = getattr(self.value, name)
        self.constant()
        return found

    # NumPy: its functions take the value as a plain Python number, as eager code gives them.
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        array = _backend.to_numpy(_backend.asarray(self.constant()))
        return array if dtype is None else array.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(constant_of(value) for value in inputs)
        kwargs = {k: constant_of(v) for k, v in kwargs.items()}
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return func(*constant_of(args), **{k: constant_of(v) for k, v in kwargs.items()})

    # Arithmetic that computes a number from numbers the same way on every replay is recorded
    # (floor division and modulo would be too, but no optimizer needs them: they make
    # constants).
    __add__ = _binary(operator.add)
    __radd__ = _reflected(operator.add)
    __sub__ = _binary(operator.sub)
    __rsub__ = _reflected(operator.sub)
    __mul__ = _binary(operator.mul)
    __rmul__ = _reflected(operator.mul)
    __truediv__ = _binary(operator.truediv)
    __rtruediv__ = _reflected(operator.truediv)
    __pow__ = _binary(operator.pow)
    __rpow__ = _reflected(operator.pow)
    __neg__ = _unary(UNARY, operator.neg)
    __pos__ = _unary(UNARY, operator.pos)
    __abs__ = _unary(CALL, abs)
    __floordiv__ = _with_constant(operator.floordiv)
    __rfloordiv__ = _reflected_with_constant(operator.floordiv)
    __mod__ = _with_constant(operator.mod)
    __rmod__ = _reflected_with_constant(operator.mod)
    __divmod__ = _with_constant(divmod)
    __rdivmod__ = _reflected_with_constant(divmod)

    # Comparisons choose a path: with a number, they are guarded by their result (a predicate
    # guard, see NumberTracing.number_predicate); with anything else, they make the value a
    # constant. (``0.5 < x``: float's operator gives NotImplemented, then x.__gt__ runs.)
    __eq__ = _comparison(operator.eq)
    __ne__ = _comparison(operator.ne)
    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)


def constant_of(value: Any) -> Any:
    """``value`` with the traced numbers in it (in tuples and lists too) as constants."""
    kind = type(value)
    if kind is TracedNumber:
        return value.constant()
    if kind is tuple or kind is list:
        return kind(constant_of(item) for item in value)
    return value


def of_trace(value: Any, tracer: Any) -> Any:
    """``value``, but a traced number that another (earlier) trace made as its value: the
    function kept it (``lrs.append(group["lr"])``), and reads it as any Python value it keeps,
    a constant of this program (its slot is the other trace's)."""
    if type(value) is TracedNumber and value.tracer is not tracer:
        return value.value
    return value


def value_of(value: Any) -> Any:
    """``value`` with the traced numbers in it (in tuples, lists and dicts too) as their values,
    for the real run of a call that records them as operands, or for the caller of a traced
    function (nothing is guarded)."""
    kind = type(value)
    if kind is TracedNumber:
        return value.value
    if kind is tuple or kind is list:
        items = [value_of(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return kind(items)
    elif kind is dict:
        pairs = [(value_of(k), value_of(v)) for k, v in value.items()]
        if any(
            k is not old or v is not value[old] for (k, v), old in zip(pairs, value, strict=True)
        ):
            return dict(pairs)
    return value  # the same object where it holds no traced number


def _common_tracer(operands: tuple[Any, ...]) -> Any:
    """The tracer of the traced numbers among ``operands`` when all are numbers and the traced
    ones are of one trace; else ``False`` (``None``: no traced number)."""
    tracer = None
    for operand in operands:
        kind = type(operand)
        if kind is TracedNumber:
            if tracer is None:
                tracer = operand.tracer
            if operand.tracer is not tracer:
                return False
        elif kind not in _NUMBER_CLASSES:
            return False
    return tracer


def _compare(fn: Any, operands: tuple[Any, ...]) -> Any:
    """``fn(*operands)``, a comparison or ``bool``, for operands of which one at least is a
    traced number: guarded by its result while their trace runs and all are numbers (see
    ``NumberTracing.number_predicate``), else computed on the values, made constants."""
    tracer = _common_tracer(operands)
    if tracer is False or tracer is None or tracer.numbers_closed:
        # (Unlike arithmetic, a comparison needs no recording: its guard reads the options
        # themselves, so it holds whatever runs the comparison, recorded or not.)
        return fn(*(constant_of(operand) for operand in operands))
    return tracer.number_predicate(fn, operands)


def operate(style: int, fn: Any, operands: tuple[Any, ...]) -> Any:
    """``fn(*operands)`` for operands of which one at least is a traced number: recorded as a
    step on Python numbers when all are numbers and the recorder records, else computed on the
    values, made constants."""
    tracer = _common_tracer(operands)
    if tracer is False or tracer is None or _backend.tracer is not tracer or tracer.broken:
        # (A trace that will not be kept records nothing: its results are plain numbers, so
        # that what it stores, such as the lr a scheduler stepped inside it writes, is too.)
        return fn(*(constant_of(operand) for operand in operands))
    return tracer.number_op(style, fn, operands)


def has_numbers(values: tuple[Any, ...]) -> bool:
    for value in values:
        kind = type(value)
        if kind is TracedNumber or ((kind is tuple or kind is list) and has_numbers(value)):
            return True
    return False
