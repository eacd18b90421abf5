"""Dates no project could have are refused with a field message, not a server error."""

from accord.testing import factories as f


def test_an_interaction_in_the_twelfth_century_is_refused(world):
    interaction = f.InteractionFactory(client=world.client)
    response = world.api(world.member).patch(
        f"/interactions/{interaction.pk}",
        {"occurred_at": "1130-10-08T13:08:53.452-02:30", "follow_up_on": "1469-01-30"},
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] in {"occurred_at", "follow_up_on"}
    interaction.refresh_from_db()
    assert interaction.occurred_at.year > 2000
