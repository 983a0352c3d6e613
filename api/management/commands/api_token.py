"""Make an API token from the command line (the same as 設定 → APIトークン → 追加): prints its secret once.

    manage.py api_token --client POSレジ --user shibuya --scopes customers:read,purchases:write,points --days 365
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import ApiClient, Scope
from api.tokens import token_create


class Command(BaseCommand):
    help = "Make an API token for an outside system; prints the secret (shown once, only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="the outside system's name (made if new)")
        parser.add_argument("--user", required=True, help="the login of the staff member the token acts as")
        parser.add_argument("--scopes", required=True,
                            help="comma-separated: " + ", ".join(scope.value for scope in Scope))
        parser.add_argument("--days", type=int, default=365, help="days until it expires (default 365)")
        parser.add_argument("--name", default="", help="the token's name (a till, a shop)")

    def handle(self, *args, client, user, scopes, days, name, **options):
        staff = get_user_model().objects.filter(username=user, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active staff member has the login {user!r}.")
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - {scope.value for scope in Scope})
        if not wanted or unknown:
            raise CommandError(f"Unknown scopes {unknown}; choose from " + ", ".join(s.value for s in Scope))
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        api_client, _created = ApiClient.objects.get_or_create(name=client)
        token, secret = token_create(client=api_client, user=staff, scopes=wanted, name=name,
                                     expires_at=timezone.now() + timedelta(days=days))
        self.stdout.write(f"{token} (acts as {staff.get_username()}, scopes {', '.join(token.scopes)}, "
                          f"expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M})")
        self.stdout.write(secret)
