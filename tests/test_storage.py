"""Untyped storages (``arraygrad._storage``): the memory behind tensors as bytes, shared by
views, freed and given back by ``resize_``, compared with torch."""

import torch

import arraygrad as ag


def test_untyped_storage_is_the_memory_as_bytes_as_torch() -> None:
    a, t = ag.arange(6.0), torch.arange(6.0)
    s, ts = a.untyped_storage(), t.untyped_storage()
    assert (s.nbytes(), s.size(), len(s), s.element_size()) == (
        ts.nbytes(),
        ts.size(),
        len(ts),
        ts.element_size(),
    )
    assert s.tolist() == ts.tolist()
    assert str(s.device) == str(ts.device) == "cpu"
    assert s.data_ptr() == a.data_ptr()
    # one storage for views: the sharing test code writes
    assert a.view(2, 3).untyped_storage().data_ptr() == s.data_ptr()
    assert a[2:].untyped_storage() is s and a[2:].untyped_storage().nbytes() == 24
    assert a.clone().untyped_storage().data_ptr() != s.data_ptr()
    assert ag.is_storage(s) and not ag.is_storage(a)
    assert not hasattr(s, "dtype") and not hasattr(ts, "dtype")


def test_storage_resize_frees_and_reallocates_tensors_memory_as_torch() -> None:
    for lib in (ag, torch):
        t = lib.arange(6.0)
        v = t[2:]
        s = t.untyped_storage()
        s.resize_(0)  # FSDP's free
        assert (s.nbytes(), t.untyped_storage().nbytes(), v.untyped_storage().nbytes()) == (0,) * 3
        assert t.shape == (6,) and s.data_ptr() == 0
        s.resize_(24)
        assert t.data_ptr() == s.data_ptr() and v.data_ptr() - t.data_ptr() == 8
        t.copy_(lib.arange(6.0) * 10)
        assert v.tolist() == [20.0, 30.0, 40.0, 50.0]
        s.resize_(40)  # grows, keeping the bytes
        assert t.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0] and len(s) == 40
        s.resize_(8)  # keeps the first bytes (t, too long for them now, must not be read)
        assert s.tolist() == list(lib.tensor([0.0, 10.0]).numpy().tobytes())
