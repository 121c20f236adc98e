"""The ledger: documents, extractions, predictions and the append-only, hash-chained decisions.

All SQL lives here: :mod:`.store` (every query), :mod:`.migrations` (the schema), :mod:`.database`
(SQLite or PostgreSQL); :mod:`.decisions` records, verifies, exports and imports decisions.
"""

from .store import Store, StoredExtraction, StoredPrediction

__all__ = ["Store", "StoredExtraction", "StoredPrediction"]
