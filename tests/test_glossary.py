"""One glossary for every label a person reads: no identifier with underscores reaches a page or a report."""

from __future__ import annotations

import pytest

from vectorscout.decision.matrix import FEATURES
from vectorscout.decision.scenario import questionnaire
from vectorscout.glossary import answer_text, term


def test_every_feature_and_every_option_has_words_without_underscores():
    questions, _ = questionnaire()
    identifiers = [*FEATURES, *(option for q in questions for option in (q.options or ()))]
    assert all("_" not in term(identifier) for identifier in identifiers)
    assert term("encryption_at_rest") == "encryption at rest" and term("rbac") == "role-based access control"
    assert term("managed_cloud") == "managed cloud service" and term("asia_pacific") == "Asia-Pacific"
    assert term("memory_headroom") == "memory headroom"  # not in the glossary: its words


@pytest.mark.parametrize(("value", "shown"), [
    (8000.0, "8,000"), (8000, "8,000"), (0.9, "0.9"), (1234.5, "1,234.5"), (50_000_000, "50,000,000"),
    (True, "yes"), (False, "no"), ([], "none"), (["tls", "data_residency"], "TLS, data residency"),
    ("single_server", "self-hosted single server"), ("within a second", "within a second"), (None, "not answered"),
])
def test_an_answer_reads_as_a_person_says_it(value, shown):
    assert answer_text(value) == shown



def test_every_field_of_every_price_has_words():
    """The Cost page's price editor showed its fields' names (usd_per_hour, vectors_768d_per_unit)."""
    from dataclasses import fields

    from vectorscout.decision.cost import Instance, ManagedOffer, Storage
    from vectorscout.glossary import PRICE_FIELD_LABELS

    names = {f.name for kind in (Instance, Storage, ManagedOffer) for f in fields(kind)}
    assert names <= set(PRICE_FIELD_LABELS), sorted(names - set(PRICE_FIELD_LABELS))
    assert all("_" not in label for label in PRICE_FIELD_LABELS.values())
