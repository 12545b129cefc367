"""How long `voicecoach enroll` takes by voice, every command twice, on the simulated floor's clock.

Run: .venv/bin/python -m benchmarks.enrolment_spoken [--voice V ...]
Writes benchmarks/ENROLMENT-SPOKEN.md. The coach speaks with the real renderer at the default rate; the person is
an espeak-ng voice answering each request after a reaction time, and the loop's reply to a take comes at most a
given time after it ends (the floor waits for it): the time is the conversation's, not this machine's.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled.conversation import INTRO
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.matcher import Matcher, Take
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.tts import Renderer
from voicecoach.core.content import load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.core.tempo import DEFAULT_RATE
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.demo import coach_voice_of
from voicecoach.runtime.enrolment import enrol_by_voice, enrolment_phrases
from voicecoach.runtime.hearing import HearingPath, hear_stream
from voicecoach.testing import speech
from voicecoach.testing.floor import RATE, Floor

OUT = Path(__file__).resolve().parent / "ENROLMENT-SPOKEN.md"
VOICES = ("en-us", "en-us+f2")  # training voices: the figure is the conversation's length, not recognition
# (reaction, reply within) in seconds: the first for every voice, the others for the first voice. The loop's own
# reply comes once the take's segment has ended (0.45 s of quiet), up to 0.5 s more when the general recognizer
# commits nothing in it, plus the embedding's time on the machine.
TIMINGS = ((0.6, 1.5), (0.6, 1.0), (1.0, 1.5))
TARGET_S = 180.0
HEARD_WPM = 140  # the takes are said at 160 and 175
STOP_AT = tuple(0.5 + 0.3 * k for k in range(20))
"""Seconds into the coach's introduction (about 9 s) at which the person says "stop" over it."""
GRAMMAR = functools.cache(lambda: load_grammar(default_grammar_dir(), load_content(default_content_dir())))
EMBEDDING = functools.cache(SpeechEmbedding)


def heard_back(takes: list[Take], voice: str, embedding: SpeechEmbedding) -> int:
    """How many of the commands, each said alone by `voice` at another pace than its takes, the takes alone hear
    as that command and nothing else: the general recognizer beside them listens for words that are no command."""
    matcher = Matcher(takes)
    right = 0
    for phrase in dict.fromkeys(take.phrase for take in takes):
        recognizer = EnrolledRecognizer(PocketSphinxRecognizer(["good morning"]), matcher, embedding)
        audio = speech.pad(speech.synthesize(phrase, voice, HEARD_WPM), 0.8, 1.5)
        found = hear_stream(HearingPath(recognizer, GRAMMAR()), speech.chunks(audio, 3200))
        right += [h.text for h in found] == [phrase]
    return right


@functools.cache
def coach_voice() -> Callable[[str], speech.Audio]:
    """The coach's lines as the real renderer says them, at the default rate."""
    renderer = Renderer()
    renderer.start()
    render = coach_voice_of(renderer)
    return lambda text: speech.to_int16(render(text, DEFAULT_RATE))


def stop_over_the_intro(voice: str) -> int:
    """Of STOP_AT placements of "stop" over the coach's introduction (the longest line), in how many the
    enrolment stopped there."""
    grammar = GRAMMAR()
    stopped = 0
    for at in STOP_AT:
        floor = Floor([], coach_voice(), reaction=at, interruptions={INTRO: speech.synthesize("stop", voice, 160)},
                      steady=True)
        general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
        enrol_by_voice(enrolment_phrases(grammar), functools.partial(enrol_take, EMBEDDING()), general, grammar,
                       floor.microphone(), floor.open_speaker, EchoCanceller(RATE), clock=floor.clock,
                       print_fn=lambda text: None)
        stopped += floor.said()[1:2] == ["Stopped. I learned how you say 0 commands so far."]
    return stopped


def measure(voice: str, reaction: float, reply_within: float) -> tuple[float, list[Take], int, list[str]]:
    """(seconds from the first word to the last, takes learned, commands, the coach's lines)."""
    grammar = GRAMMAR()
    phrases = enrolment_phrases(grammar)
    answers: list[speech.Audio | None] = [speech.synthesize(p, voice, wpm) for p in phrases for wpm in (160, 175)]
    floor = Floor(answers, coach_voice(), reaction=reaction, reply_within=reply_within)
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    takes = enrol_by_voice(phrases, functools.partial(enrol_take, EMBEDDING()), general, grammar,
                           floor.microphone(), floor.open_speaker, EchoCanceller(RATE), clock=floor.clock,
                           print_fn=lambda text: None).takes
    last = floor.lines[-1]
    return last.end / RATE, takes, len(phrases), floor.said()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_spoken", description=__doc__.split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng voice of the person (default: {VOICES})")
    args = parser.parse_args(argv)
    rows = []
    voices = args.voice or VOICES
    runs = [(voices[0], *timing) for timing in TIMINGS] + [(voice, *TIMINGS[0]) for voice in voices[1:]]
    for voice, reaction, reply_within in runs:
        seconds, takes, commands, said = measure(voice, reaction, reply_within)
        again = sum(1 for line in said if "once more" in line)
        heard = heard_back(takes, voice, EMBEDDING())
        print(f"{voice} {reaction}/{reply_within}: {seconds:.1f} s, {len(takes)} takes of {commands} commands, "
              f"{again} asked again, {heard} heard back", file=sys.stderr)
        rows.append(f"| {voice} | {reaction} s | {reply_within} s | {seconds:.0f} s ({seconds / 60:.1f} min) | "
                    f"{len(takes)} of {2 * commands} | {again} | {heard} of {commands} |")
    stops = [(voice, stop_over_the_intro(voice)) for voice in voices]
    print(f"stop over the introduction: {stops}", file=sys.stderr)
    OUT.write_text("\n".join([
        "# Spoken enrolment: how long it takes",
        "",
        f"`python -m benchmarks.enrolment_spoken`: every command of the shipped grammar, two takes each, on the "
        f"simulated floor (voicecoach/testing/floor.py). The coach speaks with the real renderer at {DEFAULT_RATE} "
        "words a minute; the person answers each request after their reaction time; the coach's reply to a take "
        "comes at most the given time after the take ends (the loop's own: the segment's end, 0.45 s of quiet, up "
        "to 0.5 s more when the general recognizer commits nothing in it, and the embedding's time). "
        f"Target: at most {TARGET_S:.0f} s. Heard back: of the commands, said by the same voice at {HEARD_WPM} "
        "words a minute (the takes at 160 and 175), each in quiet, how many the learned takes alone hear "
        "(an EnrolledRecognizer whose general recognizer listens for no command).",
        "",
        "| person's voice | reaction | reply within | from the first word to the last | takes learned | asked again "
        "| heard back |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Stop over the coach's voice",
        "",
        f"The person says \"stop\" over the coach's introduction (about 9 s), at {len(STOP_AT)} moments "
        f"{STOP_AT[0]:g} to {STOP_AT[-1]:g} s into it, as loud as in the table above (the coach's voice reaches "
        "the microphone at a tenth of the person's, and the echo canceller has the loudspeaker's audio). Stopped: "
        "how many times the enrolment stopped there. \"Stop\" over the coach is the general recognizer's barge-in "
        "(BENCHMARKS.md): it must stand clearly above the rest of the speech around it.",
        "",
        "| person's voice | stopped |",
        "|---|---|",
        *[f"| {voice} | {n} of {len(STOP_AT)} |" for voice, n in stops],
        "",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
