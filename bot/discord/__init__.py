"""The Discord adapter: interactions over HTTP in, REST calls out, embeds as the rendering.

Same seams as bot/slack: verify (who may talk to us), interactions (requests → core →
answers), render (the only place Discord's message JSON is written), rest + poster (how
we talk to Discord unprompted), server (the HTTP endpoint). No Discord SDK is used.
"""
