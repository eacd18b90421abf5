from tests.access.spec import Row

EVERYONE_200 = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200)

ROWS = [
    Row("api:openapi-json", expect=EVERYONE_200),
    Row("api:openapi-view", expect=EVERYONE_200),
]
