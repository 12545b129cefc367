"""Train the command model: `python -m voicecoach.asr.commands_model.train` (needs the `train` extra).

Synthesizes every command phrase in the training voices (voices.py), perturbs them and mixes noise, takes the
tuning half of the real everyday talk, everyday sentences and the coach's own sentences as negatives, fits the
network with scikit-learn and writes the weights (numpy, float16) beside a report of the data used.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voicecoach.asr.commands_model import corpus
from voicecoach.asr.commands_model.combined import fired_alone
from voicecoach.asr.commands_model.corpus import Examples, Noises
from voicecoach.asr.commands_model.model import MODEL_PATH, NONE, WINDOW_FRAMES, CommandModel, label_of
from voicecoach.asr.commands_model.voices import TrainingVoiceError, Voice, random_voices
from voicecoach.asr.embedding import EMBEDDING_DIM, SpeechEmbedding
from voicecoach.testing import rooms, speech
from voicecoach.testing.real_talk import calibration, held_out, negatives_dir, said_apart

ARTICLE = Path(__file__).resolve().parents[3] / "tests" / "data" / "seed-article.txt"
VETO_KEEP = 0.99
"""The veto threshold keeps this share of the calibration voices' commands."""
ALONE_FIRES = 0.01
"""The model alone may fire on at most this share of the calibration half of the real talk."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voicecoach.asr.commands_model.train",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="the model file (.npz); its report beside it")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--espeak", type=int, default=16, help="random espeak-ng voices per phrase")
    parser.add_argument("--piper", type=int, default=6, help="Piper renderings per phrase")
    parser.add_argument("--copies", type=int, default=2, help="perturbed (and mostly noisy) copies per rendering")
    parser.add_argument("--phrases", type=int, default=0, help="only the first N phrases (0: all)")
    parser.add_argument("--real-clips", type=int, default=0, help="only N real clips of the tuning half (0: all)")
    parser.add_argument("--everyday", type=int, default=3, help="voices per everyday sentence")
    parser.add_argument("--replies", type=int, default=0,
                        help="espeak-ng voices per short reply (corpus.SHORT_REPLIES), beside flite's and one Piper; "
                        "0: none, as shipped (benchmarks/OPINION_TUNING.md measured 6)")
    parser.add_argument("--coach", type=int, default=0, help="only N of the coach's sentences (0: all)")
    parser.add_argument("--rooms", type=int, default=0,
                        help="simulated rooms to say copies in (0: none, as shipped: benchmarks/MODEL_ALONE.md)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401

        if args.rooms:
            import pyroomacoustics  # noqa: F401
    except ImportError as error:
        print(f"{parser.prog}: {error.name} is missing: pip install -e '.[train]'", file=sys.stderr)
        return 2
    if not (negatives_dir() / "noise" / "kitchen.flac").is_file():
        print(f"{parser.prog}: the real-speech negatives are not at {negatives_dir()}: set "
              "VOICECOACH_REAL_NEGATIVES to the real-speech-negatives directory", file=sys.stderr)
        return 2
    try:
        train(args)
    except (TrainingVoiceError, speech.SpeechSynthesisError) as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    return 0


def log(message: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def train(args: argparse.Namespace) -> None:
    from voicecoach.cli.main import load
    from voicecoach.testing.utterances import every_utterance

    started = time.monotonic()
    rng = np.random.default_rng(args.seed)
    content, grammar = load(None)
    phrases = grammar.phrases()[: args.phrases or None]
    labels = {p: label_of(grammar.table[p]) for p in phrases}
    embedding = SpeechEmbedding()
    negatives = negatives_dir()
    kitchen = speech.read_wav(negatives / "noise" / "kitchen.flac")[: 60 * speech.RATE]
    babble = corpus.babble([Voice("espeak", v, 160) for v in ("en-us+m1", "en-gb+f2", "en-029+m4", "en-us+f4")])
    noises = Noises(kitchen, babble)
    room_rng = np.random.default_rng([args.seed, 1])
    floors = [rooms.draw(room_rng) for _ in range(args.rooms)]

    def room() -> rooms.Room | None:
        """A training room, for corpus.ROOM_SHARE of the calls."""
        return floors[int(rng.integers(len(floors)))] if floors and rng.random() < corpus.ROOM_SHARE else None

    train_set, calib = Examples(), Examples()
    # Positives: every phrase in its own random draw of training voices; a few more voices only for calibration.
    jobs: list[tuple[Voice, str, bool]] = []
    for phrase in phrases:
        for voice in random_voices(rng, args.espeak, args.piper):
            jobs.append((voice, phrase, False))
        for voice in random_voices(rng, max(1, args.espeak // 5), 1 if args.piper else 0)[::1]:
            if voice.engine != "flite":
                jobs.append((voice, phrase, True))
    audio = corpus.render_all([(v, p) for v, p, _ in jobs], log)
    log("embedding the commands")
    calib_clips: list[tuple[str, np.ndarray]] = []
    for (voice, phrase, for_calibration), raw in zip(jobs, audio, strict=True):
        target = calib if for_calibration else train_set
        for copy in range(args.copies + 1):
            clip = raw if copy == 0 else corpus.perturb(raw, rng)
            noisy = copy > 0 and rng.random() < corpus.NOISY_SHARE
            floor = room() if copy > 0 else None
            wins = corpus.positive_windows(embedding, clip, rng, noises if noisy else None, floor)
            kind = ", ".join(["noisy"] * noisy + ["from the floor"] * (floor is not None)) or "clean"
            target.add(wins, labels[phrase], f"{voice.engine} ({kind})")
            if for_calibration and len(wins):
                calib_clips.append((labels[phrase], wins))

    log("embedding the negatives")
    real = sorted((negatives / "clips").glob("*.flac"))
    real = [p for p in real if not held_out(p.name)]  # the held-out half is never seen here
    real_train = [p for p in real if not calibration(p.name)][: args.real_clips or None]
    real_calib = [p for p in real if calibration(p.name)][: args.real_clips or None]
    for path in real_train:
        clip = speech.read_wav(path)
        train_set.add(corpus.negative_windows(embedding, clip, rng, None), NONE, "real talk, tuning half")
        floor = room()
        train_set.add(corpus.negative_windows(embedding, clip, rng, noises, room=floor), NONE,
                      f"real talk, tuning half, noisy{', from the floor' if floor else ''}")
    sentences = [*corpus.EVERYDAY, *corpus.article_sentences(ARTICLE), *corpus.SOUND_ALIKES]
    coach = every_utterance(content, grammar)[: args.coach or None]
    neg_jobs = [(v, s) for s in sentences for v in random_voices(rng, args.everyday, 0)[: args.everyday]]
    neg_jobs += [(random_voices(rng, 1, 0)[0], s) for s in coach]
    replies = corpus.SHORT_REPLIES if args.replies else ()
    neg_jobs += [(v, s) for s in replies for v in random_voices(rng, args.replies, 1)]
    for (voice, text), clip in zip(neg_jobs, corpus.render_all(neg_jobs, log), strict=True):
        kind = ("the coach's sentences" if text in coach else "short replies" if text in replies
                else "everyday sentences")
        noisy = rng.random() < 0.5
        floor = room() if noisy else None
        train_set.add(corpus.negative_windows(embedding, clip, rng, noises if noisy else None, room=floor), NONE,
                      f"{kind} ({voice.engine}{', noisy' if noisy else ''}{', from the floor' if floor else ''})")
    for bed in noises.beds:
        for _ in range(8):
            start = int(rng.integers(0, len(bed) - 3 * speech.RATE))
            train_set.add(corpus.negative_windows(embedding, bed[start : start + 3 * speech.RATE], rng, None), NONE,
                          "noise alone")

    x, y = train_set.arrays()
    classes = sorted({*labels.values(), NONE})
    log(f"fitting: {len(x)} windows, {len(classes)} classes")
    model = fit(x, y, classes, args)
    veto, alone, figures = calibrate(model, calib_clips, real_calib, embedding, rng)
    model = CommandModel(model.classes, frozenset(phrases), model.mean, model.scale, model.w1, model.b1, model.w2,
                         model.b2, veto=veto, alone=alone)
    log("the commands the model alone commits in the tuning half of the real talk, said apart")
    talk = said_apart([speech.read_wav(p) for p in [*real_train, *real_calib]])
    never = fired_alone(model, phrases, grammar.table, talk)
    model = dataclasses.replace(model, never_alone=never)
    figures["never committed alone (committed in the tuning half, said apart)"] = ", ".join(sorted(never)) or "none"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out, {"seed": args.seed, "trained": time.strftime("%Y-%m-%d")})
    report = data_report(args, train_set, calib, len(real_train), len(real_calib), len(jobs), len(neg_jobs),
                         figures, veto, alone, time.monotonic() - started)
    args.out.with_suffix(".md").write_text(report)
    log(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB) and {args.out.with_suffix('.md')}")


def fit(x: np.ndarray, y: np.ndarray, classes: list[str], args: argparse.Namespace) -> CommandModel:
    """A one-hidden-layer network, each class weighed as much as the none class in all."""
    from sklearn.neural_network import MLPClassifier

    flat = x.reshape(len(x), WINDOW_FRAMES * EMBEDDING_DIM)
    mean = flat.mean(axis=0)
    scale = flat.std(axis=0) + 1e-3
    counts = {c: int((y == c).sum()) for c in classes}
    positives = sum(n for c, n in counts.items() if c != NONE)
    weight = np.array([1.0 if c == NONE else counts[NONE] / max(1, positives) for c in y], np.float32)
    net = MLPClassifier(hidden_layer_sizes=(args.hidden,), alpha=1e-3, batch_size=256, learning_rate_init=1e-3,
                        max_iter=args.epochs, random_state=args.seed, shuffle=True)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs, on purpose
        net.fit((flat - mean) / scale, y, sample_weight=weight)
    order = [list(net.classes_).index(c) for c in classes if c in net.classes_]
    w2, b2 = net.coefs_[1][:, order], net.intercepts_[1][order]
    if len(net.classes_) == 2:  # scikit-learn fits one logistic output for two classes: make it two
        w2 = np.concatenate([-net.coefs_[1], net.coefs_[1]], axis=1) / 2
        b2 = np.concatenate([-net.intercepts_[1], net.intercepts_[1]]) / 2
    return CommandModel(tuple(c for c in classes if c in net.classes_), frozenset(), mean.astype(np.float32),
                        scale.astype(np.float32), net.coefs_[0].astype(np.float32),
                        net.intercepts_[0].astype(np.float32), np.asarray(w2, np.float32),
                        np.asarray(b2, np.float32), veto=0.0, alone=1.0)


def calibrate(model: CommandModel, positives: list[tuple[str, np.ndarray]], real: list[Path],
              embedding: SpeechEmbedding, rng: np.random.Generator) -> tuple[float, float, dict[str, str]]:
    """The thresholds, on data not trained on: the veto keeps VETO_KEEP of the calibration voices' commands; the
    model alone fires on at most ALONE_FIRES of the calibration third of the tuning half of the real talk."""
    index = {c: i for i, c in enumerate(model.classes)}
    own = np.array([model.probabilities(w)[:, index[label]].max() for label, w in positives]) if positives else \
        np.ones(1)
    best = np.array([_best_command(model, w)[1] for _, w in positives]) if positives else np.ones(1)
    right = np.mean([_best_command(model, w)[0] == label for label, w in positives]) if positives else 0.0
    veto = float(min(0.5, np.quantile(own, 1 - VETO_KEEP)))
    fired = []
    for path in real:
        wins = corpus.negative_windows(embedding, speech.read_wav(path), rng, None, step=1)
        fired.append(_best_command(model, wins)[1] if len(wins) else 0.0)
    fires = np.sort(np.array(fired or [0.0]))
    alone = float(max(0.5, fires[min(len(fires) - 1, int(np.ceil(len(fires) * (1 - ALONE_FIRES))))] + 1e-4))
    alone = min(alone, 0.99)
    figures = {
        "calibration commands": str(len(positives)),
        "right command ranked first (no threshold)": f"{100 * right:.1f} %",
        "kept by the veto": f"{100 * np.mean(own >= veto):.1f} %",
        "heard by the model alone": f"{100 * np.mean(best >= alone):.1f} %",
        "calibration real clips": str(len(real)),
        "real clips the model alone fires on": f"{100 * np.mean(fires >= alone):.1f} %",
    }
    return veto, alone, figures


def _best_command(model: CommandModel, wins: np.ndarray) -> tuple[str, float]:
    """The most probable command over the windows, and its probability."""
    p = model.probabilities(wins)
    p[:, model.classes.index(NONE)] = 0.0
    i, j = np.unravel_index(int(p.argmax()), p.shape)
    return model.classes[j], float(p[i, j])


def rooms_said(n: int) -> str:
    """What the report says of the rooms, if any."""
    if not n:
        return ""
    return (f"; {100 * corpus.ROOM_SHARE:.0f} % of them, and of the noisy negatives, said from the floor of one of "
            f"{n} simulated rooms (voicecoach/testing/rooms.py, drawn from the seed: not the benchmarks' rooms)")


def data_report(args: argparse.Namespace, train_set: Examples, calib: Examples, real_train: int, real_calib: int,
                renders: int, negative_renders: int, figures: dict[str, str], veto: float, alone: float,
                seconds: float) -> str:
    out = ["# The command model's training data", "",
           f"`python -m voicecoach.asr.commands_model.train` seed {args.seed}, {time.strftime('%Y-%m-%d')}, "
           f"{seconds / 60:.1f} min on this machine.", "",
           "Voices: espeak-ng accents with numbered variants (voices.py ESPEAK_BASES x ESPEAK_VARIANTS, "
           f"{args.espeak} random per phrase, 110-220 wpm), flite awb and rms at 3 stretches, Piper en_US-joe-medium "
           f"({args.piper} per phrase, length scale 0.75-1.4, noise scale 0.3-1.0). Never Festival or espeak-ng's "
           "variants named after people (held out), nor flite's kal16 and slt (the same recordings as Festival's "
           "held-out kal and slt).",
           f"Each rendering clean, and {args.copies} copies perturbed with sox (vocal-tract length 0.88-1.12, "
           f"pitch +-250 cents, tempo 0.85-1.2), {100 * corpus.NOISY_SHARE:.0f} % of them in noise at "
           f"{corpus.SNR_RANGE[0]:g}-{corpus.SNR_RANGE[1]:g} dB: the first minute of the real kitchen recording "
           "(the held-out benchmark mixes the same recording, at any offset), babble of 4 training voices, white "
           f"noise{rooms_said(args.rooms)}.", "",
           f"Command renderings: {renders}; negative renderings: {negative_renders}; real clips: {real_train} of "
           f"the tuning half for training, {real_calib} kept for the thresholds (the held-out half is never read).",
           "", "| windows from | training | calibration |", "|---|---:|---:|"]
    for source in sorted({*train_set.sources, *calib.sources}):
        out.append(f"| {source} | {train_set.sources.get(source, 0)} | {calib.sources.get(source, 0)} |")
    out += ["", f"Thresholds: veto below {veto:.2g}, the model alone at {alone:.3f}.", "",
            "| on data not trained on (calibration voices, calibration real clips) | |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in figures.items()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
