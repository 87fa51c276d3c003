"""``autograd/tensor.pyi`` declares exactly the Tensor that runs: the same public names, kinds and parameters.

The op methods are attached at import (ops/tensor_methods.py); the stub is where readers and
editors find them, and this test keeps it from going stale in either direction.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib

import nnlab
from nnlab import Tensor

STUB = pathlib.Path(nnlab.__file__).parent / "autograd" / "tensor.pyi"
_NOT_API = {"__doc__", "__module__", "__slots__", "__weakref__", "__dict__"}


def _public(name: str) -> bool:
    return name not in _NOT_API and (not name.startswith("_") or (name.startswith("__") and name.endswith("__")))


def _stub_class() -> ast.ClassDef:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")


def _stub_members() -> dict[str, ast.AST]:
    members: dict[str, ast.AST] = {}
    for node in _stub_class().body:
        if isinstance(node, ast.FunctionDef):
            members[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            members[node.target.id] = node
    return members


def _runtime_names() -> set[str]:
    return {n for n in dir(Tensor) if _public(n) and (not n.startswith("__") or n in Tensor.__dict__)}


def _kind(node: ast.AST) -> str:
    if isinstance(node, ast.AnnAssign):
        return "attribute"
    decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    return "property" if "property" in decorators else "method"


def _runtime_kind(name: str) -> str:
    obj = inspect.getattr_static(Tensor, name)
    if isinstance(obj, property):
        return "property"
    return "method" if callable(obj) or isinstance(obj, classmethod) else "attribute"


def _stub_params(fn: ast.FunctionDef) -> list[tuple[str, bool]]:
    """(kind, has default) of each parameter after self."""
    a = fn.args
    positional = a.posonlyargs + a.args
    first_default = len(positional) - len(a.defaults)
    out = [("positional", i >= first_default) for i in range(len(positional))][1:]
    if a.vararg:
        out.append(("*args", False))
    out += [("keyword-only", d is not None) for d in a.kw_defaults]
    if a.kwarg:
        out.append(("**kwargs", False))
    return out


def _runtime_params(name: str) -> list[tuple[str, bool]]:
    kinds = {inspect.Parameter.POSITIONAL_ONLY: "positional", inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
             inspect.Parameter.VAR_POSITIONAL: "*args", inspect.Parameter.KEYWORD_ONLY: "keyword-only",
             inspect.Parameter.VAR_KEYWORD: "**kwargs"}
    params = list(inspect.signature(inspect.getattr_static(Tensor, name)).parameters.values())[1:]
    return [(kinds[p.kind], p.default is not inspect.Parameter.empty) for p in params]


def test_the_stub_declares_every_public_name_of_tensor_and_nothing_else():
    declared = {n for n in _stub_members() if _public(n)}
    runtime = _runtime_names()
    assert sorted(runtime - declared) == [], "attached to Tensor but not declared in tensor.pyi"
    assert sorted(declared - runtime) == [], "declared in tensor.pyi but not on Tensor"


def test_each_declaration_has_the_runtime_kind_and_parameters():
    mismatched = []
    for name, node in _stub_members().items():
        if not _public(name):
            continue
        if _kind(node) != _runtime_kind(name):
            mismatched.append(f"{name}: stub {_kind(node)}, runtime {_runtime_kind(name)}")
        elif _kind(node) == "method" and _stub_params(node) != _runtime_params(name):
            mismatched.append(f"{name}: stub {_stub_params(node)}, runtime {_runtime_params(name)}")
    assert mismatched == []


def test_every_declaration_has_a_one_line_doc():
    undocumented = []
    body = _stub_class().body
    for i, node in enumerate(body):
        if isinstance(node, ast.FunctionDef):
            doc = ast.get_docstring(node)
        elif isinstance(node, ast.AnnAssign):
            nxt = body[i + 1] if i + 1 < len(body) else None
            doc = nxt.value.value if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) else None
        else:
            continue
        if not doc or "\n" in doc.strip():
            undocumented.append(getattr(node, "name", None) or node.target.id)
    assert undocumented == []


def test_the_stub_declares_the_module_functions_too():
    # A stub replaces its module for type checkers, so tensor.py's other public functions appear in it.
    module = importlib.import_module("nnlab.autograd.tensor")  # the package's ``tensor`` is the function
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and _public(n.name)}
    runtime = {n for n, v in vars(module).items()
               if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__}
    assert declared == runtime
