"""The composer's preview pane: a link typed in the composer becomes a link card (title,
description, image, host) read from a loopback page on the task runner, never on the GUI thread;
a slow page says "Loading preview…", a page that cannot be read leaves the host alone; the
account picker never starts empty; a live theme switch re-styles the card readably."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.services import link_preview
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.compose.composer import Composer
from desktop.ui.compose.preview import CardImage, LinkCardView
from desktop.ui.pages.compose import ComposePage
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems
from tests.gui.test_composer import add_account, picture, ready, select, type_text
from tests.servers.pages import OG_DESCRIPTION, OG_TITLE, PageServer, serve_pages

#: The compose page's share of the window at its minimum and at 1280×800 (as test_composer_layout).
PAGE_SIZES = {"900x600": (700, 548), "1280x800": (1080, 748)}


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with serve_pages() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    link_preview.clear_cache()
    yield
    link_preview.clear_cache()


@pytest.fixture
def composer(qtbot: QtBot, qapp: QApplication, ctx: AppContext) -> Iterator[Composer]:
    theme.apply(qapp, "light")
    add_account(ctx, "bluesky", "spring-collection-team.bsky.social", "Acme Outdoor")
    add_account(ctx, "mastodon", "acme_outdoor_official@mastodon.example.social", "Acme Outdoor", limit=500)
    runner = TaskRunner()
    page = ComposePage(ctx, runner)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZES["1280x800"])
    page.show()
    composer = ready(qtbot, page)
    yield composer
    runner.cancel_all()
    runner.wait(5000)


def link_view(composer: Composer) -> LinkCardView:
    view = composer.preview.link_card
    assert view is not None, "no link card slot in the preview"
    return view


def words(view: LinkCardView) -> list[str]:
    return [label.text() for label in view.findChildren(QLabel) if label.isVisibleTo(view)]


def test_a_typed_link_becomes_a_card_read_off_the_gui_thread(
    qtbot: QtBot, composer: Composer, pages: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched_on: list[threading.Thread] = []
    real = link_preview.preview

    def spy(ctx: AppContext | None, url: str, **kw: object) -> object:
        fetched_on.append(threading.current_thread())
        return real(ctx, url)

    monkeypatch.setattr(link_preview, "preview", spy)
    before = len(pages.requested())
    select(composer, *composer.targets)
    type_text(qtbot, composer.editor.boxes[0].editor, f"Spring is here: {pages.url('/og')}?utm_source=x")
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    view = link_view(composer)
    assert words(view) == [OG_TITLE, OG_DESCRIPTION, "127.0.0.1"]
    (image,) = view.findChildren(CardImage)
    assert (image.image.width(), image.image.height()) == (600, 315)
    assert view.accessibleName() == f"Link preview: {OG_TITLE}, 127.0.0.1"
    # typed key by key, fetched once, after typing paused; without the campaign tags; off the GUI thread
    assert [p for p in pages.requested()[before:] if not p.startswith("/static")] == ["/og"]
    assert fetched_on and all(t is not threading.main_thread() for t in fetched_on)


def test_a_slow_page_says_loading_while_the_gui_stays_live_then_shows_the_host_alone(
    qtbot: QtBot, composer: Composer, pages: PageServer, monkeypatch: pytest.MonkeyPatch, screenshot_dir: Path
) -> None:
    monkeypatch.setattr(link_preview, "TIMEOUT", 1.5)
    before = len(pages.events("/slow"))
    select(composer, *composer.targets)
    composer.editor.boxes[0].editor.setPlainText(f"Slow one {pages.url('/slow')}")
    # the GUI thread keeps running events (waitUntil spins them) while the page is being read
    qtbot.waitUntil(lambda: link_view(composer).state == "loading", timeout=5000)
    assert words(link_view(composer)) == ["Loading preview…"]
    assert composer.preview.grab().save(str(screenshot_dir / "preview-card-loading.png"))
    # the request reached the server, which is still holding it, while the GUI shows "Loading"
    qtbot.waitUntil(lambda: [e["event"] for e in pages.events("/slow")[before:]] == ["request"], timeout=5000)
    assert link_view(composer).state == "loading"
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    assert words(link_view(composer)) == ["127.0.0.1"]  # as Bluesky would post it: the host alone
    assert composer.preview.grab().save(str(screenshot_dir / "preview-card-host-only.png"))
    qtbot.waitUntil(lambda: len(pages.events("/slow")) > before + 1, timeout=10_000)
    (gone,) = pages.events("/slow")[before + 1 :]
    assert gone["event"] == "hung up" and gone["after"] < 5  # the client gave up, long before the 10 s answer


def test_a_link_replaced_while_it_loads_shows_the_new_page_only(
    qtbot: QtBot, composer: Composer, pages: PageServer
) -> None:
    select(composer, *composer.targets)
    editor = composer.editor.boxes[0].editor
    editor.setPlainText(f"First {pages.url('/slow')}")
    qtbot.waitUntil(lambda: link_view(composer).state == "loading", timeout=5000)
    editor.setPlainText(f"Then {pages.url('/title-only')}")
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    assert words(link_view(composer)) == ["Only a title & nothing else", "127.0.0.1"]
    qtbot.wait(200)
    assert words(link_view(composer)) == ["Only a title & nothing else", "127.0.0.1"]


def test_a_post_with_images_gets_no_link_card(
    qtbot: QtBot, composer: Composer, pages: PageServer, tmp_path: Path
) -> None:
    select(composer, *composer.targets)
    composer.editor.boxes[0].editor.setPlainText(f"Look {pages.url('/og')}")
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    composer.add_media_files([picture(tmp_path / "p.png", "#2b8a3e")])
    qtbot.waitUntil(lambda: composer.preview.link_card is None, timeout=10_000)


def test_the_account_picker_starts_on_an_account_and_follows_the_tab(qtbot: QtBot, composer: Composer) -> None:
    picker = composer.preview.account
    assert picker.currentIndex() == -1 and not picker.isEnabled()  # nothing picked: says so
    assert picker.placeholderText() == "No account picked"
    sky, masto = list(composer.targets)
    select(composer, sky, masto)
    qtbot.waitUntil(lambda: picker.count() == 2)
    assert picker.currentIndex() == 0 and picker.isEnabled() and picker.currentText()
    composer.select_tab(masto)
    assert composer.preview.current_account() == masto
    assert picker.accessibleName() == "Preview as account"


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("size", list(PAGE_SIZES))
def test_the_card_at_both_sizes_and_themes_with_a_live_switch(
    qtbot: QtBot,
    qapp: QApplication,
    composer: Composer,
    pages: PageServer,
    mode: str,
    size: str,
    screenshot_dir: Path,
) -> None:
    page = composer.parentWidget()
    while page is not None and not isinstance(page, ComposePage):
        page = page.parentWidget()
    assert page is not None
    page.resize(*PAGE_SIZES[size])
    select(composer, *composer.targets)
    composer.editor.boxes[0].editor.setPlainText(
        f"Our spring range is live: twelve new colours and free shipping until May 🌷 {pages.url('/og')}"
    )
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    other = "dark" if mode == "light" else "light"
    theme.apply(qapp, other)
    theme.apply(qapp, mode)  # switched while shown, and back
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=5000)
    for _ in range(3):
        QApplication.processEvents()
    c = theme.current()
    assert c.dark == (mode == "dark")
    view = link_view(composer)
    title, description, host = (lb for lb in view.findChildren(QLabel) if lb.isVisibleTo(view))
    for label, least in ((title, theme.TEXT_CONTRAST), (description, theme.TEXT_CONTRAST), (host, theme.TEXT_CONTRAST)):
        fg = label.palette().color(label.foregroundRole()).name()
        assert theme.contrast(fg, c.base) >= least, (label.text(), fg, c.base)
    assert layout_problems(composer.preview) == []
    assert composer.preview.grab().save(str(screenshot_dir / f"preview-card-{size}-{mode}.png"))
    assert page.grab().save(str(screenshot_dir / f"composer-card-{size}-{mode}.png"))


def test_bluesky_previews_the_card_its_first_link_will_carry(
    qtbot: QtBot, composer: Composer, pages: PageServer
) -> None:
    select(composer, *composer.targets)
    bluesky = next(t for t in composer.targets.values() if t.network == "bluesky")
    picker = composer.preview.account
    picker.setCurrentIndex(picker.findData(bluesky.account_id))  # as the user picks it
    composer.editor.boxes[0].editor.setPlainText(f"Spring is here: {pages.url('/og')}")
    qtbot.waitUntil(lambda: composer.preview.link_card is not None, timeout=5000)
    qtbot.waitUntil(lambda: link_view(composer).state == "card", timeout=10_000)
    assert composer.preview.current_account() == bluesky.account_id
    assert words(link_view(composer))[0] == OG_TITLE
