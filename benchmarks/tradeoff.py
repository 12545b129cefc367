"""`python -m benchmarks.tradeoff [--quick]`: recall against false triggers as the command weight moves."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import corpus, decode, runs, score
from benchmarks.approaches import Approach
from benchmarks.targets import APPROACH_TARGETS
from voicecoach.asr.pocketsphinx import SENSITIVITY_WEIGHTS
from voicecoach.core.grammar import Grammar

REPO = runs.REPO
# From forcing nearly every segment onto a command (10^4) to rejecting all but the clearest (10^-9). 1 is as shipped.
WEIGHTS = (1e4, 1e2, 1.0, 1e-2, 1e-4, 1e-6, 1e-9)
QUICK_WEIGHTS = (1e2, 1.0, 1e-4)
SHIPPED = "voicecoach"
GRAMMAR_ONLY = "grammar-only"
OPEN_VOCABULARY = "open-vocabulary"
FIGURES = ("recall_clean", "recall_10dB", "recall_5dB", "false_trigger_rate", "recall_flite",
           "false_trigger_rate_flite", "wrong_command_rate", "rtf")
BOUND = {t.key: t.bound for t in APPROACH_TARGETS}  # the targets, as BENCHMARKS.md states them
RECALL_TARGETS = (("recall_clean", "clean"), ("recall_10dB", "at 10 dB"), ("recall_5dB", "at 5 dB"))
COLUMNS = (("recall clean", "recall_clean"), ("10 dB", "recall_10dB"), ("5 dB", "recall_5dB"),
           ("false triggers", "false_trigger_rate"), ("recall flite", "recall_flite"),
           ("false triggers flite", "false_trigger_rate_flite"), ("wrong commands", "wrong_command_rate"))


log = runs.logger("tradeoff")


def weight_key(weight: float) -> str:
    return f"{SHIPPED}@{weight:g}"


def parse_weights(text: str) -> tuple[float, ...]:
    """"1,1e-4" -> (1.0, 0.0001); a weight must be a positive number."""
    try:
        weights = tuple(float(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not weights or any(not w > 0 or w == float("inf") for w in weights):
        raise argparse.ArgumentTypeError(f"{text!r}: every weight must be a positive number")
    return weights


def clip_sets(grammar: Grammar, plan: corpus.Plan) -> list[corpus.ClipSet]:
    """The command clips clean and at the SNRs of the targets (10 and 5 dB), the non-command clips (the coach idle: it
    listens for every phrase) and flite's."""
    phrases = grammar.phrases()
    bed = corpus.babble_bed()
    # Made for every SNR of the plan and then left out, as a set's voices and noise depend on its SNR's place.
    commands = [cs for cs in corpus.command_sets(phrases, plan, bed)
                if cs.name == "commands@clean" or cs.name.startswith(("commands@10dB", "commands@5dB"))]
    sets = [*commands, corpus.non_command_set(plan, bed), *corpus.flite_sets(phrases, plan)]
    return corpus.in_modes(sets, grammar)


def measure(grammar: Grammar, sets: list[corpus.ClipSet], weights: tuple[float, ...], workers: int,
            baselines: bool = True) -> dict[str, dict[str, Any]]:
    """Each weight's figures (and the baselines': grammar-only on every set, open vocabulary on the non-commands,
    where its false triggers are; its recall costs three times the rest of the run and is in BENCHMARKS.md)."""
    shipped = [Approach(weight_key(w), f"voicecoach, command weight {w:g}", "shipped-pocketsphinx",
                        command_weight=w) for w in weights]
    non_commands = [cs for cs in sets if cs.name == "non-commands"]
    with tempfile.TemporaryDirectory(prefix="tradeoff-", dir=runs.mkdir(corpus.bench_cache())) as tmp:
        tracks, _ = runs.save_tracks(sets, Path(tmp))
        groups = [(shipped, sets)]
        if baselines:
            groups += [([Approach(GRAMMAR_ONLY, "grammar only", "grammar-only")], sets),
                       ([Approach(OPEN_VOCABULARY, "open vocabulary", "open-vocabulary")], non_commands)]
        jobs = decode.costliest_first([job for approaches, on in groups for job in decode.plan_jobs(
            approaches, on, tracks, grammar)])
        log(f"decoding: {len(jobs)} jobs on {workers} workers")
        decoded = decode.decode_all(jobs, sets, workers,
                                    lambda n, total: log(f"  {n}/{total} jobs done") if n % 10 == 0 else None)
    out = {}
    for key, dec in decoded.items():
        r = score.score(dec, sets, grammar, [None, 10.0, 5.0])
        out[key] = {k: r.get(k) for k in FIGURES} | {"false_trigger_examples": _examples(dec, non_commands)}
    if OPEN_VOCABULARY in out:  # it decoded no command clips: no recall, and no cost comparable with the rest's
        out[OPEN_VOCABULARY] = {"false_trigger_rate": out[OPEN_VOCABULARY]["false_trigger_rate"]}
    return out


def _examples(dec: decode.Decoded, non_commands: list[corpus.ClipSet], n: int = 8) -> list[str]:
    """The first `n` non-command clips that committed a command, homophones left out as in the share."""
    found = [(item, f) for cs in non_commands for item, f in zip(cs.items, dec.per_item.get(cs.name, []), strict=True)]
    return [f"{item.label} -> {[t for _, t in f]}" for item, f in found if f and item.category != "homophone"][:n]


def verdict(results: dict[str, Any]) -> list[str]:
    """What the curve says about the issue's bar and targets, as sentences."""
    points = results["points"]
    gram = results.get(GRAMMAR_ONLY) or {}
    ov = results.get(OPEN_VOCABULARY) or {}
    out = []
    if gram.get("recall_clean") is not None and ov.get("false_trigger_rate") is not None:
        need_recall, need_ft = gram["recall_clean"], ov["false_trigger_rate"]
        both = [p for p in points if p["recall_clean"] >= need_recall and p["false_trigger_rate"] <= need_ft]
        # Short of it: the fewest false triggers of the weights that keep the grammar-only recall.
        near = min((p for p in points if p["recall_clean"] >= need_recall), key=lambda p: p["false_trigger_rate"],
                   default=None)
        out.append(
            f"The bar (the grammar-only recall, {_pc(need_recall)} % clean, with the open-vocabulary false-trigger "
            f"rate, {_pc(need_ft)} %): " + (
                "met at command weight " + ", ".join(f"{p['weight']:g}" for p in both) if both else
                "met at no weight measured" + (
                    f"; closest, weight {near['weight']:g}: recall {_pc(near['recall_clean'])} % with "
                    f"{_pc(near['false_trigger_rate'])} % false triggers" if near else ""))
            + ".")
    most_ft = BOUND["false_trigger_rate"]
    low = [p for p in points if p["false_trigger_rate"] <= most_ft]
    best = max(low, key=lambda p: p["recall_clean"], default=None)
    out.append(f"At the target of at most {most_ft * 100:g} % false triggers: " + (
        f"recall {_pc(best['recall_clean'])} % clean at best (weight {best['weight']:g})." if best else
        f"no weight measured gets there (fewest: {_pc(min(p['false_trigger_rate'] for p in points))} %)."))
    for key, where in RECALL_TARGETS:
        goal = BOUND[key]
        measured = [p for p in points if p.get(key) is not None]
        if not measured:
            continue
        fewest = min((p for p in measured if p[key] >= goal), key=lambda p: p["false_trigger_rate"], default=None)
        out.append(f"At the target of at least {goal * 100:g} % recall {where}: " + (
            f"{_pc(fewest['false_trigger_rate'])} % false triggers at best (weight {fewest['weight']:g})." if fewest
            else f"no weight measured gets there (most: {_pc(max(p[key] for p in measured))} %)."))
    return out


def _pc(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}"


def weight_label(weight: float) -> str:
    """The weight as the report's rows show it, with the sensitivity setting that picks it, if any."""
    names = [name for name, w in SENSITIVITY_WEIGHTS.items() if w == weight]
    if not names:
        return f"{weight:g}"
    return f"{weight:g} ({names[0]}" + (", shipped)" if weight == 1.0 else ")")


def render(results: dict[str, Any]) -> str:
    """benchmarks/TRADEOFF.md."""
    meta = results["meta"]
    lines = [
        "# Recall against false triggers, as the command weight moves",
        "",
        f"Generated by `{meta['command']}` (about {meta['runtime_s']:.0f} s); do not edit by hand. "
        "`SphinxSettings.command_weight` is the weight of each command against the decoy words and the free-phone "
        "loop in the search that decides a segment: higher hears more commands and more non-commands as commands. "
        "The shipped recognizer uses 1; the `sensitivity` setting picks "
        + ", ".join(f"{w:g} ({name})" for name, w in SENSITIVITY_WEIGHTS.items())
        + ". This run measures the curve that one knob draws, and where the "
        "baselines of BENCHMARKS.md sit against it.",
        "",
        f"- **Date:** {meta['date']}; commit {meta['commit']}",
        f"- **Clips:** {meta['corpus']}",
        "- **Figures:** recall and false triggers as in BENCHMARKS.md: each command said in the coach's mode where "
        "it matters, the non-commands with the coach idle (when it listens for every phrase); flite's voices are "
        "voices nothing was tuned on. The noisy command clips (white noise and babble) are those of BENCHMARKS.md; "
        "the false triggers are on the non-command clips without added noise, where the targets are set. Open "
        "vocabulary is decoded on the non-command clips only: its recall costs three times the rest of this run, "
        "and is in BENCHMARKS.md.",
        "",
        "| command weight | " + " | ".join(title for title, _ in COLUMNS) + " |",
        "|---:|" + "---:|" * len(COLUMNS),
    ]

    def row(name: str, figures: dict[str, Any]) -> str:
        return f"| {name} | " + " | ".join(
            f"{_pc(figures[key])} %" if figures.get(key) is not None else "" for _, key in COLUMNS) + " |"

    for p in results["points"]:
        lines.append(row(weight_label(p["weight"]), p))
    for name in (GRAMMAR_ONLY, OPEN_VOCABULARY):  # open vocabulary: its false triggers only (measure())
        if results.get(name):
            lines.append(row(name, results[name]))
    lines += ["", *[f"- {s}" for s in verdict(results)], "",
              "What commits at each weight (non-command clips with a command, first 8; exact homophones such as "
            "'pane' left out, as in the share):", ""]
    for p in results["points"]:
        lines.append(f"- **{p['weight']:g}:** " + ("; ".join(p["false_trigger_examples"]) or "none"))
    lines += ["", "![recall against false triggers](tradeoff.png)", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """The curve, with the baselines' points and the targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    most_ft, least_recall = BOUND["false_trigger_rate"] * 100, BOUND["recall_clean"] * 100
    fig, ax = plt.subplots(figsize=(7.0, 4.8), dpi=110)
    ax.axvspan(0, most_ft, color="0.93", zorder=0)
    ax.axhline(least_recall, color="0.6", lw=0.8, ls="--")
    pts = results["points"]
    ax.plot([p["false_trigger_rate"] * 100 for p in pts], [p["recall_clean"] * 100 for p in pts], "o-", color="C0",
            label="voicecoach (espeak-ng)")
    for p in pts:
        ax.annotate(f"{p['weight']:g}", (p["false_trigger_rate"] * 100, p["recall_clean"] * 100),
                    textcoords="offset points", xytext=(5, -10), fontsize=7, color="C0")
    flite = [p for p in pts if p.get("recall_flite") is not None and p.get("false_trigger_rate_flite") is not None]
    if flite:
        ax.plot([p["false_trigger_rate_flite"] * 100 for p in flite], [p["recall_flite"] * 100 for p in flite],
                "s--", color="C2", ms=4, label="voicecoach (flite)")
    gram, ov = results.get(GRAMMAR_ONLY), results.get(OPEN_VOCABULARY)
    if gram:
        ax.scatter([gram["false_trigger_rate"] * 100], [gram["recall_clean"] * 100], color="C1", zorder=3,
                   label="grammar-only (espeak-ng)")
        if gram.get("recall_flite") is not None and gram.get("false_trigger_rate_flite") is not None:
            ax.scatter([gram["false_trigger_rate_flite"] * 100], [gram["recall_flite"] * 100], color="C1",
                       marker="s", zorder=3, label="grammar-only (flite)")
        if ov:
            # The bar: the grammar-only recall with the open-vocabulary false-trigger rate, or better.
            ax.add_patch(Rectangle((0, gram["recall_clean"] * 100), ov["false_trigger_rate"] * 100,
                                       100 - gram["recall_clean"] * 100, color="C1", alpha=0.15,
                                       label="the bar (espeak-ng)"))
    if ov:
        ax.axvline(ov["false_trigger_rate"] * 100, color="C3", lw=0.8, ls=":", label="open vocabulary's false triggers")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(0, 100)
    ax.set_xlabel("false-trigger rate: non-command clips with any command (%)")
    ax.set_ylabel("command recall, clean clips (%)")
    ax.set_ylim(0, 102)
    ax.set_title(f"One knob, the command weight. Grey: false triggers ≤ {most_ft:g} %; dashed: recall "
                 f"{least_recall:g} %", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tradeoff", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small subset and three weights, for a check")
    parser.add_argument("--weights", type=parse_weights, help="comma-separated command weights (default: "
                        f"{','.join(f'{w:g}' for w in WEIGHTS)}; --quick: {','.join(f'{w:g}' for w in QUICK_WEIGHTS)})")
    parser.add_argument("--workers", type=int, default=2, help="decoding processes (default 2)")
    parser.add_argument("--out", type=Path, default=REPO, help="where benchmarks/TRADEOFF.md goes (default: the "
                        "repository)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be 1 or more, not {args.workers}")
    weights = args.weights or (QUICK_WEIGHTS if args.quick else WEIGHTS)
    t_start = time.perf_counter()
    out_dir = args.out / "benchmarks"
    problem = runs.cannot_report(args.out)
    if problem is not None:
        print(f"python -m benchmarks.tradeoff: {problem}", file=sys.stderr)
        return 2
    from voicecoach.cli.main import load

    _, grammar = load(None)
    log("building the clips (espeak-ng clips are cached under .cache/)")
    sets = clip_sets(grammar, corpus.Plan.quick() if args.quick else corpus.Plan.full())
    for cs in sets:
        log(f"  {cs.name}: {len(cs.items)} clips, {cs.seconds:.0f} s")
    figures = measure(grammar, sets, weights, args.workers)
    command = runs.command_line("python -m benchmarks.tradeoff", argv)
    results: dict[str, Any] = {
        "points": [{"weight": w, **figures[weight_key(w)]} for w in sorted(weights, reverse=True)],
        GRAMMAR_ONLY: figures.get(GRAMMAR_ONLY),
        OPEN_VOCABULARY: figures.get(OPEN_VOCABULARY),
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command,
            "commit": runs.commit(),
            "quick": args.quick,
            "corpus": ", ".join(f"{cs.name} ({len(cs.items)})" for cs in sets) + (
                "" if any(cs.name == corpus.FLITE_NON_COMMANDS for cs in sets) else
                "; flite's clips left out: flite, or one of its voices, is missing (sudo apt-get install flite)"),
            "runtime_s": round(time.perf_counter() - t_start, 1),
        },
    }
    (out_dir / "tradeoff.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    plot(results, out_dir / "tradeoff.png")
    (out_dir / "TRADEOFF.md").write_text(render(results), encoding="utf-8")
    log(f"done in {results['meta']['runtime_s']:.0f} s: {out_dir / 'TRADEOFF.md'}")
    for line in verdict(results):
        log(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
