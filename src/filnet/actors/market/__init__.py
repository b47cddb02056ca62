"""The storage market actor (f05): escrow, deal proposals and their on-chain states."""
