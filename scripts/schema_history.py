"""Write down the schema each version of models/ gave a new database, for the
test that migrates every one of them to today's (tests/models/test_schema_history.py).

    .venv/bin/python scripts/schema_history.py

For each commit that changed models/ (oldest first), that commit's models
package runs its own `init_db()` on a scratch SQLite file and a scratch
PostgreSQL database (SIXSTEP_TEST_PG_ADMIN, default the local server); the
CREATE statements peewee ran, and the schema_version rows it wrote, go to
tests/models/schemas/NN-<commit>.<backend>.sql. A commit whose schema is the
same as the one before it on both databases is left out. Run it again after
a release that changes the schema.
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from io import BytesIO

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "models", "schemas")
PG_ADMIN_URL = os.environ.get("SIXSTEP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

# Runs inside the old version's tree: its models, its init_db.
CAPTURE = """
import json, logging, sys
sys.path.insert(0, sys.argv[1])
statements = []

class Capture(logging.Handler):
    def emit(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else ""
        if sql.lstrip().upper().startswith("CREATE"):
            statements.append(sql)

logging.getLogger("peewee").addHandler(Capture())
logging.getLogger("peewee").setLevel(logging.DEBUG)
from models import open_database
from models.migrations import SchemaVersion, init_db
open_database(sys.argv[2])
init_db()
versions = [row.version for row in SchemaVersion.select().order_by(SchemaVersion.version)]
statements += ['INSERT INTO "schema_version" ("version") VALUES (%d)' % v for v in versions]
print(json.dumps(statements))
"""


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True).stdout


def commits():
    return git("log", "--reverse", "--format=%h", "--", "models/").decode().split()


def capture(tree, url):
    done = subprocess.run([sys.executable, "-c", CAPTURE, tree, url], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def schema_of(commit, work):
    tree = os.path.join(work, commit)
    with tarfile.open(fileobj=BytesIO(git("archive", commit, "models"))) as archive:
        archive.extractall(tree, filter="data")
    sqlite = capture(tree, f"sqlite:///{os.path.join(work, commit + '.db')}")
    name = f"sixstep_schema_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        postgresql = capture(tree, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return {"sqlite": sqlite, "postgresql": postgresql}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".sql"):
            os.remove(os.path.join(OUT, name))
    previous, kept = None, 0
    with tempfile.TemporaryDirectory() as work:
        for commit in commits():
            schema = schema_of(commit, work)
            if schema == previous:
                continue
            previous = schema
            for backend, statements in schema.items():
                path = os.path.join(OUT, f"{kept:02d}-{commit}.{backend}.sql")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(f"-- The schema models/ at {commit} gave a new {backend} database.\n")
                    handle.write("".join(statement + ";\n" for statement in statements))
            print(f"{kept:02d}-{commit}: {len(schema['sqlite'])} statements")
            kept += 1


if __name__ == "__main__":
    main()
