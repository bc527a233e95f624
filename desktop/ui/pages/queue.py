"""Queue: each account's weekly posting slots and what fills them."""

from __future__ import annotations

from desktop.ui.pages.guided import GuidedPage


class QueuePage(GuidedPage):
    key = "queue"
    title = "Queue"
    icon_name = "queue"
    subtitle = "Weekly posting slots per account; “Add to queue” takes the next free one."
    ready_title = "Your queue is empty"
    ready_body = "Posts you add to the queue are given the next free slot of each account."
    ready_action = "Compose a post"
