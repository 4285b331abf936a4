"""The library installs: a wheel built from the checkout carries the shipped models and the
examples, and its command line runs outside the checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_the_wheel_runs_ecgdash_record_outside_the_checkout(tmp_path):
    pytest.importorskip("setuptools")
    wheels, target, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    source = tmp_path / "source"          # setuptools builds in the source tree: a copy of it
    source.mkdir()
    for part in ("pyproject.toml", "README.md", "ecgdash", "trained_models", "data/examples"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy2)(ROOT / part, source / part)
    run = lambda *cmd, **kw: subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)  # noqa: E731
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                "-w", str(wheels), str(source))
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("ecgdash-*.whl"))
    installed = run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel))
    assert installed.returncode == 0, installed.stderr
    example = target / "share" / "ecgdash" / "examples" / "mitdb_excerpts" / "213"
    assert example.with_suffix(".hea").is_file()
    assert (target / "share" / "ecgdash" / "trained_models" / "robust_cnn.keras").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECGDASH_")}
    env.update(PYTHONPATH=str(target), ECGDASH_DATA_DIR=str(tmp_path / "data"))
    where = run(sys.executable, "-c", "import ecgdash, ecgdash.config as c; print(ecgdash.__file__, "
                "c.IN_CHECKOUT, c.models_dir())", cwd=work, env=env)
    module, in_checkout, models = where.stdout.split()
    assert module.startswith(str(target)) and in_checkout == "False" and models.startswith(str(target))
    done = run(sys.executable, "-m", "ecgdash", "record", str(example), "--out", "beats.csv", cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    assert "beats per class" in done.stdout and "robust_cnn" in done.stdout
    assert len((work / "beats.csv").read_text().splitlines()) > 400
