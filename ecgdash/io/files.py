"""Atomic file writes, and folders owned by one process at a time.

A file is written in full under a temporary name, then moved into place: a run killed halfway
leaves the previous file intact. Temporary names carry the process, the thread and a counter, so
two threads (or two processes) saving at once never share one. ``FolderLock`` lets one process
at a time work in a folder (a training checkpoint, a batch output folder).
"""
from __future__ import annotations

import itertools
import os
import stat
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


def output_file(path) -> Path:
    """``path`` checked as a file the command line may write, before any work is done.

    Refused, each with a one-line ``DataError``: an existing path that is not a plain file (a
    symbolic link, a folder, a named pipe, a device: writing there would replace the link, hang
    the writer or write to the device) and a place where no file can be written (a read-only or
    missing folder). The folder is created when missing.

    Examples
    --------
    >>> import tempfile
    >>> output_file(Path(tempfile.mkdtemp()) / "beats.csv").name
    'beats.csv'
    >>> output_file("/dev/null")
    Traceback (most recent call last):
    ...
    ecgdash.errors.DataError: /dev/null is a device, not a file: give the path of a file to write.
    """
    path = Path(path)
    if path.is_symlink():
        raise DataError(f"{path} is a symbolic link: give the path of a file to write (a link is never "
                        "written through, nor replaced).")
    if path.exists() and not path.is_file():
        mode = path.stat().st_mode
        kind = ("folder" if stat.S_ISDIR(mode) else "named pipe" if stat.S_ISFIFO(mode)
                else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "socket" if stat.S_ISSOCK(mode)
                else "special file")
        raise DataError(f"{path} is a {kind}, not a file: give the path of a file to write.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = temp_path(path)
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        probe.unlink()
    except OSError as exc:
        raise DataError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return path


def _started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), None when there is no such process."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:              # another user's process: alive, its start unknown
        return -1.0


def _alive(pid: int, started: float | None = None) -> bool:
    """Is the lock's owner still running: process ``pid`` exists and, when the lock says when its
    owner started, started then (a PID the system gave to another process since does not count)."""
    now = _started(pid)
    if now is None:
        return False
    return started is None or now < 0 or abs(now - started) < 1.0


class FolderLock:
    """A lock file (``name`` in ``folder``, holding the owner's PID) for one process at a time.

    ``acquire`` takes it, or takes over a lock whose process has ended (the lock holds the
    owner's PID and when it started, so a PID the system has since given to another process
    does not hold it); a lock held by a live process is a DataError that starts with ``what``
    ("Another training run") and says how to free it. Not for processes on different machines
    sharing a file system (a PID means nothing there).

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
                    words = self.path.read_text().split()
                    owner = int(words[0]) if words else 0
                    started = float(words[1]) if len(words) > 1 else None
                except (OSError, ValueError):
                    owner, started = 0, None
                if owner and owner != os.getpid() and _alive(owner, started):
                    raise DataError(f"{self.what} (process {owner}) is using {self.folder}: wait for it "
                                    f"to end. If no ecgdash run is using it, remove {self.path} and run "
                                    "again.") from None
                self.path.unlink(missing_ok=True)     # its owner has ended (or it is ours)
                continue
            with os.fdopen(fd, "w") as f:
                f.write(f"{os.getpid()} {_started(os.getpid())}")
            return
        raise DataError(f"Could not take {self.folder}: its lock {self.path.name} keeps coming back.")

    def release(self) -> None:
        """Give the lock up (only this process's own)."""
        try:
            words = self.path.read_text().split()
            if words and int(words[0]) == os.getpid():
                self.path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
