"""The composer with a campaign: counters count the tagged links, the preview shows where each
link really goes, and a "Links" menu leaves a chosen link without UTM tags (saved with the post)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import campaigns, compose
from desktop.services.context import AppContext
from desktop.store.models import Post
from desktop.ui import theme
from desktop.ui.compose.composer import Composer
from desktop.ui.pages.compose import ComposePage
from desktop.ui.tasks import TaskRunner
from tests.gui.test_composer import add_account, counters, page, ready, select, settle  # noqa: F401 (fixture)

SHOP = "https://acme.example/spring-collection-2026"
DOCS = "https://help.acme.example/returns"
TAGS = "utm_source=bluesky&utm_medium=social&utm_campaign=spring-launch"


def _with_campaign(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> tuple[Composer, int, int]:  # noqa: F811
    campaigns.add_campaign(ctx, "Spring launch")
    sky = add_account(ctx, "bluesky", "acme.bsky.social", "Acme Outdoor")
    masto = add_account(ctx, "mastodon", "acme@mastodon.social", "Acme Outdoor", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto)
    composer.editor.boxes[0].editor.setPlainText(
        f"Spring collection is live 🌷 Shells, trail runners and packs: {SHOP} (returns: {DOCS}) #hiking"
    )
    composer.bar.campaign.setCurrentIndex(composer.bar.campaign.findData("Spring launch"))
    composer.preview.account.setCurrentIndex(composer.preview.account.findData(sky))
    composer.validate_now()
    QApplication.processEvents()
    return composer, sky, masto


def test_a_campaign_tags_the_links_in_the_preview_and_the_counters(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    composer, sky, _masto = _with_campaign(qtbot, ctx, page)
    assert composer.links_row.isVisible()
    assert composer.links_row.summary.text() == "UTM tags from “Spring launch” on all 2 links."
    (card,) = composer.preview.cards
    opens = card.links.text().replace("&#8203;", "").replace("&amp;", "&")
    assert f"Link opens {SHOP}?{TAGS}" in opens and f"Link opens {DOCS}?{TAGS}" in opens
    # the counter counts what goes out: on Bluesky each long link as its shortened form
    text = composer.doc.parts[0]
    tagged = compose.tagged(composer.doc, composer.targets[sky], [text], composer.campaign_row())[0]
    assert f"{SHOP}?{TAGS}" in tagged
    expected = ctx.registry.get("bluesky").measure(tagged)
    assert f"Bluesky {expected}/300" in counters(composer)
    assert "Mastodon" in counters(composer) and "/500" in counters(composer)


def test_unticking_a_link_leaves_it_as_written_and_is_saved_with_the_post(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    composer, _sky, _masto = _with_campaign(qtbot, ctx, page)
    actions = [a for a in composer.links_row.menu.actions() if a.isCheckable()]
    assert [a.data() for a in actions] == [SHOP, DOCS] and all(a.isChecked() for a in actions)
    actions[1].setChecked(False)  # as a click in the menu does
    assert composer.doc.no_utm == [DOCS]
    assert composer.links_row.summary.text() == "UTM tags from “Spring launch” on 1 of 2 links."
    (card,) = composer.preview.cards
    opens = card.links.text().replace("&#8203;", "").replace("&amp;", "&")
    assert SHOP in opens and DOCS not in opens

    composer.save_draft()
    settle(qtbot, composer)
    qtbot.waitUntil(lambda: composer.doc.post_id is not None, timeout=5000)
    with ctx.session() as s:
        assert s.get(Post, composer.doc.post_id).no_utm == [DOCS]
    assert compose.load_post(ctx, composer.doc.post_id).no_utm == [DOCS]


def test_without_a_campaign_nothing_is_tagged_and_the_links_row_is_hidden(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    composer, _sky, _masto = _with_campaign(qtbot, ctx, page)
    composer.bar.campaign.setCurrentIndex(0)  # "No campaign"
    composer.validate_now()
    assert not composer.links_row.isVisible()
    (card,) = composer.preview.cards
    assert not card.links.isVisible() and "utm_" not in card.text.text()


def test_screenshots_with_a_campaign_and_links(
    qtbot: QtBot,
    qapp: QApplication,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
    screenshot_dir: Path,
) -> None:
    composer, sky, _masto = _with_campaign(qtbot, ctx, page)
    composer.links_row.menu.actions()[2].setChecked(False)
    for size in ((900, 600), (1280, 800)):
        page.resize(*size)
        QApplication.processEvents()
        assert page.grab().save(str(screenshot_dir / f"composer-utm-light-{size[0]}.png"))
    menu = composer.links_row.menu
    menu.popup(composer.links_row.button.mapToGlobal(composer.links_row.button.rect().bottomLeft()))
    qtbot.waitUntil(menu.isVisible)
    assert menu.grab().save(str(screenshot_dir / "composer-utm-links-menu-light.png"))
    menu.hide()
    qapp.setPalette(theme._palette(theme.DARK))
    qapp.setStyleSheet(theme.stylesheet(theme.DARK))
    try:
        dark = ComposePage(ctx, TaskRunner())
        qtbot.addWidget(dark)
        dark.show()
        dark_composer = ready(qtbot, dark)
        dark_composer.set_doc(composer.doc)
        dark_composer.preview.account.setCurrentIndex(dark_composer.preview.account.findData(sky))
        settle(qtbot, dark_composer)
        dark_composer.validate_now()
        for size in ((900, 600), (1280, 800)):
            dark.resize(*size)
            QApplication.processEvents()
            assert dark.grab().save(str(screenshot_dir / f"composer-utm-dark-{size[0]}.png"))
    finally:
        theme.apply(qapp)
