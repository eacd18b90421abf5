"""``accord mail-fetch``: poll an IMAP mailbox and file each new message.

Messages are fetched with BODY.PEEK[] and flagged \\Seen only after they were filed, so a crash
in between re-reads them — and the Message-ID check ignores the duplicate.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import ssl

from django.core.management.base import BaseCommand, CommandError

from accord.comms.inbound import InboundRejected, mail_ingest


class Command(BaseCommand):
    help = "Fetch unseen messages from an IMAP mailbox and file them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ACCORD_IMAP_HOST", ""))
        parser.add_argument("--port", type=int, default=int(os.environ.get("ACCORD_IMAP_PORT", "993")))
        parser.add_argument("--user", default=os.environ.get("ACCORD_IMAP_USER", ""))
        parser.add_argument("--password", default=os.environ.get("ACCORD_IMAP_PASSWORD", ""))
        parser.add_argument("--mailbox", default=os.environ.get("ACCORD_IMAP_MAILBOX", "INBOX"))
        parser.add_argument(
            "--security",
            choices=["ssl", "starttls", "none"],
            default=os.environ.get("ACCORD_IMAP_SECURITY", "ssl"),
        )
        parser.add_argument(
            "--org",
            default="",
            help=(
                "Organisation (short name) whose mailbox this is: mail not sent to a reply or "
                "support address is filed there."
            ),
        )
        parser.add_argument("--timeout", type=float, default=30)

    def handle(self, *args, **options):
        from accord.tenancy.models import Organization

        if not options["host"] or not options["user"]:
            raise CommandError("Set --host and --user (or ACCORD_IMAP_HOST / ACCORD_IMAP_USER).")
        org = Organization.objects.filter(slug=options["org"]).first() if options["org"] else None
        if options["security"] == "ssl":
            conn = imaplib.IMAP4_SSL(
                options["host"],
                options["port"],
                ssl_context=ssl.create_default_context(),
                timeout=options["timeout"],
            )
        else:
            conn = imaplib.IMAP4(options["host"], options["port"], timeout=options["timeout"])
            if options["security"] == "starttls":
                conn.starttls(ssl.create_default_context())
        filed = duplicates = refused = 0
        try:
            conn.login(options["user"], options["password"])
            status, _data = conn.select(options["mailbox"])
            if status != "OK":
                raise CommandError(f"Cannot open mailbox {options['mailbox']!r}: {_data!r}")
            status, data = conn.uid("SEARCH", None, "UNSEEN")
            uids = data[0].split() if status == "OK" and data and data[0] else []
            for uid in uids:
                status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), None)
                if status != "OK" or raw is None:
                    continue
                try:
                    created = mail_ingest(raw, default_org=org)
                except InboundRejected as exc:
                    refused += 1
                    self.stderr.write(f"uid {uid.decode()}: {exc}")
                    continue  # left unseen for a person to look at
                if created:
                    filed += 1
                else:
                    duplicates += 1
                conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
        self.stdout.write(f"filed={filed} duplicates={duplicates} refused={refused}")
