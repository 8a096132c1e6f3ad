"""`flask backup PATH` and `flask restore PATH [--force]`.

A backup is one tar file: `manifest.json` (which database, when, the schema
versions and every table's row count), the database (SQLite's online backup
API, or `pg_dump -Fc`) and the uploads folder. The database is copied first:
every photo a row names was on disk by then; a file that arrives during the
copy of the folder is at worst an unattached extra that housekeeping removes.

Restore refuses a database that already holds data (anything beyond the
category tree init-db writes), or an uploads folder with files in it, unless
`--force`; then the database and the folder become exactly the backup's. A
backup from an older release is migrated forward afterwards (init-db).
"""
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile

from models import ALL_MODELS, Category, db, iso, local_now
from models.base import is_postgres
from models.migrations import SchemaVersion, init_db

from . import pgtools

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that can't go ahead; `message` is for people."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def database_kind():
    return "postgresql" if is_postgres() else "sqlite"


def row_counts():
    """{table: rows} for every table of the schema that exists."""
    tables = set(db.get_tables())
    return {model._meta.table_name: model.select().count()
            for model in [SchemaVersion, *ALL_MODELS] if model._meta.table_name in tables}


def holds_data():
    """True if any table but the category tree (which init-db writes) has a row."""
    tables = set(db.get_tables())
    return any(model.select().limit(1).exists() for model in ALL_MODELS
               if model is not Category and model._meta.table_name in tables)


def backup(path, upload_dir, database_url):
    """Write the backup of the connected database (at `database_url`) and `upload_dir` to `path`;
    returns the manifest."""
    kind = database_kind()
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".sixstep-backup-") as work:
        manifest = {"format": FORMAT, "database": kind, "created_at": iso(local_now()), "counts": row_counts()}
        dump = os.path.join(work, DATABASE_FILES[kind])
        if kind == "postgresql":
            pgtools.run("pg_dump", database_url, "--format=custom", "--no-owner", "--no-privileges",
                        f"--file={dump}")
        else:
            copy = sqlite3.connect(dump)
            try:
                db.connection().backup(copy)
            finally:
                copy.close()
        with open(os.path.join(work, MANIFEST), "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=1)
        partial = os.path.join(work, "backup.tar")
        with tarfile.open(partial, "w") as archive:
            archive.add(os.path.join(work, MANIFEST), MANIFEST)
            archive.add(dump, DATABASE_FILES[kind])
            if os.path.isdir(upload_dir):
                archive.add(upload_dir, UPLOADS)
        os.replace(partial, path)
    return manifest


def restore(path, upload_dir, database_url, force=False):
    """Make the connected database (at `database_url`) and `upload_dir` the backup at `path`;
    returns its manifest."""
    kind = database_kind()
    with tempfile.TemporaryDirectory(prefix="sixstep-restore-") as work:
        try:
            with tarfile.open(path) as archive:
                archive.extractall(work, filter="data")
            with open(os.path.join(work, MANIFEST), encoding="utf-8") as handle:
                manifest = json.load(handle)
        except (OSError, tarfile.TarError, ValueError) as error:
            raise BackupError(f"无法读取备份文件 {path}: {error}") from error
        if manifest.get("format") != FORMAT:
            raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}")
        if manifest["database"] != kind:
            raise BackupError(f"这是 {manifest['database']} 数据库的备份，当前数据库是 {kind}"
                              "（SQLite 迁到 PostgreSQL 请用 migrate-to）")
        if not force and (holds_data() or (os.path.isdir(upload_dir) and os.listdir(upload_dir))):
            raise BackupError("当前数据库或上传目录中已有数据；确认要用备份覆盖，请加 --force")
        dump = os.path.join(work, DATABASE_FILES[kind])
        if kind == "postgresql":
            _restore_postgresql(dump, database_url)
        else:
            _restore_sqlite(dump)
        counts = row_counts()
        differ = {table: (rows, counts.get(table)) for table, rows in manifest["counts"].items()
                  if counts.get(table) != rows}
        if differ:
            raise BackupError(f"恢复后行数与备份不符: {differ}")
        _restore_uploads(os.path.join(work, UPLOADS), upload_dir)
    init_db()
    return manifest


def _restore_sqlite(dump):
    source = sqlite3.connect(dump)
    try:
        source.backup(db.connection())
    finally:
        source.close()


def _restore_postgresql(dump, database_url):
    # Dropping first (not pg_restore --clean): tables the backup doesn't have go too.
    with db.atomic():
        for model in reversed([SchemaVersion, *ALL_MODELS]):
            db.execute_sql(f'DROP TABLE IF EXISTS "{model._meta.table_name}" CASCADE')
    db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    pgtools.run("pg_restore", database_url, "--no-owner", "--no-privileges", "--single-transaction",
                "--exit-on-error", f"--dbname={pgtools.libpq_env(database_url)['PGDATABASE']}", dump)


def _restore_uploads(source, upload_dir):
    if os.path.isdir(upload_dir):
        for name in os.listdir(upload_dir):
            target = os.path.join(upload_dir, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            else:
                os.remove(target)
    os.makedirs(upload_dir, exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, upload_dir, dirs_exist_ok=True)
