"""Where models are found: an explicit path, the user's registry, or the shipped default.

A model directory holds ``<version>.npz`` archives, their ``.card.json`` sidecars and a
``current.json`` pointer (``{"model": "<file name>"}``) naming the model in use.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import data_dir
from ..errors import ModelLoadError, UsageError
from .classifier import ScreeningModel

POINTER = "current.json"


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, also when it is a namespace package (no
    ``__init__.py``), as ``models/`` is: ``importlib.resources.files`` then returns a
    MultiplexedPath whose ``str()`` is not a path."""
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def shipped_models_dir() -> Path:
    """The repository's ``models/`` folder: installed as ``screening._models`` by ``pip install``,
    or found beside the package when running from a source checkout."""
    return package_dir("screening._models") or Path(__file__).resolve().parents[2] / "models"


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


HISTORY = "history.json"


@dataclass
class ModelEntry:
    version: str
    path: Path
    where: str  # "用户" (trained here) or "内置" (shipped)
    card: dict[str, Any]
    current: bool


def _card(path: Path) -> dict[str, Any]:
    sidecar = path.with_suffix(".card.json")
    try:
        return dict(json.loads(sidecar.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def list_models() -> list[ModelEntry]:
    """Models in the user's registry and the shipped folder, newest first; the one in use marked."""
    try:
        in_use = resolve_model_path().resolve()
    except ModelLoadError:
        in_use = None
    entries = []
    for directory, where in ((user_models_dir(), "用户"), (shipped_models_dir(), "内置")):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.npz")):
            card = _card(path)
            entries.append(
                ModelEntry(
                    card.get("version", path.stem), path, where, card, path.resolve() == in_use
                )
            )
    return sorted(entries, key=lambda e: e.card.get("created_at", ""), reverse=True)


def find_model(version: str) -> ModelEntry:
    """The model whose version starts with ``version``."""
    matches = [e for e in list_models() if e.version.startswith(version)]
    unique = {e.version: e for e in matches}
    if not unique:
        raise UsageError(f"找不到版本为 {version} 的模型。用 screening models list 查看可用模型。")
    if len(unique) > 1:
        raise UsageError(
            f"版本 {version} 对应多个模型：{', '.join(sorted(unique))}。请写得更长一些。"
        )
    return matches[0]


def _history() -> list[dict[str, Any]]:
    path = user_models_dir() / HISTORY
    if not path.is_file():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"模型启用记录 {path} 已损坏，请检查或删除后重试。") from exc


def _write_history(events: list[dict[str, Any]]) -> None:
    path = user_models_dir() / HISTORY
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(events, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def activate(entry: ModelEntry, previous: Path | None, scores: dict[str, Any]) -> None:
    """Make ``entry`` the user's current model and log it (the log is what rollback undoes)."""
    directory = user_models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / entry.path.name
    if entry.path.resolve() != target.resolve():
        shutil.copy2(entry.path, target)
        if entry.path.with_suffix(".card.json").is_file():
            shutil.copy2(entry.path.with_suffix(".card.json"), target.with_suffix(".card.json"))
    events = _history()
    events.append(
        {
            "event": "promote",
            "version": entry.version,
            "file": target.name,
            "previous": str(previous) if previous else None,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "scores": scores,
        }
    )
    set_current(directory, target)
    _write_history(events)


def rollback() -> tuple[str, str]:
    """Restore the model that was current before the last promotion; return (from, to) versions."""
    events = _history()
    undone = {e["undoes"] for e in events if e["event"] == "rollback"}
    promotions = [i for i, e in enumerate(events) if e["event"] == "promote" and i not in undone]
    if not promotions:
        raise UsageError("没有可回滚的启用记录：当前使用的是最初的模型。")
    last = promotions[-1]
    promoted = events[last]
    directory = user_models_dir()
    previous = Path(promoted["previous"]) if promoted["previous"] else None
    if previous is not None and previous.parent.resolve() == directory.resolve():
        set_current(directory, previous)
    else:
        # The previous model lived outside the registry (the shipped default): fall back to it.
        (directory / POINTER).unlink(missing_ok=True)
    to_version = ScreeningModel.load(resolve_model_path()).version
    events.append(
        {
            "event": "rollback",
            "undoes": last,
            "from": promoted["version"],
            "to": to_version,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
    )
    _write_history(events)
    return promoted["version"], to_version
