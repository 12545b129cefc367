"""The operating subcommands: `voicecoach config`, `voicecoach devices` and `voicecoach service install`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from voicecoach.audio.devices import DeviceInfo, Kind, format_devices, list_devices, load_sounddevice, match_device
from voicecoach.cli.config import (
    EXAMPLE,
    ConfigError,
    Settings,
    apply_routine,
    config_path,
    format_settings,
    load_settings,
)
from voicecoach.cli.service import LINGER_STEP, UNIT_NAME, install, run_command, unit_text
from voicecoach.core.content import load_content
from voicecoach.errors import VoicecoachError
from voicecoach.paths import default_content_dir


def cmd_config(args: argparse.Namespace) -> int:
    if args.example:
        print(EXAMPLE, end="")
        return 0
    settings = load_settings({}, os.environ)
    # The routine is checked against the content it names, as `run` does, so a bad name shows here first.
    content = apply_routine(load_content(settings.content or default_content_dir()), settings, False, os.environ)
    default = f"the content's default_routine applies: {content.session.default_routine!r}"
    print(format_settings(settings, config_path(os.environ), unset={"routine": default}), end="")
    return 0


def format_device_lists(devices: Sequence[DeviceInfo], defaults: tuple[int, int] = (-1, -1),
                        settings: Settings | None = None) -> str:
    """Inputs, then outputs, the defaults marked, and what the configured device names pick."""
    if not devices:
        return format_devices([])
    out: list[str] = []
    kinds: tuple[tuple[Kind, str, int, str | None], ...] = (
        ("input", "microphones (input_device)", defaults[0], settings.input_device if settings else None),
        ("output", "speakers (output_device)", defaults[1], settings.output_device if settings else None),
    )
    for kind, title, default, configured in kinds:
        of_kind = [d for d in devices if d.has(kind)]
        out.append(f"{title}:")
        out += [f"  {'*' if d.index == default else ' '} {d.describe()}" for d in of_kind] or ["    none"]
        if configured is not None:
            try:
                picked = f"uses [{match_device(configured, of_kind, kind).index}]"
            except VoicecoachError as error:
                picked = f"matches nothing usable: {error}"
            out.append(f"    config {kind}_device = {configured!r} {picked}")
    out.append("* marks the system default")
    return "\n".join(out)


def _default_indices() -> tuple[int, int]:
    try:
        pair = load_sounddevice().default.device
        return int(pair[0]), int(pair[1])
    except (TypeError, ValueError, IndexError):  # PortAudio reports odd values when it has no default
        return -1, -1


def cmd_devices(args: argparse.Namespace) -> int:
    devices = list_devices()
    settings = None
    try:
        settings = load_settings({}, os.environ)
    except ConfigError as error:  # the listing is how a person fixes the config, so still show it
        print(f"voicecoach: warning: {error}", file=sys.stderr)
    print(format_device_lists(devices, _default_indices() if devices else (-1, -1), settings))
    return 0


def cmd_service_install(args: argparse.Namespace) -> int:
    if args.print_only:
        print(unit_text(run_command(), os.environ), end="")
        return 0
    path = install(os.environ)
    print(f"installed {path} and started {UNIT_NAME}")
    print("its output: journalctl --user -u voicecoach -f")
    print(f"to start it at boot without logging in: {LINGER_STEP}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `config`, `devices` and `service install [--print]` to voicecoach's subcommands."""
    config = sub.add_parser("config", help="print the settings in effect as TOML")
    config.add_argument("--example", action="store_true", help="print an example config file instead")
    config.set_defaults(func=cmd_config)

    devices = sub.add_parser("devices", help="list microphones and speakers with their default rates")
    devices.set_defaults(func=cmd_devices)

    service = sub.add_parser("service", help="start the coach at boot (a systemd user service)")
    actions = service.add_subparsers(dest="service_command", required=True)
    install_parser = actions.add_parser("install", help=f"write, enable and start {UNIT_NAME}")
    install_parser.add_argument("--print", dest="print_only", action="store_true",
                                help="show the unit file without installing it")
    install_parser.set_defaults(func=cmd_service_install)
