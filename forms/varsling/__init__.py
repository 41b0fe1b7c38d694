"""Anonymous varsling on the web: the reporter's pages (no login, no cookies) and the recipients' case view."""
