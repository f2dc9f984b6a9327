"""The local adapter: the same commands over the local database, answered as terminal text."""
