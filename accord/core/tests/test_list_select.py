"""ListSelect writes the same select as Django's, in Python: the same options, labels escaped,
the same attributes, and one option selected at most."""

from html.parser import HTMLParser

import pytest
from django import forms

from accord.core.ui import ListSelect

CHOICES = [
    ("", "All"),
    ("1", "Huaxin <b>&</b> Co"),
    ("2", "华信制造"),
    ("2", "a namesake with the same value"),
]


class _Shape(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data))


def _shape(html: str) -> list:
    parser = _Shape()
    parser.feed(html)
    return parser.items


class _Form(forms.Form):
    fast = forms.ChoiceField(label="Client", choices=CHOICES, required=False, widget=ListSelect)
    plain = forms.ChoiceField(label="Client", choices=CHOICES, required=False)


@pytest.mark.parametrize("value", [None, "", "1", "2", "no such value"])
def test_list_select_writes_what_djangos_select_writes(value):
    form = _Form(None if value is None else {"fast": value, "plain": value})
    form.is_valid()
    fast = _shape(str(form["fast"]).replace("fast", "FIELD"))
    plain = _shape(str(form["plain"]).replace("plain", "FIELD"))
    assert fast == plain
    assert sum(1 for tag, attrs in fast if tag == "option" and ("selected", None) in attrs) <= 1


def test_a_model_choice_list_and_its_escaping(world):
    field = forms.ModelChoiceField(
        queryset=type(world.client).objects.all(), widget=ListSelect, empty_label="All"
    )
    world.client.name = 'Huaxin "<script>"'
    world.client.save()
    html = field.widget.render("client", world.client.pk)
    assert f'<option value="{world.client.pk}" selected>Huaxin &quot;&lt;script&gt;&quot;</option>' in html
    assert "<script>" not in html
