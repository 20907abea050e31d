"""Server push: committed changes reach open pages as server-sent events.

The whole API a module needs (docs/live.md tells the story):

- ``register(kind, authorize=..., render=...)`` in its AppConfig.ready: a topic kind such as
  ``"group"``; topics are ``"<kind>:<key>"`` (``"group:12"``).
- ``publish(topic, event, ref)`` in its services, inside the transaction that makes the change:
  only committed changes are pushed, as a small JSON note (topic, event, ids), never content.
- ``nudge``: a ready-made ``render`` for pages that refetch their own fragment on an event.
- ``recheck(user_id)`` where access ends (a membership, an account, a role, a session): that
  user's open streams are checked again at once, not at their next periodic re-check.
- ``Delivery``: what ``render`` returns, one payload per audience class (and, where a payload
  is for some users only, their ids).

This package imports no app: the apps plug into it.
"""

from fengqiao.live.publishing import publish, publish_many, recheck
from fengqiao.live.topics import Delivery, nudge, register

__all__ = ["Delivery", "nudge", "publish", "publish_many", "recheck", "register"]
