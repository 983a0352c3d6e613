"""First-run setup for `make run`: accounts, settings and demo data, then how to log in.

On a database without any staff it creates the superuser `admin` (head office) and a
branch-level user `shibuya` (渋谷店 only), both with random passwords, the SystemSetting row
and 300 demo customers. The passwords are kept in var/demo-login.txt (git-ignored, readable
by the owner only) and printed on every run. Later runs change nothing.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from crm.models import Branch, Staff
from crm.permissions import staff_set_branches
from fieldconfig.services import fieldsettings_ensure_rows

from .seed_demo import grant_staff_permissions

LOGIN_FILE = Path(settings.BASE_DIR) / "var" / "demo-login.txt"
ADMIN_USERNAME = "admin"
BRANCH_USERNAME = "shibuya"
BRANCH_CODE = "B02"  # 渋谷店 in seed_demo's branch list
DEMO_SEED = 1


class Command(BaseCommand):
    help = "Create the demo accounts and data on first run, then print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="Demo customers to create on first run.")
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"), help="Port shown in the login URL.")

    def handle(self, *args, **opts):
        if not Staff.objects.exists():
            accounts = self.first_run(opts["customers"])
            self.write_login_file(accounts)
        self.print_login(opts["port"])

    def first_run(self, customers: int) -> list[tuple[str, str, str]]:
        self.stdout.write("First run: creating the demo accounts and data …")
        admin_password = secrets.token_urlsafe(12)
        branch_password = secrets.token_urlsafe(12)
        # All or nothing: a failed seed leaves no staff behind, so the next run tries again.
        with transaction.atomic():
            fieldsettings_ensure_rows()  # the SystemSetting row and every field's label row
            Staff.objects.create_superuser(
                ADMIN_USERNAME, "admin@kokyaku.example.jp", admin_password,
                is_head_office=True, display_name="管理者", display_name_kana="カンリシャ",
            )
            call_command("seed_demo", customers=customers, seed=DEMO_SEED, stdout=self.stdout)
            branch = Branch.objects.get(code=BRANCH_CODE)
            user = Staff.objects.create_user(
                BRANCH_USERNAME, "shibuya@kokyaku.example.jp", branch_password, is_staff=True,
                display_name=f"{branch.name} デモ", display_name_kana="シブヤテン デモ",
            )
            staff_set_branches(staff=user, branches=[branch])
            grant_staff_permissions(user)
        return [
            (ADMIN_USERNAME, admin_password, "superuser, head office: every branch"),
            (BRANCH_USERNAME, branch_password, f"{branch.name} only"),
        ]

    def write_login_file(self, accounts) -> None:
        LOGIN_FILE.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"# database: {database_identity()}"]
        lines += [f"{username}\t{password}\t{note}" for username, password, note in accounts]
        LOGIN_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
        LOGIN_FILE.chmod(0o600)

    def read_login_file(self) -> list[tuple[str, str, str]]:
        """The accounts written for *this* database whose password still works, else []."""
        if not LOGIN_FILE.exists():
            return []
        lines = LOGIN_FILE.read_text(encoding="utf-8").splitlines()
        if not lines or lines[0] != f"# database: {database_identity()}":
            return []
        accounts = []
        for line in lines[1:]:
            username, password, note = (line.split("\t") + ["", ""])[:3]
            user = Staff.objects.filter(username=username, is_active=True).first()
            if user is not None and user.check_password(password):
                accounts.append((username, password, note))
        return accounts

    def print_login(self, port: str) -> None:
        url = f"http://127.0.0.1:{port}/admin/"
        bar = "=" * 72
        self.stdout.write(bar)
        self.stdout.write(f"Kokyaku: open {url}")
        accounts = self.read_login_file()
        for username, password, note in accounts:
            self.stdout.write(f"  username: {username:<10} password: {password:<18} ({note})")
        if accounts:
            self.stdout.write(f"  (kept in {LOGIN_FILE.relative_to(settings.BASE_DIR)}; "
                              "change them with `manage.py changepassword <username>`)")
        else:
            self.stdout.write("  This database has accounts that bootstrap_demo did not create (or their")
            self.stdout.write("  passwords were changed): log in with yours, or set one with")
            self.stdout.write("  `.venv/bin/python manage.py changepassword admin`.")
        self.stdout.write(bar)


def database_identity() -> str:
    """Which database the login file belongs to: several may share one checkout."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite {db['NAME']}"
    return f"{connection.vendor} {db.get('HOST') or 'localhost'}:{db.get('PORT') or ''}/{db['NAME']}"
