"""The `voicecoach` command line, its settings file and the service it installs."""
