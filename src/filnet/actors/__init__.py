"""Filecoin's builtin actors: one subpackage per actor with its state in Filecoin's layout."""
