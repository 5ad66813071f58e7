"""Reading one of the diary's data files (``bot/diary/data``) into its pydantic model, checked at start."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

# libyaml's safe loader when PyYAML was built with it (8 ms for the lexicon against 60 for the pure-Python one).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)


def read_checked(path: Path, model: type[M], error: type[ValueError]) -> M:
    """The file as ``model``; ``error`` names what is wrong and where (the path, then each field's place)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot be read as YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise error(f"{path}: {where}") from exc
