from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accord.privacy.services import person_erase, person_erase_plan
from accord.tenancy.models import Organization


class Command(BaseCommand):
    help = (
        "Erase one person (by e-mail address) from an organisation: contacts anonymised, mail "
        "redacted, portal account closed, their details taken out of every record and the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organization", required=True, help="Short name of the organisation.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, email, organization, yes, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organisation has the short name {organization!r}.")
        try:
            if not yes:
                plan = person_erase_plan(email=email, organization=org)
                self.stdout.write(f"In {org.name}: " + ", ".join(f"{k}: {v}" for k, v in plan.items()))
                answer = input(f"Type the e-mail address again to erase {email} for good: ")
                if answer.strip().casefold() != email.strip().casefold():
                    raise CommandError("Not confirmed; nothing was erased.")
            counts = person_erase(actor=None, email=email, organization=org)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS("Erased. " + ", ".join(f"{k}: {v}" for k, v in counts.items())))
