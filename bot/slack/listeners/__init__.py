"""One module per kind of Slack request, each with `register(app, deps)`."""
