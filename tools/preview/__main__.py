"""`make try` (a page to chat with the current model) and `make try MSG="..."` (one message, in the terminal).

    python -m tools.preview [--model models/assistant.tar.gz] [--port 5077] [--message TEXT]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import List

from bot.config import PROJECT_ROOT

DEFAULT_PORT = 5077


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Try the assistant with the current model and see why it answers.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PREVIEW_PORT") or DEFAULT_PORT),
                        help="port on 127.0.0.1 (another free one is used when it is taken; 0: any)")
    parser.add_argument("--message", default=os.environ.get("MSG") or None, help="one message, answered in the terminal")
    args = parser.parse_args(argv)

    from tools.content.quiet import quiet_libraries

    quiet_libraries()
    if not args.model.exists():
        print(f"No model at {args.model}: run `make try` (it trains first).", file=sys.stderr)
        return 1
    print("Loading the model...", flush=True)
    from tools.preview.chat import Chat, describe

    chat = Chat(args.model, args.root.resolve())
    if args.message:
        conversation = os.urandom(8).hex()
        result = chat.say(conversation, args.message)
        chat.forget(conversation)
        print(f"You:       {args.message}")
        print("\n".join(describe(result)))
        return 0
    return serve(chat, args.port)


def serve(chat: object, port: int) -> int:
    from tools.preview.server import make_server

    server, _ = make_server(chat, port if port == 0 or _free(port) else 0)  # type: ignore[arg-type]
    address = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Preview: {address}", flush=True)
    print("Open it in a browser on this computer. Ctrl-C stops it; nothing of these chats is kept.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
