"""X's weighted counting against twitter-text's own conformance suite.

Cases copied from twitter-text's conformance/tests/validate.yml, section
WeightedTweetsWithDiscountedEmojiCounterTest (the v3 configuration X uses), at
https://github.com/twitter/twitter-text/blob/master/conformance/validate.yml (Apache-2.0).
Each row: description, text, expected weightedLength.
"""

from __future__ import annotations

import pytest

from providers.base import PostRequest
from providers.x import XProvider

X10 = "xxxxxxxxxx-"
CJK160 = (
    "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。"
    "旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。"
    "遥知兄弟登高处，遍插茱萸少一人。"
)
ALOHA = "https://www.twitter.com/aloha "

CONFORMANCE = [
    ("Long tweet, overflow at char index 280", "285 chars-" + X10 * 25, 285),
    ("Long tweet with url in the middle", "285 chars- http://www.twitter.com/jack " + X10 * 24, 299),
    ("Long tweet with url at the end", X10 * 24 + " http://www.twitter.com/jack ", 289),
    ("10 url string, no overflow", ALOHA * 10, 240),
    ("160 CJK char, overflow at char index 140", CJK160, 320),
    ("160 emoji char, overflow at char index 140", "\U0001f637" * 160, 320),
    ("3 latin char + 160 CJK char", "the" + CJK160, 323),
    ("'Á' is normalized into 1 char", "A\u0301B", 2),
    ("Count unicode emoji chars inside the basic multilingual plane", "😷👾😡🔥💩", 10),
]


@pytest.mark.parametrize(("description", "text", "expected"), CONFORMANCE, ids=[c[0] for c in CONFORMANCE])
def test_twitter_text_conformance(description: str, text: str, expected: int) -> None:
    assert XProvider().measure(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello, world!", 13),
        ("see example.com now", 4 + 23 + 4),  # a link without https:// counts 23 too
        ("https://example.com/a/very/long/path?with=query&and=more#fragment", 23),
        ("👍🏽", 2),  # an emoji with a skin tone: one emoji, weight 2
        ("👨‍👩‍👧", 2),  # a ZWJ family: one emoji, weight 2
        ("e\u0301", 1),  # NFC: é
        ("日本語", 6),
    ],
)
def test_weights(text: str, expected: int) -> None:
    assert XProvider().measure(text) == expected


def test_limit_is_280_weighted() -> None:
    provider = XProvider()
    assert provider.validate(PostRequest.single("a" * 280)) == []
    assert provider.validate(PostRequest.single("字" * 140)) == []
    assert [p.code for p in provider.validate(PostRequest.single("字" * 141))] == ["too_long"]
