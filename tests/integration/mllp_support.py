"""An independent MLLP receiver for tests: python-hl7's asyncio server (``hl7.mllp``),
answering with python-hl7's own ACK builder, so our client is judged by other code."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import hl7
import hl7.mllp

__all__ = ["IndependentServer"]


class IndependentServer:
    """python-hl7's asyncio MLLP server in a thread: answers with python-hl7's own ACK,
    ``code`` after dropping the first ``drop`` connections unanswered."""

    def __init__(self, code: str = "AA", drop: int = 0) -> None:
        self.code, self.drop = code, drop
        self.received: list[str] = []
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def handle(reader: Any, writer: Any) -> None:
            self.connections += 1
            try:
                message = await reader.readmessage()
                if self.connections <= self.drop:
                    return
                self.received.append(str(message))
                writer.writemessage(message.create_ack(ack_code=self.code))
                await writer.drain()
            finally:
                writer.close()

        self.server = self.loop.run_until_complete(
            hl7.mllp.start_hl7_server(handle, "127.0.0.1", 0, limit=2**24)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
