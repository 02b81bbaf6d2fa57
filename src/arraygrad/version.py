"""``arraygrad.version``: what ``print(torch.__version__, torch.version.cuda)`` prints.

``cuda`` and ``hip`` are ``None``: arraygrad is not built against a GPU toolkit (on CuPy, the
toolkit is CuPy's, ``cupy.cuda.runtime.runtimeGetVersion()``).

>>> import arraygrad
>>> arraygrad.version.__version__ == arraygrad.__version__, arraygrad.version.cuda
(True, None)
"""

from __future__ import annotations

__all__ = ["__version__", "cuda", "debug", "git_version", "hip"]

__version__ = "0.1.0"
#: The toolkits arraygrad is built against: none.
cuda: str | None = None
hip: str | None = None
#: Not a debug build.
debug = False
#: The commit arraygrad was built from: not recorded (it is installed from its sources).
git_version = "Unknown"
