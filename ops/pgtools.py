"""Running PostgreSQL's own tools (pg_dump, pg_restore) against a DATABASE_URL.

The password goes through the environment (PGPASSWORD), never the command
line where `ps` shows it; peewee-only URL options (the pool's) are left out.
The tools come from PG_BIN_DIR, else the newest /usr/lib/postgresql/*/bin,
else PATH — pg_dump must be at least the server's version.
"""
import glob
import os
import shutil
import subprocess
from urllib.parse import parse_qsl, unquote, urlsplit

# URL query options libpq understands, as the environment variables it reads.
LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
                 "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS"}


class ToolError(Exception):
    """A PostgreSQL tool is missing or failed; `message` is for people."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def libpq_env(url):
    """The environment variables that point libpq at `url`."""
    parts = urlsplit(url)
    env = {"PGHOST": parts.hostname or "localhost", "PGPORT": str(parts.port or 5432),
           "PGDATABASE": unquote(parts.path.lstrip("/"))}
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    for key, value in parse_qsl(parts.query):
        if key in LIBPQ_OPTIONS:
            env[LIBPQ_OPTIONS[key]] = value
    return env


def tool(name):
    """The path of a PostgreSQL client program."""
    configured = os.environ.get("PG_BIN_DIR")
    candidates = [os.path.join(configured, name)] if configured else []
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates += sorted(installed, key=lambda path: int(path.split("/")[4]), reverse=True)
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found is None:
        raise ToolError(f"找不到 {name}（请安装 PostgreSQL 客户端，或设置 PG_BIN_DIR）")
    return found


def run(name, url, *args):
    """Run a PostgreSQL tool against `url`; ToolError with its message if it fails."""
    env = {**os.environ, **libpq_env(url)}
    done = subprocess.run([tool(name), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ToolError(f"{name} 失败: {done.stderr.strip()[-2000:]}")
    return done.stdout
