"""``accord mail-in``: read one RFC 5322 message on stdin (for an MTA pipe) and file it.

Exit codes follow sysexits so the MTA does the right thing: 0 filed (or a duplicate),
65 (EX_DATAERR) the message is refused (too large), 67 (EX_NOUSER) it was sent to no address
of an organisation, 75 (EX_TEMPFAIL) a temporary problem — the MTA retries later.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from accord.comms.inbound import InboundRejected, mail_ingest, max_mail_bytes


class Command(BaseCommand):
    help = "Read one e-mail on stdin and file it as an interaction (or in the triage list)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--org",
            default="",
            help=(
                "Organisation (short name) whose mailbox this is: mail not sent to a reply or "
                "support address is filed there."
            ),
        )

    def handle(self, *args, **options):
        from accord.tenancy.models import Organization

        org = None
        if options["org"]:
            org = Organization.objects.filter(slug=options["org"]).first()
            if org is None:
                self.stderr.write(f"Unknown organisation {options['org']!r}")
                sys.exit(67)
        raw = sys.stdin.buffer.read(max_mail_bytes() + 1)
        try:
            created = mail_ingest(raw, default_org=org)
        except InboundRejected as exc:
            self.stderr.write(str(exc))
            sys.exit(65 if len(raw) > max_mail_bytes() else 67)
        except DatabaseError as exc:
            self.stderr.write(f"Temporary failure: {exc}")
            sys.exit(75)
        if not created:
            self.stdout.write("duplicate: already filed")
        for inbound in created:
            self.stdout.write(f"{inbound.status}: {inbound.message_id}")
