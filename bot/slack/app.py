"""The Slack app factory: a fresh Bolt `AsyncApp` with one listener module per kind registered.

`build_slack_app(settings, uow=..., conversation=...)` builds the app (no module-level app
that reads the environment at import time), pointing its Web API client at
`settings.slack_api_url`. The listeners share a `SlackDeps` (`bot.slack.deps`).

The app runs with `process_before_response=True`: Bolt answers Slack the moment a
listener returns. Every listener acks, hands its slow part to `SlackDeps.background`
and returns, so the answer leaves at once. (With Bolt's default, the handler polls for
the ack every 10 ms, which adds up to 10 ms to every command, button and submission.)
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.engine import Conversation
from bot.slack.deps import SlackDeps, default_workers
from bot.slack.identity import IdentityResolver, slack_error
from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.slack.workspaces import Workspaces, gate
from models.settings import Settings
from models.uow import UnitOfWork

log = logging.getLogger("trad.slack")


def build_slack_app(settings: Settings, *, uow: UnitOfWork, conversation: Conversation) -> AsyncApp:
    """A Bolt AsyncApp with every Tråd listener registered; `deps` is kept on `app.trad`.

    Listeners must return quickly (see the module docstring): whatever they await before
    returning delays Slack's answer.
    """
    oauth: dict[str, Any] = {}
    if settings.slack_oauth_enabled:  # many workspaces: each request is authorised with its installation's token
        from bot.slack.oauth import oauth_parts

        oauth_settings, store, authorize = oauth_parts(settings, uow)
        oauth = {"oauth_settings": oauth_settings, "installation_store": store, "authorize": authorize}
    token = None if oauth else settings.slack_bot_token
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret, process_before_response=True,
                   request_verification_enabled=True, raise_error_for_unhandled_request=False, **oauth)
    executor = ThreadPoolExecutor(max_workers=default_workers(settings), thread_name_prefix="trad-slack")
    workspaces = Workspaces(settings, uow)
    deps = SlackDeps(settings=settings, uow=uow, conversation=conversation,
                     identities=IdentityResolver(uow, org_for_team=workspaces.org_for_team), executor=executor)
    deps.identities.runner = deps.run
    app.trad = deps  # type: ignore[attr-defined]
    app.use(gate(workspaces, deps.run, deps.background))
    if oauth:  # `app_uninstalled` / `tokens_revoked`: bolt's listeners delete the installation from our store
        app.enable_token_revocation_listeners()

    # modal submissions first: they are the acks that wait for a write (Bolt matches listeners in this order)
    for module in (views, commands, shortcuts, actions, events):
        module.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """One place for listener errors Bolt sees (most are caught earlier so the ack stands)."""
        if isinstance(error, SlackApiError):
            log.warning("Slack API error: %s", slack_error(error))
        else:
            log.error("Slack listener error (%s): %r", body.get("type"), error)

    return app
