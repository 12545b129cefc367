"""`voicecoach devices`: inputs and outputs with their rates, and a plain answer when there are none."""

from __future__ import annotations

from pathlib import Path

import pytest
from opshelp import run_voicecoach

from voicecoach.audio.devices import DeviceInfo
from voicecoach.cli.config import Settings
from voicecoach.cli.ops import format_device_lists

PI = [
    DeviceInfo(0, "bcm2835 Headphones: - (hw:0,0)", 0, 8, 44100.0, "ALSA"),
    DeviceInfo(1, "USB PnP Sound Device: Audio (hw:1,0)", 1, 0, 48000.0, "ALSA"),
    DeviceInfo(2, "pipewire", 64, 64, 44100.0, "ALSA"),
]


def test_lists_inputs_then_outputs_with_rates_and_defaults() -> None:
    text = format_device_lists(PI, defaults=(1, 0))
    assert text.splitlines() == [
        "microphones (input_device):",
        "  * [1] USB PnP Sound Device: Audio (hw:1,0) (in, 48000 Hz, ALSA)",
        "    [2] pipewire (in/out, 44100 Hz, ALSA)",
        "speakers (output_device):",
        "  * [0] bcm2835 Headphones: - (hw:0,0) (out, 44100 Hz, ALSA)",
        "    [2] pipewire (in/out, 44100 Hz, ALSA)",
        "* marks the system default",
    ]


def test_shows_what_the_configured_names_pick() -> None:
    text = format_device_lists(PI, settings=Settings(input_device="usb", output_device="hdmi"))
    assert "config input_device = 'usb' uses [1]" in text
    assert "config output_device = 'hdmi' matches nothing usable: no output device matches 'hdmi'" in text


def test_no_devices_is_not_an_error() -> None:
    assert format_device_lists([]) == "no sound devices found (plug in a USB microphone and a speaker)"


def test_devices_command(env: dict[str, str], home: Path) -> None:
    try:
        import sounddevice
    except OSError:
        pytest.skip("PortAudio is not installed")
    # A broken config must not hide the listing: it is how a person finds the name to put there.
    (home / ".config" / "voicecoach" / "config.toml").write_text("rate = 1\n")
    result = run_voicecoach("devices", env=env)
    assert result.returncode == 0, result.stderr
    assert "key 'rate'" in result.stderr
    if not sounddevice.query_devices():
        assert result.stdout == "no sound devices found (plug in a USB microphone and a speaker)\n"
    else:
        assert "microphones (input_device):" in result.stdout
