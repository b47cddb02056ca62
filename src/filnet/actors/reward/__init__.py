"""The reward actor (f02): mints block rewards (simple plus baseline minting)."""
