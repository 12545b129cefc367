"""Barge-in with and without the command model's veto: stop, wait and it hurts over the coach's voice.

`python -m benchmarks.second_opinion_barge_in`: 4 of the bridge's sentences in the coach's voice, each phrase by 3
training voices at 0.8, 1.5 and 2.5 s into the sentence, 6 dB above it, no echo canceller (the worst case); the
recognizer restricted to the barge-in phrases, as while the coach speaks. Prints how many PocketSphinx alone heard,
and how many the model vetoed when it judged commits while restricted (it no longer does).
"""

from __future__ import annotations

import numpy as np

from voicecoach.asr.commands_model.model import CommandModel, label_of
from voicecoach.asr.commands_model.recognizer import CONTEXT, agreement
from voicecoach.asr.embedding import shared_embedding
from voicecoach.asr.pocketsphinx import PocketSphinxRecognizer
from voicecoach.audio.wavinput import chunks, to_pcm16
from voicecoach.core.coach import DEFAULT_RATE
from voicecoach.core.content import load_content
from voicecoach.core.grammar import load_grammar
from voicecoach.paths import default_content_dir, default_grammar_dir
from voicecoach.testing import speech
from voicecoach.testing.coach_voice import render_session

TEXTS = ("Lie down on your back and bend the knees, placing the feet flat on the floor.",
         "Gradually raise the buttocks off the ground until the body forms a straight line from the shoulders to the "
         "knees.",
         "Hold for five seconds, and keep breathing slowly.",
         "Slowly bring the buttocks back to the ground and rest for a few seconds.")


def main() -> None:
    content = load_content(default_content_dir())
    grammar = load_grammar(default_grammar_dir(), content)
    model, embedding = CommandModel.load(), shared_embedding()
    tried = heard = vetoed = 0
    for coach in render_session(TEXTS, DEFAULT_RATE):
        for word in ("stop", "it hurts", "wait"):
            for voice in ("en-us+m3", "en-us+f2", "en"):
                for at_s in (0.8, 1.5, 2.5):
                    at = int(at_s * speech.RATE)
                    if at + speech.RATE // 2 > len(coach):
                        continue
                    said = speech.synthesize(word, voice=voice, wpm=150).astype(np.float32) / 32768.0
                    mic = np.concatenate([0.5 * coach, np.zeros(speech.RATE, dtype=np.float32)])
                    mic[at:at + len(said)] += 2.0 * said * (np.abs(coach).max() / max(1e-6, float(np.abs(said).max())))
                    pcm = to_pcm16(mic / max(1.0, float(np.abs(mic).max())))
                    recognizer = PocketSphinxRecognizer(grammar.phrases(), meaning=grammar.table)
                    recognizer.restrict(grammar.barge_in_phrases())
                    found = [d for chunk in chunks(pcm, speech.RATE) for d in recognizer.accept(chunk)]
                    found += recognizer.flush()
                    tried += 1
                    right = [d for d in found if grammar.table.get(d.text) == grammar.table[word]]
                    heard += bool(right)
                    audio = np.frombuffer(pcm, dtype=np.int16)
                    for d in right[:1]:
                        end = min(len(audio), round(d.t * speech.RATE))
                        span = audio[max(0, end - CONTEXT):end]
                        vetoed += agreement(model, embedding, span, label_of(grammar.table[d.text])) < model.veto
    print(f"{tried} barge-ins: PocketSphinx heard {heard}; the model would have vetoed {vetoed} of them")


if __name__ == "__main__":
    main()
