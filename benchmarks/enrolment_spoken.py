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
from voicecoach.asr.enrolled.conversation import FIRST_STOP, OTHERS_INTRO, STOP_LEARNED, StopHearer, in_order
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.matcher import Take
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.enrolled.stop_over import StopOver
from voicecoach.asr.enrolled.wrap import profile_matcher
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.tts import Renderer
from voicecoach.core.content import load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.core.tempo import DEFAULT_RATE
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.runtime.demo import coach_voice_of
from voicecoach.runtime.enrolment import NOT_COMMANDS, enrol_by_voice, enrolment_phrases
from voicecoach.runtime.hearing import HearingPath, hear_stream
from voicecoach.testing import speech
from voicecoach.testing.floor import RATE, Floor

OUT = Path(__file__).resolve().parent / "ENROLMENT-SPOKEN.md"
VOICES = ("en-us", "en-us+f2", "en-us+f4")  # training voices only: stop's hearing was tuned on them
# (reaction, reply within) in seconds: the first for every voice, the others for the first voice. The loop's own
# reply comes once the take's segment has ended (0.45 s of quiet), up to 0.5 s more when the general recognizer
# commits nothing in it, plus the embedding's time on the machine.
TIMINGS = ((0.6, 1.5), (0.6, 1.0), (1.0, 1.5))
TARGET_S = 180.0
HEARD_WPM = 140  # the takes are said at 160 and 175
STOP_FIRST_AT = tuple(0.2 + 0.2 * k for k in range(8))
"""Seconds into FIRST_STOP, the first line (before stop is learned), at which the person says "stop" over it."""
STOP_LATER_AT = tuple(0.1 + 0.35 * k for k in range(20))
"""Seconds into STOP_LEARNED, which explains the enrolment (then "Start bridge." follows), at which the person says
"stop" over them."""
GRAMMAR = functools.cache(lambda: load_grammar(default_grammar_dir(), load_content(default_content_dir())))
EMBEDDING = functools.cache(SpeechEmbedding)


def heard_back(takes: list[Take], voice: str, embedding: SpeechEmbedding) -> int:
    """How many of the commands, each said alone by `voice` at another pace than its takes, the takes alone hear
    as that command and nothing else: the general recognizer beside them listens for words that are no command."""
    matcher = profile_matcher(takes)
    right = 0
    for phrase in dict.fromkeys(take.phrase for take in takes if take.command):
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


def enrol(floor: Floor, hears_stop: StopHearer | None) -> list[Take]:
    """Every command enrolled on `floor`, then the words that are no command, as `voicecoach enroll` does (stop
    heard by its takes if `hears_stop`); a run the floor cuts short (its time limit) ends with the takes so far."""
    grammar = GRAMMAR()
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    return enrol_by_voice(enrolment_phrases(grammar), functools.partial(enrol_take, EMBEDDING()), general, grammar,
                          floor.microphone(), floor.open_speaker, EchoCanceller(RATE), clock=floor.clock,
                          print_fn=lambda text: None, hears_stop=hears_stop, others=NOT_COMMANDS).takes


def stop_over_the_first_line(voice: str) -> tuple[int, int]:
    """Of STOP_FIRST_AT placements of "stop" over FIRST_STOP, no other answer given: (in how many the enrolment
    ended there, in how many that stop became stop's first take)."""
    ended = taken = 0
    for at in STOP_FIRST_AT:
        floor = Floor([], coach_voice(), reaction=at, interruptions={FIRST_STOP: speech.synthesize("stop", voice, 160)},
                      steady=True, limit=12.0)
        takes = enrol(floor, StopOver(EMBEDDING()))
        ended += any(line.startswith("Stopped.") for line in floor.said())
        taken += bool(takes)
    return ended, taken


def stop_over_later_lines(voice: str, hears_stop: StopHearer | None) -> int:
    """Of STOP_LATER_AT placements of "stop" over the coach's lines once stop's two takes are learned, in how many
    the enrolment stopped there (before asking for another take)."""
    stopped = 0
    for at in STOP_LATER_AT:
        floor = Floor([speech.synthesize("stop", voice, wpm) for wpm in (160, 175)], coach_voice(),
                      interruptions={STOP_LEARNED: speech.synthesize("stop", voice, 160)}, interrupt_at=at,
                      steady=True, limit=40.0)
        takes = enrol(floor, hears_stop)
        stopped += len(takes) == 2 and floor.said()[-1] == "Stopped. I learned 1 command so far."
    return stopped


def stop_instead_of_a_take(voice: str, hears_stop: StopHearer | None) -> tuple[int, int]:
    """For each command after stop, a run where the person says "stop" (at HEARD_WPM) when that command's first
    take is asked for, every take before it said: (in how many the enrolment stopped there, runs)."""
    phrases = in_order(enrolment_phrases(GRAMMAR()))
    stopped = 0
    for k in range(1, len(phrases)):
        answers = [speech.synthesize(p, voice, wpm) for p in phrases[:k] for wpm in (160, 175)]
        floor = Floor([*answers, speech.synthesize("stop", voice, HEARD_WPM)], coach_voice(), steady=True,
                      limit=30.0 + 10.0 * k)
        takes = enrol(floor, hears_stop)
        stopped += len(takes) == 2 * k and floor.said()[-1].startswith("Stopped.")
    return stopped, len(phrases) - 1


def measure(voice: str, reaction: float, reply_within: float) -> tuple[float, float, list[Take], int, list[str]]:
    """(seconds from the first word to the last, and to the line after the last command's takes, takes learned,
    commands, the coach's lines)."""
    phrases = in_order(enrolment_phrases(GRAMMAR()))  # the person answers in the order the coach asks
    answers: list[speech.Audio | None] = [speech.synthesize(p, voice, wpm) for p in phrases for wpm in (160, 175)]
    answers += [speech.synthesize(word, voice, 160) for word in NOT_COMMANDS]
    floor = Floor(answers, coach_voice(), reaction=reaction, reply_within=reply_within)
    takes = enrol(floor, StopOver(EMBEDDING()))
    last = floor.lines[-1]
    commands_done = next((line.start for line in floor.lines if line.text == OTHERS_INTRO), last.end)
    return last.end / RATE, commands_done / RATE, takes, len(phrases), floor.said()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.enrolment_spoken", description=__doc__.split("\n")[0])
    parser.add_argument("--voice", action="append", help=f"espeak-ng voice of the person (default: {VOICES})")
    args = parser.parse_args(argv)
    rows = []
    voices = args.voice or VOICES
    runs = [(voices[0], *timing) for timing in TIMINGS] + [(voice, *TIMINGS[0]) for voice in voices[1:]]
    for voice, reaction, reply_within in runs:
        seconds, commands_s, takes, commands, said = measure(voice, reaction, reply_within)
        words = sum(1 for take in takes if not take.command)
        again = sum(1 for line in said if "once more" in line)
        heard = heard_back(takes, voice, EMBEDDING())
        print(f"{voice} {reaction}/{reply_within}: {seconds:.1f} s, {len(takes)} takes of {commands} commands, "
              f"{again} asked again, {heard} heard back", file=sys.stderr)
        rows.append(f"| {voice} | {reaction} s | {reply_within} s | {seconds:.0f} s ({seconds / 60:.1f} min) | "
                    f"{commands_s:.0f} s | {len(takes) - words} of {2 * commands} | {words} of {len(NOT_COMMANDS)} | "
                    f"{again} | {heard} of {commands} |")
    first = [stop_over_the_first_line(voice) for voice in voices]
    print(f"stop over the first line (ended, taken): {first}", file=sys.stderr)
    later = [(stop_over_later_lines(voice, StopOver(EMBEDDING())), stop_over_later_lines(voice, None))
             for voice in voices]
    print(f"stop over later lines (takes, general alone): {later}", file=sys.stderr)
    instead = [(stop_instead_of_a_take(voice, StopOver(EMBEDDING())), stop_instead_of_a_take(voice, None))
               for voice in voices]
    print(f"stop instead of a take (takes, general alone): {instead}", file=sys.stderr)
    OUT.write_text("\n".join([
        "# Spoken enrolment: how long it takes",
        "",
        f"`python -m benchmarks.enrolment_spoken`: every command of the shipped grammar, two takes each, then the "
        f"{len(NOT_COMMANDS)} words that are no command once each ({', '.join(NOT_COMMANDS)}), on the "
        f"simulated floor (voicecoach/testing/floor.py), stop first. The coach speaks with the real renderer at "
        f"{DEFAULT_RATE} words a minute; the person answers each request after their reaction time; the coach's "
        "reply to a take comes at most the given time after the take ends (the loop's own: the segment's end, "
        "0.45 s of quiet, up to 0.5 s more when the general recognizer commits nothing in it, and the embedding's "
        f"time). Target: at most {TARGET_S:.0f} s for the commands (the words after them came later, and take "
        "longer). Heard back: of the commands, said by the same voice at "
        f"{HEARD_WPM} words a minute (the takes at 160 and 175), each in quiet, how many the learned takes alone "
        "hear (an EnrolledRecognizer whose general recognizer listens for no command). The voices are espeak-ng "
        "training voices, among those stop's hearing (voicecoach/asr/enrolled/stop_over.py) was tuned on "
        "(STOP-OVER-TUNING.md): these figures say the conversation works, not how well stop is heard in a voice it "
        "was not tuned on.",
        "",
        "| person's voice | reaction | reply within | from the first word to the last | to the commands' end | "
        "takes of commands | words | asked again | heard back |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Stop over the coach's voice",
        "",
        "As loud as in the table above; the coach's voice reaches the microphone at a tenth of the person's, and "
        "the echo canceller has the loudspeaker's audio. Stopped: in how many runs the enrolment stopped there, "
        "before any other take was asked for.",
        "",
        f"**Over the first line** (\"{FIRST_STOP}\", before stop is learned), at {len(STOP_FIRST_AT)} moments "
        f"{STOP_FIRST_AT[0]:g} to {STOP_FIRST_AT[-1]:g} s into it, the person saying nothing else: the line asks for "
        "stop, so a stop over it is no end (voicecoach/asr/enrolled/conversation.py); nor is it a take, since a "
        "take begins after the coach's words.",
        "",
        "| person's voice | ended | became a take |",
        "|---|---|---|",
        *[f"| {voice} | {e} of {len(STOP_FIRST_AT)} | {t} of {len(STOP_FIRST_AT)} |"
          for voice, (e, t) in zip(voices, first, strict=True)],
        "",
        f"**Over the coach's lines once stop is learned**: at {len(STOP_LATER_AT)} moments {STOP_LATER_AT[0]:g} "
        f"to {STOP_LATER_AT[-1]:g} s into \"{STOP_LEARNED}\" (about 6.3 s), with \"Start bridge.\" still to say "
        "(the floor starts it once the person has been silent for the reply time, so the latest moments fall in "
        "the pause between the two lines). With the takes: as `voicecoach enroll` runs, the person's two stop "
        "takes hear speech begun over the coach (or in such a pause) too. General alone: the same runs without "
        "them.",
        "",
        "| person's voice | stopped, with the takes | stopped, general recognizer alone |",
        "|---|---|---|",
        *[f"| {voice} | {a} of {len(STOP_LATER_AT)} | {b} of {len(STOP_LATER_AT)} |"
          for voice, (a, b) in zip(voices, later, strict=True)],
        "",
        f"**Stop instead of a take**: for each command after stop, a run where the person says \"stop\" (at "
        f"{HEARD_WPM} words a minute) when that command's first take is asked for. Stopped: the enrolment ended "
        "there, keeping the takes before it (else the \"stop\" became a take of the command).",
        "",
        "| person's voice | stopped, with the takes | stopped, general recognizer alone |",
        "|---|---|---|",
        *[f"| {voice} | {a} of {n} | {b} of {n} |" for voice, ((a, n), (b, _)) in zip(voices, instead, strict=True)],
        "",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
