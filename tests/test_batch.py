"""Batch scoring of an archive on Dask: the same beats as analyze_record, failures reported, resumable."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from ecgdash import DataError
from ecgdash.models import registry
from ecgdash.pipeline.batch import batch, find_recordings
from ecgdash.report.predictions import beat_table

pytestmark = [pytest.mark.dask, pytest.mark.slow]

NAMES = registry.PAIRS["robust"]


@pytest.fixture(scope="module")
def one_worker():
    """The scheduler address of one worker, shared by the tests whose subject is not the
    cluster: a thread of this process (a worker process imports TensorFlow and loads the
    models, 6-7 s of CPU measured). Worker processes are the two-worker test's subject."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                      silence_logs=40) as cluster:
        yield cluster.scheduler_address


def test_find_recordings_names_each_recording_once(small_source, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "strip.csv").write_text("1\n2\n")
    (tmp_path / "a" / "notes.md").write_text("not a recording")
    (tmp_path / "a" / "SHA256SUMS.txt").write_text("abc  strip.csv\n")       # PhysioNet's checksums
    found = dict(find_recordings([small_source, small_source / "208.dat", tmp_path / "a"]))
    assert dict(find_recordings(str(tmp_path / "a" / "*.csv"))) == {"strip": str(tmp_path / "a" / "strip.csv")}
    assert {"119", "208", "213", "232", "strip"} <= set(found)
    assert found["208"] == str(small_source / "208")            # a WFDB record: no extension
    assert len(found) == len(set(found.values()))                # 208.dat named 208 once
    assert "SHA256SUMS" not in found and "SHA256SUMS" in dict(find_recordings(tmp_path / "a" / "SHA256SUMS.txt"))
    with pytest.raises(DataError, match="no such file"):
        find_recordings([tmp_path / "missing"])
    with pytest.raises(DataError, match="No recordings"):
        find_recordings([tmp_path / "a" / "notes.md"])


def test_batch_on_two_workers_matches_analyze_record_and_resumes(tiny_store, tiny_robust, small_source, tmp_path,
                                                                  monkeypatch):
    """Three records and a broken one on a Dask cluster of 2 worker processes (given by its
    address, as a user's cluster would be); then a rerun on a local cluster of its own."""
    import distributed
    from distributed import Client, LocalCluster

    from ecgdash.pipeline.batch import worker_loads
    from ecgdash.pipeline.record import analyze_record

    broken = tmp_path / "in" / "broken.csv"
    broken.parent.mkdir()
    broken.write_bytes(b"\x00\x01 not a signal \xff" * 50)
    sources = [small_source / "208.hea", small_source / "213", small_source / "232", broken]
    out = tmp_path / "out"
    seen = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        summary = batch(sources, out, scheduler=cluster.scheduler_address, models=NAMES,
                        models_dir=tiny_store, progress=lambda *a: seen.append(a))
        loads = client.run(worker_loads)
        web = client.run(lambda: "streamlit" in sys.modules)
    assert not any(web.values()), web                        # the workers never ran the app
    assert len(seen) == 4 and seen[-1][:2] == (4, 4) and "beats/s" in seen[-1][2]
    assert all(n <= 1 for n in loads.values()), loads          # models loaded once per worker
    by_record = summary.set_index("record")
    assert by_record.loc["broken", "status"] == "failed" and by_record.loc["broken", "error"]
    assert (by_record.drop(index="broken")["status"] == "done").all(), by_record[["status", "error"]].to_dict()
    beats = pd.read_parquet(out / "beats")
    assert set(beats["record"].astype(str)) == {"208", "213", "232"}
    for record in ("208", "213", "232"):
        mine = beats[beats["record"].astype(str) == record].sort_values("beat")
        result = analyze_record(small_source / record, models=tiny_robust, use_annotations=False)
        table = beat_table(result)
        assert by_record.loc[record, "beats"] == len(table) == len(mine)
        np.testing.assert_array_equal(mine["sample"].to_numpy(), table["sample"].to_numpy())
        for name in NAMES:
            np.testing.assert_array_equal(mine[f"{name}_class"].to_numpy(), table[f"{name}_class"].to_numpy())
            assert by_record.loc[record, f"{name}_V"] == int(result.counts.loc["V", name])
        np.testing.assert_array_equal(mine["reference"].fillna("").to_numpy(), table["reference"].to_numpy())
        assert by_record.loc[record, "detection_sensitivity"] == pytest.approx(result.detection["sensitivity"])
    assert (out / "summary.csv").is_file() and len(pd.read_parquet(out / "summary.parquet")) == 4
    # a rerun skips the finished records (nothing rewritten) and scores a new one on a local
    # cluster of its own (``workers=``, the command line's default; one record: fewer than the
    # two in flight per worker). Worker processes were the first run's: this one's worker is
    # asked for as a process and started as a thread of this one (a third process: 5.9 s of CPU)
    asked = []

    def local_cluster(**options):
        asked.append(options)
        return LocalCluster(**{**options, "processes": False})

    monkeypatch.setattr(distributed, "LocalCluster", local_cluster)
    before = {p: p.stat().st_mtime_ns for p in (out / "beats").rglob("*.parquet")}
    again = batch([*sources[:3], small_source / "119"], out, workers=1, models=NAMES, models_dir=tiny_store)
    assert [(o["n_workers"], o["processes"]) for o in asked] == [(1, True)]
    assert again.attrs["skipped"] == 3 and len(again) == 4          # the summary: this run's recordings
    assert again.set_index("record").loc["119", "status"] == "done"
    after = {p: p.stat().st_mtime_ns for p in (out / "beats").rglob("*.parquet")}
    assert {p: t for p, t in after.items() if "record=119" not in str(p)} == before


def test_a_rerun_with_other_options_scores_again(tiny_store, small_source, tmp_path, one_worker):
    """Issue 23: a rerun with --annotations skipped every record as finished and kept the
    detector's results without a word. Options are stored per record; other options score again."""
    out = tmp_path / "out"
    first = batch([small_source / "213"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store)
    assert first.set_index("record").loc["213", "beats_from"] == "detector"
    again = batch([small_source / "213"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store,
                  use_annotations=True)
    assert again.attrs["skipped"] == 0 and again.set_index("record").loc["213", "beats_from"] == "annotations"
    same = batch([small_source / "213"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store,
                 use_annotations=True)
    assert same.attrs["skipped"] == 1


def test_results_that_cannot_be_written_are_reported_not_raised(tiny_store, small_source, tmp_path,
                                                               monkeypatch, capsys):
    """Issue 23: a full or read-only output folder ended the CLI with a raw traceback and no
    summary. A record whose results cannot be written is a failed record with the reason; an
    output folder that cannot be made is a one-line error; a second run on one folder is refused."""
    import errno
    import subprocess
    import sys

    import ecgdash.pipeline.batch as pipeline
    from ecgdash.cli import main

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "atomic_write", full)
    row = pipeline.score_recording("213", str(small_source / "213"), str(tmp_path / "out"),
                                   names=NAMES, models_dir=str(tiny_store))
    assert row["status"] == "failed" and "could not be written" in row["error"]
    assert "No space left on device" in row["error"]
    monkeypatch.undo()

    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    code = main(["batch", str(small_source / "213"), "--out", str(a_file / "sub"),
                 "--models-dir", str(tiny_store), "--workers", "1"])
    err = capsys.readouterr()
    assert code != 0 and "Cannot create the output folder" in err.err + err.out
    assert "Traceback" not in err.err + err.out

    out = tmp_path / "busy"
    out.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / "batch.lock").write_text(str(other.pid))
        with pytest.raises(DataError, match="Another batch run"):
            batch([small_source / "213"], out, workers=1, models=NAMES, models_dir=tiny_store)
    finally:
        other.kill()
        other.wait()


def test_results_belong_to_the_recording_they_came_from(tiny_store, small_source, tmp_path, one_worker):
    """Issue 32: a record counted as done by its id alone, so another folder's 208 (another
    signal) was "finished in an earlier run", and a file corrected in place never rescored.
    Results are now keyed by the files' content and the options; each change is said."""
    import shutil

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for ext in (".hea", ".dat", ".atr"):
        shutil.copy(small_source / f"208{ext}", a / f"208{ext}")
    for ext in (".dat", ".atr"):                      # b's "208" is another recording (213's)
        shutil.copy(small_source / f"213{ext}", b / f"208{ext}")
    (b / "208.hea").write_text((small_source / "213.hea").read_text().replace("213", "208"))
    out = tmp_path / "out"
    first = batch([a / "208"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store)
    kept = (out / "beats" / "record=208" / "part-0.parquet").read_bytes()
    other = batch([b / "208"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store)
    assert other["record"].tolist() == ["208_2"] and other.attrs["skipped"] == 0
    assert any("a different recording from the 208 scored here before" in s for s in other.attrs["said"])
    assert (out / "beats" / "record=208" / "part-0.parquet").read_bytes() == kept      # not replaced
    assert other.loc[0, "beats"] != first.loc[0, "beats"]
    # the same files again: reused; a file changed in place: scored again, and said
    assert batch([a / "208"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store).attrs["skipped"] == 1
    with open(a / "208.hea", "a") as f:
        f.write("# corrected by hand\n")
    changed = batch([a / "208"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store)
    assert changed.attrs["skipped"] == 0 and changed["record"].tolist() == ["208"]
    assert any("208: scored again, its files changed" in s for s in changed.attrs["said"])
    # other options: scored again and said; the summary holds this run's recordings only
    both = batch([a / "208", b / "208"], out, scheduler=one_worker, models=NAMES, models_dir=tiny_store,
                 use_annotations=True)
    assert sorted(both["record"]) == ["208", "208_2"] and (both["beats_from"] == "annotations").all()
    assert sum("the options changed" in s for s in both.attrs["said"]) == 2
