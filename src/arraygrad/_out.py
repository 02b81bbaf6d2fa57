"""PyTorch's ``out=`` argument: a function's result written into a tensor the caller gives.

``arraygrad.add(a, b, out=c)`` computes ``a + b`` as usual, then writes it into ``c`` and returns
``c`` (the same object, its version counter bumped, its views seeing the new values), as
PyTorch does:

- ``out`` takes the result's shape: resized when its shape differs, with PyTorch's deprecation
  warning when it held elements (resize an ``out`` to 0 elements to reuse it silently);
- ``out``'s dtype is checked by the rule of the function's family, each PyTorch's: most cast
  the result when that loses no category (:func:`written`: an integer result into a float
  ``out`` is fine, a float one into an integer or bool ``out`` raises RuntimeError); some
  require the result's dtype itself (:func:`written_same`, :func:`written_exactly`: ``abs``,
  ``floor``, the matrix products, indexing, ``linalg``) or bool (:func:`written_bool`); the
  reductions ``sum``, ``prod``, ``cumsum`` and the factories compute in ``out``'s dtype
  (:func:`computed_in`, :func:`made`); functions with several results take a tuple of tensors
  (:func:`written_each`);
- nothing is recorded: while grad mode is on, an argument or ``out`` that requires grad makes
  the call raise RuntimeError (``with arraygrad.no_grad():`` allows it), except for results
  that have no gradient at all (comparisons), which PyTorch writes anyway.

Each function that takes ``out`` tests ``out is not None`` first and hands its whole call to
:func:`written`, so the ordinary call pays one comparison. The checks run before ``out`` is
touched: after an error it holds what it held.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inplace
from arraygrad._arguments import not_tensor_error
from arraygrad._memory_overlap import shares_memory
from arraygrad._tensor import Tensor
from arraygrad._tensor_storage import resized_in_place

__all__ = [
    "check_unrecorded",
    "computed_in",
    "linalg_castable",
    "made",
    "store",
    "tensors_out",
    "written",
    "written_bool",
    "written_copy",
    "written_each",
    "written_exactly",
    "written_joined",
    "written_real",
    "written_reduced",
    "written_same",
]


def written(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """``function(*args, **kwargs)`` written into ``out`` by PyTorch's rules (see the module's
    docstring); ``out`` is returned. ``name``: the function as PyTorch names it in errors.

    >>> import arraygrad
    >>> out = arraygrad.empty(0)
    >>> arraygrad.add(arraygrad.tensor([1.0, 2.0]), 1, out=out) is out
    True
    >>> out
    tensor([2., 3.])
    """
    return _written(_castable, name, out, function, args, kwargs)


def written_same(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` for the functions whose ``out`` PyTorch requires in the result's dtype
    (``abs``, ``neg``, ``floor``, ``sign``, ``clamp``, ...: their kernels compute in it)."""
    return _written(_same, name, out, function, args, kwargs)


def written_exactly(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written_same` with the matrix products' message (``mm``, ``matmul``, ``tril``,
    ...)."""
    return _written(_exact, name, out, function, args, kwargs)


def written_bool(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` for the predicates whose ``out`` PyTorch requires to be bool
    (``signbit``, ``isposinf``, ``isneginf``)."""
    return _written(_boolean, name, out, function, args, kwargs)


def written_joined(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` for ``cat`` and the functions built on it (``stack``, ``hstack``, ...),
    whose dtype error PyTorch raises as a TypeError."""
    return _written(_joinable, name, out, function, args, kwargs)


def written_real(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` for the Fourier transforms with a real result (``irfft``, ``hfft``),
    whose ``out`` PyTorch requires to be real."""
    return _written(_real_castable, name, out, function, args, kwargs)


def written_reduced(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` for a reduction over all elements whose name PyTorch also gives an
    elementwise form (``max()`` beside ``max(input, other)``): cast as :func:`written` does, and
    no input's memory compared with ``out``'s, as PyTorch's reductions compare none."""
    return _written(_castable, name, out, function, args, kwargs, compared=False)


def written_copy(
    name: str, out: Any, function: Callable[..., Tensor], *args: Any, **kwargs: Any
) -> Tensor:
    """:func:`written` by ``copy_``'s rules: any dtype, converted (PyTorch's functions whose
    result is a copy of an input, such as ``chain_matmul`` of one matrix): an input that partly
    overlaps ``out`` is refused, as ``copy_`` refuses it."""
    _check_overlap(name, _check_out(name, out), args, kwargs, checked=True)
    return _written(_any_dtype, name, out, function, args, kwargs)


def written_each(
    name: str, out: Any, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """:func:`written_exactly` for the functions with several results (``max(dim)``'s values
    and indices, ``sort``, ``topk``, ``frexp``, ...): ``out`` is a tuple of tensors, one per
    result, each of its result's dtype. The results' named tuple is returned, holding them.

    >>> import arraygrad
    >>> values, indices = arraygrad.empty(0), arraygrad.empty(0, dtype=arraygrad.int64)
    >>> found = arraygrad.max(arraygrad.tensor([[1.0, 3.0]]), 1, out=(values, indices))
    >>> found.values is values, indices
    (True, tensor([1]))
    """
    if not isinstance(out, tuple | list) or not all(isinstance(o, Tensor) for o in out):
        raise _not_tensors_error(name, out)
    for target in out:
        _check_overlap(name, target, args, kwargs)
    results = function(*args, **kwargs)
    if len(out) != len(results):
        raise TypeError(
            f"{name}(): argument 'out' must be a tuple of {len(results)} Tensors, not "
            f"{len(out)}. Fix: pass one tensor per result."
        )
    for target, result in zip(out, results, strict=True):
        check_unrecorded(name, target, result)
        _exact(name, result.dtype, target.dtype)
    for target, result in zip(out, results, strict=True):
        store(name, target, result)
    return type(results)(*out)


def tensors_out(name: str, out: Any, count: int) -> tuple[Tensor, ...]:
    """``out`` as the tuple of ``count`` tensors that a function with ``count`` results writes
    into, with PyTorch's TypeErrors for anything else (for the functions whose outs follow rules
    of their own: ``linalg.lstsq``'s)."""
    if not isinstance(out, tuple | list):
        raise _not_tensors_error(name, out)
    if len(out) != count:
        raise TypeError(
            f"expected tuple of {count} elements but got {len(out)}. Fix: pass {name}() one "
            f"tensor per result, {count} in all."
        )
    for index, target in enumerate(out):
        if not isinstance(target, Tensor):
            raise TypeError(
                f"expected Tensor as element {index} in argument {count}, but got "
                f"{type(target).__name__}. Fix: pass {name}() tensors only in out."
            )
    return tuple(out)


def _not_tensors_error(name: str, out: Any) -> TypeError:
    return TypeError(
        f"{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}. "
        f"Fix: pass one tensor per result, e.g. out=(values, indices)."
    )


def linalg_castable(name: str, label: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    """PyTorch's check of a linear algebra result's ``out`` (its checkLinalgCompatibleDtype):
    any dtype that holds the result's category (a wider float, a complex one for a float result)
    is taken; ``label`` names the out as torch's message does.

    >>> import arraygrad
    >>> linalg_castable("torch.linalg.lstsq", "rank", arraygrad.int64, arraygrad.bool)
    Traceback (most recent call last):
      ...
    RuntimeError: torch.linalg.lstsq: Expected rank to be safely castable from Long dtype, but \
got rank with dtype Bool. Fix: give an out tensor of dtype arraygrad.int64 (or one that holds \
it: a float one for an integer result).
    """
    if result.category > out.category:
        raise RuntimeError(
            f"{name}: Expected {label} to be safely castable from "
            f"{_dtype.torch_type_name(result)} dtype, but got {label} with dtype "
            f"{_dtype.torch_type_name(out)}. Fix: give an out tensor of dtype {result} (or one "
            "that holds it: a float one for an integer result)."
        )


def computed_in(
    name: str,
    out: Any,
    function: Callable[..., Tensor],
    *args: Any,
    dtype: _dtype.dtype | None = None,
    **kwargs: Any,
) -> Tensor:
    """:func:`written` for the reductions that compute in ``out``'s dtype (``sum``, ``prod``,
    ``cumsum``, ``cumprod``, ``nansum``, ``nanmean``: PyTorch passes it as their ``dtype``); a
    ``dtype`` other than out's is PyTorch's RuntimeError."""
    out = _check_out(name, out)
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_dtype.c_type_name(dtype)}, but got "
            f"{_dtype.c_type_name(out.dtype)} instead. Fix: give {name}() an out tensor of "
            f"dtype {dtype}, or leave dtype out (the result takes out's)."
        )
    return _written(_any_dtype, name, out, function, args, {"dtype": out.dtype, **kwargs})


# The factories that PyTorch computes with arange, whose out= warns of another number of
# elements (where the others resize silently).
_RANGES = frozenset(["arange", "fftfreq", "rfftfreq"])


def made(
    name: str,
    factory: Callable[..., Tensor],
    args: tuple[Any, ...],
    options: dict[str, Any],
    dtype: _dtype.dtype | None,
    requires_grad: bool,
    **extra: Any,
) -> Tensor:
    """A factory's (``zeros``, ``arange``, ``randn``, ...) result made in the dtype of the
    tensor ``options["out"]`` and written into it, which is returned: ``factory(*args,
    **options, **extra)`` without ``out``. A ``dtype`` other than out's is PyTorch's
    RuntimeError; out is resized silently (``arange`` and the FFT frequencies warn of another
    number of elements, as in PyTorch), and requires grad as ``requires_grad`` says.

    >>> import arraygrad
    >>> out = arraygrad.empty(0, dtype=arraygrad.int64)
    >>> arraygrad.arange(3, out=out)
    tensor([0, 1, 2])
    """
    out = _check_out(name, options.pop("out"))
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(
            f"dtype {_dtype.torch_type_name(dtype)} does not match dtype of out parameter "
            f"({_dtype.torch_type_name(out.dtype)}). Fix: leave dtype out (the result takes "
            "out's), or give an out tensor of that dtype."
        )
    if out.requires_grad and _grad_mode.grad_enabled.get():
        raise _recorded_error(f"aten::{name}")
    result = factory(*args, dtype=out.dtype, **options, **extra)
    if name in _RANGES and out.numel() not in (0, result.numel()):
        warnings.warn(
            f"The number of elements in the out tensor of shape {list(out.shape)} is "
            f"{out.numel()} which does not match the computed number of elements "
            f"{result.numel()}. Note that this may occur as a result of rounding error. The out "
            f"tensor will be resized to a tensor of shape ({result.numel()},).",
            UserWarning,
            stacklevel=3,
        )
    store(name, out, result, warn=False)
    if requires_grad or (out.requires_grad and out.is_leaf):
        # PyTorch sets a factory's out to requires_grad as given: False clears it (under
        # no_grad, where an out that requires grad is taken)
        out.requires_grad_(requires_grad)
    return out


def _written(
    check_dtype: Callable[[str, _dtype.dtype, _dtype.dtype], None],
    name: str,
    out: Any,
    function: Callable[..., Tensor],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    compared: bool = True,
) -> Tensor:
    out = _check_out(name, out)
    if check_dtype in _ELEMENTWISE_FAMILIES:
        # (not compared: a reduction named as an elementwise op, max(): PyTorch compares none)
        _check_overlap(name, out, args, kwargs, checked=compared and name not in _UNCHECKED)
    elif compared:
        _check_overlap(name, out, args, kwargs, whole=check_dtype is _joinable)
    result = function(*args, **kwargs)
    check_unrecorded(name, out, result)
    check_dtype(name, result.dtype, out.dtype)
    return store(name, out, result)


# PyTorch's checks of out= against the inputs' memory, made before anything is computed (and
# before out is resized): its elementwise ops (TensorIterator's), scans, sorts, gathers and
# copies refuse an input that partly overlaps out, though not out itself as an input (``x.add(1,
# out=x)``); the products that add a matrix check that one only; cat and the functions built on
# it refuse any overlap; reductions, matrix products and decompositions check nothing. By
# family: the elementwise ones check unless named in _UNCHECKED, the others only if named in
# _CHECKED or _CHECKED_FIRST (cat's always).
_UNCHECKED = frozenset(
    {
        "all",
        "amax",
        "amin",
        "any",
        "cholesky",
        "cholesky_inverse",
        "cholesky_solve",
        "diff",
        "linalg_cond",
        "linalg_householder_product",
        "linalg_pinv",
        "linalg_tensorinv",
        "linalg_tensorsolve",
        "logsumexp",
        "mean",
        "mvlgamma",
        "special_ndtr",
        "std",
        "threshold",
        "var",
        *(
            f"fft_{kind}{dims}"
            for kind in ("fft", "ifft", "rfft", "ihfft")
            for dims in ("", "2", "n")
        ),
    }
)
_CHECKED = frozenset(
    {
        "aminmax",
        "complex",
        "cross",
        "cumprod",
        "cumsum",
        "frexp",
        "gather",
        "index_add",
        "index_copy",
        "index_select",
        "kthvalue",
        "linalg_cross",
        "logcumsumexp",
        "masked_select",
        "max",
        "median",
        "min",
        "mode",
        "msort",
        "nan_to_num",
        "nanmedian",
        "polar",
        "renorm",
        "scatter",
        "scatter_add",
        "scatter_reduce",
        "sort",
        "take",
        "take_along_dim",
        "topk",
    }
)
_CHECKED_FIRST = frozenset({"addbmm", "addmm", "addmv", "addr", "baddbmm"})


def _check_overlap(
    name: str,
    out: Tensor,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    checked: bool | None = None,
    whole: bool = False,
) -> None:
    """PyTorch's RuntimeError where an input tensor among ``args`` and ``kwargs`` (or in a list
    of them, cat's) partly overlaps ``out`` in memory, or at all (``whole``, cat's rule).
    ``checked``: whether ``name`` checks (by default, whether it is named in the sets above)."""
    if not (whole or (name in _CHECKED or name in _CHECKED_FIRST if checked is None else checked)):
        return
    inputs = [
        tensor
        for value in (*args, *kwargs.values())
        for tensor in (value if isinstance(value, list | tuple) else (value,))
        if isinstance(tensor, Tensor)
    ]
    overlaps = _backend.overlaps if whole else _backend.overlaps_partly
    for tensor in inputs[:1] if name in _CHECKED_FIRST else inputs:
        # (the input itself as out: the same elements, refused by cat's rule only)
        # (a tensor of other memory, the usual case, is told apart without reading arrays)
        same = tensor is out
        if same:
            refused = whole
        else:
            refused = shares_memory(out, tensor) and overlaps(out._data, tensor._data)
        if refused:
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                f"performing the operation. ({name}(): an input of shape {list(tensor.shape)} "
                f"shares memory with out, of shape {list(out.shape)}.) Fix: pass input.clone(), "
                "or an out tensor with memory of its own."
            )


def _check_out(name: str, out: Any) -> Tensor:
    if not isinstance(out, Tensor):
        fix = "pass a tensor to write the result into (out=arraygrad.empty(0)), or drop out=."
        raise not_tensor_error(name, out, name="out", fix=fix)
    return out


def check_unrecorded(name: str, out: Tensor, result: Tensor) -> None:
    """PyTorch records no history for an ``out=`` call: it refuses one whose result would
    need it. A result without a gradient (bool, integer) is written whatever requires grad."""
    if not _grad_mode.grad_enabled.get():
        return
    differentiable = result.dtype.is_floating_point or result.dtype.is_complex
    if result.requires_grad or (differentiable and out.requires_grad):
        raise _recorded_error(name)


def _recorded_error(name: str) -> RuntimeError:
    return RuntimeError(
        f"{name}(): functions with out=... arguments don't support automatic "
        "differentiation, but one of the arguments requires grad. Fix: call it without "
        "out= to differentiate it, or inside `with arraygrad.no_grad():`."
    )


def store(name: str, out: Tensor, result: Tensor, warn: bool = True) -> Tensor:
    """Write ``result`` into ``out``, resized to its shape, converted to its dtype (as
    ``copy_`` converts); ``warn``: with PyTorch's warning when an out with elements is
    resized."""
    shape = tuple(result.shape)
    with _grad_mode.no_grad():
        if result.dtype is not out.dtype:
            result = result.to(out.dtype)
        if tuple(out.shape) == shape:
            out.copy_(result)
            return out
        if warn and out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                f"with t.resize_(0). (In {name}(out=...).)",
                UserWarning,
                stacklevel=5,
            )
        # The resize counts as the write's version (PyTorch bumps out's version once), and
        # lays out out afresh: no overlap left to check. (Below autograd, as PyTorch's: an out
        # that requires grad, written under no_grad, is resized too.)
        resized_in_place(out, shape)
        _inplace._write(out, result)
    return out


# The dtype rules: PyTorch's check of the result's dtype against out's, one per family.


def _castable(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if result.category > out.category:
        raise RuntimeError(
            f"result type {_dtype.torch_type_name(result)} can't be cast to the desired output "
            f"type {_dtype.torch_type_name(out)}. Fix: give an out tensor of dtype {result} "
            "(or of a dtype that holds it: a float out for an integer result)."
        )


def _real_castable(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if out.is_complex:
        raise RuntimeError(
            f"{name.removeprefix('fft_')} expects a floating point output tensor, but got "
            f"{_dtype.torch_type_name(out)}. Fix: give an out tensor of dtype {result}."
        )
    _castable(name, result, out)


def _same(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if result is not out:
        raise RuntimeError(
            f"Found dtype {_dtype.torch_type_name(out)} but expected "
            f"{_dtype.torch_type_name(result)}: {name}() writes its result into out in its "
            f"own dtype. Fix: give an out tensor of dtype {result}."
        )


def _exact(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if result is not out:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_dtype.c_type_name(result)}, but got "
            f"{_dtype.c_type_name(out)} instead. Fix: give {name}() an out tensor of dtype "
            f"{result}."
        )


def _boolean(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if out is not _dtype.bool_:
        raise RuntimeError(
            f"{name} does not support non-boolean outputs. Fix: give an out tensor of dtype "
            "arraygrad.bool."
        )


def _joinable(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    if result.category > out.category:
        raise TypeError(
            f"torch.cat(): input types can't be cast to the desired output type "
            f"{_dtype.torch_type_name(out)} (in {name}(): the tensors joined are "
            f"{result}). Fix: give an out tensor of dtype {result}."
        )


def _any_dtype(name: str, result: _dtype.dtype, out: _dtype.dtype) -> None:
    return None


# (the families whose functions are elementwise, bar the names in _UNCHECKED)
_ELEMENTWISE_FAMILIES = (_castable, _same, _boolean)
