"""The account actor: a key-controlled account (f1 secp256k1 or f3 BLS)."""
