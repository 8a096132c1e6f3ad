"""`flask migrate-to URL`: move a SQLite installation into an empty PostgreSQL database.

Every table is copied in `models.ALL_MODELS` order (each table's foreign keys
point at tables before it; a table's references to itself — a category's
parent, a merged item's target — are filled in once all its rows are there),
row values going through the models' own fields both ways, in one
transaction on the target. Each table's id sequence is then set past the
highest copied id, and the copy is checked: equal row counts everywhere, and a
sample of rows of every table read back equal. The office then points
DATABASE_URL at the new database and carries on. The web and jobs processes
must be stopped first: a row written during the copy would not be in it.
"""
import contextlib

from peewee import AutoField, PostgresqlDatabase
from playhouse.db_url import connect

from models import ALL_MODELS, Category, db
from models.base import is_postgres
from models.migrations import init_db, pending_migrations

from .backup import BackupError, holds_data, row_counts

CHUNK = 1000
SAMPLE = 20


@contextlib.contextmanager
def _using(database):
    """Point the models at `database` for a while (single-threaded commands only)."""
    previous = db.obj
    db.initialize(database)
    try:
        yield
    finally:
        db.initialize(previous)


def _check_order():
    seen = set()
    for model in ALL_MODELS:
        for field in model._meta.refs:
            if field.rel_model is not model and field.rel_model not in seen:
                raise BackupError(f"ALL_MODELS 顺序有误: {model.__name__} 引用了后面的 {field.rel_model.__name__}")
        seen.add(model)


def _chunks(model, source):
    """Rows of `model` in `source` as {field name: python value}, by primary key, CHUNK at a time."""
    key = model._meta.primary_key
    last = None
    while True:
        with _using(source):
            query = model.select().order_by(key).limit(CHUNK).dicts()
            if last is not None:
                query = query.where(key > last)
            rows = list(query)
        if not rows:
            return
        last = rows[-1][key.name]
        yield rows


def _copy_table(model, source, target):
    own = [field for field in model._meta.refs if field.rel_model is model]
    later = []
    for rows in _chunks(model, source):
        if own:
            later += [(row[model._meta.primary_key.name], {f.name: row[f.name] for f in own})
                      for row in rows if any(row[f.name] is not None for f in own)]
            rows = [{**row, **{f.name: None for f in own}} for row in rows]
        with _using(target):
            model.insert_many(rows).execute()
    with _using(target):
        for key, values in later:
            model.update(**values).where(model._meta.primary_key == key).execute()


def _set_sequences(model):
    key = model._meta.primary_key
    if not isinstance(key, AutoField):
        return
    table, column = model._meta.table_name, key.column_name
    db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                   f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"')


def _sample_keys(model, count):
    key = model._meta.primary_key
    keys = [row[0] for row in model.select(key).order_by(key).tuples()]
    step = max(1, len(keys) // SAMPLE)
    return keys[::step][:SAMPLE] + keys[-1:] if count else []


def _rows(model, keys):
    key = model._meta.primary_key
    return {row[key.name]: row for row in model.select().where(key.in_(keys)).dicts()}


def _verify(source, target):
    with _using(source):
        expected = row_counts()
    with _using(target):
        found = row_counts()
    if expected != found:
        raise BackupError(f"复制后行数不符: {expected} != {found}")
    for model in ALL_MODELS:
        with _using(source):
            keys = _sample_keys(model, expected[model._meta.table_name])
            wanted = _rows(model, keys)
        with _using(target):
            copied = _rows(model, keys)
        if wanted != copied:
            raise BackupError(f"{model._meta.table_name} 的抽查行复制后不一致")
    return found


def migrate_to(url):
    """Copy the connected SQLite database into the empty PostgreSQL database at `url`; {table: rows}."""
    if is_postgres():
        raise BackupError("当前数据库已是 PostgreSQL；migrate-to 用于把 SQLite 安装迁到 PostgreSQL")
    if not url.startswith(("postgresql://", "postgres://")):
        raise BackupError("目标必须是 postgresql:// 地址")
    if pending_migrations():
        raise BackupError("当前数据库还有未执行的迁移，请先运行 flask --app app init-db")
    _check_order()
    source = db.obj
    target = connect("postgresql://" + url.split("://", 1)[1])
    if not isinstance(target, PostgresqlDatabase):
        raise BackupError("目标必须是 PostgreSQL 数据库")
    try:
        with _using(target):
            init_db()
            if holds_data():
                raise BackupError("目标数据库不是空的（已有数据），为避免覆盖已拒绝")
        with _using(target), db.atomic():
            Category.delete().execute()  # only init-db's defaults can be here; the source's replace them
            for model in ALL_MODELS:
                _copy_table(model, source, target)
            for model in ALL_MODELS:
                _set_sequences(model)
        return _verify(source, target)
    finally:
        target.close()
