"""Outbox delivery: channels, templates and the worker loop."""
