"""X's weighted length, exactly as twitter-text v3 defines it.

twitter-text's v3 configuration (https://github.com/twitter/twitter-text/blob/master/config/v3.json):
``maxWeightedTweetLength`` 280, ``scale`` 100, ``defaultWeight`` 200 with weight 100 for the ranges
U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, ``transformedURLLength`` 23 (every
URL, with or without ``https://``, counts 23), ``emojiParsingEnabled`` (an emoji sequence counts 2,
whatever its code points), text NFC-normalised first. ``twitter_text.parse_tweet``
(twitter-text-parser, a port that passes the conformance suite) implements it; see
tests/providers/test_x_counting.py for the conformance cases it is held to here.
"""

from __future__ import annotations

from functools import lru_cache

#: config/v3.json maxWeightedTweetLength
MAX_WEIGHTED_LENGTH = 280
#: config/v3.json transformedURLLength
URL_LENGTH = 23


@lru_cache(maxsize=512)
def weighted_length(text: str) -> int:
    """The length X counts for ``text`` (280 is the most a post may have without X Premium)."""
    if not text:
        return 0
    # imported on first count: twitter_text compiles its emoji tables at import (~0.5 s, ~34 MB),
    # which start-up must not pay for a network the user may never count for
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)
