"""Tests of the storage power actor, after builtin-actors' ``actors/power/tests``."""
