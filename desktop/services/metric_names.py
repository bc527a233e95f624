"""The metric vocabulary and the definitions every page, export and report uses.

One place, so "engagements" means the same on the dashboard, in a campaign's goal, in the CSV
export and in the PDF report. The README's "Metrics" section says the same in words.
"""

from __future__ import annotations

from typing import Final

# --- per-post counters a provider may report (ProviderInfo.post_metrics) -----------------------
LIKES: Final = "likes"  # Mastodon favourites, Bluesky likes
REPOSTS: Final = "reposts"  # Mastodon boosts, Bluesky reposts
REPLIES: Final = "replies"
QUOTES: Final = "quotes"
SAVES: Final = "saves"  # bookmarks, where the network reports them
IMPRESSIONS: Final = "impressions"
LINK_CLICKS: Final = "link_clicks"

POST_METRICS: Final = (LIKES, REPOSTS, REPLIES, QUOTES, SAVES, IMPRESSIONS, LINK_CLICKS)

# --- per-account counters (ProviderInfo.account_metrics) ----------------------------------------
FOLLOWERS: Final = "followers"
FOLLOWING: Final = "following"
POSTS: Final = "posts"

ACCOUNT_METRICS: Final = (FOLLOWERS, FOLLOWING, POSTS)

#: engagements = likes + reposts + replies + quotes (+ saves where offered). Impressions and link
#: clicks are shown beside engagements, never summed into them.
ENGAGEMENT_METRICS: Final = (LIKES, REPOSTS, REPLIES, QUOTES, SAVES)
ENGAGEMENTS: Final = "engagements"  # the derived sum, usable as a campaign goal metric

#: What a campaign goal can count: engagements, any post counter, or followers gained.
GOAL_METRICS: Final = (ENGAGEMENTS, *POST_METRICS, FOLLOWERS)

#: Share of every rate-limit window kept for publishing: a metrics sync stops for an account once
#: fewer than this share of the window's requests remain.
RATE_RESERVE: Final = 0.20

#: "Sync now" (and ``campaign-desk sync-metrics`` run by hand) refreshes every post published in
#: the last this-many days, plus every account.
SYNC_NOW_DAYS: Final = 90

LABELS: Final = {
    LIKES: "Likes",
    REPOSTS: "Reposts",
    REPLIES: "Replies",
    QUOTES: "Quotes",
    SAVES: "Saves",
    IMPRESSIONS: "Impressions",
    LINK_CLICKS: "Link clicks",
    FOLLOWERS: "Followers",
    FOLLOWING: "Following",
    POSTS: "Posts",
    ENGAGEMENTS: "Engagements",
}


def label(metric: str) -> str:
    """The metric's name for people ("link_clicks" → "Link clicks")."""
    return LABELS.get(metric, metric.replace("_", " ").capitalize())
