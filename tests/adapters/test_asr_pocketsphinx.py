"""Real espeak-ng speech through the real PocketSphinx recognizer: recall, rejection, self-hearing, barge-in."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np
import pytest

from voicecoach.asr import VocabularyError
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer, SphinxSettings
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech
from voicecoach.testing.asr_eval import (
    BARGE_IN,
    COACH_SENTENCES,
    COACH_VOICE,
    COACH_WPM,
    HOMOPHONES,
    PHRASES,
    SOUND_ALIKES,
    VOICES,
    Clip,
    Outcome,
    article_sentences,
    command_clips,
    per_phrase_recall,
    report,
    sentence_clips,
    stream,
    stream_parallel,
)

# Measured floors: the tests fail if recognition gets worse than today. Measured on the full corpus
# (735 clips per condition = 35 phrases x 7 espeak-ng voices x 3 speeds): recall clean 84.4 % (620/735),
# at 10 dB white noise 61.4 % (451/735); false triggers on non-commands 6.7 % (12/179: "stopped" 4 times,
# "wade" 2, "backs" 2, "text", "bridges", "helpful", "pose"), leaving out the exact homophone "pane" (heard
# as "pain"). The British variants of "stop" (accents.py) cost the four "stopped", the vocalized L of "help"
# cost "helpful", the TRAP vowel of "back" one "backs" (heard as "back"; it also took clean recall from 82.4 %
# to 84.4 %); WebRTC noise suppression took 10 dB recall from 33.5 % to 50.2 %, and a costlier phone loop in
# steady noise (SphinxSettings.steady_phone_weight) from 52.0 % to 61.4 %; voicing twins as decoys took
# "wade" from 3 to 2. Then "stop stop", "stop please" and "please stop" became phrases of stop (38 phrases,
# 798 clips), which turned wrong commands that start or resume an exercise into stop: at 10 dB recall 58.1 %
# (464/798; the 735 earlier clips 451 -> 441, "start bridge" heard as "stop please" in white noise), false
# triggers 7.3 % (13/179: "stopping" and "starting" in en-029 as "stop please"). Then "ouch", "that really hurts"
# and "my back hurts" became phrases of it hurts (41 phrases), then "hold on" and "hang on" of pause (43), and the
# floors held. Each floor sits a little below (above, for the ceiling) its measurement. The project targets
# (recall >= 98 % clean, >= 95 % at 10 dB, false triggers <= 1 %) are the strict xfail tests below.
RECALL_FLOOR_CLEAN = 0.83
RECALL_FLOOR_10DB = 0.57
FALSE_TRIGGER_CEILING = 0.075

needs_espeak = pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed")


def _suppressing(level: int) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(list(PHRASES), settings=SphinxSettings(noise_suppression=level))


def make_recognizer(phrases: Sequence[str] = tuple(PHRASES)) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(list(phrases))


def _rate(outcomes: Sequence[Outcome]) -> float:
    return sum(o.correct for o in outcomes) / len(outcomes)


def _summary(outcomes: Sequence[Outcome]) -> str:
    weak = {p: r for p, r in per_phrase_recall(outcomes).items() if r < 1.0}
    return "per-phrase recall below 100 %: " + ", ".join(f"{p!r} {r:.0%}" for p, r in sorted(weak.items()))


@pytest.fixture(scope="module")
def clean_outcomes() -> list[Outcome]:
    return stream_parallel(make_recognizer, command_clips(None))


@pytest.fixture(scope="module")
def noisy_outcomes() -> list[Outcome]:
    return stream_parallel(make_recognizer, command_clips(10.0))


@pytest.fixture(scope="module")
def negative_outcomes() -> list[Outcome]:
    alikes = [w for w in SOUND_ALIKES if w not in HOMOPHONES]
    clips = sentence_clips(article_sentences(30), ["en-us", "en-gb"]) + sentence_clips(alikes, VOICES)
    return stream_parallel(make_recognizer, clips)


pytestmark = [needs_espeak]


@pytest.mark.audio
def test_recall_clean_above_floor(clean_outcomes: list[Outcome]) -> None:
    recall = _rate(clean_outcomes)
    message = f"clean recall {recall:.1%}\n{_summary(clean_outcomes)}\n{report(clean_outcomes)}"
    assert recall >= RECALL_FLOOR_CLEAN, message


@pytest.mark.audio
@pytest.mark.xfail(reason="PocketSphinx en-us on espeak-ng voices: measured recall well below 98 %", strict=True)
def test_recall_clean_meets_target(clean_outcomes: list[Outcome]) -> None:
    assert _rate(clean_outcomes) >= 0.98, _summary(clean_outcomes)


@pytest.mark.audio
def test_recall_10db_above_floor(noisy_outcomes: list[Outcome]) -> None:
    recall = _rate(noisy_outcomes)
    assert recall >= RECALL_FLOOR_10DB, f"10 dB recall {recall:.1%}\n{_summary(noisy_outcomes)}"


@pytest.mark.audio
@pytest.mark.xfail(reason="PocketSphinx in 10 dB white noise: measured recall far below 95 %", strict=True)
def test_recall_10db_meets_target(noisy_outcomes: list[Outcome]) -> None:
    assert _rate(noisy_outcomes) >= 0.95, _summary(noisy_outcomes)


@pytest.mark.audio
def test_commands_commit_once_and_never_as_another_command(clean_outcomes: list[Outcome]) -> None:
    # Missing a command is a recall problem; committing a different one, or twice, is worse.
    wrong = [o for o in clean_outcomes if o.detections and [d.text for d in o.detections] != [o.clip.expect]]
    assert len(wrong) <= 0.05 * len(clean_outcomes), report(wrong)


@pytest.mark.audio
def test_non_commands_rarely_trigger(negative_outcomes: list[Outcome]) -> None:
    false = 1 - _rate(negative_outcomes)
    assert false <= FALSE_TRIGGER_CEILING, f"false triggers {false:.1%}\n{report(negative_outcomes)}"


@pytest.mark.audio
@pytest.mark.xfail(reason="measured false-trigger rate on non-commands is above 1 %", strict=True)
def test_non_commands_meet_target(negative_outcomes: list[Outcome]) -> None:
    assert 1 - _rate(negative_outcomes) <= 0.01, report(negative_outcomes)


# A command, a comma and more words: the early commit (after 0.09 s of quiet when nothing restricts the
# recognizer, for latency) takes it. While the coach speaks the first pause is 0.15 s, and it does not.
# "Next," joined when the decision began to level each segment (SphinxSettings.decode_level).
COMMAND_THEN_COMMA = ("If it hurts, stop and rest for a while.", "Next, we do the bridge.")


def _coach_clips(sentences: list[str] = COACH_SENTENCES) -> list[Clip]:
    return sentence_clips(sentences, [COACH_VOICE], wpm=COACH_WPM)


@pytest.mark.audio
@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
def test_coach_sentences_never_trigger(restricted: bool) -> None:
    rec = make_recognizer()
    if restricted:
        rec.restrict(BARGE_IN)
    sentences = COACH_SENTENCES if restricted else [t for t in COACH_SENTENCES if t not in COMMAND_THEN_COMMA]
    outcomes = stream(rec, _coach_clips(sentences))
    assert all(o.correct for o in outcomes), report(outcomes)


@pytest.mark.audio
@pytest.mark.xfail(reason="measured: a command word, then a comma's pause, commits it early when nothing restricts "
                   "the recognizer; the coach's own content never does this (test_self_hearing)", strict=True)
@pytest.mark.parametrize("sentence", COMMAND_THEN_COMMA)
def test_command_word_before_a_comma_does_not_commit(sentence: str) -> None:
    outcomes = stream(make_recognizer(), _coach_clips([sentence]))
    assert all(o.correct for o in outcomes), report(outcomes)


@pytest.mark.audio
@pytest.mark.parametrize(
    "coach_text",
    [
        "Lie down with your back towards the floor.",
        pytest.param(
            "Hold for five seconds, and keep breathing slowly.",
            marks=pytest.mark.xfail(reason="measured: the live decoder, starting cold on the stream's first "
                                    "segment, hears 'steep'", strict=True),
        ),
    ],
)
def test_stop_over_the_coach_barges_in(coach_text: str) -> None:
    """An isolated "stop", louder than the loudspeaker, said while the coach talks, commits in restricted mode."""
    coach = speech.synthesize(coach_text, COACH_VOICE, COACH_WPM)
    stop = speech.synthesize("stop", "en-gb", 160)
    stop = speech.scale_to_rms(stop, speech.active_rms(coach) * 10 ** (9 / 20))  # the person is 9 dB louder
    at = 0.5 + 0.4 * len(coach) / speech.RATE
    audio = speech.timeline([(0.5, coach), (at, stop)], seconds=1.5 + len(coach) / speech.RATE)
    rec = make_recognizer()
    rec.restrict(BARGE_IN)
    got = stream(rec, [Clip(audio, "stop", f"stop over {coach_text!r}")])[0]
    assert [d.text for d in got.detections] == ["stop"]
    assert got.detections[0].t >= at


@pytest.mark.audio
@pytest.mark.parametrize("said", ["stop stop", "stop please", "please stop"])
def test_stop_said_twice_or_politely_is_stop(said: str) -> None:
    """Before these were phrases, each was forced onto another command in 5 of 8 voices ("start cat", "start
    routine", "resume"): the coach began or resumed an exercise when asked to stop."""
    voices = [*VOICES, "en-gb-scotland"]
    clips = [Clip(speech.pad(speech.synthesize(said, v, 160)), said, f"{said!r} {v}") for v in voices]
    outcomes = stream(make_recognizer(), clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= STOPS, report(outcomes)
    assert len(committed) >= len(voices) - 1, report(outcomes)


STOPS = {"stop", "stop stop", "stop please", "please stop"}
MID_SESSION = frozenset(p for p in PHRASES if not p.startswith("start "))  # grammar.phrases_heard("running")


@pytest.mark.audio
def test_stop_that_mid_session_is_stop_never_start(grammar: Grammar) -> None:
    """Mid-session "start" is not listened for (listen_for), and "stop that" falls on stop or on nothing.

    Measured over 8 voices at 130, 160 and 190 wpm, one stream per speed: with every phrase in the search it
    committed "start cat", "start workout" or "start routine" in 18 of 24 clips and stop in 4; without the
    start phrases, start in none and stop in 12. Here 160 wpm: 7 starts, then 3 stops.
    """
    voices = [*VOICES, "en-gb-scotland"]
    clips = [Clip(speech.pad(speech.synthesize("stop that", v, 160)), "stop", f"'stop that' {v}") for v in voices]
    def shipped() -> PocketSphinxRecognizer:
        return PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)

    everything = [d.text for o in stream(shipped(), clips) for d in o.detections]
    assert any(text.startswith("start ") for text in everything), everything  # the hazard listen_for removes
    rec = shipped()
    rec.listen_for(grammar.phrases_heard("running"))
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= STOPS, report(outcomes)
    assert len(committed) >= 3, report(outcomes)


PAIN = {"it hurts", "that hurts", "pain", "ouch", "that really hurts", "my back hurts"}


@pytest.mark.audio
@pytest.mark.parametrize(("said", "at_least"), [("my back hurts", 7), ("that really hurts", 7),
                                                 ("it really hurts", 6), ("ouch", 3)])
def test_pain_said_other_ways_is_it_hurts(grammar: Grammar, said: str, at_least: int) -> None:
    """Before "ouch", "that really hurts" and "my back hurts" were phrases, "ouch" and "my back hurts" were heard
    in none of 24 clips, and "it really hurts" twice as "previous": the coach went on counting (grammar/)."""
    voices = [*VOICES, "en-gb-scotland"]
    clips = [Clip(speech.pad(speech.synthesize(said, v, 160)), "it hurts", f"{said!r} {v}") for v in voices]
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    rec.listen_for(grammar.phrases_heard("running"))
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= PAIN, report(outcomes)
    assert len(committed) >= at_least, report(outcomes)


@pytest.mark.audio
@pytest.mark.parametrize("said", ["hold on", "hang on"])
def test_hold_on_and_hang_on_pause(grammar: Grammar, said: str) -> None:
    """Before they were phrases, mid-session "hold on" committed "go back" or "how long" in 5 of 24 clips and
    "hang on" nothing; now pause in 17 and 19 of 24 (grammar/commands.toml). Here 160 wpm: 5 of 8 each."""
    voices = [*VOICES, "en-gb-scotland"]
    clips = [Clip(speech.pad(speech.synthesize(said, v, 160)), "pause", f"{said!r} {v}") for v in voices]
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    rec.listen_for(grammar.phrases_heard("running"))
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= {"hold on", "hang on"}, report(outcomes)
    assert len(committed) >= 4, report(outcomes)


@pytest.mark.audio
def test_listening_for_every_phrase_again_hears_start() -> None:
    clips = [Clip(speech.pad(speech.synthesize("start bridge", "en-us", 160)), "start bridge", "start bridge")]
    rec = make_recognizer()
    rec.listen_for(MID_SESSION)
    assert not any(d.text.startswith("start ") for o in stream(rec, clips) for d in o.detections)
    rec.listen_for(None)
    assert [d.text for o in stream(rec, clips) for d in o.detections] == ["start bridge"]


def test_listen_for_refuses_phrases_it_was_not_built_with() -> None:
    with pytest.raises(ValueError, match=r"listen_for\(\) got phrases .*'jump'"):
        make_recognizer().listen_for(frozenset({"stop", "jump"}))


@pytest.mark.audio
def test_restricted_mode_ignores_other_commands() -> None:
    rec = make_recognizer()
    rec.restrict(frozenset({"stop"}))
    clips = [Clip(speech.pad(speech.synthesize(p, "en-us", 160)), None, p) for p in ("next", "skip", "repeat")]
    outcomes = stream(rec, clips)
    assert all(o.correct for o in outcomes), report(outcomes)


@pytest.mark.audio
@pytest.mark.parametrize("chunk", [1, 333, 480, 4096, 16000])
def test_any_chunk_size_gives_the_same_commits(chunk: int) -> None:
    clips = [Clip(speech.pad(speech.synthesize(p, "en-us", 160)), p, p) for p in ("stop", "it hurts", "start bridge")]
    base = [[(d.t, d.text) for d in o.detections] for o in stream(make_recognizer(), clips, chunk=1600)]
    got = [[(d.t, d.text) for d in o.detections] for o in stream(make_recognizer(), clips, chunk=chunk)]
    assert got == base


@pytest.mark.audio
def test_noise_suppression_lifts_recall_in_white_noise() -> None:
    """The decoders hear WebRTC-suppressed audio; without it, a seventh of the 10 dB corpus loses commands."""
    clips = command_clips(10.0)[::7]

    def recall(level: int) -> float:
        return _rate(stream_parallel(functools.partial(_suppressing, level), clips))

    assert recall(2) >= recall(0) + 0.08


def _steady(weight: float | None) -> PocketSphinxRecognizer:
    settings = SphinxSettings()
    return PocketSphinxRecognizer(list(PHRASES), settings=dataclasses.replace(
        settings, steady_phone_weight=settings.phone_weight if weight is None else weight))


@pytest.mark.audio
def test_a_costlier_phone_loop_in_steady_noise_lifts_recall() -> None:
    """In white noise the consonants that tell a command from free phones are masked: the loop costs more there.

    Measured on these clips: 58.9 % with it, 54.3 % without (phone_weight 1e-9 everywhere); the gain was larger
    when phone_weight was 1e-8, as the steady weight's own outcome is the same either way."""
    clips = command_clips(10.0)[::7]
    costlier = _rate(stream_parallel(functools.partial(_steady, SphinxSettings().steady_phone_weight), clips))
    same = _rate(stream_parallel(functools.partial(_steady, None), clips))
    assert costlier >= same + 0.03, f"{costlier:.1%} with the costlier loop in steady noise, {same:.1%} without"


def _babble_clips(snr_db: float) -> list[Clip]:
    """Every phrase in two voices over four other synthesized talkers (sentences the other tests do not use)."""
    bed = speech.babble(30.0, article_sentences(60)[40:], ["en-us", "en-gb", "en+f3", "en-us+m3"], rms=3000.0, seed=3)
    clips = []
    for i, (voice, phrase) in enumerate((v, p) for v in ("en-us", "en-gb") for p in PHRASES):
        raw = speech.synthesize(phrase, voice, 160)
        noise = np.roll(bed, -i * 7919)
        clips.append(Clip(speech.add_noise(speech.pad(raw), noise, snr_db, speech_rms=speech.active_rms(raw)), phrase,
                          f"{phrase!r} {voice} in babble at {snr_db:g} dB"))
    return clips


def _lead_in(gain: float) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(list(PHRASES), settings=SphinxSettings(lead_in_gain=gain))


@pytest.mark.audio
def test_a_second_decision_without_the_babble_before_a_command_lifts_recall() -> None:
    """Other talkers just before a command were decoded as phones of the segment, and the command rejected."""
    clips = _babble_clips(15.0)
    with_gate = _rate(stream_parallel(functools.partial(_lead_in, 0.05), clips))
    without = _rate(stream_parallel(functools.partial(_lead_in, 1.0), clips))
    assert with_gate >= without + 0.05, f"{with_gate:.1%} with the second decision, {without:.1%} without"


@pytest.mark.audio
def test_a_command_in_the_faint_echo_the_canceller_leaves_is_heard() -> None:
    """The coach's voice 28 dB under the person's, just before and after the command, made the segment's speech
    so long that the command covered too little of it (SphinxSettings.coverage_within_db)."""
    coach = speech.synthesize("Slowly bring the buttocks back to the floor and relax.", COACH_VOICE, COACH_WPM)
    clips = []
    for phrase, voice in (("stop", "en-us"), ("wait", "en+f3"), ("pain", "en-gb")):
        said = speech.synthesize(phrase, voice, 160)
        echo = speech.scale_to_rms(coach, speech.active_rms(said) * 10 ** (-28 / 20))
        middle = len(echo) // 2
        clips.append(Clip(speech.pad(speech.concatenate([echo[:middle], said, echo[middle:]]), 0.6, 1.0), phrase,
                          voice))
    heard: dict[float, list[list[str]]] = {}
    for within in (SphinxSettings().coverage_within_db, 0.0):
        heard[within] = []
        for clip in clips:
            rec = PocketSphinxRecognizer(list(PHRASES), settings=SphinxSettings(coverage_within_db=within))
            rec.restrict(BARGE_IN)  # the loudspeaker plays
            heard[within].append([d.text for d in stream(rec, [clip])[0].detections])
    assert heard == {SphinxSettings().coverage_within_db: [["stop"], ["wait"], ["pain"]], 0.0: [[], [], []]}


def test_noise_suppression_level_is_checked() -> None:
    with pytest.raises(ValueError, match="noise_suppression must be 0"):
        PocketSphinxRecognizer(["stop"], settings=SphinxSettings(noise_suppression=5))


@pytest.mark.audio
def test_48khz_input_is_heard_as_well_as_16khz() -> None:
    """A microphone that only opens at 48 kHz: the recognizer resamples inside (a soxr stream).

    The stream's delay shifts every frame, which moves single marginal clips either way as any change in the
    decision sequence does; 48 kHz is not heard worse. Measured on the benchmark's commands said mid-session
    (696 clips): 571 right at 16 kHz, 573 at 48 kHz, 29 clips different each way. Here 2 voices, every phrase.
    """
    import soxr

    clips = command_clips(None, voices=["en-us", "en-gb"], speeds=[160])
    right16 = sum(o.correct for o in stream(make_recognizer(), clips))
    audio = np.concatenate([c.audio for c in clips]).astype(np.float32) / 32767.0
    audio48 = speech.to_int16(soxr.resample(audio, speech.RATE, 48000))
    rec = PocketSphinxRecognizer(list(PHRASES), sample_rate=48000)
    found = [d for piece in speech.chunks(audio48, 4800) for d in rec.accept(piece)] + rec.flush()
    ends = np.cumsum([len(c.audio) / speech.RATE for c in clips])
    heard: list[list[str]] = [[] for _ in clips]
    for d in found:
        heard[min(int(np.searchsorted(ends, d.t, side="right")), len(clips) - 1)].append(d.text)
    right48 = sum(h == [c.expect] for h, c in zip(heard, clips, strict=True))
    assert right48 >= 0.75 * len(clips), heard
    assert abs(right48 - right16) <= 4, (right16, right48)


@pytest.mark.audio
def test_commit_latency_is_short(clean_outcomes: list[Outcome]) -> None:
    lat = [o.detections[0].t - o.speech_end for o in clean_outcomes if o.correct]
    assert lat, "nothing was recognized"
    assert float(np.median(lat)) <= 0.5, f"median commit latency {np.median(lat):.2f} s after the end of speech"


@pytest.mark.audio
def test_a_phrase_commits_without_waiting_for_a_longer_one_that_means_the_same() -> None:
    """A phrase that may still grow ("start cat" into "start cat stretch") waits for `early_silence_any` (0.3 s)
    of quiet rather than `early_silence` (0.09 s), unless both start the same exercise. Measured: 0.21 s sooner."""
    clip = speech.pad(speech.synthesize("start cat", "en-us", 160))
    phrases = ["stop", "start cat", "start cat stretch", "next"]
    times = []
    for meaning in (None, {"start cat": "cat stretch", "start cat stretch": "cat stretch"}):
        rec = PocketSphinxRecognizer(phrases, meaning=meaning)
        heard = [d for c in speech.chunks(clip, 1600) for d in rec.accept(c)] + rec.flush()
        assert [d.text for d in heard] == ["start cat"]
        times.append(heard[0].t)
    assert times[1] <= times[0] - 0.15, times


def test_unknown_word_is_a_vocabulary_error() -> None:
    with pytest.raises(VocabularyError, match=r"'florbix'.*'start florbix'"):
        PocketSphinxRecognizer(["stop", "start florbix"])


def test_restrict_refuses_unknown_phrases() -> None:
    rec = make_recognizer(["stop", "next"])
    with pytest.raises(ValueError, match="jump"):
        rec.restrict(frozenset({"jump"}))


def test_silence_yields_nothing() -> None:
    rec = make_recognizer()
    out = rec.accept(speech.silence(3.0).tobytes()) + rec.flush()
    assert out == []
