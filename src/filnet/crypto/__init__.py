"""Keys, signatures (secp256k1, BLS), randomness draws, the VRF and the keystore."""
