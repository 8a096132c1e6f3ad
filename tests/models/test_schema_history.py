"""Every schema a release of models/ gave a new database (tests/models/schemas/,
written by scripts/schema_history.py from git history, the first one included),
filled with rows and migrated by today's init_db: the schema is then today's
and every row is still there."""
import glob
import os

import pytest

import models
from models.base import is_postgres
from models.migrations import MIGRATIONS, SchemaVersion, init_db, pending_migrations
from models.people import UNNAMED_OFFICE, street_name
from pipeline.views import stats

SCHEMAS = os.path.join(os.path.dirname(__file__), "schemas")
RELEASES = sorted({os.path.basename(path).split(".")[0] for path in glob.glob(os.path.join(SCHEMAS, "*.sql"))})


def old_schema(release):
    backend = "postgresql" if is_postgres() else "sqlite"
    with open(os.path.join(SCHEMAS, f"{release}.{backend}.sql"), encoding="utf-8") as handle:
        return [line.rstrip(";\n") for line in handle if not line.startswith("--")]


def describe():
    """Tables → their columns (name, type, nullable, key) and indexes (name, columns, unique)."""
    return {table: ({(c.name, c.data_type.lower(), c.null, c.primary_key) for c in models.db.get_columns(table)},
                    {(i.name, tuple(i.columns), i.unique) for i in models.db.get_indexes(table)})
            for table in models.db.get_tables()}


def rows_of(table, columns=None):
    cursor = models.db.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1')
    names = [d[0] for d in cursor.description]
    return [{k: v for k, v in zip(names, row, strict=True) if columns is None or k in columns} for row in cursor.fetchall()]


def test_the_first_release_is_among_them():
    assert RELEASES[0].startswith("00-") and len(RELEASES) >= 2


@pytest.mark.parametrize("release", RELEASES)
def test_an_old_database_filled_with_rows_migrates_to_todays_schema(db, flow, world, release):
    flow.closed()
    flow.claimed(reporter="li", content="菜市场门口占道经营严重，早晚高峰走不通")
    flow.classified(reporter="mp", content="小区游乐设施损坏，孩子容易受伤")
    today = describe()
    data = {model._meta.table_name: rows_of(model._meta.table_name) for model in models.ALL_MODELS}

    db.drop_tables([SchemaVersion, *models.ALL_MODELS])
    with db.atomic():
        for statement in old_schema(release):
            db.execute_sql(statement)
    old_tables = {table: {c.name for c in db.get_columns(table)} for table in db.get_tables()}
    with db.atomic():
        for model in models.ALL_MODELS:
            table = model._meta.table_name
            for row in data[table] if table in old_tables else []:
                kept = {k: v for k, v in row.items() if k in old_tables[table]}
                names = ", ".join(f'"{name}"' for name in kept)
                marks = ", ".join([db.param] * len(kept))
                db.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(kept.values()))

    before = {version for (version,) in db.execute_sql('SELECT version FROM "schema_version"').fetchall()}
    assert init_db() == [version for version, _ in MIGRATIONS if version not in before]
    assert pending_migrations() == []
    assert describe() == today
    for table, columns in old_tables.items():
        if table in data:
            assert rows_of(table, columns) == [{k: v for k, v in row.items() if k in columns} for row in data[table]]
    assert all(user.following for user in models.StaffUser.select())  # migration 2's default for everyone
    assert init_db() == []


# Migration 13: an installation made before street offices becomes one office of a possible
# district, named from the 活动办's name (OFFICE_NAME); every community, unit, staff account,
# item and kept figure belongs to it.
def test_the_street_office_is_read_from_the_office_name():
    assert street_name("全椒路街道党政办公室") == "全椒路街道"
    assert street_name("XX街道群众路线教育实践活动领导小组办公室") == UNNAMED_OFFICE
    assert street_name("") == street_name(None) == UNNAMED_OFFICE


def test_an_installation_before_offices_becomes_one_office_with_every_row(db, flow, world, monkeypatch):
    flow.closed()
    flow.classified(reporter="li", content="菜市场门口占道经营严重，早晚高峰走不通")
    data = {model._meta.table_name: rows_of(model._meta.table_name) for model in models.ALL_MODELS}
    db.drop_tables([SchemaVersion, *models.ALL_MODELS])
    with db.atomic():
        for statement in old_schema(RELEASES[-1]):
            db.execute_sql(statement)
        old_tables = {table: {c.name for c in db.get_columns(table)} for table in db.get_tables()}
        assert "office" not in old_tables and "office_id" not in old_tables["item"]
        for model in models.ALL_MODELS:
            table = model._meta.table_name
            for row in data[table] if table in old_tables else []:
                kept = {k: v for k, v in row.items() if k in old_tables[table]}
                names = ", ".join(f'"{name}"' for name in kept)
                db.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([db.param] * len(kept))})',
                               list(kept.values()))
    monkeypatch.setenv("OFFICE_NAME", "全椒路街道党政办公室")

    assert 13 in init_db()

    (office,) = models.Office.select()
    assert (office.name, office.code, office.active) == ("全椒路街道", "01", True)
    for model in (models.Community, models.Unit, models.StaffUser, models.Item):
        assert model.select().count() > 0, model
        assert {row.office_id for row in model.select()} == {office.id}, model
    assert init_db() == []
    # The kept figures, counted afresh after the migrations, are the office's.
    day = flow.now.date().isoformat()
    assert stats.stats(day, day, flow.now, office=office.id)["total"] == 2
    assert {row.office_id for row in models.DailyFigure.select()} == {office.id}
