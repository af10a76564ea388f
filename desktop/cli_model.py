"""The terminal's model: which one a run uses (`--model`, else `E2B_AGENT_MODEL`, else the
settings') and `/model` to show it or switch the conversation to another from the next turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import (
    COMPOSIO_API_KEY,
    Credentials,
    missing_error,
    model_key_spec,
)
from desktop.core.config.providers import PROVIDERS, model_problem, provider_of
from desktop.core.config.secrets import SecretName, model_from_environment, model_variable
from desktop.core.errors import Fix
from desktop.terminal import Terminal

COMMAND = "/model"
EXAMPLES = "e.g. /model anthropic:claude-sonnet-4-5 or /model ollama:llama3.1"


@dataclass(frozen=True)
class ChosenModel:
    """The model a run starts with, and what chose it ("--model", "E2B_AGENT_MODEL"...)."""

    model: str
    source: str


def chosen_model(
    settings_model: str,
    flag: str | None,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
) -> ChosenModel:
    """`--model` wins over `E2B_AGENT_MODEL` (environment, then `.env`), which wins over the
    settings file's model; the callers checked `flag` already. ValueError with the sentence to
    print when `E2B_AGENT_MODEL` names a model this version cannot use: the run does not fall
    back to another (perhaps paid) provider without a word."""
    if flag:
        return ChosenModel(flag.strip(), "--model")
    found = model_from_environment(environ, dotenv)
    if found is None:
        return ChosenModel(settings_model, "the settings file")
    where = model_variable(found[1])
    if problem := model_problem(found[0]):
        raise ValueError(f"{where}: {problem}")
    return ChosenModel(found[0].strip(), where)


def keys_wanted(model: str) -> tuple[SecretName, ...]:
    """The keyring entries a chat on `model` reads (Composio's, the provider's if any)."""
    key = model_key_spec(model)
    names = [COMPOSIO_API_KEY.name, *([key.name] if key is not None else [])]
    return tuple(SecretName(name) for name in names)


def provider_list() -> str:
    return ", ".join(f"{spec.prefix}:" for spec in PROVIDERS if spec.in_picker)


class ModelCommand:
    """`/model`: says the model in use (and who answered last); `/model PROVIDER:NAME`
    switches to it from the next turn, the conversation going on. `credentials_for(model)`
    reads the keys a model needs (the keyring is asked only for the provider's own);
    `last_reply()` is the model string (the app's, as chosen) that wrote the last reply."""

    def __init__(
        self,
        session: ChatSession,
        term: Terminal,
        chosen: ChosenModel,
        *,
        credentials_for: Callable[[str], Credentials],
        error: Callable[[str, Fix | None], None],
        last_reply: Callable[[], str | None],
    ) -> None:
        self._session = session
        self._term = term
        self._source = chosen.source
        self._credentials_for = credentials_for
        self._error = error
        self._last_reply = last_reply

    @staticmethod
    def handles(line: str) -> bool:
        words = line.split()
        return bool(words) and words[0] == COMMAND

    def run(self, line: str) -> bool:
        """Carry out the command; True when it switched the model."""
        argument = line.strip().removeprefix(COMMAND).strip()
        if not argument:
            self._show()
            return False
        problem = model_problem(argument)
        if problem:
            self._term.error(problem)
            return False
        credentials = self._credentials_for(argument)
        key = model_key_spec(argument)
        if key is not None and credentials.value_of(key) is None:
            missing = missing_error((key,))
            self._error(missing.message, missing.fix)
            self._term.dim(f"Still on {self._session.model_name}.")
            return False
        self._session.use_credentials(credentials)
        self._session.use_model(argument)
        self._source = COMMAND
        spec = provider_of(argument)
        where = f" ({spec.service})" if spec is not None else ""
        self._term.dim(
            f"Model: {argument}{where}, from the next reply on; the conversation goes on."
        )
        return True

    def _show(self) -> None:
        self._term.line(f"Model: {self._session.model_name} (from {self._source})")
        last = self._last_reply()
        if last:
            self._term.dim(f"The last reply came from {last}.")
        self._term.dim(f"Switch with {COMMAND} PROVIDER:NAME, {EXAMPLES}.")
        self._term.dim(f"Providers: {provider_list()}")
