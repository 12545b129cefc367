"""The Vosk recognizer and its downloadable model."""
