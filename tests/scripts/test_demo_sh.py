"""scripts/demo.sh stops everything it started, on a TERM to its own pid and on
Ctrl-C (SIGINT to its process group, as a terminal sends it)."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid):
    """Every live process under `pid` (from /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("how", ["TERM to its pid", "Ctrl-C"])
def test_the_demo_stops_everything_it_started(tmp_path, how):
    port, fake_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SIXSTEP_TEST_DATABASE", "REDIS_URL", "DATABASE_URL")}
    env.update(SIXSTEP_PYTHON=sys.executable, PORT=str(port), FAKE_PORT=str(fake_port),
               DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}", UPLOAD_DIR=str(tmp_path / "uploads"),
               SIXSTEP_ENV="development")
    log = (tmp_path / "demo.out").open("w")
    demo = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200 \
                        and _listening(fake_port):
                    break
            except requests.RequestException:
                pass
            assert demo.poll() is None, (tmp_path / "demo.out").read_text()
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.3)
        started = _descendants(demo.pid)
        assert len(started) >= 3  # the fake WeChat, the jobs process, the web server
        if how == "Ctrl-C":
            os.killpg(demo.pid, signal.SIGINT)
        else:
            os.kill(demo.pid, signal.SIGTERM)
        assert demo.wait(timeout=20) in (130, 143)
        survivors = [pid for pid in started if _running(pid)]
        assert not survivors, survivors
        assert not _listening(port) and not _listening(fake_port)
        assert "stopping the demo" in (tmp_path / "demo.out").read_text()
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        log.close()
