"""``arraygrad.utils.hooks`` against ``torch.utils.hooks``: one ``RemovableHandle`` class for
every hook table (modules, tensors, ``grad_fn`` nodes, optimizers), with PyTorch's ids, weak
references, extra tables, context manager and pickling, and the serialization warnings."""

from __future__ import annotations

import pickle
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch
import torch.utils.hooks

import arraygrad as ag
import arraygrad.utils.hooks


def _same(program: Callable[[Any], Any]) -> Any:
    mine, theirs = program(ag), program(torch)
    assert mine == theirs
    return mine


def test_handle_removes_from_its_tables() -> None:
    def program(lib: Any) -> Any:
        handle_class = lib.utils.hooks.RemovableHandle
        hooks: OrderedDict[int, Any] = OrderedDict()
        extra: OrderedDict[int, Any] = OrderedDict()
        first = handle_class(hooks)
        second = handle_class(hooks, extra_dict=extra)
        third = handle_class(hooks, extra_dict=[extra, OrderedDict()])
        record = [second.id - first.id, third.id - second.id, len(third.extra_dict_ref)]
        hooks[first.id], hooks[second.id], extra[second.id] = "f", "s", "s"
        with second as entered:
            record.append(entered is second)
        record += [list(hooks.values()), list(extra.values())]
        first.remove()
        first.remove()  # a second removal does nothing
        record.append(list(hooks.values()))
        gone = handle_class(OrderedDict())
        gone.remove()  # its table is gone: nothing to do
        try:
            handle_class({})
        except TypeError as error:
            record.append(str(error))
        return record

    _same(program)


def test_handle_state_and_pickling() -> None:
    def program(lib: Any) -> Any:
        handle_class = lib.utils.hooks.RemovableHandle
        hooks: OrderedDict[int, Any] = OrderedDict()
        extra: OrderedDict[int, Any] = OrderedDict()
        handle = handle_class(hooks, extra_dict=extra)
        state = handle.__getstate__()
        restored = handle_class.__new__(handle_class)
        restored.__setstate__((hooks, handle.id + 1000))
        plain = handle_class(hooks).__getstate__()
        loaded = pickle.loads(pickle.dumps(handle))
        return [
            state[1] == handle.id,
            state[0] is hooks,
            state[2][0] is extra,
            len(plain),
            restored.id - handle.id,
            restored.hooks_dict_ref() is hooks,
            restored.extra_dict_ref,
            handle_class.next_id > restored.id,
            loaded.id == handle.id,
        ]

    _same(program)


def test_every_register_method_returns_the_one_handle_class() -> None:
    def program(lib: Any) -> Any:
        handle_class = lib.utils.hooks.RemovableHandle
        leaf = lib.tensor([1.0, 2.0], requires_grad=True)
        y = leaf * 2
        model = lib.nn.Linear(2, 2)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        handles = [
            leaf.register_hook(lambda g: g),
            y.register_hook(lambda g: g),
            y.grad_fn.register_hook(lambda gi, go: None),
            y.grad_fn.register_prehook(lambda go: None),
            y.grad_fn.next_functions[0][0].register_hook(lambda gi, go: None),
            leaf.register_post_accumulate_grad_hook(lambda t: None),
            model.register_forward_hook(lambda *a: None),
            model.register_forward_pre_hook(lambda *a: None, with_kwargs=True),
            model.register_full_backward_hook(lambda *a: None),
            opt.register_step_post_hook(lambda *a: None),
        ]
        return [isinstance(handle, handle_class) for handle in handles]

    assert all(_same(program))


def test_tensor_hooks_removed_through_their_handles() -> None:
    # The same function registered twice is two hooks; each handle removes its own.
    def program(lib: Any) -> Any:
        calls: list[float] = []

        def hook(g: Any) -> None:
            calls.append(float(g.sum()))

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        first, second = x.register_hook(hook), x.register_hook(hook)
        (x * 2).sum().backward()
        first.remove()
        (x * 3).sum().backward()
        with second:
            (x * 4).sum().backward()
        (x * 5).sum().backward()
        y = x * 1.0
        handle = y.register_hook(hook)
        with handle:
            (y * 6).sum().backward(retain_graph=True)
        (y * 7).sum().backward()
        return calls

    _same(program)


def test_unserializable_hook_and_warn_if_has_hooks() -> None:
    def program(lib: Any) -> Any:
        hooks = lib.utils.hooks

        def plain(g: Any) -> Any:
            return g

        def marked(g: Any) -> Any:
            return g

        marked_result = hooks.unserializable_hook(marked)
        record: list[Any] = [marked_result is marked, marked.__torch_unserializable__]
        for hook in (plain, marked):
            for leaf in (True, False):
                x = lib.tensor([1.0], requires_grad=True)
                target = x if leaf else x * 2
                target.register_hook(hook)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    hooks.warn_if_has_hooks(target)
                record.append(
                    [(w.category.__name__, str(w.message).split(" on tensor")[1]) for w in caught]
                )
        return record

    _same(program)
