"""Webhooks: the events the change feed gives, their targets and secrets, and the notifier that delivers them.

Layer: beside the api (imports config, observability and db, never api or web). The api's ``/v1/subscriptions``
uses :mod:`.events` (the event types), :mod:`.targets` (which URLs may be targets) and :mod:`.secrets` (signing
secrets encrypted at rest); ``openpolicy serve notifier`` runs :mod:`.service`. See docs/webhooks.md.
"""
