"""Webhooks: subscriptions, their targets, and signed delivery with retries."""
