"""The general recognizer's cost with and without its savings, side by side, and every commit of each compared.

`python -m benchmarks.pipeline_cost [--runs N] [--seconds S]` writes benchmarks/PIPELINE_COST.md. The audio is
tuning data only (nothing held out): the tuning half of the real talk ($VOICECOACH_REAL_NEGATIVES/clips) with
commands in the tuning voices (espeak-ng's numbered variants) between the clips; the same commands said alone after
quiet, clean and in the kitchen noise at 10 dB; and the coach speaking (the recognizer restricted, as the live loop
restricts it) with a person's barge-in phrase over it or a command after it. Each recognizer is fed 100 ms chunks.
Per set and recognizer: the real-time factor (CPU seconds per second of audio, one onnxruntime thread; median and
range over the runs, the recognizers in turn within each run), and whether every commit (text and time) is the one
the recognizer with nothing saved makes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.streaming_embedding import test_audio
from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model import CommandModel
from voicecoach.asr.commands_model.combined import (
    ALONE_FRAMES,
    ALONE_P,
    NEVER_ALONE,
    NONE_SAVED,
    Combined,
    Savings,
    with_command_model,
)
from voicecoach.asr.commands_model.island import Islands
from voicecoach.asr.commands_model.model import NONE
from voicecoach.asr.commands_model.recognizer import STREAMED_MARGIN, CommandModelRecognizer, SecondOpinion
from voicecoach.asr.embedding.streaming import StreamingEmbedding
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.asr.pocketsphinx.barge_in import BargeIn
from voicecoach.asr.pocketsphinx.endpoint import EnergyEndpointer
from voicecoach.asr.pocketsphinx.frames import Frames
from voicecoach.asr.pocketsphinx.searches import Searches
from voicecoach.core.content import load_content
from voicecoach.core.grammar import Grammar, load_grammar
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing import speech
from voicecoach.testing.real_talk import held_out, negatives_dir

OUT = Path(__file__).resolve().parent / "PIPELINE_COST.md"
FIGURES = OUT.with_name("pipeline_cost.json")
RATE = speech.RATE
CHUNK = RATE // 10
"""Samples per accept(): 100 ms, as the benchmarks' decoding feeds them."""
COMMANDS = (("stop", "en-us+m3"), ("start bridge", "en-gb+f2"), ("next", "en-us"), ("it hurts", "en-us+m1"),
            ("wait", "en-gb"), ("repeat", "en-us+f2"), ("how long", "en-gb+m3"), ("skip", "en-us+m4"),
            ("pause", "en-us+f4"), ("help", "en-gb+m1"))
"""Commands in tuning voices (espeak-ng's numbered variants and plain voices; none of the held-out ones)."""
COACH_LINES = ("Lie on your back with your knees bent and your feet flat on the floor.",
               "Slowly lift your hips off the floor, and hold it there.", "Five. Four. Three. Two. One.",
               "Good. Lower your hips back down, gently, one vertebra at a time.")
COACH_VOICE = "en-us+f3"
PHRASE_VOICES = ("en-us+m3", "en-gb+f2", "en-us+f4")
"""Tuning voices each phrase is said in, for the check of every commit."""


@dataclass
class Stream:
    """One set: its audio, and the seconds during which the coach speaks (the recognizer restricted)."""

    name: str
    audio: npt.NDArray[np.int16]
    speaking: list[tuple[float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def talk_and_commands(seconds: float) -> Stream:
    """`seconds` of the tuning half of the real talk, clip after clip, a command 1 s after each."""
    clips = [p for p in sorted((negatives_dir() / "clips").glob("*.flac")) if not held_out(p.name)]
    audio, _ = test_audio(seconds, clips, COMMANDS)
    return Stream("real talk (tuning half) with commands between", audio)


def alone(noisy: bool) -> Stream:
    """Each command said on its own after 2.5 s of quiet, 2 s of quiet after it; in the kitchen at 10 dB or clean."""
    said = [speech.pad(speech.synthesize(text, voice, 150), 2.5, 2.0) for text, voice in COMMANDS]
    audio = speech.concatenate(said)
    if not noisy:
        return Stream("commands said alone, clean", audio)
    kitchen = speech.read_wav(negatives_dir() / "noise" / "kitchen.flac")
    level = statistics.median(speech.active_rms(s) for s in said)
    return Stream("commands said alone, kitchen at 10 dB", speech.add_noise(audio, kitchen, 10.0, level))


def over_the_coach() -> Stream:
    """The coach's lines, restricted while it speaks and 0.3 s after; a barge-in phrase 10 dB over each odd line,
    a command 1 s after each even one."""
    room = speech.room_response(seed=3)
    clips: list[tuple[float, npt.NDArray[np.int16]]] = []
    speaking: list[tuple[float, float]] = []
    at = 1.0
    for i, line in enumerate(COACH_LINES * 2):
        coach = speech.through_room(speech.synthesize(line, COACH_VOICE, 170), room)
        clips.append((at, coach))
        end = at + len(coach) / RATE
        speaking.append((at, end + 0.3))
        text, voice = (("stop", "en-us+m3"), ("wait", "en-gb+f2"))[i // 2 % 2] if i % 2 else COMMANDS[i % 10]
        said = speech.synthesize(text, voice, 150)
        if i % 2:
            said = speech.scale_to_rms(said, speech.active_rms(coach) * 10 ** 0.5)
            clips.append((at + 0.5 * (end - at), said))
            at = end + 2.5
        else:
            clips.append((end + 1.0, said))
            at = end + 1.0 + len(said) / RATE + 2.5
    return Stream("the coach speaking, barge-in over it, commands after it", speech.timeline(clips, at), speaking)


def every_phrase(noisy: bool) -> Stream:
    """Every phrase of the grammar in each of PHRASE_VOICES, 1 s of quiet either side; in the kitchen at 10 dB or
    clean."""
    grammar = load_grammar(default_grammar_dir(), load_content(default_content_dir()))
    said = [speech.synthesize(phrase, voice, 150) for voice in PHRASE_VOICES for phrase in grammar.phrases()]
    audio = speech.concatenate([speech.pad(s, 1.0, 1.0) for s in said])
    if not noisy:
        return Stream("every phrase, clean", audio)
    kitchen = speech.read_wav(negatives_dir() / "noise" / "kitchen.flac")
    level = statistics.median(speech.active_rms(s) for s in said)
    return Stream("every phrase, kitchen at 10 dB", speech.add_noise(audio, kitchen, 10.0, level))


def feed(recognizer: Recognizer, stream: Stream, barge_in: frozenset[str]) -> list[tuple[float, str]]:
    """Every commit of `recognizer` on the stream, restricted to `barge_in` while the coach speaks."""
    found = []
    speaking = list(stream.speaking)
    restricted = False
    for i, chunk in enumerate(speech.chunks(stream.audio, CHUNK)):
        now = i * CHUNK / RATE
        while speaking and speaking[0][1] <= now:
            speaking.pop(0)
        coach = bool(speaking) and speaking[0][0] <= now
        if coach != restricted:
            recognizer.restrict(barge_in if coach else None)
            restricted = coach
        found += [(d.t, d.text) for d in recognizer.accept(chunk)]
    return found + [(d.t, d.text) for d in recognizer.flush()]


class QuietAudit(CommandModelRecognizer):
    """The model alone as shipped, scoring every window, noting the probability of the likeliest command in each
    window its quiet gate would have left unscored."""

    def __init__(self, grammar: Grammar, model: CommandModel) -> None:
        self.islands = Islands()
        super().__init__(grammar.phrases(), grammar.table, model, threshold=ALONE_P, consecutive=ALONE_FRAMES,
                         never=NEVER_ALONE, quiet=self.islands)
        self._none = model.classes.index(NONE)
        self.gated: list[bool] = []  # for each window checked and not yet scored, whether the gate says quiet
        self.windows = 0
        self.unheard: list[float] = []
        """The likeliest command's probability in each window the gate would not have scored."""

    def accept(self, pcm: bytes) -> list[Detection]:
        self.islands.add(pcm)
        return super().accept(pcm)

    def _heard(self, index: int, loud: npt.NDArray[np.bool_]) -> bool:
        self.windows += 1
        self.gated.append(not super()._heard(index, loud))
        return True

    def _best(self, p: npt.NDArray[np.float32]) -> str | None:
        if self.gated.pop(0):
            self.unheard.append(float(np.delete(p, self._none).max()))
        return super()._best(p)


class OpinionAudit(SecondOpinion):
    """The veto as shipped, noting for each commit it judges the probability the streamed windows give and the one
    embedding the audio again gives."""

    def __init__(self, first: Recognizer, grammar: Grammar, model: CommandModel,
                 stream: CommandModelRecognizer) -> None:
        super().__init__(first, grammar.phrases(), grammar.table, model, stream=stream)
        self.pairs: list[tuple[float, float]] = []

    def agrees(self, detection: Detection) -> bool:
        if detection.text in self._known and not self._restricted:
            self.pairs.append((self.probability(detection), self.probability(detection, streamed=False)))
        return super().agrees(detection)


def audited(grammar: Grammar, model: CommandModel) -> tuple[Combined, OpinionAudit]:
    """The general recognizer as with_command_model builds it, its veto audited."""
    islands = Islands()
    own = CommandModelRecognizer(grammar.phrases(), grammar.table, model, threshold=ALONE_P,
                                 consecutive=ALONE_FRAMES, never=NEVER_ALONE, quiet=islands)
    judged = OpinionAudit(PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table), grammar, model, own)
    return Combined(judged, own, islands), judged


def makers(grammar: Grammar, model: CommandModel) -> dict[str, Callable[[], Recognizer]]:
    """The recognizers compared: PocketSphinx alone, the general recognizer with nothing saved, with each saving
    alone, and with all of them (as shipped)."""
    def general(savings: Savings) -> Callable[[], Recognizer]:
        return lambda: with_command_model(sphinx(), grammar.phrases(), grammar.table, model, savings=savings)

    def sphinx() -> PocketSphinxRecognizer:
        return PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)

    return {"PocketSphinx alone": sphinx, "nothing saved (before)": general(NONE_SAVED),
            "the veto on the streamed windows only": general(Savings(hold=False, quiet=False)),
            "no scoring while the coach speaks only": general(Savings(streamed_opinion=False, quiet=False)),
            "no scoring of quiet windows only": general(Savings(streamed_opinion=False, hold=False)),
            "all savings (as shipped)": general(Savings())}


def timing(args: argparse.Namespace, grammar: Grammar, model: CommandModel) -> dict[str, Any]:
    """Each recognizer on each timing set, `args.runs` times: RTFs, commits, and the quiet gate's audit."""
    barge_in = grammar.barge_in_phrases()
    streams = [talk_and_commands(args.seconds), alone(False), alone(True), over_the_coach()]
    recognizers = makers(grammar, model)
    out: dict[str, Any] = {"runs": args.runs, "seconds": args.seconds, "sets": {}}
    for stream in streams:
        out["sets"][stream.name] = {"seconds": stream.seconds, "rtf": {n: [] for n in recognizers}, "found": {}}
    for run in range(args.runs):
        order = list(recognizers) if run % 2 == 0 else list(reversed(recognizers))
        for stream in streams:
            figures = out["sets"][stream.name]
            for name in order:
                recognizer = recognizers[name]()
                started = time.process_time()
                heard = feed(recognizer, stream, barge_in)
                figures["rtf"][name].append((time.process_time() - started) / stream.seconds)
                if figures["found"].setdefault(name, heard) != heard:
                    sys.exit(f"{name} committed differently on {stream.name} in run {run + 1}")
            print(f"run {run + 1}: {stream.name} done", flush=True)
    for stream in streams:
        out["sets"][stream.name]["quiet"] = quiet_audit(stream, grammar, model)
    return out


def decisions(grammar: Grammar, model: CommandModel) -> dict[str, Any]:
    """Every phrase in tuning voices, clean and in noise, through the general recognizer with nothing saved and as
    shipped (its veto audited): their commits, and the quiet gate's audit."""
    barge_in = grammar.barge_in_phrases()
    out: dict[str, Any] = {}
    before = makers(grammar, model)["nothing saved (before)"]
    for stream in (every_phrase(False), every_phrase(True)):
        shipped, judged = audited(grammar, model)
        out[stream.name] = {"seconds": stream.seconds, "before": feed(before(), stream, barge_in),
                            "shipped": feed(shipped, stream, barge_in), "opinions": judged.pairs,
                            "quiet": quiet_audit(stream, grammar, model)}
        print(f"{stream.name} done", flush=True)
    return out


PARTS: tuple[tuple[str, tuple[Callable[..., Any], ...]], ...] = (
    ("PocketSphinx", (PocketSphinxRecognizer.accept, PocketSphinxRecognizer.flush)),
    ("  its verify searches (batch decodes of a segment)", (Searches._decode,)),
    ("  its live decoder (barge-in, while the coach speaks)", (BargeIn.feed,)),
    ("  its noise suppression", (Frames._suppressed,)),
    ("  its voice detector and noise floor", (EnergyEndpointer.process,)),
    ("the model alone", (CommandModelRecognizer.accept,)),
    ("  the mel spectrogram", (StreamingEmbedding.frames_in,)),
    ("  the embedding of its windows", (StreamingEmbedding.window_of,)),
    ("  the model's forward pass (also the veto's)", (CommandModel.probabilities,)),
    ("the veto (second opinion)", (SecondOpinion.agrees,)),
    ("the islands (said on its own)", (Islands.add, Islands.judge)))
"""Where the time goes: a profile's cumulative time in these functions; indented, part of the one above."""


def profile(grammar: Grammar, model: CommandModel, seconds: float) -> dict[str, Any]:
    """The general recognizer with nothing saved and as shipped, profiled on each timing set: CPU seconds per second
    of audio in each of PARTS (under the profiler, which slows Python more than the models)."""
    recognizers = makers(grammar, model)
    streams = [talk_and_commands(seconds), alone(False), alone(True), over_the_coach()]
    out: dict[str, Any] = {}
    for name in ("nothing saved (before)", "all savings (as shipped)"):
        for stream in streams:
            recognizer = recognizers[name]()
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            feed(recognizer, stream, grammar.barge_in_phrases())
            profiler.disable()
            stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            total = sum(tt for _, _, tt, _, _ in stats.values())
            figures = {"total": total / stream.seconds}
            for part, functions in PARTS:
                where = {(f.__code__.co_filename, f.__code__.co_firstlineno, f.__name__) for f in functions}
                figures[part] = sum(stats[key][3] for key in where if key in stats) / stream.seconds
            out.setdefault(name, {})[stream.name] = figures
        print(f"profiled {name}", flush=True)
    return out


def quiet_audit(stream: Stream, grammar: Grammar, model: CommandModel) -> dict[str, Any]:
    audit = QuietAudit(grammar, model)
    feed(audit, stream, grammar.barge_in_phrases())
    return {"windows": audit.windows, "unheard": audit.unheard}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds of real talk (default 40)")
    parser.add_argument("--part", choices=("profile", "timing", "decisions", "both"), default="both",
                        help="measure only this part; the other's last figures are kept (pipeline_cost.json)")
    args = parser.parse_args(argv)
    grammar = load_grammar(default_grammar_dir(), load_content(default_content_dir()))
    model = CommandModel.load()
    figures = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    if args.part == "profile":
        figures["profile"] = profile(grammar, model, args.seconds)
        figures["profile"]["date"] = time.strftime("%Y-%m-%d")
    if args.part in ("timing", "both"):
        figures["timing"] = timing(args, grammar, model)
        figures["timing"]["date"] = time.strftime("%Y-%m-%d")
    if args.part in ("decisions", "both"):
        figures["decisions"] = decisions(grammar, model)
        figures["decisions"]["date"] = time.strftime("%Y-%m-%d")
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n")
    OUT.write_text(report(figures))
    print(OUT.read_text())
    return 0


def report(figures: dict[str, Any]) -> str:
    def spread(xs: list[float]) -> str:
        return f"{statistics.median(xs):.4f} ({min(xs):.4f} to {max(xs):.4f})"

    def commits(found: Sequence[Sequence[Any]]) -> str:
        return ", ".join(f"{text} {t:.2f}" for t, text in found)

    def quiet_row(name: str, quiet: dict[str, Any]) -> str:
        unheard = quiet["unheard"]
        return (f"| {name} | {quiet['windows']} | {len(unheard)} | {max(unheard, default=0.0):.3g} | "
                f"{sum(p >= ALONE_P for p in unheard)} |")

    savings = [
        "## What is saved, and how exact each saving is", "",
        "- **A frame is embedded only when a window asks for it** (StreamingEmbedding.frames_in, window_of): exact, "
        "the same model runs on the same numbers, only fewer of them.",
        "- **The model alone scores nothing while the coach speaks** (Savings.hold): the combined recognizer keeps "
        "none of its commits then. It is exact but for the model's run of sure windows and its 1.5 s hold-off "
        "carried across the end of the restriction: with nothing saved, a command it was sure of in the coach's last "
        "windows delays or holds off one said in the 1.5 s after.",
        "- **The model alone scores no window in which no 10 ms frame is loud** (Savings.quiet; loud as island.py "
        "measures it: 8 dB over the 10th percentile of the last 5 s). Not exact: the model could be sure of a command "
        "in such a window. The tables below give the likeliest command's probability in every window it no longer "
        f"scores; the model alone commits at {ALONE_P} in {ALONE_FRAMES} windows in a row.",
        f"- **The veto reads the windows the model alone streamed** (Savings.streamed_opinion) when they give the "
        f"command more than {STREAMED_MARGIN:g} times the veto probability or less than 1/{STREAMED_MARGIN:g} of it; "
        "nearer, it embeds the 2.7 s before the commit again, as the veto was tuned. Not exact: a streamed window is "
        "floored by its own clip, starts on the stream's 80 ms grid and is dithered with the stream, so the two "
        "probabilities differ; the tables below give by how much.", ""]
    quiet_head = ["| set | windows scored with nothing saved | not scored by the quiet gate | likeliest command "
                  f"there, highest probability | at or over {ALONE_P} |", "|---|---:|---:|---:|---:|"]
    before = "nothing saved (before)"
    lines = ["# The general recognizer's cost, with and without its savings", "",
             " ".join((__doc__ or "").split("\n", 2)[2].split()), "", *savings]
    if "profile" in figures:
        prof = figures["profile"]
        sets = list(prof[before])
        lines += ["## Where the time goes", "", f"`python -m benchmarks.pipeline_cost --part profile`, {prof['date']}: "
                  "CPU seconds per second of audio spent in each part, under cProfile (which slows the Python "
                  "parts more than the models), with nothing saved / as shipped.", "",
                  "| part | " + " | ".join(sets) + " |", "|---|" + "---:|" * len(sets)]
        for part in ["total", *(p for p, _ in PARTS)]:
            cells = [f"{prof[before][s][part]:.4f} / {prof['all savings (as shipped)'][s][part]:.4f}" for s in sets]
            lines.append(f"| {part.strip() if part == 'total' else part.replace('  ', '&nbsp;&nbsp;')} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    if "timing" in figures:
        t = figures["timing"]
        lines += ["## Cost", "", f"`python -m benchmarks.pipeline_cost --part timing --runs {t['runs']} --seconds "
                  f"{t['seconds']:g}`, {t['date']}, on this machine (2 cores shared with other work, run under "
                  "nice): median (range) of the runs.", ""]
        for name, fig in t["sets"].items():
            base = statistics.median(fig["rtf"][before])
            lines += [f"### {name} ({fig['seconds']:.0f} s, {len(fig['found'][before])} commits with nothing "
                      "saved)", "", "| recognizer | RTF | of nothing saved's | commits | each the same as nothing "
                      "saved's |", "|---|---:|---:|---:|---|"]
            for rec, xs in fig["rtf"].items():
                heard = fig["found"][rec]
                same = "(another recognizer)" if rec == "PocketSphinx alone" else (
                    "yes" if heard == fig["found"][before] else f"no: {commits(heard)}")
                lines.append(f"| {rec} | {spread(xs)} | {statistics.median(xs) / base:.2f} | {len(heard)} | {same} |")
            lines += ["", f"Committed with nothing saved: {commits(fig['found'][before])}.", ""]
        lines += ["### The quiet gate on these sets", "", *quiet_head]
        lines += [quiet_row(name, fig["quiet"]) for name, fig in t["sets"].items()]
        lines.append("")
    if "decisions" in figures:
        d = figures["decisions"]
        lines += ["## Every commit, before and after", "", "`python -m benchmarks.pipeline_cost --part decisions`, "
                  f"{d['date']}: every phrase of the grammar in {', '.join(PHRASE_VOICES)}, 1 s of quiet either "
                  "side, through the general recognizer with nothing saved and with all savings (as shipped).", "",
                  "| set | commits with nothing saved | as shipped | the same (text and time) | commits the veto "
                  "judged | decided on the streamed windows alone | the streamed windows' verdict the same as "
                  "embedding again | their probabilities, largest ratio |", "|---|---:|---:|---|---:|---:|---:|---:|"]
        for name, fig in d.items():
            if name == "date":
                continue
            differ = sorted(set(map(tuple, fig["before"])) ^ set(map(tuple, fig["shipped"])))
            same = "yes" if fig["before"] == fig["shipped"] else f"no: {commits(differ)}"
            pairs = fig["opinions"]
            veto = CommandModel.load().veto
            agree = sum((a >= veto) == (b >= veto) for a, b in pairs)
            ratio = max((max(a, b) / max(min(a, b), 1e-30) for a, b in pairs), default=1.0)
            far = sum(not veto / STREAMED_MARGIN <= a <= veto * STREAMED_MARGIN for a, _ in pairs)
            lines.append(f"| {name} | {len(fig['before'])} | {len(fig['shipped'])} | {same} | {len(pairs)} | "
                         f"{far} | {agree} | {ratio:.3g} |")
        lines += ["", "### The quiet gate on these sets", "", *quiet_head]
        lines += [quiet_row(name, fig["quiet"]) for name, fig in d.items() if name != "date"]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
