"""Choosing how a profile votes, on training voices only.

`python -m benchmarks.profile_choices --set SET [--voice NAME ...]` writes benchmarks/PROFILE_SET.md and
profile_SET.json, one row per choice of the set (CHOICES). The voices are
benchmarks/room.py's training voices (espeak-ng en-us+m3, +f2, +m1); the real talk is 100 clips of its tuning
half. Nothing held out is decoded. Each voice enrols as benchmarks/enrolment.py's do (the words that are no
command too, since runs after 2026-12-06), and is heard in both of
the protocols the held-out benchmarks use: the kitchen noise mixed into each command's own stretch
(benchmarks/enrolment.py), and commands from the floor of a room and in kitchen noise that runs on
(benchmarks/room.py).

Sets: `veto`, a vote whose take stands within `sure` times the threshold skips the model's veto
(EnrolledSettings.sure; shipped: every vote faces it), and no vote faces it; `within`, a take matched against any
stretch of a segment (Matcher's `within`) and the apart rule off (EnrolledSettings.apart); `noise`, the noise
references (voicecoach.asr.enrolled.noise) at three margins; `veto_noise`, the veto on votes again, with the noise
references as shipped; `overrule`, a vote standing against a general commit of another command about its segment
when its take stands that much nearer than that command's takes (EnrolledSettings.overrule, chosen on this set), the
commands that stop the coach spared or not; `room_variants`, each take also enrolled as heard across a room
(voicecoach.asr.enrolled.enrol.in_a_room: a synthetic echo, not the benchmarks' simulated rooms) in white noise;
`shortest`, a vote dropped when its segment's speech is that much shorter than the voted phrase's shortest take
(EnrolledSettings.shortest), and the same without the noise references, to show what it keeps out alone; `vote_bar`,
a vote standing only where the command model gives its command at least that probability (EnrolledSettings.vote_bar;
the tuning half of the short replies, benchmarks/replies.py, said alone by each voice, is where it matters);
`opinion`, a vote among the phrases within the threshold weighed by the command model's probability of each
(EnrolledSettings.opinion); `opinion_dropped`, the opinion weighing a vote before the length rule and the veto or
only one that passes them (EnrolledSettings.weigh_dropped), with and without the noise references; `rescue`, a vote
the length rule or the veto drops for its nearest phrase given to the best weighed of the others when the model
gives that one at least some probability (EnrolledSettings.rescue); `rescue_noise`, the same with and without the
noise references, to show what clatter it votes; `own`, each command with a threshold of its own, a multiple of how
far its own noisy takes stood from its other take (Matcher's `own`), never above the shared one; `bar_beyond`, the
vote bar asked only of votes whose take stands beyond a fraction of the threshold (EnrolledSettings.bar_beyond);
`grace`, how long after its segment a vote waits for the general recognizer (EnrolledSettings.grace) and for
another segment near it (`apart`), and `grace_near` the waits between the shortest that changed nothing there and
the longest that did; `unsure`, how far beyond its threshold a vote is committed unsure
(EnrolledSettings.unsure_beyond), which the coach asks back before it changes the session ("Tell me again?");
`sure_wait`, how long a vote committed sure waits after its segment (EnrolledSettings.sure_wait). Since
2026-12-06 each row also gives the delay from the end of a command's speech to its commit, over every command heard
right in every condition; from the `unsure` set on, how many commands heard right a running session would ask back first
(benchmarks.enrolment.asked), and of the clips with a command where none was said, how many had one done at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import enrolment, heldout, replies, room
from benchmarks.corpus import GENERAL_SENTENCES, article_sentences
from benchmarks.enrolment import Recording, Replay, Tap, Track, asked, decode, delays, general, score, track
from benchmarks.enrolment_training import WHITE, RememberingEmbedding  # WHITE: the variants before the room's
from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.commands_model.model import CommandModel
from voicecoach.asr.commands_model.recognizer import SecondOpinion
from voicecoach.asr.enrolled import noise
from voicecoach.asr.enrolled.enrol import AUGMENT, NoiseKind
from voicecoach.asr.enrolled.matcher import NOISE_MARGIN, Matcher
from voicecoach.asr.enrolled.recognizer import (
    APART,
    OPINION,
    OVERRULE,
    RESCUE,
    SHORTEST,
    SURE_WAIT,
    UNSURE_BEYOND,
    EnrolledRecognizer,
    EnrolledSettings,
)
from voicecoach.core.grammar import Grammar
from voicecoach.runtime.enrolment import enrolment_phrases
from voicecoach.testing import speech


@dataclass(frozen=True)
class Choice:
    settings: EnrolledSettings = field(default_factory=EnrolledSettings)
    within: bool = False
    vetoed: bool = True
    noise_margin: float | None = None
    """With the noise references (voicecoach.asr.enrolled.noise) at this margin; None: without them."""
    spared: bool = True
    """The commands that stop the coach never overruled by a vote (EnrolledSettings.overrule)."""
    augment: tuple[tuple[NoiseKind, float], ...] = AUGMENT
    """The noisy variants enrolled with each take (voicecoach.asr.enrolled.enrol)."""
    own: float | None = None
    """Each phrase's own threshold at this times its takes' spread (Matcher's `own`); None: the shared one alone."""

    @property
    def matcher_kind(self) -> tuple[bool, float | None, tuple[tuple[NoiseKind, float], ...], float | None]:
        return self.within, self.noise_margin, self.augment, self.own


def _rescues(bars: tuple[float, ...], references: bool = True) -> dict[str, Choice]:
    """The rescue off, then at each bar (EnrolledSettings.rescue), with the noise references or without them."""
    if not references:
        return {"no noise references, stays dropped": Choice(EnrolledSettings(rescue=None)),
                **{f"no noise references, rescue at {bar:g}": Choice(EnrolledSettings(rescue=bar)) for bar in bars}}
    return {"a vote dropped for its nearest phrase stays dropped (as before)":
            Choice(EnrolledSettings(rescue=None), noise_margin=NOISE_MARGIN),
            **{f"rescue at {bar:g}" + (" (shipped)" if bar == RESCUE else ""):
               Choice(EnrolledSettings(rescue=bar), noise_margin=NOISE_MARGIN) for bar in bars}}


CHOICES: dict[str, dict[str, Choice]] = {
    "veto": {"every vote (shipped)": Choice(), **{f"sure {s:g}": Choice(EnrolledSettings(sure=s))
                                                  for s in (0.5, 0.6, 0.7, 0.8, 0.9)},
             "no vote": Choice(vetoed=False)},
    "within": {"as shipped": Choice(), "a take within a segment": Choice(within=True),
               "the apart rule off": Choice(EnrolledSettings(apart=None)),
               "within, the apart rule off": Choice(EnrolledSettings(apart=None), within=True)},
    "noise": {"no noise references (as before)": Choice(), "noise references": Choice(noise_margin=1.0),
              "noise references, margin 0.9": Choice(noise_margin=0.9),
              "noise references, margin 0.8": Choice(noise_margin=0.8)},
    "veto_noise": {"every vote faces the veto (shipped)": Choice(noise_margin=NOISE_MARGIN),
                   "no vote faces the veto": Choice(vetoed=False, noise_margin=NOISE_MARGIN)},
    "overrule": {"a vote yields to the general recognizer (as before)": Choice(EnrolledSettings(overrule=None),
                                                                                noise_margin=NOISE_MARGIN),
                 **{f"overrule {r:g}" + (" (shipped)" if r == OVERRULE else ""):
                    Choice(EnrolledSettings(overrule=r), noise_margin=NOISE_MARGIN) for r in (0.5, 0.6, 0.7, 0.8, 0.9)},
                 "overrule 0.7, stop, wait and it hurts too": Choice(EnrolledSettings(overrule=0.7),
                                                                     noise_margin=NOISE_MARGIN, spared=False)},
    "shortest": {"no length asked (as before)": Choice(EnrolledSettings(shortest=None), noise_margin=NOISE_MARGIN),
                 **{f"shortest {v:g}" + (" (shipped)" if v == SHORTEST else ""):
                    Choice(EnrolledSettings(shortest=v), noise_margin=NOISE_MARGIN) for v in (0.4, 0.5, 0.6)},
                 "no noise references, no length asked": Choice(EnrolledSettings(shortest=None)),
                 "no noise references, shortest 0.5": Choice(EnrolledSettings(shortest=0.5))},
    "opinion": {"the nearest take's phrase (as before)": Choice(EnrolledSettings(opinion=None),
                                                                 noise_margin=NOISE_MARGIN),
                **{f"opinion {w:g}" + (" (shipped)" if w == OPINION else ""):
                   Choice(EnrolledSettings(opinion=w), noise_margin=NOISE_MARGIN) for w in (0.01, 0.02, 0.03, 0.05)}},
    "opinion_dropped": {
        "the nearest take's phrase": Choice(EnrolledSettings(opinion=None), noise_margin=NOISE_MARGIN),
        "opinion, weighed before the length rule and veto (as first built)":
            Choice(EnrolledSettings(weigh_dropped=True), noise_margin=NOISE_MARGIN),
        "opinion, moving only votes that stand (shipped)": Choice(noise_margin=NOISE_MARGIN),
        "no noise references, the nearest take's phrase": Choice(EnrolledSettings(opinion=None)),
        "no noise references, opinion weighed first": Choice(EnrolledSettings(weigh_dropped=True)),
        "no noise references, opinion moving only votes that stand": Choice()},
    "rescue": _rescues((0.5, 0.1, 0.01, 0.001)),
    "rescue_noise": {**_rescues((0.9, 0.5, 0.1)),
                     **_rescues((0.9, 0.5, 0.1), references=False)},
    "vote_bar": {"a vote stands unless vetoed (as before)": Choice(noise_margin=NOISE_MARGIN),
                 **{f"vote bar {bar:g}": Choice(EnrolledSettings(vote_bar=bar), noise_margin=NOISE_MARGIN)
                    for bar in (0.001, 0.01, 0.03, 0.1)}},
    "own": {"one threshold for every command (shipped)": Choice(noise_margin=NOISE_MARGIN),
            **{f"each command's own threshold, {own:g} times its spread": Choice(noise_margin=NOISE_MARGIN, own=own)
               for own in (1.2, 1.5, 2.0)}},
    "bar_beyond": {"a vote stands unless vetoed (shipped)": Choice(noise_margin=NOISE_MARGIN),
                   **{f"vote bar {bar:g} beyond {beyond:g} of the threshold":
                      Choice(EnrolledSettings(vote_bar=bar, bar_beyond=beyond), noise_margin=NOISE_MARGIN)
                      for beyond, bar in ((0.8, 0.03), (0.8, 0.1), (0.85, 0.1), (0.9, 0.3))}},
    "grace": {"a vote waits 1 s for the general recognizer (shipped)": Choice(noise_margin=NOISE_MARGIN),
              **{f"a vote waits {grace:g} s, its neighbours {apart:g} s":
                 Choice(EnrolledSettings(grace=grace, apart=apart), noise_margin=NOISE_MARGIN)
                 for grace, apart in ((0.75, APART), (0.5, APART), (0.4, 0.4))}},
    "grace_near": {"a vote waits 1 s for the general recognizer (shipped)": Choice(noise_margin=NOISE_MARGIN),
                   **{f"a vote waits {grace:g} s": Choice(EnrolledSettings(grace=grace), noise_margin=NOISE_MARGIN)
                      for grace in (0.7, 0.65, 0.6)}},
    "unsure": {"every vote sure (as before)": Choice(EnrolledSettings(unsure_beyond=None), noise_margin=NOISE_MARGIN),
               **{f"unsure beyond {beyond:g} of the threshold" + (" (shipped)" if beyond == UNSURE_BEYOND else ""):
                  Choice(EnrolledSettings(unsure_beyond=beyond), noise_margin=NOISE_MARGIN)
                  for beyond in (0.8, 0.7, 0.6, 0.5, 0.4, 0.0)}},
    "sure_wait": {"a sure vote waits as any (as before)": Choice(EnrolledSettings(sure_wait=None),
                                                                  noise_margin=NOISE_MARGIN),
                  **{f"a sure vote waits {wait:g} s" + (" (shipped)" if wait == SURE_WAIT else ""):
                     Choice(EnrolledSettings(sure_wait=wait), noise_margin=NOISE_MARGIN)
                     for wait in (0.45, 0.3, 0.15)}},
    "room_variants": {"white 10, 5 dB (as before)": Choice(noise_margin=NOISE_MARGIN, augment=WHITE),
                      "white 10, 5 dB, room 10 dB (shipped)": Choice(noise_margin=NOISE_MARGIN,
                                                                     augment=(*WHITE, ("room", 10.0))),
                      "white 10, room 10 dB": Choice(noise_margin=NOISE_MARGIN,
                                                     augment=(("white", 10.0), ("room", 10.0))),
                      "white 10, 5 dB, room 10, 5 dB": Choice(noise_margin=NOISE_MARGIN,
                                                              augment=(*WHITE, ("room", 10.0), ("room", 5.0)))},
}
COUNTS = 7
"""How many counts _variants gives each choice before the delays (5 before the `unsure` set: no `asked`)."""
CONDITIONS = ("clean", "kitchen 10 dB, with the words", "kitchen 5 dB, with the words", "room",
              "room, kitchen 10 dB running", "kitchen 10 dB running")


def _variants(grammar: Grammar, choices: dict[str, Choice], matchers: dict[Any, Matcher],
              embedding: RememberingEmbedding, tr: Track, replay: list[Detection] | None) -> dict[str, list[float]]:
    """(right, expected, clips with a command where none was said, clips, commits, then the delay of each right
    commit after its speech: enrolment.delays) of the profile with each choice."""
    listening: list[Recognizer] = []
    if replay is None:
        shipped, judged, _ = general(grammar)
        listening.append(shipped)
        veto = judged.inner
        feeds: list[Recording] = [Tap(judged) for _ in choices]
    else:
        veto = SecondOpinion(Replay([]), grammar.phrases(), grammar.table, CommandModel.load())
        listening.append(veto)
        feeds = [Replay(replay) for _ in choices]
    assert isinstance(veto, SecondOpinion)
    stopping = grammar.barge_in_commands()
    enrolled = [EnrolledRecognizer(feed, matchers[c.matcher_kind], embedding, c.settings, meaning=grammar.table,
                                   agrees=veto.agrees if c.vetoed else None, likes=veto.likes if c.vetoed else None,
                                   spared=stopping if c.spared else frozenset())
                for feed, c in zip(feeds, choices.values(), strict=True)]
    found = decode([*listening, *enrolled], tr.audio)[len(listening):]
    return {name: [*score(grammar, tr, commits), len(tr.expect), len(commits), *asked(grammar, tr, commits),
                   *delays(grammar, tr, commits)]
            for name, commits in zip(choices, found, strict=True)}


def condition_tracks(family: str, name: str, phrases: Sequence[str], noise_bed: np.ndarray) -> dict[str, Track]:
    """The voice saying every phrase in each of CONDITIONS."""
    say = enrolment._speaker(family, name)
    paces = enrolment.TEST_PACES[family]
    return {"clean": enrolment.commands(say, paces, phrases, noise_bed, None),
            CONDITIONS[1]: enrolment.commands(say, paces, phrases, noise_bed, 10.0),
            CONDITIONS[2]: enrolment.commands(say, paces, phrases, noise_bed, 5.0),
            "room": room.commands(family, name, phrases, None),
            CONDITIONS[4]: room.commands(family, name, phrases, noise_bed),
            CONDITIONS[5]: room.commands(family, name, phrases, noise_bed, reverberant=False)}


def measure(grammar: Grammar, choices: dict[str, Choice], voices: Sequence[str], log: Any) -> dict[str, Any]:
    phrases = enrolment_phrases(grammar)
    embedding = RememberingEmbedding()
    noise_bed = heldout.kitchen_noise()
    talk = [speech.read_wav(p) for p in sorted((heldout.negatives_dir() / "clips").glob("*.flac"))
            if not heldout.held_out(p.name)][60:160]
    real = track([(a, None) for a in talk])
    real_general = decode([general(grammar)[1]], real.audio)[0]
    references = noise.load()
    # The part of the kitchen recording's first minute the noise references were not cut from (noise.py).
    kitchen_alone = speech.scale_to_rms(noise_bed[noise.NOISE_SECONDS * speech.RATE: 60 * speech.RATE], 1000.0)
    out: dict[str, Any] = {}
    for name in voices:
        family = "espeak-training"
        words = enrolment.enrol_words(embedding, family, name)
        takes = {augment: [*enrolment.enrol(embedding, family, name, phrases, augment), *words]
                 for augment in {c.augment for c in choices.values()}}
        matchers = {(within, margin, augment, own): Matcher(takes[augment], within=within, own=own,
                                                            noise=references if margin else (),
                                                            noise_margin=margin or 1.0)
                    for within, margin, augment, own in {c.matcher_kind for c in choices.values()}}
        say = enrolment._speaker(family, name)
        tracks = {**condition_tracks(family, name, phrases, noise_bed),
                  "kitchen alone": track([(kitchen_alone, None)]),
                  "own sentences": track([(say(s, enrolment.ENROL_PACE[family]), None)
                                          for s in [*GENERAL_SENTENCES, *article_sentences(40)]]),
                  "replies": track([(say(r, enrolment.ENROL_PACE[family]), None)
                                    for r in replies.replies(held=False)])}
        figures = {key: _variants(grammar, choices, matchers, embedding, tr, None) for key, tr in tracks.items()}
        figures["real talk"] = _variants(grammar, choices, matchers, embedding, real, real_general)
        out[name] = figures
        log(f"{name}: {json.dumps(figures)}")
    return out


def report(result: dict[str, Any], meta: dict[str, Any]) -> str:
    total: dict[str, dict[str, list[float]]] = {}
    late: dict[str, list[float]] = {}  # each choice's delays of right commits, every condition and voice
    for figures in result.values():
        for key, each in figures.items():
            for name, counts in each.items():
                was = total.setdefault(name, {}).setdefault(key, [0] * COUNTS)
                total[name][key] = [a + b for a, b in zip(was, counts[:COUNTS], strict=True)]
                late.setdefault(name, []).extend(counts[COUNTS:])
    first = next(iter(total.values()))
    timed = any(late.values())  # runs before 2026-12-06 kept no delays
    head = ["# How a profile votes: choices on training voices", "",
            f"`{meta['command']}` on {meta['date']} at {meta['commit']} ({meta['machine']}), "
            f"{meta['runtime_s']:.0f} s.",
            "", (__doc__ or "").split("\n\n", 1)[1].strip(), "",
            f"Voices: espeak-ng {', '.join('en-us+' + v for v in result)}. Commands right of {first['clean'][1]} per "
            "condition (one commit, the right command, in the clip's window); own sentences and real talk: clips with "
            "a command.", "",
            "| choice | " + " | ".join(CONDITIONS) + " | own sentences | real talk, tuning half |"
            + (" kitchen alone (20 s each, commands) |" if "kitchen alone" in first else "")
            + (" replies, tuning half |" if "replies" in first else "")
            + (" end of speech to commit, p50 / p95 (ms) |" if timed else "")
            + " commands heard right but asked back first, every condition |",
            "|---|" + "---:|" * (len(CONDITIONS) + 3 + ("kitchen alone" in first) + ("replies" in first) + timed)]
    rows = []
    t: dict[str, list[float]]
    for name, t in total.items():
        cells = [f"{100 * t[c][0] / t[c][1]:.1f} % ({t[c][0]})" for c in CONDITIONS]
        cells += [f"{t[k][2]}/{t[k][3]}{_at_once(t[k])}" for k in ("own sentences", "real talk")]
        cells += [str(t["kitchen alone"][4])] if "kitchen alone" in t else []
        cells += [f"{t['replies'][2]}/{t['replies'][3]}{_at_once(t['replies'])}"] if "replies" in t else []
        cells += [str(sum(t[c][5] for c in CONDITIONS))]
        cells += [heldout.delays_cell(late[name], counted=False).removesuffix(" ms")] if timed else []
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join([*head, *rows, ""])


def _at_once(counts: list[float]) -> str:
    """How many of the clips with a command had one done at once, where some were only asked back."""
    return f" ({counts[6]} at once)" if counts[6] != counts[2] else ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_choices",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--set", choices=sorted(CHOICES), required=True, help="which choices to measure")
    parser.add_argument("--voice", action="append", help="espeak-ng training variant (default: m3, f2, m1)")
    training = [name for _, name in room.TRAINING]
    which = parser.parse_known_args(argv)[0].set
    return heldout.run(__doc__ or "", f"profile_{which}",
                       lambda g, a, log: measure(g, CHOICES[a.set], a.voice or training[: 1 if a.quick else None], log),
                       report, argv, parser)


if __name__ == "__main__":
    sys.exit(main())
