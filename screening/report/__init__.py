"""Reports for auditors and drafted legality-review opinions, from the ledger's records.

:mod:`.build` gathers a batch as plain data; :mod:`.html`, :mod:`.xlsx`, :mod:`.docx` write it;
:mod:`.opinion` drafts a 合法性审查意见书 per file.
"""

from .build import build_report, write_reports

__all__ = ["build_report", "write_reports"]
