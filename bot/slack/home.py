"""The App Home: the person's neutral `HomeView` from the conversation, published with `views.publish`.

Everyone sees their open avvik and what waits for them (due check items, oppdrag to
update); leaders also see their units' open avvik with their age. What is shown is
decided in `bot.conversation.home`; this module only renders and publishes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.home import HomeView
from bot.slack.blocks import home_view, view_dict
from bot.slack.identity import slack_error

if TYPE_CHECKING:
    from bot.conversation.engine import Conversation

log = logging.getLogger("trad.slack")


def render_home(view: HomeView) -> dict[str, Any]:
    """The App Home view (as a dict) for `views.publish`."""
    return view_dict(home_view(view.sections, intro=view.intro, actions=view.actions))


def build_home(conversation: Conversation, person_id: int) -> dict[str, Any]:
    """The App Home view (as a dict) for one person."""
    return render_home(conversation.home_view(person_id))


async def publish_home(client: AsyncWebClient, conversation: Conversation, *,
                       user_id: str, person_id: int, runner: Callable[..., Awaitable[Any]] | None = None) -> None:
    """Publish (refresh) one user's App Home; failures are logged, never raised.

    `runner` runs the (blocking) build on the edge's bounded pool; asyncio's default pool otherwise.
    """
    try:
        if runner is not None:
            view = await runner(build_home, conversation, person_id)
        else:
            view = await asyncio.to_thread(build_home, conversation, person_id)
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as e:
        log.warning("views.publish failed: %s", slack_error(e))
    except Exception:  # noqa: BLE001 - a dashboard refresh must never break the action that caused it
        log.exception("App Home refresh failed")

