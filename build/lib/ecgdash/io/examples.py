"""The example files shipped in ``data/examples/``: real MIT-BIH excerpts for a first try.

Made by ``scripts/make_examples.py`` from the MIT-BIH Arrhythmia Database (PhysioNet, ODC-By
1.0); ``data/examples/README.md`` says how each was made. The pages offer them in one click,
and the tests run on them when no copy of the database is at hand::

    for ex in examples(kind="recording"):
        print(ex.title, ex.path)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecgdash.config import examples_dir

#: The folder of WFDB excerpts (a small WFDB database: RECORDS, .hea, .dat, .atr).
EXCERPTS = "mitdb_excerpts"
#: The excerpted records and what each shows.
EXCERPT_RECORDS = {
    "208": "ventricular (V) beats and fusion (F) beats, couplets; all five classes",
    "213": "fusion (F) and ventricular (V) beats, a few supraventricular (S) beats",
    "232": "mostly supraventricular (S) beats, long pauses",
    "119": "ventricular bigeminy: every other beat a V beat",
}
BEATS_FILE = "mitbih_test_500.csv"
STRIP_FILE = "strip_119_30s.csv"
STRIP_FS = 360.0


@dataclass(frozen=True)
class Example:
    """One example file: what it is and where it lies."""

    key: str
    title: str
    kind: str            # "beats" (a beat CSV), "recording" (a WFDB record) or "strip" (a CSV signal)
    path: Path           # the file, or the WFDB record without extension
    fs: float | None = None   # sampling rate of a CSV signal (WFDB headers carry their own)

    @property
    def files(self) -> list[Path]:
        """The files that make up the example (a WFDB record is three)."""
        if self.kind == "recording":
            return [self.path.with_suffix(ext) for ext in (".hea", ".dat", ".atr")]
        return [self.path]


def examples(kind: str | None = None, folder=None) -> list[Example]:
    """The examples present in ``folder`` (default ``data/examples``), optionally of one kind:
    "beats", "recording" or "strip"."""
    folder = Path(folder) if folder else examples_dir()
    out = [Example("beats", "500 beats of the intra-patient test split (every class)", "beats",
                   folder / BEATS_FILE)]
    out += [Example(f"record_{name}", f"MIT-BIH record {name}, 5 minutes: {what}", "recording",
                    folder / EXCERPTS / name) for name, what in EXCERPT_RECORDS.items()]
    out.append(Example("strip", "30-second strip of record 119 (one CSV column, 360 Hz)", "strip",
                       folder / STRIP_FILE, fs=STRIP_FS))
    return [e for e in out if (kind is None or e.kind == kind) and all(f.is_file() for f in e.files)]


def excerpts_dir(folder=None) -> Path:
    """The folder of WFDB excerpts (usable wherever a WFDB folder is, e.g. ``data build --source``)."""
    return (Path(folder) if folder else examples_dir()) / EXCERPTS
