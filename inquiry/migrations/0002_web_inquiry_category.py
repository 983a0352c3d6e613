"""The contact category of the web forms' submissions, 「Web問合せ」, for the forms to choose by default."""

from django.db import migrations

NAME = "Web問合せ"


def add_category(apps, schema_editor):
    ContactCategory = apps.get_model("crm", "ContactCategory")
    if not ContactCategory.objects.filter(name=NAME).exists():
        last = ContactCategory.objects.order_by("-position").values_list("position", flat=True).first() or 0
        ContactCategory.objects.create(name=NAME, position=last + 1)


class Migration(migrations.Migration):
    dependencies = [("inquiry", "0001_web_forms")]

    operations = [migrations.RunPython(add_category, migrations.RunPython.noop)]
