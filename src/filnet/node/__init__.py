"""Long-running services of a full node: its repository, chain, API and daemon."""
