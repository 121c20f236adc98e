"""One document read once: its text, its own identity, its legal structure and the legal facts.

:func:`read_document` is the single reader of a text. Every later stage — the rules, the model's
features, the batch reading, the reports and opinions — reads the :class:`Document` it returns and
never parses the text again: :mod:`.metadata` reads title, 文号, issuers and date (one set of
patterns), :mod:`.structure` builds the legal structure on them, :mod:`.evidence` the facts on the
genre. The model adds the words (``tokens``) the first time it needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .evidence import Fact, legal_facts
from .metadata import Metadata, parse_metadata
from .structure import Structure, parse_structure


@dataclass
class Document:
    """What one text says, read once."""

    text: str
    metadata: Metadata
    structure: Structure
    facts: list[Fact] = field(default_factory=list)
    #: The words of the text a model reads, as its segmenter cut them: the first ``max_tokens``
    #: of its content (set by the model on first use, with the version of the model whose
    #: dictionary cut them).
    tokens: list[str] | None = None
    tokens_by: str | None = None


def read_document(text: str, metadata: Metadata | None = None, complete: bool = False) -> Document:
    """Read ``text`` once. ``metadata``: its identity when already known (stored with the
    extraction, or a catalogue's fields); the fields it lacks are read from the text, unless
    ``complete``: it is what :func:`parse_metadata` read from this very text by this code, and
    what it lacks, the text lacks."""
    if metadata is None:
        metadata, complete = parse_metadata(text), True
    structure = parse_structure(text, metadata, complete=complete)
    return Document(text, metadata, structure, legal_facts(structure, text))
