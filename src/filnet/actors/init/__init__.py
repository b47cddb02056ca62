"""The init actor (f01): assigns actor IDs and maps robust addresses to them."""
