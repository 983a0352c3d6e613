"""Backup and restore of a whole Kokyaku: the database and the attachments (MEDIA_ROOT), with a manifest.

A backup is a directory:
    manifest.json   what it holds: when, which database engine, the applied migrations (the schema
                    version), the row count of every table, and the sha256 of every file
    database.dump   PostgreSQL: pg_dump's custom format (restored with pg_restore -j)
    database.sqlite3  SQLite: a copy made with SQLite's online backup API (consistent while others write)
    media/          the attachments and job files, as MEDIA_ROOT has them

On PostgreSQL the row counts are taken in the snapshot pg_dump dumps (pg_export_snapshot), so they are
the dump's own counts even while the office works. A restore goes into an empty database only, refuses
a backup whose migrations differ from this code's, checks every checksum first and every count after.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason for the operator."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def code_migrations() -> list[list[str]]:
    """The migrations this code has (what an up-to-date database has applied)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.disk_migrations)


def _applied(conn_or_cursor_rows) -> list[list[str]]:
    return sorted([app, name] for app, name in conn_or_cursor_rows)


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _counts(cursor, tables) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _copy_media(source: Path, target: Path) -> dict[str, str]:
    """Every file under source copied to target; their sha256 by relative path."""
    checksums = {}
    if not source.exists():
        return checksums
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix()
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        checksums[relative] = sha256(destination)
    return checksums


def backup(output: Path) -> dict:
    """Write a backup into `output` (a new directory). Returns the manifest."""
    if output.exists() and any(output.iterdir()):
        raise BackupError(_("The backup directory %(path)s is not empty.") % {"path": output})
    output.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(), "engine": connection.vendor,
                "database_file": "", "migrations": [], "counts": {}, "files": {}, "media": {}}
    tables = connection.introspection.table_names()
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.ensure_connection()
        with connection.cursor() as cursor:  # one snapshot for the counts and pg_dump
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                cursor.execute("SELECT app, name FROM django_migrations")
                manifest["migrations"] = _applied(cursor.fetchall())
                manifest["counts"] = _counts(cursor, tables)
                subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                                "--file", str(output / PG_DUMP), *args], env=env, check=True)
            finally:
                cursor.execute("COMMIT")
        manifest["database_file"] = PG_DUMP
    elif connection.vendor == "sqlite":
        target = output / SQLITE_COPY
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # SQLite's online backup API: one consistent copy
        with sqlite3.connect(target) as copy:
            manifest["migrations"] = _applied(copy.execute("SELECT app, name FROM django_migrations").fetchall())
            manifest["counts"] = _counts(copy.cursor(), tables)
        manifest["database_file"] = SQLITE_COPY
    else:
        raise BackupError(_("Backup supports PostgreSQL and SQLite, not %(engine)s.") % {"engine": connection.vendor})
    manifest["files"][manifest["database_file"]] = sha256(output / manifest["database_file"])
    manifest["media"] = _copy_media(Path(settings.MEDIA_ROOT), output / MEDIA)
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return manifest


@dataclass
class Restored:
    counts: dict[str, int]
    media_files: int


def read_manifest(source: Path) -> dict:
    try:
        return json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(_("%(path)s is not a Kokyaku backup (no readable manifest.json).") % {"path": source}) \
            from exc


def check(source: Path, manifest: dict) -> None:
    """Refuse a backup this database cannot take: another engine, another schema, a damaged file, a
    database or media folder that is not empty."""
    if manifest.get("engine") != connection.vendor:
        raise BackupError(_("The backup is of a %(backup)s database; this one is %(here)s.")
                          % {"backup": manifest.get("engine"), "here": connection.vendor})
    ours, theirs = code_migrations(), manifest["migrations"]
    if ours != theirs:
        missing = sorted({tuple(m) for m in ours} - {tuple(m) for m in theirs})
        extra = sorted({tuple(m) for m in theirs} - {tuple(m) for m in ours})
        raise BackupError(_("The backup's schema version differs from this code's (migrations only in the "
                            "code: %(missing)s; only in the backup: %(extra)s). Restore it with the version of "
                            "Kokyaku it was made with, then migrate.")
                          % {"missing": ", ".join(".".join(m) for m in missing[:10]) or "-",
                             "extra": ", ".join(".".join(m) for m in extra[:10]) or "-"})
    if connection.introspection.table_names():
        raise BackupError(_("The database %(name)s is not empty: restore into a new, empty database.")
                          % {"name": settings.DATABASES["default"]["NAME"]})
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(p.is_file() for p in media.rglob("*")):
        raise BackupError(_("The attachments folder %(path)s is not empty.") % {"path": media})
    for name, expected in {**manifest["files"], **{f"{MEDIA}/{k}": v for k, v in manifest["media"].items()}}.items():
        path = source / name
        if not path.is_file() or sha256(path) != expected:
            raise BackupError(_("%(name)s is missing or damaged in the backup (its checksum differs).")
                              % {"name": name})


def restore(source: Path, *, jobs: int = 4) -> Restored:
    manifest = read_manifest(source)
    check(source, manifest)
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}",
                        *args, str(source / PG_DUMP)], env=env, check=True)
    else:
        connection.ensure_connection()
        with sqlite3.connect(source / SQLITE_COPY) as copy:
            copy.backup(connection.connection)
    connection.close()  # the schema changed under it
    media = _copy_media(source / MEDIA, Path(settings.MEDIA_ROOT))
    with connection.cursor() as cursor:
        counts = _counts(cursor, manifest["counts"])
    if counts != manifest["counts"]:
        wrong = {t: (manifest["counts"][t], n) for t, n in counts.items() if n != manifest["counts"][t]}
        raise BackupError(_("Restored, but the row counts differ from the manifest: %(wrong)s") % {"wrong": wrong})
    if media != manifest["media"]:
        raise BackupError(_("Restored, but the attachments differ from the manifest."))
    if set(MigrationRecorder(connection).applied_migrations()) != {tuple(m) for m in manifest["migrations"]}:
        raise BackupError(_("Restored, but the applied migrations differ from the manifest."))
    return Restored(counts=counts, media_files=len(media))


def default_directory(root: Path) -> Path:
    return root / f"kokyaku-{datetime.datetime.now():%Y%m%d-%H%M%S}"


def prune(root: Path, keep: int) -> list[Path]:
    """The backups in `root` beyond the newest `keep`, deleted. Only directories with a manifest."""
    backups = sorted(p for p in root.glob("kokyaku-*") if (p / MANIFEST).is_file())
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        shutil.rmtree(path)
    return removed



