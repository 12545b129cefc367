"""Audio I/O adapters: text-to-speech rendering, the speaker, the microphone and device lookup."""

from voicecoach.audio.clip import Audio, Clip
from voicecoach.audio.errors import AudioUnavailable, DeviceNotFound, MicrophoneLost, TTSError, TTSUnavailable

__all__ = [
    "Audio",
    "AudioUnavailable",
    "Clip",
    "DeviceNotFound",
    "MicrophoneLost",
    "TTSError",
    "TTSUnavailable",
]
