"""Optimizers and learning-rate schedules with the API of ``torch.optim``.

>>> import arraygrad
>>> w = arraygrad.tensor([3.0], requires_grad=True)
>>> opt = arraygrad.optim.SGD([w], lr=0.25)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
tensor([0.7500], requires_grad=True)
"""

from __future__ import annotations

from arraygrad.optim import lr_scheduler, swa_utils
from arraygrad.optim.adadelta import Adadelta
from arraygrad.optim.adafactor import Adafactor
from arraygrad.optim.adagrad import Adagrad
from arraygrad.optim.adam import Adam, AdamW
from arraygrad.optim.adam_variants import Adamax, NAdam, RAdam
from arraygrad.optim.asgd import ASGD
from arraygrad.optim.lbfgs import LBFGS
from arraygrad.optim.muon import Muon
from arraygrad.optim.optimizer import Optimizer
from arraygrad.optim.rmsprop import RMSprop
from arraygrad.optim.rprop import Rprop
from arraygrad.optim.sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Muon",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
    "swa_utils",
]

# Importing a module of this package binds its name here; torch.optim unbinds its modules
# (``torch.optim.adam`` raises AttributeError), so these are unbound too. Import them by their
# full path (``from arraygrad.optim.optimizer import ...``).
for _module in (
    "adadelta",
    "adafactor",
    "adagrad",
    "adam",
    "adam_variants",
    "asgd",
    "lbfgs",
    "muon",
    "optimizer",
    "rmsprop",
    "rprop",
    "sgd",
):
    del globals()[_module]
del _module
