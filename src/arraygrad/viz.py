"""Pictures of computation graphs: Graphviz DOT source, rendered SVG/PNG, and Jupyter display.

:func:`to_dot` needs nothing installed: it returns DOT text. :func:`render` and :func:`to_svg`
run Graphviz's ``dot`` program when it is on the ``PATH``. In Jupyter, a tensor that was
computed from tensors requiring grad displays as its graph (where Graphviz is installed).

The picture reads top to bottom in the forward direction: leaves (blue, named by ``params``),
constants (grey), operations (boxes: the backward node's name, the op, the output's shape and
dtype), down to the output (bold). After ``backward()``, leaves show their ``.grad`` (its norm
when it has several elements)
(and so do intermediate tensors on which ``retain_grad()`` was called).

>>> import arraygrad
>>> w = arraygrad.tensor(2.0, requires_grad=True)
>>> print(to_dot(w * 3, params={"w": w}).splitlines()[0])
digraph arraygrad {
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype
from arraygrad._node import Node, reachable
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from pathlib import Path

# shutil, subprocess and pathlib are imported where a graph is rendered: they are about 11 ms of
# `import arraygrad`, a sixth of its own import time, for a program that never draws one.

__all__ = ["GraphvizNotFoundError", "render", "to_dot", "to_svg"]

INSTALL_HINT = (
    "Install Graphviz, which provides it: `apt-get install graphviz` (Debian/Ubuntu), "
    "`dnf install graphviz` (Fedora), `brew install graphviz` (macOS), `conda install graphviz` "
    "or https://graphviz.org/download/ (Windows). arraygrad.viz.to_dot() gives the DOT source "
    "without it (paste it into any Graphviz viewer)."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` executable is needed to render a graph and is not installed."""


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _dtype_name(native: Any) -> str:
    try:
        return _dtype.from_xp(native).name
    except (KeyError, TypeError, ValueError):
        return str(native)


def _norm(tensor: Tensor) -> float:
    xp = _backend.xp
    values = xp.astype(tensor._data, xp.float64)
    return float(xp.sqrt(xp.sum(values * values)))


def _grad_text(grad: Tensor) -> str:
    """A gradient's value when it is one number, else its norm."""
    if grad.numel() == 1:
        return f"grad = {float(_backend.item(grad._data)):.4g}"
    return f"‖grad‖ = {_norm(grad):.4g}"


class _Graph:
    """Collects the DOT statements of one graph."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.lines: list[str] = []
        self.ids: dict[int, str] = {}
        self.dtypes: dict[int, str] = {}

    def ident(self, obj: Any) -> str:
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids)}"
        return self.ids[key]

    def node(self, ident: str, label: str, **attrs: str) -> None:
        extra = "".join(f', {k}="{_escape(v)}"' for k, v in attrs.items())
        self.lines.append(f'  {ident} [label="{_escape(label)}"{extra}];')

    def edge(self, source: str, target: str, label: str = "") -> None:
        extra = f' [label="{_escape(label)}"]' if label else ""
        self.lines.append(f"  {source} -> {target}{extra};")

    def node_dtype(self, node: Node) -> str:
        """The output dtype of ``node``: saved output, cast target, or its inputs' dtype."""
        key = id(node)
        if key in self.dtypes:
            return self.dtypes[key]
        found = "?"
        if node.out is not None:
            found = _dtype_name(node.out.dtype)
        elif node.prim.name == "to_copy" and "dtype" in node.params:
            found = _dtype_name(node.params["dtype"])
        else:
            for value in node.inputs or ():
                dtype = getattr(value, "dtype", None)
                if dtype is not None:
                    found = dtype.name if isinstance(value, Tensor) else _dtype_name(dtype)
                    break
            else:
                for edge in node.edges:
                    if edge.__class__ is Node:
                        found = self.node_dtype(edge)  # type: ignore[arg-type]
                        break
                    if isinstance(edge, Tensor):
                        found = edge.dtype.name
                        break
        self.dtypes[key] = found
        return found

    def leaf(self, tensor: Tensor, constant: bool) -> str:
        ident = self.ident(tensor)
        if any(line.startswith(f"  {ident} [") for line in self.lines):
            return ident
        name = self.names.get(id(tensor), "constant" if constant else "leaf")
        label = f"{name}\n{list(tensor.shape)} {tensor.dtype.name}"
        if not constant and tensor._grad is not None:
            label += "\n" + _grad_text(tensor._grad)
        if constant and tensor.numel() <= 4:
            label += "\n" + str(_backend.to_list(tensor._data))
        style = (
            {"shape": "ellipse", "style": "filled", "fillcolor": "#eeeeee", "color": "#888888"}
            if constant
            else {"shape": "ellipse", "style": "filled", "fillcolor": "#cfe2ff"}
        )
        self.node(ident, label, **style)
        return ident


def to_dot(output: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """Graphviz DOT source of the graph that computed ``output`` (no Graphviz needed).

    ``params`` maps names to tensors (``{"w": w}``, or ``dict(model.named_parameters())``);
    those tensors are labelled by name. Operations show the backward node's name, the op, the
    output shape and dtype; leaves show ``‖grad‖`` once ``backward()`` has filled ``.grad``.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"to_dot expects a Tensor, got {type(output).__name__}")
    graph = _Graph({id(t): name for name, t in (params or {}).items()})
    graph.lines.append("digraph arraygrad {")
    graph.lines.append('  graph [rankdir=TB, fontname="Helvetica", labelloc=t,')
    graph.lines.append('         label="forward: top to bottom; backward runs bottom to top"];')
    graph.lines.append('  node [fontname="Helvetica", fontsize=11];')
    graph.lines.append('  edge [fontname="Helvetica", fontsize=9];')
    root = output._node
    if root is None:
        graph.leaf(output, constant=not output.requires_grad)
        graph.lines.append("}")
        return "\n".join(graph.lines) + "\n"
    for node in reachable([root]):
        ident = graph.ident(node)
        label = f"{node.name()}\n{node.prim.name}\n{list(node.shape)} {graph.node_dtype(node)}"
        attrs = {"shape": "box", "style": "filled", "fillcolor": "#fff3cd"}
        retained = node.retained() if node.retained is not None else None
        if retained is not None and retained._grad is not None:
            label += "\n" + _grad_text(retained._grad)
        if node is root:
            label = f"output\n{label}"
            attrs.update(penwidth="2.5", fillcolor="#d1e7dd")
        graph.node(ident, label, **attrs)
        inputs = node.inputs or ()
        for position, edge in enumerate(node.edges):
            if edge is None:
                value = inputs[position] if position < len(inputs) else None
                if isinstance(value, Tensor):
                    graph.edge(graph.leaf(value, constant=True), ident)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    const = f"{ident}_c{position}"
                    graph.node(const, f"{value:g}", shape="plaintext")
                    graph.edge(const, ident)
                continue
            if edge.__class__ is Node:
                graph.edge(graph.ident(edge), ident)
            else:
                graph.edge(graph.leaf(edge, constant=False), ident)  # type: ignore[arg-type]
    graph.lines.append("}")
    return "\n".join(graph.lines) + "\n"


def _dot_executable() -> str:
    import shutil

    found = shutil.which("dot")
    if found is None:
        raise GraphvizNotFoundError(
            "Rendering a graph needs Graphviz's `dot` program, which was not found on the PATH. "
            + INSTALL_HINT
        )
    return found


def _run_dot(source: str, fmt: str) -> bytes:
    import subprocess

    result = subprocess.run(
        [_dot_executable(), f"-T{fmt}"],
        input=source.encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"Graphviz's dot failed (exit status {result.returncode}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout


def render(
    output: Tensor,
    path: str | Path,
    params: Mapping[str, Tensor] | None = None,
    format: str | None = None,
) -> Path:
    """Draw the graph of ``output`` to ``path`` (``.svg``, ``.png`` or ``.pdf``) with Graphviz.

    The format comes from the file's suffix unless ``format`` is given. Raises
    :class:`GraphvizNotFoundError`, which says how to install Graphviz, when ``dot`` is missing.
    """
    from pathlib import Path

    target = Path(path)
    fmt = (format or target.suffix.lstrip(".")).lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(
            f"render: cannot tell the image format from {str(target)!r}. Fix: use a .svg, .png "
            "or .pdf file name, or pass format='svg'."
        )
    data = _run_dot(to_dot(output, params), fmt)
    target.write_bytes(data)
    return target


def to_svg(output: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The graph of ``output`` as SVG text (needs Graphviz)."""
    return _run_dot(to_dot(output, params), "svg").decode()


def repr_svg(tensor: Tensor) -> str | None:
    """SVG for Jupyter's rich display: the graph, or ``None`` (plain repr) when there is no
    graph to draw or Graphviz is not installed."""
    import shutil

    if tensor._node is None or shutil.which("dot") is None:
        return None
    try:
        return to_svg(tensor)
    except RuntimeError:
        return None


def graph_size(output: Tensor) -> int:
    """The number of operation nodes in the graph of ``output``."""
    if output._node is None:
        return 0
    stack, seen = [output._node], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(e for e in node.edges if e.__class__ is Node)  # type: ignore[misc]
    return len(seen)
