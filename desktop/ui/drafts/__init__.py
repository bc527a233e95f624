"""The Drafts page's list: a model over :class:`desktop.services.drafts.DraftRow`, a card
delegate that paints each draft, and a view that opens, deletes and drags them."""
