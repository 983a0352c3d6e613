"""Family members' readings saved before their save() converted them: katakana, as a customer's.

New and edited family members are converted on save (FamilyMember.save); this brings the ones
stored earlier in hiragana or half-width kana (やまだ, ﾔﾏﾀﾞ → ヤマダ) to the same form, a few
thousand rows at a time. History records are left as they were written.
"""

from django.db import migrations

from crm import normalize

BATCH = 5000


def readings_to_katakana(apps, schema_editor):
    FamilyMember = apps.get_model("crm", "FamilyMember")
    members = FamilyMember.objects.using(schema_editor.connection.alias).exclude(name_kana="").order_by("id")
    last = 0
    while True:
        batch = list(members.filter(id__gt=last).only("id", "name_kana")[:BATCH])
        if not batch:
            return
        last = batch[-1].id
        changed = []
        for member in batch:
            reading = normalize.to_katakana(member.name_kana)
            if reading != member.name_kana:
                member.name_kana = reading
                changed.append(member)
        FamilyMember.objects.using(schema_editor.connection.alias).bulk_update(changed, ["name_kana"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("crm", "0020_no_branch_search_indexes")]

    operations = [migrations.RunPython(readings_to_katakana, migrations.RunPython.noop)]
