"""The text a list shows of a Markdown body: its first line (timeline) or the words around a
search term (search page), without rendering a long body whole."""

from accord.crm.templatetags.crm import EXCERPT_CHARS, excerpt, plain, plain_excerpt, plain_head


def test_a_short_body_reads_as_before():
    body = "We agreed on the **UAT** plan; the *warehouse* cut-over is in March.\n\n- 验收测试 next week"
    assert plain_excerpt(body, "warehouse") == excerpt(plain(body), "warehouse")
    assert plain_excerpt(body, "nowhere") == excerpt(plain(body), "nowhere")
    assert plain_head(body, 30) == "We agreed on the UAT plan; th…"


def test_a_term_deep_in_a_long_body_is_shown_with_its_context():
    body = "Earlier mail. " * 20_000 + "The **warehouse** go-live moved to 3 March. " + "Later. " * 20_000
    shown = plain_excerpt(body, "WAREHOUSE")
    assert "warehouse go-live moved to 3 March" in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) <= EXCERPT_CHARS + 2


def test_a_long_body_without_the_term_shows_its_beginning():
    body = "Status: *green*. " * 10_000
    shown = plain_excerpt(body, "absent")
    assert shown.startswith("Status: green. Status: green.") and shown.endswith("…")
    assert plain_head(body, 40) == "Status: green. Status: green. Status: g…"
    assert plain_head("", 40) == plain_head(None, 40) == ""
