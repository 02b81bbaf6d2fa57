"""The optimizer base class: parameter groups, per-parameter state and state dicts.

An optimizer holds ``param_groups``, a list of dicts each with a ``"params"`` list and that
group's options (``lr``, ``weight_decay``, ...; missing options take the optimizer's
``defaults``), and ``state``, a dict from parameter to that parameter's buffers (``step``,
``exp_avg``, ...). :meth:`Optimizer.step` runs the subclass's update on every group.

Hooks, as PyTorch's (:mod:`arraygrad.optim._hooks`): ``register_step_pre_hook`` /
``register_step_post_hook`` (and :func:`register_optimizer_step_pre_hook` /
:func:`register_optimizer_step_post_hook` for every optimizer) run around each ``step()`` call,
a subclass's own ``step`` included; ``register_state_dict_pre_hook`` and the three others like
it run around :meth:`state_dict` and :meth:`load_state_dict`. Each returns a handle whose
``remove()`` unregisters the hook.

Updates compute on the raw arrays of the active backend (no graph is recorded, nothing is
differentiated) and write the new values into each parameter's memory, bumping its version
counter like any in-place operation, so views and modules holding the parameter see the update
(the arithmetic the updates share is in :mod:`arraygrad.optim._updates`).

>>> import arraygrad
>>> w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
>>> opt = arraygrad.optim.SGD([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from arraygrad import _backend, _grads, _view_history
from arraygrad._compile_numbers import (
    OPTIMIZERS,
)
from arraygrad._grad_mode import enable_grad, no_grad
from arraygrad._tensor import Tensor
from arraygrad.optim import _complex_params
from arraygrad.optim._hooks import (
    HOOK_TABLES,
    OptimizerHooks,
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
    with_step_hooks,
)
from arraygrad.optim._step_guards import TracedStep
from arraygrad.optim._updates import scalar_state

__all__ = [
    "Optimizer",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "required",
]


class _RequiredParameter:
    """Marks an option that has no default and must be given per group (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required: Any = _RequiredParameter()


def to_scalar(value: Any) -> Any:
    """A Python number for an option given as a number or a one-element tensor."""
    if isinstance(value, Tensor):
        return value.item()
    return value


def check_lr_elements(lr: Any) -> None:
    """Refuse a tensor ``lr`` of more or fewer than one element, as PyTorch does."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError(
            f"Tensor lr must be 1-element: got {lr.numel()} elements. Fix: pass a number or a "
            "one-element tensor."
        )


def lr_number(lr: Any) -> Any:
    """A constructor's ``lr`` as a Python number, after :func:`check_lr_elements`: for its
    checks and their messages only. The groups keep ``lr`` as given, as PyTorch's do: a tensor
    lr is the very tensor, which schedulers then write into in place."""
    check_lr_elements(lr)
    return to_scalar(lr)


def _wrapped_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """A subclass's own ``step``, as :meth:`Optimizer.__init_subclass__` installs it: it runs
    the step hooks around it, notes its calls for the LR schedulers, and under
    arraygrad.compile guards and reads anew what :meth:`Optimizer.step` does for the built-in
    optimizers."""

    @functools.wraps(step)
    def wrapped(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True  # read by the LR schedulers to warn about a wrong call order
        tracer = _backend.tracer
        if tracer is None:
            return step(self, *args, **kwargs)
        state_before = self._traced_step_begins(tracer)
        result = step(self, *args, **kwargs)
        self._traced_step_ends(tracer, state_before)
        return result

    return with_step_hooks(wrapped)


class Optimizer(OptimizerHooks, TracedStep):
    """Base class of the optimizers: holds ``param_groups``, ``defaults`` and ``state``.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that define
            parameter groups (``{"params": [...], "lr": 0.1}``).
        defaults: the options used by groups that do not set them.

    Subclasses implement :meth:`_update_group`, which updates the parameters of one group that
    have a gradient; :meth:`step` calls it for every group with recording off. A subclass may
    instead define its own ``step()``, as PyTorch's optimizers are written: it is wrapped so
    that its calls count for the LR schedulers' order warning and, under
    :func:`arraygrad.compile`, get the guards of :meth:`step` (options, state, the optimizer's
    plain attributes) and the ``lr``, ``momentum`` and ``betas`` read anew on each replay.

    >>> import arraygrad
    >>> class PlainSGD(arraygrad.optim.Optimizer):
    ...     def __init__(self, params, lr=0.1):
    ...         super().__init__(params, dict(lr=lr))
    ...     @arraygrad.no_grad()
    ...     def step(self, closure=None):
    ...         for group in self.param_groups:
    ...             for p in group["params"]:
    ...                 if p.grad is not None:
    ...                     p.add_(p.grad, alpha=-group["lr"])
    >>> w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = PlainSGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0., 0.], requires_grad=True)
    """

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        OPTIMIZERS[id(self)] = self  # for arraygrad.compile (see _compile_numbers)
        self._make_hook_tables()
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}. Fix: pass [tensor] or model.parameters()."
            )
        self.state: defaultdict[Any, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(
                "optimizer got an empty parameter list. Fix: check that the model has "
                "parameters (a generator such as model.parameters() can only be consumed once)."
            )
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _make_hook_tables(self) -> None:
        for name in HOOK_TABLES:
            setattr(self, name, OrderedDict())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in HOOK_TABLES}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Fresh, empty hook tables: the hooks stay with the original (see HOOK_TABLES), and
        # an optimizer pickled before the tables existed gets them too.
        self.__dict__.update(state)
        self._make_hook_tables()
        OPTIMIZERS[id(self)] = self  # as __init__ does, for arraygrad.compile

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # --- parameter groups -------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest from ``defaults``).

        >>> import arraygrad
        >>> a, b = arraygrad.zeros(2, requires_grad=True), arraygrad.zeros(3, requires_grad=True)
        >>> opt = arraygrad.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(
                f"param_group must be a dict, but got {_typename(param_group)}"
                f". Fix: pass a dict such as {{'params': [...], 'lr': 0.01}}."
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                    ". Fix: pass either all (name, tensor) pairs (e.g. "
                    "model.named_parameters()) or all tensors."
                )
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{_typename(param)}"
                    ". Fix: pass tensors, e.g. model.parameters()."
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(
                    "can't optimize a non-leaf Tensor. Fix: optimize the leaf tensors the "
                    "computation starts from (or a .detach().requires_grad_() copy)."
                )

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    + name
                    + (
                        f". Fix: give the group a '{name}' entry, or pass {name}= to "
                        "the optimizer as a default."
                    )
                )
            param_group.setdefault(name, default)

        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {kind} to the optimizer"
                    ". Fix: pass every group's params the same way: all named or "
                    "all plain tensors."
                )
        if any(id(p) in seen for p in tensors):
            raise ValueError(
                "some parameters appear in more than one parameter group"
                ". Fix: put each parameter in exactly one group."
            )
        self.param_groups.append(param_group)
        if _backend.tracer is not None:  # made inside a compiled function (see group_added)
            _backend.tracer.group_added(param_group)

    # --- gradients and steps ----------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros in place."""
        params = (p for group in self.param_groups for p in group["params"])
        _grads.reset_grads(params, set_to_none)

    @functools.partial(with_step_hooks, base=True)
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` when given.

        ``closure`` re-evaluates the model and returns the loss; it runs with gradients on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._opt_called = True  # read by the LR schedulers to warn about a wrong call order
        tracer = _backend.tracer
        state_before = None if tracer is None else self._traced_step_begins(tracer)
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p._grad is not None]
                if params:
                    if _complex_params.has_complex(params):  # one dtype test per group's params
                        _complex_params.update_as_real(self, group, params)
                    else:
                        self._update_group(group, params)
                    if _backend.views_are_copies:
                        # The updates write the parameters' arrays directly, not through the
                        # in-place ops: on a library whose views are copies (Dask) their views
                        # get the new values here. (NumPy's views share the memory.)
                        for p in params:
                            _view_history.write_through(p)
        if tracer is not None:
            self._traced_step_ends(tracer, state_before)
        return loss

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass with a step() of its own (PyTorch's way to write an optimizer, or LBFGS)
        # gets it wrapped, once, here (PyTorch wraps it when an instance is made): the step
        # hooks run around it, its calls are noted for the LR schedulers' order warning, and
        # arraygrad.compile replays it with the guards and the numbers read anew that
        # Optimizer.step gives the built-in optimizers.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("step")
        # (Not a descriptor that is no function, a classmethod or partialmethod: wrapped, it
        # would be called as one and fail; it stays as written, uncounted and unguarded.)
        if callable(own) and not getattr(own, "_notes_its_calls", False):
            cls.step = _wrapped_step(own)  # type: ignore[method-assign]

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update_group(group, params) or step()"
            ". Fix: define _update_group(self, group, params) or "
            f"step(self, closure=None) in {type(self).__name__}."
        )

    # --- state dicts ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their position (counting across groups in order), as in
        PyTorch, so the dict can be saved and loaded into a new optimizer over new parameters.
        The state-dict pre hooks run first; each post hook may edit the dict or return another.
        """
        for hook in self._save_pre_table.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        saved: Any = {"state": state, "param_groups": param_groups}
        for hook in self._save_post_table.values():
            result = hook(self, saved)
            if result is not None:
                saved = result
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict` (for the same parameter layout).

        State tensors are copied and converted to their parameter's floating dtype (``step``
        keeps its own); group options are replaced by the saved ones. The load pre hooks get a
        shallow copy of ``state_dict`` (each may edit it or return the one to load); the post
        hooks run once it is loaded.
        """
        if isinstance(state_dict, dict):
            state_dict = state_dict.copy()
        for hook in self._load_pre_table.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                "optimizer state_dict must be a dict with keys 'state' and 'param_groups', got "
                f"{_typename(state_dict)}"
                + (
                    f" with keys {sorted(map(str, state_dict))}"
                    if isinstance(state_dict, dict)
                    else ""
                )
                + (". Fix: pass what optimizer.state_dict() returned.")
            )
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)} saved, {len(groups)} in this optimizer)"
                ". Fix: load the state dict into an optimizer built with the "
                "same parameter groups."
            )
        for i, (group, saved) in enumerate(zip(groups, saved_groups, strict=True)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group (group {i}: {len(saved['params'])} saved parameters, "
                    f"{len(group['params'])} here)"
                    ". Fix: build the optimizer with the same parameters in each "
                    "group as the one saved."
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
                strict=True,
            )
        )
        state: defaultdict[Any, Any] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups
        self._restore_group_defaults()
        # PyTorch's loading also gives the defaults a `differentiable` (False) where the
        # optimizer has none (Adafactor, LBFGS, Muon), after the groups were filled: the loaded
        # groups lack it, a group added afterwards has it.
        self.defaults.setdefault("differentiable", False)
        self._numbers_as_tensors()
        for hook in self._load_post_table.values():
            hook(self)

    # State entries the update keeps as 0-d tensors. PyTorch before 1.12 saved them as Python
    # numbers; PyTorch's optimizers convert such entries when they load them, and so does
    # :meth:`load_state_dict` (an update would fail on a number).
    _tensor_numbers: tuple[str, ...] = ("step",)

    def _numbers_as_tensors(self) -> None:
        for values in self.state.values():
            if not isinstance(values, dict):
                continue
            for key in self._tensor_numbers:
                value = values.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values[key] = scalar_state(float(value))

    def _restore_group_defaults(self) -> None:
        """Fill options missing from loaded groups (older state dicts) with the defaults."""
        for group in self.param_groups:
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, default)


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A deep copy of ``value``, tensors converted to ``param``'s floating dtype (not ``step``)."""
    if isinstance(value, Tensor):
        data = _backend.copy(value._data)
        if key != "step" and param.is_floating_point() and value.dtype is not param.dtype:
            data = _backend.xp.astype(data, param._data.dtype)
        return Tensor._wrap(data)
    if isinstance(value, dict):
        return {k: _cast(param, v, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def _typename(value: Any) -> str:
    if isinstance(value, Tensor):
        return "arraygrad.Tensor"
    return type(value).__module__ + "." + type(value).__qualname__


def check_options(checks: Iterable[tuple[bool, str, str]]) -> None:
    """Raise ``ValueError`` for the first failed ``(ok, message, requirement)`` check: PyTorch's
    message, then the fix: options meeting ``requirement`` (e.g. ``"lr >= 0.0"``)."""
    for ok, message, requirement in checks:
        if not ok:
            raise ValueError(f"{message}. Fix: pass {requirement}.")


def refuse_fused_with_foreach(fused: bool | None, foreach: bool | None) -> None:
    """Reject ``fused=True`` with ``foreach=True``, as PyTorch does after building the groups
    (both only choose PyTorch's kernels: arraygrad's update is the same either way)."""
    if fused and foreach:
        raise RuntimeError(
            "`fused` and `foreach` cannot be `True` together."
            " Fix: pass at most one of fused=True and foreach=True."
        )


def refuse_differentiable(differentiable: bool) -> None:
    """Reject ``differentiable=True``: updates run on raw arrays, outside any graph."""
    if differentiable:
        raise ValueError(
            "differentiable=True is not supported by arraygrad's optimizers: updates run on raw "
            "arrays outside the graph. Fix: leave differentiable=False."
        )
