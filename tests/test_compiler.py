"""``arraygrad.compiler``: the ``torch.compiler`` functions that mean something for
``arraygrad.compile``."""

from __future__ import annotations

import torch

import arraygrad as ag


def test_is_compiling_inside_the_trace_only() -> None:
    seen = []

    @ag.compile
    def step(x: ag.Tensor) -> ag.Tensor:
        seen.append((ag.compiler.is_compiling(), ag.compiler.is_dynamo_compiling()))
        return x * 2

    assert not ag.compiler.is_compiling() and not ag.compiler.is_exporting()
    assert step(ag.ones(2)).tolist() == [2.0, 2.0]
    assert step(ag.ones(2)).tolist() == [2.0, 2.0]  # replayed: the Python body does not run
    assert seen == [(True, True)]


def test_reset_makes_compiled_functions_trace_again() -> None:
    @ag.compile
    def step(x: ag.Tensor) -> ag.Tensor:
        return x + 1

    step(ag.ones(2))
    step(ag.ones(2))
    assert step.traces == 1
    ag.compiler.reset()
    assert step.traces == 0
    assert step(ag.ones(2)).tolist() == [2.0, 2.0]
    assert step.traces == 1


def test_passthrough_decorators() -> None:
    def f(x: ag.Tensor) -> ag.Tensor:
        return x * 3

    assert ag.compiler.disable(f) is f
    assert ag.compiler.disable(recursive=False)(f) is f
    assert ag.compiler.allow_in_graph(f) is f
    assert ag.compiler.assume_constant_result(f) is f
    compiled = ag.compile(lambda x: ag.compiler.disable(f)(x) + 1)
    assert compiled(ag.ones(1)).tolist() == [4.0]


def test_list_backends_are_torchs_names() -> None:
    assert ag.compiler.list_backends() == torch.compiler.list_backends()
    every = ag.compiler.list_backends(exclude_tags=())
    assert set(every) <= set(torch.compiler.list_backends(exclude_tags=()))
    for backend in every:
        ag.compile(lambda x: x, backend=backend)  # each is accepted
