"""Parametrizations: make a module's parameter or buffer a function of stored tensors.

:func:`register_parametrization` moves ``module.<name>`` into
``module.parametrizations[<name>]`` (a :class:`ParametrizationList`) as ``original`` (or
``original0``, ``original1``, ... when ``right_inverse`` returns several tensors) and gives the
module a class of its own, ``Parametrized<Class>``, on which ``<name>`` is a property: reading it
runs the parametrizations on the originals, assigning to it runs their ``right_inverse``.

>>> import arraygrad
>>> import arraygrad.nn as nn
>>> from arraygrad.nn.utils import parametrize
>>> class Double(nn.Module):
...     def forward(self, X):
...         return 2 * X
...     def right_inverse(self, A):
...         return A / 2
>>> layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Double())
>>> type(layer).__name__
'ParametrizedLinear'
>>> layer.weight = arraygrad.ones(2, 2)
>>> layer.parametrizations.weight.original
Parameter containing:
tensor([[0.5000, 0.5000],
        [0.5000, 0.5000]], requires_grad=True)
>>> [name for name, _ in layer.named_parameters()]
['bias', 'parametrizations.weight.original']
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Sequence
from contextlib import contextmanager
from contextlib import suppress as _suppress
from typing import TYPE_CHECKING

from arraygrad._grad_mode import no_grad as _no_grad
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.container import ModuleDict, ModuleList
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "transfer_parametrizations_and_params",
    "type_before_parametrizations",
]

# Inside ``cached()`` each parametrized tensor is computed once per (module, name); the depth
# counts nested ``cached()`` blocks so that only the outermost one empties the store.
_cache_depth = 0
_cache_store: dict[tuple[int, str], Tensor] = {}

_PICKLE_REFUSAL = (
    "Serialization of parametrized modules is only supported through state_dict(). See:\n"
    "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
    "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training"
)


@contextmanager
def cached() -> Iterator[None]:
    """Within the block, each parametrized tensor is computed once on first access and reused.

    Useful when a parametrized weight is read many times in one step (an RNN's recurrent
    weight). Blocks may nest; the stored values are dropped when the outermost one ends.
    """
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if _cache_depth == 0:
            _cache_store.clear()


def _assign_in_place(target: Tensor, value: Tensor) -> None:
    # Swapping the storage (not the object) keeps the Parameter that optimizers hold.
    with _no_grad():
        target.data = value.detach()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensor(s) they act on.

    At construction the ``right_inverse`` of the modules (last to first, those that have one)
    turns ``original`` into the stored value: one tensor is stored in ``original`` itself (the
    same object), several become ``original0``, ``original1``, ... Unless ``unsafe``, the result
    of the chain must keep ``original``'s shape and dtype.
    """

    original: Tensor
    unsafe: bool
    is_tensor: bool
    ntensors: int

    def __init__(
        self, modules: Sequence[Module], original: Tensor | Parameter, unsafe: bool = False
    ) -> None:
        if len(modules) == 0:
            raise ValueError(
                "ParametrizationList requires one or more modules."
                " Fix: pass at least one parametrization module."
            )
        super().__init__(modules)
        self.unsafe = unsafe
        before_shape, before_dtype = original.shape, original.dtype

        stored: Any = original
        with _no_grad():
            for module in reversed(list(self)):
                inverse = getattr(module, "right_inverse", None)
                if inverse is None:
                    continue
                # NotImplementedError: a parametrization that may start from any value.
                with _suppress(NotImplementedError):
                    stored = inverse(stored)

        if isinstance(stored, Tensor):
            self.is_tensor, self.ntensors = True, 1
            if stored.dtype != original.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\n"
                    f"right_inverse(original).dtype: {stored.dtype}"
                    "\nFix: make right_inverse return a tensor of dtype "
                    f"{original.dtype}, or pass unsafe=True."
                )
            _assign_in_place(original, stored)
            self._store("original", original, original)
        elif isinstance(stored, Sequence):
            self.is_tensor, self.ntensors = False, len(stored)
            for i, part in enumerate(stored):
                if not isinstance(part, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        f"(list, tuple...). Got element {i} of the sequence with type "
                        f"{type(part).__name__}."
                        " Fix: make every element that right_inverse returns a "
                        "Tensor."
                    )
                if isinstance(original, Parameter):
                    part = Parameter(part.detach(), original.requires_grad)
                self._store(f"original{i}", part, original)
        else:
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(stored).__name__}"
                ". Fix: make right_inverse return a Tensor or a list/tuple of"
                " Tensors."
            )

        if unsafe:
            return
        with _no_grad():
            result = self()
        if not isinstance(result, Tensor):
            raise ValueError(
                f"A parametrization must return a tensor. Got {type(result).__name__}."
                " Fix: make the parametrization's forward() return a Tensor "
                "computed from its input."
            )
        if result.dtype != before_dtype:
            raise ValueError(
                "Registering a parametrization may not change the dtype of the tensor, unless "
                "`unsafe` flag is enabled.\n"
                f"unparametrized dtype: {before_dtype}\n"
                f"parametrized dtype: {result.dtype}"
                "\nFix: return a tensor of the original dtype, or pass "
                "unsafe=True to register_parametrization."
            )
        if result.shape != before_shape:
            raise ValueError(
                "Registering a parametrization may not change the shape of the tensor, unless "
                "`unsafe` flag is enabled.\n"
                f"unparametrized shape: {before_shape}\n"
                f"parametrized shape: {result.shape}"
                "\nFix: return a tensor of the original shape, or pass "
                "unsafe=True to register_parametrization."
            )

    def _store(self, name: str, tensor: Tensor, like: Tensor) -> None:
        # A parametrized parameter keeps parameters as its originals; a buffer keeps buffers.
        if isinstance(like, Parameter) and isinstance(tensor, Parameter):
            self.register_parameter(name, tensor)
        else:
            self.register_buffer(name, tensor)

    def _original_names(self) -> list[str]:
        if self.is_tensor:
            return ["original"]
        return [f"original{i}" for i in range(self.ntensors)]

    def _originals(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._original_names()]

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` by running the ``right_inverse`` of the modules, last to first."""
        with _no_grad():
            for module in reversed(list(self)):
                inverse = getattr(module, "right_inverse", None)
                if inverse is None:
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse."
                        f" Fix: define right_inverse(value) on {type(module).__name__}, or "
                        "assign to the original tensor (parametrizations.<name>.original)."
                    )
                value = inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(
                        f"`right_inverse` should return a tensor. Got {type(value).__name__}"
                        ". Fix: make right_inverse return a Tensor."
                    )
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} while "
                        f"`original` has dtype {self.original.dtype}"
                        ". Fix: make right_inverse return a tensor of dtype "
                        f"{self.original.dtype}."
                    )
                _assign_in_place(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError(
                    "'right_inverse' must return a sequence of tensors. "
                    f"Got {type(value).__name__}."
                    " Fix: make right_inverse return a list/tuple of Tensors, as "
                    "when the parametrization was registered."
                )
            if len(value) != self.ntensors:
                raise ValueError(
                    "'right_inverse' must return a sequence of tensors of length "
                    f"{self.ntensors}. Got a sequence of length {len(value)}."
                    " Fix: return as many tensors as right_inverse returned when "
                    "the parametrization was registered."
                )
            originals = self._originals()
            for i, part in enumerate(value):
                if not isinstance(part, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors or reference-type "
                        f"opaques. Got element {i} of type {type(part).__name__}."
                        " Fix: make right_inverse return a list/tuple of Tensors."
                    )
                if part.dtype != originals[i].dtype:
                    raise ValueError(
                        f"Tensor {i} returned by `right_inverse` has dtype {part.dtype} while "
                        f"`original{i}` has dtype {originals[i].dtype}"
                        f". Fix: make right_inverse return tensor {i} as "
                        f"{originals[i].dtype}."
                    )
            for target, part in zip(originals, value, strict=True):
                _assign_in_place(target, part)

    def forward(self) -> Tensor:  # type: ignore[override]
        """The parametrized tensor: the first module on the originals, then each next one."""
        modules = list(self)
        result = modules[0](*self._originals())
        for module in modules[1:]:
            result = module(result)
        return result  # type: ignore[no-any-return]


# --- the generated class ---------------------------------------------------------------------


def _refuse_pickle(self: Module) -> Any:
    raise RuntimeError(_PICKLE_REFUSAL)


def _deepcopy_parametrized(self: Module, memo: dict[int, Any]) -> Module:
    # The default deepcopy goes through __reduce_ex__, which the pickling refusal blocks: copy
    # the instance dictionary directly into a new object of the same generated class.
    clone = type(self).__new__(type(self))
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        clone.__dict__[key] = _copy.deepcopy(value, memo)
    return clone


def _give_own_class(module: Module) -> None:
    """Make ``module`` an instance of a new subclass of its class, so that the properties added
    for its parametrized tensors concern it alone."""
    base = type(module)
    namespace = {
        "__getstate__": _refuse_pickle,
        "__deepcopy__": _deepcopy_parametrized,
        "__module__": __name__,
        "__doc__": base.__doc__,
    }
    module.__class__ = type(f"Parametrized{base.__name__}", (base,), namespace)


def _tensor_property(name: str) -> property:
    def read(self: Module) -> Tensor:
        chain = self.parametrizations[name]
        if _cache_depth == 0:
            return chain()  # type: ignore[no-any-return]
        key = (id(self), name)
        if key not in _cache_store:
            _cache_store[key] = chain()
        return _cache_store[key]

    def write(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(read, write)


def _check_appended(module: Module, name: str, parametrization: Module) -> None:
    """A parametrization added to a chain must keep the current tensor's shape and dtype, and
    so must its ``right_inverse`` (when it has one)."""
    with _no_grad():
        current = getattr(module, name)
        result = parametrization(current)
    if not isinstance(result, Tensor):
        raise ValueError(
            f"A parametrization must return a tensor. Got {type(result).__name__}."
            " Fix: make the parametrization's forward() return a Tensor "
            "computed from its input."
        )
    for what in ("dtype", "shape"):
        if getattr(result, what) != getattr(current, what):
            raise ValueError(
                f"Registering a parametrization may not change the {what} of the tensor, "
                "unless the `unsafe` flag is enabled.\n"
                f"module.{name}.{what}: {getattr(current, what)}\n"
                f"parametrization(module.{name}).{what}: {getattr(result, what)}"
                f"\nFix: keep the {what}, or pass unsafe=True to "
                "register_parametrization."
            )
    inverse = getattr(parametrization, "right_inverse", None)
    if inverse is None:
        return
    try:
        with _no_grad():
            back = inverse(result)
    except NotImplementedError:
        return
    if not isinstance(back, Tensor):
        raise ValueError(
            f"parametrization.right_inverse must return a tensor. Got: {type(back).__name__}"
            ". Fix: make right_inverse() return a Tensor (the value to "
            "store in original)."
        )
    for what in ("dtype", "shape"):
        if getattr(back, what) != getattr(current, what):
            raise ValueError(
                "The tensor returned by parametrization.right_inverse must have the same "
                f"{what} as module.{name}, unless the `unsafe` flag is enabled.\n"
                f"module.{name}.{what}: {getattr(current, what)}\n"
                f"returned {what}: {getattr(back, what)}"
                f"\nFix: return a tensor of the same {what}, or pass "
                "unsafe=True to register_parametrization."
            )


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Parametrize ``module.<tensor_name>`` (a parameter or buffer) by ``parametrization``.

    The first registration stores the tensor (through ``parametrization.right_inverse``, when
    there is one) in ``module.parametrizations[tensor_name]``; later ones append to that chain.
    ``unsafe=True`` skips the checks that shape and dtype are kept. Returns ``module``.
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        if not unsafe:
            _check_appended(module, tensor_name, parametrization)
        chain.append(parametrization)
        chain.unsafe = chain.unsafe or unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
            f"with name '{tensor_name}'"
            ". Fix: pass the name of one of its parameters or buffers, "
            "e.g. 'weight'."
        )
    # Build the chain first: if a check fails, the module is left as it was.
    chain = ParametrizationList([parametrization], getattr(module, tensor_name), unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _give_own_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = chain
    setattr(type(module), tensor_name, _tensor_property(tensor_name))
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given)."""
    chains = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(chains, ModuleDict):
        return False
    if tensor_name is None:
        return len(chains) > 0
    return tensor_name in chains


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo the parametrizations of ``module.<tensor_name>``.

    With ``leave_parametrized`` the tensor keeps its current (parametrized) value, otherwise
    it becomes the stored original again (possible only with one original). A single original
    stays the same object. When no parametrized tensor is left the module gets its class back.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"Module {module} does not have a parametrization on {tensor_name}"
            ". Fix: check parametrize.is_parametrized(module, name) "
            "first, or pass the name given to register_parametrization."
        )
    chain = module.parametrizations[tensor_name]
    restored: Tensor
    if chain.is_tensor:
        restored = chain.original
        if leave_parametrized:
            with _no_grad():
                value = getattr(module, tensor_name)
            _assign_in_place(restored, value)
    elif leave_parametrized:
        with _no_grad():
            value = getattr(module, tensor_name)
        needs_grad = any(t.requires_grad for t in chain._originals())
        restored = Parameter(value.detach(), True) if needs_grad else value.detach()
    else:
        raise ValueError(
            "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
            "parametrized in terms of a sequence of tensors."
            " Fix: pass leave_parametrized=True."
        )
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(restored, Parameter):
        module.register_parameter(tensor_name, restored)
    else:
        module.register_buffer(tensor_name, restored)
    if not is_parametrized(module):
        module.__class__ = type(module).__bases__[0]  # the class before parametrizations
        delattr(module, "parametrizations")
    return module


def type_before_parametrizations(module: Module) -> type:
    """The class of ``module`` as it was before any parametrization was registered."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Give ``to_module`` the parametrizations of ``from_module`` (of ``tensor_name`` only, when
    given) and their stored tensors, which both modules then share; a tensor ``to_module``
    lacks is created first. Returns ``to_module``."""
    if not is_parametrized(from_module):
        return to_module
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            with _no_grad():
                value = getattr(from_module, name)
            setattr(to_module, name, Parameter(value.detach()))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization)
        # The modules then share the stored tensors themselves (tied, as in PyTorch).
        target = to_module.parametrizations[name]
        for original_name in source._original_names():
            setattr(target, original_name, getattr(source, original_name))
    return to_module
