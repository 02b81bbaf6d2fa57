"""Discrete Fourier transform primitives: each one statement, its forward beside its VJP.

The transforms are linear, so each rule is the adjoint of its transform (in PyTorch's complex
convention, ``g`` mapped by the conjugate transpose): the complex transform's is the transform
in the other direction with the dual normalisation; the real-input transform (``r2c``) and its
adjoint are each other's rules, and so are the real-output one (``c2r``) and its adjoint, so
that gradients of gradients are transforms too. The raw transforms are in
``_backend/fourier.py``.
"""

from __future__ import annotations

from arraygrad._primitive import Primitive

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}

fft_c2c = Primitive(
    "fft_c2c",
    backward_name="FftC2CBackward0",
    forward=lambda xp, x, *, axes, norm, inverse: xp.fft_c2c(
        x, axes=axes, norm=norm, inverse=inverse
    ),
    vjp=(
        lambda ns, g, out, x, *, axes, norm, inverse: ns.fft_c2c(
            g, axes=axes, norm=_DUAL[norm], inverse=not inverse
        ),
    ),
    reads_inputs=False,
)
fft_r2c = Primitive(
    "fft_r2c",
    backward_name="FftR2CBackward0",
    forward=lambda xp, x, *, axes, norm: xp.fft_r2c(x, axes=axes, norm=norm),
    vjp=(
        lambda ns, g, out, x, *, axes, norm: ns.fft_r2c_adjoint(
            g, axes=axes, norm=norm, last_size=x.shape[axes[-1]]
        ),
    ),
    reads_inputs=False,
)
fft_r2c_adjoint = Primitive(
    "fft_r2c_backward",
    forward=lambda xp, g, *, axes, norm, last_size: xp.fft_r2c_adjoint(
        g, axes=axes, norm=norm, last_size=last_size
    ),
    vjp=(lambda ns, h, out, g, *, axes, norm, last_size: ns.fft_r2c(h, axes=axes, norm=norm),),
    reads_inputs=False,
)
fft_c2r = Primitive(
    "fft_c2r",
    backward_name="FftC2RBackward0",
    forward=lambda xp, x, *, axes, norm, last_size: xp.fft_c2r(
        x, axes=axes, norm=norm, last_size=last_size
    ),
    vjp=(
        lambda ns, g, out, x, *, axes, norm, last_size: ns.fft_c2r_adjoint(g, axes=axes, norm=norm),
    ),
    reads_inputs=False,
)
fft_c2r_adjoint = Primitive(
    "fft_c2r_backward",
    forward=lambda xp, h, *, axes, norm: xp.fft_c2r_adjoint(h, axes=axes, norm=norm),
    vjp=(
        lambda ns, g, out, h, *, axes, norm: ns.fft_c2r(
            g, axes=axes, norm=norm, last_size=h.shape[axes[-1]]
        ),
    ),
    reads_inputs=False,
)

__all__ = ["fft_c2c", "fft_c2r", "fft_c2r_adjoint", "fft_r2c", "fft_r2c_adjoint"]
