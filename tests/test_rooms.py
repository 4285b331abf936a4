"""The house rules: rooms by domain, imports that go one way, Keras and Streamlit in their rooms,
no import cycle, a light ``import ecgdash``. Read from the source (ast), so a rule broken inside a
function counts too."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ecgdash"

#: Each room's rank: a module may import modules of its own room and of rooms ranked lower.
#: The report room (tables, figures, words) sits below the pipeline, which writes its tables.
RANKS = {"config": 0, "errors": 0, "runtime": 0, "beats": 0, "io": 1, "ecg": 2, "datasets": 3, "models": 4,
         "evaluation": 5, "training": 6, "report": 7, "pipeline": 8, "review": 9, "teaching": 9, "cli": 10,
         "dashboard": 10}
#: The only rooms that may import these (at any depth). The dashboard imports TensorFlow itself
#: only to load it once, behind a lock, after the first page is drawn (``caches.load_tensorflow``).
_TF = {"models", "training", "runtime", "cli", "dashboard"}
HEAVY = {"keras": _TF, "tensorflow": _TF, "streamlit": {"dashboard"}}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ecgdash"


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            found.append((node.lineno, node.module))
            if node.module == "ecgdash" or node.module.count(".") == 1:   # from ecgdash.room import module
                found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


MODULES = _modules()


def test_every_module_lives_in_a_room():
    loose = [m for m in MODULES if m.count(".") == 1 and _room(m) not in RANKS and m != "ecgdash.__main__"]
    assert not loose, loose
    rooms = {m.split(".")[1] for m in MODULES if m.count(".") >= 2}
    assert rooms == {"io", "ecg", "datasets", "models", "evaluation", "training", "report", "pipeline",
                     "review", "teaching", "cli", "dashboard"}


@pytest.mark.parametrize("module", [m for m in MODULES if _room(m) in RANKS])
def test_rooms_import_only_their_own_and_lower_rooms(module):
    room = _room(module)
    for line, target in _imports(MODULES[module]):
        if target.startswith("ecgdash.") and target.count(".") >= 1:
            other = _room(target)
            if other in RANKS:
                assert RANKS[other] <= RANKS[room] and {room, other} != {"cli", "dashboard"}, \
                    f"{module}:{line} ({room}) imports {target} ({other})"


@pytest.mark.parametrize("heavy", sorted(HEAVY))
def test_keras_and_streamlit_stay_in_their_rooms(heavy):
    bad = [f"{m}:{line}" for m, path in MODULES.items() for line, target in _imports(path)
           if target.split(".")[0] == heavy and _room(m) not in HEAVY[heavy]]
    assert not bad, f"{heavy} imported outside {sorted(HEAVY[heavy])}: {bad}"


def test_no_import_cycle():
    """The library's top-level imports form no cycle (a cycle is named, module by module)."""
    graph = {m: {t for _, t in _imports(p, top_level_only=True) if t in MODULES and t != m}
             for m, p in MODULES.items()}
    assert sum(map(len, graph.values())) > len(graph)  # the graph was read: most modules import others
    state, path = {}, []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for t in graph[m]:
            if state.get(t) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(t):] + [t]))
            if t not in state:
                visit(t)
        path.pop()
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m)


def test_the_library_imports_light_and_never_streamlit(tmp_path):
    """``import ecgdash`` loads no room; importing every library module (all but the dashboard)
    loads neither Streamlit nor TensorFlow (they load when a model first serves)."""
    code = ("import importlib, pkgutil, sys, ecgdash\n"
            "print(sorted(m for m in sys.modules if m.startswith('ecgdash.')))\n"
            "mods = [m.name for m in pkgutil.walk_packages(ecgdash.__path__, 'ecgdash.')"
            " if not m.name.startswith(('ecgdash.dashboard', 'ecgdash.__main__'))]\n"
            "[importlib.import_module(m) for m in mods]\n"
            "print(len(mods), [h for h in ('streamlit', 'tensorflow', 'keras') if h in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    first, after = done.stdout.strip().splitlines()
    assert first == "[]"
    count, heavy = after.split(" ", 1)
    assert int(count) >= 40 and heavy == "[]", after


def test_the_architecture_page_names_every_module_and_no_other():
    """docs/architecture.md's table: each room's row names each of its modules (in backticks),
    and every module it names exists."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and (room := re.fullmatch(r"\s*`(\w+)/`\s*", cells[1])):
            rows[room.group(1)] = set(re.findall(r"`(\w+)`", cells[2]))
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(rows) == rooms, set(rows) ^ rooms
    for room, named in rows.items():
        modules = {p.stem for p in (PACKAGE / room).glob("*.py") if p.stem != "__init__"}
        assert modules <= named, (room, modules - named)


#: Decisions the library holds that a page shows: a page imports them and never writes them.
#: (module, constant, the number itself counts as written, how a page could write it in text)
PAGE_CONSTANTS = [
    ("ecgdash.ecg.quality", "UNREADABLE_BELOW", True, ("{:g}",)),
    ("ecgdash.ecg.quality", "NOISY_BELOW", True, ("{:g}",)),
    ("ecgdash.report.predictions", "LOW_CONFIDENCE", True, ()),
    ("ecgdash.ecg.clusters", "BEFORE_S", False, ("{:g} s", "{:g}s")),
    ("ecgdash.ecg.clusters", "AFTER_S", False, ("{:g} s", "{:g}s")),
    ("ecgdash.ecg.calipers", "PAPER_SPEED", False, ("{:g} mm/s",)),
    ("ecgdash.ecg.calipers", "PAPER_GAIN", False, ("{:g} mm/mV",)),
    ("ecgdash.evaluation.metrics", "BOOTSTRAP_DRAWS", True, ("{:,} times", "{} times", "{:,} draws")),
    ("ecgdash.models.explain", "IG_STEPS", False, ("{} steps",)),
    ("ecgdash.io.recording", "MIN_SECONDS", False, ("{:g} s",)),
    ("ecgdash.report.printable", "STRIP_S", False, ("{:g} s",)),
    ("ecgdash.report.twelve_lead", "SHEET_S", False, ("{:g} s",)),
    ("ecgdash.report.twelve_lead", "PANEL_S", False, ("{:g}-s", "{:g} s")),
    ("ecgdash.evaluation.robustness", "NOISE_DB", False, ("{:g} dB",)),
    ("ecgdash.evaluation.robustness", "CONDITIONS", False, ("{:g} Hz", "{:g} and")),
]


def _page_literals(path: Path) -> list[tuple[int, object]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and not isinstance(node.value, bool)]


def _constant(module: str, name: str):
    import importlib

    value = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("module,name,number,forms", PAGE_CONSTANTS, ids=[c[1] for c in PAGE_CONSTANTS])
def test_pages_quote_the_library_constants_instead_of_writing_them(module, name, number, forms):
    """A page that writes "0.85" or "256 steps" goes stale the day the library changes the
    cut-off: each such decision is read from its constant. A number literal equal to it counts
    where the number is distinctive; its written forms (e.g. "2,000 times", "360 Hz") always."""
    value = _constant(module, name)
    values = value if isinstance(value, tuple) else (value,)
    if name == "CONDITIONS":        # the robustness conditions' sampling rates
        values = tuple(fs for fs, _, _ in value.values() if fs)
    pages = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
    found = []
    for path in pages:
        for line, literal in _page_literals(path):
            for v in values:
                if number and isinstance(literal, (int, float)) and literal == v:
                    found.append(f"{path.name}:{line} writes {literal!r}")
                elif isinstance(literal, str):
                    words = {form.format(v) for form in forms}
                    found += [f"{path.name}:{line} writes {w!r}" for w in sorted(words)
                              if re.search(rf"(?<![\d.,]){re.escape(w)}(?![\d])", literal)]
    assert not found, f"{module}.{name} = {value!r} is written in pages instead of read: {found}"
