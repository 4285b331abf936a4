"""Atomic file writes: a file is written in full under a temporary name, then moved into place.

A run killed halfway leaves the previous file intact. Temporary names carry the process, the
thread and a counter, so two threads (or two processes) saving at once never share one.
"""
from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Callable

_counter = itertools.count()


def temp_path(path: Path) -> Path:
    """A temporary name beside ``path``, unique to this call: ``<stem>.tmp<pid>-<thread>-<n><suffix>``.

    The suffix is kept (Keras insists on ``.keras``).
    """
    path = Path(path)
    tag = f"tmp{os.getpid()}-{threading.get_ident()}-{next(_counter)}"
    return path.with_name(f"{path.stem}.{tag}{path.suffix}")


def fsync_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to disk."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write(path: Path, write: Callable) -> None:
    """Call ``write(file)`` on a temporary file, then move it to ``path``."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
