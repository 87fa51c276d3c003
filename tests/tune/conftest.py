"""Tests marked ``needs_database`` run only when NNLAB_TEST_DATABASE_URL names a server; otherwise they
are deselected (not skipped), so they never count as a pass."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_database: runs only with NNLAB_TEST_DATABASE_URL set (else deselected)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NNLAB_TEST_DATABASE_URL"):
        return
    drop = [i for i in items if i.get_closest_marker("needs_database")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [i for i in items if not i.get_closest_marker("needs_database")]
