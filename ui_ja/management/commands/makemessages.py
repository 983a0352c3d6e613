"""Django's makemessages, tuned for a catalog that people edit by hand (locale/ja/LC_MESSAGES/django.po).

- No fuzzy matching: a new msgid starts empty instead of borrowing a neighbour's Japanese, which
  a reviewer would have to spot; tests/test_j1_translations.py fails on an empty or fuzzy entry.
- No source locations: line numbers change with every edit and would make every branch's .po
  conflict with every other's.

Django documents overriding these two class attributes for exactly this purpose.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--no-location"]
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching", "--no-location"]
