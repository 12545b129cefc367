"""The layout of results.json: each approach's figures under its own key at the top level, listed in "approaches"."""

from __future__ import annotations

from typing import Any


def per_approach(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each approach's figures, in the order of the run (e.g. results["voicecoach"]["recall_clean"])."""
    return {key: results[key] for key in results["approaches"]}
