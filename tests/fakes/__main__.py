"""`python -m tests.fakes`: run the fake model providers (OpenAI, Anthropic, Gemini, a keyless
local server as Ollama and LM Studio are) and Composio/E2B until Ctrl-C."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from types import FrameType

from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.e2b_state import many_sandboxes
from tests.fakes.gemini_server import TEST_GOOGLE_KEY, GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import LOCAL_MODELS, OpenAIFake


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes",
        description="Serve the loopback fakes so the app can be tried by hand.",
    )
    parser.add_argument(
        "--port-openai",
        type=int,
        default=0,
        help="port of the fake OpenAI server (default: a free port)",
    )
    parser.add_argument(
        "--port-composio",
        type=int,
        default=0,
        help="port of the fake Composio backend (default: a free port)",
    )
    parser.add_argument(
        "--e2b-disconnected",
        action="store_true",
        help="start with E2B not connected (the agent must hand out a Connect "
        "Link; open it in a browser to connect)",
    )
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="start with no sandboxes instead of one running and one paused",
    )
    parser.add_argument(
        "--sandboxes",
        type=int,
        default=0,
        metavar="N",
        help="start with N sandboxes (a heavy team: four in five running, the rest paused) "
        "instead of one running and one paused",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    services = FakeServices(
        e2b_connected=not args.e2b_disconnected,
        seed=many_sandboxes(args.sandboxes) if args.sandboxes else not args.no_seed,
        openai_port=args.port_openai,
        composio_port=args.port_composio,
    )
    providers = (
        AnthropicFake(),
        GeminiFake(),
        OpenAIFake(models=LOCAL_MODELS, require_key=False),
    )
    try:
        services.start()
        for fake in providers:
            fake.start()
    except OSError as exc:
        print(f"could not start the fakes: {exc}", file=sys.stderr)
        return 1
    anthropic, gemini, local = providers
    env = {
        **services.env(),
        "ANTHROPIC_BASE_URL": anthropic.base_url,
        "ANTHROPIC_API_KEY": TEST_ANTHROPIC_KEY,
        "GOOGLE_GEMINI_BASE_URL": gemini.base_url,
        "GOOGLE_API_KEY": TEST_GOOGLE_KEY,
        "OLLAMA_BASE_URL": local.base_url,
    }
    print("# Fakes running. Point the app at them with:")
    print("export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()))
    print(
        f"# Models: openai:gpt-5, anthropic:claude-sonnet-4-5, google:gemini-2.5-flash, "
        f"ollama:llama3.1 (an LM Studio or other server: base URL {local.base_url} in Settings)."
    )
    state = "NOT connected (ask the agent to connect e2b)" if args.e2b_disconnected else "connected"
    print(f"# E2B is {state}. Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
        print("\n# stopping ...", file=sys.stderr)
    finally:
        for fake in providers:
            fake.stop()
        services.stop()
        print(
            f"# {sum(len(f.requests) for f in (services.openai, *providers))} model requests, "
            f"{len(services.composio.tool_calls)} tool calls served.",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
