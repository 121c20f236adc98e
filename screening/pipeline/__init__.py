"""Where the stages meet: walk the files, read them, apply the law and the model, record.

:mod:`.screen` screens a batch (analysis per file, recording in file order); :mod:`.parallel` and
:mod:`.cluster` run the analysis on local processes or a Dask cluster.
"""

from .screen import FAILED, NEEDS_OCR, OK, STATUS_NAMES, BatchResult, ScreenRow, screen_paths

__all__ = [
    "FAILED",
    "NEEDS_OCR",
    "OK",
    "STATUS_NAMES",
    "BatchResult",
    "ScreenRow",
    "screen_paths",
]
