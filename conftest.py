"""pytest at the top level: the docstring examples of ``ecgdash/`` run as tests (``--doctest-modules``),
from the repository root, with ``ecgdash`` and ``np`` at hand as in the examples."""
import numpy as np
import pytest

collect_ignore = ["ecgdash/__main__.py", "app.py", "pages"]


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace, monkeypatch):
    if isinstance(request.node, pytest.DoctestItem):
        import ecgdash

        doctest_namespace.update(ecgdash=ecgdash, np=np)
        monkeypatch.chdir(request.config.rootpath)
