"""``arraygrad.viz``: DOT source without dependencies, rendering through Graphviz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import arraygrad as ag
from arraygrad import viz


def seed_loss() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    x = ag.tensor([1, 2, 3, 4], dtype=ag.float32)
    y = ag.tensor([2, 4, 6, 8], dtype=ag.float32)
    w = ag.tensor(0.0, dtype=ag.float32, requires_grad=True)
    return ((w * x - y) ** 2).mean(), {"w": w, "x": x, "y": y}


def test_dot_shows_ops_shapes_dtypes_and_names() -> None:
    loss, params = seed_loss()
    dot = viz.to_dot(loss, params)
    assert dot.startswith("digraph arraygrad {") and dot.rstrip().endswith("}")
    for text in ("MeanBackward0", "PowBackward0", "SubBackward0", "MulBackward0"):
        assert text in dot
    assert "[4] float32" in dot and "[] float32" in dot
    assert 'label="w\\n[] float32"' in dot
    assert "x\\n[4] float32" in dot and "y\\n[4] float32" in dot
    assert dot.count(" -> ") == 7  # w, x -> mul -> sub <- y; sub, 2 -> pow -> mean


def test_dot_shows_gradient_norms_after_backward() -> None:
    loss, params = seed_loss()
    loss.backward()
    dot = viz.to_dot(loss, params)
    assert "grad = -30" in dot
    a = ag.tensor([3.0, 4.0], requires_grad=True)
    h = a * 1.0
    h.retain_grad()
    (h * h).sum().backward()
    assert "‖grad‖ = 10" in viz.to_dot((h * h).sum(), {"a": a})


def test_render_without_graphviz_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    loss, _ = seed_loss()
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.render(loss, tmp_path / "g.svg")
    assert loss._repr_svg_() is None
    with pytest.raises(ValueError, match="svg"):
        viz.render(loss, tmp_path / "g.txt")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_svg_and_png(tmp_path: Path) -> None:
    loss, params = seed_loss()
    svg = viz.render(loss, tmp_path / "graph.svg", params)
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "MulBackward0" in svg.read_text()
    png = viz.render(loss, tmp_path / "graph.png", params)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in loss._repr_svg_()
    assert ag.tensor(1.0)._repr_svg_() is None  # a leaf has no graph to draw
