"""Chat-platform-neutral core: an Invocation in, a Reply out.

Nothing here imports a chat SDK; Slack, Discord and the console only translate.
"""
