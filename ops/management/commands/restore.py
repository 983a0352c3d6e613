"""`manage.py restore DIR [--jobs N]`: a backup (manage.py backup) into a new, empty database and an
empty MEDIA_ROOT. Refuses another schema version (applied migrations), another engine, a damaged file
or a database that is not empty; prints the row count of every table once restored and checked."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database"

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)
        parser.add_argument("--jobs", type=int, default=4, help="pg_restore's parallel jobs (PostgreSQL)")

    def handle(self, *, source, jobs, **options):
        try:
            restored = backup.restore(source, jobs=jobs)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for table, count in sorted(restored.counts.items()):
            self.stdout.write(f"{table}\t{count}")
        self.stdout.write(f"restored: {len(restored.counts)} tables, {sum(restored.counts.values())} rows, "
                          f"{restored.media_files} attachment files; counts and checksums match the manifest")
