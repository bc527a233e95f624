"""Layout checks for screenshots at fixed sizes: overlapping siblings and cut-off text.

``layout_problems(root)`` walks every visible widget under ``root`` and reports, in words:
- two visible sibling widgets whose rectangles overlap (a layout squeezed below its minimum);
- a button or label narrower than its ``minimumSizeHint`` (its text is cut: "Save dra");
- a child that sticks out of its parent's rectangle (the calendar's last week cut off).

Widgets drawn on top on purpose (floating overlays, toasts) set the dynamic property
``layoutOverlay`` to True and are skipped. Children of scroll areas' viewports may extend past
the viewport (that is what scrolling is for).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollBar,
    QSplitterHandle,
    QStackedWidget,
    QTabBar,
    QWidget,
)

# Composite widgets whose internals Qt lays out itself (and sometimes overlaps on purpose).
_OPAQUE = (QComboBox, QAbstractSpinBox, QTabBar, QLineEdit, QScrollBar)


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, QAbstractButton | QLabel):
        text = w.text().replace("\n", " ")[:30]
    ident = w.objectName() or type(w).__name__
    return f"{ident}" + (f" {text!r}" if text else "")


def _path(w: QWidget, root: QWidget) -> str:
    parts = []
    node: QWidget | None = w
    while node is not None and node is not root:
        parts.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return "/".join(reversed(parts[1:])) or type(root).__name__


def _skip(w: QWidget) -> bool:
    # dynamicPropertyNames, not property(): reading an unset property returns None through a
    # path some PySide6 releases leak a reference on, once per widget visited.
    return w.isWindow() or (
        b"layoutOverlay" in [bytes(n.data()) for n in w.dynamicPropertyNames()] and bool(w.property("layoutOverlay"))
    )


def _children(w: QWidget) -> list[QWidget]:
    return [c for c in w.findChildren(QWidget, options=_direct()) if c.isVisible() and not _skip(c)]


def _direct():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def _in_scroll_viewport(w: QWidget) -> bool:
    parent = w.parentWidget()
    return (
        parent is not None
        and isinstance(parent.parentWidget(), QAbstractScrollArea)
        and (
            parent is parent.parentWidget().viewport()  # type: ignore[union-attr]
        )
    )


def layout_problems(root: QWidget, *, min_overlap: int = 2, rounds: int = 10) -> list[str]:
    """The problems that remain once the layouts have settled: a label that wraps asks for more
    height from its resize event, which lays its parents out again on a later turn of the event
    loop, so a check made in between would report an overlap that is gone a moment later. Up to
    ``rounds`` turns are given; a real problem is still there after them."""
    problems = _problems(root, min_overlap)
    for _ in range(rounds):
        if not problems:
            break
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        problems = _problems(root, min_overlap)
    return problems


def _problems(root: QWidget, min_overlap: int) -> list[str]:
    problems: list[str] = []

    def visit(w: QWidget) -> None:
        if isinstance(w, _OPAQUE):
            return
        kids = _children(w)
        if not isinstance(w, QStackedWidget | QAbstractScrollArea):
            boxes = [(c, c.geometry()) for c in kids if not isinstance(c, QSplitterHandle)]
            for i, (a, ra) in enumerate(boxes):
                for b, rb in boxes[i + 1 :]:
                    inter: QRect = ra.intersected(rb)
                    if inter.width() >= min_overlap and inter.height() >= min_overlap:
                        problems.append(
                            f"overlap in {_path(a, root)}: {_name(a)} and {_name(b)} "
                            f"({inter.width()}×{inter.height()} px)"
                        )
        inside = w.rect()
        for c in kids:
            if _in_scroll_viewport(c) or isinstance(w, QAbstractScrollArea):
                continue
            g = c.geometry()
            if g.width() > 0 and g.height() > 0 and not inside.adjusted(-1, -1, 1, 1).contains(g):
                problems.append(
                    f"cut off in {_path(c, root)}: {_name(c)} at {g.x()},{g.y()} {g.width()}×{g.height()} "
                    f"outside its parent's {inside.width()}×{inside.height()}"
                )
        for c in kids:
            wraps = isinstance(c, QLabel) and c.wordWrap()
            if isinstance(c, QAbstractButton | QLabel) and not wraps and c.text():
                need = c.minimumSizeHint().width()
                if c.width() + 1 < need:
                    problems.append(f"text cut in {_path(c, root)}: {_name(c)} is {c.width()} px wide, needs {need}")
            visit(c)

    visit(root)
    return problems
