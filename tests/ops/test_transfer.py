"""migrate-to: a seeded SQLite installation into a scratch PostgreSQL database."""
import os
import uuid

import psycopg2
import pytest

import models
from ops.backup import row_counts

from shared_support import PG_ADMIN_URL


@pytest.fixture
def scratch_pg():
    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError:
        pytest.skip("no PostgreSQL server for the target")
    admin.autocommit = True
    name = f"sixstep_migrate_{uuid.uuid4().hex[:8]}"
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def sqlite_installation(config, tmp_path):
    from app import create_app

    application = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'office.db'}"})
    done = application.test_cli_runner().invoke(args=["seed-demo"])
    assert done.exit_code == 0, done.output
    with application.app_context():
        first, last = models.Item.select().order_by(models.Item.id)[0], models.Item.select().order_by(
            models.Item.id.desc())[0]
        # A reference to a later row of the same table (an item merged into a newer one).
        models.Item.update(merged_into=last.id).where(models.Item.id == first.id).execute()
    return application


def test_migrate_to_copies_every_row_and_the_office_carries_on(sqlite_installation, scratch_pg):
    from app import create_app

    runner = sqlite_installation.test_cli_runner()
    with sqlite_installation.app_context():
        counts = row_counts()
        items = list(models.Item.select().order_by(models.Item.id).dicts())
    assert counts["item"] and counts["staff_user"] and counts["timeline_event"]

    done = runner.invoke(args=["migrate-to", scratch_pg])
    assert done.exit_code == 0, done.output

    moved = create_app({**sqlite_installation.config, "DATABASE_URL": scratch_pg})
    with moved.app_context():
        assert models.base.is_postgres()
        assert row_counts() == counts
        assert list(models.Item.select().order_by(models.Item.id).dicts()) == items
        assert models.Item.get_by_id(items[0]["id"]).merged_into_id == items[-1]["id"]
        unit = models.Unit.create(name="迁移后新建的单位", kind="department")
        assert unit.id == counts["unit"] + 1  # sequences continue past the copied ids
        models.db.close()

    models.open_database(sqlite_installation.config["DATABASE_URL"])  # one database per process: back to SQLite
    again = runner.invoke(args=["migrate-to", scratch_pg])
    assert again.exit_code != 0 and "不是空的" in again.output


def test_migrate_to_refuses_a_target_that_is_not_postgresql(sqlite_installation, tmp_path):
    answer = sqlite_installation.test_cli_runner().invoke(args=["migrate-to", f"sqlite:///{tmp_path / 'x.db'}"])
    assert answer.exit_code != 0 and "postgresql://" in answer.output
    assert not os.path.exists(tmp_path / "x.db")
