"""Persistence for the briefing ledger: models, engine set-up, migrations and queries."""
