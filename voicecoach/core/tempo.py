"""How fast the coach speaks: the one owner of the speaking rate's range, default and step."""

from __future__ import annotations

import math

# Words per minute: what the config allows and where "slower" and "faster" stop; the range in which the coach's own
# voice was measured not to be heard as a command (tests/adapters/test_self_hearing.py renders its counts at each).
RATE_RANGE = (100, 225)
DEFAULT_RATE = 150
RATE_STEP = 25  # what one "slower" or "faster" changes


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
