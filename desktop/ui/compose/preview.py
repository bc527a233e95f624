"""A preview of each variant as a post card like the network shows it: avatar, name, handle,
text with links, #tags and @mentions in the accent colour, and an image grid (1-4)."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRect, QRectF, QSize, Qt
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

from desktop.services import utm
from desktop.services.compose import MediaRef, Target
from desktop.ui.compose.style import colors
from desktop.ui.icons import network_icon

_ENTITY = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,:;!?'\")]|(?<![\w@])#\w+|(?<![\w/])@[\w.-]+(?:@[\w.-]+\w)?)")
_AVATAR_COLORS = ("#4f6bed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#1098ad", "#f08c00")


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


def _breakable(url: str) -> str:
    """``url`` escaped, with break opportunities after ``/ ? & =`` so a long link wraps."""
    return "".join(html.escape(ch) + ("&#8203;" if ch in "/?&=" else "") for ch in url)


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
                continue
            # cover the cell: crop the image to the cell's aspect ratio
            ratio = cell.width() / cell.height()
            iw, ih = image.width(), image.height()
            if iw / ih > ratio:
                sw, sh = ih * ratio, float(ih)
            else:
                sw, sh = float(iw), iw / ratio
            p.drawImage(cell, image, QRectF((iw - sw) / 2, (ih - sh) / 2, sw, sh))
        p.end()


class PostCard(QFrame):
    """One post (or one part of a thread) as its network would show it."""

    def __init__(
        self, target: Target, text: str, images: Sequence[QImage], note: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PostCard")
        c = colors(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        pic = QLabel()
        pic.setPixmap(avatar(target.display_name or target.handle))
        pic.setAlignment(Qt.AlignmentFlag.AlignTop)
        pic.setFixedWidth(42)
        layout.addWidget(pic, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(6)
        name = QLabel(target.display_name or target.handle)
        name.setProperty("role", "card-name")
        handle = QLabel(f"{target.label} · {note or 'now'}")
        handle.setProperty("role", "card-handle")
        logo = QLabel()
        logo.setPixmap(network_icon(target.network).pixmap(QSize(14, 14)))
        handle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # clipped, never widens
        head.addWidget(name, 0)
        head.addWidget(handle, 1)
        head.addWidget(logo)
        column.addLayout(head)
        self.text = QLabel(
            highlight(text, c.accent) if text.strip() else f'<i style="color:{c.muted}">Nothing written yet</i>'
        )
        self.text.setProperty("role", "card-text")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.text)
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
        column.addWidget(self.links)
        if images:
            column.addSpacing(4)
            column.addWidget(ImageGrid(images))
        layout.addLayout(column, 1)


class PreviewPane(QFrame):
    """The preview column: pick a selected account, see its variant as cards (one per part)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewPane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel("PREVIEW")
        title.setProperty("role", "section")
        self.account = QComboBox()
        self.account.setMinimumWidth(230)
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.account)
        layout.addLayout(head)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        layout.addWidget(self.scroll, 1)
        self.cards: list[PostCard] = []

    def set_accounts(self, targets: Sequence[Target], current: int | None) -> None:
        self.account.blockSignals(True)
        self.account.clear()
        for t in targets:
            self.account.addItem(network_icon(t.network), f"{t.network_name} · {t.label}", t.account_id)
        index = self.account.findData(current) if current is not None else 0
        self.account.setCurrentIndex(max(0, index))
        self.account.blockSignals(False)

    def current_account(self) -> int | None:
        data = self.account.currentData()
        return int(data) if data is not None else None

    def show_variant(
        self,
        target: Target | None,
        parts: Sequence[str],
        media: Sequence[MediaRef],
        thumbs: Mapping[str, QImage],
        first_comment: str = "",
    ) -> None:
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.cards = []
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
                card = PostCard(target, text, images if i == 0 else [], note)
                self.cards.append(card)
                column.addWidget(card)
        column.addStretch(1)
        self.scroll.setWidget(body)
