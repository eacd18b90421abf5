from tests.access.spec import Row

ROLES = ("anonymous", "client", "member", "manager", "admin", "outsider")

ROWS = [
    # Probes answer everyone at a trusted address (the test client is 127.0.0.1) and never
    # depend on a session; there is no worker in these tests, so /readyz is red.
    Row("ops:healthz", expect=dict.fromkeys(ROLES, 200)),
    Row("ops:readyz", expect=dict.fromkeys(ROLES, 503)),
    Row("ops:metrics", expect=dict.fromkeys(ROLES, 200)),
    # The installation-wide switch: only an operator (is_staff) who administers an organisation.
    Row(
        "ops:delivery_resume",
        method="POST",
        expect={
            "anonymous": 302,
            "client": 403,
            "member": 403,
            "manager": 403,
            "admin": 403,
            "outsider": 403,
        },
        tables=("ops.SiteState",),
    ),
]
