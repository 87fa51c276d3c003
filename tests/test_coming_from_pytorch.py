"""docs/coming-from-pytorch.md's table of torch names says what the library has (and lacks)."""

import pathlib
import re

import nnlab

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "coming-from-pytorch.md"


def _names(label: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"\*\*" + re.escape(label) + r" \((\d+)\):\*\* (.*?)\.(?:\s|$)", text, re.S)
    assert m, label
    names = re.findall(r"`([^`]+)`", m.group(2))
    assert len(names) == int(m.group(1)), label
    return names


def test_the_torch_names_table_matches_the_library():
    t = nnlab.ones(1)
    assert all(hasattr(nnlab, n) for n in _names("`torch.*` functions present"))
    assert not any(hasattr(nnlab, n) for n in _names("`torch.*` functions absent"))
    assert all(hasattr(t, n) for n in _names("`Tensor` methods and attributes present"))
    assert not any(hasattr(t, n) for n in _names("`Tensor` methods absent"))
