"""Schema creation and migrations (playhouse.migrate); safe to run twice.

`create_tables(safe=True)` creates whatever is missing; every later change to an
existing table is a numbered function in MIGRATIONS, applied once and recorded
in `schema_version`.
"""
import os

from peewee import CharField, IntegerField
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator, migrate

from . import ALL_MODELS
from .base import BaseModel, db, is_postgres, local_now


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)


def _migrator() -> SchemaMigrator:
    return PostgresqlMigrator(db) if is_postgres() else SqliteMigrator(db)


def _index_only_where_set(migrator: SchemaMigrator) -> None:
    """Item columns empty until a later step, and the unused inbound openid index,
    lose their full indexes (models.items.SET_ONLY_INDEXED replaces them with
    partial ones); inbound pushes gain the plain-mode `signature` column."""
    for column in ("reporter_id", "community", "suggested_category_id", "category_id", "leader_id", "unit_id",
                   "due", "claimed_unit_id", "resolved_at", "closed_at", "merged_into_id"):
        db.execute_sql(f'DROP INDEX IF EXISTS "item_{column}"')
    db.execute_sql('DROP INDEX IF EXISTS "inbound_message_openid"')
    if "signature" not in {column.name for column in db.get_columns("inbound_message")}:
        migrate(migrator.add_column("inbound_message", "signature", CharField(max_length=64, null=True)))


def _staff_following(migrator: SchemaMigrator) -> None:
    """Staff who unfollow the official account stop getting pushes, as residents do."""
    if "following" not in {column.name for column in db.get_columns("staff_user")}:
        # One ALTER with a default, not the migrator's add_column: for a NOT NULL column it
        # rebuilds the table on SQLite, and dropping the old `staff_user` with foreign keys
        # on deleted its rows first — claims lost who claimed them, staff tokens and pushes
        # were deleted (ON DELETE SET NULL / CASCADE). Same schema, nothing lost.
        kind, true = ("BOOLEAN", "true") if is_postgres() else ("INTEGER", "1")
        db.execute_sql(f'ALTER TABLE "staff_user" ADD COLUMN "following" {kind} NOT NULL DEFAULT {true}')


def _reporter_items_by_date(migrator: SchemaMigrator) -> None:
    """A reporter's items are read by date (我的诉求, today's chat reports): their index
    gained `created_at`, but databases made before kept the one-column index under the
    same name, which `create_indexes(safe=True)` doesn't replace. Dropped here, init_db
    builds it anew from the model."""
    db.execute_sql('DROP INDEX IF EXISTS "item_reporter_id_set"')


def _communities(migrator: SchemaMigrator) -> None:
    """Residents give their name and phone with their community (PATCH /me); the office's
    list of communities (the `community` table, created by init_db) starts with the
    communities its community units serve."""
    columns = {column.name for column in db.get_columns("resident")}
    for name, length in (("name", 64), ("phone", 32)):
        if name not in columns:
            migrate(migrator.add_column("resident", name, CharField(max_length=length, null=True)))
    db.execute_sql('INSERT INTO "community" ("name", "active", "created_at") '
                   f'SELECT DISTINCT u."community", {db.param}, {db.param} FROM "unit" u '
                   'WHERE u."community" IS NOT NULL '
                   'AND NOT EXISTS (SELECT 1 FROM "community" c WHERE c."name" = u."community")',
                   (True, local_now()))


def _item_deidentified(migrator: SchemaMigrator) -> None:
    """Items remember when their personal data was removed (account deletion, retention)."""
    if "deidentified_at" not in {column.name for column in db.get_columns("item")}:
        kind = "TIMESTAMP" if is_postgres() else "DATETIME"
        db.execute_sql(f'ALTER TABLE "item" ADD COLUMN "deidentified_at" {kind}')


def _work_list_order(migrator: SchemaMigrator) -> None:
    """The staff work list's first page reads the index in its order (models.items.WORK_ORDER_INDEX)."""
    from .items import WORK_ORDER_INDEX

    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{WORK_ORDER_INDEX}" ON "item" '
                   '(("due" IS NULL), "due", "created_at" DESC, "id" DESC)')


def _collectors_and_notices_by_round(migrator: SchemaMigrator) -> None:
    """Every cadre collects opinions: an item records who did (`item.collected_by_id`);
    a wide-concern item is announced each round it is resolved, so a public notice is
    unique per item and round (the index on the item alone goes; init_db makes the new
    one). The gathering and opinion-source tables are created by init_db."""
    item_columns = {column.name for column in db.get_columns("item")}
    if "collected_by_id" not in item_columns:
        db.execute_sql('ALTER TABLE "item" ADD COLUMN "collected_by_id" INTEGER '
                       'REFERENCES "staff_user" ("id") ON DELETE SET NULL')
    if "round" not in {column.name for column in db.get_columns("public_notice")}:
        db.execute_sql('ALTER TABLE "public_notice" ADD COLUMN "round" INTEGER NOT NULL DEFAULT 1')
    db.execute_sql('DROP INDEX IF EXISTS "public_notice_item_id"')


def _assessment_indexes(migrator: SchemaMigrator) -> None:
    """The assessment's send-back count reads only `return` events (models.items.RETURN_EVENTS_INDEX);
    the `assessment_weight` table is created by init_db like any new table."""
    from .items import RETURN_EVENTS_INDEX

    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{RETURN_EVENTS_INDEX}" ON "timeline_event" ("item_id") '
                   "WHERE kind = 'return'")


def _categories_by_meaning(migrator: SchemaMigrator) -> None:
    """The first default tree put 市容环境 and 房屋设施 under 经济, so a leaking roof
    or a street vendor counted as the local economy: they move to 民生 (with its
    public flag, after its own sub-items), where the office hasn't moved them already.
    New default sub-items (企业服务, 市场经营) are added by `init-db`'s defaults."""
    tops = dict(db.execute_sql('SELECT "code", "id" FROM "category" WHERE "parent_id" IS NULL '
                               'AND "code" IN (\'economy\', \'livelihood\')').fetchall())
    if "economy" not in tops or "livelihood" not in tops:
        return
    public, last = db.execute_sql('SELECT p."public", (SELECT COALESCE(MAX(c."sort"), 0) FROM "category" c '
                                  f'WHERE c."parent_id" = p."id") FROM "category" p WHERE p."id" = {db.param}',
                                  (tops["livelihood"],)).fetchone()
    for offset, code in enumerate(("market_environment", "housing"), 1):
        db.execute_sql(f'UPDATE "category" SET "parent_id" = {db.param}, "public" = {db.param}, "sort" = {db.param} '
                       f'WHERE "code" = {db.param} AND "parent_id" = {db.param}',
                       (tops["livelihood"], public, last + offset, code, tops["economy"]))


def _daily_figures(migrator: SchemaMigrator) -> None:
    """An item carries its latest verdicts (models.items.LATEST_VERDICTS), filled here from
    its ratings and evaluations (the latest by id, as the operations keep them). The
    assessment's figures are kept per collection day (models.figures, tables made by
    init_db): every day that already has items is noted as changed, so its figures are
    computed when first read (or by the nightly job), not taken as empty."""
    from .items import LATEST_VERDICTS

    columns = {column.name for column in db.get_columns("item")}
    for column, (table, kind) in LATEST_VERDICTS.items():
        if column not in columns:
            db.execute_sql(f'ALTER TABLE "item" ADD COLUMN "{column}" VARCHAR(24)')
        mine = f' AND v."kind" = \'{kind}\'' if kind else ""
        latest = f'SELECT v."score" FROM "{table}" v WHERE v."item_id" = "item"."id"{mine} ORDER BY v."id" DESC LIMIT 1'
        db.execute_sql(f'UPDATE "item" SET "{column}" = ({latest}) '
                       f'WHERE "id" IN (SELECT v."item_id" FROM "{table}" v WHERE TRUE{mine})')
    db.execute_sql('INSERT INTO "figure_change" ("day") SELECT DISTINCT DATE("created_at") FROM "item"')


def _status_work_order(migrator: SchemaMigrator) -> None:
    """A work list filtered by status reads its page from an index in the list's order
    within that status (models.items.STATUS_WORK_ORDER_INDEX), which replaces the index
    on status alone."""
    from .items import STATUS_WORK_ORDER_INDEX

    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{STATUS_WORK_ORDER_INDEX}" ON "item" '
                   '("status", ("due" IS NULL), "due", "created_at" DESC, "id" DESC)')
    db.execute_sql('DROP INDEX IF EXISTS "item_status"')


def _lean_outbox(migrator: SchemaMigrator) -> None:
    """An overdue sweep writes thousands of outbox rows at once: the outbox loses its
    foreign-key constraints and the indexes no query reads (status, next_attempt_at
    and item_id whole; resident_id and wechat_msgid become partial, pending rows get
    one claim index: models.outbox, made by init_db after this); reminders lose the
    fire_at, done_at and item_id indexes nothing reads."""
    for name in ("outbox_item_id", "outbox_resident_id", "outbox_status", "outbox_next_attempt_at",
                 "outbox_wechat_msgid", "reminder_fire_at", "reminder_done_at", "reminder_item_id"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    if is_postgres():
        for (name,) in db.execute_sql("SELECT conname FROM pg_constraint "
                                      "WHERE conrelid = 'outbox'::regclass AND contype = 'f'").fetchall():
            db.execute_sql(f'ALTER TABLE "outbox" DROP CONSTRAINT "{name}"')
        return
    from .outbox import Outbox

    # SQLite drops a constraint only with its table: the rows move to a new one.
    columns = ", ".join(f'"{column.name}"' for column in db.get_columns("outbox"))
    db.execute_sql('ALTER TABLE "outbox" RENAME TO "outbox_before_14"')
    for index in db.get_indexes("outbox_before_14"):
        db.execute_sql(f'DROP INDEX "{index.name}"')
    Outbox.create_table(safe=False)
    db.execute_sql(f'INSERT INTO "outbox" ({columns}) SELECT {columns} FROM "outbox_before_14"')
    db.execute_sql('DROP TABLE "outbox_before_14"')


OFFICE_TABLES = ("community", "unit", "staff_user", "item")  # what belongs to a street office


def _offices(migrator: SchemaMigrator) -> None:
    """An installation becomes one street office (街道办事处) of a possible district: the
    `office` table (made by init_db) gets one row, named from the 活动办's name (setting
    OFFICE_NAME, models.people.street_name), and every community, unit, staff member and
    item, and the kept figures, belong to it. A district adds offices after."""
    from .people import FIRST_OFFICE_CODE, Office, street_name

    for table in OFFICE_TABLES:
        if "office_id" not in {column.name for column in db.get_columns(table)}:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "office_id" INTEGER REFERENCES "office" ("id")')
    if "office_id" not in {column.name for column in db.get_columns("daily_figure")}:
        db.execute_sql('ALTER TABLE "daily_figure" ADD COLUMN "office_id" INTEGER')
    office = Office.select().order_by(Office.id).first()
    if office is None:
        office = Office.create(name=street_name(os.environ.get("OFFICE_NAME")), code=FIRST_OFFICE_CODE, created_at=local_now())
    for table in (*OFFICE_TABLES, "daily_figure"):
        db.execute_sql(f'UPDATE "{table}" SET "office_id" = {db.param} WHERE "office_id" IS NULL', (office.id,))


# (version, function(migrator)) — append only; never edit an applied one. A new
# database gets the models' current schema and counts every migration as applied.
MIGRATIONS = [
    (1, _index_only_where_set),
    (2, _staff_following),
    (3, _reporter_items_by_date),
    (4, _communities),
    (5, _item_deidentified),
    (6, _work_list_order),
    (7, _collectors_and_notices_by_round),
    (9, _categories_by_meaning),
    (10, _assessment_indexes),
    (11, _daily_figures),
    (12, _status_work_order),
    (13, _offices),
    (14, _lean_outbox),
]


INIT_LOCK = 0x5157_1D8  # any constant of our own, the same in every process


def pending_migrations() -> list[int]:
    """Versions in MIGRATIONS not yet applied to the connected database (all of them if it has no schema)."""
    if SchemaVersion._meta.table_name not in db.get_tables():
        return [version for version, _ in MIGRATIONS]
    done = {row.version for row in SchemaVersion.select()}
    return [version for version, _ in MIGRATIONS if version not in done]


def init_db() -> list[int]:
    """Create missing tables, apply pending migrations, then add missing indexes.

    Safe to run twice. Returns the versions applied.
    """
    applied: list[int] = []
    with db.atomic():
        if is_postgres():
            # Several hosts starting at once (systemd's ExecStartPre) take turns: the
            # others then find the schema made and the migrations applied.
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (INIT_LOCK,))
        fresh = SchemaVersion._meta.table_name not in db.get_tables()
        if fresh:
            db.create_tables([SchemaVersion, *ALL_MODELS])
            for version, _ in MIGRATIONS:
                SchemaVersion.create(version=version)
            return applied
        db.create_tables([model for model in ALL_MODELS if not model.table_exists()])
        done = {row.version for row in SchemaVersion.select()}
        for version, change in MIGRATIONS:
            if version in done:
                continue
            change(_migrator())
            SchemaVersion.create(version=version)
            applied.append(version)
        # Indexes added to existing tables, now that migrations added their columns.
        for model in ALL_MODELS:
            model._schema.create_indexes(safe=True)
    return applied
