"""How fast the coach goes: the one owner of the ranges, defaults and steps of its speaking rate and its pace."""

from __future__ import annotations

import math

# Words per minute: what the config allows and where "slower" and "faster" stop; the range in which the coach's own
# voice was measured not to be heard as a command (tests/adapters/test_self_hearing.py renders its counts at each).
RATE_RANGE = (100, 225)
DEFAULT_RATE = 150
RATE_STEP = 25  # what one "slower" or "faster" changes

# The factor on the time allowed for each movement and rest: what the config allows and where "slower" (more time)
# and "faster" stop.
PACE_RANGE = (0.25, 4.0)
DEFAULT_PACE = 1.0
PACE_STEP = 0.25


def stepped_rate(rate: int, direction: int) -> int:
    """The rate one "faster" (direction +1) or "slower" (-1) gives from `rate`, inside RATE_RANGE.

    Steps land on DEFAULT_RATE plus or minus whole steps, so a rate set between them (or a bound off that grid)
    comes back to the usual rates.
    """
    steps = (rate - DEFAULT_RATE) / RATE_STEP
    target = DEFAULT_RATE + RATE_STEP * (math.floor(steps) + 1 if direction > 0 else math.ceil(steps) - 1)
    low, high = RATE_RANGE
    return min(high, max(low, target))


def reachable_rates() -> tuple[int, ...]:
    """Every rate "slower" and "faster" can reach from the default, slowest first."""
    rates = [RATE_RANGE[0]]
    while (faster := stepped_rate(rates[-1], +1)) != rates[-1]:
        rates.append(faster)
    return tuple(rates)


def stepped_pace(pace: float, direction: int) -> float:
    """The pace one "faster" (direction +1: less time) or "slower" (-1: more time) gives, inside PACE_RANGE.

    Steps land on whole quarters, as RATE_STEP's do on the rate's grid.
    """
    quarters = pace / PACE_STEP
    target = PACE_STEP * (math.ceil(quarters) - 1 if direction > 0 else math.floor(quarters) + 1)
    low, high = PACE_RANGE
    return min(high, max(low, target))
