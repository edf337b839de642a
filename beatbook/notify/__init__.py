"""Notification delivery: in-app live feed, Web Push, webhooks, chat robots, the outbox."""
