"""The fund screening scenario: a seeded synthetic fund database, a typed filter, understanders and replies."""
