"""Errors of the audio adapters, each with one message a person can act on."""

from __future__ import annotations

from voicecoach.errors import VoicecoachError

PORTAUDIO_MISSING = "the PortAudio library is missing: install libportaudio2: sudo apt-get install libportaudio2"
NO_INPUT_DEVICE = "no microphone found: plug in a USB microphone; `voicecoach devices` lists what is found"
NO_OUTPUT_DEVICE = "no audio output found: plug in a speaker; `voicecoach devices` lists what is found"
ESPEAK_MISSING = "text-to-speech is unavailable: install libespeak-ng1: sudo apt-get install libespeak-ng1"


class AudioUnavailable(VoicecoachError, RuntimeError):
    """Sound input or output cannot be used; the message says what to do."""


class DeviceNotFound(AudioUnavailable):
    """No device (or more than one) matches the name that was asked for."""


class MicrophoneLost(AudioUnavailable):
    """The microphone stream died (unplugged, stalled or failed); reopen it by name."""


class TTSUnavailable(VoicecoachError, RuntimeError):
    """The text-to-speech engine cannot be started; the message names the package to install."""


class TTSError(VoicecoachError, RuntimeError):
    """One utterance could not be rendered."""
