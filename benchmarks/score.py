"""Figures of one approach from what it committed: recall, false and self triggers, latency, cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.corpus import (
    BARGE_IN,
    COACH,
    COACH_UNMUTED,
    FLITE,
    FLITE_NON_COMMANDS,
    LEVELS,
    NOISY_NON_COMMANDS,
    NON_COMMANDS_RUNNING,
    RATE,
    ClipSet,
    Item,
    condition_name,
)
from benchmarks.decode import Decoded
from voicecoach.core.grammar import Grammar

Found = list[tuple[float, str]]


def _pct(xs: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(np.asarray(xs), q)), 1) if len(xs) else None


def _share(ok: int, n: int) -> float | None:
    return round(ok / n, 4) if n else None


def _fair_share(items: Sequence[Item], fired: Sequence[bool]) -> float | None:
    """The share of non-command clips that committed a command, leaving out exact homophones of a command."""
    fair = [f for item, f in zip(items, fired, strict=True) if item.category != "homophone"]
    return _share(sum(fair), len(fair))


def command_correct(item: Item, found: Found, grammar: Grammar) -> bool:
    """Right iff exactly one command committed and it is the command expected (any of its phrasings)."""
    if item.expect is None:
        return not found
    want = grammar.match(item.expect)
    return len(found) == 1 and grammar.match(found[0][1]) == want


def score(decoded: Decoded, sets: Sequence[ClipSet], grammar: Grammar, snrs: Sequence[float | None]) -> dict[str, Any]:
    """The figures results.json holds for one approach (latency in audio time, from the clean clip's end)."""
    r: dict[str, Any] = {}
    latencies: list[float] = []
    per_command: dict[str, dict[str, list[int]]] = {}
    by_noise: dict[str, dict[str, list[int]]] = {}
    wrong = 0
    n_commands = 0
    by_condition: dict[str, list[int]] = {}
    by_voice: dict[str, list[int]] = {}  # the second synthesizer's voices
    for cs in sets:
        if not cs.name.startswith("commands@") or cs.name not in decoded.per_item:
            continue  # not a command set, or one only the shipped approaches decode
        found_all = decoded.per_item[cs.name]
        for item, (a, _), found in zip(cs.items, cs.bounds(), found_all, strict=True):
            ok = command_correct(item, found, grammar)
            cond = by_condition.setdefault(item.condition, [0, 0])
            cond[0] += ok
            cond[1] += 1
            n_commands += 1
            if item.condition == FLITE and item.voice is not None:
                bv = by_voice.setdefault(item.voice, [0, 0])
                bv[0] += ok
                bv[1] += 1
            wrong += any(grammar.match(t) != grammar.match(item.expect or "") for _, t in found)
            tally = per_command.setdefault(item.phrase or "", {}).setdefault(item.condition, [0, 0])
            tally[0] += ok
            tally[1] += 1
            if item.noise:
                nt = by_noise.setdefault(item.noise, {}).setdefault(item.condition, [0, 0])
                nt[0] += ok
                nt[1] += 1
            if ok:
                latencies.append(found[0][0] - (a / RATE + item.speech_end))
    for snr in snrs:
        r[f"recall_{condition_name(snr)}"] = _share(*by_condition.get(condition_name(snr), [0, 0]))
    for level in LEVELS:
        r[f"recall_{level}"] = _share(*by_condition[level]) if level in by_condition else None
    if FLITE in by_condition:
        r["recall_flite"] = _share(*by_condition[FLITE])
        r["recall_flite_by_voice"] = {v: _share(*t) for v, t in by_voice.items()}
    r["recall_by_noise"] = {k: {c: _share(*v) for c, v in d.items()} for k, d in by_noise.items()}
    r["recall_per_command"] = {p: {c: _share(*v) for c, v in d.items()} for p, d in per_command.items()}
    r["wrong_command_rate"] = _share(wrong, n_commands)

    non = next((cs for cs in sets if cs.name == "non-commands"), None)
    if non is not None:
        found_all = decoded.per_item.get(non.name, [[] for _ in non.items])
        fired = [bool(f) for f in found_all]
        r["false_trigger_rate"] = _fair_share(non.items, fired)
        r["false_trigger_rate_with_homophones"] = _share(sum(fired), len(fired))
        cats: dict[str, list[int]] = {}
        for item, f in zip(non.items, fired, strict=True):
            c = cats.setdefault(item.category, [0, 0])
            c[0] += f
            c[1] += 1
        r["false_trigger_by_category"] = {k: _share(*v) for k, v in cats.items()}
        speech_idx = [i for i, it in enumerate(non.items) if it.category in ("article", "general")]
        hours = sum(len(non.clips[i]) for i in speech_idx) / RATE / 3600.0
        count = sum(len(found_all[i]) for i in speech_idx)
        r["commands_per_hour"] = round(count / hours, 1) if hours else None
        r["false_trigger_examples"] = [f"{non.items[i].label} -> {[t for _, t in found_all[i]]}"
                                       for i in range(len(non.items)) if found_all[i]][:8]
    running = next((cs for cs in sets if cs.name == NON_COMMANDS_RUNNING), None)
    if running is not None and running.name in decoded.per_item:
        # The shipped approaches: the same clips mid-session, where the coach listens for fewer phrases. The
        # headline is the worse of the two modes; the baselines listen for every phrase in every mode.
        found_all = decoded.per_item[running.name]
        r["false_trigger_rate_idle"] = r.get("false_trigger_rate")
        r["false_trigger_rate_running"] = _fair_share(running.items, [bool(f) for f in found_all])
        r["false_trigger_rate"] = max(r["false_trigger_rate_idle"] or 0.0, r["false_trigger_rate_running"] or 0.0)
        r["false_trigger_examples_running"] = [f"{running.items[i].label} -> {[t for _, t in found_all[i]]}"
                                               for i in range(len(running.items)) if found_all[i]][:8]

    flite = next((cs for cs in sets if cs.name == FLITE_NON_COMMANDS), None)
    if flite is not None and flite.name in decoded.per_item:
        found_all = decoded.per_item[flite.name]
        r["false_trigger_rate_flite"] = _fair_share(flite.items, [bool(f) for f in found_all])
        r["false_trigger_examples_flite"] = [f"{flite.items[i].label} -> {[t for _, t in found_all[i]]}"
                                             for i in range(len(flite.items)) if found_all[i]][:8]

    in_noise = {}
    for cs in sets:
        if cs.name.startswith(NOISY_NON_COMMANDS) and cs.name in decoded.per_item:
            fired = [bool(f) for f in decoded.per_item[cs.name]]
            in_noise[cs.name.removeprefix(NOISY_NON_COMMANDS)] = _fair_share(cs.items, fired)
    if in_noise:
        r["false_trigger_rate_in_noise"] = in_noise

    for name, key, examples in ((COACH, "self_triggers", "self_trigger_examples"),
                                (COACH_UNMUTED, "self_triggers_unmuted", "self_trigger_unmuted_examples")):
        coach = next((cs for cs in sets if cs.name == name), None)
        if coach is None or name not in decoded.per_item:
            continue
        found_all = decoded.per_item[name]
        r[key] = sum(len(f) for f in found_all)
        r[examples] = [f"{coach.items[i].label} -> {[t for _, t in f]}" for i, f in enumerate(found_all) if f][:8]

    barge = next((cs for cs in sets if cs.name == BARGE_IN), None)
    if barge is not None and barge.items and BARGE_IN in decoded.per_item:  # a baseline: not run (corpus.BARGE_IN)
        found_all = decoded.per_item[BARGE_IN]
        right = [command_correct(it, f, grammar) for it, f in zip(barge.items, found_all, strict=True)]
        r["barge_in_recall"] = _share(sum(right), len(right))
        r["barge_in_misses"] = [f"{barge.items[i].label} -> {[t for _, t in found_all[i]]}"
                                for i, ok in enumerate(right) if not ok][:6]

    rec = next((cs for cs in sets if cs.name == "recordings"), None)
    if rec is not None:
        found_all = decoded.per_item.get(rec.name, [[] for _ in rec.items])
        cmd = [(it, f) for it, f in zip(rec.items, found_all, strict=True) if it.expect is not None]
        other = [f for it, f in zip(rec.items, found_all, strict=True) if it.expect is None]
        r["recall_recordings"] = _share(sum(command_correct(it, f, grammar) for it, f in cmd), len(cmd))
        r["false_trigger_rate_recordings"] = _share(sum(bool(f) for f in other), len(other))

    r["latency_p50_ms"] = _pct([x * 1000 for x in latencies], 50)
    r["latency_p95_ms"] = _pct([x * 1000 for x in latencies], 95)
    r["rtf"] = round(decoded.cpu_s / decoded.audio_s, 4) if decoded.audio_s else None
    r["audio_s"] = round(decoded.audio_s, 1)
    return r
