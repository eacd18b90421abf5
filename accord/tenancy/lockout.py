"""Sign-in lockout (django-axes) keyed on the account and on the client address separately."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class AccountAndAddressHandler(AxesDatabaseHandler):
    """A successful sign-in clears the failures against that account only.

    With ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`` the stock reset would also
    delete every failure from the signing-in address, so someone spraying one password over many
    accounts could sign in to their own account now and then and never reach the address limit.
    """

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
