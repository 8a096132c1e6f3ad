"""A PostgreSQL server of a test's own (initdb into a scratch directory, a free
port on loopback), for tests that stop and start the database — never the
shared server the rest of the suite uses.

Run as the `postgres` user when the tests run as root (initdb refuses root).
`available()` is false only when the server binaries aren't installed.
"""
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def available():
    return _bindir() is not None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """initdb + pg_ctl on a free port; `url` for the `sixstep` database; stop()/start() at will."""

    def __init__(self):
        self.bindir = _bindir()
        self.root = tempfile.mkdtemp(prefix="sixstep-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/sixstep"

    def _run(self, *args):
        subprocess.run([*self.as_user, os.path.join(self.bindir, args[0]), *args[1:]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def create(self):
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "sixstep")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.root, "log"), "-w", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
