"""The Slack adapter: Bolt app, listeners, Block Kit rendering, and the servers that run it."""
