"""The push engine and what every sync shares: per-tenant runs, leases, link rows, keys, the sync log, retries."""
