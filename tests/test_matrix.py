"""The feature matrix's reader: every cell of an entry lands where the recommendation looks for it, and an entry
that breaks a rule is refused with the place it broke it (the shipped features.yaml is read by the same code)."""

from __future__ import annotations

import pytest
from tests_support import changed_copy

from vectorscout.decision.matrix import FEATURES, MODES, Cell, MatrixError, _profile, feature_matrix, parse_cell

URL = "https://example.org/docs"


def cell(level: str, comment: str = "read there", version: str = "") -> str:
    return f"{level} | {comment} | {URL} | 2026-11-26" + (f" | {version}" if version else "")


def entry() -> dict:
    features = {name: cell("none") for name in FEATURES}
    features["filtering"] = {"any": cell("full"), "embedded": cell("partial", "fewer operators embedded")}
    features["replication"] = {"any": cell("partial", "async"), "cluster": cell("full", "raft", "2.1")}
    return {
        "name": "Engine X", "version": 2, "license": "MIT", "language": "Rust", "traits": ["library"],
        "modes": {"embedded": cell("full"), "single_server": cell("partial", "beta"), "cluster": cell("none", "no"),
                  "managed_cloud": cell("unknown", "not said")},
        "sdks": {"python": cell("full"), "go": cell("partial", "community")},
        "features": features,
        "limits": {"max_dimensions": {"float32": cell("2000"), "float16": cell("4000")},
                   "metrics": {"cosine": cell("full")}, "vector_types": {"float32": cell("full"), "float16": cell("full")}},
    }


def test_an_entry_becomes_a_profile_with_every_cell_in_its_place():
    profile = _profile("x", entry())
    assert (profile.key, profile.name, profile.version, profile.license, profile.language) == (
        "x", "Engine X", "2", "MIT", "Rust")
    assert profile.traits == frozenset({"library"})
    assert [profile.modes[m].level for m in MODES] == ["full", "partial", "none", "unknown"]
    assert profile.offered_modes == ("embedded", "single_server", "managed_cloud")
    assert profile.modes["single_server"] == Cell("partial", "beta", URL, "2026-11-26", "2")
    assert {lang: c["any"].level for lang, c in profile.sdks.items()} == {"python": "full", "go": "partial"}
    assert profile.sdks["go"]["any"].version == "2" and profile.max_dimensions("float16").version == "2"  # the engine's
    # a per-mode cell wins in its mode; every other mode reads "any"
    assert profile.cell("filtering", "embedded").level == "partial"
    assert profile.cell("filtering", "cluster").level == "full"
    assert profile.cell("replication", "cluster") == Cell("full", "raft", URL, "2026-11-26", "2.1")
    assert profile.cell("replication", "single_server").version == "2"
    assert profile.cell("sharding", "embedded").value == 0.0
    assert profile.max_dimensions("float32").level == "2000"
    assert profile.dimension_limit_passed(2000, "float32") is None
    assert profile.dimension_limit_passed(2001, "float32").level == "2000"
    assert profile.vector_type_that_fits(3000, "float32") == "float16"
    assert profile.supports("metrics", "cosine").level == "full"
    assert profile.supports("metrics", "l2") is None
    assert _profile("y", {k: v for k, v in entry().items() if k != "traits"}).traits == frozenset()


def broken(path: tuple[str, ...], value) -> dict:
    return changed_copy(entry(), path, value, delete=None)  # None: the entry is removed


@pytest.mark.parametrize(("path", "value", "message"), [
    (("modes", "cluster"), None, "features.yaml x: missing cluster"),
    (("modes",), {"cluster": cell("full"), "single_server": cell("full")},
     "features.yaml x: missing embedded, managed_cloud"),
    (("features", "rbac"), None, "features.yaml x: missing rbac"),
    (("limits", "metrics"), None, "features.yaml x: missing metrics"),
    (("modes", "cluster"), cell("maybe"),
     "features.yaml x.modes.cluster: level 'maybe' is not one of full, none, partial, unknown"),
    (("sdks", "go"), cell("some"), "features.yaml x.sdks.go.any: level 'some' is not one of"),
    (("features", "tls"), cell("most"), "features.yaml x.tls.any: level 'most' is not one of"),
    (("features", "tls"), {"cluster": cell("full")},
     "features.yaml x.tls: needs an 'any' cell and only modes of embedded, single_server, cluster, managed_cloud"),
    (("features", "tls"), {"any": cell("full"), "edge": cell("full")}, "features.yaml x.tls: needs an 'any' cell"),
    (("features", "tls"), {"any": cell("full"), "cluster": cell("half")}, "features.yaml x.tls.cluster: level 'half'"),
    (("limits", "max_dimensions", "float16"), cell("4k"), "features.yaml x.limits.max_dimensions.float16: '4k' is not a number"),
    (("limits", "metrics", "cosine"), "full | no source",
     "features.yaml x.limits.metrics.cosine: expected 'level | comment | source URL | as_of'"),
])
def test_an_entry_that_breaks_a_rule_is_refused_where_it_breaks_it(path, value, message):
    with pytest.raises(MatrixError) as refused:
        _profile("x", broken(path, value))
    assert str(refused.value).startswith(message)


def test_a_cell_needs_a_comment_an_https_source_and_a_date():
    assert parse_cell(cell("full", "c", "9"), "1", "w") == Cell("full", "c", URL, "2026-11-26", "9")
    assert parse_cell(f"7 | c | {URL} | 2026-01-02", "1", "w").version == "1"
    for text, why in [(f"full |  | {URL} | 2026-11-26", "features.yaml w: a cell needs a comment"),
                      ("full | c | http://example.org | 2026-11-26",
                       "features.yaml w: source 'http://example.org' is not an https URL"),
                      (f"full | c | {URL} | 26-11-2026", "features.yaml w: as_of '26-11-2026' is not a date (YYYY-MM-DD)"),
                      (f"full | c | {URL} | 2026-11-26 | 1 | extra", "features.yaml w: expected 'level | comment"),
                      ("full | c | https://milvus.io/docs/ja/v2.6.x/multi_tenancy.md | 2026-11-26",
                       "features.yaml w: source 'https://milvus.io/docs/ja/v2.6.x/multi_tenancy.md' is a translated page"),
                      ("full | c | https://milvus.io/fr/blog/x.md | 2026-11-26", "features.yaml w: source "
                       "'https://milvus.io/fr/blog/x.md' is a translated page")]:
        with pytest.raises(MatrixError) as refused:
            parse_cell(text, "1", "w")
        assert str(refused.value).startswith(why)


@pytest.mark.parametrize("comment, named", [("replication_factor per collection", "replication_factor"),
                                            ("files written by write_index are the app's", "write_index"),
                                            ("in langchain_community", "langchain_community")])
def test_a_comment_that_names_an_identifier_a_report_would_show_is_refused(comment, named):
    """Any comment can reach a report as a reason: an identifier is refused unless it reads as a call, an option or
    part of an address (a pgvector note naming ts_rank_cd bare once failed the workshop flow's report)."""
    with pytest.raises(MatrixError, match=f"comment names '{named}'"):
        parse_cell(cell("full", comment), "1", "w")
    for written in ("replication_factor= per collection", "write_index() writes files", "langchain-community",
                    "see docs/multi_tenancy.md"):
        assert parse_cell(cell("full", written), "1", "w").comment == written


def test_the_shipped_matrix_reads_and_says_every_engines_dimension_limit():
    matrix = feature_matrix()
    assert {"chroma", "qdrant", "milvus", "pgvector", "lancedb", "weaviate"} <= set(matrix)
    assert matrix["pgvector"].max_dimensions("float32").level == "2000"
    assert matrix["pgvector"].vector_type_that_fits(3072, "float32") == "float16"
    assert not matrix["pgvector"].offers("embedded")


def test_limits_and_licenses_given_per_mode_win_in_that_mode_only():
    raw = entry()
    raw["limits_by_mode"] = {"embedded": {"max_dimensions": {"float32": cell("1000", "lite caps it")},
                                          "vector_types": {"float32": cell("full")}},
                            "cluster": {"metrics": {"l2": cell("full")}}}  # a mode that changes one limit only
    raw["licenses"] = {"managed_cloud": cell("proprietary", "the service's terms")}
    profile = _profile("x", raw)
    assert profile.max_dimensions("float32", "embedded") == Cell("1000", "lite caps it", URL, "2026-11-26", "2")
    assert profile.max_dimensions("float32", "cluster").level == "2000" and profile.max_dimensions("float32").level == "2000"
    assert profile.supports("vector_types", "float16", "embedded") is None  # the embedded mode lists float32 only
    # 1,500 dimensions: past float32's 1,000 embedded; float16 is no type there, so nothing fits; elsewhere float32 does
    assert profile.vector_type_that_fits(1500, "float32", "embedded") is None
    assert profile.vector_type_that_fits(3000, "float32", "single_server") == "float16"
    assert profile.supports("metrics", "l2", "cluster").level == "full" and profile.supports("metrics", "l2") is None
    assert profile.max_dimensions("float32", "cluster").level == "2000"  # its other limits stay the engine's
    assert profile.license_in("managed_cloud") == ("proprietary", Cell("proprietary", "the service's terms", URL,
                                                                       "2026-11-26", "2"))
    assert profile.license_in("embedded") == ("MIT", None)
    assert profile.sdk_languages("cluster") == ["python", "go"]
    raw["sdks"]["go"] = {"any": cell("full"), "embedded": cell("none", "server only")}
    assert _profile("x", raw).sdk_languages("embedded") == ["python"]
    assert _profile("x", raw).sdk_languages("cluster") == ["python", "go"]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("limits_by_mode", {"edge": {"metrics": {"cosine": cell("full")}}},
     "features.yaml x.limits_by_mode: only modes of embedded, single_server, cluster, managed_cloud"),
    ("licenses", {"edge": cell("MIT")}, "features.yaml x.licenses: only modes of embedded, single_server, cluster, "
                                        "managed_cloud"),
    ("limits_by_mode", {"embedded": {"colours": {"red": cell("full")}, "sizes": {}}},
     "features.yaml x.limits_by_mode.embedded: unknown limit colours, sizes"),
    ("limits_by_mode", {"embedded": {"max_dimensions": {"float32": cell("lots")}}},
     "features.yaml x.limits_by_mode.embedded.max_dimensions.float32: 'lots' is not a number"),
    ("licenses", {"cluster": "MIT | no source"}, "features.yaml x.licenses.cluster: expected"),
])
def test_per_mode_entries_that_break_a_rule_are_refused_where_they_break_it(key, value, message):
    raw = entry()
    raw[key] = value
    with pytest.raises(MatrixError) as refused:
        _profile("x", raw)
    assert str(refused.value).startswith(message)
