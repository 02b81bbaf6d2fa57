"""Data types with PyTorch's names, defaults and type-promotion rules.

A :class:`dtype` names an element type (``arraygrad.float32``); the array library's own dtype
object is looked up by name in the active namespace when an array is made. Promotion follows
PyTorch, not NumPy: ``int64 + float32 -> float32``, a Python float meeting an integer tensor
gives the default float dtype, and 0-d tensors do not promote dimensioned tensors of the same
category.
"""

from __future__ import annotations

import numbers
import struct
import threading
from typing import Any

from arraygrad import _backend

# Categories order promotion: a higher category wins whatever the sizes.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:  # noqa: N801 - the name PyTorch users write
    """An element type, e.g. ``arraygrad.float32``.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0]).dtype
    arraygrad.float32
    """

    __slots__ = ("category", "is_signed", "itemsize", "name")

    def __init__(self, name: str, itemsize: int, category: int, is_signed: bool) -> None:
        self.name = name
        self.itemsize = itemsize
        self.category = category
        self.is_signed = is_signed

    @property
    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64."""
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        """True for complex64 and complex128."""
        return self.category == _COMPLEX

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton


bool_ = dtype("bool", 1, _BOOL, False)
uint8 = dtype("uint8", 1, _INT, False)
int8 = dtype("int8", 1, _INT, True)
int16 = dtype("int16", 2, _INT, True)
int32 = dtype("int32", 4, _INT, True)
int64 = dtype("int64", 8, _INT, True)
float16 = dtype("float16", 2, _FLOAT, True)
bfloat16 = dtype("bfloat16", 2, _FLOAT, True)
float32 = dtype("float32", 4, _FLOAT, True)
float64 = dtype("float64", 8, _FLOAT, True)
complex64 = dtype("complex64", 8, _COMPLEX, True)
complex128 = dtype("complex128", 16, _COMPLEX, True)

#: The real dtypes, which every op takes (most tests run over these).
ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
#: The complex dtypes, which only the ops of ``ops/complex.py`` take (see ``_complex``).
COMPLEX_DTYPES = (complex64, complex128)
#: The floats PyTorch's CPU kernels widen to float32 to compute ("reduced precision").
REDUCED_FLOATS = (float16, bfloat16)
# bfloat16 is not among ALL_DTYPES (which the op tables' tests run over: it computes with
# ml_dtypes' loops, see docs/bfloat16.md), but is found by name.
BY_NAME = {d.name: d for d in (*ALL_DTYPES, bfloat16, *COMPLEX_DTYPES)}
# Each complex dtype's real component dtype, and back.
COMPONENT = {complex64: float32, complex128: float64}
COMPLEX_OF = {float32: complex64, float64: complex128}

# PyTorch's C++ names of the element types, which its error messages use ("not implemented
# for 'Long'", "expected ... Long or Byte, but got Int").
_TORCH_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def torch_type_name(dt: dtype) -> str:
    """PyTorch's name of ``dt`` in its error messages: ``Long`` for int64, ``Float`` for
    float32."""
    return _TORCH_NAMES.get(dt.name, dt.name)


# The C++ names PyTorch's dtype-mismatch messages give the element types ("expected dtype float
# for `end` but got dtype c10::Half").
_C_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def c_type_name(dt: dtype) -> str:
    """PyTorch's C++ name of ``dt``'s element type in its dtype-mismatch messages: ``float`` for
    float32, ``long int`` for int64."""
    return _C_NAMES.get(dt.name, dt.name)


# The C++ names PyTorch's overflow messages give the element types of a converted number
# ("value cannot be converted to type uint8_t without overflow"): the integers' fixed-width
# names, the others' as above.
_OVERFLOW_NAMES = {
    **_C_NAMES,
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int64": "int64_t",
}


def overflow_type_name(dt: dtype) -> str:
    """PyTorch's C++ name of ``dt``'s element type in its message for a number that ``dt``
    cannot hold: ``uint8_t`` for uint8, ``int`` for int32, ``c10::Half`` for float16. (The
    numbers in ``tensor()``'s data are named by the dtype's own name instead.)"""
    return _OVERFLOW_NAMES[dt.name]


def check_not_bool(kernel: str, dt: dtype) -> None:
    """PyTorch's NotImplementedError for an op with no bool kernel (sorting and counting ops,
    ``dot``, ...) called on a bool tensor, which NumPy would compute."""
    if dt is bool_:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for 'Bool'. Fix: convert the tensor first, e.g. "
            "x.long() or x.float()."
        )


_default_float = float32

# The array library's dtype objects, keyed both ways; rebuilt when the backend changes.
_to_xp: dict[dtype, Any] = {}
_from_xp: dict[Any, dtype] = {}
_namespace: Any = None

# The array-library dtype objects noted in the id tables below, by ``id``, with the object (kept
# alive, so that its id is not reused) and its arraygrad dtype: what :func:`is_complex_native`
# trusts to say an object is not complex. :func:`from_xp` notes an object where its tables (keyed
# by equality, the hot path) miss it: the library's own objects, and the first of each dtype met.
# NumPy makes dtype objects equal to its builtin ones that are other objects (arrays unpickled,
# as from DataLoader workers, or read from bytes with an explicit byte order, and the ufunc
# results of those); those are found by equality and not noted (a new one for every batch a
# DataLoader worker sends would be kept alive forever), so they take the general paths, which
# answer by dtype. Bounded all the same: past _SEEN_LIMIT objects (a backend switched back and
# forth) the record and the id tables start over (see _remember).
_seen: dict[int, tuple[Any, dtype]] = {}
_SEEN_LIMIT = 512
# Held while _seen and the id tables change (see _remember); readers take no lock.
_noting = threading.Lock()
#: The ``id`` of array libraries' dtype objects (of any library seen) known to be float32 or
#: float64, each with its object (kept alive so that its id is not reused): a Python number never
#: changes such an array's dtype and needs no float16 or bool care, so ``_math.binary`` sends
#: ``tensor op number`` straight to the primitive when the tensor's dtype is in here (one
#: lookup). Keyed by identity: dtype objects of two libraries may hash alike, and comparing them
#: warns (array_api_strict's). Filled as :func:`from_xp` notes dtype objects (see ``_seen``),
#: whichever library is active (what it says of a dtype object holds in any), and emptied with
#: ``_seen`` when that is full. A fast path may only trust membership (an object not noted takes
#: the general path, which answers by its dtype).
WIDE_FLOAT_IDS: dict[int, Any] = {}
#: The same for the dtypes whose pairs of tensors of one dtype ``_math.binary`` sends straight to
#: the primitive: the real ones but bfloat16 (whose ops go to float32 twins on the general path).
FAST_PAIR_IDS: dict[int, Any] = {}


def one_wide_float(a: Any, b: Any) -> bool:
    """Whether the tensors ``a`` and ``b`` hold arrays of one dtype, float32 or float64: the
    common call of a function with checks for other dtypes, which it then skips (one identity
    test and one lookup in :data:`WIDE_FLOAT_IDS`)."""
    native = a._data.dtype
    return native is b._data.dtype and id(native) in WIDE_FLOAT_IDS


#: The same for complex64 and complex128; read it through :func:`is_complex_native`, which also
#: answers for dtype objects not noted.
COMPLEX_IDS: dict[int, Any] = {}


def _tables() -> tuple[dict[dtype, Any], dict[Any, dtype]]:
    global _namespace
    xp = _backend.xp
    if _namespace is not xp:
        _to_xp.clear()
        _from_xp.clear()
        for d in BY_NAME.values():
            native = getattr(xp, d.name, None)
            if d is bfloat16 and native is None and _backend.is_numpy:
                native = _backend.bfloat16_loaded()  # ml_dtypes', once to_xp has loaded it
            if native is not None:
                _to_xp[d] = native
                _from_xp[native] = d
                _note_ids(d, native)
        _namespace = xp
    return _to_xp, _from_xp


def to_xp(d: dtype) -> Any:
    """The active array library's dtype object for ``d``."""
    try:
        return _tables()[0][d]
    except KeyError:
        if d is bfloat16 and _backend.is_numpy:
            # ml_dtypes' bfloat16, imported on first use (not by ``import arraygrad``)
            native = _backend.bfloat16_native()
            _to_xp[d] = native
            _from_xp[native] = d
            _note_ids(d, native)
            return native
        # The library's name from its module: ``xp`` is a SimpleNamespace, which has none.
        library = getattr(_backend.module, "__name__", type(_backend.module).__name__)
        raise TypeError(
            f"{d} is not supported by the array library {library}, which has no "
            f"{d.name} arrays. Fix: use a dtype it has (e.g. {d.name} -> "
            f"{'float32' if d.is_floating_point else 'int64'}), or compute on NumPy with "
            "arraygrad.set_backend('numpy')."
        ) from None


def from_xp(native: Any) -> dtype:
    """The arraygrad dtype of an array library dtype object."""
    if _namespace is _backend.xp:  # the hot path: tables current, a dtype seen before
        found = _from_xp.get(native)
        if found is not None:
            return found
    table = _tables()[1]
    found = table.get(native)
    if found is None:
        found = BY_NAME.get(str(native))
        if found is None:
            raise TypeError(f"arrays of dtype {native} are not supported by arraygrad")
        table[native] = found  # arrays' dtype objects differ from xp.float32: remember them
    _remember(native, found)
    return found


def _remember(native: Any, found: dtype) -> None:
    """Note the dtype object ``native`` (of dtype ``found``) in ``_seen`` and the id tables."""
    with _noting:  # (a start-over between another thread's two writes would part the tables)
        if len(_seen) >= _SEEN_LIMIT:
            start_over()
        _note_ids(found, native)
        _seen[id(native)] = (native, found)


def start_over() -> None:
    """Forget the dtype objects met (rather than keep every one alive), but for the library's
    own, which ``from_xp``'s hot path finds without noting again: dropped from the id tables,
    they would leave every fast path missing from then on. Called with ``_noting`` held."""
    # ``_seen`` is emptied first, and filled last by _remember: a reader that finds an id in
    # ``_seen`` finds it in the id table that applies too (is_complex_native trusts its absence
    # there).
    _seen.clear()
    for table in (WIDE_FLOAT_IDS, FAST_PAIR_IDS, COMPLEX_IDS):
        table.clear()
    for native, d in list(_from_xp.items()):  # (kept alive by _from_xp: their ids stay theirs)
        _note_ids(d, native)


def is_wide_float_native(native: Any) -> bool:
    """Whether an array's dtype object is float32's or float64's: by identity for one noted
    (one lookup, the common case), else by its dtype (an unpickled array's dtype object, found
    by equality, is never noted). False for what is not an array library's dtype."""
    if id(native) in WIDE_FLOAT_IDS:
        return True
    try:
        found = from_xp(native)
    except TypeError:
        return False
    return found is float32 or found is float64


def is_complex_native(native: Any) -> bool:
    """Whether an array's dtype object is complex64 or complex128: by identity for one noted
    before (see ``_seen``), else by its dtype."""
    key = id(native)
    if key in COMPLEX_IDS:
        return True
    if key in _seen:
        return False
    try:
        return from_xp(native).category == _COMPLEX
    except TypeError:  # not a dtype arraygrad has
        return False


def _note_ids(d: dtype, native: Any) -> None:
    if d is float32 or d is float64:
        WIDE_FLOAT_IDS[id(native)] = native
    if d.category == _COMPLEX:
        COMPLEX_IDS[id(native)] = native
    elif d is not bfloat16:
        FAST_PAIR_IDS[id(native)] = native


def int_bounds(d: dtype) -> tuple[int, int]:
    """The smallest and largest value of the integer dtype ``d``.

    >>> int_bounds(uint8)
    (0, 255)
    """
    bits = 8 * d.itemsize
    if d.is_signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


# The largest finite value of each floating dtype.
_FLOAT_MAX = {
    float16: 65504.0,
    bfloat16: 3.3895313892515355e38,
    float32: 3.4028234663852886e38,
    float64: 1.7976931348623157e308,
}


def dtype_argument(value: Any, function: str, name: str, position: int, fix: str) -> dtype:
    """``value``, argument ``name`` of ``function``, checked to be a dtype, with PyTorch's
    message otherwise (``fix`` its last sentence)."""
    if not isinstance(value, dtype):
        raise TypeError(
            f"{function}(): argument '{name}' (position {position}) must be torch.dtype, not "
            f"{type(value).__name__}. Fix: {fix}"
        )
    return value


_PLAIN_NUMBERS = (float, int)  # (not bool, whose class is its own)


def checked_scalar(value: Any, d: dtype) -> Any:
    """The Python number ``value`` as a tensor of dtype ``d`` takes it when it is written in
    (``fill_``, ``full``, ``x[i] = value``) or bounds it (``clamp``), with PyTorch's error where
    ``d`` cannot hold it.

    Integer dtypes take the numbers between their bounds (floats before truncation: 127.5 is
    too large for int8); unsigned ones also take negative ints down to ``-max``, which wrap
    around as in two's complement (``-1`` is 255 in uint8), as in PyTorch. Floating dtypes
    take every number up to their largest finite value, ``inf`` and ``nan`` (a finite number
    beyond it would silently become ``inf``). ``bool`` takes anything, as its truth value.

    >>> checked_scalar(-1, uint8)
    255
    """
    if value.__class__ in _PLAIN_NUMBERS and d.category == _FLOAT and -65504 <= value <= 65504:
        # the common fill_(0.5) or linspace(0, 1): fits every floating dtype (float16 takes a
        # float through float32, as PyTorch: 1 + 2**-11 + 2**-40 is float32's 1 + 2**-11, a
        # tie float16 rounds to 1.0; an int this small is exact in float32)
        return float16_operand(value) if d is float16 and value.__class__ is float else value
    if d.category == _COMPLEX:
        return complex(value)  # every number fits (beyond float range it is inf, as in PyTorch)
    if isinstance(value, complex):
        # PyTorch converts a complex number to a real dtype as its real part, refused where
        # the imaginary part is not 0 (an overflow); bool takes its truth value.
        if d.category == _BOOL:
            return bool(value)
        if value.imag != 0:
            raise RuntimeError(
                f"value cannot be converted to type {overflow_type_name(d)} without overflow: "
                f"{value!r} has an imaginary part, which {d.name} cannot hold. Fix: use "
                "value.real (or abs(value))."
            )
        value = value.real
    if d.category == _BOOL:
        if isinstance(value, numbers.Integral) and not -(2**63) <= int(value) < 2**63:
            # PyTorch reads an int up to 2**64 - 1 (as uint64) and takes its truth value; the
            # array library would overflow on one beyond int64
            _check_int_range(int(value))
            return True
        return value
    if d.category == _FLOAT:
        number = float(value)  # an int beyond float64 raises OverflowError, as in PyTorch
        limit = _FLOAT_MAX[d]
        if -limit <= number <= limit or number != number or number in (_INF, -_INF):
            if d is float16 and isinstance(value, float):
                return float16_operand(value)  # (through float32, as above)
            return value
        low, high = -limit, limit
    else:
        low, high = int_bounds(d)
        if isinstance(value, numbers.Integral):  # Python's and NumPy's ints
            value = int(value)  # NumPy's int8(-1) + 256 would overflow
            _check_int_range(value)
            if low <= value <= high:
                return value
            if not d.is_signed and -high <= value < 0:
                return value + high + 1
        elif low <= value <= high:  # never true for nan
            return value
        elif d is int64 and value == _TWO_TO_63:
            # PyTorch checks a double against int64's range in double, where 2**63 - 1 rounds
            # up to 2**63, so 2.0**63 passes; its conversion then gives int64's minimum
            return low
    raise RuntimeError(
        f"value cannot be converted to type {overflow_type_name(d)} without overflow: {value!r} "
        f"lies outside the range of {d.name}, [{low}, {high}]. Fix: use a value within that "
        f"range, or convert the tensor to a wider dtype first (e.g. "
        f".to(arraygrad.{_WIDER[d.category]}))."
    )


def _check_int_range(value: int) -> None:
    """PyTorch's OverflowError for an int that neither int64 nor uint64 holds."""
    if not -(2**63) <= value < 2**64:
        raise OverflowError(
            f"int too big to convert: {value} lies outside [-2**63, 2**64). Fix: use a smaller "
            "number, or a float."
        )


_INF = float("inf")
_TWO_TO_63 = 2.0**63
_WIDER = {_INT: "int64", _FLOAT: "float64"}
_SINGLE = struct.Struct("f")


def float16_operand(value: float) -> float:
    """The Python float ``value`` (within float32's range, or inf or NaN) as PyTorch converts it
    for a float16 tensor: rounded to float32 first, then (by the array library) to float16.

    PyTorch converts a double to float16 through float32, rounding twice: 1 + 2**-11 + 2**-40
    is 1 + 2**-11 in float32, a tie that float16 rounds to even, 1.0, where the array
    library's one rounding gives 1 + 2**-10. A Python float written into a float16 tensor or
    met by one (``fill_``, ``x == s``, ``x + s``) goes through here. (Python's own float32
    packing: a tenth of the time of NumPy's scalars. A number ``arraygrad.compile`` reads anew
    on every replay, such as a scheduled lr, whose type is not float, is rounded by a step of
    the program instead: :func:`arraygrad._backend.rounded_float`.)

    >>> float16_operand(0.1)
    0.10000000149011612
    """
    if type(value) is not float:
        return _backend.rounded_float(value, "float16")
    return float(_SINGLE.unpack(_SINGLE.pack(value))[0])


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (``float32`` unless changed), and the float
    dtype that integer tensors are promoted to by ``exp``, ``sqrt`` and the like.

    >>> import arraygrad
    >>> arraygrad.get_default_dtype()
    arraygrad.float32
    """
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (float32, float64, float16 or bfloat16) the dtype of tensors made from Python
    floats; with float32 or float64, Python complex numbers give complex64 or complex128.

    Any other dtype raises ``TypeError``.

    >>> import arraygrad
    >>> arraygrad.set_default_dtype(arraygrad.float64)
    >>> arraygrad.tensor([1.0, 2j]).dtype
    arraygrad.complex128
    >>> arraygrad.set_default_dtype(arraygrad.float32)
    """
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def get_default_complex_dtype() -> dtype:
    """The dtype of tensors made from Python complex numbers: the complex dtype whose parts
    have the default float dtype (complex64 beside float32, complex128 beside float64)."""
    return complex128 if _default_float is float64 else complex64


def complex_of_data() -> dtype:
    """The dtype of a tensor made from data holding Python complex numbers (``tensor([1j])``):
    :func:`get_default_complex_dtype`, but, as in PyTorch, a RuntimeError while the default
    dtype is bfloat16, which has no complex counterpart."""
    if _default_float is bfloat16:
        raise RuntimeError(
            "invalid default scalar type for complex: the default dtype is bfloat16, which has "
            "no complex dtype of its parts. Fix: give the dtype (dtype=arraygrad.complex64), or "
            "set a float32 or float64 default first."
        )
    return get_default_complex_dtype()


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing their category.

    >>> promote_types(int64, float16)
    arraygrad.float16
    >>> promote_types(float64, complex64)
    arraygrad.complex128
    """
    if type1 is type2:
        return type1
    if type1.category == _COMPLEX or type2.category == _COMPLEX:
        # The complex dtype whose parts hold both: float64 with complex64 is complex128.
        # (integers and bool add nothing: int64 with complex64 is complex64)
        parts = (COMPONENT.get(type1, type1), COMPONENT.get(type2, type2))
        return complex128 if float64 in parts else complex64
    if type1.category != type2.category:
        return type1 if type1.category > type2.category else type2
    if type1.category == _BOOL:
        return type1
    if type1.category == _FLOAT and type1.itemsize == type2.itemsize:
        return float32  # float16 with bfloat16: neither holds the other's values
    if type1.is_signed == type2.is_signed:
        return type1 if type1.itemsize >= type2.itemsize else type2
    # One unsigned (uint8) and one signed int: the signed type must be wider than uint8.
    signed = type1 if type1.is_signed else type2
    return signed if signed.itemsize > 1 else int16


def scalar_dtype(value: bool | int | float | complex) -> dtype:
    """The dtype PyTorch gives a Python number on its own."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return get_default_complex_dtype()
    return _default_float


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # PyTorch's rule: a participant of a lower priority class (0-d tensors, then Python numbers)
    # changes the result only when it belongs to a higher category.
    if higher is None:
        return lower
    if lower is None or (higher.category != _BOOL and lower.category <= higher.category):
        return higher
    if higher.category == _FLOAT and lower.category == _COMPLEX:
        # The complex dtype of the higher participant's float size, whatever the lower's
        # (float32 + 0-d complex128 is complex64). float16 would give PyTorch's complex32,
        # which arraygrad lacks: complex64 stands in.
        return COMPLEX_OF.get(higher, complex64)
    return promote_types(higher, lower)


def result_type(*operands: Any) -> dtype:
    """The dtype PyTorch gives an arithmetic op of ``operands`` (tensors and Python numbers)."""
    dim_result: dtype | None = None
    zero_result: dtype | None = None
    scalar_result: dtype | None = None
    for operand in operands:
        if isinstance(operand, (bool, int, float, complex)):
            d = scalar_dtype(operand)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
        else:
            d = operand.dtype
            if operand.ndim == 0:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
            else:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
    result = _combine(dim_result, _combine(zero_result, scalar_result))
    assert result is not None, "result_type needs at least one operand"
    return result
