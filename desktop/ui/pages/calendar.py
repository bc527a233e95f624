"""Calendar: scheduled, published and failed posts by day and week."""

from __future__ import annotations

from desktop.ui.pages.guided import GuidedPage


class CalendarPage(GuidedPage):
    key = "calendar"
    title = "Calendar"
    icon_name = "calendar"
    subtitle = "Everything scheduled, published or failed, by day."
    ready_title = "Nothing scheduled yet"
    ready_body = "Compose a post and pick a time; it appears here, coloured by campaign."
    ready_action = "Compose a post"
