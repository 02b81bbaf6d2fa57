"""The learning-rate scheduler base class and the helpers the schedulers share."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _backend
from arraygrad._compile_numbers import value_of
from arraygrad._tensor import Tensor
from arraygrad.optim.optimizer import Optimizer


def untraceable_step(scheduler: Any) -> None:
    """Under :func:`arraygrad.compile`, make the function run eagerly: a scheduler's step only
    changes Python state (its counters, the lrs it writes), which a replay would not repeat."""
    if _backend.tracer is not None:
        _backend.tracer.untraceable(
            f"{type(scheduler).__name__}.step() (a replay would not advance the schedule; call "
            "it outside the compiled function)"
        )


__all__ = ["LRScheduler"]

_EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available."
)


def check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{type(optimizer).__name__} is not an Optimizer"
            ". Fix: pass the optimizer (e.g. "
            "optim.SGD(model.parameters(), lr=0.1)) as the scheduler's "
            "first argument."
        )
    return optimizer


def kept_value(value: Any) -> Any:
    """What a scheduler keeps of a group's lr (``initial_lr``, ``base_lrs``, ``_last_lr``): a
    copy of a tensor lr, as PyTorch's schedulers clone it (the group's tensor is written in
    place later, which must not change what was kept); a plain number for a number: a
    scheduler stepped inside a compiled function (which then runs eagerly) meets the trace's
    lr (see _compile_numbers), which must not stay in what it keeps (``json.dumps`` refuses
    it, a later trace would read its slot)."""
    if isinstance(value, Tensor):
        return value.clone()
    return value_of(value)


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """Each parameter group's ``key`` option, in group order, as a scheduler keeps it (see
    :func:`kept_value`: a tensor lr copied, a number as it is).

    >>> import arraygrad
    >>> from arraygrad.optim._lr_base import group_values
    >>> w = arraygrad.zeros(1, requires_grad=True)
    >>> opt = arraygrad.optim.SGD([{"params": [w]}, {"params": [], "lr": 0.5}], lr=0.1)
    >>> group_values(opt, "lr")
    [0.1, 0.5]
    """
    return [kept_value(group[key]) for group in optimizer.param_groups]


def write_lr(group: dict[str, Any], value: Any) -> None:
    """Set a group's lr as PyTorch's schedulers do: into the group's tensor, in place, when the
    lr is a tensor (so that the tensor the optimizer was given, and any code holding it,
    follows the schedule; it moves its version and, for a leaf that requires grad, raises as
    any in-place write does), else by replacing the value."""
    lr = group["lr"]
    if isinstance(lr, Tensor):
        lr.fill_(value)
    else:
        group["lr"] = value


def set_momentum(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    """Set a group's momentum, or the first of its ``betas`` (Adam's beta1): what the cyclic
    schedules move opposite to the lr."""
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` repeated for every group, or checked to have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has "
                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}."
                f" Fix: pass one {name}, or {len(optimizer.param_groups)} values (one per "
                "param group)."
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


class LRScheduler:
    """Base class of the lr schedulers: keeps ``base_lrs`` (each group's ``initial_lr``) and
    ``last_epoch``; made with ``last_epoch=-1``, it steps once to epoch 0.

    Subclasses implement :meth:`get_lr`, the chainable rule giving the new lr of every group
    from the current ones, and may implement ``_get_closed_form_lr`` (the lr at ``last_epoch``
    from ``base_lrs`` alone), used when :meth:`step` is given an epoch. Call
    ``scheduler.step()`` after ``optimizer.step()`` (the other order warns, as in PyTorch).

    >>> import arraygrad
    >>> class Halving(arraygrad.optim.lr_scheduler.LRScheduler):
    ...     def get_lr(self):
    ...         factor = 1.0 if self.last_epoch == 0 else 0.5
    ...         return [group["lr"] * factor for group in self.optimizer.param_groups]
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = Halving(opt)
    >>> opt.step(); sched.step(); opt.step(); sched.step()
    >>> sched.get_last_lr(), sched.base_lrs, sched.last_epoch
    ([0.25], [1.0], 2)
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                if "initial_lr" not in group:
                    group["initial_lr"] = kept_value(group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0. Fix: load the optimizer's state_dict "
                        "first, or leave last_epoch=-1 for a fresh run."
                    )
        self.base_lrs: list[Any] = group_values(optimizer, "initial_lr")  # (copies too)
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Set the lr of epoch 0 (``last_epoch`` becomes 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer, as in PyTorch."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list[Any]:
        """The lr of every group as set by the last :meth:`step`."""
        return self._last_lr

    def get_lr(self) -> list[Any]:
        """The new lr of every group (called by :meth:`step`)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_lr()"
            ". Fix: define get_lr(self) returning one lr per param group."
        )

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write the new lrs into the optimizer."""
        untraceable_step(self)
        # Optimizer.step notes its calls, and so does a subclass's own step() (wrapped by
        # Optimizer.__init_subclass__, as PyTorch wraps it).
        tracked = isinstance(self.optimizer, Optimizer)
        if self._step_count == 1 and tracked and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                "1.1.0 and later, you should call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
                "result in PyTorch skipping the first value of the learning rate schedule.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, by the closed form where there is one) and
        write the new lrs, without :meth:`step`'s checks: :class:`SequentialLR` restarts the
        next scheduler at its milestone with ``_update_lr(0)``."""
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            write_lr(group, lr)
        self._last_lr: list[Any] = group_values(self.optimizer, "lr")

    def _warn_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )
