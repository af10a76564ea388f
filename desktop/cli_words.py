"""How the terminal words the core's errors: the remedy in what a terminal offers (environment
variables, `.env`, the keyring's command, the settings file, starting again); and a name in a
command line it offers."""

from __future__ import annotations

import shlex

from desktop.core.config.secrets import KEYRING_SERVICE
from desktop.core.errors import (
    PLAIN_HTTP_SETTING,
    CredentialSpec,
    Fix,
    Remedy,
    join_labels,
    neutral_text,
)
from desktop.core.inert import inert

PLAIN_HTTP_FLAG = "--allow-plain-http-model"


def _keyring_command(item: CredentialSpec) -> str:
    # keyring's own command line (installed with the package), on the entry the app reads.
    return f"`keyring set {KEYRING_SERVICE} {item.name}`"


def terminal_text(message: str, fix: Fix | None, *, keyring: bool) -> str:
    """The sentence the terminal prints: the remedy in what the terminal offers (environment
    variables, `.env`, the keyring's command when there is a usable keyring)."""
    if fix is None:
        return message
    env_vars = join_labels(item.env_var for item in fix.items)
    stored = [item for item in fix.items if item.in_keyring] if keyring else []
    commands = join_labels(_keyring_command(item) for item in stored)
    match fix.remedy:
        case Remedy.PROVIDE | Remedy.CONFIGURE:
            text = f"{fix.problem}: set {env_vars} in the environment or .env"
            if stored:
                key = "the key" if len(stored) == 1 else "the keys"
                key = "it" if len(fix.items) == 1 else key
                text += f", or store {key} in the keyring with {commands}"
            return text + "."
        case Remedy.CHECK_CREDENTIAL:
            text = f"{fix.problem}: check {env_vars} in the environment or .env"
            if stored:
                text += f", or store the right key in the keyring with {commands}"
            return text + "."
        case Remedy.CHOOSE_MODEL:
            return f'{fix.problem}: set another "model" in the settings file.'
        case Remedy.NEW_CONVERSATION:
            return f"{fix.problem}: type exit and start again for a new conversation."
        case Remedy.UNLOCK_KEYRING | Remedy.START_KEYRING:  # here, retrying is starting again
            text = neutral_text(fix).removesuffix(".")
            return f"{text} (start the app again), or set {env_vars} in the environment or .env."
        case Remedy.ALLOW_PLAIN_HTTP:
            provider = f'"{fix.provider}"' if fix.provider else "its provider"
            return (
                f"{fix.problem}: use an https:// address, or, for a server of your own on a "
                f"network you trust, start with {PLAIN_HTTP_FLAG} (it allows only the provider "
                f'of the model the run starts on) or add {provider} to "{PLAIN_HTTP_SETTING}" '
                "in the settings file."
            )
        case Remedy.RAISE_BUDGET:
            return (
                f"{fix.problem}: type /budget AMOUNT to raise it (/budget shows it, /budget off "
                "removes it), or type exit and start again for a new conversation."
            )


def command_word(text: str) -> str:
    """`text` as one word of a command line the terminal offers (`/save NAME`): written as the
    terminal shows it (`inert`), quoted only when the command's reading (`shlex`) would
    otherwise change it (a space, a quote, a backslash)."""
    shown = inert(text)
    try:
        plain = shlex.split(shown) == [shown]
    except ValueError:  # an unclosed quote
        plain = False
    return shown if plain else shlex.quote(shown)
