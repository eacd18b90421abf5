import pytest
from django.utils import timezone

from accord.testing import factories as f


@pytest.mark.django_db
def test_search_finds_every_kind_in_the_callers_organisation_only(world):
    f.ContactFactory(client=world.client, first_name="Wei", last_name="Zhang", title="华信 buyer")
    f.InteractionFactory(
        client=world.client, project=world.project, summary="华信 kick-off", occurred_at=timezone.now()
    )
    f.ClientFactory(organization=world.other_org, name="华信 Rival branch")
    response = world.api(world.member).get("/search", {"q": "华信"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["name"] for c in body["clients"]] == ["Huaxin Manufacturing 华信制造"]
    assert [c["display_name"] for c in body["contacts"]] == ["Wei Zhang"]
    assert body["contacts"][0]["client_id"] == world.client.pk
    hit = body["interactions"][0]
    assert hit["summary"] == "华信 kick-off" and hit["project_id"] == world.project.pk
    assert body["limit"] == 25


@pytest.mark.django_db
def test_search_limit_is_per_kind(world):
    for n in range(3):
        f.ClientFactory(organization=world.org, name=f"Limit client {n}")
    body = world.api(world.manager).get("/search", {"q": "limit client", "limit": 2}).json()
    assert len(body["clients"]) == 2 and body["limit"] == 2


@pytest.mark.django_db
def test_client_contacts_cannot_search(world):
    response = world.api(world.client_user).get("/search", {"q": "华信"})
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"), [("en", "This field is required."), ("zh-hans", "此字段为必填项。")]
)
def test_a_missing_query_is_a_translated_422(world, language, message):
    response = world.api(world.member).get("/search", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "q", "message": message}]


def test_a_search_term_with_a_nul_byte_is_answered_not_500(world):
    # Found by the API fuzzer: a NUL in q stopped SQLite's full-text query parser (500).
    api = world.api(world.member)
    response = api.get("/search", {"q": "á\x1dñ3\x00¼Û"})
    assert response.status_code == 200, response.content
    assert api.get("/search", {"q": "\x00\x00\x00"}).status_code == 200
