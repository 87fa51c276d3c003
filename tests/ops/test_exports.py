"""``from nnlab.ops import *`` exports exactly the public op functions."""

import types

import nnlab
import nnlab.ops


def test_star_import_exports_only_the_listed_functions():
    namespace: dict = {}
    exec("from nnlab.ops import *", namespace)
    exported = {k for k in namespace if k != "__builtins__"}
    assert exported == set(nnlab.ops.__all__)
    assert len(nnlab.ops.__all__) == len(set(nnlab.ops.__all__))
    for name in exported:
        obj = namespace[name]
        assert callable(obj) and not isinstance(obj, types.ModuleType), name
        assert not name.startswith("_")


def test_every_export_is_reachable_from_nnlab():
    missing = [name for name in nnlab.ops.__all__ if getattr(nnlab, name, None) is not getattr(nnlab.ops, name)]
    assert missing == []


def test_builtins_are_not_shadowed_inside_tests():
    # nnlab.sum/max/min/abs/pow are the tensor ops; Python's builtins are untouched
    assert sum([1, 2]) == 3 and max(1, 2) == 2 and abs(-1) == 1
    assert nnlab.sum(nnlab.tensor([1.0, 2.0])).item() == 3.0
