from django.shortcuts import render

from accord.tenancy.access import interaction_for_user, team_required

from . import selectors


@team_required
def search(request):
    query = request.GET.get("q", "")
    results = selectors.search(request.membership.organization_id, query)
    return render(request, "crm/search.html", {"q": query, **results, "nav_active": "search"})


@team_required
def interaction_detail(request, pk):
    interaction = interaction_for_user(request.membership, pk)
    return render(request, "crm/interaction_detail.html", {"interaction": interaction})
