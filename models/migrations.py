"""Schema creation and migrations (playhouse.migrate); safe to run twice.

`create_tables(safe=True)` creates whatever is missing; every later change to an
existing table is a numbered function in MIGRATIONS, applied once and recorded
in `schema_version`.
"""
from peewee import IntegerField
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate  # noqa: F401

from . import ALL_MODELS
from .base import BaseModel, db, is_postgres


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)


def _migrator():
    return PostgresqlMigrator(db) if is_postgres() else SqliteMigrator(db)


# (version, function(migrator)) — append only; never edit an applied one.
MIGRATIONS = []


def init_db():
    """Create missing tables, then apply pending migrations. Returns versions applied."""
    applied = []
    with db.atomic():
        db.create_tables([SchemaVersion, *ALL_MODELS], safe=True)
        done = {row.version for row in SchemaVersion.select()}
        for version, change in MIGRATIONS:
            if version in done:
                continue
            change(_migrator())
            SchemaVersion.create(version=version)
            applied.append(version)
    return applied
