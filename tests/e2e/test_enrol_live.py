"""`voicecoach enroll` by voice on the live loop: a simulated floor (voicecoach.testing.floor) on its own sample
clock, the person's takes synthesized by espeak-ng, and everything else real: LiveLoop, the hearing path with its
echo canceller, PocketSphinx hearing "stop", the speech embedding and the matcher."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from voicecoach.asr.embedding import SpeechEmbedding
from voicecoach.asr.enrolled import profile
from voicecoach.asr.enrolled.conversation import STOP_LEARNED
from voicecoach.asr.enrolled.enrol import enrol_take
from voicecoach.asr.enrolled.matcher import Matcher, Take
from voicecoach.asr.enrolled.recognizer import EnrolledRecognizer
from voicecoach.asr.enrolled.stop_over import StopOver
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.errors import MicrophoneLost
from voicecoach.cli import main as cli_main
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrol_by_voice
from voicecoach.testing import speech
from voicecoach.testing.floor import RATE, Floor
from voicecoach.testing.microphone import FedMicrophone

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed"),
]

VOICE = "en-us"  # a training voice: the benchmark's held-out voices are never used here
COACH_VOICE = "en-gb"


@functools.cache
def embedding() -> SpeechEmbedding:
    return SpeechEmbedding()


def make_take(phrase: str, name: str, audio: speech.Audio) -> Take:
    return enrol_take(embedding(), phrase, name, audio)


def coach_voice(text: str) -> speech.Audio:
    return speech.synthesize(text, COACH_VOICE, 175)


def said(phrase: str, wpm: int) -> speech.Audio:
    return speech.synthesize(phrase, VOICE, wpm)


def two_takes(*phrases: str) -> list[speech.Audio | None]:
    """Each phrase said twice, a little faster the second time, as a person asked to say it again."""
    return [said(phrase, wpm) for phrase in phrases for wpm in (160, 175)]


def enrol(grammar: Grammar, phrases: Sequence[str], answers: Sequence[speech.Audio | None],
          echo_gain: float = 0.1, reaction: float = 0.6) -> tuple[Floor, list[Take]]:
    floor = Floor(answers, coach_voice, echo_gain=echo_gain, reaction=reaction, steady=True)
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    enrolled = enrol_by_voice(phrases, make_take, general, grammar, floor.microphone(), floor.open_speaker,
                              EchoCanceller(RATE), clock=floor.clock, print_fn=lambda text: None)
    assert enrolled.failure is None
    return floor, enrolled.takes


def heard_by(takes: Sequence[Take], audio: speech.Audio) -> list[str]:
    """What an EnrolledRecognizer with these takes commits in `audio`, around a PocketSphinx that listens for
    another command only: what it commits, the takes alone heard."""
    recognizer = EnrolledRecognizer(PocketSphinxRecognizer(["list exercises"]), Matcher(takes), embedding())
    pcm = audio.astype("<i2").tobytes()
    found = [recognizer.accept(pcm[at:at + 3200]) for at in range(0, len(pcm), 3200)]
    return [d.text for chunk in [*found, recognizer.flush()] for d in chunk]


def test_a_spoken_enrolment_learns_takes_that_then_hear_the_voice(grammar: Grammar, tmp_path: Path) -> None:
    phrases = ["next", "how long", "start bridge"]
    floor, takes = enrol(grammar, phrases, two_takes(*phrases))
    assert [t.name for t in takes] == ["next-1", "next-2", "how_long-1", "how_long-2", "start_bridge-1",
                                       "start_bridge-2"], floor.said()
    assert floor.said()[-1] == "Done. I learned 3 commands."
    profile.save(tmp_path, takes)
    learned = profile.load(tmp_path)
    assert learned is not None
    for phrase in phrases:  # at another pace than either take
        assert heard_by(learned, speech.pad(said(phrase, 140), 0.8, 2.0)) == [phrase]


def test_a_silent_take_is_asked_again(grammar: Grammar) -> None:
    floor, takes = enrol(grammar, ["next"], [None, *two_takes("next")])
    assert "I did not hear anything. Please say next once more." in floor.said()
    assert [t.name for t in takes] == ["next-1", "next-2"]


def test_the_silence_is_timed_on_the_microphones_clock(grammar: Grammar) -> None:
    # The floor hands out its audio far faster than real time: a timer the loop waited for in wall time alone
    # fired tens of seconds of audio late. On the microphone's clock it fires on the loop's thread, which a
    # loaded machine (the suite on every core) lets lag some blocks behind a microphone that never waits: 8.75 s
    # was seen there. A real microphone gives no audio faster than real time.
    floor, _ = enrol(grammar, ["next"], [None, *two_takes("next")])
    request, again = floor.lines[1], floor.lines[2]
    assert (request.text, again.text) == ("Next.", "I did not hear anything. Please say next once more.")
    silence = (again.start - request.end) / RATE
    assert 8.0 <= silence < 9.5, f"asked again {silence:.2f} s after the request, not 8 s"


def test_the_coachs_own_voice_is_never_a_take(grammar: Grammar) -> None:
    # The loudspeaker as loud at the microphone as the person would be, and the person silent throughout.
    floor, takes = enrol(grammar, ["next"], [None, None], echo_gain=1.0)
    assert takes == []
    assert floor.said()[-2:] == ["Let us move on.", "Done. I learned 0 commands."], floor.said()


def test_a_clipped_take_is_asked_again_in_plain_words(grammar: Grammar) -> None:
    shouted = speech.to_int16(np.clip(said("next", 160) * 8.0 / 32767, -1.0, 1.0))
    floor, takes = enrol(grammar, ["next"], [shouted, *two_takes("next")])
    assert ("I could not use that: it is clipped (too loud); say it a little further from the microphone. "
            "Please say next once more.") in floor.said()
    assert [t.name for t in takes] == ["next-1", "next-2"]


def test_stop_in_the_middle_keeps_the_takes_so_far(grammar: Grammar) -> None:
    # Stop is not enrolled here, so PocketSphinx alone must hear it. With the coach's shorter lines the same "stop"
    # falls elsewhere on the microphone's blocks, and PocketSphinx missed it said 0.6, 1.0 or 1.2 s after the
    # coach's "Again." (it became a take of how long); it heard it at 0.8 s, the run kept here.
    floor, takes = enrol(grammar, ["next", "how long", "skip"],
                         [*two_takes("next"), said("how long", 160), said("stop", 160)], reaction=0.8)
    assert [t.name for t in takes] == ["next-1", "next-2", "how_long-1"], floor.said()
    assert floor.said()[-1] == "Stopped. I learned 1 command; 1 more needs a second take so far."
    assert not any("skip" in line for line in floor.said())


@contextlib.contextmanager
def on_the_floor(floor: Floor) -> Iterator[cli_main.LiveAudio]:
    yield cli_main.LiveAudio(floor.microphone(), floor.open_speaker, EchoCanceller(RATE), floor.clock)


def test_enroll_stop_redoes_only_stop(grammar: Grammar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    old = [make_take(phrase, f"{phrase.replace(' ', '_')}-{i}", said(phrase, wpm))
           for phrase in ("stop", "how long") for i, wpm in ((1, 150), (2, 165), (3, 180))]
    profile.save(tmp_path, old)
    floor = Floor([said("stop", 140), said("stop", 190)], coach_voice, steady=True)
    monkeypatch.setattr(cli_main, "live_audio", lambda *args, **kwargs: on_the_floor(floor))
    assert cli_main.main(["enroll", "stop", "--profile", str(tmp_path), "--asr", "pocketsphinx"]) == 0, \
        capsys.readouterr()
    assert floor.said()[-1] == "Done. I learned 1 command."
    now = profile.load(tmp_path)
    assert now is not None
    assert sorted(t.name for t in now) == ["how_long-1", "how_long-2", "how_long-3", "stop-1", "stop-2"]
    kept = {t.name: t.frames for t in now}
    for take in old:
        if take.phrase == "how long":
            assert np.array_equal(kept[take.name], take.frames)
        elif take.name != "stop-3":  # stop's takes are the new ones, said at other paces
            assert not np.array_equal(kept[take.name], take.frames)


def test_stop_over_the_coachs_voice_ends_the_enrolment_and_keeps_the_takes(grammar: Grammar) -> None:
    shouted = speech.to_int16(np.clip(said("how long", 160) * 8.0 / 32767, -1.0, 1.0))
    again = ("I could not use that: it is clipped (too loud); say it a little further from the microphone. "
             "Please say how long once more.")
    # The same audio every run: "stop" over the coach's voice is heard about 7 times in 10 (how it falls against
    # the coach's words and the microphone's blocks), and this is one of those.
    floor = Floor([*two_takes("next"), shouted], coach_voice, interruptions={again: said("stop", 160)},
                  steady=True)
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    takes = enrol_by_voice(["next", "how long", "skip"], make_take, general, grammar, floor.microphone(),
                           floor.open_speaker, EchoCanceller(RATE), clock=floor.clock, print_fn=lambda text: None)
    assert [t.name for t in takes.takes] == ["next-1", "next-2"] and takes.failure is None, floor.said()
    assert floor.said()[-2:] == [again, "Stopped. I learned 1 command so far."]
    [line] = [line for line in floor.lines if line.text == again]
    assert line.end - line.start < len(line.audio) - RATE, "the coach broke off its sentence when it heard stop"


def test_a_lost_microphone_ends_the_enrolment_and_keeps_the_takes(grammar: Grammar, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    old = [make_take(phrase, f"{phrase.replace(' ', '_')}-{i}", said(phrase, wpm))
           for phrase in ("stop", "how long") for i, wpm in ((1, 150), (2, 180))]
    profile.save(tmp_path, old)
    floor = Floor(two_takes("how long"), coach_voice)
    lost = []

    def read() -> bytes:
        if not lost and floor.said()[-1:] == ["Again."]:  # the first take learned, the second asked for
            lost.append(floor.pos)
            raise MicrophoneLost("no callback for 1.2 s: the microphone stopped")  # as Microphone.read does
        return floor.read()

    microphone = FedMicrophone(read, reopen=lambda: None, sample_at=floor.microphone().sample_at)

    @contextlib.contextmanager
    def losing(*args: object, **kwargs: object) -> Iterator[cli_main.LiveAudio]:
        yield cli_main.LiveAudio(microphone, floor.open_speaker, EchoCanceller(RATE), floor.clock)

    monkeypatch.setattr(cli_main, "live_audio", losing)
    code = cli_main.main(["enroll", "how", "long", "--profile", str(tmp_path), "--asr", "pocketsphinx"])
    out, err = capsys.readouterr()
    assert code == 1 and lost, (out, err, floor.said())
    assert floor.said()[-1] == "I lost the microphone, so I stop here and keep what I learned so far."
    assert err.strip().splitlines()[-1] == (
        "voicecoach: the microphone was lost during the enrolment; the take learned is saved. Check the "
        "microphone (`voicecoach devices`), then run `voicecoach enroll` again")
    # The take learned is kept beside the old ones (a command is redone only by two new takes), none is harmed.
    now = profile.load(tmp_path)
    assert now is not None
    assert sorted(t.name for t in now) == ["how_long-1", "how_long-2", "how_long-3", "stop-1", "stop-2"]
    kept = {t.name: t.frames for t in now}
    assert all(np.array_equal(kept[take.name], take.frames) for take in old)


def test_stop_said_as_its_take_is_learned_and_does_not_stop_the_enrolment(grammar: Grammar) -> None:
    floor, takes = enrol(grammar, ["stop", "next"], two_takes("stop", "next"))
    assert [t.name for t in takes] == ["stop-1", "stop-2", "next-1", "next-2"], floor.said()
    assert floor.said()[-1] == "Done. I learned 2 commands."


def enrol_hearing_stop(grammar: Grammar, floor: Floor) -> list[Take]:
    """`voicecoach enroll` of next, stop and how long (stop asked first) on `floor`, stop heard by its takes too."""
    general = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    enrolled = enrol_by_voice(["next", "stop", "how long"], make_take, general, grammar, floor.microphone(),
                              floor.open_speaker, EchoCanceller(RATE), clock=floor.clock,
                              print_fn=lambda text: None, hears_stop=StopOver(embedding()))
    assert enrolled.failure is None, floor.said()
    return enrolled.takes


@pytest.mark.parametrize("at", [0.3, 1.8])
def test_stop_over_the_coach_once_stop_is_learned_is_heard_by_the_persons_takes(grammar: Grammar, at: float) -> None:
    # PocketSphinx alone missed both of these (the floor then ran on to the next request).
    floor = Floor(two_takes("stop"), coach_voice, interruptions={STOP_LEARNED: said("stop", 160)}, interrupt_at=at,
                  steady=True, limit=60.0)
    takes = enrol_hearing_stop(grammar, floor)
    assert [t.name for t in takes] == ["stop-1", "stop-2"]
    assert floor.said()[-2:] == [STOP_LEARNED, "Stopped. I learned 1 command so far."], "no request after it"
    if at < 1.0:  # at 1.8 s the "stop" goes on past the end of the line
        [line] = [line for line in floor.lines if line.text == STOP_LEARNED]
        assert line.end - line.start < len(line.audio), "the coach broke off its sentence when it heard stop"


def test_stop_said_instead_of_a_take_once_stop_is_learned_ends_it(grammar: Grammar) -> None:
    floor = Floor([*two_takes("stop"), said("stop", 140)], coach_voice, steady=True, limit=60.0)
    takes = enrol_hearing_stop(grammar, floor)
    assert [t.name for t in takes] == ["stop-1", "stop-2"]
    assert floor.said()[-3:] == [STOP_LEARNED, "Next.", "Stopped. I learned 1 command so far."]
