"""Real synthesized takes through the real speech embedding and matcher, and the enrolled recognizer around
PocketSphinx. The voices are espeak-ng's training voices (never the held-out ones the benchmark scores)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest
import soxr

from voicecoach.asr.base import Detection
from voicecoach.asr.embedding import EMBEDDING_DIM, SpeechEmbedding
from voicecoach.asr.embedding.features import SessionSettings, shared_embedding
from voicecoach.asr.enrolled import noise
from voicecoach.asr.enrolled.dtw import Frames, dtw_distance, dtw_distances, unit
from voicecoach.asr.enrolled.enrol import AUGMENT, ROOM_RT60, TakeError, enrol_take, in_a_room
from voicecoach.asr.enrolled.matcher import CalibrationError, Match, Matcher, Take
from voicecoach.asr.enrolled.recognizer import SHORTEST, EnrolledRecognizer, EnrolledSettings
from voicecoach.asr.enrolled.takes import speech_span, take_frames
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer, SphinxSettings
from voicecoach.asr.pocketsphinx.endpoint import EndpointSettings
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import NOT_COMMANDS
from voicecoach.testing import speech
from voicecoach.testing.real_talk import negatives_dir

pytestmark = pytest.mark.audio

PHRASES = ("stop", "next", "pause", "how long", "start bridge", "repeat")
VOICE = "en-us"


@functools.cache
def embedding() -> SpeechEmbedding:
    return SpeechEmbedding()


def second_take(audio: speech.Audio) -> speech.Audio:
    """The same take 4 % higher and faster: a synthesizer never varies by itself."""
    return speech.to_int16(soxr.resample(audio.astype(np.float32) / 32767, 16000 * 1.04, 16000))


@functools.cache
def matcher() -> Matcher:
    takes = []
    for phrase in PHRASES:
        first = speech.synthesize(phrase, VOICE, 160)
        for i, audio in enumerate((first, second_take(first)), 1):
            takes.append(enrol_take(embedding(), phrase, f"{phrase.replace(' ', '_')}-{i}", audio))
    return Matcher(takes)


def test_the_embedding_gives_96_numbers_per_80_ms_after_the_first_window() -> None:
    frames = embedding().embed(speech.synthesize("stop", VOICE, 160))
    assert frames.shape[1] == EMBEDDING_DIM
    two_seconds = embedding().embed(np.zeros(32000, np.int16) + 1)
    assert len(two_seconds) == (200 - 76) // 8 + 1  # 200 mel frames of 10 ms, windows of 76, stride 8
    assert len(embedding().embed(np.zeros(8000, np.int16))) == 0


def test_the_memory_saving_settings_leave_the_embedding_as_it_was() -> None:
    # onnxruntime's defaults, all of a clip's windows at once: what the profiles on disk were enrolled with.
    as_before = SpeechEmbedding(settings=SessionSettings(threads=1, cpu_arena=True, memory_pattern=True,
                                                         optimization="all", windows_per_run=None))
    clips = [speech.synthesize(text, VOICE, wpm) for text, wpm in
             (("stop", 160), ("start bridge", 130), ("send me a text message when you get home", 175))]
    for clip in [*clips, np.concatenate(clips)]:
        now = embedding().embed(clip)
        assert len(now) > 0 and np.array_equal(now, as_before.embed(clip))
    assert embedding().settings == SessionSettings()  # the defaults are what was compared


def test_the_embedding_is_loaded_once_per_process() -> None:
    assert shared_embedding() is shared_embedding()


@pytest.mark.parametrize("wpm", [130, 190])
@pytest.mark.parametrize("phrase", PHRASES)
def test_a_command_at_another_pace_is_its_own_take(phrase: str, wpm: int) -> None:
    heard = take_frames(embedding(), speech.pad(speech.synthesize(phrase, VOICE, wpm)))
    assert heard is not None
    match = matcher().decide(heard)
    assert match is not None and match.phrase == phrase, matcher().nearest(heard)


@pytest.mark.parametrize("sentence", ["We drove over the old bridge to get to the village.",
                                      "Did you remember to feed the dog before you left?"])
def test_the_same_voice_saying_a_sentence_is_no_command(sentence: str) -> None:
    heard = take_frames(embedding(), speech.synthesize(sentence, VOICE, 160))
    assert heard is not None
    assert matcher().decide(heard) is None, matcher().nearest(heard)


def test_a_command_the_coach_does_not_listen_for_is_not_decided() -> None:
    heard = take_frames(embedding(), speech.synthesize("stop", VOICE, 140))
    assert heard is not None
    assert matcher().decide(heard, frozenset({"next", "pause"})) is None


def test_one_take_per_command_cannot_calibrate() -> None:
    only = enrol_take(embedding(), "stop", "stop-1", speech.synthesize("stop", VOICE, 160))
    with pytest.raises(CalibrationError):
        Matcher([only])


@pytest.mark.parametrize(("audio", "why"), [
    (np.zeros(16000, np.int16), "no speech"),
    (np.full(16000, 32767, np.int16), "clipped"),
    (np.tile(speech.synthesize("stop", VOICE, 160), 12), "lasts"),
])
def test_a_bad_take_says_why(audio: speech.Audio, why: str) -> None:
    with pytest.raises(TakeError, match=why):
        enrol_take(embedding(), "stop", "stop-1", audio)


def _stream(recognizer: EnrolledRecognizer, audio: speech.Audio, end: bool = True) -> list[tuple[float, str]]:
    """What `recognizer` commits hearing `audio`; `end`: the stream ends there."""
    return [(d.t, d.text) for d in _detections(recognizer, audio, end)]


def _detections(recognizer: EnrolledRecognizer, audio: speech.Audio, end: bool = True) -> list[Detection]:
    pcm = audio.astype("<i2").tobytes()
    found = [recognizer.accept(pcm[at:at + 3200]) for at in range(0, len(pcm), 3200)]
    return [d for chunk in [*found, recognizer.flush() if end else []] for d in chunk]


def test_the_enrolled_recognizer_commits_a_command_once_when_both_hear_it() -> None:
    general = PocketSphinxRecognizer(["stop", "next", "pause"], 16000)
    recognizer = EnrolledRecognizer(general, matcher(), embedding())
    found = _stream(recognizer, speech.pad(speech.synthesize("stop", VOICE, 140), 0.8, 2.0))
    assert [text for _, text in found] == ["stop"]


def test_the_takes_vote_where_the_general_recognizer_hears_nothing() -> None:
    # A real PocketSphinx that listens for another command only: "how long" is the takes' alone to hear.
    general = PocketSphinxRecognizer(["start routine"], 16000)
    recognizer = EnrolledRecognizer(general, matcher(), embedding())
    audio = speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)
    found = _stream(recognizer, audio)
    assert [text for _, text in found] == ["how long"]
    assert found[0][0] <= len(audio) / 16000


def test_a_vote_far_from_its_take_is_committed_unsure_and_a_general_commit_never_is() -> None:
    said = {"how long": speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0),
            "stop": speech.pad(speech.synthesize("stop", VOICE, 140), 0.8, 2.0)}

    def heard(phrase: str, beyond: float | None) -> list[tuple[str, bool]]:
        general = PocketSphinxRecognizer(["start routine", "stop"], 16000)  # "how long" is the takes' alone
        recognizer = EnrolledRecognizer(general, matcher(), embedding(), EnrolledSettings(unsure_beyond=beyond))
        return [(d.text, d.sure) for d in _detections(recognizer, said[phrase])]

    assert heard("how long", 0.0) == [("how long", False)]  # any distance at all is beyond none of the threshold
    assert heard("how long", 1.0) == [("how long", True)]  # every vote stands within the whole threshold
    assert heard("how long", None) == [("how long", True)]
    assert heard("stop", 0.0) == [("stop", True)]  # the general recognizer's own commit


def test_a_vote_commits_its_grace_after_the_speech_and_a_sure_one_its_own_wait() -> None:
    audio = speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)
    span = speech_span(speech.synthesize("how long", VOICE, 185))
    assert span is not None
    speech_end = 0.8 + span[1] / 16000

    def delay(settings: EnrolledSettings) -> float:
        general = PocketSphinxRecognizer(["start routine"], 16000)
        found = _stream(EnrolledRecognizer(general, matcher(), embedding(), settings), audio)
        assert [text for _, text in found] == ["how long"]
        return found[0][0] - speech_end

    times = {grace: delay(EnrolledSettings(grace=grace, sure_wait=None)) for grace in (0.5, 1.0)}
    assert times[0.5] <= 0.65 < 0.9 <= times[1.0], times
    # Within the whole threshold every vote is sure, beyond none of it none is.
    sure = delay(EnrolledSettings(grace=1.0, sure_wait=0.3, unsure_beyond=1.0))
    unsure = delay(EnrolledSettings(grace=1.0, sure_wait=0.3, unsure_beyond=0.0))
    assert sure <= 0.45 < 0.9 <= unsure, (sure, unsure)


def _late_general() -> PocketSphinxRecognizer:
    """A real PocketSphinx that commits only once 1.2 s of quiet has ended the speech, after a vote 0.5 s on."""
    settings = SphinxSettings(early_silence=0.0, early_silence_any=0.0, early_silence_gated=0.0,
                              endpoint=EndpointSettings(end_window=1.2))
    return PocketSphinxRecognizer(["stop", "next", "pause"], 16000, settings=settings)


def test_a_general_commit_after_a_vote_on_the_same_words_is_dropped() -> None:
    audio = speech.pad(speech.synthesize("stop", VOICE, 140), 0.8, 2.5)
    late = _stream(EnrolledRecognizer(_late_general(), matcher(), embedding(), EnrolledSettings(grace=0.5)), audio)
    assert [text for _, text in late] == ["stop"]
    unkept = EnrolledSettings(grace=0.5, after_vote=None)  # the general commit is heard again
    twice = _stream(EnrolledRecognizer(_late_general(), matcher(), embedding(), unkept), audio)
    assert [text for _, text in twice] == ["stop", "stop"]
    assert late[0] == twice[0]


def test_a_close_vote_overrules_a_late_general_commit_of_another_command_unless_it_stops_the_coach() -> None:
    # A real PocketSphinx that does not know "start bridge" hears "start routine" in it, 0.8 s after the speech,
    # while the takes' vote on the segment is pending (a wait of 1 s: at the shipped 0.6 s, or 0.45 s for a sure
    # vote, the vote has committed, and the late commit about its segment is dropped whatever the overrule).
    audio = speech.pad(speech.synthesize("start bridge", VOICE, 140), 0.8, 2.5)

    def heard(settings: EnrolledSettings, spared: frozenset[str] = frozenset()) -> list[str]:
        sphinx = SphinxSettings(early_silence=0.0, early_silence_any=0.0, early_silence_gated=0.0,
                                endpoint=EndpointSettings(end_window=0.8))
        general = PocketSphinxRecognizer(["start cat stretch", "start routine"], 16000, settings=sphinx)
        waiting = dataclasses.replace(settings, grace=1.0, sure_wait=None)
        return [text for _, text in _stream(EnrolledRecognizer(general, matcher(), embedding(), waiting,
                                                               spared=spared), audio)]

    assert heard(EnrolledSettings(overrule=None)) == ["start routine"]
    assert heard(EnrolledSettings()) == ["start bridge"]
    assert heard(EnrolledSettings(), frozenset({"start routine"})) == ["start routine"]
    assert heard(EnrolledSettings(overrule=0.01)) == ["start routine"]  # the vote not near enough


def test_commands_in_white_noise_at_10_db_are_heard_by_the_takes() -> None:
    general = PocketSphinxRecognizer(["start routine"], 16000)
    recognizer = EnrolledRecognizer(general, matcher(), embedding())
    clips = [speech.pad(speech.synthesize(p, VOICE, 140), 0.8, 2.0) for p in PHRASES]
    noisy = speech.add_white_noise(np.concatenate(clips), 10.0, speech_rms=speech.active_rms(clips[0]))
    found = [text for _, text in _stream(recognizer, noisy)]
    assert found == [p for p in PHRASES if p in found], found  # in order, none heard as another
    assert len(found) >= len(PHRASES) - 1, found


def test_takes_of_phrases_listened_for_only_are_voted() -> None:
    general = PocketSphinxRecognizer(["start routine"], 16000)
    recognizer = EnrolledRecognizer(general, matcher(), embedding())
    recognizer.listen_for(frozenset({"start routine"}))
    assert _stream(recognizer, speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)) == []


def test_the_distances_to_all_takes_at_once_are_those_one_by_one() -> None:
    heard = take_frames(embedding(), speech.synthesize("start bridge", VOICE, 130))
    assert heard is not None
    references = [reference for take in matcher().takes for reference in take.references]
    assert dtw_distances(heard, references) == [dtw_distance(heard, r) for r in references]
    empty, itself = dtw_distances(heard, [heard[:0], heard])
    assert empty == float("inf") and itself < 1e-6


def test_a_take_within_a_longer_segment_matches_only_when_asked_to() -> None:
    take = take_frames(embedding(), speech.synthesize("stop", VOICE, 160))
    other = take_frames(embedding(), speech.synthesize("how long", VOICE, 160))
    assert take is not None and other is not None
    clatter = unit(np.random.default_rng(3).normal(size=(6, take.shape[1])).astype(np.float32))
    joined = np.concatenate([clatter, take])  # a noise the endpointer joined to the word
    (whole,) = dtw_distances(joined, [take])
    inside, elsewhere = dtw_distances(joined, [take, other], within=True)
    assert inside < 1e-6 < whole
    assert elsewhere > 0.05
    assert dtw_distances(take, [take, other], within=True)[1] > 0.05


def test_each_take_keeps_noisy_variants_that_bring_a_noisy_command_nearer() -> None:
    take = enrol_take(embedding(), "how long", "how_long-1", speech.synthesize("how long", VOICE, 160))
    assert len(take.variants) == len(AUGMENT) > 0
    said = speech.pad(speech.synthesize("how long", VOICE, 140), 0.5, 0.5)
    span = speech_span(said)  # where the words are, found in quiet; then the noise
    heard = take_frames(embedding(), speech.add_white_noise(said, 5.0, seed=3, speech_rms=speech.active_rms(said)),
                        span)
    assert heard is not None
    assert take.distance(heard) < dataclasses.replace(take, variants=()).distance(heard)


def test_a_take_heard_across_a_room_keeps_its_level_and_rings_on_for_the_rooms_reverberation_time() -> None:
    click = np.zeros(16000, np.int16)
    click[1000:1160] = 20000
    wet = in_a_room(click, seed=1).astype(np.float64)
    assert len(wet) == len(click)
    assert np.sqrt((wet**2).mean()) == pytest.approx(np.sqrt((click.astype(np.float64) ** 2).mean()), rel=0.02)

    def level(at: float) -> float:
        part = wet[1160 + round(at * 16000): 1160 + round((at + 0.05) * 16000)]
        return float((part**2).mean())

    assert level(0.05) > 10 * level(ROOM_RT60 / 2) > 0  # rings on, well down by half the reverberation time
    assert level(ROOM_RT60 + 0.05) < 1e-6 * level(0.05)


def test_a_take_is_built_from_its_speech_not_its_silence() -> None:
    audio = speech.synthesize("pause", VOICE, 160)
    plain = take_frames(embedding(), audio)
    padded = take_frames(embedding(), speech.pad(audio, 1.5, 1.5))
    assert plain is not None and padded is not None
    assert plain.shape == padded.shape
    assert isinstance(Take("pause", "pause-1", plain), Take)


def _talk(grammar: Grammar, settings: EnrolledSettings | None = None) -> EnrolledRecognizer:
    general = PocketSphinxRecognizer(grammar.phrases(), 16000, meaning=grammar.table)
    return EnrolledRecognizer(general, matcher(), embedding(), settings, meaning=grammar.table)


def _command_then_talk() -> speech.Audio:
    """'how long' run on into a sentence: PocketSphinx commits the command half way through it."""
    said = [speech.synthesize(text, VOICE, 160) for text in ("how long", "the meeting will take I cannot say")]
    return speech.pad(speech.concatenate(said), 0.8, 2.0)


def test_a_command_run_on_into_a_sentence_is_dropped_as_talk(grammar: Grammar) -> None:
    as_before = _talk(grammar, EnrolledSettings(talk=None))
    assert [text for _, text in _stream(as_before, _command_then_talk())] == ["how long"]
    recognizer = _talk(grammar)
    assert _stream(recognizer, _command_then_talk()) == []
    assert [d.text for d in recognizer.dropped] == ["how long"]


def test_another_phrase_of_an_enrolled_command_said_alone_stands(grammar: Grammar) -> None:
    # No take of "wait a second": it is judged by the takes of "pause", the command it means.
    audio = speech.pad(speech.synthesize("wait a second", VOICE, 140), 0.8, 2.0)
    recognizer = _talk(grammar)
    assert [text for _, text in _stream(recognizer, audio)] == ["wait a second"]
    assert recognizer.dropped == []


def test_while_the_coach_speaks_no_commit_is_dropped_as_talk(grammar: Grammar) -> None:
    recognizer = _talk(grammar)
    recognizer.restrict(frozenset(grammar.phrases()))
    assert [text for _, text in _stream(recognizer, _command_then_talk())] == ["how long"]


def _trimmed(text: str, wpm: int) -> speech.Audio:
    audio = speech.synthesize(text, VOICE, wpm)
    span = speech_span(audio)
    assert span is not None
    return audio[span[0]:span[1]]


def _profile_only(settings: EnrolledSettings | None = None) -> EnrolledRecognizer:
    """A real PocketSphinx that listens for another command only: what is committed is the takes' vote."""
    return EnrolledRecognizer(PocketSphinxRecognizer(["start routine"], 16000), matcher(), embedding(), settings)


@pytest.mark.parametrize("order", ["talk first", "command first"])
def test_a_command_with_talk_close_around_it_gets_no_vote(order: str) -> None:
    # 0.45 s between the words: long enough for the endpointer to cut two segments, short enough to be talk.
    command, talk = _trimmed("how long", 185), _trimmed("okay then", 160)
    said = [talk, command] if order == "talk first" else [command, talk]
    audio = speech.pad(speech.concatenate(said, gap=0.45), 0.8, 2.0)
    as_before = _profile_only(EnrolledSettings(apart=None))
    assert [text for _, text in _stream(as_before, audio)] == ["how long"]  # its own segment, voted
    assert _stream(_profile_only(EnrolledSettings(sure_wait=None)), audio) == []
    # A near take (a vote committed sure) does not wait to see the talk after it: only talk before it keeps it out.
    shipped = _detections(_profile_only(), audio)
    assert [(d.text, d.sure) for d in shipped] == ([] if order == "talk first" else [("how long", True)])


def test_the_same_command_with_quiet_around_it_gets_its_vote() -> None:
    command, talk = _trimmed("how long", 185), _trimmed("okay then", 160)
    audio = speech.pad(speech.concatenate([talk, command, talk], gap=1.0), 0.8, 2.0)
    assert [text for _, text in _stream(_profile_only(), audio)] == ["how long"]


def test_the_coachs_voice_just_before_a_command_does_not_drop_its_vote() -> None:
    # The coach's last words, heard while it speaks (its echo), then the person's command 0.45 s later.
    coach = speech.pad(_trimmed("okay then", 160), 0.8, 0.0)
    command = speech.pad(_trimmed("how long", 185), 0.45, 2.0)
    recognizer = _profile_only()
    recognizer.restrict(frozenset({"start routine"}))
    heard = _stream(recognizer, coach, end=False)
    recognizer.restrict(None)
    heard += _stream(recognizer, command)
    assert [text for _, text in heard] == ["how long"]



def test_the_takes_votes_are_put_to_the_command_models_veto_under_a_profile(grammar: Grammar, tmp_path: Path) -> None:
    from voicecoach.asr.commands_model.combined import Combined
    from voicecoach.asr.enrolled import profile
    from voicecoach.runtime.recognizers import open_general, open_recognizer

    profile.save(tmp_path, list(matcher().takes))
    hearing = open_recognizer("pocketsphinx", grammar, None, {}, profile=tmp_path)
    assert isinstance(hearing, EnrolledRecognizer) and isinstance(hearing.general, Combined)
    assert hearing._agrees == hearing.general.first.agrees  # type: ignore[attr-defined]
    plain = open_general("pocketsphinx", grammar, None, {}, second_opinion=False)
    assert EnrolledRecognizer(plain, matcher(), embedding())._agrees is None


def test_a_vote_the_model_gives_nothing_is_dropped() -> None:
    # The takes hear "how long"; a second opinion that never agrees drops the vote, and says so.
    general = PocketSphinxRecognizer(["start routine"], 16000)
    audio = speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)
    recognizer = EnrolledRecognizer(general, matcher(), embedding(), agrees=lambda detection: False)
    assert _stream(recognizer, audio) == []
    assert [d.text for d in recognizer.vetoed] == ["how long"]


def _kitchen_second_minute() -> speech.Audio:
    """30 s of the kitchen recording's second minute (the noise references are cut from its first 40 s), 10 dB
    under a voice; the test is skipped where the recording is not."""
    path = negatives_dir() / "noise" / "kitchen.flac"
    if not path.is_file():
        pytest.skip(f"the kitchen noise is not here ({negatives_dir()})")
    return speech.scale_to_rms(speech.read_wav(path)[60 * 16000: 90 * 16000], 1000.0)


def test_a_kitchens_clatter_is_no_command_of_the_person_with_the_noise_references() -> None:
    """The second minute of the kitchen recording (the references are cut from its first 40 s), nobody speaking,
    10 dB under a voice: near enough some takes to be voted without the references, and never with them."""
    kitchen = _kitchen_second_minute()
    takes = matcher().takes

    def voted(references: list[Frames]) -> list[tuple[float, str]]:
        general = PocketSphinxRecognizer(["it hurts"], 16000)  # commits nothing here: what is left is the takes'
        alone = EnrolledSettings(shortest=None)  # the references alone: the length rule drops some clatter too
        return _stream(EnrolledRecognizer(general, Matcher(takes, noise=references), embedding(), alone), kitchen)

    assert len(voted([])) >= 3
    assert voted(noise.load()) == []


def test_the_noise_references_still_let_a_command_in_noise_through() -> None:
    said = speech.synthesize("stop", VOICE, 140)
    bed = speech.white_noise(len(said), 1000.0, seed=4)
    heard = speech.pad(speech.add_noise(said, bed, 10.0), 1.0, 2.0)
    recognizer = EnrolledRecognizer(PocketSphinxRecognizer(["it hurts"], 16000),
                                    Matcher(matcher().takes, noise=noise.load()), embedding())
    assert [text for _, text in _stream(recognizer, heard)] == ["stop"]


def test_unreadable_noise_references_say_how_to_rebuild_them(tmp_path: Path) -> None:
    broken = tmp_path / "noise_segments.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(noise.NoiseError, match=r"python -m voicecoach\.asr\.enrolled\.noise"):
        noise.load(broken)


def test_a_clatter_shorter_than_the_persons_takes_is_no_vote_even_where_no_noise_reference_knows_it() -> None:
    """The kitchen's second minute without the noise references (noise they were never cut from): bursts near a
    take, far shorter than it, are dropped; a command said faster than the takes is not."""
    kitchen = _kitchen_second_minute()
    takes = matcher().takes

    def voted(audio: speech.Audio, shortest: float | None) -> list[tuple[float, str]]:
        general = PocketSphinxRecognizer(["it hurts"], 16000)  # commits nothing here: what is left is the takes'
        settings = EnrolledSettings(shortest=shortest)
        return _stream(EnrolledRecognizer(general, Matcher(takes), embedding(), settings), audio)

    without = voted(kitchen, None)
    assert len(without) >= 4
    assert len(voted(kitchen, SHORTEST)) <= len(without) - 2
    fast = speech.pad(speech.synthesize("stop", VOICE, 200), 1.0, 2.0)
    assert [text for _, text in voted(fast, SHORTEST)] == ["stop"]


def test_the_command_model_likes_the_command_said_and_has_no_opinion_over_the_coach(grammar: Grammar) -> None:
    from voicecoach.asr.commands_model.model import CommandModel
    from voicecoach.asr.commands_model.recognizer import SecondOpinion

    opinion = SecondOpinion(PocketSphinxRecognizer(["start routine"], 16000), grammar.phrases(), grammar.table,
                            CommandModel.load())
    audio = speech.pad(speech.synthesize("stop", VOICE, 140), 0.8, 0.3)
    opinion.accept(audio.astype("<i2").tobytes())
    at = Detection(len(audio) / 16000, "stop")
    liked = opinion.likes(at)
    assert liked is not None and liked > 0.5
    other = opinion.likes(Detection(at.t, "how long"))
    assert other is not None and other < 0.1 * liked
    opinion.restrict(frozenset({"start routine"}))
    assert opinion.likes(at) is None


def test_the_model_weighs_a_vote_between_phrases_within_the_threshold() -> None:
    # The rule alone, with a stated opinion standing in for the model's (its real output is tested above): every
    # take within a threshold this wide, "how long" said, the opinion all for "repeat".
    audio = speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)
    wide = Matcher(matcher().takes, threshold=10.0)

    def voted(weight: float | None, knows_how_long: bool = True, vetoed: tuple[str, ...] = (),
              weigh_dropped: bool = False, rescue: float | None = None, liked: float = 1.0) -> list[str]:
        def likes(detection: Detection) -> float | None:
            if detection.text == "how long":
                return 1e-9 if knows_how_long else None
            return liked if detection.text == "repeat" else 1e-9

        general = PocketSphinxRecognizer(["start routine"], 16000)
        settings = EnrolledSettings(opinion=weight, weigh_dropped=weigh_dropped, rescue=rescue)
        recognizer = EnrolledRecognizer(general, wide, embedding(), settings, likes=likes,
                                        agrees=lambda detection: detection.text not in vetoed)
        return [text for _, text in _stream(recognizer, audio)]

    assert voted(None) == ["how long"]
    assert voted(0.001) == ["how long"]  # the takes far nearer than the opinion weighs
    assert voted(10.0) == ["repeat"]
    assert voted(10.0, knows_how_long=False) == ["how long"]  # no opinion of the nearest: it stands
    # The opinion moves a vote that stands, to a phrase that stands: it never makes one where there was none.
    assert voted(10.0, vetoed=("repeat",)) == ["how long"]
    assert voted(10.0, vetoed=("how long",)) == []
    assert voted(10.0, vetoed=("how long",), weigh_dropped=True) == ["repeat"]  # as first built
    # Rescued: the vote dropped for its nearest phrase goes to the one the model is sure enough of, if it stands.
    assert voted(10.0, vetoed=("how long",), rescue=0.5) == ["repeat"]
    assert voted(10.0, vetoed=("how long",), rescue=0.5, liked=0.3) == []
    assert voted(10.0, vetoed=("how long", "repeat"), rescue=0.5) == []
    assert voted(None, vetoed=("how long",), rescue=0.5) == []  # the opinion off: nothing weighs the others


@functools.cache
def _with_words(words: bool) -> Matcher:
    """en-us+m3's takes of a few commands, and with `words` its takes of the words that are no command."""
    voice = "en-us+m3"
    takes = []
    for phrase in ("help", "stop", "next", "repeat", "how long", "resume"):
        first = speech.synthesize(phrase, voice, 160)
        for i, audio in enumerate((first, second_take(first)), 1):
            takes.append(enrol_take(embedding(), phrase, f"{phrase.replace(' ', '_')}-{i}", audio))
    others = [enrol_take(embedding(), word, f"{word}-1", speech.synthesize(word, voice, 160), command=False)
              for word in NOT_COMMANDS] if words else []
    return Matcher([*takes, *others])


def _segment(text: str, wpm: int = 160) -> Frames:
    audio = speech.pad(speech.synthesize(text, "en-us+m3", wpm), 0.6, 1.6)
    [frames] = noise.segments(embedding(), audio)
    return frames


@pytest.mark.parametrize("reply", ["I know", "nope"])
def test_a_reply_nearer_the_persons_words_that_are_no_command_is_none(reply: str) -> None:
    assert (_with_words(False).decide(_segment(reply)) or Match("", 0, "")).phrase == "help"
    assert _with_words(True).decide(_segment(reply)) is None


def test_the_words_that_are_no_command_neither_calibrate_nor_are_voted() -> None:
    with_words, without = _with_words(True), _with_words(False)
    assert with_words.threshold == without.threshold
    assert {take.phrase for take in with_words.takes} == {take.phrase for take in without.takes}
    for phrase in ("help", "next", "how long"):
        match = with_words.decide(_segment(phrase, 140))
        assert match is not None and match.phrase == phrase


def test_each_command_may_have_a_threshold_of_its_own_never_above_the_shared_one() -> None:
    shared = matcher()
    own = Matcher(shared.takes, own=1.0)
    assert set(own.thresholds) == set(PHRASES)
    assert all(0 < own.threshold_of(p) <= shared.threshold for p in PHRASES)
    assert max(own.threshold_of(p) for p in PHRASES) * 1.2 == pytest.approx(shared.threshold)  # MARGIN x widest
    assert Matcher(shared.takes, own=100.0).thresholds == dict.fromkeys(PHRASES, shared.threshold)
    tight = Matcher(shared.takes, own=0.01)
    heard = take_frames(embedding(), speech.pad(speech.synthesize("start bridge", VOICE, 190)))
    assert heard is not None
    assert (shared.decide(heard) or Match("", 0, "")).phrase == "start bridge"
    assert tight.decide(heard) is None
    assert Matcher(tight.takes, threshold=shared.threshold, thresholds=tight.thresholds).decide(heard) is None


def test_the_vote_bar_may_ask_only_of_votes_far_within_the_threshold() -> None:
    # The rule alone, with a stated opinion standing in for the model's (its real output is tested above): "how
    # long" said, a threshold so wide that its take stands within its first hundredth, the model all against it.
    audio = speech.pad(speech.synthesize("how long", VOICE, 185), 0.8, 2.0)
    wide = Matcher(matcher().takes, threshold=10.0)

    def voted(bar: float | None, beyond: float) -> list[str]:
        general = PocketSphinxRecognizer(["start routine"], 16000)
        settings = EnrolledSettings(vote_bar=bar, bar_beyond=beyond, opinion=None, rescue=None)
        recognizer = EnrolledRecognizer(general, wide, embedding(), settings, likes=lambda detection: 1e-3)
        return [text for _, text in _stream(recognizer, audio)]

    assert voted(None, 0.0) == ["how long"]
    assert voted(0.01, 0.0) == []
    assert voted(0.01, 0.01) == ["how long"]  # its take stands nearer than the bar asks from
    assert voted(0.0001, 0.0) == ["how long"]
