"""The state machine: the state tree of actors (message application comes on top of it)."""
