"""The local store: models, engine/session setup and migrations. No Qt here."""
