"""US–Pakistan briefing bot: indexer, transport-neutral core, and chat adapters."""
