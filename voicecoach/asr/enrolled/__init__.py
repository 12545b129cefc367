"""A person's own takes of the commands, as speech-embedding frames, and the matcher that hears them."""
