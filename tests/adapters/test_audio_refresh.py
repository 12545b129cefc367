"""Re-reading PortAudio's device list: for real, with devices that ALSA's configuration adds and removes.

A machine with no sound card still has ALSA's "null" plugin. A PCM of that type named in ~/.asoundrc
is a device PortAudio lists, opens and plays to, so plugging and unplugging a device can be done for
real by adding and removing that file. PortAudio reads the list once, as on a Raspberry Pi with a USB
microphone: these tests show what refresh_devices() changes. What they cannot show: the null device
plays faster than real time, and a real USB unplug also kills open streams, which only hardware shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.audio.devices import list_devices, refresh_devices

try:
    import sounddevice
except OSError:  # no libportaudio2: test_audio_devices covers that case
    pytest.skip("PortAudio is not installed", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
DEVICE = "vcnull"
ASOUNDRC = f"""
pcm.{DEVICE} {{
    type null
    hint {{ show on description "voicecoach test output" }}
}}
"""


def test_refresh_keeps_portaudio_usable_and_the_list_unchanged() -> None:
    before = list_devices()
    initialized = sounddevice._initialized
    refresh_devices()
    refresh_devices()
    assert list_devices() == before
    assert sounddevice._initialized == initialized  # sounddevice's exit handler terminates that many times
    # Opening a stream still reaches PortAudio's own answer, not "PortAudio not initialized".
    if not any(d.is_output for d in before):
        with pytest.raises(sounddevice.PortAudioError) as caught:
            sounddevice.OutputStream(channels=1).close()
        assert "not initialized" not in str(caught.value).lower()


def test_refresh_starts_portaudio_again_after_it_was_left_stopped() -> None:
    sounddevice._terminate()  # as after a restart whose initialization failed
    try:
        with pytest.raises(sounddevice.PortAudioError):
            sounddevice.query_devices()
    finally:
        refresh_devices()
    assert sounddevice._initialized == 1
    assert isinstance(list_devices(), list)


def run_with_alsa_config(tmp_path: Path, code: str) -> dict[str, object]:
    """Run `code` with HOME in `tmp_path`, where `rc` (the .asoundrc path) and `off` are given to it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("ALSA's null plugin exists only on Linux")
    home = tmp_path / "home"
    home.mkdir()
    (home / "asoundrc.off").write_text(ASOUNDRC)
    probe = ("import os, sounddevice; os.rename(os.environ['HOME'] + '/asoundrc.off', os.environ['HOME'] + "
             "'/.asoundrc'); sounddevice._terminate(); sounddevice._initialize(); "
             f"print(any(d['name'] == {DEVICE!r} for d in sounddevice.query_devices()))")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    seen = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    if seen.stdout.strip() != "True":
        pytest.skip(f"PortAudio does not list an ALSA null device here ({seen.stderr.strip()[-200:]})")
    (home / ".asoundrc").rename(home / "asoundrc.off")
    prelude = ("import json, logging, os, sys\nlogging.basicConfig(level=logging.WARNING)\n"
               "rc = os.environ['HOME'] + '/.asoundrc'\noff = os.environ['HOME'] + '/asoundrc.off'\nout = {}\n")
    result = subprocess.run([sys.executable, "-c", prelude + code + "\nprint(json.dumps(out))"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    out: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    out["stderr"] = result.stderr
    return out


MICROPHONE_REPLUGGED = """
from voicecoach.audio.devices import refresh_devices
from voicecoach.audio.errors import AudioUnavailable
from voicecoach.audio.mic import Microphone

mic = Microphone("vcnull")
for step in ("unplugged", "plugged_in_no_refresh", "plugged_in_refreshed"):
    if step == "plugged_in_no_refresh":
        os.rename(off, rc)  # the device appears in ALSA's configuration: "plugged in"
    if step == "plugged_in_refreshed":
        refresh_devices()
    try:
        mic.reopen()
        out[step] = mic.device_name
        out["pcm_bytes"] = len(mic.read(2.0))
    except AudioUnavailable as error:
        out[step] = "AudioUnavailable: " + str(error)
mic.close()
"""


def test_a_microphone_plugged_in_later_is_found_only_after_a_refresh(tmp_path: Path) -> None:
    out = run_with_alsa_config(tmp_path, MICROPHONE_REPLUGGED)
    assert str(out["unplugged"]).startswith("AudioUnavailable: no microphone found")
    # PortAudio read its list at start: the new device stays invisible, as a replugged USB microphone on ALSA.
    assert str(out["plugged_in_no_refresh"]).startswith("AudioUnavailable: no microphone found")
    assert out["plugged_in_refreshed"] == DEVICE
    assert out["pcm_bytes"] == 1600  # one 50 ms block at 16 kHz, 16-bit


SPEAKER_ACROSS_REFRESHES = """
from voicecoach.audio.output import SoundDeviceSink, refresh_devices_around
from voicecoach.audio.speaker import Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.core.events import Say

os.rename(off, rc)
printed, started = [], []
renderer = Renderer()
renderer.start()
sink = SoundDeviceSink("vcnull")
speaker = Speaker(sink, renderer, print_fn=printed.append, on_started=lambda uid, t: started.append(uid))

def say(*uids):
    for uid in uids:
        speaker.say(Say(uid, "Relax.", 220, "count"))
    assert speaker.wait_idle(20)

say(1)
out["refreshed"] = refresh_devices_around(speaker)  # the output is closed, PortAudio restarted, output reopened
out["device"] = sink.device_name
say(2)
out["printed_while_present"] = list(printed)
os.rename(rc, off)  # the speaker is gone when PortAudio re-reads its list
out["refreshed_unplugged"] = refresh_devices_around(speaker)
say(3, 4)
out["printed"] = printed
out["started"] = started
out["sink"] = type(speaker.sink).__name__
out["refreshed_printing"] = refresh_devices_around(speaker)  # printing: nothing to close, still refreshes
speaker.close()
"""


def test_the_output_is_reopened_after_a_refresh_or_falls_back_to_print_once(tmp_path: Path) -> None:
    out = run_with_alsa_config(tmp_path, SPEAKER_ACROSS_REFRESHES)
    assert out["refreshed"] is True and out["device"] == DEVICE
    assert out["printed_while_present"] == []
    assert out["started"] == [1, 2, 3, 4]  # 3 and 4 only printed, but printing reports a start too
    printed = [str(line) for line in out["printed"]]  # type: ignore[union-attr]
    assert out["refreshed_unplugged"] is True and out["sink"] == "PrintSink"
    assert sum(line.startswith("voicecoach: printing instead of speaking: ") for line in printed) == 1
    assert "no audio output found" in printed[0]
    assert printed[1:] == ["coach: Relax.", "coach: Relax."]
    stderr = str(out["stderr"])
    assert stderr.count("could not be opened again") == 1 and stderr.count("printing what the coach says") == 1
    assert out["refreshed_printing"] is True


MICROPHONE_TIMELINE_AND_SPEAKER_REFERENCE = """
import time
from voicecoach.audio.mic import Microphone
from voicecoach.audio.output import SoundDeviceSink
from voicecoach.audio.speaker import Speaker
from voicecoach.audio.tts import Renderer
from voicecoach.core.events import Say

os.rename(off, rc)
mic = Microphone("vcnull").open()
delivered = 0
for _ in range(5):
    delivered += len(mic.read(2.0)) // 2
now = time.monotonic()
out["delivered"], out["index_now"] = delivered, mic.sample_at(now)
mic.close()
out["index_closed"] = mic.sample_at(now)

renderer = Renderer()
renderer.start()
played, started = [], []
speaker = Speaker(SoundDeviceSink("vcnull"), renderer, on_started=lambda uid, t: started.append(t),
                  on_played=lambda samples, t: played.append((len(samples), str(samples.dtype), t)))
speaker.say(Say(1, "Relax.", 220, "count"))
assert speaker.wait_idle(20)
speaker.close()
out["played"], out["started"] = played, started
out["duration"] = renderer.render("Relax.", 220).duration
"""


def test_the_microphone_timeline_and_the_speaker_reference_through_portaudio(tmp_path: Path) -> None:
    """Real PortAudio callbacks (ALSA's null device): their time_info feeds sample_at, the output's on_played."""
    out = run_with_alsa_config(tmp_path, MICROPHONE_TIMELINE_AND_SPEAKER_REFERENCE)
    delivered, index = out["delivered"], out["index_now"]
    # The null device captures in bursts faster than real time and gives an ADC time equal to the current
    # time (so sample_at's fallback, the block's length plus the latency, is what runs). So only the scale is
    # checked: "now" lies after what was read, within what the queue holds (40 blocks of 800 samples) and a
    # second more (measured: 4000 read, 8001 to 34404 at "now"). test_audio_mic.py checks the arithmetic.
    assert isinstance(index, int) and isinstance(delivered, int)
    assert delivered - 800 < index < delivered + 40 * 800 + 16000
    assert out["index_closed"] is None
    played, duration = out["played"], out["duration"]
    assert isinstance(played, list) and isinstance(duration, float)
    ((n, dtype, t),) = played
    assert out["started"] == [t] and dtype == "float32"
    assert abs(n - duration * 16000) <= 2
