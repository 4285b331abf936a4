"""Training through the CLI path, the saved cards, reloading, atomic saves, CLI errors."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from ecgdash import DataError, load_beats, load_card, load_model, predict_proba
from ecgdash.cli import main
from ecgdash.models import store
from ecgdash.training.reference import class_weights, stratified_split, stratified_subset


def test_tiny_training_writes_models_and_cards(tiny_store, small_data):
    assert store.list_models(tiny_store) == ["cnn", "lstm", "robust_cnn", "robust_lstm"]
    assert not (small_data / "checkpoints").exists()     # the runs ended: no state left behind
    test = load_beats(small_data / "mitbih_test.csv")
    for name in ("lstm", "cnn"):
        card = load_card(name, folder=tiny_store)
        assert card["params"] == load_model(name, folder=tiny_store).count_params()
        assert card["epochs_run"] == 1 and card["best_epoch"] == 1
        assert card["resumed_at"] == []                  # ran in one go
        assert card["split"] == "intra" and card["seed"] == 42
        assert card["data"]["fit_beats"] + card["data"]["val_beats"] == 300
        assert len(card["data"]["train_sha256"]) == 64
        assert set(card["versions"]) >= {"tensorflow", "keras", "numpy"}
        assert len(card["history"]) == 1 and {"loss", "val_macro_f1"} <= set(card["history"][0])
        assert [row["name"] for row in card["architecture"]][0] == "beat"
        ev = card["evaluation"]
        assert ev["n"] == len(test) and len(ev["confusion"]) == 5
        assert sum(map(sum, ev["confusion"])) == len(test)
        # the stored evaluation is what the saved model does on the test file
        proba = predict_proba(load_model(name, folder=tiny_store), test)
        assert np.mean(proba.argmax(1) == test.y) == pytest.approx(ev["accuracy"])


def test_evaluate_cli_prints_report(tiny_store, small_data, capsys):
    assert main(["evaluate", "report", "--data", str(small_data), "--models-dir", str(tiny_store)]) == 0
    out = capsys.readouterr().out
    for text in ("== cnn", "== lstm", "== robust_cnn", "macro avg", "weighted avg", "ROC-AUC",
                 "params", "confusion matrix", "computed now"):
        assert text in out
    assert main(["evaluate", "report", "--models", "cnn", "--from-cards", "--models-dir", str(tiny_store)]) == 0
    assert "stored in the card" in capsys.readouterr().out


def test_interrupted_save_keeps_old_model(tiny_store, tmp_path):
    folder = tmp_path / "store"
    folder.mkdir()
    for ext in (".keras", ".json"):
        (folder / f"cnn{ext}").write_bytes((tiny_store / f"cnn{ext}").read_bytes())
    model = load_model("cnn", folder=folder)
    before = predict_proba(model, np.full((2, 187), 0.5, np.float32))

    class Killed(BaseException):
        pass

    class Dying:
        """A model whose save writes half a file, then the process 'dies'."""

        def save(self, path):
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 half")
            raise Killed

    with pytest.raises(Killed):
        store.save_model("cnn", Dying(), {"params": 1}, folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["cnn.json", "cnn.keras"]
    again = predict_proba(load_model("cnn", folder=folder), np.full((2, 187), 0.5, np.float32))
    np.testing.assert_array_equal(before, again)
    assert load_card("cnn", folder=folder)["params"] == model.count_params()


def test_mismatched_or_damaged_store_is_explained(tiny_store, tmp_path):
    (tmp_path / "cnn.keras").write_bytes((tiny_store / "cnn.keras").read_bytes())
    (tmp_path / "cnn.json").write_bytes((tiny_store / "lstm.json").read_bytes())
    with pytest.raises(DataError, match="does not match its card"):
        load_model("cnn", folder=tmp_path)
    (tmp_path / "cnn.json").write_text("{broken")
    with pytest.raises(DataError, match="damaged"):
        load_card("cnn", folder=tmp_path)
    with pytest.raises(store.ModelMissing, match="train --model lstm --split inter"):
        load_model("lstm_inter", folder=tmp_path)


def test_cli_bad_input_is_one_line_no_traceback(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path), "--models-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "data build" in err and "Traceback" not in err
    assert main(["evaluate", "report", "--models-dir", str(tmp_path / "none")]) == 2
    assert "No trained models" in capsys.readouterr().err
    with pytest.raises(SystemExit):                 # `data build` writes to --out; no --data
        main(["data", "build", "--data", str(tmp_path)])
    assert "unrecognized arguments: --data" in capsys.readouterr().err


@pytest.mark.parametrize("size", [5, 37, 300, 968])
def test_a_subset_has_the_size_asked_and_every_class(size):
    y = np.repeat(np.arange(5), [800, 30, 60, 9, 70])
    part = stratified_subset(y, size, seed=0)
    assert len(part) == size and len(np.unique(part)) == size
    assert len(np.unique(y[part])) == 5
    if size >= 300:
        assert abs(np.mean(y[part] == 0) - 800 / 969) < 0.02


def test_validation_split_and_class_weights():
    y = np.repeat(np.arange(5), [800, 30, 60, 9, 70])
    rest, val = stratified_split(y, 0.1, seed=1)
    assert len(np.intersect1d(rest, val)) == 0 and len(rest) + len(val) == len(y)
    assert np.bincount(y[val]).tolist() == [80, 3, 6, 1, 7]
    w = class_weights(y)
    assert w[3] > w[1] > w[4] > w[0]
    assert np.sum([w[c] * n for c, n in enumerate(np.bincount(y))]) == pytest.approx(len(y))
    assert class_weights(y, "none") is None


def test_classroom_recipe_never_collapses_on_the_built_examples(small_data):
    """The Train page's defaults (a CNN, 5 epochs, batch 128) on the built excerpts: about 10
    steps an epoch. With Keras' BatchNorm momentum (0.99) the validation accuracy fell to 0.13
    (every beat one minority class) from epoch 2; the recipe's momentum must keep it up."""
    from ecgdash.datasets.mitbih import load_split
    from ecgdash.training.recipes import CLASSROOM
    from ecgdash.training.reference import one_class_advice, train_model

    train, test = load_split("intra", "train", out=small_data), load_split("intra", "test", out=small_data)
    _, card = train_model("cnn", train, config=CLASSROOM, test=test)
    val_acc = [row["val_accuracy"] for row in card["history"]]
    majority = np.bincount(train.y).max() / len(train)
    assert len(val_acc) == CLASSROOM.epochs
    assert min(val_acc) >= 0.3, val_acc                      # never mostly one minority class
    assert val_acc[-1] >= majority, (val_acc, majority)      # ends above "all N"
    assert card["config"]["batchnorm_momentum"] == CLASSROOM.batchnorm_momentum
    assert one_class_advice(card) is None


def test_one_class_advice_names_the_class_and_the_remedy():
    from ecgdash.training.reference import one_class_advice

    confusion = np.zeros((5, 5), int)
    confusion[:, 0] = [90, 5, 3, 1, 1]                        # every beat called N
    card = {"kind": "lstm", "evaluation": {"confusion": confusion.tolist(), "accuracy": 0.9,
                                           "macro_f1": 0.19}}
    text = one_class_advice(card)
    assert "every test beat **N**" in text and "0.900" in text and "LSTM" in text
    card["kind"] = "cnn"
    assert "LSTM" not in one_class_advice(card)
    confusion[1, 1] = 1                                        # a second class called once
    card["evaluation"]["confusion"] = confusion.tolist()
    assert one_class_advice(card) is None
    assert one_class_advice({"kind": "cnn"}) is None           # no evaluation: nothing to say


def test_an_interrupted_run_goes_on_from_its_checkpoint(small_data, tmp_path):
    """Stopped after epoch 1 of 3, the same call with the same folder runs epochs 2-3 only,
    from the saved weights and optimizer state; the history is whole. The folder stays until the
    model is saved: the same call again runs no epoch and gives the same model. Another run
    (other seed) refuses the folder instead of mixing into it."""
    import keras

    from ecgdash.datasets.mitbih import load_split
    from ecgdash.training.recipes import preset
    from ecgdash.training.reference import train_model

    train = load_split("intra", "train", out=small_data)
    config = preset("reference", epochs=3, subset=300, batch_size=64)
    folder = tmp_path / "ckpt"

    class Stop(Exception):
        pass

    def stop_after_first(epoch, total, row):
        if epoch == 1:
            raise Stop

    with pytest.raises(Stop):
        train_model("lstm", train, config=config, on_epoch=stop_after_first, checkpoint=folder)
    assert (folder / "state.json").is_file()
    first = load_json(folder / "state.json")["history"]
    assert [row["epoch"] for row in first] == [1]

    with pytest.raises(DataError, match="another training run"):
        train_model("lstm", train, config=preset("reference", epochs=3, subset=300, batch_size=64,
                                                  seed=7), checkpoint=folder)

    seen = []
    model, card = train_model("lstm", train, config=config, checkpoint=folder,
                              on_epoch=lambda epoch, total, row: seen.append(epoch))
    assert seen == [2, 3]                                   # epoch 1 was not run again
    assert [row["epoch"] for row in card["history"]] == [1, 2, 3]
    assert card["history"][0] == first[0]
    assert card["resumed_at"] == [2] and card["epochs_run"] == 3
    steps = -(-card["data"]["fit_beats"] // config.batch_size)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 3 * steps
    assert (folder / "state.json").is_file() and not (folder / "owner.lock").exists()
    seen.clear()
    again, card_again = train_model("lstm", train, config=config, checkpoint=folder,
                                    on_epoch=lambda epoch, total, row: seen.append(epoch))
    assert seen == [] and card_again["history"] == card["history"]     # every epoch was done
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_folder_serves_one_run_at_a_time(tmp_path):
    """Issue 23: two CLI trainings of one model and seed shared one folder; the second took over
    the first's live checkpoint. A live owner's lock refuses; a dead owner's is taken over."""
    import subprocess
    import sys

    from ecgdash.training.checkpoint import Checkpoint

    folder = tmp_path / "ckpt"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder.mkdir()
        (folder / "owner.lock").write_text(str(other.pid))
        with pytest.raises(DataError, match=f"Another training run .process {other.pid}. is using"):
            Checkpoint(folder, fingerprint={}).acquire()
    finally:
        other.kill()
        other.wait()
    ckpt = Checkpoint(folder, fingerprint={})
    ckpt.acquire()                                       # its owner has ended: taken over
    assert (folder / "owner.lock").read_text().split()[0] == str(os.getpid())
    ckpt.release()
    assert not (folder / "owner.lock").exists()


def load_json(path):
    import json

    return json.loads(path.read_text())


def test_the_cli_goes_on_from_an_interrupted_run(eager_keras, small_data, tmp_path, monkeypatch, capsys):
    """`train` killed after epoch 1; with --fresh it starts from epoch 1 again (and is killed
    again); then the same command says it goes on from the checkpoint and runs epoch 2 only."""
    import ecgdash.cli.train as cli

    data = shutil.copytree(small_data, tmp_path / "data")      # the shared folder stays clean
    args = ["train", "--model", "lstm", "--subset", "300", "--epochs", "2", "--batch-size", "512",
            "--data", str(data), "--models-dir", str(tmp_path / "models")]
    printer = cli.epoch_printer

    class Killed(Exception):
        pass

    def killed_after_first():
        show = printer()

        def on_epoch(epoch, total, row):
            show(epoch, total, row)
            raise Killed
        return on_epoch

    monkeypatch.setattr(cli, "epoch_printer", killed_after_first)
    with pytest.raises(Killed):
        main(args)
    assert (data / "checkpoints" / "lstm-seed42" / "state.json").is_file()
    capsys.readouterr()
    with pytest.raises(Killed):                          # --fresh: from epoch 1 again, killed again
        main(args + ["--fresh"])
    out = capsys.readouterr().out
    assert "going on" not in out and "epoch   1/2" in out

    monkeypatch.setattr(cli, "epoch_printer", printer)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "going on from the checkpoint" in out
    assert "epoch   1/2" not in out and "epoch   2/2" in out
    assert load_card("lstm", folder=tmp_path / "models")["resumed_at"] == [2]
    assert not (data / "checkpoints").exists()          # removed once the model was saved


def test_a_kill_while_saving_loses_no_epoch(small_data, tmp_path, monkeypatch, capsys):
    """Issue 23: the checkpoint was removed inside fit(), before the test evaluation and the save:
    a kill there lost the whole run. Now the rerun finds every epoch done and only saves."""
    import ecgdash.cli.train as cli

    data = shutil.copytree(small_data, tmp_path / "data")
    args = ["train", "--model", "lstm", "--subset", "300", "--epochs", "2", "--batch-size", "512",
            "--data", str(data), "--models-dir", str(tmp_path / "models")]

    class Killed(Exception):
        pass

    def killed(*a, **k):
        raise Killed

    monkeypatch.setattr(cli.store, "save_model", killed)
    with pytest.raises(Killed):
        main(args)
    state = load_json(data / "checkpoints" / "lstm-seed42" / "state.json")
    assert [row["epoch"] for row in state["history"]] == [1, 2]
    monkeypatch.undo()
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "going on from the checkpoint" in out and "epoch   1/2" not in out and "epoch   2/2" not in out
    assert load_card("lstm", folder=tmp_path / "models")["epochs_run"] == 2
    assert not (data / "checkpoints").exists()


def test_the_epoch_monitor_writes_validation_scores_into_keras_logs_and_stops_on_patience(small_data):
    """Keras' own callbacks drive the monitor: the schedule sets each epoch's rate, the epoch's
    logs carry the validation macro-F1, and a score that does not rise for ``patience`` epochs
    stops the fit with the best epoch's weights back in the model."""
    import keras

    from ecgdash.datasets.mitbih import load_split
    from ecgdash.models.builders import build
    from ecgdash.training.recipes import preset
    from ecgdash.training.reference import EpochMonitor, cosine_lr

    val = load_split("intra", "test", out=small_data).subset(np.arange(200))
    config = preset("reference", epochs=10, patience=2)
    model = build("cnn")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="sparse_categorical_crossentropy")
    monitor = EpochMonitor(model, model, val, config)
    schedule, driver = monitor.callbacks()
    for cb in (schedule, driver):
        cb.set_model(model)
    driver.on_train_begin()
    logs = [{}, {}, {}]
    kept = None
    for epoch in range(3):
        schedule.on_epoch_begin(epoch)
        driver.on_epoch_begin(epoch)
        if epoch == 0:
            kept = [w.copy() for w in model.get_weights()]
        else:                          # the weights move, the score cannot rise above epoch 1's
            model.set_weights([w + 0.5 for w in kept])
            monitor.best = 2.0         # a score no epoch reaches
        driver.on_epoch_end(epoch, logs[epoch])
    assert all(0.0 <= log["val_macro_f1"] <= 1.0 and "val_loss" in log for log in logs)
    assert [row["learning_rate"] for row in monitor.history] == pytest.approx(
        [cosine_lr(e, config) for e in range(3)], rel=1e-6)
    assert monitor.wait == 2 and model.stop_training and monitor.stopped
    driver.on_train_end()
    for a, b in zip(model.get_weights(), kept):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("recipe", ["reference", "robust"])
def test_a_run_killed_and_resumed_ends_exactly_as_the_uninterrupted_one(recipe, eager_keras, small_data, small_source, tmp_path):
    """Started again from the state a kill after epoch 1 of 2 leaves (the checkpoint folder as
    it was then, copied), a run gives the same history and the same weights, bit for bit, as
    the one that ran on in one go: the checkpoint holds the weights, the optimizer, the dropout
    generators' states and Python's random state (Keras shuffles the batch order with it).
    Without the last two, epoch 2's loss differed."""
    from ecgdash.datasets.mitbih import load_split
    from ecgdash.training.recipes import AugmentConfig, preset
    from ecgdash.training.reference import train_model
    from ecgdash.training.robust import train_robust

    if recipe == "reference":
        train = load_split("intra", "train", out=small_data)
        config = preset("reference", epochs=2, subset=200, batch_size=100)

        def run(**kw):
            return train_model("cnn", train, config=config, **kw)
    else:
        config = preset("robust", epochs=2, subset=200, batch_size=100)

        def run(**kw):
            return train_robust("robust_cnn", small_source, config=config, augment=AugmentConfig(copies=1),
                                records=["119", "213", "208"], val_records=("208",), adjust=False, **kw)

    what_a_kill_leaves = tmp_path / "killed-after-epoch-1"

    def keep_the_state_after_epoch_1(epoch, total, row):       # called once the epoch is saved
        if epoch == 1:
            shutil.copytree(tmp_path / "ckpt", what_a_kill_leaves, ignore=shutil.ignore_patterns("*.lock"))

    straight, card = run(checkpoint=tmp_path / "ckpt", on_epoch=keep_the_state_after_epoch_1)
    resumed, resumed_card = run(checkpoint=what_a_kill_leaves)
    assert resumed_card["resumed_at"] == [2]
    strip = ("seconds",)
    assert [{k: v for k, v in row.items() if k not in strip} for row in resumed_card["history"]] == \
        [{k: v for k, v in row.items() if k not in strip} for row in card["history"]]
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
