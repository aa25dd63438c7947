"""Durable storage: one `Store` protocol, PostgreSQL (production) and SQLite (embedded)."""
