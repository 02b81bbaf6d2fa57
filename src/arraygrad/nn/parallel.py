"""``nn.parallel.DataParallel`` (also ``nn.DataParallel``) as PyTorch runs it on a machine without
GPUs: it keeps no devices and calls the wrapped module itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad.nn.modules.module import Module as _Module

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from arraygrad.nn.modules.module import Module

__all__ = ["DataParallel"]


class DataParallel(_Module):
    """Wrap ``module`` to split each batch over GPUs along ``dim``. With no GPU (arraygrad's
    case, and PyTorch's on a CPU-only machine) there is nothing to split over: ``device_ids``
    is ``[]`` whatever is asked, ``output_device`` and ``dim`` are unused, and ``forward`` is
    ``module(*inputs, **kwargs)``. The module is the child ``module``, so the state_dict's keys
    are its own prefixed ``module.``, as in checkpoints saved from a DataParallel model.

    >>> import arraygrad
    >>> model = arraygrad.nn.DataParallel(arraygrad.nn.Linear(4, 2))
    >>> model(arraygrad.zeros(3, 4)).shape
    arraygrad.Size([3, 2])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[Any] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
