"""Inference tensors: what ``inference_mode`` makes and what PyTorch refuses to do with them.

Each test runs the same code on torch 2.13.0 and on arraygrad (``lib``) and compares what each
gives: values, flags, and for a refusal the exception class (and the start of the message,
PyTorch's own words).
"""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, gradcheck

LIBS = [torch, ag]


def _made_inside(lib: Any, size: int) -> Any:
    with lib.inference_mode():
        return lib.arange(float(size), dtype=lib.float64)


def _outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    """``fn(lib)``, or the exception's class name and the message's first words."""
    try:
        return fn(lib)
    except (RuntimeError, TypeError) as error:
        return type(error).__name__, " ".join(str(error).split()[:5])


def _same(fn: Callable[[Any], Any]) -> Any:
    mine, theirs = _outcome(fn, ag), _outcome(fn, torch)
    assert mine == theirs
    return mine


def test_tensors_made_inside_are_inference_tensors_and_views_of_normal_ones_are_not() -> None:
    def marks(lib: Any) -> Any:
        normal = lib.ones(3, dtype=lib.float64)
        with lib.inference_mode():
            made = [
                lib.ones(3),
                lib.tensor([1.0, 2.0]),
                normal * 2,
                normal.clone(),
                lib.zeros_like(normal),
                normal.sum(),
                lib.randn(2),
            ]
            view_of_normal = normal[:2]
            detached_normal = normal.detach()
            data_of_normal = normal.data
            version = normal._version
            normal.add_(1)  # a normal tensor written inside stays normal, and counts the write
            written = (normal.is_inference(), normal._version - version)
        inference = made[0]
        return (
            [t.is_inference() for t in made],
            view_of_normal.is_inference(),
            detached_normal.is_inference(),
            data_of_normal.is_inference(),
            written,
            # made outside from an inference tensor: views, detach() and .data are inference
            # tensors, results of ops and clones are not
            inference[1:].is_inference(),
            inference.reshape(3, 1).is_inference(),
            inference.detach().is_inference(),
            inference.data.is_inference(),
            (inference * 2).is_inference(),
            inference.clone().is_inference(),
            lib.is_inference(inference),
            lib.ones(2).is_inference(),
        )

    assert _same(marks) == (
        [True] * 7,
        False,
        False,
        False,
        (False, 1),
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        False,
    )


def test_is_inference_of_a_non_tensor_raises_a_type_error_as_in_pytorch() -> None:
    assert _same(lambda lib: lib.is_inference(1.0))[0] == "TypeError"


def test_inference_mode_false_inside_makes_normal_tensors_again() -> None:
    def inner(lib: Any) -> Any:
        with lib.inference_mode(), lib.inference_mode(False):
            w = lib.ones(2, requires_grad=True)
            y = w * 2
            return w.is_inference(), y.is_inference(), y.requires_grad

    assert _same(inner) == (False, False, True)


def test_enable_grad_inside_inference_mode_records_nothing() -> None:
    def modes(lib: Any) -> Any:
        w = lib.ones(2, requires_grad=True)
        seen = []

        @lib.enable_grad()
        def decorated() -> Any:
            return lib.is_grad_enabled(), (w * 2).requires_grad

        with lib.inference_mode():
            with lib.enable_grad():
                y = w * 2
                seen.append((lib.is_grad_enabled(), y.requires_grad, y.is_inference()))
                with lib.no_grad():
                    seen.append(lib.is_grad_enabled())
                seen.append(lib.is_grad_enabled())
                with lib.inference_mode(False):  # records again: a normal tensor
                    z = w * 2
                    seen.append((z.requires_grad, z.is_inference()))
            with lib.set_grad_enabled(True):
                seen.append((lib.is_grad_enabled(), (w * 2).requires_grad))
            seen.append(decorated())
            seen.append(lib.is_grad_enabled())
        seen.append((lib.is_grad_enabled(), (w * 2).requires_grad))
        return seen

    assert _same(modes) == [
        (True, False, True),
        False,
        True,
        (True, False),
        (True, False),
        (True, False),
        False,
        (True, True),
    ]


_INPLACE: dict[str, Callable[[Any], Any]] = {
    "add_": lambda t: t.add_(1),
    "mul_ by a tensor": lambda t: t.mul_(t.new_full((3,), 2.0)),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(7.0),
    "copy_": lambda t: t.copy_(t.new_full((3,), 5.0)),
    "clamp_": lambda t: t.clamp_(0.5, 1.5),
    "setitem": lambda t: t.__setitem__(0, 9.0),
    "setitem with an index tensor": lambda t: t.__setitem__(
        t.new_tensor([0, 2]).long(), t.new_full((2,), 4.0)
    ),
    "index_add_": lambda t: t.index_add_(0, t.new_tensor([1]).long(), t.new_ones(1)),
    "view then add_": lambda t: t[:2].add_(1),
    "unsqueeze_": lambda t: t.unsqueeze_(0),
    "resize_": lambda t: t.resize_(4),
    "set_": lambda t: t.set_(t.new_zeros(2)),
}


@pytest.mark.parametrize("name", list(_INPLACE))
def test_an_in_place_write_outside_inference_mode_is_refused_as_in_pytorch(name: str) -> None:
    write = _INPLACE[name]

    def written(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        try:
            write(inference)
        except RuntimeError as error:
            message = " ".join(str(error).split()[:8])
        else:
            message = None
        # Refused once the values are written, as PyTorch's version bump refuses them; the
        # tensor is still usable (an inference tensor, its values readable, ops on it work).
        after = inference.clone()[:3]  # (resize_'s new element: uninitialised in PyTorch)
        return message, after.tolist(), inference.is_inference(), (inference * 2)[:3].tolist()

    message, *_ = _same(written)
    assert message == "Inplace update to inference tensor outside InferenceMode is"


@pytest.mark.parametrize("name", ["add_", "setitem", "view then add_", "set_", "unsqueeze_"])
def test_in_place_writes_inside_inference_mode_and_under_no_grad(name: str) -> None:
    write = _INPLACE[name]

    def written(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        with lib.inference_mode():
            write(inference)  # allowed inside
            inside = inference.clone().tolist()
        with lib.no_grad():  # no_grad is not inference mode: still refused
            try:
                write(inference)
                refused = None
            except RuntimeError as error:
                refused = type(error).__name__
        return inside, refused

    assert _same(written)[1] == "RuntimeError"


def test_detach_and_data_of_an_inference_tensor_may_be_written_in_place() -> None:
    def written(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        inference.detach().add_(1)
        inference.data.mul_(2)
        return inference.tolist(), inference.detach()._version

    assert _same(written) == ([2.0, 4.0, 6.0], 0)


def test_writes_inside_the_mode_to_detach_of_an_inference_tensor_count_no_version() -> None:
    # detach() and .data of an inference tensor made outside the mode count versions, but
    # PyTorch counts none of the writes made to them inside the mode
    def written(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        detached, data = inference.detach(), inference.data
        versions = []
        for tensor in (detached, data):
            tensor.add_(1)
            with lib.inference_mode():
                tensor.add_(1)
                tensor[0] = 5.0
                tensor.mul_(2)
                versions.append(tensor._version)
            tensor.sub_(1)
            versions.append(tensor._version)
        grown = inference.detach()
        with lib.inference_mode():
            grown.set_(lib.zeros(2, dtype=lib.float64))  # (set_ inside keeps the version)
        return versions, grown._version, inference.tolist()

    assert _same(written) == ([1, 2, 1, 2], 0, [9.0, 13.0, 17.0])


def test_views_of_detach_and_data_of_an_inference_tensor_keep_no_version() -> None:
    # detach() and .data of an inference tensor count versions, but views of them, made in
    # the mode or out of it, keep none (as every view of an inference tensor): their
    # _version and in-place writes outside the mode are refused.
    def views(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        detached, data = inference.detach(), inference.data
        with lib.inference_mode():
            inside = detached[1:]
        return (
            [view.is_inference() for view in (detached[1:], data.view(3), inside)],
            _outcome(lambda _: detached[1:]._version, lib),
            _outcome(lambda _: inside._version, lib),
            _outcome(lambda _: data[:2].add_(1), lib),
            inference.tolist(),  # written all the same, as PyTorch checks after the write
        )

    versions = ("RuntimeError", "Inference tensors do not track")
    refused = ("RuntimeError", "Inplace update to inference tensor")
    assert _same(views) == ([True] * 3, versions, versions, refused, [1.0, 2.0, 2.0])


def test_detach_and_data_of_an_inference_tensor_made_inside_the_mode_keep_no_version() -> None:
    def made(lib: Any) -> Any:
        inference = _made_inside(lib, 3)
        with lib.inference_mode():
            detached, data = inference.detach(), inference.data
            inside = [_outcome(lambda _, t=t: t._version, lib) for t in (detached, data)]
        return (
            inside,
            _outcome(lambda _: detached.add_(1), lib),
            _outcome(lambda _: data.mul_(2), lib),
            inference.tolist(),
        )

    versions = ("RuntimeError", "Inference tensors do not track")
    refused = ("RuntimeError", "Inplace update to inference tensor")
    assert _same(made) == ([versions] * 2, refused, refused, [2.0, 4.0, 6.0])


def test_deep_copies_and_unpickled_tensors_made_inside_are_inference_tensors() -> None:
    def copies(lib: Any) -> Any:
        normal, inference = lib.ones(2), _made_inside(lib, 2)
        with lib.inference_mode():
            made = [
                copy.deepcopy(normal),
                copy.deepcopy(inference),
                pickle.loads(pickle.dumps(normal)),
            ]
        outside = copy.deepcopy(inference)  # a normal tensor, as in PyTorch
        return (
            [t.is_inference() for t in made],
            _outcome(lambda _: made[0].add_(1), lib),
            outside.is_inference(),
        )

    refused = ("RuntimeError", "Inplace update to inference tensor")
    assert _same(copies) == ([True] * 3, refused, False)


def test_version_of_an_inference_tensor_is_refused_in_and_out_of_the_mode() -> None:
    def versions(lib: Any) -> Any:
        inference = _made_inside(lib, 2)
        with lib.inference_mode():
            inside = _outcome(lambda _: inference._version, lib)
        return inside, _outcome(lambda _: inference[:1]._version, lib)

    inside, view = _same(versions)
    assert inside == view == ("RuntimeError", "Inference tensors do not track")


@pytest.mark.parametrize(
    "expression",
    [
        "i * w",
        "w * i",
        "w.exp() * i",
        "i @ w",
        "w ** i",
        "torch_nn(i, w)",
        "w.clone().mul_(i)",
    ],
)
def test_saving_an_inference_tensor_for_backward_is_refused(expression: str) -> None:
    def saved(lib: Any) -> Any:
        i = _made_inside(lib, 3)
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        scope = {"i": i, "w": w, "torch_nn": lambda x, y: lib.nn.functional.linear(x, y[None])}
        try:
            eval(expression, scope)
        except RuntimeError as error:
            return " ".join(str(error).split()[:6])
        return None

    assert _same(saved) == "Inference tensors cannot be saved for"


@pytest.mark.parametrize("expression", ["i + w", "i.exp() * w", "w - i", "lib.cat([i, w])"])
def test_an_inference_tensor_whose_value_backward_does_not_read_is_fine(expression: str) -> None:
    def used(lib: Any) -> Any:
        i = _made_inside(lib, 3)
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        y = eval(expression, {"i": i, "w": w, "lib": lib})
        y.sum().backward()
        return y.is_inference(), y.tolist(), w.grad.tolist()

    assert _same(used)[0] is False


def test_no_grad_records_nothing_so_an_inference_tensor_may_meet_one_that_requires_grad() -> None:
    def used(lib: Any) -> Any:
        i = _made_inside(lib, 3)
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            y = i * w
        return y.requires_grad, y.is_inference(), y.tolist()

    assert _same(used) == (False, False, [0.0, 1.0, 2.0])


def test_a_custom_function_may_not_save_an_inference_tensor_when_recorded() -> None:
    def saving(lib: Any) -> Any:
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any, scale: Any) -> Any:
                ctx.save_for_backward(scale)
                return x * scale

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                (scale,) = ctx.saved_tensors
                return grad * scale, None

        i = _made_inside(lib, 3)
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        unrecorded = Scale.apply(lib.ones(3, dtype=lib.float64), i).tolist()
        with lib.inference_mode():
            inside = Scale.apply(w, i).is_inference()
        return unrecorded, inside, _outcome(lambda _: Scale.apply(w, i), lib)

    assert _same(saving)[2][1] == "Inference tensors cannot be saved"


def test_requires_grad_on_an_inference_tensor_outside_the_mode() -> None:
    def flags(lib: Any) -> Any:
        inference = _made_inside(lib, 2)
        refused = _outcome(lambda _: inference.requires_grad_(), lib)
        attribute = _outcome(lambda _: setattr(inference, "requires_grad", True), lib)
        parameter = _outcome(lambda _: lib.nn.Parameter(inference), lib)
        off = inference.requires_grad_(False).requires_grad
        with lib.inference_mode():
            inside = lib.ones(2).requires_grad_().requires_grad
        still = inference + 1  # usable after the refusals
        return refused, attribute, parameter, off, inside, still.tolist()

    refused, attribute, parameter, *_ = _same(flags)
    expected = ("RuntimeError", "Setting requires_grad=True on inference tensor")
    assert refused == attribute == parameter == expected


def test_set_keeps_the_mark_of_detach_of_an_inference_tensor() -> None:
    # set_ gives other memory, not another kind of tensor: detach() of an inference tensor,
    # set_ to a normal tensor's memory, is still one (and counts the write).
    def swapped(lib: Any) -> Any:
        detached = _made_inside(lib, 2).detach()
        detached.add_(1)
        detached.set_(lib.zeros(3, dtype=lib.float64))
        refused = _outcome(lambda _: detached.requires_grad_(), lib)
        return detached.is_inference(), detached._version, refused

    expected = ("RuntimeError", "Setting requires_grad=True on inference tensor")
    assert _same(swapped) == (True, 2, expected)


def test_data_assignment_carries_the_mark_as_in_pytorch() -> None:
    def assigned(lib: Any) -> Any:
        normal = lib.zeros(3, dtype=lib.float64)
        normal.data = _made_inside(lib, 3)
        inference = _made_inside(lib, 3)
        inference.data = lib.zeros(3, dtype=lib.float64)
        return normal.is_inference(), inference.is_inference(), (inference + 1).tolist()

    assert _same(assigned) == (True, False, [1.0, 1.0, 1.0])


def test_an_inference_tensor_given_normal_values_by_data_still_keeps_no_version() -> None:
    # PyTorch's .data = keeps the tensor's version counter, of which an inference tensor has
    # none: no inference tensor any more, but its version is still refused, and so are its
    # writes outside the mode, its detach()'s version and saving it for backward
    def assigned(lib: Any) -> Any:
        made = _made_inside(lib, 3)
        made.data = lib.zeros(3, dtype=lib.float64)
        with lib.inference_mode():
            made.add_(1)
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        outcomes = [
            _outcome(lambda _: made._version, lib),
            _outcome(lambda _: made.add_(1), lib),
            _outcome(lambda _: made.detach()._version, lib),
            _outcome(lambda _: (made * w).tolist(), lib),
        ]
        return made.is_inference(), outcomes, made.tolist(), made.data._version

    versions = ("RuntimeError", "Inference tensors do not track")
    refused = ("RuntimeError", "Inplace update to inference tensor")
    expected = (False, [versions, refused, versions, versions], [2.0, 2.0, 2.0], 0)
    assert _same(assigned) == expected


@pytest.mark.parametrize(
    "view",
    ["x[0]", "x[:, 0]", "x.view(-1)", "x.t()", "x.reshape(-1)", "x.expand(2, 3, 2)", "x.unbind()"],
)
def test_a_view_of_an_inference_tensor_given_normal_values_is_refused_in_every_mode(
    view: str,
) -> None:
    # PyTorch's view creation reads the base's version, which such a tensor does not keep:
    # refused at once, in inference mode and no_grad too (arraygrad made the view)
    def viewed(lib: Any) -> Any:
        x = _made_inside(lib, 6).reshape(3, 2)
        x.data = lib.zeros(3, 2, dtype=lib.float64)
        outcomes = [_outcome(lambda _: eval(view, {"x": x}), lib)]
        for mode in (lib.inference_mode, lib.no_grad):
            with mode():
                outcomes.append(_outcome(lambda _: eval(view, {"x": x}), lib))
        detached = x.detach()  # not a view: allowed, its views are not
        outcomes.append(_outcome(lambda _: eval(view, {"x": detached}), lib))
        return outcomes, (x + 1).tolist()

    versions = ("RuntimeError", "Inference tensors do not track")
    assert _same(viewed)[0] == [versions] * 4


def test_a_view_made_inside_of_a_tensor_that_requires_grad_is_not_written_outside() -> None:
    def written(lib: Any) -> Any:
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        with lib.inference_mode():
            view = w[:2]
        try:
            view.add_(1)
        except RuntimeError as error:  # the words that say where the view was made
            return view.is_inference(), " ".join(str(error).split()[:8])
        return view.is_inference(), None

    assert _same(written) == (False, "A view was created in inference mode and")


def test_a_view_made_inside_of_a_view_made_in_no_grad_is_said_made_in_inference_mode() -> None:
    def written(lib: Any) -> Any:
        w = lib.ones(3, dtype=lib.float64, requires_grad=True).clone()
        with lib.no_grad():
            view = w[:2]
        with lib.inference_mode():
            inner = view[:1]
        with lib.no_grad():
            innermost = inner[:1]  # made in no_grad: still said made in inference mode
        words = []
        for target in (inner, innermost):
            try:
                target.add_(1)
            except RuntimeError as error:
                words.append(" ".join(str(error).split()[:8]))
        return words

    assert _same(written) == ["A view was created in inference mode and"] * 2


def test_a_model_run_inside_inference_mode_cannot_train_on_its_output() -> None:
    weights = [np.linspace(-1.0, 1.0, 6).reshape(2, 3), np.array([[0.5, -2.0]])]

    def trained(lib: Any) -> Any:
        first = lib.nn.Linear(3, 2).double()
        second = lib.nn.Linear(2, 1).double()
        with lib.no_grad():
            for layer, weight in zip((first, second), weights, strict=True):
                layer.weight.copy_(lib.tensor(weight))
                layer.bias.zero_()
        x = lib.arange(12.0, dtype=lib.float64).reshape(4, 3) / 10
        with lib.inference_mode():
            hidden = first(x)
        refused = _outcome(lambda _: second(hidden), lib)
        loss = second(hidden.clone()).pow(2).mean()  # PyTorch's fix: a clone is normal
        loss.backward()
        return (
            hidden.is_inference(),
            hidden.requires_grad,
            first.weight.is_inference(),
            refused,
            second.weight.grad.tolist(),
        )

    mine, theirs = _outcome(trained, ag), _outcome(trained, torch)
    assert mine[:4] == theirs[:4]
    assert mine[3] == ("RuntimeError", "Inference tensors cannot be saved")
    np.testing.assert_allclose(mine[4], theirs[4], rtol=1e-12)


def test_parameters_made_inside_are_inference_tensors_and_an_optimizer_step_is_refused() -> None:
    def stepped(lib: Any) -> Any:
        with lib.inference_mode():
            layer = lib.nn.Linear(2, 1).double()
        layer.bias.grad = lib.ones(1, dtype=lib.float64)
        optimizer = lib.optim.SGD([layer.bias], lr=0.5)
        before = layer.bias.tolist()
        refused = _outcome(lambda _: optimizer.step(), lib)
        return layer.weight.is_inference(), layer.weight.requires_grad, refused, before

    mine, theirs = _outcome(stepped, ag), _outcome(stepped, torch)
    refused = ("RuntimeError", "Inplace update to inference tensor")
    assert mine[:3] == theirs[:3] == (True, True, refused)


def test_load_state_dict_inside_inference_mode_copies_into_the_normal_parameters() -> None:
    def loaded(lib: Any) -> Any:
        lib.manual_seed(0)
        source = lib.nn.Linear(3, 2).double()
        buffer = io.BytesIO()
        lib.save(source.state_dict(), buffer)
        target = lib.nn.Linear(3, 2).double()
        buffer.seek(0)
        with lib.inference_mode():
            checkpoint = lib.load(buffer)
            target.load_state_dict(checkpoint)
        x = lib.ones(1, 3, dtype=lib.float64)
        target(x).sum().backward()  # trains: its parameters are normal tensors
        return (
            checkpoint["weight"].is_inference(),
            target.weight.is_inference(),
            target.weight.requires_grad,
            target.weight.tolist() == source.weight.tolist(),
            target.weight.grad.tolist(),
        )

    assert _same(loaded)[:4] == (True, False, True, True)


def test_gradients_through_a_clone_of_an_inference_tensor_match_torch() -> None:
    rng = np.random.default_rng(0)
    x, w, c = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 4))

    def through(lib: Any) -> Callable[..., Any]:
        def fn(x: Any, w: Any) -> Any:
            with lib.inference_mode():
                features = (lib.tensor(c) * 2).tanh()
            return (features.clone() @ w).sin().sum(-1, keepdim=True) * x

        return fn

    check_against_torch(through(ag), through(torch), [x, w])
    gradcheck(through(ag), [x, w])


def test_inference_tensors_in_another_thread_and_after_the_mode_in_this_one() -> None:
    import threading

    made: list[Any] = []

    def worker() -> None:
        with ag.inference_mode():
            made.append(ag.ones(2))
        made.append(ag.ones(2))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert [t.is_inference() for t in made] == [True, False]
    assert not ag.ones(2).is_inference() and not ag.is_inference_mode_enabled()


def test_a_module_with_backward_hooks_runs_under_enable_grad_inside_inference_mode() -> None:
    def run(lib: Any) -> Any:
        layer = lib.nn.Linear(2, 2).double()
        layer.register_full_backward_hook(lambda module, grad_in, grad_out: None)
        norm = lib.nn.BatchNorm1d(2).double()
        x = lib.ones(3, 2, dtype=lib.float64, requires_grad=True)
        with lib.inference_mode(), lib.enable_grad():
            y = norm(layer(x))
        return y.requires_grad, y.is_inference(), y.shape == (3, 2)

    assert _same(run) == (False, True, True)


def test_a_causal_mask_made_inside_inference_mode_serves_a_decoder_layer() -> None:
    # arraygrad's cache of causal masks notes each mask's version: an inference tensor's is
    # none, which its own bookkeeping must not ask for (``_version`` raises, as PyTorch's).
    def decode(lib: Any) -> Any:
        layer = lib.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, batch_first=True).eval()
        with lib.inference_mode():
            t = lib.ones(1, 3, 4)
            mask = lib.nn.Transformer.generate_square_subsequent_mask(3)
            out = layer(t, t, tgt_mask=mask, tgt_is_causal=True)
        return out.is_inference(), tuple(out.shape)

    assert _same(decode) == (True, (1, 3, 4))


def test_a_causal_mask_written_inside_inference_mode_is_no_longer_taken_for_causal() -> None:
    # arraygrad knows the masks generate_square_subsequent_mask made for causal while their
    # version is unchanged; one made in inference mode keeps no version, so a write to it there
    # must send the decoder to compare its values, as PyTorch does: all zeros, no masking.
    def decode(lib: Any) -> Any:
        lib.manual_seed(0)
        layer = lib.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
        decoder = lib.nn.TransformerDecoder(layer, 1).eval()
        with lib.inference_mode():
            t = lib.arange(12.0).reshape(1, 3, 4)
            mask = lib.nn.Transformer.generate_square_subsequent_mask(3)
            mask.zero_()
            masked, unmasked = decoder(t, t, tgt_mask=mask), decoder(t, t)
        return (masked - unmasked).abs().max().item() < 1e-6

    assert _same(decode) is True


def test_compiled_functions_take_inference_tensors() -> None:
    compiled = ag.compile(lambda x: (x * 2).sin())
    w = ag.ones(3, requires_grad=True)
    multiply = ag.compile(lambda a, b: a * b)
    with ag.inference_mode():
        x = ag.arange(3.0)
        results = [compiled(x) for _ in range(3)]  # traced, then replayed
    assert all(r.is_inference() for r in results)
    assert results[-1].tolist() == (x * 2).sin().tolist()
    for _ in range(2):
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
            multiply(w, x)


def test_the_checks_stop_once_no_inference_block_is_open_and_no_inference_tensor_lives() -> None:
    # A training loop that evaluates under inference_mode now and then must not pay for the
    # checks (about a fifth of a small op's time) once the evaluation's tensors are gone: they
    # are off again when the last block closes, or at a later backward(), if no inference
    # tensor lives (each holds a reference to one shared version counter).
    import copy
    import gc

    from arraygrad import _inference, _primitive

    gc.collect()
    _inference.release_if_unused()
    clean = not _primitive.inference_used  # (another test's inference tensors may live on)
    with ag.inference_mode():
        assert _primitive.rare_modes and _primitive.inference_used
        out = ag.ones(3) * 2
        view = out[1:]
    copied, detached = copy.deepcopy(out), out.detach()
    assert detached.is_inference() and view.is_inference()
    assert not copied.is_inference()  # as torch's deepcopy (and pickle, torch.load)
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        view * w
    (w * 2).sum().backward()
    assert _primitive.inference_used  # they live: the checks stay on
    del out, view, detached
    gc.collect()
    (w * 2).sum().backward()  # the first backward after they are gone turns the checks off
    if clean:
        assert not _primitive.inference_used and not _primitive.rare_modes
    with ag.inference_mode():
        pass  # a block that makes nothing leaves them off as it closes
    if clean:
        assert not _primitive.inference_used and not _primitive.rare_modes
    assert not (copied[1:] * w).is_inference()
