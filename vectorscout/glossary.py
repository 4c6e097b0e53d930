"""The words a person reads for the identifiers the knowledge files and answers use: one glossary for the pages,
the reports and the recommendation's sentences, so "encryption_at_rest" never reaches a reader."""

from __future__ import annotations

import re
from typing import Any

# An identifier a reader would see as code: snake_case not inside a path, a URL or an option (key=), and not a
# call (name() reads as a function named on purpose). The reports' and pages' tests hold their text to it, and
# the feature matrix refuses a comment that breaks it, since any comment can reach a report as a reason.
IDENTIFIER = re.compile(r"(?<![\w./\-=])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![=(])")

# the feature matrix's features (decision/matrix.FEATURES), as a sentence names them
FEATURE_LABELS = {
    "quantization_scalar": "scalar quantization", "quantization_product": "product quantization",
    "quantization_binary": "binary quantization", "disk_index": "index on disk", "filtering": "metadata filtering",
    "hybrid_bm25": "keyword (BM25) / hybrid search", "sparse_vectors": "sparse vectors", "multi_vector": "multi-vector",
    "multi_tenancy": "multi-tenancy", "sharding": "sharding", "replication": "replication",
    "rbac": "role-based access control", "tls": "TLS", "encryption_at_rest": "encryption at rest",
    "audit_logging": "audit logging", "backups": "backups", "multi_region": "multiple regions",
    "sql_joins_transactions": "SQL joins and transactions", "deletes_updates": "updates and deletes in a live index",
    "fresh_writes": "writes searchable at once", "zero_downtime_reindex": "switching to a rebuilt index without downtime",
    "langchain": "LangChain", "llamaindex": "LlamaIndex",
}
# answers' option values (decision/knowledge/questionnaire.yaml) that are identifiers, not words
OPTION_LABELS = {
    "single_server": "self-hosted single server", "cluster": "self-hosted cluster",
    "managed_cloud": "managed cloud service", "embedded": "embedded in the application",
    "asia_pacific": "Asia-Pacific", "europe": "Europe", "us": "United States", "aws": "AWS", "gcp": "Google Cloud",
    "azure": "Azure", "rbac": "role-based access control", "tls": "TLS", "encryption_at_rest": "encryption at rest",
    "audit": "audit logging", "data_residency": "data residency", "dotnet": ".NET", "cpp": "C++",
    "javascript": "JavaScript", "python": "Python", "go": "Go", "java": "Java", "rust": "Rust", "ruby": "Ruby",
    "php": "PHP", "langchain": "LangChain", "llamaindex": "LlamaIndex",
}

# the price table's fields (decision/cost: Instance, Storage, ManagedOffer) as the price editor heads them
PRICE_FIELD_LABELS = {
    "name": "Name", "engine": "Engine", "provider": "Provider", "region": "Region", "vcpu": "vCPUs",
    "ram_gb": "RAM (GB)", "usd_per_hour": "USD per hour", "usd_per_gb_month": "USD per GB-month",
    "usd_per_unit_hour": "USD per unit-hour", "vectors_768d_per_unit": "768-d vectors per unit",
    "qps_per_unit": "QPS per unit", "min_units": "Minimum units", "min_usd_per_month": "Minimum USD per month",
    "as_of": "Price as of", "source": "Source", "source_url": "Source address", "note": "Note", "kind": "Kind",
    "family": "Family", "regions": "Regions",
}


def term(identifier: str) -> str:
    """The reader's word for an identifier: the glossary's, else its words ("memory_headroom" → "memory headroom")."""
    return FEATURE_LABELS.get(identifier) or OPTION_LABELS.get(identifier) or identifier.replace("_", " ").strip()


def index_name(index: str) -> str:
    """An index type as the engines' documentation names it ("ivf_hnsw_sq" → "IVF_HNSW_SQ", "hnsw" → "HNSW"); an
    engine spec takes either case (`milvus:index=IVF_FLAT`)."""
    return index.upper()


def answer_text(value: Any) -> str:
    """An answer as a person reads it: yes/no, lists joined, option identifiers in words, whole numbers with
    separators (8000.0 → "8,000"), no "None"."""
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(answer_text(item) for item in value) or "none"
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"
    return term(str(value))
