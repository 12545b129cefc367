"""How the PocketSphinx recognizer is tuned: its settings, and the command weight of each sensitivity."""

# Each setting says what it is and why it exists; what was measured to choose it is in
# benchmarks/NOTES-pocketsphinx.md, under the setting's name.

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicecoach.asr.pocketsphinx.endpoint import EndpointSettings

SENSITIVITY_WEIGHTS = {"low": 1e-4, "normal": 1.0, "high": 1e2}
"""SphinxSettings.command_weight for each `sensitivity` setting (benchmarks/TRADEOFF.md measures each)."""


@dataclass(frozen=True)
class SphinxSettings:
    """Tuning of the PocketSphinx recognizer; the defaults were measured with espeak-ng voices."""

    phone_weight: float = 1e-9
    """Weight per phone of the free-phone loop against 1 for a command: higher rejects more, as speech that is no
    command becomes cheaper to explain as phones than forced onto a command."""
    decoy_weight: float = 1e-3
    """Weight of each decoy word against `command_weight` for a command, in the search that decides a segment (0: no
    decoys there; the live search that places a barge-in keeps them). Without them, held-out voices were heard more
    often, but the coach's own "Next, we do the bridge." committed "next" with muting failed, and `sensitivity`
    no longer moved what was heard."""
    tentative: bool = False
    """A segment that ended without a command is decided once more without the decoys, and a command found then is
    offered tentatively (Detection.tentative) for a second opinion to confirm; not while the coach speaks, nor for
    an early commit. Only a recognizer under a second opinion may offer them (runtime/recognizers.py sets it): on
    held-out voices the decoys cost recall, but without them the coach's own sentences and sound-alike words
    committed commands (benchmarks/NOTES-pocketsphinx.md, decoy_weight)."""
    run_words: int = 0
    """How many of the most common words among the decoys the decision's free-phone loop also takes, each at
    `run_weight` (0: none): otherwise a segment of several words that are no command is one decoy or a run of
    costly phones, and short replies said alone ("got it", "all done") were forced onto a command ("please stop",
    "hold on")."""
    run_weight: float = 1e-9
    """Weight of each word of `run_words` in the free-phone loop."""
    command_weight: float = 1.0
    """Weight of each command in the search that decides a segment: the one knob that trades recall for false
    triggers, moving the command against the decoys and the free phones together. `python -m benchmarks.tradeoff`
    measures recall and false triggers across it (benchmarks/TRADEOFF.md); 1 is the weight the others were
    tuned against."""
    common_decoys: int = 100
    """How many of the most frequent English words serve as decoys."""
    sound_alikes_per_word: int = 12
    """How many sound-alikes of each command word serve as decoys."""
    voicing_twins: bool = True
    """Also make decoys of the words one voicing change from a command word ("wade", "weighed" for "wait"; "bane"
    for "pain"), which the frequency ranking of `sound_alikes_per_word` left out: without them "wade" was heard as
    "wait"."""
    verify_word_beam: float = 7e-29
    """Word-exit beam of the search that decides a segment (PocketSphinx's `wbeam`; this is its default). Each
    phone of the free-phone loop is a word, so a narrower beam also prunes that loop: it rejects less and saves
    time, but let the coach's own voice commit commands when muting failed, so it is kept at the default."""
    live_beam: float = 1e-30
    """Beam (PocketSphinx's `beam` and `pbeam`, default 1e-48) of the live search that places a barge-in while the
    coach speaks. It runs over all of the coach's speech, the costliest part of decoding, so it is as narrow as
    keeps a "stop" said over the coach's voice."""
    live_word_beam: float = 1e-15
    """Word-exit beam (`wbeam`, default 7e-29) of that live search; with `live_beam`, see there."""
    nurse_words: frozenset[str] = frozenset({"hurts"})
    """Command words that may also match in their British NURSE variants (accents.nurse_variants: "it hurts" without
    R colour). Only "hurts": with "workout" too, "start cat" was heard as a variant of "start workout"."""
    trap_words: frozenset[str] = frozenset({"back", "cat"})
    """Command words that a segment the coach's voice is not in may also match with the British TRAP vowel
    (accents.british_variants: "back" as B AA K). Not every AE word: with "that", "backs" and the coach's own
    "The microphone is back." were heard as "that hurts"; not while the coach speaks: a "stop" said over "Lie
    down on your back" was lost."""
    steady_phone_weight: float = 1e-11
    """`phone_weight` for a segment in steady noise at a low SNR (`steady_snr_db`, `steady_waver_db`): there the
    noise masks the consonants that tell a command from the free phones, and a command needs more benefit of the
    doubt. Babble is left alone: there a lower weight doubled the false triggers."""
    steady_snr_db: float = 20.0
    """The segment's loud frames (90th percentile of its 10 ms levels) must stand less than this over the noise
    floor for `steady_phone_weight`."""
    steady_waver_db: float = 3.0
    """...and the noise before the segment must waver less than this (EnergyEndpointer.noise): steady noise
    wavers by a few dB at most, babble by more, as its talkers pause and resume."""
    evidence_factor: float = 100.0
    """A command of more than one word commits only if it still wins with the free phones this many times cheaper
    each (1: no such test). Parts of everyday sentences ("a medium latte" as "hang on a second", "what can I say")
    won against the phone loop by a little; the spoken commands of the tuning voices win by far more. One-word
    commands are left alone: they win by less, and real talk was seldom heard as one."""
    min_coverage: float = 0.7
    """Share of the segment's speech the command's own frames must span: "Next exercise. Bridge." decoded as
    "next" plus silence is not "next"."""
    coverage_within_db: float = 25.0
    """For `min_coverage`, the segment's speech is the span of its 10 ms frames within this many dB of its
    loudest (0: all of it). The echo canceller leaves the coach's voice 20 to 40 dB down, and the endpointer
    joined that to a barged-in command: the command was decoded alone but covered too little of the segment."""
    max_command: float = 4.0
    """Seconds: a longer speech segment is not a command and is not decoded (unless barging in)."""
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    """How speech segments are cut."""
    preroll: float = 0.3
    """Audio before the segment's first speech frame that the decoder also hears: it expects silence first."""
    lead_in_gain: float = 0.05
    """A segment that is no command is decided once more with this gain on its lead-in's voiced frames (1: never).
    In babble they are other talkers, which the decoder hears as phones before the command, and rejects it. Only
    once more: muted for the only decision, they were often a soft onset in white noise ("r" in "resume")."""
    lead_in_guard: float = 0.1
    """Seconds of the lead-in, just before the speech, that are never muted."""
    early_silence: float = 0.09
    """Quiet after which a segment that is already a complete command no longer one extends commits before
    the endpointer ends it (0 turns early commits off)."""
    early_silence_restricted: float = 0.15
    """The same while the coach speaks: its sentences have commas after command words ("If anything hurts,
    say: it hurts."), and at 0.09 s "If it hurts, stop and rest" committed "it hurts"."""
    early_silence_any: float = 0.3
    """The same for any command ("start cat" might still become "start cat stretch")."""
    early_silence_gated: float = 0.18
    """Quiet by the endpointer's noise gate alone, while the voice detector still hears voice, after which a complete
    command no longer one extends commits (0: off); tried once a segment. In babble the voice detector never reports
    quiet, so a command waited for the segment's end, and the talkers after it spoiled the decision. The cost is in
    white noise, where a word's weak end falls under the gate ("help" for the "st" of "start ...")."""
    max_segment: float = 12.0
    """A segment longer than this is cut."""
    barge_in_margin_db: float = 6.0
    """How much louder than the rest of the segment a restricted phrase must be to barge in."""
    barge_in_context: float = 0.3
    """Seconds of other speech the segment must hold for that comparison to mean anything."""
    dither: float = 100.0
    """RMS (int16 units, about -50 dBFS) of the noise floor added before decoding; see Segment.add."""
    decode_level: float = 3100.0
    """Active RMS (int16 units, about -20.5 dBFS: espeak-ng's own level, at which all else was tuned) that a
    segment's audio is scaled to before the dither is added and it is decided (0: no scaling). The dither is a
    fixed absolute floor, so without this the speech-to-floor ratio grew with the speaker's level and moved the
    batch cepstral mean: a loud "stop" decoded as the decoy "stopping", quiet speech as "help" or nothing. Only the
    decisions are leveled; the live decoder that finds a barge-in over the coach's voice still hears the raw level."""
    max_decode_gain_db: float = 20.0
    """The most that scaling may raise a quiet segment."""
    feed_frames: int = 3
    """Frames (30 ms each) fed to the live decoder per call: at most 100 ms, as process_raw holds the GIL."""
    noise_suppression: int = 2
    """WebRTC noise suppression level of the audio a segment is decided on, 0 (off) to 4: it helps in steady noise.
    The endpointer keeps the raw audio: on suppressed babble it cut segments badly. Barge-in (the live decoder, its
    loudness test and its second opinion) keeps the raw audio too: over the coach's voice, suppression lost "stop"."""

    def __post_init__(self) -> None:
        if self.decoy_weight < 0:
            raise ValueError(f"decoy_weight must be 0 (no decoys) or more, not {self.decoy_weight}")
        if self.evidence_factor < 1.0:
            raise ValueError(f"evidence_factor must be 1 (off) or more, not {self.evidence_factor}")
        if not 0 <= self.noise_suppression <= 4:
            raise ValueError(f"noise_suppression must be 0 (off) to 4, not {self.noise_suppression}")


TENTATIVE = False
"""Whether voicecoach offers tentative commits under a second opinion (benchmarks/TENTATIVE_TUNING.md)."""


def listening_settings(command_weight: float, second_opinion: bool, **changed: Any) -> SphinxSettings:
    """The settings voicecoach listens with at `command_weight` (SENSITIVITY_WEIGHTS), `changed` aside: tentative
    commits only under a second opinion, and not at a sensitivity below normal, which they would undo."""
    tentative = TENTATIVE and second_opinion and command_weight >= SENSITIVITY_WEIGHTS["normal"]
    return SphinxSettings(**{"command_weight": command_weight, "tentative": tentative, **changed})
