"""Errors reach the user as sentences, with the full text under Details."""

from __future__ import annotations

import httpx
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.ui.errors import UNEXPECTED, explain, show_error
from providers.base import Rejected


def test_connection_refused_is_a_sentence_with_errno_under_details() -> None:
    exc = httpx.ConnectError("[Errno 111] Connection refused")
    explained = explain(exc)
    assert "couldn't reach the server" in explained.sentence
    assert "Errno" not in explained.sentence and "Errno 111" in explained.details


def test_the_networks_own_words_are_kept_whole() -> None:
    words = "Validation failed: Text character limit of 500 exceeded " + "x" * 400
    explained = explain(Rejected("Mastodon refused the post.", network_message=words))
    assert explained.sentence == "Mastodon refused the post." and explained.details == words


def test_an_unexpected_error_says_what_to_do_and_keeps_the_class_for_details() -> None:
    explained = explain(KeyError("variant"))
    assert explained.sentence == UNEXPECTED and explained.details == "KeyError: 'variant'"


def test_show_error_offers_details(qtbot: QtBot) -> None:
    box = show_error(None, "Connect", httpx.ConnectError("[Errno 111] Connection refused"))
    qtbot.addWidget(box)
    assert isinstance(box, QMessageBox)
    assert "Errno" not in box.text() and "Errno 111" in box.detailedText()
    box.close()
