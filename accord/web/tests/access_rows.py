from tests.access.spec import Row

ALL = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 302)

ROWS = [
    Row("web:home", expect=ALL),
    Row(
        "web:dashboard",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 200,
            "manager": 200,
            "admin": 200,
            "outsider": 200,
        },
    ),
    # The first-day guide of the caller's own organisation (the outsider sees their own).
    Row(
        "web:start",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 200,
            "manager": 200,
            "admin": 200,
            "outsider": 200,
        },
    ),
    Row(
        "web:notifications",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 200,
            "manager": 200,
            "admin": 200,
            "outsider": 200,
        },
    ),
    Row("web:notifications_read", method="POST", expect=ALL, tables=("comms.Notification",)),
]
