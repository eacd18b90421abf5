"""A SQLite file with an organisation, its owner and a client, for running ``accord`` as a
process of its own against it (the tests' own database is in memory).

    python -m accord.dataio.tests.cli_world DIRECTORY

Makes DIRECTORY/accord.sqlite3 (tables from the models, no migrations: much faster) with the
organisation ``cli``, its owner ``owner@cli.example`` and the client ``CLI client``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ORGANIZATION = "cli"
OWNER = "owner@cli.example"
CLIENT = "CLI client"


def main() -> int:
    folder = Path(sys.argv[1])
    os.environ["DATABASE_URL"] = ""
    os.environ["ACCORD_DATA_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    import django

    from accord.core.datadir import init

    init()
    django.setup()
    from django.db import connection

    from accord.crm.models import Client
    from accord.tenancy.models import Membership, Organization, Role, User

    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = False
    connection.settings_dict["TEST"]["NAME"] = str(folder / "accord.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    org = Organization.objects.create(name="CLI 命令行", slug=ORGANIZATION)
    user = User.objects.create_user(OWNER, "cli password 123")
    Membership.objects.create(organization=org, user=user, role=Role.OWNER)
    Client.objects.create(organization=org, name=CLIENT)
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
