"""Notifications and WeChat traffic: the outbox, its dispatch, inbound pushes, consents, 公示."""
