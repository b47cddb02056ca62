"""The cron actor (f03): calls registered actors at the end of every epoch."""
