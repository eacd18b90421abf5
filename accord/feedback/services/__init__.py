"""Surveys: build, send with a tokenised public link, remind, answer, alert on low scores.

templates.py  survey templates and questions        surveys.py  surveys, sending, reminders
automatic.py  sending after milestones and close-out answers.py  the public link and answers

The services the views, the API and other areas call are importable from here.
"""

from .answers import LinkProblem, link_refused, recipient_for_token, response_submit
from .automatic import (
    milestone_surveys_run,
    project_survey_setting_save,
    survey_send_for_closeout,
    survey_send_for_milestone,
)
from .surveys import (
    public_url,
    survey_close,
    survey_create,
    survey_delete,
    survey_remind,
    survey_reminders_run,
    survey_send,
    survey_update,
    unsubscribed,
)
from .templates import (
    parse_option_lines,
    question_add,
    question_delete,
    question_update,
    require_template_editor,
    survey_template_create,
    survey_template_delete,
    survey_template_update,
)

__all__ = [
    "LinkProblem",
    "link_refused",
    "milestone_surveys_run",
    "parse_option_lines",
    "project_survey_setting_save",
    "public_url",
    "question_add",
    "question_delete",
    "question_update",
    "require_template_editor",
    "recipient_for_token",
    "response_submit",
    "survey_close",
    "survey_create",
    "survey_delete",
    "survey_remind",
    "survey_reminders_run",
    "survey_send",
    "survey_send_for_closeout",
    "survey_send_for_milestone",
    "survey_template_create",
    "survey_template_delete",
    "survey_template_update",
    "survey_update",
    "unsubscribed",
]
