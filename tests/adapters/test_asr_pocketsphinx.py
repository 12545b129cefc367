"""Real espeak-ng speech through the real PocketSphinx recognizer, a handful of clips per behaviour: commands heard,
other speech rejected, the coach's own sentences ignored, barge-in over it.

Corpus-wide recall and false triggers are measured by `python -m benchmarks` (BENCHMARKS.md, against the project's
targets in benchmarks/targets.py); each tuning setting as shipped and off by `python -m benchmarks.tuning`
(benchmarks/TUNING.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from benchmarks.corpus import HOMOPHONES, SOUND_ALIKES, VOICES, article_sentences
from benchmarks.streaming import PHRASES, Clip, Outcome, report, sentence_clips, shipped_grammar, stream
from benchmarks.tuning import faint_echo_commands
from voicecoach.asr import VocabularyError
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer, SphinxSettings
from voicecoach.core.grammar import Grammar
from voicecoach.testing import speech

needs_espeak = pytest.mark.skipif(not speech.espeak_available(), reason="espeak-ng is not installed")
pytestmark = [needs_espeak]

BARGE_IN = shipped_grammar().barge_in_phrases()
COACH_VOICE, COACH_WPM = "en-us", 150
COACH_SENTENCES = [
    "Next, we do the bridge.",
    "Say stop at any time, or pause if you need a rest.",
    "Hold for five seconds.",
    "Repeat the exercise three times.",
    "Now the knee to chest stretch. Lie down with your back towards the floor.",
    "If it hurts, stop and rest for a while.",
    "Slowly breathe in, and breathe out. Keep going.",
    "Good. Now relax and wait for the next one.",
    "We will start with pelvic tilts. Then the cat stretch.",
    "That was the last one. Well done, you can rest now.",
]


def make_recognizer(phrases: Sequence[str] = tuple(PHRASES)) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(list(phrases))


def spoken(phrase: str, voice: str, snr_db: float | None = None, seed: int = 0) -> Clip:
    """`phrase` at 160 wpm with a person's pauses around it, in white noise at `snr_db` if given."""
    raw = speech.synthesize(phrase, voice, 160)
    audio = speech.pad(raw, 0.6, 1.0)
    if snr_db is not None:
        audio = speech.add_white_noise(audio, snr_db, seed=seed, speech_rms=speech.active_rms(raw))
    return Clip(audio, phrase, f"{phrase!r} {voice}" + ("" if snr_db is None else f" at {snr_db:g} dB"))


def right(outcomes: Sequence[Outcome]) -> int:
    return sum(o.correct for o in outcomes)


# Every phrase twice, each time by another of the eight voices (rotating), at one speed: a sample of the benchmark's
# clean command clips that touches every phrase and every voice.
CLEAN = [(phrase, VOICES[(i + shift) % len(VOICES)]) for shift in (0, 3) for i, phrase in enumerate(PHRASES)]


@pytest.fixture(scope="module")
def clean_outcomes() -> list[Outcome]:
    return stream(make_recognizer(), [spoken(phrase, voice) for phrase, voice in CLEAN])


@pytest.mark.audio
def test_commands_are_heard(clean_outcomes: list[Outcome]) -> None:
    """Measured: 72 of 86 (the benchmark's 1032 clean clips: 85.9 %, BENCHMARKS.md)."""
    assert right(clean_outcomes) >= 68, report(clean_outcomes)


@pytest.mark.audio
def test_commands_commit_once_and_rarely_as_another_command(clean_outcomes: list[Outcome],
                                                            grammar: Grammar) -> None:
    # Missing a command is a recall problem; committing a different one, or twice, is worse. Measured: 1 of 86
    # ("start cat" as "start workout" in en+f3).
    wrong = [o for o in clean_outcomes
             if len(o.detections) > 1 or any(grammar.match(d.text) != grammar.match(o.clip.expect or "")
                                              for d in o.detections)]
    assert len(wrong) <= 2, report(wrong)


@pytest.mark.audio
def test_commit_latency_is_short(clean_outcomes: list[Outcome]) -> None:
    lat = [o.detections[0].t - o.speech_end for o in clean_outcomes if o.correct]
    assert float(np.median(lat)) <= 0.5, f"median commit latency {np.median(lat):.2f} s after the end of speech"


@pytest.mark.audio
def test_commands_are_heard_in_white_noise() -> None:
    """Every phrase once, the voice rotating, at 10 dB SNR. Measured: 24 of 43 (the benchmark: BENCHMARKS.md)."""
    clips = [spoken(phrase, VOICES[(i + 1) % len(VOICES)], 10.0, seed=i) for i, phrase in enumerate(PHRASES)]
    outcomes = stream(make_recognizer(), clips)
    assert right(outcomes) >= 20, report(outcomes)


@pytest.mark.audio
def test_other_speech_rarely_commits() -> None:
    """The sound-alikes (exact homophones left out) by two voices, and six sentences of the article. Measured: 3 of
    42 commit ("nest", "stopped" and "wade" in en-gb; the benchmark's false triggers: BENCHMARKS.md)."""
    alikes = [w for w in SOUND_ALIKES if w not in HOMOPHONES]
    clips = sentence_clips(alikes, ["en-us", "en-gb"]) + sentence_clips(article_sentences(6), ["en-us"])
    outcomes = stream(make_recognizer(), clips)
    assert len(clips) - right(outcomes) <= 4, report(outcomes)
    assert all(o.correct for o in outcomes[-6:]), report(outcomes[-6:])  # ordinary sentences never


# A command, a comma and more words: the early commit (after 0.09 s of quiet when nothing restricts the
# recognizer, for latency) takes it. While the coach speaks the first pause is 0.15 s, and it does not.
# "Next," joined when the decision began to level each segment (SphinxSettings.decode_level).
COMMAND_THEN_COMMA = ("If it hurts, stop and rest for a while.",)  # "Next, we do the bridge." no longer commits


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
    voices = VOICES
    clips = [Clip(speech.pad(speech.synthesize(said, v, 160)), said, f"{said!r} {v}") for v in voices]
    outcomes = stream(make_recognizer(), clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= STOPS, report(outcomes)
    assert len(committed) >= len(voices) - 1, report(outcomes)


STOPS = {"stop", "stop stop", "stop please", "please stop", "stop it", "stop that"}


@pytest.mark.audio
def test_stop_that_mid_session_is_stop_never_start(grammar: Grammar) -> None:
    """Mid-session "start NAME" is listened for (to switch exercise by voice), so "stop that" must fall on stop.

    Before "stop that" was a phrase of stop, it committed "start cat" or "start workout" in 5 of 8 voices at
    160 wpm with the running mode's phrases (stop in 1): asked to stop, the coach would have begun another
    exercise.
    """
    clips = [Clip(speech.pad(speech.synthesize("stop that", v, 160)), "stop", f"'stop that' {v}") for v in VOICES]
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    running = grammar.phrases_heard("running")
    assert any(p.startswith("start ") for p in running)  # the hazard: switching by voice listens for start
    rec.listen_for(running)
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= STOPS, report(outcomes)
    assert len(committed) >= len(VOICES) - 1, report(outcomes)


PAIN = {"it hurts", "that hurts", "pain", "ouch", "that really hurts", "my back hurts"}


@pytest.mark.audio
@pytest.mark.parametrize(("said", "at_least"), [("my back hurts", 7), ("that really hurts", 7),
                                                 ("it really hurts", 6), ("ouch", 3)])
def test_pain_said_other_ways_is_it_hurts(grammar: Grammar, said: str, at_least: int) -> None:
    """Before "ouch", "that really hurts" and "my back hurts" were phrases, "ouch" and "my back hurts" were heard
    in none of 24 clips, and "it really hurts" twice as "previous": the coach went on counting (grammar/)."""
    voices = VOICES
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
    voices = VOICES
    clips = [Clip(speech.pad(speech.synthesize(said, v, 160)), "pause", f"{said!r} {v}") for v in voices]
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    rec.listen_for(grammar.phrases_heard("running"))
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= {"hold on", "hang on"}, report(outcomes)
    assert len(committed) >= 4, report(outcomes)


@pytest.mark.audio
def test_say_more_is_heard_right_after_help_and_nothing_mid_session(grammar: Grammar) -> None:
    """Right after help ("Say more for the rest.") the coach listens for "more" and "say more" too: "say more" in 8
    of 8 voices at 160 wpm when this was written. Mid-session the same words commit no command at all."""
    clips = [Clip(speech.pad(speech.synthesize("say more", v, 160)), "more", f"'say more' {v}") for v in VOICES]
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    rec.listen_for(grammar.phrases_heard("running after help"))
    outcomes = stream(rec, clips)
    committed = [d.text for o in outcomes for d in o.detections]
    assert set(committed) <= {"more", "say more"} and len(committed) >= 6, report(outcomes)
    rec = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
    rec.listen_for(grammar.phrases_heard("running"))
    outcomes = stream(rec, clips)
    assert [d.text for o in outcomes for d in o.detections] == [], report(outcomes)


@pytest.mark.audio
def test_listening_for_every_phrase_again_hears_start() -> None:
    clips = [Clip(speech.pad(speech.synthesize("start bridge", "en-us", 160)), "start bridge", "start bridge")]
    rec = make_recognizer()
    rec.listen_for(frozenset(p for p in PHRASES if not p.startswith("start ")))
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
def test_a_command_in_the_faint_echo_the_canceller_leaves_is_heard() -> None:
    """The coach's voice 28 dB under the person's, just before and after the command, made the segment's speech
    so long that the command covered too little of it (SphinxSettings.coverage_within_db: with it off, none of
    these is heard; benchmarks/TUNING.md)."""
    heard = []
    for clip in faint_echo_commands(every=1):
        rec = make_recognizer()
        rec.restrict(BARGE_IN)  # the loudspeaker plays
        heard.append([d.text for d in stream(rec, [clip])[0].detections])
    assert heard == [["stop"], ["wait"], ["it hurts"]]


# Everyday sentences that sound like a command of several words, each in a tuning voice that heard it as that command
# when the second opinion was off (SphinxSettings.evidence_factor 1); the command itself still commits.
EVERYDAY_NEAR_MISSES = [
    ("what can you say", "what can i say", "en-gb-scotland"),
    ("what exercise is that", "what exercises", "en-029"),
]


@pytest.mark.parametrize(("sentence", "command", "voice"), EVERYDAY_NEAR_MISSES)
def test_a_sentence_near_a_command_of_several_words_needs_the_second_opinion(sentence: str, command: str,
                                                                               voice: str) -> None:
    grammar = shipped_grammar()

    def heard(text: str, evidence_factor: float | None = None, said_by: str = voice) -> list[str]:
        settings = SphinxSettings() if evidence_factor is None else SphinxSettings(evidence_factor=evidence_factor)
        rec = PocketSphinxRecognizer(grammar.phrases(), settings=settings, meaning=grammar.table)
        return [d.text for d in stream(rec, [spoken(text, said_by)])[0].detections]

    assert heard(sentence, evidence_factor=1.0) == [command]  # without it, the sentence is the command
    assert heard(sentence) == []
    assert heard(command, said_by="en-us") == [command]


def test_evidence_factor_is_checked() -> None:
    with pytest.raises(ValueError, match="evidence_factor"):
        SphinxSettings(evidence_factor=0.5)


def test_noise_suppression_level_is_checked() -> None:
    with pytest.raises(ValueError, match="noise_suppression must be 0"):
        PocketSphinxRecognizer(["stop"], settings=SphinxSettings(noise_suppression=5))


@pytest.mark.audio
def test_48khz_input_is_heard_as_well_as_16khz(clean_outcomes: list[Outcome]) -> None:
    """A microphone that only opens at 48 kHz: the recognizer resamples inside (a soxr stream).

    The stream's delay shifts every frame, which moves single marginal clips either way as any change in the
    decision sequence does; 48 kHz is not heard worse. Measured on the benchmark's commands said mid-session
    (696 clips): 571 right at 16 kHz, 573 at 48 kHz, 29 clips different each way. Here every phrase once: 52 and 49
    of 60 since "not now" (later, not yet) joined the grammar, within 2 before; the 696 clips are not measured again.
    The check-in's numbers are left out: heard only while the coach asks, their recall is test_checkin_numbers.py's.
    """
    import soxr

    numbers = {phrase for phrase, command in shipped_grammar().table.items() if command.number is not None}
    first = [o for o in clean_outcomes[: len(PHRASES)] if o.clip.expect not in numbers]
    clips = [o.clip for o in first]
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
    assert abs(right48 - right(first)) <= 3, (right(first), right48)


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
