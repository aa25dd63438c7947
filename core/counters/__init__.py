"""Short-lived shared state: quotas, burst limits, the thread cache, single-flight locks."""
