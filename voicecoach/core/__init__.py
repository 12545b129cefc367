"""The coach itself, pure: events, content, grammar, the plan of a session and the dialog engine."""
