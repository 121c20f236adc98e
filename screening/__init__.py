"""screening: an offline workbench for screening Chinese government files.

Public API: :func:`extract_bytes`, :class:`Segmenter`, :class:`ScreeningModel`,
:func:`screen_paths`, :class:`Store`, :func:`load_model`. Submodules are imported on first use so
that the command line starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ScreeningModel",
    "Segmenter",
    "Store",
    "__version__",
    "extract_bytes",
    "load_model",
    "screen_paths",
]

_LAZY = {
    "extract_bytes": "screening.extract",
    "Segmenter": "screening.segment",
    "ScreeningModel": "screening.model",
    "screen_paths": "screening.screen",
    "Store": "screening.store",
    "load_model": "screening.registry",
}

if TYPE_CHECKING:  # pragma: no cover
    from .extract import extract_bytes
    from .model import ScreeningModel
    from .registry import load_model
    from .screen import screen_paths
    from .segment import Segmenter
    from .store import Store


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
