"""Flask CLI commands from docs/DESIGN.md: init-db, seed-demo, create-unit, create-user."""
import click

from models.migrations import init_db
from pipeline.catalog import ensure_default_categories
from pipeline.errors import DomainError
from pipeline.people import create_staff, create_unit
from pipeline.states import ROLES_ALLOWED, UNIT_KINDS_ALLOWED


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
        from pipeline.demo import seed_demo

        init_db()
        ensure_default_categories()
        accounts = seed_demo()
        click.echo("演示数据已写入。演示账号 (demo accounts, password in brackets):")
        for username, role, password in accounts:
            click.echo(f"  {username:<14} {role:<13} [{password}]")

    @app.cli.command("create-unit")
    @click.argument("name")
    @click.option("--kind", required=True, type=click.Choice(sorted(UNIT_KINDS_ALLOWED)))
    @click.option("--community", default=None, help="the community a community unit serves")
    def create_unit_command(name, kind, community):
        """Create a responsible unit (承办单位)."""
        init_db()
        try:
            unit = create_unit(name, kind, community)
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
    def create_user_command(username, role, unit, password, name, area):
        """Create a staff account."""
        init_db()
        try:
            user = create_staff(username, role, password, name=name, unit=unit, area=area)
        except DomainError as error:
            _fail(error)
        click.echo(f"用户已创建: {user.username} ({user.role}, id {user.id})")
