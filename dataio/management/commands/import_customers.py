"""python manage.py import_customers FILE [--what customers|contacts|purchases] [--encoding …] [--dry-run] --user ID

The same check and all-or-nothing write as the import screen, with a progress bar."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from dataio import importing
from dataio.columns import TARGETS
from dataio.reading import ENCODINGS, FileProblem, open_sheet
from fieldconfig import lookup


class _Bar:
    """importing's reporter interface over a tqdm progress bar."""

    def __init__(self, total: int, label: str):
        self.bar = tqdm(total=total, unit="行", desc=label)

    def check(self):
        pass

    def advance(self, n=1):
        self.bar.update(n)

    def close(self):
        self.bar.close()


class Command(BaseCommand):
    help = "Import customers, contact histories or purchases from a CSV (UTF-8 or CP932) or xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--what", choices=sorted(TARGETS), default="customers")
        parser.add_argument("--encoding", choices=sorted(ENCODINGS), default=None,
                            help="Default: detected (UTF-8 with or without BOM, else CP932).")
        parser.add_argument("--user", required=True, help="Login ID of the staff member the import is done as.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")

    def handle(self, *args, **opts):
        with lookup.one_snapshot():
            self._import(opts)

    def _import(self, opts):
        translation.activate("ja")
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"No staff member with login ID {opts['user']!r}.")
        try:
            sheet = open_sheet(opts["file"], encoding=opts["encoding"])
            plan = importing.plan_import(sheet, opts["what"], user)
        except FileProblem as exc:
            raise CommandError(str(exc)) from None
        except importing.HeaderProblem as exc:
            raise CommandError("\n".join(exc.messages)) from None
        self.stdout.write(f"{sheet.encoding_label}: {', '.join(plan.labels)}")
        bar = _Bar(sheet.count_rows(), "チェック" if opts["dry_run"] else "取込")
        try:
            if opts["dry_run"]:
                report = importing.check_rows(plan, reporter=bar)
            else:
                report = importing.write_rows(plan, reporter=bar, file_name=opts["file"])
        finally:
            bar.close()
        for problem in report.problems[:200]:
            self.stderr.write(f"{problem.row}行目 {problem.column}: {problem.message} ({problem.value})")
        for warning in report.warnings[:50]:  # 「空欄時に警告」 (C8): the row is imported
            self.stdout.write(f"{warning.row}行目 {warning.column}: {warning.message}")
        summary = f"新規 {report.new} / 更新 {report.updated} / 変更なし {report.unchanged} / 問題のある行 {report.bad_rows}"
        if report.warned_rows:
            summary += f" / 注意のある行 {report.warned_rows}"
        if report.zero_codes:  # Excel's 9401 for 009401 (issue 22 point 10)
            summary += f" / 先頭の0が落ちた顧客コードを照合 {report.zero_codes}件"
        if report.bad_rows:
            raise CommandError(f"{summary}。何も書き込んでいません。")
        self.stdout.write(summary + ("（チェックのみ）" if opts["dry_run"] else ""))
