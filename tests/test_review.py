"""Template review: a person's labels reach both models' calls; what to ask next; the simulated
reader; the review as files and back; nothing shipped is touched."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from conftest import ROOT
from ecgdash.ecg.clusters import cluster_beats
from ecgdash.errors import DataError
from ecgdash.report.predictions import beat_table
from ecgdash.review.calls import reviewed_analysis, reviewed_proba
from ecgdash.review.files import read_review, review_annotations, review_csv, review_table
from ecgdash.review.questions import next_questions
from ecgdash.review.reader import majority, review_database, simulate
from ecgdash.review.session import NOT_SURE, Review


def _synthetic(seed: int = 0):
    """A 100-Hz recording of 60 beats every 0.8 s; every 6th beat is wide and deep (another
    shape). Both 'models' call every beat N."""
    rng = np.random.default_rng(seed)
    marks = np.arange(60, 60 + 80 * 60, 80)
    x = rng.normal(0, 0.01, marks[-1] + 100)
    odd = np.zeros(len(marks), bool)
    odd[::6] = True
    for m, o in zip(marks, odd):
        if o:
            x[m - 4:m + 8] -= np.hanning(12) * 1.5
        else:
            x[m - 1:m + 2] += np.array([0.4, 1.0, 0.4])
    probas = {"a": np.tile([0.9, 0.04, 0.04, 0.01, 0.01], (len(marks), 1)),
              "b": np.tile([0.8, 0.1, 0.08, 0.01, 0.01], (len(marks), 1))}
    return x, 100.0, marks, odd, probas


def test_a_cluster_label_flips_its_beats_calls():
    x, fs, marks, odd, probas = _synthetic()
    groups = cluster_beats(x, fs, marks, k=2)
    odd_cluster = int(np.bincount(groups.cluster[odd]).argmax())
    assert (groups.cluster == odd_cluster).sum() == odd.sum()          # the odd beats, alone
    review = Review(len(marks))
    asked = next_questions(review, groups.cluster, probas)
    q = next(q for q in asked if q.cluster == odd_cluster)
    assert q.kind == "cluster" and sorted(q.beats.tolist()) == np.flatnonzero(odd).tolist()
    review = review.answer(q.beats, "V", key=q.key, kind=q.kind)
    calls = reviewed_proba(probas, review.labels)
    for name in probas:
        assert (probas[name].argmax(axis=1) == 0).all()                # before: every beat N
        got = calls[name].argmax(axis=1)
        assert (got[odd] == 2).all() and (got[~odd] == 0).all()        # after: the cluster V, the rest N
    assert q.key not in [a.key for a in next_questions(review, groups.cluster, probas)]


def test_the_models_dispute_becomes_the_next_question_and_undo_is_exact():
    x, fs, marks, odd, probas = _synthetic()
    probas = {k: v.copy() for k, v in probas.items()}
    probas["a"][[6, 12]] = [0.1, 0.05, 0.8, 0.03, 0.02]     # model a says V for two beats of the usual shape
    labels = np.zeros(len(marks), int)
    review = Review(len(marks)).answer(np.arange(len(marks)), "N", key="everything", kind="cluster")
    asked = next_questions(review, labels, probas)
    assert len(asked) == 1 and asked[0].kind == "split" and asked[0].beats.tolist() == [6, 12]
    assert asked[0].why.startswith("2 beats labelled N with cluster #1: a says V for 2")
    confirmed = review.answer(asked[0].beats, "N", key=asked[0].key, kind=asked[0].kind)
    assert next_questions(confirmed, labels, probas) == []             # answered: not asked again
    skipped = review.answer(asked[0].beats, NOT_SURE, key=asked[0].key, kind=asked[0].kind)
    assert next_questions(skipped, labels, probas) == [] and skipped.reached == len(marks)
    relabelled = review.answer(asked[0].beats, "V", key=asked[0].key, kind=asked[0].kind)
    assert relabelled.labels[[6, 12]].tolist() == [2, 2]
    assert relabelled.undo().labels.tolist() == review.labels.tolist() and relabelled.undo().clicks == 1
    with pytest.raises(DataError, match="one of N, S, V, F, Q"):
        review.answer([1], "X")
    with pytest.raises(DataError, match="from 0 to 59"):
        review.answer([60], "N")


def _analysed(name="208"):
    from ecgdash.io.examples import excerpts_dir
    from ecgdash.pipeline.record import analyze_record

    return analyze_record(excerpts_dir() / name)


def test_a_labelled_beat_is_never_called_otherwise():
    """Answers of every kind, in any order, on a real record: wherever a person's label is, both
    models' reviewed calls (and the table's) are that label; elsewhere the models' own."""
    result = _analysed()
    rng = np.random.default_rng(1)
    n = len(result.beats)
    review = Review(n)
    for _ in range(12):
        beats = rng.choice(n, size=int(rng.integers(1, 200)), replace=False)
        review = review.answer(beats, rng.choice(["N", "S", "V", "F", "Q", NOT_SURE]), kind="beats")
    labels = review.labels
    assert (labels >= 0).sum() == review.reached > 0
    shown = reviewed_analysis(result, review)
    for name, p in shown.probas.items():
        calls = p.argmax(axis=1)
        assert (calls[labels >= 0] == labels[labels >= 0]).all()
        assert (calls[labels < 0] == result.probas[name][labels < 0].argmax(axis=1)).all()
        table = beat_table(shown)
        done = table["label"] != ""
        assert (table.loc[done, f"{name}_class"] == table.loc[done, "label"]).all()
    assert shown.review_note.startswith(f"A person labelled {review.reached:,} of {n:,} beats in 12 clicks")
    assert result.labels is None and result.review_note is None        # the analysis itself is untouched


def test_the_simulated_reader_gets_better_with_clicks():
    """On real excerpts, with the shipped pair: each model's accuracy rises with the clicks, and
    its F1 of S and V at 6 clicks is above its own."""
    from ecgdash.io.examples import excerpts_dir
    from ecgdash.models.store import load_model

    models = {n: load_model(n) for n in ("robust_lstm", "robust_cnn")}
    curve = review_database(excerpts_dir(), models, clicks=(0, 3, 6), records=["208", "232"])
    for name, rows in curve.items():
        acc = [rows[b]["accuracy"] for b in (0, 3, 6)]
        assert acc[0] < acc[1] < acc[2], (name, acc)
        assert rows[6]["S"] > rows[0]["S"] and rows[6]["V"] > rows[0]["V"], (name, rows)
        assert rows[0]["reached"] == 0 and 0 < rows[3]["reached"] < rows[6]["reached"] <= 1
        assert rows[0]["beats"] == rows[6]["beats"] > 700


def test_the_simulated_reader_answers_with_the_majority():
    assert majority(np.array([2, 2, 0, -1]), [0, 1, 2, 3]) == "V"
    x, fs, marks, odd, probas = _synthetic()
    reference = np.where(odd, 2, 0)
    reference[0] = 1                                    # one odd beat is an S: the majority says V
    groups = cluster_beats(x, fs, marks, k=2)
    reviews = simulate(groups.cluster, probas, reference, clicks=(0, 2))
    assert reviews[0].clicks == 0 and reviews[2].clicks == 2
    assert (reviews[2].labels == np.where(odd, 2, 0)).all()


def test_a_review_round_trips_through_its_csv_and_annotation_file(tmp_path):
    import wfdb

    result = _analysed("232")
    fs, sample = result.recording.fs, result.beats.sample
    groups = cluster_beats(result.recording.signals[:, 0], fs, sample)
    review = Review(len(sample))
    review = review.answer(np.flatnonzero(groups.cluster == 0), "N", key="cluster 1", kind="cluster")
    review = review.answer(np.flatnonzero(groups.cluster == 1), "S", key="cluster 2", kind="cluster")
    review = review.answer([5, 9], "V", key="split 1: N called V (2)", kind="split")
    review = review.answer(np.flatnonzero(groups.cluster == 2), NOT_SURE, key="cluster 3", kind="cluster")
    files = review_annotations(review, sample, fs, record=result.recording.name)
    (name, data), = files.items()
    assert name == "232.review"
    (tmp_path / name).write_bytes(data)
    ann = wfdb.rdann(str(tmp_path / "232"), "review")                   # wfdb reads it as it is
    labels = review.labels
    done = np.flatnonzero(labels >= 0)
    order = done[np.argsort(sample[done])]
    assert ann.sample.tolist() == sample[order].tolist()
    assert ann.symbol == [("N", "S", "V", "F", "Q")[labels[i]] for i in order]
    for data, fname in ((data, "232.review"), (review_csv(review, sample, fs, probas=result.probas), "232.csv")):
        back, sentence = read_review(data, fname, sample, fs)
        assert back.labels.tolist() == labels.tolist(), fname
        assert [a.key for a in back.answers if a.label >= 0] == [a.key for a in review.answers if a.label >= 0]
        assert "labelled beats found on this recording" in sentence
    back, _ = read_review(review_csv(review, sample, fs), "232.csv", sample, fs)
    assert back.clicks == 4 and "cluster 3" in back.asked               # the csv keeps "not sure" too
    table = review_table(review, sample, fs, probas=result.probas, reference=result.reference)
    assert {"label", "click", "kind", "question", "robust_lstm", "reference"} <= set(table.columns)


def test_a_review_file_that_does_not_fit_is_refused_in_one_line():
    result = _analysed("232")
    fs, sample = result.recording.fs, result.beats.sample
    review = Review(len(sample)).answer(range(50), "N", kind="cluster")
    other = sample + int(fs)                            # another recording's beats: none within 50 ms
    other[::2] += int(0.3 * fs)
    with pytest.raises(DataError, match="none of its 50 labelled beats lies on a beat"):
        read_review(review_csv(review, sample, fs), "old.csv", other[:10] * 1000, fs)
    for data, message in ((b"\x00\x01garbage", "neither a review CSV nor a WFDB annotation file"),
                          (b"a,b,c,d\n1,2,3,4\n", "not a review saved by ecgdash"),
                          ("beat,sample,label,click,kind,question\n".encode(), "none of its 0")):
        with pytest.raises(DataError, match=message):
            read_review(data, "x", sample, fs)


def test_evaluate_database_with_clicks_writes_the_issue_layout(tmp_path, capsys):
    from ecgdash.cli import main
    from ecgdash.io.examples import excerpts_dir

    out = tmp_path / "curve.json"
    assert main(["evaluate", "database", str(excerpts_dir()), "--records", "213", "--clicks", "0,2",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "simulated reader" in printed and "majority reference label" in printed
    figures = json.loads(out.read_text())
    assert set(figures) == {"robust_lstm", "robust_cnn"}
    for rows in figures.values():
        assert set(rows) == {"0", "2"}
        for v in rows.values():
            assert set(v) == {"accuracy", "N", "S", "V", "beats"} and v["beats"] > 300
    assert main(["evaluate", "database", str(excerpts_dir()), "--json", str(out)]) == 2
    assert "give --clicks too" in capsys.readouterr().err


def _shipped_digest() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "trained_models").rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_a_review_on_the_page_goes_on_from_its_file_and_leaves_the_shipped_models_as_they_were(monkeypatch, tmp_path):
    """Recordings with the shipped pair: two clicks change the counts and the calls; the review
    survives reruns, downloads as a WFDB annotation file, and that file uploaded after "Start
    over" gives the same labels back; trained_models/ is byte for byte what it was."""
    from streamlit.testing.v1 import AppTest

    before = _shipped_digest()
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/recording.py").run()
    at.radio(key="record_source").set_value("An example").run()
    at.selectbox(key="record_example").set_value("record_208").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "No label yet" in " ".join(m.value for m in at.markdown)
    first = at.dataframe[-1].value.copy()
    for _ in range(2):
        next(b for b in at.button if b.key == "answer:V").click().run()
    assert not at.exception
    said = next(m.value for m in at.markdown if "clicks: labels reached" in m.value)
    reached = int(said.split("reached ")[1].split(" of")[0].replace(",", ""))
    table = at.dataframe[-1].value
    labelled = table["label"] != ""
    assert labelled.sum() == reached > 0
    assert (table.loc[labelled, "robust_lstm_class"] == "V").all() and (table.loc[labelled, "robust_cnn_class"] == "V").all()
    assert (first.loc[labelled.to_numpy(), "robust_lstm_class"] != "V").any()   # calls changed
    at.run()                                                                    # a rerun keeps it
    assert any(f"2 clicks: labels reached {reached:,}" in m.value for m in at.markdown)
    # the annotation file, as the download button makes it, uploaded after starting over
    reviews = at.session_state["reviews"]
    (key, review), = reviews.items()
    from ecgdash.io.examples import excerpts_dir
    from ecgdash.pipeline.record import analyze_record

    result = analyze_record(excerpts_dir() / "208")
    (name, data), = review_annotations(review, result.beats.sample, 360.0, record="208").items()
    next(b for b in at.button if b.key == "review_reset").click().run()
    assert "No label yet" in " ".join(m.value for m in at.markdown)
    at.file_uploader(key=f"review_upload:{key}").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"2 clicks: labels reached {reached:,}" in m.value for m in at.markdown)
    assert (at.dataframe[-1].value["label"] == table["label"]).all()
    assert _shipped_digest() == before


def test_the_clusters_vote_moves_a_cluster_towards_its_mean_and_labels_still_win():
    from ecgdash.review.calls import cluster_smoothed

    p = {"m": np.array([[0.9, 0.1, 0, 0, 0]] * 3 + [[0.45, 0.55, 0, 0, 0]] + [[0.1, 0.9, 0, 0, 0]] * 2)}
    clusters = np.array([0, 0, 0, 0, 1, 1])
    voted = cluster_smoothed(p, clusters)["m"]
    assert p["m"][3].argmax() == 1 and voted[3].argmax() == 0           # the odd beat follows its cluster
    assert (voted[4:].argmax(axis=1) == 1).all() and np.allclose(voted.sum(axis=1), 1)
    labels = np.array([-1, -1, -1, 1, -1, -1])                          # a person says beat 3 is S
    assert reviewed_proba({"m": voted}, labels)["m"][3].argmax() == 1
    assert np.array_equal(cluster_smoothed(p, clusters, weight=0.0)["m"], p["m"].astype(np.float32))


def test_beats_in_unreadable_stretches_are_never_asked_about():
    x, fs, marks, odd, probas = _synthetic()
    groups = cluster_beats(x, fs, marks, k=2)
    readable = ~odd                                     # the odd beats lie in noise
    asked = next_questions(Review(len(marks)), groups.cluster, probas, readable=readable)
    assert asked and all(readable[q.beats].all() for q in asked)
