"""The three outcomes of a screening and how they are shown to users."""

from typing import Final

NORMATIVE: Final = "normative"
NON_NORMATIVE: Final = "non_normative"
REPEAL: Final = "repeal"

#: Label keys in the fixed order used by models, reports and the ledger.
LABELS: Final[tuple[str, ...]] = (NORMATIVE, NON_NORMATIVE, REPEAL)

#: What users see for each label key (DOMAIN.md §1).
LABEL_NAMES: Final[dict[str, str]] = {
    NORMATIVE: "规范性文件",
    NON_NORMATIVE: "不属于规范性文件",
    REPEAL: "建议废止",
}
