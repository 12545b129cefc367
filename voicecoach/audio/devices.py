"""Finding sound devices; sounddevice is imported lazily so voicecoach runs without PortAudio."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from voicecoach.audio.errors import (
    NO_INPUT_DEVICE,
    NO_OUTPUT_DEVICE,
    PORTAUDIO_MISSING,
    AudioUnavailable,
    DeviceNotFound,
)

Kind = Literal["input", "output"]


def load_sounddevice() -> ModuleType:
    """Import sounddevice, or raise AudioUnavailable saying how to install PortAudio."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError at import when libportaudio is absent
        raise AudioUnavailable(f"{PORTAUDIO_MISSING} ({exc})") from None
    module: ModuleType = sounddevice
    return module


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device as `voicecoach devices` shows it."""

    index: int
    name: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    hostapi: str = ""

    @property
    def is_input(self) -> bool:
        return self.max_input_channels > 0

    @property
    def is_output(self) -> bool:
        return self.max_output_channels > 0

    def has(self, kind: Kind) -> bool:
        """True if the device can record (input) or play (output)."""
        return self.is_input if kind == "input" else self.is_output

    def describe(self) -> str:
        """One line: index, name, directions and default rate."""
        dirs = "/".join(d for d, ok in (("in", self.is_input), ("out", self.is_output)) if ok)
        api = f", {self.hostapi}" if self.hostapi else ""
        return f"[{self.index}] {self.name} ({dirs}, {self.default_samplerate:g} Hz{api})"


def _info(index: int, raw: Any, hostapis: Any) -> DeviceInfo:
    api = ""
    with contextlib.suppress(IndexError, KeyError, TypeError):
        api = str(hostapis[raw["hostapi"]]["name"])
    return DeviceInfo(
        index=index,
        name=str(raw["name"]),
        max_input_channels=int(raw["max_input_channels"]),
        max_output_channels=int(raw["max_output_channels"]),
        default_samplerate=float(raw["default_samplerate"]),
        hostapi=api,
    )


def list_devices(kind: Kind | None = None) -> list[DeviceInfo]:
    """All devices (or only input/output ones); an empty list when none exist."""
    sd = load_sounddevice()
    try:
        raw = sd.query_devices()
        hostapis = sd.query_hostapis()
    except sd.PortAudioError as exc:  # e.g. PortAudio not running after a failed refresh_devices()
        raise AudioUnavailable(f"cannot list the sound devices: {exc}") from None
    devices = [_info(i, d, hostapis) for i, d in enumerate(raw)]
    return [d for d in devices if kind is None or d.has(kind)]


def _missing(kind: Kind) -> str:
    return NO_INPUT_DEVICE if kind == "input" else NO_OUTPUT_DEVICE


def _listing(devices: list[DeviceInfo]) -> str:
    return "; ".join(d.describe() for d in devices) if devices else "none"


def resolve_device(spec: str | int | None, kind: Kind) -> DeviceInfo:
    """The device named by a case-insensitive name substring or an index; None means the default one."""
    devices = list_devices(kind)
    if not devices:
        raise AudioUnavailable(_missing(kind))
    if spec is None:
        return _default_device(kind, devices)
    return match_device(spec, devices, kind)


def match_device(spec: str | int, devices: list[DeviceInfo], kind: Kind) -> DeviceInfo:
    """Pick from `devices` by index or by name substring; an exact name wins over substrings."""
    if not devices:
        raise AudioUnavailable(_missing(kind))
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        for d in devices:
            if d.index == index:
                return d
        raise DeviceNotFound(f"no {kind} device has index {index}; {kind} devices: {_listing(devices)}")
    wanted = spec.strip().lower()
    matches = [d for d in devices if wanted in d.name.lower()]
    exact = [d for d in matches if d.name.lower() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DeviceNotFound(f"no {kind} device matches {spec!r}; {kind} devices: {_listing(devices)}")
    raise DeviceNotFound(f"{spec!r} matches several {kind} devices, give more of the name: {_listing(matches)}")


def _default_device(kind: Kind, devices: list[DeviceInfo]) -> DeviceInfo:
    sd = load_sounddevice()
    index = sd.default.device[0 if kind == "input" else 1]
    for d in devices:
        if d.index == index:
            return d
    # PortAudio reports -1 when it has no default; the first usable device is the sensible choice.
    return devices[0]


def refresh_devices() -> None:
    """Make PortAudio read its device list again (it reads it once), so a replugged device is seen.

    PortAudio only re-reads the list when it is terminated and initialized again, which frees every
    open stream in the process: call it only when no stream is open (see SoundDeviceSink.while_closed).
    It uses sounddevice's private _terminate/_initialize (sounddevice has no public way); with a
    sounddevice lacking them it does nothing. Raises AudioUnavailable if PortAudio cannot start again;
    a later call tries again.
    """
    sd = load_sounddevice()
    terminate, initialize = getattr(sd, "_terminate", None), getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return
    # PortAudio counts initializations and re-reads devices only once the count is back to zero;
    # restore the count afterwards, since sounddevice's exit handler terminates that many times.
    count = int(getattr(sd, "_initialized", 1))
    try:
        for _ in range(count):
            terminate()
        for _ in range(max(1, count)):  # 0 after an earlier failed restart: start it now
            initialize()
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"PortAudio could not re-read the sound devices: {exc}") from None


def format_devices(devices: list[DeviceInfo]) -> str:
    """The text `voicecoach devices` prints."""
    if not devices:
        return "no sound devices found (plug in a USB microphone and a speaker)"
    return "\n".join(d.describe() for d in devices)
