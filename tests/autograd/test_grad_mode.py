"""no_grad / enable_grad / set_grad_enabled: as context managers and decorators."""

import pytest

import nnlab


def _x():
    return nnlab.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_records_nothing():
    x = _x()
    with nnlab.no_grad():
        y = x * 2 + 1
        assert not nnlab.is_grad_enabled()
    assert nnlab.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [3.0, 5.0]


def test_enable_grad_inside_no_grad():
    x = _x()
    with nnlab.no_grad():
        with nnlab.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_decorator_forms():
    x = _x()

    @nnlab.no_grad()
    def called(t):
        return t * 2

    @nnlab.no_grad
    def bare(t):
        return t * 2

    @nnlab.enable_grad()
    def reenabled(t):
        return t * 2

    assert not called(x).requires_grad
    assert not bare(x).requires_grad
    assert bare.__name__ == "bare"
    with nnlab.no_grad():
        assert reenabled(x).requires_grad
    assert nnlab.is_grad_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with nnlab.no_grad():
            raise ValueError("boom")
    assert nnlab.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context_manager():
    x = _x()
    with nnlab.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert nnlab.is_grad_enabled()
    nnlab.set_grad_enabled(False)
    try:
        assert not nnlab.is_grad_enabled()
    finally:
        nnlab.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_setitem_on_requires_grad_tensor():
    x = _x()
    with pytest.raises(RuntimeError, match="no_grad"):
        x[0] = 5.0
    with nnlab.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_setitem_of_value_requiring_grad_records_the_write():
    # PyTorch's index_put_: the buffer joins the graph and the value gets its gradient
    buf = nnlab.zeros(3)
    x = _x()
    buf[0] = x[0] * 3
    buf[1] = nnlab.tensor(7.0)
    assert buf.tolist() == [3.0, 7.0, 0.0] and buf.requires_grad
    buf.sum().backward()
    assert x.grad.tolist() == [3.0, 0.0]
