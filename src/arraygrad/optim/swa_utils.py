"""Weight averaging, with the API of ``torch.optim.swa_utils``: stochastic weight averaging (SWA)
and exponential moving averages (EMA) of a model's weights.

:class:`AveragedModel` keeps a copy of a model whose parameters are a running average of the
model's, updated by :meth:`AveragedModel.update_parameters` (an equal-weight mean by default;
:func:`get_ema_multi_avg_fn` and the other ``get_*_fn`` give the other rules). :class:`SWALR`
anneals each group's lr to a constant ``swa_lr`` for the averaging phase, and :func:`update_bn`
recomputes the batch-norm statistics of the averaged weights with one pass over the data.

>>> import arraygrad
>>> from arraygrad.optim.swa_utils import AveragedModel
>>> model = arraygrad.nn.Linear(1, 1, bias=False)
>>> swa = AveragedModel(model)
>>> for value in (1.0, 2.0, 6.0):
...     with arraygrad.no_grad():
...         _ = model.weight.fill_(value)
...     swa.update_parameters(model)
>>> swa.module.weight.item(), swa.n_averaged.item()
(3.0, 3)
"""

from __future__ import annotations

import copy as _copy
import itertools
import math
from collections.abc import Callable as _Callable
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype
from arraygrad._creation import tensor as _tensor
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import _BatchNorm
from arraygrad.optim._lr_base import LRScheduler
from arraygrad.optim._lr_base import per_group as _per_group

if TYPE_CHECKING:
    from collections.abc import Iterable

    from arraygrad.optim.optimizer import Optimizer

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]

_AvgFn = _Callable[[Tensor, Tensor, "Tensor | int"], Tensor]
_MultiAvgFn = _Callable[[list[Tensor], list[Tensor], "Tensor | int"], None]


def _is_real_or_complex_float(t: Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def _fused_lerp_(start: Tensor, end: Tensor, weight: Any) -> None:
    """``start.lerp_(end, weight)`` rounded as PyTorch's CPU kernel rounds it: one fused
    multiply-add, ``start + w (end - start)`` for ``|w| < 0.5``, else ``end - (1 - w)(end -
    start)``, with ``w`` the weight in ``start``'s dtype (a tensor weight, such as the float32
    ``1 / (n + 1)``, converted as PyTorch converts it). On NumPy the fused multiply-add is
    emulated exactly (:func:`arraygrad._backend.fused_lerp`), so the averages are PyTorch's
    bits; elsewhere, and for complex tensors, it is ``lerp_`` (rounded twice)."""
    if isinstance(weight, Tensor):
        weight = weight.to(start.dtype).item()
    if not _backend.is_numpy or start.is_complex():
        start.lerp_(end, weight)
        return
    result = _backend.fused_lerp(start._data, end.to(start.dtype)._data, weight)
    start.copy_(Tensor._wrap(result))


def get_ema_multi_avg_fn(decay: float = 0.999) -> _MultiAvgFn:
    """An in-place EMA over lists of tensors: ``ema ← decay·ema + (1 - decay)·current``.

    Floating tensors are updated by ``lerp_`` with weight ``1 - decay`` (in PyTorch's rounding),
    as PyTorch does; integer
    tensors (buffers with ``use_buffers=True``) get the rounded-toward-zero product form.

    >>> import arraygrad
    >>> ema = [arraygrad.tensor([0.0])]
    >>> arraygrad.optim.swa_utils.get_ema_multi_avg_fn(0.75)(ema, [arraygrad.tensor([4.0])], 1)
    >>> ema
    [tensor([1.])]
    """

    def ema_update(ema_params: list[Tensor], current_params: list[Tensor], num_averaged: Any):
        if not ema_params:
            return
        if _is_real_or_complex_float(ema_params[0]):
            for ema, current in zip(ema_params, current_params, strict=True):
                _fused_lerp_(ema, current, 1 - decay)
            return
        for ema, current in zip(ema_params, current_params, strict=True):
            # Computed in floating point and written back (truncated) into the integer tensor:
            # an in-place multiply by a fraction cannot keep an integer dtype.
            ema.copy_(ema * decay + current * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> _MultiAvgFn:
    """An in-place running mean over lists of tensors:
    ``avg ← avg + (current - avg) / (num_averaged + 1)``.

    Floating tensors are updated by ``lerp_`` with weight ``1 / (num_averaged + 1)``. When
    ``num_averaged`` is a tensor (as :meth:`AveragedModel.update_parameters` passes it), that
    weight is a tensor of the default float dtype, so in float64 the weight carries float32's
    rounding, as in PyTorch.

    >>> import arraygrad
    >>> avg = [arraygrad.tensor([1.0])]  # the mean of two values so far
    >>> swa_update = arraygrad.optim.swa_utils.get_swa_multi_avg_fn()
    >>> swa_update(avg, [arraygrad.tensor([4.0])], arraygrad.tensor(2))
    >>> avg
    [tensor([2.])]
    """

    def swa_update(averaged_params: list[Tensor], current_params: list[Tensor], num_averaged: Any):
        if not averaged_params:
            return
        if _is_real_or_complex_float(averaged_params[0]):
            weight = 1 / (num_averaged + 1)
            for average, current in zip(averaged_params, current_params, strict=True):
                _fused_lerp_(average, current, weight)
            return
        for average, current in zip(averaged_params, current_params, strict=True):
            difference = current - average
            if isinstance(num_averaged, Tensor):
                # integer addcdiv is refused, with PyTorch's RuntimeError
                average.addcdiv_(difference, num_averaged + 1)
            else:
                average.add_(difference, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> _AvgFn:
    """The EMA of one tensor: returns ``decay * ema + (1 - decay) * current`` (a new tensor;
    pass it as :class:`AveragedModel`'s ``avg_fn``).

    >>> import arraygrad
    >>> ema_update = arraygrad.optim.swa_utils.get_ema_avg_fn(0.9)
    >>> ema_update(arraygrad.tensor([0.0]), arraygrad.tensor([10.0]), 1)
    tensor([1.])
    """

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> _AvgFn:
    """The running mean of one tensor: returns ``avg + (current - avg) / (num_averaged + 1)``
    (a new tensor; pass it as :class:`AveragedModel`'s ``avg_fn``).

    >>> import arraygrad
    >>> swa_update = arraygrad.optim.swa_utils.get_swa_avg_fn()
    >>> swa_update(arraygrad.tensor([1.0]), arraygrad.tensor([4.0]), 2)
    tensor([2.])
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _by_device_and_dtype(
    averaged: list[Tensor], current: list[Tensor]
) -> dict[tuple[Any, Any], tuple[list[Tensor], list[Tensor]]]:
    """The pairs split by the averaged tensor's (device, dtype), in order of first appearance:
    a multi-tensor rule is called once per group, as a fused kernel would be."""
    groups: dict[tuple[Any, Any], tuple[list[Tensor], list[Tensor]]] = {}
    for mine, theirs in zip(averaged, current, strict=True):
        group = groups.setdefault((str(mine.device), mine.dtype), ([], []))
        group[0].append(mine)
        group[1].append(theirs)
    return groups


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters (and buffers, with ``use_buffers=True``) are
    averaged over the calls of :meth:`update_parameters`.

    ``avg_fn(averaged, current, n_averaged)`` returns the new average of one tensor;
    ``multi_avg_fn(averaged_list, current_list, n_averaged)`` updates lists of tensors in place.
    At most one may be given; without either, the average is the equal-weight running mean.
    The buffer ``n_averaged`` counts the updates; :meth:`state_dict` holds it and the copy's
    entries under ``module.``. Without ``use_buffers`` the buffers are not averaged but copied
    from ``model`` at each update.

    >>> import arraygrad
    >>> model = arraygrad.nn.Linear(1, 1, bias=False)
    >>> swa_model = arraygrad.optim.swa_utils.AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     with arraygrad.no_grad():
    ...         _ = model.weight.fill_(value)
    ...     swa_model.update_parameters(model)
    >>> swa_model.module.weight.data, swa_model.n_averaged
    (tensor([[3.]]), tensor(3))
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: _AvgFn | None = None,
        multi_avg_fn: _MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            # PyTorch raises AssertionError itself (not an ``assert``, so it also holds under -O)
            raise AssertionError(
                "Only one of avg_fn and multi_avg_fn should be provided"
                ". Fix: drop one of them (multi_avg_fn updates all parameters at once)."
            )
        self.module = _copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _tensor(0, dtype=_dtype.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the averaged copy."""
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model: Module) -> Iterable[Tensor]:
        if self.use_buffers:
            return itertools.chain(model.parameters(), model.buffers())
        return model.parameters()

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers) into the average."""
        # Detached aliases: the averages are written in place without recording a graph, and
        # avg_fn / multi_avg_fn see tensors that do not require grad (grad mode stays as is).
        # Paired in order; as in PyTorch, a model with fewer tensors is not an error here (the
        # extra ones are left as they are), only differing buffers below are
        pairs = list(
            zip(self._averaged_tensors(self.module), self._averaged_tensors(model), strict=False)
        )
        averaged = [mine.detach() for mine, _ in pairs]
        current = [theirs.detach() for _, theirs in pairs]
        count = self.n_averaged
        first = bool(count == 0)
        if first:
            for mine, theirs in zip(averaged, current, strict=True):
                mine.copy_(theirs.to(mine.device))
        elif self.avg_fn is not None:
            for mine, theirs in zip(averaged, current, strict=True):
                theirs = theirs.to(mine.device)
                mine.copy_(self.avg_fn(mine, theirs, count.to(mine.device)))
        elif self.multi_avg_fn is not None:
            moved = [t.to(m.device) for m, t in zip(averaged, current, strict=True)]
            for (device, _), (mine_list, theirs_list) in _by_device_and_dtype(
                averaged, moved
            ).items():
                self.multi_avg_fn(mine_list, theirs_list, count.to(device))
        else:
            # The equal-weight mean, one tensor at a time (PyTorch's default takes this form,
            # not the lerp of get_swa_multi_avg_fn, and its bits)
            rule = get_swa_avg_fn()
            for mine, theirs in zip(averaged, current, strict=True):
                mine.copy_(rule(mine, theirs.to(mine.device), count.to(mine.device)))
        if not self.use_buffers:
            # The buffers follow the model (batch-norm statistics of the current weights);
            # update_bn recomputes them for the averaged ones.
            for mine, theirs in zip(self.module.buffers(), model.buffers(), strict=True):
                mine.detach().copy_(theirs.detach().to(mine.device))
        self.n_averaged += 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every batch norm of ``model`` with one pass over
    ``loader``: each is reset and then tracks the cumulative average of the batches
    (``momentum=None``), in training mode; momenta and the training flag are restored after.

    A batch that is a list or tuple is called with its first element. Without batch norms the
    loader is not read.

    >>> import arraygrad
    >>> model = arraygrad.nn.Sequential(arraygrad.nn.BatchNorm1d(2))
    >>> arraygrad.optim.swa_utils.update_bn([arraygrad.tensor([[1.0, 2.0], [3.0, 6.0]])], model)
    >>> model[0].running_mean, model[0].running_var
    (tensor([2., 4.]), tensor([2., 8.]))
    """
    momenta: dict[Module, Any] = {}
    for module in model.modules():
        # instance norms are not _BatchNorms (as in PyTorch), and keep their statistics
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to ``swa_lr`` over ``anneal_epochs``
    steps, by a cosine (``'cos'``) or a straight line (``'linear'``), then hold it.

    Each step recovers the lr the annealing started from out of the group's current lr (so
    that it chains with changes made to the lr by other code), then mixes it with ``swa_lr``:
    ``lr = swa_lr * a + start * (1 - a)`` with ``a`` the annealing weight of the step.

    >>> import arraygrad
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = arraygrad.optim.swa_utils.SWALR(opt, swa_lr=0.5, anneal_epochs=2,
    ...                                          anneal_strategy="linear")
    >>> for _ in range(3):
    ...     opt.step(); sched.step()
    ...     print(sched.get_last_lr())
    [0.75]
    [0.5]
    [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        for group, value in zip(
            optimizer.param_groups, _per_group("swa_lr", optimizer, swa_lr), strict=True
        ):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
                ". Fix: pass anneal_strategy='cos' or anneal_strategy='linear'."
            )
        self._anneal_strategy = anneal_strategy
        self._choose_anneal_func()
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(
                f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}"
                ". Fix: pass anneal_epochs as an int >= 0."
            )
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _cos_weight(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _linear_weight(t: float) -> float:
        return t

    def _choose_anneal_func(self) -> None:
        self.anneal_func = (
            self._cos_weight if self._anneal_strategy == "cos" else self._linear_weight
        )

    def state_dict(self) -> dict[str, Any]:
        """The attributes but the optimizer and the annealing function (a method; the
        strategy's name is saved and chooses it again on loading)."""
        return {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("optimizer", "anneal_func")
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes, and the annealing function of the saved strategy."""
        super().load_state_dict(state_dict)
        self._choose_anneal_func()

    def _weight_at(self, step: float) -> Any:
        # the annealing weight after ``step`` of anneal_epochs steps, clamped to [0, 1]
        return self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))

    def get_lr(self) -> list[Any]:
        self._warn_outside_step()
        # Counted by the steps taken, not last_epoch (step(epoch) does not move the schedule)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        before, now = self._weight_at(step - 1), self._weight_at(step)
        lrs = []
        for group in self.optimizer.param_groups:
            target = group["swa_lr"]
            # The lr the annealing started from: the current lr with the last mix undone
            start = target if before == 1 else (group["lr"] - before * target) / (1 - before)
            lrs.append(target * now + start * (1 - now))
        return lrs
