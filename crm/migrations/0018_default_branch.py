"""A fresh install gets one branch, 本店, so a single office can add its first customer at once.

Every customer belongs to a branch; without one, the add form's pulldown is empty until
someone finds the branch master. Created only when no branch exists (an upgraded install
keeps its own). seed_demo adopts it as its first branch.
"""

from django.db import migrations

DEFAULT_BRANCH_CODE = "HQ"
DEFAULT_BRANCH_NAME = "本店"


def default_branch_ensure(apps, schema_editor):
    Branch = apps.get_model("crm", "Branch")
    if Branch.objects.using(schema_editor.connection.alias).exists():
        return
    Branch.objects.using(schema_editor.connection.alias).create(
        code=DEFAULT_BRANCH_CODE, name=DEFAULT_BRANCH_NAME, position=1,
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0017_family_joint_name")]

    operations = [migrations.RunPython(default_branch_ensure, migrations.RunPython.noop)]
