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
    "extract_bytes": "screening.read",
    "Segmenter": "screening.model.segment",
    "ScreeningModel": "screening.model.classifier",
    "screen_paths": "screening.pipeline.screen",
    "Store": "screening.ledger.store",
    "load_model": "screening.model.registry",
}

if TYPE_CHECKING:  # pragma: no cover
    from .ledger import Store
    from .model import ScreeningModel, load_model
    from .model.segment import Segmenter
    from .pipeline import screen_paths
    from .read import extract_bytes


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
