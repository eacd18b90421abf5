"""accord export KIND [--format csv|xlsx|vcf] [--output FILE] [--organization SLUG] [filters]"""

from __future__ import annotations

import shutil
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accord.core.checks import CONFIGURATION_CHECKS
from accord.dataio import exports
from accord.dataio.kinds import spec_for
from accord.dataio.management.commands._common import organization_member


class Command(BaseCommand):
    requires_system_checks = CONFIGURATION_CHECKS
    help = "Export clients, contacts, interactions, tasks or risks as CSV, XLSX or vCard."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["clients", "contacts", "interactions", "tasks", "risks"])
        parser.add_argument("--format", default="csv", choices=list(exports.FORMATS))
        parser.add_argument("--output", default="-", help="File to write (default: standard output).")
        parser.add_argument("--organization", default="")
        parser.add_argument("--as", dest="as_email", default="")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A list filter, e.g. --filter status=active (repeatable).",
        )

    def handle(self, *args, kind, format, output, organization, as_email, filter, **opts):  # noqa: A002
        member = organization_member(organization, as_email, manager=False)
        spec = spec_for(kind)
        params = dict(item.split("=", 1) for item in filter if "=" in item)
        try:
            queryset = spec.export_queryset(member, params)
            if format == "xlsx":
                if output == "-":
                    raise CommandError("Give --output FILE for an Excel export")
                zone = exports.member_zone(member)
                handle = exports.xlsx_tempfile(
                    exports.export_header_typed(spec, zone), exports.export_rows_typed(spec, queryset, zone)
                )
                with open(output, "wb") as out:
                    shutil.copyfileobj(handle, out)
                handle.close()
                return
            chunks = (
                exports.vcard_chunks(queryset)
                if format == "vcf"
                else exports.csv_chunks(exports.export_header(spec), exports.export_rows(spec, queryset))
            )
            if format == "vcf" and spec.key != "contacts":
                raise CommandError("Only contacts can be exported as vCard")
            out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
            try:
                for chunk in chunks:
                    out.write(chunk)
            finally:
                if out is not sys.stdout:
                    out.close()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
