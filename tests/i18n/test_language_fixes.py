"""Interface text computed in code reads in the reader's language: health explanations (also
from snapshots taken in another language), RAG badges and recurrence rules."""

import pytest
from django.template import Context, Template
from django.utils import translation

from accord.evaluation import health
from accord.lib.recurrence import describe_rrule

RULES = [
    ("FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "every Friday", "每周五"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every other Friday", "每两周的周五"),
    ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH", "every 3 weeks on Monday and Thursday", "每 3 周的周一和周四"),
    ("FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15", "every month on day 15", "每月 15 日"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "on the last day of every month", "每月最后一天"),
    ("FREQ=MONTHLY;BYDAY=1MO", "every month on the first Monday", "每月第一个周一"),
    ("FREQ=DAILY;COUNT=1", "once", "一次"),
    ("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=6", "every Monday, 6 times", "每周一，共 6 次"),
    ("not a rule", "a repetition of its own", "自定义重复规则"),
]


@pytest.mark.parametrize(("rule", "en", "zh"), RULES)
def test_recurrence_rules_read_as_words(rule, en, zh):
    with translation.override("en"):
        assert describe_rrule(rule) == en
    with translation.override("zh-hans"):
        assert describe_rrule(rule) == zh
        assert "FREQ" not in Template("{{ r|repeats }}").render(Context({"r": rule}))


def test_a_meeting_rule_takes_its_weekday_from_the_start():
    import datetime as dt

    friday = dt.datetime(2026, 12, 4, 9, 0)
    with translation.override("zh-hans"):
        assert describe_rrule("FREQ=WEEKLY;INTERVAL=2", start=friday) == "每两周的周五"


@pytest.mark.parametrize(("language", "tooltip", "letter"), [("en", "Amber", "A"), ("zh-hans", "黄", "黄")])
def test_rag_badge_names_the_status_in_the_readers_language(language, tooltip, letter):
    with translation.override(language):
        html = Template("{{ v|rag }}").render(Context({"v": "amber"}))
    assert f'title="{tooltip}"' in html and f">{letter}</span>" in html


def test_a_snapshot_taken_in_english_explains_itself_in_chinese():
    part = health.Part("risks", 10)
    part.explain("risks", count=2)
    with translation.override("en"):
        stored = part.as_dict()  # a daily snapshot taken by a job running in English
    assert stored["detail"] == "2 open high or critical risks"
    with translation.override("zh-hans"):
        assert health.detail_text(stored) == "2 个未关闭的高或严重风险"
        sentiment = health.Part("sentiment", 10)
        sentiment.explain("sentiment", positive=4, neutral=4, negative=2)
        assert "positive" not in health.detail_text(sentiment.as_dict())
        assert str(health.reasons([{**stored, "score": 32}], [{**stored, "score": 66}])[0]["detail"]) == (
            "2 个未关闭的高或严重风险"
        )


def test_at_risk_page_names_parts_not_keys():
    with translation.override("zh-hans"):
        text = Template("{% load health_tags %}{{ k|health_part_label }}").render(Context({"k": "risks"}))
    assert text != "risks" and "risk" not in text
