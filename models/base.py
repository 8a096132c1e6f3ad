"""The database proxy, the base model and time helpers shared by every model.

All datetimes are stored naive in Asia/Shanghai local time: the office works in
one time zone and every deadline is a local working day. `local_now()` is the
one place that reads the clock; operations and jobs take `now` from callers.
"""
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from peewee import DatabaseProxy, InterfaceError, Model, OperationalError, PostgresqlDatabase, TextField
from peewee import DateField as PeeweeDateField
from peewee import DateTimeField as PeeweeDateTimeField
from playhouse.db_url import connect

TZ = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("sixstep.db")

db = DatabaseProxy()


def local_now() -> datetime:
    """The current time in Asia/Shanghai, naive (the storage convention)."""
    return datetime.now(TZ).replace(tzinfo=None, microsecond=0)


def as_local(value: datetime | None) -> datetime:
    """Normalise a datetime to naive Asia/Shanghai time."""
    if value is None:
        return local_now()
    if value.tzinfo is not None:
        return value.astimezone(TZ).replace(tzinfo=None)
    return value


def iso(value: date | datetime | None) -> str | None:
    """A stored naive local datetime as ISO 8601 with the +08:00 offset."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=TZ).isoformat()
    return value.isoformat()


def open_database(url: str) -> Any:
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
                # A safety net only: writers checkpoint after leaving the write lock
                # (see `sqlite_writer_turn`); SQLite's own would run inside it.
                "wal_autocheckpoint": SAFETY_NET_CHECKPOINT_PAGES,
            },
        )
    else:
        # A pool: a connection per request would cost more than most requests.
        if "+pool" not in url.split("://", 1)[0]:
            url = url.replace("://", "+pool://", 1)
            url += ("&" if "?" in url else "?") + "max_connections=32&stale_timeout=300"
        # An unreachable server must fail a request in time for WeChat's 5 seconds, not hang it.
        if "connect_timeout=" not in url:
            url += ("&" if "?" in url else "?") + f"connect_timeout={CONNECT_TIMEOUT}"
        database = connect(url)
    db.initialize(database)
    return database


CONNECT_TIMEOUT = 3
SAFETY_NET_CHECKPOINT_PAGES = 10000
CHECKPOINT_EVERY_COMMITS = 64
_file_locks: dict[str, tuple[int, threading.Lock]] = {}  # path -> (file descriptor, lock for this process's threads)
_file_locks_guard = threading.Lock()
_commits = {"count": 0}


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    with _file_locks_guard:
        if path not in _file_locks:
            _file_locks[path] = (os.open(path, os.O_RDWR | os.O_CREAT, 0o600), threading.Lock())
        handle, in_process = _file_locks[path]
    with in_process:  # flock doesn't exclude threads sharing one descriptor
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_file() -> str | None:
    path = getattr(db.obj, "database", None)
    if not path or path == ":memory:" or str(path).startswith("file:"):
        return None
    return path


def sqlite_writer_turn() -> AbstractContextManager[None]:
    """Around a SQLite write transaction: wait for this writer's turn, then
    checkpoint now and then once the turn is over.

    SQLite lets one writer in at a time and makes the others poll with
    growing sleeps (up to 100 ms each), which under load turns into seconds
    of latency; writers of every process queue on a blocking `flock` instead,
    which wakes the next one as soon as the lock is free. And SQLite's
    automatic checkpoint (copying the WAL back into the database, with two
    fsyncs) would run inside the commit, holding every other writer up for
    milliseconds; a passive checkpoint after the turn runs beside them.
    """
    path = _sqlite_file()
    if path is None:
        return nullcontext()
    return _writer_turn(path)


@contextmanager
def _writer_turn(path: str) -> Iterator[None]:
    with _file_lock(f"{path}.writelock"):
        yield
    _commits["count"] += 1
    if _commits["count"] % CHECKPOINT_EVERY_COMMITS == 0:
        try:
            db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except OperationalError:
            # The transaction is committed; a later turn checkpoints (and SQLite's own at
            # SAFETY_NET_CHECKPOINT_PAGES). Its caller must not see an error for it.
            log.warning("WAL checkpoint failed", exc_info=True)


def is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


def database_now() -> datetime:
    """Now in Asia/Shanghai, by the database's clock where there is one to share."""
    if is_postgres():
        return db.execute_sql("SELECT now() AT TIME ZONE 'Asia/Shanghai'").fetchone()[0]
    return local_now()


def unavailable(error: BaseException) -> bool:
    """True if `error` means the database can't serve us right now (stopped,
    restarting, unreachable, locked, every pooled connection in use), as
    opposed to a mistake in a statement."""
    from playhouse.pool import MaxConnectionsExceeded

    return isinstance(error, (OperationalError, InterfaceError, MaxConnectionsExceeded))


def forget_idle_connections() -> None:
    """After the server went away, the pool's idle connections are dead too:
    drop them, so requests after it returns open fresh ones instead of failing
    once per pooled connection."""
    close_idle = getattr(db.obj, "close_idle", None)
    if close_idle is not None:
        close_idle()


class JSONField(TextField):
    """JSON stored as text, so SQLite and PostgreSQL behave the same."""

    if TYPE_CHECKING:  # what a row's attribute holds (peewee's accessor, which has no types)
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class DateTimeField(PeeweeDateTimeField):
    """peewee's DateTimeField, reading SQLite's text with `fromisoformat`.

    peewee tries its formats with `strptime` one after another (the first,
    with microseconds, always fails for our values), which made reading a
    row's datetimes cost more than the query that fetched it.
    """

    if TYPE_CHECKING:  # what a row's attribute holds (peewee's accessor, which has no types)
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    def python_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        return super().python_value(value)


class DateField(PeeweeDateField):
    """peewee's DateField, reading SQLite's text with `fromisoformat` (see DateTimeField:
    a work list's page parsed each deadline with `strptime`)."""

    if TYPE_CHECKING:
        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: Any) -> None: ...

    def python_value(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return super().python_value(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def fetch_model(model: type[Model], sql: str, params: Sequence[Any]) -> Any:
    """The first row of a hand-written SELECT as a `model` instance, or None.

    For statements run on every push: `Model.raw` costs several times the
    query itself. Columns that are not the model's become plain attributes.
    """
    cursor = db.execute_sql(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return _instance(model, [description[0] for description in cursor.description], row)


def _instance(model: type[Model], columns: Sequence[str], row: Sequence[Any]) -> Any:
    fields = model._meta.columns
    data, extra = {}, {}
    for name, value in zip(columns, row, strict=True):
        field = fields.get(name)
        if field is None:
            extra[name] = value
        else:
            data[field.name] = value if value is None else field.python_value(value)
    # What `model(__no_default__=1, **data)` then `_dirty.clear()` leave, without
    # a descriptor call per field: that cost more than reading the row.
    instance = object.__new__(model)
    instance.__data__, instance._dirty, instance.__rel__ = data, set(), {}
    for name, value in extra.items():
        setattr(instance, name, value)
    return instance


def fetch_joined(sql: str, params: Sequence[Any], *models: type[Model]) -> tuple[Any, ...] | None:
    """The first row of a hand-written SELECT of every column of each of `models`, in
    turn (`column_list`), then any plain values: one instance per model (None for a
    LEFT JOIN's missing row, whose id is NULL) followed by the values; None without a row."""
    row = db.execute_sql(sql, params).fetchone()
    if row is None:
        return None
    found: list[Any] = []
    start = 0
    for model in models:
        fields = model._meta.sorted_fields
        values = row[start:start + len(fields)]
        found.append(None if values[0] is None else _instance(model, [f.column_name for f in fields], values))
        start += len(fields)
    return (*found, *row[start:])


def fetch_models(model: type[Model], sql: str, params: Sequence[Any]) -> list[Any]:
    """Every row of a hand-written SELECT as `model` instances (see `fetch_model`)."""
    cursor = db.execute_sql(sql, params)
    columns = [description[0] for description in cursor.description]
    return [_instance(model, columns, row) for row in cursor.fetchall()]


def column_list(model: type[Model], alias: str | None = None) -> str:
    """Every column of `model`, quoted (each prefixed with `alias.` when given, for a
    join), in the order `fetch_models` and `fetch_joined` read them."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{field.column_name}"' for field in model._meta.sorted_fields)


def param_marks(count: int) -> str:
    """`count` parameter placeholders for hand-written SQL on the open database."""
    return ", ".join(["%s" if is_postgres() else "?"] * count)


class PreparedSelect:
    """Every row of `model` whose `column` equals a value (an item's claims, events, …),
    in `order`, as model instances; its SQL is built once per database kind.

    For reads on every request's path (the view an API write answers with):
    peewee builds each query's SQL afresh, which cost more than running it.
    `where` adds a fixed condition in SQL (no parameters)."""

    def __init__(self, model: type[Model], column: str, order: str = '"id"', where: str = "") -> None:
        self.model, self.column, self.order, self.where = model, column, order, where
        self._sql: dict[bool, str] = {}

    def _statement(self, postgres: bool) -> str:
        if postgres not in self._sql:
            meta = self.model._meta
            columns = column_list(self.model)
            where = f' AND ({self.where})' if self.where else ""
            self._sql[postgres] = (f'SELECT {columns} FROM "{meta.table_name}" WHERE "{self.column}" = '
                                   f'{"%s" if postgres else "?"}{where} ORDER BY {self.order}')
        return self._sql[postgres]

    def rows(self, value: Any) -> list[Any]:
        return fetch_models(self.model, self._statement(is_postgres()), [value])


class SlottedSelect:
    """A peewee query whose SQL is built once per database kind around stand-in values,
    then run with real ones in their place, rows as `model` instances.

    For reads on every request's path whose condition is an expression shared with
    set-based statements (`rules.supervisors.cadre_of`): peewee building the query
    afresh cost more than running it. Stand-ins must be values no query holds
    otherwise (each parameter equal to one is replaced)."""

    def __init__(self, model: type[Model], build: Callable[..., Any], *stand_ins: Any) -> None:
        self.model, self.build, self.stand_ins = model, build, stand_ins
        self._sql: dict[bool, tuple[str, list[Any]]] = {}

    def _statement(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        postgres = is_postgres()
        if postgres not in self._sql:
            sql, params = self.build(*self.stand_ins).sql()
            self._sql[postgres] = (sql, list(params))
        sql, params = self._sql[postgres]
        slots = dict(zip(self.stand_ins, values, strict=True))
        return sql, [slots.get(p, p) if isinstance(p, int | str) else p for p in params]

    def rows(self, *values: Any) -> list[Any]:
        return fetch_models(self.model, *self._statement(values))

    def row(self, *values: Any) -> tuple[Any, ...]:
        """The first row as a tuple of plain values (a statement of expressions, not of `model`'s columns)."""
        return tuple(db.execute_sql(*self._statement(values)).fetchone())


def among(column: Any, ids: Sequence[int]) -> Any:
    """`column IN ids` with the ids as one parameter (an array on PostgreSQL, JSON on
    SQLite): peewee builds SQL per value, which for a batch of 1,000 ids cost more
    than running the statement."""
    from peewee import SQL, NodeList

    if is_postgres():
        return NodeList((column, SQL("= ANY(%s)", [list(ids)])))
    return NodeList((column, SQL("IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))])))


class PreparedInsert:
    """An INSERT whose SQL is built once per database kind; callers pay only for execution.

    peewee builds SQL afresh for every query, which costs far more than SQLite
    takes to run a small insert; on the write path every resident's report
    takes (one writer at a time on SQLite) that cost decided the throughput.
    Values go through each field's `db_value`, so rows are stored exactly as
    `Model.create` would store them. List every NOT NULL column.
    """

    def __init__(self, model: type[Model], *names: str) -> None:
        self.model = model
        self.fields = [model._meta.fields[name] for name in names]
        self._sql: dict[bool, str] = {}

    def _statement(self, postgres: bool) -> str:
        if postgres not in self._sql:
            columns = ", ".join(f'"{field.column_name}"' for field in self.fields)
            marks = ", ".join(["%s" if postgres else "?"] * len(self.fields))
            sql = f'INSERT INTO "{self.model._meta.table_name}" ({columns}) VALUES ({marks})'
            self._sql[postgres] = sql + ' RETURNING "id"' if postgres else sql
        return self._sql[postgres]

    def execute(self, **values: Any) -> int:
        """Insert one row; returns its id."""
        postgres = is_postgres()
        params = [field.db_value(values.get(field.name)) for field in self.fields]
        cursor = db.execute_sql(self._statement(postgres), params)
        return cursor.fetchone()[0] if postgres else cursor.lastrowid

    def values(self, **values: Any) -> tuple[Any, ...]:
        """One row's values as stored (each field's `db_value`), for `execute_many`."""
        return tuple(field.db_value(values.get(field.name)) for field in self.fields)

    def execute_many(self, rows: Sequence[Sequence[Any]], ignore_conflicts: bool = False) -> None:
        """Insert many rows given as stored values (`values`, or tuples the caller built
        the same way, in the fields' order) in as few multi-row statements as the
        database's limit on parameters allows; `ignore_conflicts` skips a row whose
        unique key exists. No SQL is generated per row."""
        if not rows:
            return
        postgres = is_postgres()
        table = self.model._meta.table_name
        columns = ", ".join(f'"{field.column_name}"' for field in self.fields)
        mark = "(" + ", ".join(["%s" if postgres else "?"] * len(self.fields)) + ")"
        per_statement = max(1, MAX_PARAMETERS // len(self.fields))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = f'INSERT INTO "{table}" ({columns}) VALUES ' + ", ".join([mark] * len(chunk))
            if ignore_conflicts:
                sql += " ON CONFLICT DO NOTHING"
            db.execute_sql(sql, [value for row in chunk for value in row])


# Parameters in one statement: SQLite's limit is 32,766 (3.32+); PostgreSQL's 65,535.
MAX_PARAMETERS = 30_000
