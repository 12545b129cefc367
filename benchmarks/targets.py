"""The targets each figure is held to, how far a value is from its target, and what limits each figure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A bound on one figure: value >= bound (at_least) or <= bound."""

    key: str
    label: str
    bound: float
    at_least: bool
    unit: str  # "%" (a share shown as percent), "ms", "s", "MB", "x", ""
    why: str
    """What limits this figure: the fixed half of the note BENCHMARKS.md prints when the target is missed."""

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        v = abs(value) if self.key == "drift_60s_ms" else value
        return v >= self.bound if self.at_least else v <= self.bound

    def show(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        if self.unit == "%":
            return f"{value * 100:.1f} %"
        if self.unit == "x":
            return f"{value:.3f}"
        if self.unit == "":
            return f"{value:g}"
        digits = (1 if abs(value) < 100 else 0) if self.unit == "ms" else 2 if self.unit == "s" else 0
        return f"{value:.{digits}f} {self.unit}"

    def goal(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.show(self.bound)}"

    def gap(self, value: float | None) -> str:
        """'met', or how far the value is from the bound, in the figure's unit."""
        ok = self.met(value)
        if ok is None or value is None:
            return "not measured"
        v = abs(value) if self.key == "drift_60s_ms" else value
        if ok:
            return "met"
        d = abs(v - self.bound)
        if self.unit == "%":
            return f"missed by {d * 100:.1f} points"
        return f"missed by {self.show(d) if self.unit not in ('', 'x') else f'{d:.3g}'}"


_NOISE = ("The acoustic model has no noise training and adapts only its cepstral mean. White noise masks the "
          "fricatives and stops (s, t, p, k) that tell a command from a decoy; babble is speech, so the "
          "Endpointer rarely hears the 0.3 s of quiet that ends a segment and segments grow past the command, "
          "which the whole-segment commit rule then rejects.")

APPROACH_TARGETS = [
    Target("recall_clean", "command recall, clean", 0.98, True, "%",
           "PocketSphinx's en-us acoustic model was trained on recorded US speech, not on espeak-ng's formant "
           "voices, and the accents (en-gb, en-029, scotland) and fast speech (200 wpm) are furthest from it. "
           "The shipped recognizer commits only when the whole segment decodes to exactly one command, so one "
           "misheard word of a long phrase ('start knee to chest stretch') or a decoy winning over a short "
           "command loses the command; the per-command table shows which phrases fail."),
    Target("recall_10dB", "command recall, 10 dB SNR", 0.95, True, "%", _NOISE),
    Target("recall_5dB", "command recall, 5 dB SNR", 0.90, True, "%", _NOISE),
    Target("false_trigger_rate", "false triggers (share of non-command clips)", 0.01, False, "%",
           "A grammar search explains any sound with the words it allows. With only the commands in the grammar "
           "and no rejection, ordinary speech is forced onto a command; decoy words give that speech somewhere "
           "else to go, but sound-alike words and short commands said on their own inside talk remain close. "
           "The open-vocabulary decoder rarely produces an exact command by chance, which is also why its "
           "recall is low."),
    Target("self_triggers", "self-triggers (commands from the coach's voice)", 0, False, "",
           "While the loudspeaker plays and for 0.3 s after (voicecoach.live), only the barge-in phrases may "
           "commit. The coach's own sentences contain those words ('stop', 'pause', 'wait', 'it hurts'), and a "
           "segment that ends after the mute tail is judged against every command. The baselines have no barge-in "
           "check beyond that phrase filter."),
    Target("latency_p50_ms", "latency end of speech to commit, p50", 200, False, "ms",
           "A segment ends only when the Endpointer has seen most of a 0.3 s window of silence, so a commit at "
           "the end of a segment comes at least about 0.3 s after the speech. The shipped early commit needs a "
           "terminal phrase, a partial hypothesis stable across two looks and 0.15 s of quiet; audio arrives in "
           "100 ms chunks, and in noise the Endpointer ends segments later."),
    Target("latency_p95_ms", "latency end of speech to commit, p95", 400, False, "ms",
           "The tail is the segments that wait for the Endpointer (phrases that a longer phrase extends, such as "
           "'start cat', and everything in noise), plus one 100 ms chunk."),
    Target("rtf", "real-time factor (CPU time / audio time)", 0.05, False, "x",
           "Decoding cost grows with the search: the full language model's vocabulary costs an order of magnitude "
           "more than a grammar; the shipped grammar adds some hundred decoy words, decodes the first segments "
           "twice while cepstral normalization warms up, and feeds the Endpointer and a Vad every 30 ms frame."),
    Target("peak_rss_mb", "peak resident memory", 120, False, "MB",
           "Python, numpy and the acoustic model are the floor. The shipped recognizer also loads the 130k-word "
           "CMU dictionary and the full language model to rank decoy words by frequency; the open-vocabulary "
           "decoder keeps the whole trigram model resident."),
    Target("startup_s", "start-up to listening (fresh process)", 2.0, False, "s",
           "Interpreter and numpy import, loading the acoustic model and dictionary, and for the shipped "
           "recognizer building the decoy list from the dictionary and language model before compiling the "
           "grammar."),
]
VOSK_MEMORY = 350.0

TIMING_TARGETS = [
    Target("count_onset_p99_ms", "count onset (deadline to playback start), p99", 20, False, "ms",
           "The loop sleeps until the coach's next deadline, then the Say goes to the speaker thread, which renders "
           "the count (espeak, cached per word and rate only after its first use) before the sink starts it; "
           "thread wake-ups and a render on a cold cache add to the delay."),
    Target("drift_60s_ms", "drift between first and last count over the segment", 10, False, "ms",
           "Each count is scheduled on an absolute deadline (the hold's origin plus whole seconds), so late "
           "counts do not push later ones back; the drift is the last count's onset error minus the first's, "
           "that is the jitter of single onsets: thread wake-ups, and a count rendered on a cold cache."),
    Target("stop_to_silence_ms", "stop command to silence", 100, False, "ms",
           "The cut is a threading.Event the sink waits on; the time is the hand-off from the loop to the speaker "
           "thread and that thread's wake-up. A sound card adds its output buffer, which the real-rate sink has not."),
]


def memory_target(kind: str) -> Target:
    """The peak-memory bound of an approach: 120 MB for PocketSphinx ones, 350 MB for Vosk small."""
    base = next(t for t in APPROACH_TARGETS if t.key == "peak_rss_mb")
    if kind != "shipped-vosk":
        return base
    return Target(base.key, base.label, VOSK_MEMORY, False, "MB", base.why)
