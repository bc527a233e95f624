"""One running app per data folder: a lock file says who owns it, a local socket lets a second
launch ask the owner to bring its window forward instead of starting a second publisher.

Start-up takes the lock before anything else and starts listening once the window is painted
(``acquire(listen=False)``, then :meth:`SingleInstance.listen`): QtNetwork is imported only then.
A second launch in between finds no socket yet and retries until the owner answers."""

from __future__ import annotations

import enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

LOCK_FILENAME = "campaign-desk.lock"
SHOW = b"show\n"
ACK = b"ok\n"
ANSWER_TIMEOUT_MS = 2000


class Claim(enum.Enum):
    OURS = "ours"  # we hold the lock and listen
    HELD = "held"  # another live instance holds it
    UNAVAILABLE = "unavailable"  # the lock file cannot be written at all


def server_name(data_dir: Path) -> str:
    """The local socket's name for ``data_dir``: hashed so two folders can run side by side, and
    short, because a Unix socket path (temp dir + name) is limited to ~104 bytes on macOS."""
    import hashlib  # with OpenSSL behind it: not needed before the window is painted

    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"campaign-desk-{digest}"


class SingleInstance(QObject):
    """Claim ``data_dir`` for this process, or reach the process that has it."""

    show_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir.resolve()
        self._lock = QLockFile(str(self.data_dir / LOCK_FILENAME))
        self._lock.setStaleLockTime(0)  # held for the app's whole life: only a dead owner makes it stale
        self._server: QLocalServer | None = None

    @cached_property
    def name(self) -> str:
        """The local socket's name (see :func:`server_name`)."""
        return server_name(self.data_dir)

    @property
    def lock_path(self) -> Path:
        return Path(self._lock.fileName())

    def acquire(self, *, listen: bool = True) -> Claim:
        """Take the lock and (unless ``listen=False``: call :meth:`listen` later) start listening;
        a lock left by a dead process is taken over."""
        if not self._lock.tryLock(0):
            error = self._lock.error()
            if error != QLockFile.LockError.LockFailedError:
                return Claim.UNAVAILABLE
            # The owner's pid may have been reused by an unrelated process: removal still fails
            # while a live owner holds its file lock, so this never steals a running app's lock.
            if not (self._lock.removeStaleLockFile() and self._lock.tryLock(0)):
                return Claim.HELD
        if listen:
            self.listen()
        return Claim.OURS

    def listen(self) -> None:
        """Answer later launches for this data folder (we hold the lock); once is enough."""
        if self._server is not None or not self._lock.isLocked():
            return
        from PySide6.QtNetwork import QLocalServer

        # A crashed owner leaves its socket file behind on Unix; the lock says it is ours to clear.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._accept)
        if not server.listen(self.name):
            # Still the only instance (we hold the lock); a second launch will be told we do not answer.
            server.deleteLater()
        else:
            self._server = server

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    def ask_owner_to_show(self, timeout_ms: int = ANSWER_TIMEOUT_MS) -> bool:
        """Ask the instance holding the lock to bring its window forward; True once it acknowledged.

        Waits in a local event loop (not ``waitFor…``), so an owner in this same thread still answers.
        Retries a refused connection until the deadline: the owner may be between lock and listen."""
        from PySide6.QtCore import QElapsedTimer, QEventLoop  # a second launch only

        clock = QElapsedTimer()
        clock.start()
        while True:
            left = timeout_ms - clock.elapsed()
            if left <= 0:
                return False
            answered, connected = self._ask_once(int(left))
            if answered:
                return True
            if connected:  # it took the message but never answered: hung, not starting
                return False
            pause = QEventLoop()
            QTimer.singleShot(min(100, max(1, timeout_ms - clock.elapsed())), pause.quit)
            pause.exec()

    def _ask_once(self, timeout_ms: int) -> tuple[bool, bool]:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        loop = QEventLoop()
        reply = bytearray()
        connected = False

        def on_connected() -> None:
            nonlocal connected
            connected = True
            socket.write(SHOW)

        def on_ready() -> None:
            reply.extend(bytes(socket.readAll().data()))
            if b"\n" in reply:
                loop.quit()

        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        socket.connected.connect(on_connected)
        socket.readyRead.connect(on_ready)
        socket.disconnected.connect(loop.quit)
        socket.errorOccurred.connect(lambda _error: loop.quit())
        socket.connectToServer(self.name)
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            timer.start(timeout_ms)
            loop.exec()
        timer.stop()
        reply.extend(bytes(socket.readAll().data()))
        socket.abort()
        return reply.startswith(ACK), connected

    def _accept(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            socket.setParent(self)
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.canReadLine():  # the message may have arrived with the connection
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            line = bytes(socket.readLine().data())
            if line == SHOW:
                self.show_requested.emit()
                socket.write(ACK)
                socket.flush()
            socket.disconnectFromServer()
            return
        if socket.bytesAvailable() > 64:  # not our client: no line of that length exists
            socket.abort()
