"""`manage.py backup [--output DIR | --root DIR --keep N]`: the database and the attachments, with a
manifest (ops/backup.py). Cron, nightly at 02:30, keeping two weeks (docs/operations.md):

    30 2 * * * cd /srv/kokyaku && .venv/bin/python manage.py backup --root /var/backups/kokyaku --keep 14
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Back up the database and the attachments (MEDIA_ROOT) into a directory with a manifest"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="the new backup directory")
        parser.add_argument("--root", type=Path, help="make kokyaku-YYYYmmdd-HHMMSS under this directory")
        parser.add_argument("--keep", type=int, default=0, help="with --root: keep only the newest N backups")

    def handle(self, *, output, root, keep, **options):
        if (output is None) == (root is None):
            raise CommandError("give --output DIR or --root DIR")
        target = output or backup.default_directory(root)
        try:
            manifest = backup.backup(target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"{target}: {len(manifest['counts'])} tables, {rows} rows, "
                          f"{len(manifest['media'])} attachment files")
        if root is not None and keep:
            for removed in backup.prune(root, keep):
                self.stdout.write(f"removed the old backup {removed}")
