from django.db import migrations

# The media the seed's desks name (カタログ・ちらし・新聞広告・ＴＶ) and the web; admins edit them on 媒体.
DEFAULT_MEDIA = [("CAT", "カタログ"), ("FLY", "チラシ"), ("NEWS", "新聞"), ("TV", "TV"), ("WEB", "Web")]


def create_media(apps, schema_editor):
    Medium = apps.get_model("orders", "Medium")
    for position, (code, name) in enumerate(DEFAULT_MEDIA):
        Medium.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_orders_and_estimates")]

    operations = [migrations.RunPython(create_media, migrations.RunPython.noop)]
