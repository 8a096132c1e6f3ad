"""Flask CLI commands from docs/DESIGN.md: init-db, seed-demo, create-unit, create-user, backup, restore,
migrate-to."""
import click

from models.migrations import init_db
from pipeline.accounts.people import create_office, create_staff, create_unit, office_by_name
from pipeline.office.catalog import ensure_default_categories
from pipeline.rules.errors import DomainError
from pipeline.rules.states import ROLES_ALLOWED, UNIT_KINDS_ALLOWED


def _fail(error):
    raise click.ClickException(f"{error.message} ({error.code})")


def register_cli(app):
    @app.cli.command("init-db")
    def init_db_command():
        """Create or migrate the schema; safe to run twice."""
        applied = init_db()
        created = ensure_default_categories()
        click.echo(f"数据库已就绪 (migrations applied: {len(applied)}, categories created: {created})")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Categories, units, accounts and the seed's own cases, for a first look."""
        from demo.seed import seed_demo

        init_db()
        ensure_default_categories()
        accounts = seed_demo()
        click.echo("演示数据已写入。演示账号 (demo accounts, password in brackets):")
        for username, role, password in accounts:
            click.echo(f"  {username:<14} {role:<13} [{password}]")

    @app.cli.command("create-office")
    @click.argument("name")
    @click.option("--code", required=True, help="a short code, unique in the district")
    def create_office_command(name, code):
        """Add a street office (街道办事处) to the district."""
        init_db()
        try:
            office = create_office(name, code)
        except DomainError as error:
            _fail(error)
        click.echo(f"街道已创建: {office.name} (id {office.id}, {office.code})")

    @app.cli.command("create-unit")
    @click.argument("name")
    @click.option("--kind", required=True, type=click.Choice(sorted(UNIT_KINDS_ALLOWED)))
    @click.option("--community", default=None, help="the community a community unit serves")
    @click.option("--office", default=None, help="its street office's name or code (default: the first office)")
    def create_unit_command(name, kind, community, office):
        """Create a responsible unit (承办单位)."""
        init_db()
        try:
            unit = create_unit(name, kind, community, office=office_by_name(office))
        except DomainError as error:
            _fail(error)
        click.echo(f"单位已创建: {unit.name} (id {unit.id}, {unit.kind})")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(sorted(ROLES_ALLOWED)))
    @click.option("--unit", default=None, help="unit name (required for role unit)")
    @click.option("--password", required=True)
    @click.option("--name", default=None, help="display name")
    @click.option("--area", default=None, help="community a cadre supervisor follows")
    @click.option("--office", default=None, help="street office name or code (default: the unit's, else the first)")
    @click.option("--district", is_flag=True, help="the district's own account, of no street office "
                                                   "(role admin: the district's admin; role district always)")
    def create_user_command(username, role, unit, password, name, area, office, district):
        """Create a staff account."""
        init_db()
        try:
            user = create_staff(username, role, password, name=name, unit=unit, area=area,
                                office=office_by_name(office), district=district)
        except DomainError as error:
            _fail(error)
        click.echo(f"用户已创建: {user.username} ({user.role}, id {user.id})")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Back up the database and the uploads folder into one file (online; the service keeps running)."""
        from ops.backup import BackupError, backup
        from ops.pgtools import ToolError

        try:
            manifest = backup(path, app.config["UPLOAD_DIR"], app.config["DATABASE_URL"])
        except (BackupError, ToolError) as error:
            raise click.ClickException(error.message) from error
        click.echo(f"备份已写入 {path} ({manifest['database']}, {sum(manifest['counts'].values())} 行)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="overwrite a database or uploads folder that holds data")
    def restore_command(path, force):
        """Restore a backup; refuses to overwrite data without --force. Stop web and jobs processes first."""
        from ops.backup import BackupError, restore
        from ops.pgtools import ToolError

        try:
            manifest = restore(path, app.config["UPLOAD_DIR"], app.config["DATABASE_URL"], force=force)
        except (BackupError, ToolError) as error:
            raise click.ClickException(error.message) from error
        click.echo(f"已从 {path} 恢复（备份时间 {manifest['created_at']}）")

    @app.cli.command("migrate-to")
    @click.argument("url")
    def migrate_to_command(url):
        """Copy this SQLite installation into an empty PostgreSQL database, then check the copy."""
        from ops.backup import BackupError
        from ops.transfer import migrate_to

        try:
            counts = migrate_to(url)
        except BackupError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"已复制 {sum(counts.values())} 行到 PostgreSQL，行数与抽查一致。")
        click.echo("下一步：停止服务，把 DATABASE_URL 改为新地址，再启动。")
