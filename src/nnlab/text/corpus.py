"""Real text that ships with Python: the docstrings of a fixed list of standard-library modules.

No download, no file to bundle: the interpreter carries hundreds of thousands of characters
of English prose about programming in its docstrings. The modules are visited in sorted order and
their members by sorted name, so the corpus is identical on every run of the same
Python version.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import sys
import warnings
from typing import Sequence

__all__ = ["STDLIB_DOC_MODULES", "python_docstrings_corpus", "split_text"]

# Pure-library modules only: importing them has no side effects (no GUI, no printing, no network).
STDLIB_DOC_MODULES: tuple[str, ...] = tuple(sorted((
    "abc", "argparse", "ast", "base64", "bisect", "calendar", "collections", "configparser", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "email.message", "enum", "fractions",
    "functools", "glob", "gzip", "hashlib", "heapq", "hmac", "html.parser", "http.client", "imaplib",
    "inspect", "io", "ipaddress", "itertools", "json", "logging", "mailbox", "math", "operator",
    "optparse", "os", "pathlib", "pdb", "pickle", "pprint", "queue", "random", "re", "sched", "shlex",
    "shutil", "smtplib", "socket", "statistics", "string", "struct", "subprocess", "tarfile", "tempfile",
    "textwrap", "threading", "timeit", "tokenize", "traceback", "typing", "unittest.case", "urllib.parse",
    "urllib.request", "uuid", "warnings", "weakref", "xml.dom.minidom", "zipfile",
)))


def _doc(obj: object) -> str | None:
    # obj.__doc__ rather than inspect.getdoc: getdoc inherits a base class's docstring,
    # which would repeat the same text for every subclass.
    doc = getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def _module_docs(name: str) -> list[str]:
    """The module's docstring, then those of its own public classes (with methods) and functions."""
    module = importlib.import_module(name)
    docs = [_doc(module)]
    members = vars(module)
    for key in sorted(members):
        obj = members[key]
        if key.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            docs.append(_doc(obj))
            cls_members = vars(obj)
            for meth in sorted(cls_members):
                fn = cls_members[meth]
                if not meth.startswith("_") and (inspect.isfunction(fn) or inspect.ismethoddescriptor(fn)):
                    docs.append(_doc(fn))
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            docs.append(_doc(obj))
    return [d for d in docs if d]


@functools.lru_cache(maxsize=4)
def _corpus(modules: tuple[str, ...]) -> str:
    seen: set[str] = set()
    parts: list[str] = []
    for name in modules:
        with warnings.catch_warnings():
            # Touching deprecated members (typing.io, ...) warns; reading their docstring is harmless.
            warnings.simplefilter("ignore", DeprecationWarning)
            docs = _module_docs(name)
        for doc in docs:
            if doc not in seen:
                seen.add(doc)
                parts.append(doc)
    return "\n\n".join(parts) + "\n"


def python_docstrings_corpus(max_chars: int | None = None, modules: Sequence[str] = STDLIB_DOC_MODULES) -> str:
    """The docstrings of ``modules`` (and of their public classes, methods and functions), joined.

    Each distinct docstring appears once (dedented), separated by blank lines, in a fixed
    order: modules sorted by name, members sorted by name.

    Args:
        max_chars: keep only the first ``max_chars`` characters. Default: None (all of it, about half a million characters).
        modules: the module names to read, visited in sorted order. Default:
            ``STDLIB_DOC_MODULES``, ~70 pure-library modules.

    Returns:
        The text; deterministic for a given Python version.
    """
    if max_chars is not None and max_chars < 0:
        raise ValueError(f"python_docstrings_corpus: max_chars must be >= 0, got {max_chars}")
    missing = [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        raise ValueError(f"python_docstrings_corpus: modules {missing} are not importable on Python "
                         f"{sys.version.split()[0]}")
    text = _corpus(tuple(sorted(set(modules))))
    return text if max_chars is None else text[:max_chars]


def split_text(text: str, valid: float = 0.05, test: float = 0.05) -> tuple[str, str, str]:
    """(train, valid, test): contiguous slices of ``text`` (the last ``valid + test`` fraction held out).

    Contiguous rather than shuffled, so held-out text is unseen prose rather than
    sentences interleaved with the training ones.

    Args:
        text: the corpus.
        valid: fraction for validation. Default: 0.05.
        test: fraction for test (the very end). Default: 0.05.
    """
    if valid < 0 or test < 0 or valid + test >= 1:
        raise ValueError(f"split_text: need valid, test >= 0 and valid + test < 1, got {valid}, {test}")
    n = len(text)
    n_test, n_valid = int(n * test), int(n * valid)
    a, b = n - n_valid - n_test, n - n_test
    return text[:a], text[a:b], text[b:]
