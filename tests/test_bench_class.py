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


def test_the_nginx_configuration_keeps_each_student_on_one_process(capsys):
    """scripts/serve_class.py: every process an upstream, chosen by the student's XSRF cookie (or
    address) with a consistent hash; WebSockets upgraded; uploads as large as Streamlit's limit."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import serve_class

    assert serve_class.main(["--processes", "3", "--port", "9000", "--print-config"]) == 0
    text = capsys.readouterr().out
    servers = [line.split()[1].rstrip(";") for line in text.splitlines() if line.strip().startswith("server 127")]
    assert servers == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert "hash $student consistent;" in text and "$cookie__streamlit_xsrf" in text
    assert "listen 0.0.0.0:9000;" in text and "proxy_set_header Upgrade $http_upgrade;" in text
    limit = int(text.split("client_max_body_size ")[1].split("m;")[0])
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {limit}" in config
