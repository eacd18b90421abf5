import factory

from accord.feedback.models import Question, QuestionKind, Survey, SurveyTemplate


class SurveyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyTemplate

    name = factory.Sequence(lambda n: f"Template {n}")


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Survey {n}")
    title_zh = factory.Sequence(lambda n: f"调查问卷 {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    organization = factory.SelfAttribute("survey.organization")
    kind = QuestionKind.CSAT
    text = factory.Sequence(lambda n: f"Question {n}")
    text_zh = factory.Sequence(lambda n: f"问题 {n}")
