"""Incident receivers: Slack incoming webhooks, generic JSON webhooks, PagerDuty Events v2."""
