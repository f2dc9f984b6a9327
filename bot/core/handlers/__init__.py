"""The command handlers; importing this package registers every command."""

from bot.core.handlers import brief, catalog, ingest, position, search

__all__ = ["brief", "catalog", "ingest", "position", "search"]
