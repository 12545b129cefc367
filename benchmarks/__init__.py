"""Benchmark harness of voicecoach: recognizer accuracy, cost and live timing (`python -m benchmarks`)."""
