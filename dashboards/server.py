"""The dashboards as a process beside a consortium (I/O): run, start, wait, stop.

``consortium dashboard DIR`` runs Streamlit in the foreground
(:func:`run_dashboard`). ``consortium demo`` and the browser tests start it in
the background instead (:func:`start_dashboard`): its pid, port and URL go to
``DIR/dashboard.json``, its output to ``DIR/dashboard.log``, and the start
returns once the server answers its health check; :func:`stop_dashboard`
ends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.launcher import get_free_ports, is_process_alive, stop_process

APP = Path(__file__).resolve().parent / "app.py"
PROJECT_DIR = APP.parent.parent
PROCESS_FILE = "dashboard.json"
LOG_FILE = "dashboard.log"
DEFAULT_PORT = 8501
"""Streamlit's own default; the background server takes a free port when it is taken."""
START_TIMEOUT_S = 60.0
HEALTH_PATH = "/_stcore/health"
ENV_DIR = "CONSORTIUM_DIR"
"""Where the pages find the consortium (dashboards.common reads it; not imported here, so
that starting a server does not load Streamlit into the caller)."""


def get_streamlit_command(port: int, *extra: str) -> list[str]:
    """``python -m streamlit run dashboards/app.py`` headless on ``port``, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]


def get_dashboard_env(root: Path) -> dict[str, str]:
    """The environment of a dashboard server reading the consortium in ``root``."""
    return {
        **os.environ,
        ENV_DIR: str(Path(root).resolve()),
        "GRPC_VERBOSITY": os.environ.get("GRPC_VERBOSITY", "ERROR"),
    }


def run_dashboard(root: Path, port: int = DEFAULT_PORT) -> int:
    """Serve the dashboards of ``root`` in the foreground until Ctrl-C; Streamlit's exit code."""
    process = subprocess.Popen(
        get_streamlit_command(port), env=get_dashboard_env(root), cwd=PROJECT_DIR
    )
    try:
        return process.wait()
    except KeyboardInterrupt:
        # From a terminal Streamlit heard the same Ctrl-C; a signal to us alone it did not.
        process.terminate()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


def get_url(port: int) -> str:
    """The dashboards' address on loopback."""
    return f"http://127.0.0.1:{port}"


def is_port_free(port: int) -> bool:
    """True when nothing listens on ``port`` on loopback."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def is_answering(url: str, timeout_s: float = 1.0) -> bool:
    """True when the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def read_dashboard_file(root: Path) -> dict[str, object] | None:
    """The background dashboard's pid, port and URL, or None when none is recorded."""
    try:
        document = json.loads((Path(root) / PROCESS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def is_dashboard_running(root: Path) -> bool:
    """True when the consortium's background dashboard process is alive."""
    document = read_dashboard_file(root) or {}
    pid = document.get("pid")
    return isinstance(pid, int) and is_process_alive(pid)


def _write_dashboard_file(root: Path, pid: int, port: int) -> None:
    path = Path(root) / PROCESS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": pid, "port": port, "url": get_url(port)}) + "\n")
    os.replace(tmp, path)


def start_dashboard(root: Path, port: int | None = None, timeout_s: float = START_TIMEOUT_S) -> str:
    """Start the dashboards of ``root`` as a background process (unless one runs); its URL.

    ``port`` None takes 8501 when free, else any free port. The server listens on
    loopback only. Waits until it answers; raises ConsortiumError(INVALID_CONFIG) when
    it exits or does not answer in time (``DIR/dashboard.log`` says why).
    """
    root = Path(root)
    if is_dashboard_running(root):
        return str(read_dashboard_file(root)["url"])  # type: ignore[index]
    if port is None:
        port = DEFAULT_PORT if is_port_free(DEFAULT_PORT) else get_free_ports(1)[0]
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / LOG_FILE
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            get_streamlit_command(
                port,
                "--server.address",
                "127.0.0.1",
                # Nobody edits the pages of a running demo: no file watcher threads.
                "--server.fileWatcherType",
                "none",
            ),
            env=get_dashboard_env(root),
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _write_dashboard_file(root, process.pid, port)
    url = get_url(port)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if is_answering(url):
            return url
        time.sleep(0.2)
    stop_dashboard(root)
    raise ConsortiumError(
        ErrorCode.INVALID_CONFIG,
        f"the dashboard did not start on port {port}; see {log_path}",
    )


def stop_dashboard(root: Path) -> bool:
    """Stop the consortium's background dashboard; True when one was running."""
    root = Path(root)
    document = read_dashboard_file(root) or {}
    pid = document.get("pid")
    running = isinstance(pid, int) and is_process_alive(pid)
    if running:
        stop_process(pid)
        with contextlib.suppress(ChildProcessError):  # reap it when it is our child
            os.waitpid(pid, os.WNOHANG)
    (root / PROCESS_FILE).unlink(missing_ok=True)
    return running


@contextlib.contextmanager
def serve_dashboard(
    root: Path,
    port: int | None = None,
    on_error: Callable[[ConsortiumError], None] | None = None,
) -> Iterator[str | None]:
    """The dashboards of ``root`` running in the background while inside; their URL.

    A server that does not start raises its ConsortiumError, or, when ``on_error`` is
    given, is reported to it and None is yielded (the caller carries on without).
    """
    try:
        url = start_dashboard(root, port)
    except ConsortiumError as error:
        if on_error is None:
            raise
        on_error(error)
        url = None
    try:
        yield url
    finally:
        stop_dashboard(root)
