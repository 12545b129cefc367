"""Where voicecoach finds its shipped content and grammar, and where the XDG base directories point."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # An installed wheel carries the data inside the package (see pyproject's
    # force-include); a source checkout keeps it at the top of the repository.
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def default_content_dir() -> Path:
    """The content/ directory that ships with voicecoach."""
    return _data_dir("content")


def default_grammar_dir() -> Path:
    """The grammar/ directory that ships with voicecoach."""
    return _data_dir("grammar")


def xdg_base(env: Mapping[str, str], variable: str, fallback: str) -> Path:
    """$`variable` (e.g. XDG_STATE_HOME) when it is absolute, else ~/`fallback` (e.g. .local/state)."""
    value = env.get(variable, "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return (Path(env["HOME"]) if env.get("HOME") else Path.home()) / fallback
