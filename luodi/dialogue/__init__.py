"""Dialogue: understanding a user's message (intents, slots) and tracking what the conversation has settled."""
