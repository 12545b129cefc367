"""Device listing and lookup, and how the audio adapters behave without PortAudio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from libhide import hide_library

from voicecoach.audio.devices import DeviceInfo, format_devices, list_devices, match_device, resolve_device
from voicecoach.audio.errors import AudioUnavailable, DeviceNotFound

REPO = Path(__file__).resolve().parents[2]

try:
    import sounddevice
except OSError:  # no libportaudio2 here; the subprocess test below covers that case
    pytest.skip("PortAudio is not installed", allow_module_level=True)


def test_listing_matches_what_portaudio_reports() -> None:
    devices = list_devices()
    assert len(devices) == len(sounddevice.query_devices())
    assert all(d.is_input or d.is_output for d in devices)
    if not sounddevice.query_devices():
        assert devices == []
        assert list_devices("input") == []
        assert list_devices("output") == []
        assert "no sound devices found" in format_devices(devices)


@pytest.mark.skipif(bool(sounddevice.query_devices()), reason="this machine has sound devices")
def test_resolving_with_no_devices_says_what_to_do() -> None:
    with pytest.raises(AudioUnavailable, match="plug in a USB microphone; `voicecoach devices`"):
        resolve_device("usb", "input")
    with pytest.raises(AudioUnavailable, match="no audio output found"):
        resolve_device(None, "output")


DEVICES = [
    DeviceInfo(0, "bcm2835 Headphones: - (hw:0,0)", 0, 8, 44100.0, "ALSA"),
    DeviceInfo(1, "USB PnP Sound Device: Audio (hw:1,0)", 1, 0, 48000.0, "ALSA"),
    DeviceInfo(2, "USB PnP Sound Device: Audio (hw:2,0)", 1, 2, 44100.0, "ALSA"),
    DeviceInfo(3, "default", 32, 32, 44100.0, "ALSA"),
]


def test_match_by_name_substring_any_case() -> None:
    assert match_device("HEADPHONES", DEVICES, "output").index == 0
    assert match_device("hw:2,0", DEVICES, "input").index == 2


def test_match_by_index_including_as_text() -> None:
    assert match_device(1, DEVICES, "input").index == 1
    assert match_device("3", DEVICES, "input").index == 3


def test_exact_name_wins_over_substring() -> None:
    assert match_device("default", DEVICES, "input").index == 3


def test_ambiguous_name_lists_the_candidates() -> None:
    with pytest.raises(DeviceNotFound) as info:
        match_device("usb", DEVICES, "input")
    message = str(info.value)
    assert "several" in message and "[1] USB PnP" in message and "[2] USB PnP" in message


def test_unknown_name_lists_what_exists() -> None:
    with pytest.raises(DeviceNotFound) as info:
        match_device("blue yeti", DEVICES, "input")
    assert "no input device matches 'blue yeti'" in str(info.value)
    assert "[3] default (in/out, 44100 Hz, ALSA)" in str(info.value)


def test_describe_shows_direction_and_rate() -> None:
    assert DEVICES[1].describe() == "[1] USB PnP Sound Device: Audio (hw:1,0) (in, 48000 Hz, ALSA)"
    assert format_devices(DEVICES[:1]) == "[0] bcm2835 Headphones: - (hw:0,0) (out, 44100 Hz, ALSA)"


def test_importing_the_adapters_does_not_load_portaudio() -> None:
    code = (
        "import sys\n"
        "import voicecoach.audio, voicecoach.audio.speaker, voicecoach.audio.mic\n"
        "import voicecoach.audio.devices, voicecoach.audio.tts, voicecoach.audio.sinks\n"
        "assert 'sounddevice' not in sys.modules, 'sounddevice imported eagerly'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr


def test_missing_portaudio_gives_one_clear_message_and_printing() -> None:
    code = (
        "from voicecoach.audio.devices import list_devices\n"
        "from voicecoach.audio.errors import AudioUnavailable\n"
        "from voicecoach.audio.mic import Microphone\n"
        "from voicecoach.audio.speaker import PrintSpeaker, open_speaker\n"
        "for call in (list_devices, Microphone('usb').open):\n"
        "    try:\n        call()\n"
        "    except AudioUnavailable as exc:\n        print('AudioUnavailable:', exc)\n"
        "speaker = open_speaker()\n"
        "assert isinstance(speaker, PrintSpeaker)\n"
        "speaker.close()\n"
    )
    result = hide_library("libportaudio.so*", code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines
    assert all("install libportaudio2: sudo apt-get install libportaudio2" in line for line in lines)
    assert lines[2].startswith("voicecoach: printing instead of speaking: ")
