"""Text → the legal reading of one document: its metadata, structure, legal facts and findings.

One set of patterns reads title, 文号, issuers and dates (:mod:`.metadata`); :mod:`.structure` builds the
legal structure on it, :mod:`.evidence` the facts on the genre, :mod:`.rules` the dated findings,
:mod:`.batch` what a batch's files say about each other; :mod:`.lawref` is the superior-law table.
"""

from .batch import BatchContext, batch_context, batch_findings
from .document import Document, read_document
from .evidence import DEFAULT_WEIGHTS, KINDS, Fact, facts_logit, legal_facts
from .metadata import DOC_NUMBER, MASKED_DOC_NUMBER, Metadata, parse_metadata, split_issuers
from .rules import (
    ANY,
    FAIR,
    GROUP_NAMES,
    LEGALITY,
    REPEAL,
    RULES,
    SEVERITY_NAMES,
    Analysis,
    Finding,
    RuleConfig,
    analyze,
)
from .structure import Structure, issuer_level, normalize_title, parse_structure
from .supersede import Renewal

__all__ = [
    "ANY",
    "DEFAULT_WEIGHTS",
    "DOC_NUMBER",
    "FAIR",
    "GROUP_NAMES",
    "KINDS",
    "LEGALITY",
    "MASKED_DOC_NUMBER",
    "REPEAL",
    "RULES",
    "SEVERITY_NAMES",
    "Analysis",
    "BatchContext",
    "Document",
    "Fact",
    "Finding",
    "Metadata",
    "Renewal",
    "RuleConfig",
    "Structure",
    "analyze",
    "batch_context",
    "batch_findings",
    "facts_logit",
    "issuer_level",
    "legal_facts",
    "normalize_title",
    "parse_metadata",
    "parse_structure",
    "read_document",
    "split_issuers",
]
