"""PyTorch-compatible tensor ``repr`` formatting for any array library.

This module reproduces, character for character, what ``repr(torch_tensor)``
prints for strided float, complex, integer and bool tensors::

    >>> import numpy as np
    >>> format_tensor(np.array([1.0, 2.5]), lambda a: a.tolist(), "float")
    'tensor([1.0000, 2.5000])'

It deliberately imports neither NumPy nor torch: the array is only touched
through ``.shape``, basic indexing (``data[i]``, ``data[a:b]``) and a
caller-supplied ``to_list`` conversion, so any Array API namespace can use it.
Print options (precision, summarisation threshold, ...) follow
``torch.set_printoptions`` semantics and live in one module-level
:class:`PrintOptions` instance.
"""

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "PrintOptions",
    "format_tensor",
    "get_printoptions",
    "printoptions",
    "set_printoptions",
]


@dataclasses.dataclass
class PrintOptions:
    """Current print options; field names and defaults match torch's.

    ``threshold`` is an ``int`` by default but becomes ``math.inf`` under the
    ``"full"`` profile, exactly as in torch.
    """

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


# The single source of truth for print options (mutated by set_printoptions).
_OPTIONS = PrintOptions()

# Profiles as (precision, threshold, edgeitems, linewidth), as defined by torch.
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set print options with ``torch.set_printoptions`` semantics.

    ``profile`` ("default", "short" or "full") is applied first, then any
    explicit option overrides it.  As in torch, ``sci_mode`` is *always*
    assigned, so omitting it restores automatic choice (``None``).

    >>> set_printoptions(precision=2)
    >>> get_printoptions()["precision"]
    2
    >>> set_printoptions(profile="default")
    """
    # torch silently ignores unknown profile names; so do we.
    if profile is not None and profile in _PROFILES:
        (
            _OPTIONS.precision,
            _OPTIONS.threshold,
            _OPTIONS.edgeitems,
            _OPTIONS.linewidth,
        ) = _PROFILES[profile]
    if precision is not None:
        _OPTIONS.precision = precision
    if threshold is not None:
        _OPTIONS.threshold = threshold
    if edgeitems is not None:
        _OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTIONS.linewidth = linewidth
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict accepted by :func:`set_printoptions`.

    >>> get_printoptions()
    {'precision': 4, 'threshold': 1000, 'edgeitems': 3, 'linewidth': 80, 'sci_mode': None}
    """
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (same arguments as :func:`set_printoptions`).

    >>> with printoptions(precision=1):
    ...     get_printoptions()["precision"]
    1
    """
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Elided:
    """Marker standing for the elided middle of a summarised dimension."""

    def __repr__(self) -> str:
        return "..."


_ELIDED = _Elided()


class _Formatter:
    """Chooses one common style and width for every element, as torch does.

    Built from all (or, when summarising, only the shown) scalar values.
    """

    def __init__(self, values: Sequence[Any], kind: str) -> None:
        self.is_float = kind == "float"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = _OPTIONS.precision

        if not self.is_float:
            for value in values:
                self.max_width = max(self.max_width, len(str(value)))
            return

        finite = [v for v in values if math.isfinite(v) and v != 0]
        if not finite:
            # Only zeros / nan / inf: torch keeps the defaults (int mode, no
            # sci mode) even if sci_mode=True was requested.
            return

        magnitudes = [abs(v) for v in finite]
        smallest, largest = min(magnitudes), max(magnitudes)
        self.int_mode = all(v.is_integer() for v in finite)
        if _OPTIONS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = _OPTIONS.sci_mode

        if self.sci_mode:
            width = max(len(f"{v:.{precision}e}") for v in finite)
        elif self.int_mode:
            # "+ 1" reserves room for the trailing "." that marks a float.
            width = max(len(f"{v:.0f}") for v in finite) + 1
        else:
            width = max(len(f"{v:.{precision}f}") for v in finite)
        self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        """Format one scalar, right-aligned to the common width."""
        precision = _OPTIONS.precision
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return text.rjust(self.max_width)


class _ComplexFormatter:
    """torch's style for complex elements: the real parts share one :class:`_Formatter` and
    are right-aligned to its width, the imaginary parts share another but are not padded
    (``1.+20.j, 3.-1.j``); line breaks count each element as both widths plus the ``j``."""

    def __init__(self, values: Sequence[complex]) -> None:
        self.real = _Formatter([v.real for v in values], "float")
        self.imag = _Formatter([v.imag for v in values], "float")
        self.max_width = self.real.max_width + self.imag.max_width + 1

    def format(self, value: complex) -> str:
        """Format one element: ``real`` padded, then the signed imaginary part and ``j``."""
        imag = self.imag.format(value.imag).lstrip()
        sign = "" if imag.startswith("-") else "+"
        return f"{self.real.format(value.real)}{sign}{imag}j"


def _coerce(kind: str) -> Callable[[Any], Any]:
    """Return the Python type scalars of ``kind`` are normalised to."""
    if kind == "float":
        return float
    if kind == "int":
        return int
    if kind == "bool":
        return bool
    if kind == "complex":
        return complex
    raise ValueError(f"kind must be 'float', 'int', 'bool' or 'complex', got {kind!r}")


def _normalise(nested: Any, ndim: int, cast: Callable[[Any], Any]) -> Any:
    """Cast every scalar so str()/format() behave as on Python types; keep ``_ELIDED``."""
    if ndim == 0:
        return cast(nested)
    return [item if item is _ELIDED else _normalise(item, ndim - 1, cast) for item in nested]


def _summarised_list(
    data: Any, shape: tuple[int, ...], to_list: Callable[[Any], Any], edge: int
) -> Any:
    """Nested list of only the shown edge items, with ``_ELIDED`` for each gap.

    Only slices are converted, so a huge array is never materialised.
    """
    if not any(size > 2 * edge for size in shape):
        # Nothing to elide below here: one conversion is cheapest.
        return to_list(data)
    size = shape[0]
    if len(shape) == 1:
        if edge == 0:
            return [_ELIDED]
        return [*to_list(data[:edge]), _ELIDED, *to_list(data[size - edge : size])]
    if size > 2 * edge:
        head = [_summarised_list(data[i], shape[1:], to_list, edge) for i in range(edge)]
        tail = [
            _summarised_list(data[i], shape[1:], to_list, edge) for i in range(size - edge, size)
        ]
        return head + [_ELIDED] + tail
    return [_summarised_list(data[i], shape[1:], to_list, edge) for i in range(size)]


def _flatten(nested: Any, ndim: int, out: list[Any]) -> list[Any]:
    """Append the scalars of ``nested`` (skipping ``_ELIDED``) to ``out``."""
    if ndim == 0:
        out.append(nested)
    else:
        for item in nested:
            if item is not _ELIDED:
                _flatten(item, ndim - 1, out)
    return out


def _render(nested: Any, ndim: int, indent: int, fmt: _Formatter | _ComplexFormatter) -> str:
    """Render a (possibly summarised) nested list at the given indentation."""
    if ndim == 0:
        return fmt.format(nested)
    if ndim == 1:
        # Each element also takes ", " (2 characters) on the line.
        per_line = max(1, math.floor((_OPTIONS.linewidth - indent) / (fmt.max_width + 2)))
        # A lone marker (edgeitems == 0) prints bare; between items torch pads it.
        gap = "..." if len(nested) == 1 else " ..."
        items = [gap if v is _ELIDED else fmt.format(v) for v in nested]
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [
        "..." if item is _ELIDED else _render(item, ndim - 1, indent + 1, fmt) for item in nested
    ]
    # Outer dims are separated by (ndim - 1) newlines: blank lines between 3-D blocks.
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _torch_len(item: str) -> int:
    """Length of ``item`` as torch would spell it (``torch.float64``, not ``arraygrad.float64``).

    Wrapping is decided on torch's spelling so that the output is exactly
    torch's repr with ``torch.`` renamed; the 4 extra characters per name must
    not move a line break.
    """
    return len(item) - item.count("arraygrad.") * (len("arraygrad.") - len("torch."))


def _add_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, suffix`` items, wrapping to a new line past ``linewidth``."""
    pieces = [text]
    # torch's length arithmetic (off by two when there is no newline) is kept
    # on purpose: it decides when suffixes wrap.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        length = _torch_len(suffix)
        if last_line_len + length + 2 > _OPTIONS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line_len = indent + length
        else:
            pieces.append(", " + suffix)
            last_line_len += length + 2
    pieces.append(")")
    return "".join(pieces)


def format_tensor(
    data: Any,
    to_list: Callable[[Any], Any],
    kind: str,
    suffixes: Sequence[str] = (),
    prefix: str = "tensor(",
) -> str:
    """Format an array exactly like torch's ``repr`` of a tensor with the same values.

    ``data`` needs ``.shape`` and basic indexing; ``to_list`` turns an array
    (or a slice of it) into nested Python lists, or a scalar for 0-d input.
    ``kind`` is ``"float"``, ``"int"``, ``"bool"`` or ``"complex"``.  ``suffixes`` are
    preformatted items such as ``"dtype=arraygrad.float64"`` or
    ``"grad_fn=<MulBackward0>"``; the caller decides which apply (torch shows
    ``dtype=`` for non-default dtypes, and for every non-float32 empty tensor).
    A ``size=...`` item is inserted before them when torch shows one: for
    empty tensors that are not 1-D, and for all non-empty ones when
    ``edgeitems`` is 0.  Suffixes wrap onto a new line (indented by
    ``len(prefix)``) where torch's would, judged on torch's spelling
    ``torch.float64`` so the result equals torch's repr with names renamed.

    >>> import numpy as np
    >>> format_tensor(np.array([[1, -2]]), lambda a: a.tolist(), "int")
    'tensor([[ 1, -2]])'
    >>> format_tensor(np.zeros((0, 3)), lambda a: a.tolist(), "float")
    'tensor([], size=(0, 3))'
    """
    cast = _coerce(kind)
    shape = tuple(int(size) for size in data.shape)
    ndim = len(shape)
    numel = math.prod(shape)
    indent = len(prefix)
    edge = _OPTIONS.edgeitems
    extra: list[str] = []

    if numel == 0:
        # Like NumPy, the shape is spelled out unless it is plainly (0,).
        if ndim != 1:
            extra.append(f"size={shape}")
        body = "[]"
    else:
        if not edge:
            # With no edge items shown, the shape is the only hint of the size.
            extra.append(f"size={shape}")
        if numel > _OPTIONS.threshold and ndim > 0:
            nested = _summarised_list(data, shape, to_list, edge)
        else:
            nested = to_list(data)
        nested = _normalise(nested, ndim, cast)
        values = _flatten(nested, ndim, [])
        fmt = _ComplexFormatter(values) if kind == "complex" else _Formatter(values, kind)
        body = _render(nested, ndim, indent, fmt)

    return _add_suffixes(prefix + body, [*extra, *suffixes], indent)
