"""Serve ecgdash to a class from several processes behind nginx:
``python scripts/serve_class.py --processes 2 --port 8501``.

One Streamlit process runs every session's Python in one interpreter, so it uses about one core
for the pages however many cores the machine has (TensorFlow's own threads aside). This starts
``--processes`` Streamlit processes, each as the README starts the app (``streamlit run app.py``
with the shipped ``.streamlit/config.toml``, ``ECGDASH_CLASSROOM=1``), on 127.0.0.1 ports
``port+1 ... port+N``, and nginx in front of them on ``--address:--port``. nginx keeps each
browser on one process (sticky sessions): by its ``_streamlit_xsrf`` cookie, which the browser
gets from the first process it meets and sends with its WebSocket, uploads and downloads, or by
its address when it sends no cookie. A session lives in one process's memory, so every request
of it must reach that process.

Needs nginx (Debian, Ubuntu: ``sudo apt-get install nginx-light``). Ctrl-C stops nginx and
every process. ``--print-config`` prints the nginx configuration (to run nginx as a system
service in front of processes you start yourself) and starts nothing. docs/classroom.md says
when one process is not enough, with the measured figures.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
# nginx in front of {n} ecgdash processes (scripts/serve_class.py; docs/classroom.md).
# Paths are relative to nginx's prefix: run it as  nginx -p FOLDER -c nginx.conf
worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_max_body_size 500m;                # as server.maxUploadSize in .streamlit/config.toml
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    # one browser, one process: its XSRF cookie, or its address before it has one
    map $cookie__streamlit_xsrf $student {{ "" $remote_addr; default $cookie__streamlit_xsrf; }}
    upstream ecgdash {{
        hash $student consistent;
{servers}
    }}
    server {{
        listen {address}:{port};
        location / {{
            proxy_pass http://ecgdash;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 1d;            # a WebSocket may be quiet for a whole lesson
            proxy_send_timeout 1d;
            proxy_buffering off;
            proxy_request_buffering off;      # an upload goes straight to its process
        }}
    }}
}}
"""


def nginx_config(ports, *, address: str = "0.0.0.0", port: int = 8501) -> str:
    """The nginx configuration: ``address:port`` in front of Streamlit processes on 127.0.0.1
    ``ports``. Its files (pid, log, temporary bodies) are relative to nginx's ``-p`` prefix.

    Examples
    --------
    >>> text = nginx_config([8502, 8503], port=8501)
    >>> "hash $student consistent;" in text and "server 127.0.0.1:8503;" in text
    True
    """
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    return CONFIG.format(n=len(ports), servers=servers, address=address, port=port)


def wait_healthy(url: str, procs, timeout: float = 120.0) -> None:
    """Wait until ``url``'s health endpoint answers; RuntimeError when one of ``procs`` ends or
    ``timeout`` seconds pass."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in procs) or time.time() > deadline:
            raise RuntimeError(f"{url} did not start (see the output above)")
        time.sleep(0.5)


def streamlit_command(port: int) -> list[str]:
    """``streamlit run app.py`` as the README starts it, on 127.0.0.1:``port`` only."""
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
            "--server.address", "127.0.0.1", "--server.port", str(port)]


@contextlib.contextmanager
def serve(processes: int = 2, *, port: int = 8501, address: str = "0.0.0.0", env: dict | None = None,
          quiet: bool = False):
    """Start ``processes`` Streamlit processes and nginx in front of them; yields
    ``(url, [streamlit Popen, ...])``; stops them all on leaving. Raises RuntimeError when nginx is
    missing or a process does not start."""
    nginx = shutil.which("nginx")
    if nginx is None:
        raise RuntimeError("nginx is not on PATH: install it (Debian, Ubuntu: sudo apt-get install nginx-light) "
                           "and put the folder holding it on PATH; or serve one process as README's "
                           "'A server for a class' says")
    ports = [port + 1 + i for i in range(processes)]
    out = subprocess.DEVNULL if quiet else None
    environment = {**os.environ, "ECGDASH_CLASSROOM": "1", **(env or {})}
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="ecgdash-nginx-") as prefix:
        os.chmod(prefix, 0o755)                       # nginx's workers may run as another user
        try:
            for p in ports:
                procs.append(subprocess.Popen(streamlit_command(p), cwd=ROOT, env=environment,
                                              stdout=out, stderr=subprocess.STDOUT if quiet else None))
            for p in ports:
                wait_healthy(f"http://127.0.0.1:{p}", procs)
            conf = Path(prefix) / "nginx.conf"
            conf.write_text(nginx_config(ports, address=address, port=port))
            procs.append(subprocess.Popen([nginx, "-p", prefix, "-c", str(conf), "-g", "daemon off;"],
                                          stdout=out, stderr=subprocess.STDOUT if quiet else None))
            url = f"http://{'127.0.0.1' if address == '0.0.0.0' else address}:{port}"
            wait_healthy(url, procs, timeout=20)
            yield url, procs[:-1]
        finally:
            for proc in reversed(procs):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="Streamlit processes (about one per core)")
    parser.add_argument("--port", type=int, default=8501, help="the port students open (processes use the next ones)")
    parser.add_argument("--address", default="0.0.0.0", help="where nginx listens (0.0.0.0: the classroom network)")
    parser.add_argument("--print-config", action="store_true", help="print nginx's configuration and stop")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be 1 or more")
    if args.print_config:
        print(nginx_config([args.port + 1 + i for i in range(args.processes)], address=args.address,
                           port=args.port))
        return 0
    try:
        with serve(args.processes, port=args.port, address=args.address) as (url, _):
            print(f"ecgdash: {args.processes} processes behind nginx at {url} (Ctrl-C stops them all)", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
