"""BENCHMARKS.md's first section: the held-out benchmarks' latest figures, each named with the run it comes from.

`python -m benchmarks` runs the held-out benchmarks (benchmarks/held_out_runs.py) and writes it at the head of
BENCHMARKS.md; `python -m benchmarks.headline` writes it again there from their JSON files as they are now (after
one of them ran alone), leaving the rest alone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import enrolment as enrolment_bench
from benchmarks import held_out_runs, heldout, runs
from benchmarks.corpus import GENERAL_SENTENCES

BEGIN = "<!-- held-out: written by python -m benchmarks.headline -->"
END = "<!-- end of held-out -->"
TARGETS = {"clean": "≥ 92 %", "10dB": "≥ 80 %", "5dB": "≥ 65 %"}
"""The hearing issue's targets on held-out voices, without a profile."""
ROOM_CONDITIONS = {"room": "from the floor of a quiet simulated room",
                   "room+kitchen@10dB": "the same, a kitchen's noise running on at 10 dB",
                   "no room, kitchen@10dB": "no room, a kitchen's noise running on at 10 dB"}
PROFILE_TARGETS = {"clean": "≥ 98 %", "10dB": "≥ 95 %", "5dB": "≥ 90 %"}
"""The enrolment issue's, with one."""


def _load(where: Path, name: str) -> dict[str, Any] | None:
    path = where / "benchmarks" / f"{name}.json"
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _source(data: dict[str, Any], md: str) -> str:
    meta = data["meta"]
    return f"benchmarks/{md}, `{meta['command']}` at {meta['commit']}, {meta['date']}"


def _pc(right: int, n: int) -> str:
    return f"{100 * right / n:.1f} % ({right}/{n})" if n else "-"


def _sum(pairs: Sequence[Sequence[int]]) -> tuple[int, int]:
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def _general(data: dict[str, Any]) -> list[str]:
    shipped = data["figures"]["voicecoach"]
    rows = [f"**Without a voice profile** ({shipped['title']}; {_source(data, 'COMMAND_MODEL.md')}): every phrase, "
            "each in the mode it matters in.", "",
            "| figure | target | measured |", "|---|---|---:|"]
    for snr in ("clean", "10dB", "5dB"):
        cell = shipped.get(f"commands@{snr}")
        if cell:
            rows.append(f"| recall, {snr.replace('dB', ' dB')} | {TARGETS[snr]} | "
                        f"{_pc(*_sum(list(cell['by_family'].values())))} |")
    for key, label in (("real-talk@held-out-apart", "each clip apart"), ("real-talk@held-out", "back to back")):
        talk = shipped.get(key)
        if talk:
            rows.append(f"| false commands, held-out real talk, {label} | ≤ 1 % of clips, ≤ 1 an hour | "
                        f"{_pc(talk['clips_with_a_command'], talk['clips'])}, {talk['commands_per_hour']} an hour "
                        f"({talk['minutes']} min) |")
    replies = shipped.get("replies@held-out")
    if replies:
        rows.append(f"| false commands, short replies said alone (held-out replies and voices, synthesized) | ≤ 1 % | "
                    f"{_pc(replies['clips_with_a_command'], replies['clips'])} |")
    latency = shipped.get("commands@clean", {}).get("latency_ms")
    if latency:
        # Runs before 2026-12-06 timed from the synthesized file's end, which lies after the speech's end by 0.27 s
        # (median; 0.25 to 0.43 s over 40 held-out clips).
        start = ("end of speech" if latency.get("from") == "speech"
                 else "end of the synthesized clip (0.25 to 0.43 s after the speech ends; from the end of speech, "
                      "the next table's figure without a profile)")
        rows.append(f"| {start} to commit, clean, p50 / p95 | ≤ 200 / 400 ms | {latency['p50']} / "
                    f"{latency['p95']} ms |")
    if "rtf" in shipped:
        rows.append(f"| real-time factor, the whole recognizer | ≤ 0.05 | {shipped['rtf']} |")
    return rows


def _asked_back(voices: list[dict[str, Any]], replies: int, src: str) -> list[str]:
    """With a profile: the replies mid-exercise with a command done at once, and the commands heard right that were
    asked back first (benchmarks.enrolment.asked); none for a run before they were counted."""
    if not all("asked_with" in v.get("own_replies_running", {}) for v in voices):
        return []
    acted = sum(v["own_replies_running"]["asked_with"][1] for v in voices)
    without = (_pc(sum(v["own_replies_running"]["asked_without"][1] for v in voices), replies * len(voices))
               if all("asked_without" in v["own_replies_running"] for v in voices) else "-")
    commands = [v[k] for v in voices for k in v if k.startswith("commands@")]
    first = [_pc(sum(c[f"asked_{side}"][0] for c in commands), sum(c[side][0] for c in commands))
             if all(f"asked_{side}" in c for c in commands) else "-" for side in ("without", "with")]
    return [f"| false commands done at once, the same replies mid-exercise (one heard unsure that would change the "
            f"session is asked back: \"Tell me again?\") | ≤ 1 % | {without} | "
            f"{_pc(acted, replies * len(voices))} | {src} |",
            f"| commands heard right but asked back first, every condition | - | {first[0]} | {first[1]} | {src} |"]


def _profile(enrolment: dict[str, Any] | None, room: dict[str, Any] | None,
             noise: dict[str, Any] | None) -> list[str]:
    rows = ["**With a voice profile** (each held-out voice enrolled with two takes of each command; the product as "
            "it hears with a profile), each figure against the same run without one.", "",
            "| figure | target | without a profile | with one | from |", "|---|---|---:|---:|---|"]
    sources = []
    if enrolment:
        voices = list(enrolment["result"]["voices"].values())
        src = "ENROLMENT.md"
        sources.append(_source(enrolment, src))
        for snr in ("clean", "10dB", "5dB"):
            cells = [v[f"commands@{snr}"] for v in voices]
            rows.append(f"| recall, {snr.replace('dB', ' dB')} (noise with the words) | {PROFILE_TARGETS[snr]} | "
                        + " | ".join(_pc(*_sum([c[side] for c in cells])) for side in ("without", "with"))
                        + f" | {src} |")
        each = {"own_sentences": len(GENERAL_SENTENCES), "real_talk": enrolment["result"]["real_clips"],
                "own_replies": enrolment["result"].get("replies", 0),
                "own_replies_running": enrolment["result"].get("replies", 0)}
        hours = enrolment["result"]["real_minutes"] / 60
        said = [("own_sentences", "the same voice's everyday sentences", "≤ 0.5 %")]
        if all("own_replies" in v for v in voices):
            said.append(("own_replies", "short replies said alone by the same voice (held-out replies, synthesized; "
                         "every phrase listened for)", "≤ 1 %"))
        if all("own_replies_running" in v for v in voices):
            said.append(("own_replies_running", "the same replies said mid-exercise (the coach listening as it does "
                         "then)", "≤ 1 %"))
        late = [enrolment_bench.right_delays(enrolment["result"], side) for side in ("without", "with")]
        if all(late):
            rows.append("| end of speech to commit, commands heard right, every condition, p50 / p95 "
                        "| ≤ 200 / 400 ms | "
                        + " | ".join(heldout.delays_cell(x, counted=False) for x in late) + f" | {src} |")
        for key, label, target in (*said, ("real_talk", "held-out real talk", "≤ 1 %, ≤ 1 an hour")):
            fired = [sum(v[key][side][2] for v in voices) for side in ("without", "with")]
            n = len(voices) * each[key]
            per_hour = [f", {f / len(voices) / hours:.1f} an hour" if key == "real_talk" else "" for f in fired]
            rows.append(f"| false commands, {label} | {target} | "
                        + " | ".join(_pc(f, n) + h for f, h in zip(fired, per_hour, strict=True)) + f" | {src} |")
        rows += _asked_back(voices, each["own_replies_running"], src)
    if room:
        src = "ROOM.md"
        sources.append(_source(room, src))
        conditions = next(iter(room["figures"]["voices"].values()))
        for condition in conditions:
            cells = [v[condition] for v in room["figures"]["voices"].values()]
            label = ROOM_CONDITIONS.get(condition, condition)
            rows.append(f"| recall, {label} | - | "
                        + " | ".join(_pc(*_sum([c[side] for c in cells])) for side in ("without", "with"))
                        + f" | {src} |")
    if noise:
        src = "NOISE_ALONE.md"
        sources.append(_source(noise, src))
        cells = noise["figures"]["profiles"].values()
        hours = sum(c["seconds"] for c in cells) / 3600
        counts = [sum(len(c["commits"][side]) for c in cells) for side in ("without a profile",
                                                                              "with a profile (shipped)")]
        rows.append("| commands from a kitchen's noise alone, nobody speaking | - | "
                    + " | ".join(f"{n / hours:.0f} an hour ({n})" for n in counts) + f" | {src} |")
    return [*rows, "", *(f"- {source}" for source in sources)]


def lines(where: Path = runs.REPO) -> list[str]:
    """The section, between its markers."""
    loaded = {name: _load(where, name) for name in held_out_runs.SOURCES}
    command_model, enrolment, room, noise = (loaded[n] for n in ("command_model", "enrolment", "room", "noise_alone"))
    out = [BEGIN, "## First: on what it never saw", "",
           "Held-out voices (Festival's; espeak-ng's variants named after people) and the held-out half of the real "
           "talk (real people ordering coffee, `../shared/data/real-speech-negatives`, split by a hash of each file "
           "name: benchmarks/heldout.py). None of them was trained or tuned on. No real recordings of our commands "
           "exist here: every recall figure is on synthesized voices. Each table names the run it comes from, and "
           "holds only what was in the code at that commit (`git log` since it says what was not); run it again to "
           "update it, then `python -m benchmarks.headline`.", ""]
    if command_model:
        out += [*_general(command_model), ""]
    if enrolment or room or noise:
        out += [*_profile(enrolment, room, noise), ""]
    if not (command_model or enrolment or room or noise):
        out += ["No held-out benchmark has been run in this checkout.", ""]
    out += ["Everything after this section is the run of `python -m benchmarks` described under it: on the 8 "
            "espeak-ng voices PocketSphinx was **tuned on** (labelled so), with the recognizer as it was at that "
            "run's date, which is not a measure of unseen voices.", END, ""]
    return out


def with_headline(markdown: str, section: Sequence[str]) -> str:
    """`markdown` with its held-out section replaced by `section`, or `section` put after its title."""
    text = "\n".join(section)
    if BEGIN in markdown and END in markdown:
        head, rest = markdown.split(BEGIN, 1)
        return head + text.rstrip("\n") + rest.split(END, 1)[1]
    title, _, body = markdown.partition("\n\n")
    return f"{title}\n\n{text}\n{body}"


def main(argv: Sequence[str] | None = None) -> int:
    path = runs.REPO / "BENCHMARKS.md"
    if not path.exists():
        print(f"python -m benchmarks.headline: {path} is missing: run python -m benchmarks first", file=sys.stderr)
        return 2
    path.write_text(with_headline(path.read_text(encoding="utf-8"), lines()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
