"""Messages written before one-time links were masked still carry them in clear: move each token
of a portal sign-in, invitation or survey link into the encrypted field and leave the mask in the
stored text, so those rows read like new ones (and a message not yet sent still works)."""

import json
import re

from django.db import migrations
from django.db.models import Q

LINK_PATTERNS = [
    re.compile(r"/portal/signin/link/([A-Za-z0-9_-]{16,})/"),
    re.compile(r"/accounts/invitations/([A-Za-z0-9_-]{16,})/"),
    re.compile(r"/s/([A-Za-z0-9_-]{16,})/"),
]
MARKERS = ("/portal/signin/link/", "/accounts/invitations/", "/s/")


def mask_stored_links(apps, schema_editor):
    from accord.lib import crypto

    OutboxMessage = apps.get_model("comms", "OutboxMessage")
    has_link = Q()
    for marker in MARKERS:
        has_link |= Q(body_text__contains=marker) | Q(body_html__contains=marker)
    rows = OutboxMessage.objects.filter(has_link, channel="email", secrets_encrypted="")
    changed = []
    for message in rows.iterator(chunk_size=500):
        tokens = []
        for text in (message.body_text, message.body_html):
            for pattern in LINK_PATTERNS:
                for token in pattern.findall(text or ""):
                    if token not in tokens:
                        tokens.append(token)
        if not tokens:
            continue
        for index, token in enumerate(tokens):
            mask = f"[hidden-{index + 1}]"
            message.body_text = message.body_text.replace(token, mask)
            message.body_html = message.body_html.replace(token, mask)
        message.secrets_encrypted = crypto.encrypt(json.dumps(tokens))
        changed.append(message)
        if len(changed) >= 500:
            OutboxMessage.objects.bulk_update(changed, ["body_text", "body_html", "secrets_encrypted"])
            changed = []
    if changed:
        OutboxMessage.objects.bulk_update(changed, ["body_text", "body_html", "secrets_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("comms", "0004_outbox_secrets_encrypted_remove_org_allowlist")]

    operations = [migrations.RunPython(mask_stored_links, migrations.RunPython.noop)]
