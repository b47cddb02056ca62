"""Storage proofs: Poseidon, Merkle trees, SDR PoRep (sealing), Window/Winning PoSt, proof types."""
