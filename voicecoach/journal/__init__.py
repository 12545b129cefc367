"""The journal: every session, step and command, kept on the device in one SQLite file."""
