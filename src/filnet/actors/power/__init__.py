"""The storage power actor (f04): miners' claimed power, network totals, and the miner cron queue."""
