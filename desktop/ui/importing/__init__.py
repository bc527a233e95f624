"""Bulk import of posts from a CSV file: the preview dialog and its table model."""

from desktop.ui.importing.dialog import ImportDialog
from desktop.ui.importing.model import ImportPreviewModel

__all__ = ["ImportDialog", "ImportPreviewModel"]
