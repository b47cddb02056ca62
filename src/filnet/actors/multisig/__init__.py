"""The multisig actor: a wallet that moves funds when enough signers approve, with optional vesting."""
