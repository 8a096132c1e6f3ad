"""The command line's office commands (cli.py): a district adds street offices, and
units and accounts name theirs."""
import models


def test_a_district_adds_offices_and_their_units_and_accounts(runner, db):
    first = runner.invoke(args=["create-unit", "建设办", "--kind", "department"])
    assert first.exit_code == 0, first.output
    added = runner.invoke(args=["create-office", "城南街道", "--code", "02"])
    assert added.exit_code == 0 and "城南街道" in added.output, added.output
    assert runner.invoke(args=["create-office", "城南街道", "--code", "03"]).exit_code != 0  # names are unique
    unit = runner.invoke(args=["create-unit", "城南建设办", "--kind", "department", "--office", "02"])
    assert unit.exit_code == 0, unit.output
    handler = runner.invoke(args=["create-user", "nan", "--role", "unit", "--unit", "城南建设办",
                                  "--password", "test-password"])
    district = runner.invoke(args=["create-user", "quji", "--role", "district", "--password", "test-password"])
    assert handler.exit_code == 0 and district.exit_code == 0, handler.output + district.output
    refused = runner.invoke(args=["create-user", "x", "--role", "district", "--office", "02",
                                  "--password", "test-password"])
    assert refused.exit_code != 0 and "区级账号不属于某个街道或单位" in refused.output
    admin = runner.invoke(args=["create-user", "admin", "--role", "admin", "--password", "test-password"])
    district_admin = runner.invoke(args=["create-user", "qu-admin", "--role", "admin", "--district",
                                         "--password", "test-password"])
    assert admin.exit_code == 0 and district_admin.exit_code == 0, admin.output + district_admin.output
    south = models.Office.get(models.Office.code == "02")
    home = models.Unit.get(models.Unit.name == "建设办").office
    assert home.code == "01" and home.id != south.id
    assert models.Unit.get(models.Unit.name == "城南建设办").office_id == south.id
    assert models.StaffUser.get(models.StaffUser.username == "nan").office_id == south.id
    assert models.StaffUser.get(models.StaffUser.username == "quji").office_id is None
    assert models.StaffUser.get(models.StaffUser.username == "admin").office_id == home.id  # as one office had it
    assert models.StaffUser.get(models.StaffUser.username == "qu-admin").office_id is None
