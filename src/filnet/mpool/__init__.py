"""Message pool: pending messages, selection, replace by fee, gas estimation (Lotus chain/messagepool)."""
