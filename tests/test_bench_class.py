"""Issue 34: the class benchmark's headless sessions, two of them for a few seconds: every step
finishes, none shows an exception or an error box."""
from __future__ import annotations

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))


def test_two_headless_students_go_through_the_shared_class(tmp_path):
    import bench_class

    out = tmp_path / "class.json"
    code = bench_class.main(["--sessions", "2", "--arrival", "1", "--read", "0.05,0.1", "--settle", "0",
                             "--json", str(out)])
    (entry,) = json.loads(out.read_text())
    assert code == 0 and entry["errors"] == 0, entry["error_examples"]
    assert entry["class"] == "shared" and entry["sessions"] == 2
    for step in ("open", "choose Example: 500 test beats", "choose An example", "quiz answer",
                 "slider QRS width (x)", "page Compare models"):
        assert entry["steps"][step]["max"] < 120, step
    assert entry["peak_rss_mb"] >= entry["rss_before_mb"] > 0
