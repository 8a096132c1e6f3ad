"""Schema creation, migration 1 (indexes only where set, the plain-mode signature
column) and the partial indexes actually serving the lookups they replace."""
import pytest

import models
from models.base import is_postgres
from models.items import SET_ONLY_INDEXED
from models.migrations import MIGRATIONS, SchemaVersion, init_db

OLD_ITEM_INDEXES = [f"item_{models.Item._meta.fields[name].column_name}" for name in SET_ONLY_INDEXED]
NEW_ITEM_INDEXES = [f"{name}_set" for name in OLD_ITEM_INDEXES]


def index_names(table):
    return {index.name for index in models.db.get_indexes(table)}


def column_names(table):
    return {column.name for column in models.db.get_columns(table)}


def test_init_db_twice_changes_nothing(db):
    before = (index_names("item"), column_names("inbound_message"))
    assert init_db() == []
    assert (index_names("item"), column_names("inbound_message")) == before
    assert {row.version for row in SchemaVersion.select()} == {version for version, _ in MIGRATIONS}


def test_a_new_database_has_partial_indexes_only(db):
    names = index_names("item")
    assert set(NEW_ITEM_INDEXES) <= names
    assert not set(OLD_ITEM_INDEXES) & names
    assert "inbound_message_openid" not in index_names("inbound_message")
    assert "inbound_message_signature" in index_names("inbound_message")


@pytest.mark.alters_schema
def test_migration_1_upgrades_a_database_made_before_it(db):
    # Put the schema back as the first release created it.
    for old, new in zip(OLD_ITEM_INDEXES, NEW_ITEM_INDEXES, strict=True):
        db.execute_sql(f'DROP INDEX "{new}"')
        db.execute_sql(f'CREATE INDEX "{old}" ON "item" ("{old[len("item_"):]}")')
    db.execute_sql('DROP INDEX "inbound_message_signature"')
    db.execute_sql('ALTER TABLE "inbound_message" DROP COLUMN "signature"')
    db.execute_sql('CREATE INDEX "inbound_message_openid" ON "inbound_message" ("openid")')
    db.execute_sql('INSERT INTO "inbound_message" (dedup_key, openid, msg_type, reply, created_at) '
                   "VALUES ('kept', 'o-1', 'text', '<xml/>', '2026-11-20 10:00:00')")
    SchemaVersion.delete().where(SchemaVersion.version == 1).execute()

    assert init_db() == [1]

    names = index_names("item")
    assert set(NEW_ITEM_INDEXES) <= names and not set(OLD_ITEM_INDEXES) & names
    assert "signature" in column_names("inbound_message")
    assert "inbound_message_openid" not in index_names("inbound_message")
    assert "inbound_message_signature" in index_names("inbound_message")
    kept = models.InboundMessage.get(models.InboundMessage.dedup_key == "kept")
    assert (kept.reply, kept.signature) == ("<xml/>", None)
    assert init_db() == []


LOOKUPS = [
    ('SELECT id FROM "item" WHERE "unit_id" = 1', "item_unit_id_set"),
    ('SELECT id FROM "item" WHERE "claimed_unit_id" = 1', "item_claimed_unit_id_set"),
    ('SELECT id FROM "item" WHERE "category_id" = 1', "item_category_id_set"),
    ('SELECT id FROM "item" WHERE "reporter_id" = 1 ORDER BY id DESC', "item_reporter_id_set"),
    ('SELECT id FROM "item" WHERE "merged_into_id" = 1', "item_merged_into_id_set"),
    ("SELECT id FROM \"item\" WHERE \"closed_at\" >= '2026-11-01'", "item_closed_at_set"),
]


@pytest.mark.parametrize("sql, index", LOOKUPS)
def test_partial_indexes_serve_equality_and_range_lookups(db, sql, index):
    """`col = ?` implies `col IS NOT NULL`: both databases still pick the index."""
    if is_postgres():
        with db.atomic():
            db.execute_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in db.execute_sql("EXPLAIN " + sql).fetchall())
    else:
        plan = " ".join(str(row[-1]) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert index in plan, plan


def test_migration_2_gives_existing_staff_the_following_flag(db):
    models.StaffUser.create(username="old-hand", name="老王", role="office", password_hash="x")
    db.execute_sql('ALTER TABLE "staff_user" DROP COLUMN "following"')
    SchemaVersion.delete().where(SchemaVersion.version == 2).execute()

    assert init_db() == [2]

    assert "following" in column_names("staff_user")
    assert models.StaffUser.get(models.StaffUser.username == "old-hand").following is True


def test_hosts_starting_together_make_the_schema_once(db):
    """systemd runs init-db before each host's web workers, so several may run it at once."""
    from shared_support import run_concurrently

    if not is_postgres():
        pytest.skip("one machine on SQLite: nothing starts alongside")
    db.drop_tables([SchemaVersion, *models.ALL_MODELS])
    db.close()
    assert run_concurrently(lambda index: init_db(), 4) == []
    assert sorted(row.version for row in SchemaVersion.select()) == [version for version, _ in MIGRATIONS]
    assert init_db() == []


@pytest.mark.alters_schema
def test_migration_4_gives_residents_a_profile_and_starts_the_community_list(db, world):
    # Put the schema back as it was before migration 4.
    for column in ("name", "phone"):
        db.execute_sql(f'ALTER TABLE "resident" DROP COLUMN "{column}"')
    models.Community.delete().execute()
    SchemaVersion.delete().where(SchemaVersion.version == 4).execute()

    assert init_db() == [4]

    assert {"name", "phone"} <= column_names("resident")
    assert [c.name for c in models.Community.select()] == ["全椒路社区"]  # the community unit's community
    assert models.Resident.get(models.Resident.openid == "oa-openid-zhang").phone is None
    assert init_db() == []
