"""Issue 24 point 5: `manage.py backup` / `manage.py restore`, on the database the suite runs on (SQLite's
online backup API, or pg_dump / pg_restore -j), attachments included, with a manifest."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import scratch_sql
from tests.test_ops_jobs import ROOT


def run(env, *args, check=True):
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=check, timeout=300, capture_output=True,
                          text=True)


@pytest.fixture
def source(tmp_path, shared_database):
    env = {**os.environ, "DATABASE_URL": shared_database, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "MEDIA_ROOT": str(tmp_path / "media-source"), "JOBS_PROGRESS_DIR": str(tmp_path / "progress"),
           "PYTHONPATH": str(ROOT)}
    run(env, "-m", "tests.processes", "sample")
    return env


def test_i24_5_backup_then_restore_into_a_fresh_database_gives_identical_counts_and_checksums(
        source, tmp_path, make_scratch_database):
    # given a small database with an attachment, backed up
    run(source, "manage.py", "backup", "--output", str(tmp_path / "first"))
    manifest = json.loads((tmp_path / "first" / "manifest.json").read_text())
    assert manifest["counts"]["crm_customer"] == 5 and manifest["counts"]["crm_contactattachment"] == 1
    assert len(manifest["media"]) == 1 and manifest["files"][manifest["database_file"]]
    # when it is restored into a new, empty database and attachments folder
    fresh = {**source, "DATABASE_URL": make_scratch_database("restored"), "MEDIA_ROOT": str(tmp_path / "media-new")}
    out = run(fresh, "manage.py", "restore", str(tmp_path / "first")).stdout
    # then it reports the counts, and a backup of the restored one holds the same counts and files
    assert "crm_customer\t5" in out and "counts and checksums match" in out
    run(fresh, "manage.py", "backup", "--output", str(tmp_path / "second"))
    again = json.loads((tmp_path / "second" / "manifest.json").read_text())
    assert again["counts"] == manifest["counts"] and again["media"] == manifest["media"]
    assert again["migrations"] == manifest["migrations"]
    assert scratch_sql(fresh["DATABASE_URL"], "SELECT original_name FROM crm_contactattachment") == [("見積書.pdf",)]
    # and a second restore into the now full database is refused, nothing changed
    refused = run(fresh, "manage.py", "restore", str(tmp_path / "first"), check=False)
    assert refused.returncode != 0 and "空ではありません" in refused.stderr


def test_i24_5_restore_refuses_another_schema_version_or_a_damaged_file(source, tmp_path, make_scratch_database):
    run(source, "manage.py", "backup", "--output", str(tmp_path / "b"))
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    empty = {**source, "DATABASE_URL": make_scratch_database("empty"), "MEDIA_ROOT": str(tmp_path / "media-new")}
    # a backup from a later version (a migration this code does not have)
    manifest_path.write_text(json.dumps({**manifest, "migrations": manifest["migrations"] + [["crm", "9999_later"]]}))
    refused = run(empty, "manage.py", "restore", str(tmp_path / "b"), check=False)
    assert refused.returncode != 0 and "スキーマバージョン" in refused.stderr and "crm.9999_later" in refused.stderr
    # an attachment changed after the backup
    manifest_path.write_text(json.dumps(manifest))
    attachment = next((tmp_path / "b" / "media").rglob("*.pdf"))
    attachment.write_bytes(b"tampered")
    refused = run(empty, "manage.py", "restore", str(tmp_path / "b"), check=False)
    assert refused.returncode != 0 and "チェックサム" in refused.stderr
    assert scratch_sql(empty["DATABASE_URL"], "SELECT 1") == [(1,)]  # nothing restored
    assert not (tmp_path / "media-new").exists() or not any((tmp_path / "media-new").rglob("*.pdf"))
