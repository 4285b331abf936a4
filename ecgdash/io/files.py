"""Atomic file writes, and folders owned by one process at a time.

A file is written in full under a temporary name, then moved into place: a run killed halfway
leaves the previous file intact. Temporary names carry the process, the thread and a counter, so
two threads (or two processes) saving at once never share one. ``FolderLock`` lets one process
at a time work in a folder (a training checkpoint, a batch output folder).
"""
from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Callable

from ecgdash.errors import DataError

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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # another user's process: alive
        return True
    return True


class FolderLock:
    """A lock file (``name`` in ``folder``, holding the owner's PID) for one process at a time.

    ``acquire`` takes it, or takes over a lock whose process has ended; a lock held by a live
    process is a DataError that starts with ``what`` ("Another training run"). Not for
    processes on different machines sharing a file system (a PID means nothing there).

    Examples
    --------
    >>> import tempfile
    >>> lock = FolderLock(tempfile.mkdtemp(), what="Another batch run")
    >>> lock.acquire(); lock.release()
    """

    def __init__(self, folder, *, name: str = "owner.lock", what: str = "Another process"):
        self.folder, self.path, self.what = Path(folder), Path(folder) / name, what

    def acquire(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    owner = int(self.path.read_text().strip() or 0)
                except (OSError, ValueError):
                    owner = 0
                if owner and owner != os.getpid() and _alive(owner):
                    raise DataError(f"{self.what} (process {owner}) is using {self.folder}: wait "
                                    "for it to end.") from None
                self.path.unlink(missing_ok=True)     # its owner has ended (or it is ours)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            return
        raise DataError(f"Could not take {self.folder}: its lock {self.path.name} keeps coming back.")

    def release(self) -> None:
        """Give the lock up (only this process's own)."""
        try:
            if int(self.path.read_text().strip() or 0) == os.getpid():
                self.path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
