"""A server on a real socket that takes connections and does with each what a test says:
nothing at all (a silent gateway), or half an answer, or an answer slowly. For the
client's deadlines, which only a real socket exercises."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: what the server does with a connection once it is taken (None: nothing, ever)
Behaviour = Callable[[socket.socket], None]


@dataclass
class Server:
    url: str
    connections: list[socket.socket] = field(default_factory=list)


@contextmanager
def serving(behaviour: Behaviour | None = None) -> Iterator[Server]:
    """A server at ``Server.url`` (an Intacct gateway's path) until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    server = Server(f"http://127.0.0.1:{listener.getsockname()[1]}/ia/xml/xmlgw.phtml")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            server.connections.append(connection)
            if behaviour is not None:
                threading.Thread(target=behaviour, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join()
        for connection in server.connections:
            connection.close()
        listener.close()
