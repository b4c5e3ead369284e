"""Pagers: a Protocol and adapters (PagerDuty, Opsgenie, webhook, e-mail)."""
