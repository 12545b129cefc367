"""What runs the coach: the hearing path, the live loop on the wall clock, and sessions on a virtual clock."""
