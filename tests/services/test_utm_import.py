"""CSV import with UTM tags: a "no utm" column leaves those links untagged, and the checks count
each row as it will go out (tagged) on each network."""

from __future__ import annotations

from pathlib import Path

from desktop.services import posts
from desktop.services.context import AppContext
from desktop.services.csv_import import apply_import, parse_csv
from desktop.store.models import Post, Variant
from tests.services.test_csv_import import NOW, studio, write  # noqa: F401 (fixture)

HEADER = "text,accounts,time,campaign,no utm\n"


def test_the_no_utm_column_is_saved_and_leaves_that_link_untagged(
    studio: AppContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    body = (
        '"Shop https://acme.example/spring and https://docs.example.org/faq",'
        "studio.bsky.social,2027-02-01 09:00,Spring launch,https://docs.example.org/faq\n"
    )
    plan = parse_csv(studio, write(tmp_path, body, header=HEADER), clock=NOW)
    (row,) = plan.rows
    assert row.ok, row.errors
    assert row.no_utm == ("https://docs.example.org/faq",)
    (imported,) = apply_import(studio, plan, clock=NOW).imported
    with studio.session() as s:
        post = s.get(Post, imported.post.id)
        assert post is not None and post.no_utm == ["https://docs.example.org/faq"]
        (v,) = s.query(Variant).filter_by(post_id=post.id).all()
        (part,) = posts.build_request(studio, post, v).parts
    assert part.text == (
        "Shop https://acme.example/spring?utm_source=bluesky&utm_medium=social&utm_campaign=spring-launch"
        " and https://docs.example.org/faq"
    )


def test_a_no_utm_link_not_in_the_text_is_a_bad_row(
    studio: AppContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    body = "Shop https://acme.example/spring,studio.bsky.social,2027-02-01 09:00,Spring launch,https://x.example\n"
    (row,) = parse_csv(studio, write(tmp_path, body, header=HEADER), clock=NOW).rows
    assert row.errors == (
        "no utm link 'https://x.example' is not a link in the text (write it exactly as in the text)",
    )


def test_rows_are_counted_with_their_tags(
    studio: AppContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    # 296 graphemes with a short link; its tags make it a long link, shown as 16 characters after
    # its host on Bluesky: 6 more than written, so the tagged row is over Bluesky's 300
    text = "x" * (296 - len(" https://a.example/b")) + " https://a.example/b"
    assert len(text) == 296
    body = f"{text},studio.bsky.social,2027-02-01 09:00,Spring launch,\n"
    (row,) = parse_csv(studio, write(tmp_path, body, header=HEADER), clock=NOW).rows
    assert any("300" in e for e in row.errors), row.errors
    # without the campaign, the same row fits
    plain = parse_csv(studio, write(tmp_path, f"{text},studio.bsky.social,2027-02-01 09:00,,\n", header=HEADER))
    assert plain.rows[0].ok, plain.rows[0].errors
