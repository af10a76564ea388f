"""Composition root: arguments, logging, the secret store, then the window or the terminal mode."""

from __future__ import annotations

import argparse
import os
import sys
import time

PROCESS_START = time.perf_counter()


def _parse_args(argv: list[str]) -> argparse.Namespace:
    from desktop import __version__

    parser = argparse.ArgumentParser(
        prog="e2b-agent",
        description="Chat with an AI agent that manages your E2B sandboxes.",
    )
    parser.add_argument("--cli", action="store_true", help="chat in the terminal instead")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="show the window, wait for the first paint, quit and print the start-up time",
    )
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    parser.add_argument(
        "--allow-plain-http-model",
        action="store_true",
        help="with --cli, for this run: let the key and the conversation of the run's model's "
        "provider (only) travel unencrypted to its plain http:// server on another machine "
        "(OLLAMA_BASE_URL, OPENAI_BASE_URL...); the window has this in Settings, per provider",
    )
    parser.add_argument(
        "--model",
        metavar="PROVIDER:NAME",
        help="with --cli, the model for this run, e.g. anthropic:claude-sonnet-4-5 or "
        "ollama:llama3.1 (else E2B_AGENT_MODEL, else the settings'); /model switches it",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    if args.model is not None:
        from desktop.core.config.providers import model_problem

        if not args.cli:
            parser.error("--model is for the terminal (--cli); in the window, use the switcher")
        if problem := model_problem(args.model):
            parser.error(f"--model: {problem}")
    if args.allow_plain_http_model and not args.cli:
        from desktop.ui.messages import PLAIN_HTTP_CHECK

        parser.error(
            f"--allow-plain-http-model is for the terminal (--cli); in the window, pick the "
            f'provider in Settings and tick "{PLAIN_HTTP_CHECK}"'
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    import logging

    from desktop.core.redaction import Redactor
    from desktop.frozen import use_certifi_if_no_system_certificates
    from desktop.log_setup import configure_logging, hold_early_records
    from desktop.paths import default_paths

    use_certifi_if_no_system_certificates()
    paths = default_paths()
    paths.ensure()
    # The one redactor: the log, the keys read from the keyring or the environment, the chat.
    redactor = Redactor()
    level = logging.DEBUG if args.debug else logging.INFO

    def start_logging() -> None:
        configure_logging(paths.log_file, redactor, level=level)

    if args.cli:
        start_logging()
        # No data-folder lock here (the window takes one, issue 10): the terminal opens no
        # conversation database, and its one write, an "always allow" rule, re-reads
        # settings.json and replaces it atomically, so a window beside it corrupts nothing.
        from desktop.cli import run_cli
        from desktop.core.config.secrets import open_secret_store
        from desktop.core.config.settings import load_settings
        from desktop.gc_policy import pause_collection_while_importing

        # The terminal's choice too: its user waits for the same imports at "Connecting…".
        pause_collection_while_importing()
        return run_cli(
            load_settings(paths.settings_file),
            open_secret_store(),
            known_secrets=redactor.add,
            settings_file=paths.settings_file,
            model=args.model,
            plain_http_model=args.allow_plain_http_model,
        )
    # The window opens the log file once it has painted; what is logged before waits for it.
    hold_early_records(level)
    from desktop.ui import pyside_imports

    # Before the window's modules are imported, so that none of their sources is kept.
    pyside_imports.install()
    from desktop.gui import run_gui

    status = run_gui(
        paths,
        redactor,
        smoke_test=args.smoke_test,
        process_start=PROCESS_START,
        start_logging=start_logging,
    )
    # Everything is saved and closed by now. The interpreter's own teardown of the agent stack
    # takes over a second and does nothing the user needs, so the window's process ends here.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
