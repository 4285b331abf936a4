"""Building the dataset: splits with exact counts, Kaggle-layout files, inter-patient records."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ecgdash import DataError, Split, load_beats
from ecgdash.config import DS1, DS2, KAGGLE_TEST_COUNTS, KAGGLE_TRAIN_COUNTS, PACED
from ecgdash.datasets.mitbih import build, build_beats, built_stamp, inter_split, intra_split, load_split


@pytest.fixture(scope="module")
def all_beats(mitdb):
    return build_beats(mitdb)


def test_all_records_give_the_kaggle_totals_and_test_counts(all_beats):
    """The whole database cut by the recipe: exactly Kaggle's class totals, and the split gives
    exactly the reference study's test supports."""
    assert len(all_beats) == 109_446
    totals = np.add(KAGGLE_TRAIN_COUNTS, KAGGLE_TEST_COUNTS)
    assert np.bincount(all_beats.y, minlength=5).tolist() == totals.tolist()
    train, test = intra_split(all_beats.y)
    assert np.bincount(all_beats.y[test], minlength=5).tolist() == [18118, 556, 1448, 162, 1608]
    ds1, ds2 = inter_split(all_beats.record)
    assert len(set(all_beats.record[ds1])) == 22 and len(set(all_beats.record[ds2])) == 22


def test_examples_are_remade_identically_by_their_script(mitdb, all_beats, tmp_path):
    """scripts/make_examples.py made again gives the committed files byte for byte."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "examples"
    script.make(mitdb, out, beats=all_beats)
    committed = ROOT / "data" / "examples"
    made = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(made) == 15
    assert all((committed / p).read_bytes() == (out / p).read_bytes() for p in made)


def test_intra_split_has_exact_kaggle_counts_and_is_seeded():
    totals = np.add(KAGGLE_TRAIN_COUNTS, KAGGLE_TEST_COUNTS)
    y = np.repeat(np.arange(5), totals)
    np.random.default_rng(3).shuffle(y)
    train, test = intra_split(y, seed=42)
    assert np.bincount(y[test], minlength=5).tolist() == list(KAGGLE_TEST_COUNTS)
    assert np.bincount(y[train], minlength=5).tolist() == list(KAGGLE_TRAIN_COUNTS)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
    again, _ = intra_split(y, seed=42)
    other, _ = intra_split(y, seed=7)
    np.testing.assert_array_equal(train, again)
    assert not np.array_equal(train, other)


def test_intra_split_other_data_takes_a_fifth_of_each_class():
    y = np.repeat(np.arange(5), [100, 50, 20, 10, 5])
    _, test = intra_split(y)
    assert np.bincount(y[test], minlength=5).tolist() == [20, 10, 4, 2, 1]


def test_inter_split_uses_de_chazal_records():
    records = np.array(["101", "100", "102", "232", "999", "217"])
    ds1, ds2 = inter_split(records)
    assert records[ds1].tolist() == ["101"] and records[ds2].tolist() == ["100", "232"]
    assert not set(DS1) & set(DS2) and not set(PACED) & (set(DS1) | set(DS2))
    assert len(DS1) == len(DS2) == 22


def test_build_writes_kaggle_files(small_data, small_source):
    summary = json.loads((small_data / "build.json").read_text())
    assert summary["records"] == len(list(small_source.glob("*.hea")))
    counts = summary["counts"]
    assert np.add(counts["train"], counts["test"]).tolist() == counts["all"]
    first = (small_data / "mitbih_test.csv").read_text().splitlines()[0].split(",")
    assert len(first) == 188 and all("e" in c and len(c.split("e")[0]) == 20 for c in first)
    test = load_beats(small_data / "mitbih_test.csv")
    assert np.bincount(test.y, minlength=5).tolist() == counts["test"]
    again = load_split(Split.INTRA, "test", out=small_data)
    np.testing.assert_array_equal(test.X, again.X)
    np.testing.assert_array_equal(test.y, again.y)


def test_inter_split_files_keep_records_apart(small_data):
    ds1 = load_split("inter", "train", out=small_data)
    ds2 = load_split("inter", "test", out=small_data)
    assert set(ds1.record) <= set(DS1) and set(ds2.record) <= set(DS2)
    assert not set(ds1.record) & set(ds2.record)
    assert "217" not in set(ds1.record) | set(ds2.record)   # paced: in neither
    assert len(ds1) and len(ds2)
    assert len(load_beats(small_data / "mitbih_ds2.csv")) == len(ds2)
    with pytest.raises(DataError, match=r"Unknown split 'inter \(DS1"):
        load_split("inter (DS1, patient-wise)", "test", out=small_data)


def test_a_rebuild_changes_the_stamp(small_source, tmp_path):
    """The stamp that keys cached scores changes with every build, even with the same beats."""
    assert built_stamp(tmp_path) is None
    build(source=small_source, out=tmp_path, csv=False)
    first = built_stamp(tmp_path)
    build(source=small_source, out=tmp_path, csv=False, lead=1)
    assert first is not None and built_stamp(tmp_path) != first


def test_build_without_source_says_what_to_run(tmp_path):
    with pytest.raises(DataError, match="data fetch"):
        build(source=tmp_path / "missing", out=tmp_path)
    with pytest.raises(DataError, match="data build"):
        load_split("intra", "train", out=tmp_path)


def _offline(monkeypatch):
    import wfdb

    def unreachable(*args, **kwargs):
        raise ConnectionError("HTTPSConnectionPool(host='physionet.org', port=443): Max retries "
                              "exceeded with url: /files/mitdb/1.0.0/RECORDS (Caused by NameResolutionError)")

    monkeypatch.setattr(wfdb, "get_record_list", unreachable)


def test_fetch_offline_says_so_and_leaves_nothing(monkeypatch, tmp_path, capsys):
    """No internet: a plain message naming the way out, no urllib3 text, no empty folder."""
    from ecgdash.cli import main

    _offline(monkeypatch)
    dest = tmp_path / "mitdb"
    assert main(["data", "fetch", "--dest", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "Could not reach PhysioNet" in err and "--source DIR" in err
    assert "HTTPSConnectionPool" not in err and "Max retries" not in err
    assert not dest.exists()


def test_overview_fetch_offline_names_the_folder_field(monkeypatch, tiny_store, tmp_path):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    _offline(monkeypatch)
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="build_full").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "Could not reach PhysioNet" in message and "field above" in message
    assert "Build from the shipped examples" in message           # the way that needs no internet
    assert "--source" not in message and "HTTPSConnectionPool" not in message
    assert not (tmp_path / "data" / "mitdb").exists()


def test_fetch_and_build_fetches_only_what_is_missing(monkeypatch, tmp_path):
    """The examples build with no fetch; a folder is copied first; data/mitdb with records is
    built as it is; an empty data folder fetches from PhysioNet (``source=None``)."""
    from ecgdash.datasets import mitbih

    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    calls = []
    monkeypatch.setattr(mitbih, "fetch", lambda source=None, progress=None: calls.append(("fetch", source)))
    monkeypatch.setattr(mitbih, "build", lambda source=None, progress=None: calls.append(("build", source)) or {})
    mitbih.fetch_and_build(examples="shipped")
    mitbih.fetch_and_build()
    mitbih.fetch_and_build("my/folder")
    mitdb = tmp_path / "data" / "mitdb"
    mitdb.mkdir(parents=True)
    (mitdb / "100.hea").write_text("100 1 360 10\n")
    mitbih.fetch_and_build()
    assert calls == [("build", "shipped"), ("fetch", None), ("build", None), ("fetch", "my/folder"),
                     ("build", None), ("build", None)]
