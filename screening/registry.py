"""Where models are found: an explicit path, the user's registry, or the shipped default.

A model directory holds ``<version>.npz`` archives, their ``.card.json`` sidecars and a
``current.json`` pointer (``{"model": "<file name>"}``) naming the model in use.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from .config import data_dir
from .errors import ModelLoadError
from .model import ScreeningModel

POINTER = "current.json"


def shipped_models_dir() -> Path:
    """The repository's ``models/`` folder: installed as ``screening._models`` by ``pip install``,
    or found beside the package when running from a source checkout."""
    try:
        return Path(str(resources.files("screening._models")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "models"


def user_models_dir() -> Path:
    """Models trained by this user (later promoted here); may not exist."""
    return data_dir() / "models"


def current_in(directory: Path) -> Path | None:
    """The model file ``directory/current.json`` points to, if any."""
    pointer = directory / POINTER
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"模型指针文件 {pointer} 已损坏，请重新训练或手动修复。") from exc
    return directory / name


def set_current(directory: Path, model_file: Path) -> None:
    """Point ``directory/current.json`` at ``model_file`` (which lives in ``directory``)."""
    pointer = directory / POINTER
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"model": model_file.name}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tmp.replace(pointer)


def resolve_model_path(explicit: Path | None = None) -> Path:
    """The model to use: ``explicit`` (file or model dir), else the user's, else the shipped one."""
    if explicit is not None:
        if explicit.is_dir():
            found = current_in(explicit)
            if found is None:
                raise ModelLoadError(f"目录 {explicit} 中没有 {POINTER}，请指定模型文件（.npz）。")
            return found
        return explicit
    for directory in (user_models_dir(), shipped_models_dir()):
        found = current_in(directory)
        if found is not None:
            return found
    raise ModelLoadError(
        "没有可用的模型：安装包中缺少默认模型。请运行 screening train 训练一个模型。"
    )


def load_model(explicit: Path | None = None) -> ScreeningModel:
    """Load the model :func:`resolve_model_path` picks."""
    return ScreeningModel.load(resolve_model_path(explicit))
