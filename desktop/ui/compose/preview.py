"""A preview of each variant as a post card like the network shows it: avatar, name, handle,
text with links, #tags and @mentions in the link colour, an image grid (1-4), and, for a post
without images, the link card of the page it links to (title, description, image, host), read
off the GUI thread through :mod:`desktop.services.link_preview`."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.services import link_preview, utm
from desktop.services.compose import MediaRef, Target
from desktop.ui import theme
from desktop.ui.compose.style import colors
from desktop.ui.icons import network_icon
from providers.link_card import LinkCard, untracked

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import CancelToken, Task, TaskRunner

_ENTITY = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,:;!?'\")]|(?<![\w@])#\w+|(?<![\w/])@[\w.-]+(?:@[\w.-]+\w)?)")
# White initials on each reach 4.5:1 (WCAG AA for text).
_AVATAR_COLORS = ("#4f6bed", "#c2410c", "#2b7a3b", "#c2255c", "#7048e8", "#0b7285", "#9c5700")
LINK_DEBOUNCE_MS = 600  # after typing stops, before a link is fetched
LOADING_AFTER_MS = 300  # "Loading preview…" only for a fetch slower than this
CARD_IMAGE_PX = 1000  # the card image is kept at most this wide (decoded off the GUI thread)
TITLE_CHARS, DESCRIPTION_CHARS = 110, 200


def highlight(text: str, accent: str) -> str:
    """``text`` as HTML with links, hashtags and mentions coloured (everything else escaped)."""
    out, last = [], 0
    for m in _ENTITY.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        token = html.escape(m.group(0))
        shown = token
        if token.startswith("http") and len(token) > 34:  # networks shorten long links on display
            shown = re.sub(r"^https?://", "", token)[:30] + "…"
        out.append(f'<span style="color:{accent}">{shown}</span>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


def first_link(text: str) -> str:
    """The first web link in ``text`` as the card highlights links, or ""."""
    return next((m.group(0) for m in _ENTITY.finditer(text) if m.group(0).startswith("http")), "")


def _breakable(url: str) -> str:
    """``url`` escaped, with break opportunities after ``/ ? & =`` so a long link wraps."""
    return "".join(html.escape(ch) + ("&#8203;" if ch in "/?&=" else "") for ch in url)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def avatar(name: str, size: int = 40) -> QPixmap:
    """A coloured circle with the account's initials."""
    words = [w for w in re.split(r"[\s._@-]+", name) if w]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    color = _AVATAR_COLORS[int(hashlib.sha1(name.encode()).hexdigest(), 16) % len(_AVATAR_COLORS)]
    px = QPixmap(QSize(size * 2, size * 2))
    px.fill(Qt.GlobalColor.transparent)
    p = QPainter(px)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(0, 0, size * 2, size * 2)
    font = QFont()
    font.setPixelSize(int(size * 0.8))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRect(0, 0, size * 2, size * 2), Qt.AlignmentFlag.AlignCenter, initials)
    p.end()
    px.setDevicePixelRatio(2.0)
    return px


def _cover(p: QPainter, cell: QRectF, image: QImage) -> None:
    """Draw ``image`` filling ``cell``, cropped to the cell's aspect ratio (centred)."""
    ratio = cell.width() / cell.height()
    iw, ih = image.width(), image.height()
    if iw / ih > ratio:
        sw, sh = ih * ratio, float(ih)
    else:
        sw, sh = float(iw), iw / ratio
    p.drawImage(cell, image, QRectF((iw - sw) / 2, (ih - sh) / 2, sw, sh))


class ImageGrid(QWidget):
    """1 image full width, 2 side by side, 3 as one tall and two stacked, 4 as 2×2."""

    def __init__(self, images: Sequence[QImage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images = list(images)[:4]
        self.setFixedHeight(190 if len(self.images) == 1 else 160)

    def _cells(self) -> list[QRectF]:
        w, h, g = float(self.width()), float(self.height()), 4.0
        n = len(self.images)
        if n == 1:
            return [QRectF(0, 0, w, h)]
        half_w, half_h = (w - g) / 2, (h - g) / 2
        if n == 2:
            return [QRectF(0, 0, half_w, h), QRectF(half_w + g, 0, half_w, h)]
        if n == 3:
            return [
                QRectF(0, 0, half_w, h),
                QRectF(half_w + g, 0, half_w, half_h),
                QRectF(half_w + g, half_h + g, half_w, half_h),
            ]
        return [QRectF(x, y, half_w, half_h) for y in (0, half_h + g) for x in (0, half_w + g)]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(self.rect()), 10, 10)
        p.setClipPath(clip)
        for cell, image in zip(self._cells(), self.images, strict=False):
            if image.isNull():
                p.fillRect(cell, QColor(colors(self).border))
            else:
                _cover(p, cell, image)
        p.end()


class CardImage(QWidget):
    """The link card's picture across its top (rounded top corners, cropped to fill)."""

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image
        self.setFixedHeight(150)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = QRectF(self.rect())
        clip = QPainterPath()
        clip.addRoundedRect(r.adjusted(0, 0, 0, 10), 9, 9)  # only the top corners show rounded
        p.setClipPath(clip)
        _cover(p, r, self.image)
        p.end()


class LinkCardView(QFrame):
    """The card under a post for the page it links to: nothing until there is something to
    show, "Loading preview…" for a slow page, then image, title, description and host, or only
    the host when the page said nothing (or could not be read)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkCard")
        self.card: LinkCard | None = None
        self.state = "empty"  # "empty" | "loading" | "card"
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.hide()

    def _reset(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def _add(self, widget: QWidget) -> None:
        self._layout.addWidget(widget)
        widget.show()  # now, not when the layout's queued show runs: the card is whole at once

    def show_empty(self) -> None:
        self._reset()
        self.state, self.card = "empty", None
        self.hide()

    def show_loading(self, url: str) -> None:
        self._reset()
        self.state, self.card = "loading", None
        label = QLabel("Loading preview…")
        label.setProperty("role", "card-host")
        label.setContentsMargins(12, 10, 12, 10)
        self._add(label)
        self.setAccessibleName(f"Loading the preview of {url}")
        self.show()

    def show_card(self, card: LinkCard, image: QImage | None) -> None:
        self._reset()
        self.state, self.card = "card", card
        if image is not None and not image.isNull():
            picture = CardImage(image)
            picture.setAccessibleName(f"Image from {card.host}")
            self._add(picture)
        words = QWidget()
        column = QVBoxLayout(words)
        column.setContentsMargins(12, 9, 12, 10)
        column.setSpacing(3)
        for text, role, limit in (
            (card.title, "card-title", TITLE_CHARS),
            (card.description, "card-desc", DESCRIPTION_CHARS),
        ):
            if text:
                label = QLabel(_clip(text, limit))
                label.setProperty("role", role)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setWordWrap(True)
                column.addWidget(label)
        host = QLabel(card.host or card.url)
        host.setProperty("role", "card-host")
        host.setTextFormat(Qt.TextFormat.PlainText)
        host.setToolTip(card.url)
        column.addWidget(host)
        self._add(words)
        name = f"Link preview: {card.title}, {card.host}" if card.title else f"Link preview: {card.host}"
        self.setAccessibleName(name)
        self.setToolTip(card.url)
        self.show()


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when it does not fit (a long handle)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.full_text = text
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("…") * 6), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.contentsRect().width())
        p.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
        p.end()


class PostCard(QFrame):
    """One post (or one part of a thread) as its network would show it."""

    def __init__(
        self,
        target: Target,
        text: str,
        images: Sequence[QImage],
        note: str = "",
        parent: QWidget | None = None,
        *,
        palette: theme.Colors | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PostCard")
        c = palette or colors(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        pic = QLabel()
        pic.setPixmap(avatar(target.display_name or target.handle))
        pic.setAlignment(Qt.AlignmentFlag.AlignTop)
        pic.setFixedWidth(42)
        pic.setAccessibleName(f"Avatar of {target.display_name or target.handle}")
        layout.addWidget(pic, 0, Qt.AlignmentFlag.AlignTop)
        self.column = QVBoxLayout()
        self.column.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(6)
        name = ElidedLabel(target.display_name or target.handle)
        name.setProperty("role", "card-name")
        handle = ElidedLabel(f"{target.label} · {note or 'now'}")
        handle.setProperty("role", "card-handle")
        handle.setToolTip(target.label)
        logo = QLabel()
        logo.setPixmap(network_icon(target.network).pixmap(QSize(14, 14)))
        logo.setAccessibleName(target.network_name)
        logo.setToolTip(target.network_name)
        handle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # elided, never widens
        name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(name, 1)
        head.addWidget(logo)
        self.column.addLayout(head)
        self.column.addWidget(handle)  # its own line: a long handle keeps its width in a narrow pane
        self.text = QLabel(
            highlight(text, c.accent_text) if text.strip() else f'<i style="color:{c.muted}">Nothing written yet</i>'
        )
        self.text.setProperty("role", "card-text")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.column.addWidget(self.text)
        tagged = [u for u in utm.links_in([text]) if utm.has_utm(u)]
        self.links = QLabel(
            "<br>".join(f"Link opens {_breakable(u)}" for u in tagged) if tagged else "",
        )
        self.links.setProperty("role", "card-link")
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setWordWrap(True)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.links.setToolTip("Where the link really goes: the campaign's UTM tags are added when it is sent")
        self.links.setVisible(bool(tagged))
        self.column.addWidget(self.links)
        if images:
            self.column.addSpacing(4)
            self.column.addWidget(ImageGrid(images))
        layout.addLayout(self.column, 1)


def _link_stylesheet(c: theme.Colors) -> str:
    """The link card's rules (the rest of the pane is styled by the composer's sheet)."""
    return f"""
    QFrame#LinkCard {{ background: {c.base}; border: 1px solid {c.control if c.dark else c.border};
        border-radius: 10px; }}
    QFrame#LinkCard QLabel {{ background: transparent; }}
    QLabel[role="card-title"] {{ color: {c.text}; font-weight: 600; font-size: 13px; }}
    QLabel[role="card-desc"] {{ color: {c.muted}; font-size: 12px; }}
    QLabel[role="card-host"] {{ color: {c.muted}; font-size: 11px; }}
    """


def _fetch(ctx: AppContext | None, url: str, token: CancelToken) -> tuple[LinkCard | None, QImage | None]:
    """Off the GUI thread: the card, then its image decoded and scaled (QImage is thread-safe)."""
    card = link_preview.preview(ctx, url)
    token.check()
    if card is None or not card.image:
        return card, None
    got = link_preview.preview_image(ctx, card.image)
    token.check()
    if got is None:
        return card, None
    image = QImage.fromData(got[0])
    if image.isNull():
        return card, None
    if image.width() > CARD_IMAGE_PX:
        image = image.scaledToWidth(CARD_IMAGE_PX, Qt.TransformationMode.SmoothTransformation)
    return card, image


class PreviewPane(QFrame):
    """The preview column: pick a selected account, see its variant as cards (one per part).

    Link cards need the app context and the task runner: pass them to the constructor or to
    :meth:`attach`; without them the preview shows no link card."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        ctx: AppContext | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewPane")
        self.ctx, self.runner = ctx, runner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel("PREVIEW")
        title.setProperty("role", "section")
        self.account = QComboBox()
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.account.setMinimumContentsLength(14)
        self.account.setMaximumWidth(420)
        self.account.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.account.setPlaceholderText("No account picked")
        self.account.setAccessibleName("Preview as account")
        self.account.setToolTip("Which account's version of the post to preview")
        self.account.setEnabled(False)  # until accounts are picked above
        title.setBuddy(self.account)
        head.addWidget(title)
        head.addStretch(0)
        head.addWidget(self.account, 1)  # as wide as the pane allows (up to 420 px): handles are long
        layout.addLayout(head)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        layout.addWidget(self.scroll_area, 1)
        self.cards: list[PostCard] = []
        self.link_card: LinkCardView | None = None
        # The link being previewed, and what was found for it (kept across re-renders).
        self.link_url = ""
        self._found: tuple[LinkCard | None, QImage | None] | None = None
        self._task: Task | None = None
        self._last: tuple[Target | None, list[str], list[MediaRef], Mapping[str, QImage], str, str | None] | None = None
        self._debounce = self._timer(LINK_DEBOUNCE_MS, self._fetch_link)
        self._loading = self._timer(LOADING_AFTER_MS, self._show_loading)
        theme.notifier().changed.connect(self.restyle)
        self.restyle(theme.current())

    def _timer(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def attach(self, ctx: AppContext, runner: TaskRunner) -> None:
        """Turn link cards on: pages are read through ``runner`` (off the GUI thread)."""
        self.ctx, self.runner = ctx, runner

    def restyle(self, c: theme.Colors) -> None:
        """Re-style for the theme in use (also when it changes while the pane is shown)."""
        self.setStyleSheet(_link_stylesheet(c))
        if self._last is not None:
            self.show_variant(*self._last)

    # --- accounts ----------------------------------------------------------------------------

    def set_accounts(self, targets: Sequence[Target], current: int | None) -> None:
        """The accounts to preview as. Selected: ``current`` if it is one of them, else the one
        already shown, else the first (never none while there is one)."""
        shown = self.current_account()
        self.account.blockSignals(True)
        self.account.clear()
        for t in targets:
            self.account.addItem(network_icon(t.network), f"{t.network_name} · {t.label}", t.account_id)
            self.account.setItemData(
                self.account.count() - 1, f"{t.network_name} · {t.label}", Qt.ItemDataRole.ToolTipRole
            )
        for wanted in (current, shown):
            index = self.account.findData(wanted) if wanted is not None else -1
            if index >= 0:
                break
        self.account.setCurrentIndex(max(0, index) if targets else -1)
        self.account.setEnabled(bool(targets))
        self.account.blockSignals(False)

    def current_account(self) -> int | None:
        data = self.account.currentData()
        return int(data) if data is not None else None

    # --- cards -------------------------------------------------------------------------------

    def show_variant(
        self,
        target: Target | None,
        parts: Sequence[str],
        media: Sequence[MediaRef],
        thumbs: Mapping[str, QImage],
        first_comment: str = "",
        link: str | None = None,
    ) -> None:
        """Show ``target``'s variant. ``link``: the post's card link; without one, the first
        link of the first part is previewed as a card (a post with images gets no card)."""
        self._last = (target, list(parts), list(media), thumbs, first_comment, link)
        c = colors(self)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.cards = []
        self.link_card = None
        url = ""
        if target is None:
            hint = QLabel("Pick an account above to see how the post will look there.")
            hint.setProperty("role", "muted")
            hint.setWordWrap(True)
            column.addWidget(hint)
        else:
            texts = list(parts) or [""]
            if first_comment.strip() and target.threads:
                texts.append(first_comment)
            images = [thumbs.get(str(m.path), QImage(str(m.path))) for m in media]
            for i, text in enumerate(texts):
                note = "now"
                if len(texts) > 1:
                    note = (
                        "first comment"
                        if first_comment.strip() and target.threads and i == len(texts) - 1
                        else f"{i + 1}/{len(texts)}"
                    )
                card = PostCard(target, text, images if i == 0 else [], note, palette=c)
                self.cards.append(card)
                column.addWidget(card)
            if not images:
                found = link or first_link(texts[0])
                url = untracked(found) if found else ""
            if url:
                self.link_card = LinkCardView()
                self.cards[0].column.addSpacing(4)
                self.cards[0].column.addWidget(self.link_card)
        column.addStretch(1)
        self.scroll_area.setWidget(body)
        self._follow_link(url)

    def _follow_link(self, url: str) -> None:
        """Show what is known about ``url``; a new link is fetched after typing pauses."""
        if url != self.link_url:
            self.link_url = url
            self._found = None
            if self._task is not None:
                self._task.cancel()  # its result is for a link no longer shown
                self._task = None
            self._loading.stop()
            if url and self.runner is not None:
                self._debounce.start()
            else:
                self._debounce.stop()
        self._render_link()

    def _render_link(self) -> None:
        view = self.link_card
        if view is None:
            return
        if self._found is not None:
            card, image = self._found
            view.show_card(card or LinkCard(url=self.link_url), image)
        elif self._task is not None and not self._loading.isActive():
            view.show_loading(self.link_url)
        else:
            view.show_empty()

    def _fetch_link(self) -> None:
        runner, url, ctx = self.runner, self.link_url, self.ctx
        if runner is None or not url:
            return
        self._task = runner.run(
            lambda token: _fetch(ctx, url, token),
            on_done=lambda found: self._fetched(url, found),
            on_error=lambda _exc: self._fetched(url, (None, None)),  # no card: the host alone
            name="link preview",
            owner=self,
            token=True,
        )
        self._loading.start()

    def _show_loading(self) -> None:
        self._render_link()

    def _fetched(self, url: str, found: tuple[LinkCard | None, QImage | None]) -> None:
        if url != self.link_url:
            return  # the text changed while the page was read
        self._task = None
        self._loading.stop()
        self._found = found
        self._render_link()
