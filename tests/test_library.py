"""The library on its own: no web framework, one registry, named recipes, safe saves, examples."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from conftest import ROOT
from ecgdash import DataError
from ecgdash.models import registry, store
from ecgdash.training.recipes import PRESETS, preset


def _python(code: str, cwd) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_command_line_works_from_any_folder(tmp_path):
    """``python -m ecgdash evaluate report --from-cards`` outside the checkout; the scores come
    from the cards, so TensorFlow is never loaded (loading it made the command 5.2 s, not 1.9 s)."""
    code = ("import runpy, sys\n"
            "sys.argv = ['ecgdash', 'evaluate', 'report', '--models', 'cnn', '--from-cards']\n"
            "try:\n    runpy.run_module('ecgdash', run_name='__main__')\n"
            "finally:\n    print('tensorflow loaded:', 'tensorflow' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "== cnn: CNN, trained on 87,554 beats (48 records; intra-patient split" in done.stdout
    assert done.stdout.rstrip().endswith("tensorflow loaded: False")


def test_the_registry_is_the_one_list_of_models():
    from ecgdash.models.builders import build

    assert set(registry.MODELS) == {n for pair in registry.PAIRS.values() for n in pair}
    for name, spec in registry.MODELS.items():
        model = build(name)
        assert model.count_params() <= spec.max_params
        assert (len(model.inputs) > 1) == spec.needs_context
    assert [store.list_models(ROOT / "trained_models")] == [sorted(registry.MODELS)]
    for name in registry.MODELS:                       # the committed cards agree with it
        card = store.load_card(name)
        spec = registry.spec(name)
        assert registry.Split.parse(card["split"]) is spec.split and card["recipe"] == spec.recipe
        assert card["evaluation"]["test_set"] == spec.split.test_set
    assert registry.model_name("cnn", "inter") == "cnn_inter"
    assert registry.title("new cnn") == "new cnn" and registry.color("new cnn") == registry.OTHER_COLOR
    with pytest.raises(DataError, match="Unknown model 'gru'"):
        registry.spec("gru")


def test_charts_take_their_colours_from_the_registry():
    from ecgdash.report import model_figures

    evals = {name: {"per_class": {c: {"f1": 0.5} for c in "NSVFQ"}} for name in
             ("lstm", "robust_lstm", "lstm_inter")}
    fig = model_figures.per_class_figure(evals)
    colors = {bar.name: bar.marker.color for bar in fig.data}
    assert colors == {registry.title(name): registry.color(name) for name in evals}
    assert len(set(colors.values())) == 3             # "lstm" in a name no longer decides it


def test_the_library_default_is_the_documented_recipe(monkeypatch, records):
    """``train_model`` from Python trains with the reference preset, as the CLI and the page."""
    from ecgdash import beats_from_record
    from ecgdash.cli import main
    from ecgdash.training import reference as training

    seen = []

    def fake_fit(model, fit_beats, val, config, *args, **kwargs):
        seen.append(config)
        return {"epochs_run": 0, "best_epoch": 0, "best_val_macro_f1": 0.0, "train_seconds": 0.0,
                "seconds_per_epoch": None, "history": []}

    monkeypatch.setattr(training, "fit", fake_fit)
    beats = beats_from_record(records / "119")
    _, card = training.train_model("cnn", beats)
    assert seen[-1] == PRESETS["reference"] and (seen[-1].epochs, seen[-1].patience) == (50, 20)
    assert card["recipe"] == "reference" and card["split"] == "intra"
    assert preset("reference", epochs=5, subset=None).epochs == 5
    with pytest.raises(DataError, match="Unknown training option"):
        preset("reference", epoch=5)
    with pytest.raises(DataError, match="robust recipe"):
        training.train_model("robust_cnn", beats)

    class Stop(Exception):
        pass

    calls = []

    def fake_train(name, train, **kwargs):
        calls.append(kwargs["config"])
        raise Stop

    monkeypatch.setattr("ecgdash.cli.train.train_model", fake_train)
    monkeypatch.setattr("ecgdash.datasets.mitbih.load_split", lambda *a, **k: beats)
    with pytest.raises(Stop):
        main(["train", "--model", "cnn"])
    assert calls == [PRESETS["reference"]]


def test_two_threads_saving_at_once_do_not_collide(tmp_path):
    """Both saves complete and the pair on disk belongs together (card sha = model file)."""
    barrier = threading.Barrier(2, timeout=10)

    class SlowModel:
        def __init__(self, payload):
            self.payload = payload

        def save(self, path):
            with open(path, "wb") as f:
                f.write(self.payload)
            barrier.wait()                 # both threads are inside save at the same time

    errors = []

    def save(payload):
        try:
            store.save_model("cnn", SlowModel(payload), {"params": 1}, folder=tmp_path)
        except Exception as exc:           # noqa: BLE001 (the test reports any failure)
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(bytes([i]) * 1000,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    card = store.load_card("cnn", folder=tmp_path)
    assert card["keras_sha256"] == store._sha256(tmp_path / "cnn.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.json", "cnn.keras"]


def test_examples_are_in_the_box():
    from ecgdash import beats_from_record, load_beats
    from ecgdash.io.examples import examples

    folder = ROOT / "data" / "examples"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size <= 3 * 1024 * 1024
    readme = (folder / "README.md").read_text()
    for words in ("MIT-BIH Arrhythmia Database", "PhysioNet", "ODC-By 1.0", "scripts/make_examples.py"):
        assert words in readme
    kinds = [e.kind for e in examples()]
    assert kinds.count("beats") == 1 and kinds.count("recording") == 4 and kinds.count("strip") == 1
    beats = load_beats(examples(kind="beats")[0].path)
    assert len(beats) == 500 and all(n > 0 for n in beats.class_counts().values())
    classes = set()
    for ex in examples(kind="recording"):
        classes |= {c for c, n in beats_from_record(ex.path).class_counts().items() if n}
    assert classes == {"N", "S", "V", "F", "Q"}
    tracked = subprocess.run(["git", "ls-files", "*.dat", "*.atr", "*.hea"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert tracked and all(p.startswith("data/examples/") for p in tracked)


def test_public_api_has_numpy_docstrings_and_keyword_options():
    import inspect

    import ecgdash

    for name in ("load_beats", "beats_from_record", "load_model", "predict_proba", "evaluate",
                 "analyze_record", "explain"):
        fn = getattr(ecgdash, name)
        doc = inspect.getdoc(fn)
        for section in ("Parameters\n----------", "Returns\n-------", "Raises\n------",
                        "Examples\n--------"):
            assert section in doc, (name, section)
        params = list(inspect.signature(fn).parameters.values())
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(positional) <= 2, (name, positional)     # the data; options keyword-only
        assert "GUIDE" not in doc and "../" not in doc
