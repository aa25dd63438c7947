"""Publishing threads to X, Bluesky and Mastodon (issue 16): network clients, token
encryption, and the exactly-once publisher."""
