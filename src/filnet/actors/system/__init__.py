"""The system actor (f00): holds the builtin-actor manifest."""
