"""Starting a coach's session past its pain check-in, for tests that are about what follows it."""

from __future__ import annotations

from voicecoach.core.coach import Coach
from voicecoach.core.events import Command, Effect, Heard


def start_skipping_checkin(coach: Coach, target: str, now: float) -> list[Effect]:
    """Say "start TARGET", then "skip" to the check-in's question; the effects of both."""
    effects = coach.handle(Heard(Command("start", target)), now)
    if coach.mode == "asking":
        effects += coach.handle(Heard(Command("skip")), now)
    return effects
