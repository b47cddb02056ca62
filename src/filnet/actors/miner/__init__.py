"""The storage miner actor: sectors, deadlines and partitions, proofs of storage, pledge, vesting and fees."""
