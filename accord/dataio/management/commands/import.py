"""accord import KIND FILE [--dry-run] [--update-duplicates] [--organization SLUG] [--as EMAIL]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from accord.core.checks import CONFIGURATION_CHECKS
from accord.dataio import services
from accord.dataio.management.commands._common import organization_member


class Command(BaseCommand):
    requires_system_checks = CONFIGURATION_CHECKS
    help = "Import clients, contacts, interactions, tasks or risks from a CSV, XLSX or vCard file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["clients", "contacts", "interactions", "tasks", "risks"])
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, but save nothing.")
        parser.add_argument("--update-duplicates", action="store_true", help="Update matching records.")
        parser.add_argument(
            "--organization", default="", help="Slug of the organisation (when there are several)."
        )
        parser.add_argument(
            "--as", dest="as_email", default="", help="E-mail of the importing owner/admin/manager."
        )
        parser.add_argument("--default-client", default="", help="Client name for rows that name none.")

    def _bar(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stderr.flush()

    def handle(
        self, *args, kind, file, dry_run, update_duplicates, organization, as_email, default_client, **opts
    ):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        member = organization_member(organization, as_email, manager=True)
        client = None
        if default_client:
            from accord.crm.models import Client

            client = Client.objects.filter(
                organization_id=member.organization_id, name__iexact=default_client
            ).first()
            if client is None:
                raise CommandError(f"No client named {default_client!r}")
        try:
            with open(path, "rb") as fh:
                run = services.import_run_create(
                    actor=member, kind=kind, upload=File(fh, name=path.name), default_client=client
                )
            missing = [
                c.key
                for c in services.spec_for(kind).columns
                if c.required and c.key not in run.mapping.values() and not (c.key == "client" and client)
            ]
            if missing:
                raise CommandError(
                    "No column was recognised for: "
                    + ", ".join(missing)
                    + f". Columns found: {', '.join(run.headers)}"
                )
            services.import_run_configure(
                actor=member,
                run=run,
                mapping=run.mapping,
                duplicates="update" if update_duplicates else "skip",
                default_client=client,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        mapped = ", ".join(
            f"{run.headers[int(i)]} → {k}" for i, k in sorted(run.mapping.items(), key=lambda x: int(x[0]))
        )
        self.stdout.write(f"{run.original_name}: {run.total_rows} rows; {mapped}")
        progress = self._bar if sys.stderr.isatty() or opts.get("verbosity", 1) > 1 else None
        run = services.import_run_execute(run_id=run.pk, dry_run=dry_run, progress=progress)
        if progress:
            self.stderr.write("")
        if run.status == "failed":
            raise CommandError(run.error)
        prefix = "Dry run (nothing saved): " if dry_run else ""
        self.stdout.write(
            f"{prefix}{run.created_count} created, {run.updated_count} updated, "
            f"{run.skipped_count} skipped, {run.rejected_count} rejected."
        )
        if run.report_path:
            self.stdout.write(f"Rejected rows: {services.storage_dir() / run.report_path}")
        if dry_run:
            run.delete()
