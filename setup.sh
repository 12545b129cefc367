#!/usr/bin/env bash
# Set up voicecoach on a fresh Debian or Raspberry Pi OS machine, then start it.
#   bash setup.sh [ARGS...]    install everything, then start the coach (`voicecoach run ARGS...`)
#   bash setup.sh --no-start   install everything only (what CI does)
set -euo pipefail
cd "$(dirname "$0")"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# espeak-ng renders the coach's voice (pyttsx3 loads libespeak-ng1), PortAudio
# plays and records (sounddevice), alsa-utils lists and tests the sound card,
# sox makes the test speech.
packages=(python3-venv python3-pip espeak-ng libespeak-ng1 libportaudio2 alsa-utils sox)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "voicecoach is installed: .venv/bin/voicecoach"

if [ "${1:-}" != "--no-start" ]; then
  exec .venv/bin/voicecoach run "$@"
fi
