"""The general recognizer, with the person's enrolled takes voting on every speech segment it is silent on, and
judging the length of the segments it commits in."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace

from voicecoach.asr.base import Detection, Recognizer
from voicecoach.asr.embedding import FRAME_S, WINDOW_S, SpeechEmbedding
from voicecoach.asr.enrolled.dtw import unit
from voicecoach.asr.enrolled.matcher import Match, Matcher
from voicecoach.asr.enrolled.segments import Segment, Segmenter
from voicecoach.asr.enrolled.takes import CONTEXT, RATE, around

# Theory of operation
# -------------------
# The general recognizer hears everything as it always has, and its commits pass through untouched. Beside it,
# an endpointer of its own cuts the same audio into speech segments; each ended segment is embedded and matched
# against the person's takes. When a take is near enough, its command is a vote, held for `grace` seconds of
# audio: if the general recognizer commits anything about that segment in the meantime, the vote is dropped
# (one command per segment, and the general recognizer's word stands); else the vote commits. So enrolment
# adds what the general recognizer misses in the person's voice (noise, their own way of saying it). A vote is also
# put to the command model's veto (`agrees`) as its segment ends, as the general recognizer's commits are: in noise
# that runs on, a clatter can stand nearer a short take ("stop") than the threshold.
#
# The takes also say how long the person takes to say each command. A general commit is held until the segment
# it falls in has ended, or fallen quiet for `quiet` seconds (most commits come after that); if that segment holds
# `talk` seconds more speech than the command's longest take, it was a sentence with the command's words in it
# ("hold for 5 seconds, then relax" as "hold on"), and the commit is dropped. Not while the coach speaks: its
# echo can lengthen a segment, and a "stop" over it must stand. A commit in no segment (the endpointer heard no
# speech) stands, and so does a phrase whose command has no takes.
#
# A command said to the coach is said on its own, with quiet around it. So a vote is also dropped when another
# segment lies within `apart` seconds before or after its own (a short phrase of a conversation: "right", "okay"),
# unless the coach spoke within that reach: then the person talks over it, or answers it at once, and its echo
# cuts the segments differently.
#
# A vote whose take stands near (within `unsure_beyond` of the threshold) is committed sure, and sooner
# (`sure_wait`): it does not wait to see speech begin after it, only before. One that stands farther is committed
# unsure (Detection.sure), and the coach asks it back before it changes the session.


TALK = 1.5
"""Seconds. Chosen on espeak-ng's training voices en-us, en-us+m3, en-us+f2, en-us+m1 and en-us+f4 (their 386
right general commits of the enrolled commands, clean and in kitchen noise and babble at 10 and 5 dB, lay at most
0.69 s past the command's longest take; the command's other phrases said slowly, at most 0.69 s longer than the
take, "hang on a second" for "pause", a phrase then); the one commit in their 275 everyday sentences lay 2.1 s
past it ("hold for 5 seconds, then relax" as "hold on")."""


APART = 0.5
"""Seconds of quiet a voted segment needs before and after it, from its speech to the other segment's. The
endpointer cuts two segments only after about 0.4 s of quiet, so this reaches the pauses of talk just longer than
that; chosen on training data only (benchmarks/ENROLMENT-TALK.md), the gentlest that did what wider ones did."""


QUIET = 0.2
"""Seconds without a frame the voice detector calls speech. The endpointer takes 0.45 s of quiet to end a
segment: held that long, en-us+m3's 32 right general commits (its commands at 140 and 185 words a minute) came
0.27 s later in the median; held this long, 0.15 s (0.21 at most; at 0.3, 0.27). Between the words of the 165
everyday sentences of espeak-ng's en-us, en-us+m3 and en-us+f2, 6 pauses lasted 0.2 s by the voice detector and
none 0.3 s; by the level the endpointer asks of speech, which quiet consonants fall under, 33 lasted 0.2 s."""


OVERRULE = 0.7
"""A vote overrules a general commit of another command when its take stands within this fraction of the
distance to that command's nearest take. Chosen on espeak-ng's training voices en-us+m3, +f2, +m1, +m5, +f4, +m7
(benchmarks/PROFILE_OVERRULE.md): 0.7 to 0.9 heard one more command at 10 dB, two more at 5 dB and one more in a
quiet room of 228 each (0.5 and 0.6 one fewer), with no other change, false commands included."""


OPINION: float | None = 0.02
"""How much the command model's opinion weighs in a vote among phrases whose takes stand nearly as near. Chosen on
espeak-ng's training voices en-us+m3, +f2, +m1, +m5, +f4, +m7 (benchmarks/PROFILE_OPINION.md): of 228 commands
each, 2 more heard at 5 dB, 1 more from the floor of a quiet room and 1 more with a kitchen running there, 1 fewer
in the kitchen's running noise alone, no false command more; 0.01 and 0.03 did as well but for one command, 0.05
lost 6 in running noise. Where the takes of "back", "next" and "help" stood within a few percent of each other at
5 dB, the model, trained on many voices, was right more often than the nearest take."""


RESCUE: float | None = 0.1
"""The command model's probability a phrase needs to take a vote the length rule or the veto dropped for the
nearest take's phrase. Chosen on espeak-ng's training voices en-us+m3, +f2, +m1, +m5, +f4, +m7
(benchmarks/PROFILE_RESCUE.md): 0.5, 0.1 and 0.01 each heard one more of 228 commands from the floor of a quiet
room and changed nothing else, false commands and kitchen noise alone included; 0.001 lost one with a kitchen
running there. The middle of those three."""


SHORTEST = 0.5
"""A vote's segment must last at least this fraction of the voted phrase's shortest take: a clatter near a short
take ("next", "stop") is a burst of a tenth of a second. Chosen on espeak-ng's training voices en-us+m3, +f2, +m1,
+m5, +f4, +m7 (benchmarks/PROFILE_SHORTEST.md): with the noise references, 3 more of 228 commands heard in a
kitchen's running noise and nothing else changed (0.4 the same, 0.6 one fewer); without them, as in noise they
were never cut from, 5 of 23 clatter votes kept out and 17 and 14 more commands heard in running noise."""


GRACE = 0.6
"""Seconds. Chosen on espeak-ng's training voices en-us+m3, +f2, +m1, +m5, +f4, +m7 (benchmarks/PROFILE_GRACE.md,
PROFILE_GRACE_NEAR.md): the shortest wait that changed no count of 1.0 s's (commands in six conditions, own
sentences, real talk, replies, kitchen noise alone), the end of speech to commit 0.79 / 1.45 s to 0.62 / 1.05 s
(p50 / p95). At 0.5 s a clatter in the kitchen's noise alone was voted 6 times: a segment that opens within APART
after the vote's opens only once the endpointer has heard 0.15 s of it, and the vote must wait to see it."""


UNSURE_BEYOND: float | None = 0.5
"""A vote whose take stands beyond this fraction of the threshold is committed unsure (Detection.sure), and the coach
asks back before acting on it when the command would change the session. Chosen on espeak-ng's training voices
en-us+m3, +f2, +m1, +m5, +f4, +m7 (benchmarks/PROFILE_UNSURE.md), by a rule fixed before the run: the highest
fraction whose clips with a command done at once where none was said (own sentences, tuning real talk and replies,
kitchen noise alone) are at most one more than with every vote asked back. At 0.5 as many (26: 20 replies, the rest
the general recognizer's); at 0.6, 28. The cost: 232 of 1188 commands heard right are asked back first (none clean,
15 to 33 % in noise and rooms)."""


SURE_WAIT: float | None = 0.45
"""Seconds a vote committed sure waits after its segment. Chosen on espeak-ng's training voices en-us+m3, +f2, +m1,
+m5, +f4, +m7 (benchmarks/PROFILE_SURE_WAIT.md) by the rule fixed before the run: the shortest of 0.45, 0.3 and
0.15 s that moves no count by more than one command per condition and adds no false command. 0.45: 5 more of 1368
commands heard (both with a kitchen running), the delay 616 / 1048 -> 580 / 1044 ms; 0.3 lost 4 clean; at 0.15 the
general recognizer's late commit of the same words often came as a second command."""


@dataclass(frozen=True)
class EnrolledSettings:
    grace: float = GRACE
    """Seconds after a segment ends that the general recognizer has to commit first. A vote that commits keeps
    the general recognizer's commits about its segment out for `after_vote` seconds after it."""
    after_vote: float | None = 1.5
    """Seconds after a voted segment's speech in which a general commit is the same words heard late, dropped
    (None: none is); as long as Combined keeps its two ways' commits of one utterance apart."""
    before: float = 0.5
    """A general commit this long before a segment began still counts as about it (its endpointer runs ahead)."""
    longest: float = 1.6
    """A segment with more frames than this times the longest take's is everyday talk, never matched."""
    keep: float = 8.0
    """Seconds of recent audio kept to cut segments from."""
    talk: float | None = TALK
    """A general commit in a segment this many seconds longer than its command's longest take is dropped as
    everyday talk (None: every general commit stands)."""
    quiet: float = QUIET
    """A held general commit stands once its segment, still short enough, has had no voice for this long."""
    apart: float | None = APART
    """A vote is dropped when another segment lies this many seconds or less before or after its own, unless the
    coach spoke in that time (None: no vote is dropped for its neighbours). A vote commits `grace` seconds after
    its segment, or this many if more."""
    sure: float | None = None
    """A vote whose take stands within this fraction of the threshold is not put to the second opinion (None:
    every vote is): a close match is the person's command whatever the model makes of their voice."""
    shortest: float | None = SHORTEST
    """A vote is dropped when its segment's speech lasts less than this fraction of the shortest take of the
    voted phrase (None: no vote is): a clatter is a burst, a command the person's own length."""
    overrule: float | None = OVERRULE
    """A general commit of another command about a segment a vote is pending on is dropped, and the vote stands,
    when the vote's take stands within this fraction of the distance to the nearest take of the general commit's
    command (of the threshold when it has none): the person's takes tell their own words apart better than a
    recognizer never tuned on their voice. Never a commit of a command in `spared` (None: the vote always yields)."""
    opinion: float | None = OPINION
    """Among the phrases whose nearest take is within the threshold, a vote goes to the one with the least
    distance / the nearest's distance - opinion * ln(the command model's probability of it) (`likes`; None: to the
    nearest): where the person's takes of two short commands stand nearly as near, in noise, the model trained on
    many voices tells them apart better than chance."""
    weigh_dropped: bool = False
    """The opinion also weighs a vote the length rule or the veto drops for its nearest phrase (False: it only
    moves a vote that stands, to a phrase that stands too, so it never makes a vote where there was none). Weighed
    first, as it was built, kitchen noise alone was voted more (benchmarks/PROFILE_OPINION.md)."""
    vote_bar: float | None = None
    """A vote stands only where the command model gives its command at least this probability (None: where it
    does not veto it, as the general recognizer's commits). Not while the coach speaks: the model has no opinion
    then (SecondOpinion.likes). Off: on training voices every bar from 0.001 up lost commands said from the floor of
    a room and in a kitchen's running noise, for 2 to 10 of 42 short replies (benchmarks/PROFILE_VOTE_BAR.md)."""
    bar_beyond: float = 0.0
    """The vote bar asks only of a vote whose take stands beyond this fraction of the threshold (0: of every vote):
    a near take is witness enough, while short replies ("I see" as repeat) stood in the last fifth of the threshold,
    where the model, trained on many voices, seldom thought them the command. Measured with the bar at 0.1 beyond 0.8
    and not shipped: 8 of 42 tuning replies kept out, 5 commands lost (benchmarks/PROFILE_BAR_BEYOND.md)."""
    sure_wait: float | None = SURE_WAIT
    """Seconds a vote committed sure (its take within `unsure_beyond` of the threshold) waits after its segment,
    instead of `grace` and `apart` (None: as long as any vote): a near take is the person's command, and needs less
    of the general recognizer's word and of the speech after it."""
    unsure_beyond: float | None = UNSURE_BEYOND
    """A vote whose take stands beyond this fraction of its threshold is committed with Detection.sure False (None:
    every vote is sure): the coach asks it back rather than skip on a reply that only resembles "skip"."""
    rescue: float | None = RESCUE
    """A vote the length rule or the veto drops for its nearest phrase goes to the phrase the opinion weighs best
    among the others within the threshold, when it passes them and the command model gives it at least this
    probability (None, or the opinion off: the vote is dropped). Far above the veto's bar: a clatter moved to a
    phrase the model merely did not rule out was how weighing first voted kitchen noise."""


LEAST_LIKED = 1e-6
"""The command model's probabilities are floored here before their logarithm: below it, all are as unlikely."""
DROPPED_KEPT = 50
ENDED_KEPT = 20


def _speech_seconds(frames: int) -> float:
    """How long the speech of a take with this many embedding frames lasted (it was cut with CONTEXT either side)."""
    return max(0.0, (frames - 1) * FRAME_S + WINDOW_S - 2 * CONTEXT)


@dataclass
class _Vote:
    phrase: str
    start: float
    end: float
    match: Match


class EnrolledRecognizer:
    """`general`'s commits, and the enrolled matcher's on the segments `general` commits nothing in."""

    def __init__(self, general: Recognizer, matcher: Matcher, embedding: SpeechEmbedding,
                 settings: EnrolledSettings | None = None, meaning: Mapping[str, Hashable] | None = None,
                 agrees: Callable[[Detection], bool] | None = None, spared: frozenset[Hashable] = frozenset(),
                 likes: Callable[[Detection], float | None] | None = None) -> None:
        """`meaning`: each phrase's command, so that a phrase with no takes of its own ("hang on") is judged by
        its command's takes ("pause"); without it only enrolled phrases are judged. `agrees`: a second opinion
        on a vote (the command model's veto, SecondOpinion.agrees), asked as its segment ends. `spared`: commands
        a vote never overrules (EnrolledSettings.overrule): those that stop the coach, safe even when misheard.
        `likes`: the command model's probability of a phrase (SecondOpinion.likes), None where it has no opinion;
        weighed in a vote by EnrolledSettings.opinion."""
        if general.sample_rate != RATE:
            raise ValueError(f"the enrolled matcher hears {RATE} Hz audio, not {general.sample_rate} Hz")
        self.general = general
        self.matcher = matcher
        self.embedding = embedding
        self.settings = settings or EnrolledSettings()
        self.sample_rate = RATE
        self._segments = Segmenter(self.settings.keep)
        self._votes: list[_Vote] = []
        self._general_times: list[float] = []  # recent general commits
        self._listening: frozenset[str] | None = None
        self._restricted: frozenset[str] | None = None
        self._longest = max(len(take.frames) for take in matcher.takes) * self.settings.longest
        self._meaning = meaning or {}
        self._agrees = agrees
        self._likes = likes
        self._spared = spared
        self.overruled: list[Detection] = []
        """The last DROPPED_KEPT general commits a vote overruled."""
        self.vetoed: list[Detection] = []
        """The last DROPPED_KEPT votes the second opinion vetoed."""
        self._said: dict[Hashable, float] = {}  # each command's longest take, seconds of speech
        self._briefest: dict[str, float] = {}  # each phrase's shortest take, seconds of speech
        for take in matcher.takes:
            said = _speech_seconds(len(take.frames))
            command = self._meaning.get(take.phrase, take.phrase)
            self._said[command] = max(self._said.get(command, 0.0), said)
            self._briefest[take.phrase] = min(said, self._briefest.get(take.phrase, said))
        self._ended: list[tuple[float, float]] = []  # recent segments, (start, end) in seconds
        self._coach_at = float("-inf")  # the last time the coach may have been heard (restricted), seconds
        self._held: list[Detection] = []  # general commits waiting for their segment to end
        self._voted: list[tuple[float, float]] = []  # recent segments a vote committed on, (start, end) in seconds
        self.dropped: list[Detection] = []
        """The last DROPPED_KEPT general commits dropped as talk."""

    # --- the Recognizer interface ---------------------------------------

    def accept(self, pcm: bytes) -> list[Detection]:
        found = self._not_voted(self.general.accept(pcm))
        for segment in self._segments.feed(pcm):
            self._segment_ended(segment)
        now = self._segments.samples / RATE
        if self._restricted is not None:
            self._coach_at = now
        return self._general(found, now) + self._due(now)

    def flush(self) -> list[Detection]:
        found = self._not_voted(self.general.flush())
        for segment in self._segments.flush():
            self._segment_ended(segment)
        now = self._segments.samples / RATE
        return self._general(found, now, final=True) + self._due(float("inf"))

    def restrict(self, phrases: frozenset[str] | None) -> None:
        if phrases is not None or self._restricted is not None:
            self._coach_at = self._segments.samples / RATE
        self._restricted = phrases
        self.general.restrict(phrases)

    def listen_for(self, phrases: frozenset[str] | None) -> None:
        self._listening = phrases
        self.general.listen_for(phrases)

    # --- the segments ---------------------------------------------------

    def _general(self, detections: list[Detection], now: float, final: bool = False) -> list[Detection]:
        """The general commits that stand by `now`: those judged, and the held ones whose segment has ended."""
        detections = self._not_overruled(detections)
        self._general_times += [d.t for d in detections]
        if self.settings.talk is None or self._restricted is not None:
            return [*self._release(now), *detections]
        self._held += detections
        out = []
        for detection in list(self._held):
            verdict = self._judge(detection, now, final)
            if verdict is not None:
                self._held.remove(detection)
                if verdict:
                    out.append(detection if detection.t >= now - 0.1 else replace(detection, t=now))
                else:
                    self.dropped = [*self.dropped[-DROPPED_KEPT + 1:], detection]
        return out

    def _not_voted(self, detections: list[Detection]) -> list[Detection]:
        """`detections` but those about a segment a vote has already committed on (one command per segment)."""
        s = self.settings
        if s.after_vote is None:
            return detections
        after = s.after_vote
        return [d for d in detections if not any(start - s.before <= d.t <= end + after for start, end in self._voted)]

    def _not_overruled(self, detections: list[Detection]) -> list[Detection]:
        """`detections` but those a pending vote about the same segment overrules (EnrolledSettings.overrule)."""
        s = self.settings
        if s.overrule is None or not self._votes:
            return detections
        out = []
        for detection in detections:
            command = self._meaning.get(detection.text, detection.text)
            vote = next((v for v in self._votes if v.start - s.before <= detection.t <= v.end + s.grace), None)
            if (vote is not None and command not in self._spared
                    and self._meaning.get(vote.phrase, vote.phrase) != command
                    and vote.match.distance <= s.overrule * self._rival(vote.match, command)):
                self.overruled = [*self.overruled[-DROPPED_KEPT + 1:], detection]
            else:
                out.append(detection)
        return out

    def _rival(self, match: Match, command: Hashable) -> float:
        """How far the voted segment stood from the nearest take of `command`; the threshold when it has none."""
        return min((distance for phrase, distance in match.phrases.items()
                    if self._meaning.get(phrase, phrase) == command), default=self.matcher.threshold)

    def _release(self, now: float) -> list[Detection]:
        out = [replace(d, t=max(d.t, now)) for d in self._held]
        self._held = []
        return out

    def _judge(self, detection: Detection, now: float, final: bool) -> bool | None:
        """Whether a general commit stands, or None while its segment is still open and not yet too long."""
        said = self._said.get(self._meaning.get(detection.text, detection.text))
        if said is None or self.settings.talk is None:
            return True
        limit = said + self.settings.talk
        s = self.settings
        opened = None if self._segments.open_since is None else self._segments.open_since / RATE
        ended = next(((start, end) for start, end in reversed(self._ended)
                      if start - s.before <= detection.t <= end + s.grace), None)
        # The segment the commit falls in; else one that ended just before it; else one that began just after.
        if opened is not None and (opened <= detection.t or (ended is None and opened - s.before <= detection.t)):
            if now - opened > limit:
                return False
            # Quiet for a moment: the person has stopped, and what they said so far was short enough.
            return True if final or now - self._segments.last_voice / RATE >= s.quiet else None
        return ended is None or ended[1] - ended[0] <= limit

    def _segment_ended(self, segment: Segment) -> None:
        self._ended = [*self._ended[-ENDED_KEPT + 1:], (segment.start / RATE, segment.end / RATE)]
        cut = around(segment.audio, *segment.span)
        if (len(cut) / RATE - WINDOW_S) / FRAME_S + 1 > self._longest:
            return  # longer than any command said slowly: talk, and not worth embedding
        frames = unit(self.embedding.embed(cut))
        allowed = self._allowed()
        match = self.matcher.decide(frames, allowed)
        if match is None:
            return
        at = segment.end / RATE
        if self.settings.weigh_dropped:
            match = self._weighed(match, at, allowed)
        if not self._stands(match, segment, record=True):
            rescued = self._rescued(match, at, allowed, segment)
            if rescued is None:
                return
            match = rescued
        if not self.settings.weigh_dropped:
            weighed = self._weighed(match, at, allowed)
            if weighed is not match and self._stands(weighed, segment, record=False):
                match = weighed
        self._votes.append(_Vote(match.phrase, segment.start / RATE, at, match))

    def _stands(self, match: Match, segment: Segment, record: bool) -> bool:
        """Whether a vote for `match` on `segment` passes the length rule and the model's veto (`record`: a veto is
        kept in `vetoed`)."""
        shortest = self.settings.shortest
        if shortest is not None and (segment.end - segment.start) / RATE < shortest * self._briefest[match.phrase]:
            return False
        # Asked now, while the general recognizer still holds the segment's audio: noise near a short take
        # (a clatter in a kitchen as "stop") is nothing like the command to the model.
        sure = self.settings.sure
        asked = sure is None or match.distance > sure * self.matcher.threshold_of(match.phrase)
        at = Detection(segment.end / RATE, match.phrase)
        barred = match.distance > self.settings.bar_beyond * self.matcher.threshold_of(match.phrase)
        if asked and ((self._agrees is not None and not self._agrees(at)) or (barred and self._below_bar(at))):
            if record:
                self.vetoed = [*self.vetoed[-DROPPED_KEPT + 1:], at]
            return False
        return True

    def _below_bar(self, at: Detection) -> bool:
        bar = self.settings.vote_bar
        if bar is None or self._likes is None:
            return False
        p = self._likes(at)
        return p is not None and p < bar

    def _rescued(self, match: Match, at: float, allowed: frozenset[str] | None, segment: Segment) -> Match | None:
        """The vote `match` dropped for its nearest phrase given to another (EnrolledSettings.rescue), or None."""
        bar = self.settings.rescue
        if bar is None or self._likes is None:
            return None
        other = self._weighed(match, at, allowed, skip=match.phrase)
        if other is match:
            return None
        p = self._likes(Detection(at, other.phrase))
        return other if p is not None and p >= bar and self._stands(other, segment, record=False) else None

    def _weighed(self, match: Match, at: float, allowed: frozenset[str] | None, skip: str | None = None) -> Match:
        """The phrase within the threshold that the takes and the command model, together, make likeliest (but
        `skip`; `match` itself when none is)."""
        weight = self.settings.opinion
        if weight is None or self._likes is None:
            return match
        best, chosen = None, match.phrase
        for phrase, distance in match.phrases.items():
            if (distance > self.matcher.threshold_of(phrase) or (allowed is not None and phrase not in allowed)
                    or phrase == skip):
                continue
            p = self._likes(Detection(at, phrase))
            if p is None:
                if phrase == match.phrase:
                    return match  # the model cannot weigh the nearest against the others
                continue
            score = distance / max(match.distance, 1e-9) - weight * math.log(max(p, LEAST_LIKED))  # 0: a take itself
            if best is None or score < best:
                best, chosen = score, phrase
        if chosen == match.phrase:
            return match
        return Match(chosen, match.phrases[chosen], "", match.phrases)  # the nearest take is another phrase's

    def _allowed(self) -> frozenset[str] | None:
        if self._listening is None:
            return self._restricted
        return self._listening if self._restricted is None else self._listening & self._restricted

    def _due(self, now: float) -> list[Detection]:
        out = []
        s = self.settings
        for vote in list(self._votes):
            sure = self._sure(vote.match)
            wait = s.sure_wait if sure and s.sure_wait is not None else max(s.grace, s.apart or 0.0)
            spoken = any(vote.start - s.before <= t <= vote.end + min(s.grace, wait) for t in self._general_times)
            if spoken:
                self._votes.remove(vote)
            elif now >= vote.end + wait:
                self._votes.remove(vote)
                if not self._crowded(vote):
                    out.append(Detection(min(now, vote.end + wait), vote.phrase, sure=sure))
                    self._voted.append((vote.start, vote.end))
        horizon = now - s.keep
        self._general_times = [t for t in self._general_times if t >= horizon]
        self._voted = [(start, end) for start, end in self._voted if end + (s.after_vote or 0.0) >= horizon]
        return out

    def _sure(self, match: Match) -> bool:
        beyond = self.settings.unsure_beyond
        return beyond is None or match.distance <= beyond * self.matcher.threshold_of(match.phrase)

    def _crowded(self, vote: _Vote) -> bool:
        """Whether another segment lies within `apart` of the vote's, the coach silent meanwhile."""
        apart = self.settings.apart
        if apart is None or self._coach_at >= vote.start - apart:
            return False
        lo, hi = vote.start - apart, vote.end + apart
        opened = self._segments.open_since
        if opened is not None and vote.end < opened / RATE <= hi:
            return True
        return any(start <= hi and end >= lo for start, end in self._ended if (start, end) != (vote.start, vote.end))

