"""``arraygrad.backends``: the switches PyTorch scripts flip before training
(``torch.backends.cudnn.benchmark = True``, ``torch.backends.cuda.matmul.allow_tf32 = True``)
and the questions they ask (``torch.backends.mps.is_available()``).

arraygrad computes on its array library (NumPy, or CuPy on a GPU) and calls none of the
libraries these switches tune (cuDNN, cuBLAS's TensorFloat-32 modes, oneDNN, MPS). So every
flag holds what is set, for the script to read back, with PyTorch's defaults and checks, and
changes no result; each module's docstring says what arraygrad does instead.

>>> import arraygrad
>>> arraygrad.backends.cudnn.is_available(), arraygrad.backends.mps.is_available()
(False, False)
"""

from __future__ import annotations

from arraygrad.backends import cpu, cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkldnn", "mps", "openmp"]
