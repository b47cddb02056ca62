"""Storage power actor policy constants (builtin-actors ``fil_actor_power::policy``)."""

from __future__ import annotations

from typing import Final

#: While fewer miners than this meet the consensus minimum power, every miner's power counts towards the
#: network's total, and any miner with power may win blocks.
CONSENSUS_MINER_MIN_MINERS: Final = 4

#: Most ProveCommits one miner may have verified in an epoch: bounds the prove partitions cron updates per
#: epoch while still onboarding about 1 EiB a year (32 a minute would do).
MAX_MINER_PROVE_COMMITS_PER_EPOCH: Final = 200
