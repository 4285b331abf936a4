"""CI lints through the test suite: ``ruff check`` with the rules of pyproject.toml."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (requirements-dev.txt installs it)")
    done = subprocess.run([ruff, "check", "--no-cache", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


#: A path that only exists on one machine: a home, work, root, temporary or var folder, a Windows drive.
_ABSOLUTE = r"(^|[^A-Za-z0-9_.~$/-])(/(work|home|Users|root|mnt|srv|tmp|var|opt)/[A-Za-z0-9_.-]+|[A-Z]:\\\\[A-Za-z])"


def test_no_committed_file_holds_a_path_of_one_machine():
    """Cards, docs, code: paths are relative (to the data folder, the repository); a card that
    named the svdb folder by its full path on the machine that scored it means nothing elsewhere."""
    import re

    git = shutil.which("git")
    listed = subprocess.run([git, "ls-files"], cwd=ROOT, capture_output=True, text=True) if git else None
    if listed is None or listed.returncode != 0:
        pytest.skip("not a git checkout")
    pattern = re.compile(_ABSOLUTE, re.M)
    found = []
    for name in listed.stdout.splitlines():
        path = ROOT / name
        if not path.is_file() or path.suffix in {".keras", ".npz", ".png", ".pdf", ".gz", ".dat", ".atr"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if match := pattern.search(text):
            found.append(f"{name}: {match.group(0).strip()}")
    assert not found, found
