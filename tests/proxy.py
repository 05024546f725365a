"""A TCP proxy for fault tests: put it between Innsikt and PostgreSQL, Redis or the broker,
then make that server "restart" or "go down" for the processes using it, without touching
the real server (other test runs on the machine share it).

    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        url = f"postgres://postgres@127.0.0.1:{proxy.port}/test_innsikt"
        ...
        proxy.down()   # every open connection is cut; new ones are refused (RST)
        ...
        proxy.up()     # connections are accepted and forwarded again

``down`` is what a client sees when the server restarts: established connections end
mid-stream and connecting fails until the server is back. ``cut`` only drops the open
connections (a server that restarted in an instant).
"""

import contextlib
import selectors
import socket
import struct
import threading
from types import TracebackType

RESET_ON_CLOSE = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._accepting = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cuts: list[threading.Event] = []
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._thread = threading.Thread(target=self._serve, name="tcp-proxy", daemon=True)
        self.connections_made = 0

    # -- control --------------------------------------------------------------------------

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def down(self) -> None:
        """Cut every open connection and refuse new ones until ``up``."""
        with self._lock:
            self._accepting = False
        self.cut()

    def up(self) -> None:
        with self._lock:
            self._accepting = True

    def cut(self) -> None:
        """Drop every open connection (both sides see the connection reset). The proxy's
        own thread drops them; this returns once it has."""
        if not self._thread.is_alive():
            self._cut_now()
            return
        done = threading.Event()
        with self._lock:
            self._cuts.append(done)
        done.wait(timeout=5)

    def _cut_now(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
            self._pairs.clear()
        for sock in pairs:
            self._drop(sock)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._cut_now()
        self._selector.close()
        self._listener.close()

    # -- the loop -------------------------------------------------------------------------

    def _drop(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        with contextlib.suppress(OSError):  # RST, not FIN: what a killed server's kernel sends
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
        sock.close()

    def _accept(self) -> None:
        try:
            client, _address = self._listener.accept()
        except BlockingIOError:
            return
        with self._lock:
            accepting = self._accepting
        if not accepting:
            self._drop(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            self._drop(client)
            return
        client.setblocking(False)
        server.setblocking(False)
        with self._lock:
            self._pairs[client] = server
            self._pairs[server] = client
        self.connections_made += 1
        self._selector.register(client, selectors.EVENT_READ, "data")
        self._selector.register(server, selectors.EVENT_READ, "data")

    def _forward(self, sock: socket.socket) -> None:
        with self._lock:
            other = self._pairs.get(sock)
        if other is None:
            self._drop(sock)
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            try:
                other.setblocking(True)
                other.sendall(data)
                other.setblocking(False)
                return
            except OSError:
                pass
        with self._lock:
            self._pairs.pop(sock, None)
            self._pairs.pop(other, None)
        self._drop(sock)
        self._drop(other)

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                cuts, self._cuts = self._cuts, []
            if cuts:
                self._cut_now()
                for done in cuts:
                    done.set()
            for key, _events in self._selector.select(timeout=0.1):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if key.data == "accept":
                    self._accept()
                else:
                    self._forward(sock)
