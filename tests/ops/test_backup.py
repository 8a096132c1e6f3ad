"""backup → restore round trip on the suite's database (SQLite or PostgreSQL),
uploads included; restore refuses to overwrite data without --force."""
import os

import pytest

import models
from ops.backup import row_counts


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def files(folder):
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                found[os.path.relpath(os.path.join(root, name), folder)] = handle.read()
    return found


def items():
    return sorted(models.Item.select(models.Item.id, models.Item.number, models.Item.status,
                                     models.Item.content).tuples())


@pytest.fixture
def installation(app, flow):
    """Items in several states and an uploaded photo."""
    flow.closed()
    flow.claimed(reporter="li", content="菜市场门口占道经营严重，早晚高峰走不通")
    uploads = app.config["UPLOAD_DIR"]
    write(os.path.join(uploads, "2026", "11", "photo-1.jpg"), b"\xff\xd8 first photo")
    return uploads


def test_backup_then_restore_gives_back_exactly_the_backup(app, runner, flow, installation, tmp_path):
    archive = str(tmp_path / "backups" / "sixstep.tar")
    done = runner.invoke(args=["backup", archive])
    assert done.exit_code == 0, done.output
    counts, kept, kept_files = row_counts(), items(), files(installation)

    flow.collected(reporter="zhang", content="备份之后才反映的问题：小区门禁坏了")
    os.remove(os.path.join(installation, "2026", "11", "photo-1.jpg"))
    write(os.path.join(installation, "later.jpg"), b"after the backup")

    refused = runner.invoke(args=["restore", archive])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert len(items()) == len(kept) + 1  # nothing touched

    done = runner.invoke(args=["restore", archive, "--force"])
    assert done.exit_code == 0, done.output
    assert row_counts() == counts and items() == kept
    assert files(installation) == kept_files
    fresh = flow.collected(reporter="li", content="恢复之后新反映的问题：路口红绿灯不亮")
    assert fresh.id > max(row[0] for row in kept)  # the id sequence came back too


def test_restore_into_an_empty_installation_needs_no_force(app, runner, installation, tmp_path):
    archive = str(tmp_path / "sixstep.tar")
    assert runner.invoke(args=["backup", archive]).exit_code == 0
    counts, kept, kept_files = row_counts(), items(), files(installation)
    models.db.drop_tables([models.migrations.SchemaVersion, *models.ALL_MODELS])
    for name in os.listdir(installation):
        os.rename(os.path.join(installation, name), str(tmp_path / name))

    done = runner.invoke(args=["restore", archive])
    assert done.exit_code == 0, done.output
    assert row_counts() == counts and items() == kept and files(installation) == kept_files


def test_a_file_that_is_not_a_backup_is_refused(runner, installation, tmp_path):
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar file")
    answer = runner.invoke(args=["restore", str(bogus), "--force"])
    assert answer.exit_code != 0 and "无法读取备份文件" in answer.output
    assert files(installation)  # untouched
