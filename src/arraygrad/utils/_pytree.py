"""``torch.utils._pytree``: nested containers of values, flattened to their leaves and rebuilt.

One implementation, :mod:`arraygrad._pytree` (which :mod:`arraygrad.func` and ``vmap`` use),
under PyTorch's module name, for libraries that walk nested inputs and outputs with it.

>>> from arraygrad.utils._pytree import tree_map
>>> tree_map(lambda x: x * 2, {"a": [1, 2], "b": (3,)})
{'a': [2, 4], 'b': (6,)}
"""

from __future__ import annotations

from arraygrad import _pytree
from arraygrad._pytree import *  # noqa: F403 - the one implementation's public names

__all__ = list(_pytree.__all__)
