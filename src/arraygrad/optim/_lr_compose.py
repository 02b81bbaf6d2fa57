"""Schedulers made of schedulers: one after another (:class:`SequentialLR`) or all at once
(:class:`ChainedScheduler`)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from arraygrad.optim._lr_adaptive import ReduceLROnPlateau
from arraygrad.optim._lr_base import LRScheduler, group_values, untraceable_step, write_lr
from arraygrad.optim.optimizer import Optimizer

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_schedulers(kind: str, schedulers: Sequence[Any], optimizer: Any) -> None:
    """Every scheduler must be steppable without arguments and act on ``optimizer``."""
    for index, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(
                f"{kind} at index {index} should have `optimizer` as its attribute: got a "
                f"{type(scheduler).__name__}. Fix: pass learning-rate schedulers only."
            )
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{kind} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{index} in the given schedulers sequence. Fix: step the ReduceLROnPlateau "
                "on its own with the metric."
            )
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{kind} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {index} has "
                f"{scheduler.optimizer}, which is different from {type(optimizer).__name__}. "
                "Fix: build every scheduler on the optimizer given here."
            )


def _state_with_schedulers(owner: Any) -> dict[str, Any]:
    """The attributes but the optimizer, with each inner scheduler as its own state dict."""
    state = {
        key: value
        for key, value in owner.__dict__.items()
        if key not in ("optimizer", "_schedulers")
    }
    state["_schedulers"] = [scheduler.state_dict() for scheduler in owner._schedulers]
    return state


def _load_with_schedulers(owner: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)  # the caller's dict is left as it was
    inner = state.pop("_schedulers")
    owner.__dict__.update(state)
    for scheduler, saved in zip(owner._schedulers, inner, strict=False):
        scheduler.load_state_dict(saved)


class SequentialLR(LRScheduler):
    r"""Run ``schedulers[0]`` until epoch ``milestones[0]``, then ``schedulers[1]`` (restarted at
    its epoch 0) until ``milestones[1]``, and so on.

    The lr at epoch :math:`t` is that of scheduler :math:`i` = the number of milestones
    :math:`\le t`, at its own epoch :math:`t - m_{i-1}`. Building it resets the lrs to each
    group's ``initial_lr`` and undoes the first step of every scheduler (their constructors
    took one), so the sequence starts from the first scheduler's epoch 0.

    >>> import arraygrad
    >>> from arraygrad.optim import lr_scheduler
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> warmup = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched = lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[2])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.5, 1.0, 0.5, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        kind = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(
                f"{kind} expects at least one scheduler, but got no scheduler. Fix: pass a "
                "list of schedulers built on the optimizer."
            )
        _check_schedulers(kind, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}. Fix: give one milestone (the epoch it starts) for each "
                "scheduler after the first."
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Start over from the initial lrs: each scheduler's constructor has already taken its
        # first step on them
        for group in self.optimizer.param_groups:
            write_lr(group, group["initial_lr"])
        self.recursive_undo()
        # and take that first step again, for the one scheduler that runs at epoch 0
        index = bisect_right(self._milestones, 0)
        self._schedulers[index]._initial_step()
        self._last_lr = schedulers[index].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take back one epoch from every scheduler, inside nested composite ones too."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for inner in scheds._schedulers:
                self.recursive_undo(inner)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch: step the scheduler of this epoch, restarting it at its milestone."""
        untraceable_step(self)
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The attributes but the optimizer, with every inner scheduler's state dict."""
        return _state_with_schedulers(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes and every inner scheduler's state."""
        _load_with_schedulers(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step every scheduler of ``schedulers``, in order, at each :meth:`step`: their chainable
    rules compose (each multiplies the lr the previous one left).

    ``optimizer`` defaults to the first scheduler's; it does not step anything when built.

    >>> import arraygrad
    >>> from arraygrad.optim import lr_scheduler
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> warmup = lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched = lr_scheduler.ChainedScheduler([warmup, decay])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        kind = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(
                f"{kind} expects at least one scheduler to be chained, but got no scheduler. "
                "Fix: pass a list of schedulers built on the optimizer."
            )
        if optimizer is None:
            if not hasattr(schedulers[0], "optimizer"):
                # PyTorch reads schedulers[0].optimizer here: an AttributeError
                raise AttributeError(
                    f"{kind} takes its optimizer from the scheduler at index 0, but a "
                    f"{type(schedulers[0]).__name__} has no `optimizer`. Fix: pass "
                    "learning-rate schedulers only."
                )
            optimizer = schedulers[0].optimizer
        _check_schedulers(kind, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in the order given."""
        untraceable_step(self)
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """The attributes but the optimizer, with every inner scheduler's state dict."""
        return _state_with_schedulers(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes and every inner scheduler's state."""
        _load_with_schedulers(self, state_dict)
