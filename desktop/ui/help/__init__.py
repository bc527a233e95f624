"""The Help menu's dialogs: user guide, keyboard shortcuts, diagnostics."""
