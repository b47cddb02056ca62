"""Expected Consensus: tickets, elections, beacons, and the checks other layers ask of the chain."""
