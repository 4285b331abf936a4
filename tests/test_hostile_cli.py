"""Issue 32: the command line and batch under hostile use. Nothing a user had is lost or
overwritten, every option is checked before any work, and every failure is one line on stderr,
never a traceback."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from conftest import ROOT
from ecgdash.cli import main
from ecgdash.errors import DataError
from ecgdash.models import store

EXAMPLE = ROOT / "data" / "examples" / "mitdb_excerpts"
BEATS = ROOT / "data" / "examples" / "mitbih_test_500.csv"


def _status(argv) -> int:
    """The exit status ``python -m ecgdash ARGV`` ends with (a bad option ends in argparse)."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


def _one_line(capsys) -> str:
    out = capsys.readouterr()
    text = out.err.strip()
    assert "Traceback" not in out.err + out.out
    assert text and len(text.splitlines()) == 1, out.err
    return text


RESERVE = """
import json, sys, time
from ecgdash.models.store import reserve_user_name
start = float(sys.argv[2])                   # both start reserving at the same moment:
time.sleep(max(0.0, start - time.time() - 0.02))   # asleep till the last 20 ms, then a spin
while time.time() < start:
    pass
print(json.dumps([reserve_user_name("cnn", folder=sys.argv[1]) for _ in range(20)]))
"""


def test_two_processes_never_get_the_same_model_name(tmp_path):
    """Two trainings that save at once (two commands, or a command and the Train page's Keep)
    each reserve their name with an exclusive create: 2 x 20 names, all different."""
    import json
    import subprocess
    import sys
    import time

    start = str(time.time() + 3)
    runs = [subprocess.Popen([sys.executable, "-c", RESERVE, str(tmp_path), start], stdout=subprocess.PIPE,
                             text=True, cwd=ROOT) for _ in range(2)]
    names = [name for run in runs for name in json.loads(run.communicate(timeout=120)[0])]
    assert len(names) == len(set(names)) == 40
    # the page's Keep beside a reservation held by a running command: another name
    held = store.reserve_user_name("lstm", folder=tmp_path)

    class Model:
        def save(self, path):
            open(path, "wb").write(b"weights")

    kept = store.save_user_model(Model(), {"kind": "lstm", "params": 1}, folder=tmp_path)
    assert kept != held and (tmp_path / f"{held}.keras").stat().st_size == 0
    store.release_name(held, folder=tmp_path)
    assert not (tmp_path / f"{held}.keras").exists()
    store.release_name(kept, folder=tmp_path)                # a saved model is never given back
    assert (tmp_path / f"{kept}.keras").read_bytes() == b"weights"


def test_a_name_is_checked_before_anything_touches_the_disk(tmp_path, monkeypatch, capsys):
    """``--name ../../victim --fresh`` deleted a folder three levels up; ``--name cnn`` hid behind
    the shipped model; a taken name was overwritten. Now each is refused first, in one line."""
    data = tmp_path / "a" / "b" / "data"
    victim = tmp_path / "victim-seed42"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    monkeypatch.setenv("ECGDASH_USER_MODELS_DIR", str(tmp_path / "mine"))
    assert _status(["train", "--model", "cnn", "--name", "../../../victim", "--fresh", "--data", str(data)]) == 2
    assert "is not a model name" in _one_line(capsys)
    assert (victim / "keep.txt").read_text() == "mine"
    assert main(["train", "--model", "cnn", "--name", "cnn", "--data", str(data)]) == 2
    assert "the name of a shipped model" in _one_line(capsys)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "ward.keras").write_bytes(b"someone's model")
    (tmp_path / "mine" / "ward.json").write_text("{}")
    assert main(["train", "--model", "cnn", "--name", "ward", "--data", str(data)]) == 2
    assert "already in" in _one_line(capsys)
    assert (tmp_path / "mine" / "ward.keras").read_bytes() == b"someone's model"
    assert not data.exists()                                   # nothing was made on the way
    with pytest.raises(DataError, match="is not a model name"):
        store.model_paths("cnn.keras")


BAD_OPTIONS = [
    ["train", "--epochs", "0"], ["train", "--subset", "3"], ["train", "--subset", "-5"],
    ["train", "--batch-size", "0"], ["train", "--patience", "0"], ["train", "--threads", "0"],
    ["train", "--copies", "0"], ["train", "--seed", "-1"], ["train", "--name", "a/b"],
    ["batch", "x", "--out", "o", "--workers", "-1"], ["batch", "x", "--out", "o", "--scheduler", "junk://x"],
    ["batch", "x", "--out", "o", "--fs", "0"],
    ["record", str(EXAMPLE / "208"), "--models", "cnn.keras"], ["record", str(EXAMPLE / "208"), "--fs", "-360"],
    ["record", str(EXAMPLE / "208"), "--report-at", "nan"],
    ["evaluate", "report", "--models", "../cnn"], ["evaluate", "templates", "--per-class", "0"],
    ["evaluate", "database", str(EXAMPLE), "--clicks", "x"],
    ["explain", str(BEATS), "--rows", "-1"], ["explain", str(BEATS), "--model", "cnn.keras"],
    ["data", "build", "--unknown"],
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=lambda a: " ".join(a[:1] + a[-2:]))
def test_every_bad_option_is_one_line_before_any_work(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _status(argv) == 2
    line = _one_line(capsys)
    assert line.startswith("ecgdash") and "error:" in line and "--help" in line
    assert not any(tmp_path.iterdir())                        # nothing written


def test_outputs_that_are_not_plain_files_are_refused_and_kept(tmp_path, capsys):
    """``record --out`` replaced a symlink, a named pipe or a device with a plain file (the pipe's
    reader hung). Each is refused before any work, and is still what it was."""
    target = tmp_path / "theirs.csv"
    target.write_text("their table")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [(["--out", str(link)], "symbolic link"), (["--report", str(pipe)], "named pipe"),
             (["--out", "/dev/full"], "device"), (["--out", str(tmp_path)], "folder"),
             (["--out", str(a_file / "under" / "beats.csv")], "Cannot write")]
    for options, message in cases:
        assert main(["record", str(EXAMPLE / "208"), *options]) == 2, options
        assert message in _one_line(capsys)
    assert link.is_symlink() and target.read_text() == "their table"
    assert pipe.is_fifo() and a_file.read_text() == "x"
    for argv, message in ((["explain", str(BEATS), "--out", str(link)], "symbolic link"),
                          (["evaluate", "database", str(EXAMPLE), "--clicks", "0", "--json", str(pipe)],
                           "named pipe")):
        assert main(argv) == 2
        assert message in _one_line(capsys)
    assert link.is_symlink() and pipe.is_fifo()


def test_a_file_that_cannot_be_read_is_one_line(tmp_path, capsys, monkeypatch):
    """``record`` on a file the system refuses to read (permission, I/O error) ended in a traceback."""
    from pathlib import Path

    locked = tmp_path / "locked.edf"
    locked.write_bytes(b"0" * 300)
    read = Path.read_bytes

    def refuse(self):                   # as the system would for this file alone (root reads all)
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert main(["record", str(locked)]) == 2
    line = _one_line(capsys)
    assert "locked.edf could not be read: Permission denied" in line
    (tmp_path / "folder.edf").mkdir()
    assert main(["record", str(tmp_path / "folder.edf")]) == 2
    assert "is a folder, not a file" in _one_line(capsys)


def test_a_bad_cell_costs_one_sample_whatever_the_decimal_mark():
    """A decimal-comma CSV with one text cell lost the whole lead (read as text, then blanked);
    a dot-decimal one lost a sample. Both now lose the sample, named by line and column."""
    from ecgdash.io.signal_csv import read_signal_csv
    from ecgdash.io.uploads import read_recording

    x = read_recording(EXAMPLE / "119").signals[: 360 * 20]
    for sep, dec in ((";", ","), (",", ".")):
        lines = [sep.join(["time", "MLII", "V1"])]
        lines += [sep.join(f"{v:.5f}".replace(".", dec) for v in (i / 360, a, b)) for i, (a, b) in enumerate(x)]
        cells = lines[1001].split(sep)
        lines[1001] = sep.join([cells[0], "abc", cells[2]])
        rec = read_signal_csv("\n".join(lines).encode(), "export.csv")
        assert rec.leads == ["MLII", "V1"] and rec.fs == 360, dec
        assert int(np.isnan(rec.signals[:, 0]).sum()) == 1 and not np.isnan(rec.signals[:, 1]).any()
        assert any("line 1002, column 'MLII': 'abc'" in w for w in rec.warnings), rec.warnings


def test_smaller_cases_of_the_issue(tmp_path, capsys):
    from ecgdash.io.files import FolderLock
    from ecgdash.pipeline.batch import find_recordings
    from ecgdash.pipeline.record import lead_warning

    # an EDF channel "ECG MLII" is MLII
    assert lead_warning("ECG MLII") is None and lead_warning("EKG lead II") is None
    assert lead_warning("ECG V5") is not None
    # a damaged EDF's message names the user's file, not a temporary path
    from ecgdash.io.edf import read_edf

    with pytest.raises(DataError) as err:
        read_edf(b"0       " + b" " * 248 + b"garbage" * 40, "holter.edf")
    assert "holter.edf" in str(err.value) and "ecgdash_" not in str(err.value)
    # a header gain no device uses is refused in one line, before the samples are read
    shutil.copytree(EXAMPLE, tmp_path / "rec")
    header = (tmp_path / "rec" / "119.hea").read_text().replace(" 200.0(1024)", " 1e-300(1024)", 1)
    (tmp_path / "rec" / "119.hea").write_text(header)
    assert main(["record", str(tmp_path / "rec" / "119")]) == 2
    assert "ADC gain of 1e-300" in _one_line(capsys)
    # an output folder inside the source folder is not scanned as recordings
    (tmp_path / "rec" / "scores").mkdir()
    (tmp_path / "rec" / "scores" / "summary.csv").write_text("record,beats\n208,2\n")
    found = dict(find_recordings(tmp_path / "rec", exclude=tmp_path / "rec" / "scores"))
    assert not any("summary" in k for k in found) and "208" in found
    # a lock whose PID now belongs to another process (it started later) is taken over; a live
    # owner's message says how to free it
    lock_path = tmp_path / "out" / "batch.lock"
    lock_path.parent.mkdir()
    lock_path.write_text(f"{os.getppid()} 1.0")              # a live PID, started long after 1970
    FolderLock(lock_path.parent, name="batch.lock").acquire()
    assert lock_path.read_text().split()[0] == str(os.getpid())
    lock_path.write_text(str(os.getppid()))                   # an old lock: the PID alone
    with pytest.raises(DataError, match="remove .*batch.lock and run again"):
        FolderLock(lock_path.parent, name="batch.lock", what="Another batch run").acquire()


def test_a_read_only_or_full_output_folder_is_one_line(tmp_path, monkeypatch, capsys):
    """``batch --out`` on a read-only mount or a full disk: the lock's create fails with an
    OSError other than a permission error, which ended in a traceback."""
    import errno

    import ecgdash.io.files as files

    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).endswith("batch.lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(files.os, "open", read_only)
    out = tmp_path / "scores"
    assert main(["batch", str(EXAMPLE / "208"), "--out", str(out), "--workers", "1"]) == 2
    line = _one_line(capsys)
    assert "Cannot write to the output folder" in line and "Read-only file system" in line
