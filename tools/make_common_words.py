"""Regenerate voicecoach/asr/pocketsphinx/common_words.txt: the en-us LM's most probable words, most probable first."""

# Shipped as a list so the recognizer never loads the 27 MB language model (33 MB of memory) just to
# rank decoys: the rank in this list is the score build_decoys sorts sound-alikes by.

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pocketsphinx

_WORD = re.compile(r"[a-z]+")
OUT = Path(__file__).resolve().parents[1] / "voicecoach" / "asr" / "pocketsphinx" / "common_words.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=40000, help="how many words to keep (default 40000)")
    args = ap.parse_args()
    model = Path(pocketsphinx.get_model_path()) / "en-us"
    lm = pocketsphinx.NGramModel(pocketsphinx.Config(), pocketsphinx.LogMath(), str(model / "en-us.lm.bin"))
    words: set[str] = set()
    with (model / "cmudict-en-us.dict").open(encoding="utf-8") as f:
        for line in f:
            word = re.sub(r"\(\d+\)$", "", line.split()[0]) if line.strip() else ""
            if _WORD.fullmatch(word):
                words.add(word)
    ranked = sorted(words, key=lambda w: (-lm.prob([w]), w))[: args.count]
    header = (f"# The {len(ranked)} most probable words of the PocketSphinx en-us language model, most probable "
              "first (tools/make_common_words.py): decoys, and the rank that orders sound-alikes.\n")
    OUT.write_text(header + "\n".join(ranked) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(ranked)} words)")


if __name__ == "__main__":
    main()
