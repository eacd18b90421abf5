import pytest
from django.urls import NoReverseMatch, reverse

from accord.lib.urls import link_maker

ROUTES = ["crm:client_detail", "crm:contact_detail", "crm:interaction_detail", "projects:detail"]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("pk", [1, 7, 42, 2_147_483_647])
def test_link_maker_gives_what_reverse_gives(name, pk):
    assert link_maker(name)(pk) == reverse(name, args=[pk])


def test_link_maker_refuses_a_route_without_an_integer():
    with pytest.raises(NoReverseMatch):
        link_maker("crm:client_list")
