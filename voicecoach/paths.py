"""Where the shipped content and grammar live, in a source tree or an installed wheel."""

from __future__ import annotations

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
