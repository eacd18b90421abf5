from django.db import migrations


def load(apps, schema_editor):
    from accord.playbooks.services import builtin_templates_load

    builtin_templates_load(apps.get_model("playbooks", "ProjectTemplate"))


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
