"""The database proxy, the base model and time helpers shared by every model.

All datetimes are stored naive in Asia/Shanghai local time: the office works in
one time zone and every deadline is a local working day. `local_now()` is the
one place that reads the clock; operations and jobs take `now` from callers.
"""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from peewee import DatabaseProxy, Model, TextField
from playhouse.db_url import connect

TZ = ZoneInfo("Asia/Shanghai")

db = DatabaseProxy()


def local_now():
    """The current time in Asia/Shanghai, naive (the storage convention)."""
    return datetime.now(TZ).replace(tzinfo=None, microsecond=0)


def as_local(value):
    """Normalise a datetime to naive Asia/Shanghai time."""
    if value is None:
        return local_now()
    if value.tzinfo is not None:
        return value.astimezone(TZ).replace(tzinfo=None)
    return value


def iso(value):
    """A stored naive local datetime as ISO 8601 with the +08:00 offset."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=TZ).isoformat()
    return value.isoformat()


def open_database(url):
    """Connect the proxy to `url` (sqlite:///path or postgresql://...)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("sqlite"):
        database = connect(
            url,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 10000,
                "synchronous": "normal",
            },
        )
    else:
        # A pool: a connection per request would cost more than most requests.
        if "+pool" not in url.split("://", 1)[0]:
            url = url.replace("://", "+pool://", 1)
            url += ("&" if "?" in url else "?") + "max_connections=32&stale_timeout=300"
        database = connect(url)
    db.initialize(database)
    return database


def is_postgres():
    from peewee import PostgresqlDatabase

    return isinstance(db.obj, PostgresqlDatabase)


class JSONField(TextField):
    """JSON stored as text, so SQLite and PostgreSQL behave the same."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class PreparedInsert:
    """An INSERT whose SQL is built once per database kind; callers pay only for execution.

    peewee builds SQL afresh for every query, which costs far more than SQLite
    takes to run a small insert; on the write path every resident's report
    takes (one writer at a time on SQLite) that cost decided the throughput.
    Values go through each field's `db_value`, so rows are stored exactly as
    `Model.create` would store them. List every NOT NULL column.
    """

    def __init__(self, model, *names):
        self.model = model
        self.fields = [model._meta.fields[name] for name in names]
        self._sql = {}

    def _statement(self, postgres):
        if postgres not in self._sql:
            columns = ", ".join(f'"{field.column_name}"' for field in self.fields)
            marks = ", ".join(["%s" if postgres else "?"] * len(self.fields))
            sql = f'INSERT INTO "{self.model._meta.table_name}" ({columns}) VALUES ({marks})'
            self._sql[postgres] = sql + ' RETURNING "id"' if postgres else sql
        return self._sql[postgres]

    def execute(self, **values):
        """Insert one row; returns its id."""
        postgres = is_postgres()
        params = [field.db_value(values.get(field.name)) for field in self.fields]
        cursor = db.execute_sql(self._statement(postgres), params)
        return cursor.fetchone()[0] if postgres else cursor.lastrowid
