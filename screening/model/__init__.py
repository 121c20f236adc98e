"""The model: segmentation, features, the model file, training, evaluation and the registry.

:class:`ScreeningModel` turns words and legal facts into label probabilities (:mod:`.classifier`);
:func:`assess` joins it with the legal reading of one document within its batch.
"""

from .assess import Assessment, analyze_text, assess
from .classifier import Evidence, KindScore, Prediction, ScreeningModel, evidence_phrase
from .registry import load_model

__all__ = [
    "Assessment",
    "Evidence",
    "KindScore",
    "Prediction",
    "ScreeningModel",
    "analyze_text",
    "assess",
    "evidence_phrase",
    "load_model",
]
