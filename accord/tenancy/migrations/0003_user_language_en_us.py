from django.db import migrations


def forwards(apps, schema_editor):
    # "en" is now offered as English (United States) beside English (United Kingdom); stored
    # preferences name the variant they always meant, so saving a profile unchanged changes nothing.
    apps.get_model("tenancy", "User").objects.filter(language="en").update(language="en-us")


def backwards(apps, schema_editor):
    apps.get_model("tenancy", "User").objects.filter(language="en-us").update(language="en")


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_two_factor_token_scopes")]

    operations = [migrations.RunPython(forwards, backwards)]
