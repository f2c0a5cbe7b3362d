"""A real SMTP server for the tests: saves every message it receives into a folder.

Usage: python3 smtp_receiver.py FOLDER
Prints "port N" once listening on 127.0.0.1:N (a free port), and stops when its
standard input closes.
"""
import asyncio
import pathlib
import sys

from aiosmtpd.smtp import SMTP


class Save:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        (self.folder / f"{self.count:04}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted"


async def main():
    loop = asyncio.get_running_loop()
    handler = Save(sys.argv[1])
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
