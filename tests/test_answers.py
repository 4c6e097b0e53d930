"""The typed answers record and the deployment modes against the questionnaire they stand for: a question added,
renamed or given another option in knowledge/questionnaire.yaml fails here until the record follows."""

import typing

import pytest

from vectorscout.contract.deployment import DeploymentMode
from vectorscout.decision.answers import Answers, ScenarioError, questionnaire
from vectorscout.decision.matrix import MODE_LABELS, MODES, feature_matrix
from vectorscout.decision.scenario import Scenario

SCALARS = {"int": int, "float": float, "bool": bool}


def options_of(hint) -> tuple:
    """The values a field's type allows: a Literal's arguments, an enum's values, or a tuple's item type's."""
    if typing.get_origin(hint) is tuple:
        return options_of(typing.get_args(hint)[0])
    if isinstance(hint, type) and issubclass(hint, DeploymentMode):
        return tuple(mode.value for mode in hint)
    return typing.get_args(hint)


def test_a_field_per_question_in_order_typed_as_the_question_is():
    questions = questionnaire()[0]
    hints = typing.get_type_hints(Answers)
    assert list(hints) == [q.id for q in questions]
    for question in questions:
        hint = hints[question.id]
        if question.type in SCALARS:
            assert hint is SCALARS[question.type], question.id
        else:
            assert (typing.get_origin(hint) is tuple) == (question.type == "multi"), question.id
            assert options_of(hint) == question.options, question.id


def test_the_record_holds_the_questionnaires_defaults_and_reads_back_as_stored():
    questions = questionnaire()[0]
    blank = Answers.of({})
    assert blank.as_dict() == {q.id: q.default for q in questions}
    stored = Scenario("s", {"deployment": "cluster", "security": ["tls"], "vectors_now": 10}).answers
    record = Answers.of(stored)
    assert record.deployment is DeploymentMode.CLUSTER and record.security == ("tls",) and record.vectors_now == 10
    assert record.as_dict() == stored and Answers.of(record) is record
    assert record.value("peak_qps") == stored["peak_qps"]
    with pytest.raises(KeyError):
        record.value("no_such_question")


@pytest.mark.parametrize("bad", [{"metric": "cosinus"}, {"vectors_now": "many"}, {"no_such_question": 1},
                                 {"security": ["tls", "magic"]}])
def test_an_answer_that_does_not_fit_is_refused_as_a_scenario_would_be(bad):
    with pytest.raises(ScenarioError):
        Answers.of(bad)


def test_one_vocabulary_of_deployment_modes():
    deployment = next(q for q in questionnaire()[0] if q.id == "deployment")
    assert tuple(mode.value for mode in DeploymentMode) == deployment.options == MODES
    assert set(MODE_LABELS) == set(DeploymentMode)
    for profile in feature_matrix().values():
        assert set(profile.modes) == set(DeploymentMode), profile.key
    assert DeploymentMode.CLUSTER == "cluster" and f"{DeploymentMode.MANAGED_CLOUD}" == "managed_cloud"
