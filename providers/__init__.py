"""Social networks behind one interface (see providers.base). No Qt, no database."""
