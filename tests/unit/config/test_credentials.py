"""The one completeness check of the credentials: what is missing, in neutral terms."""

from __future__ import annotations

import pytest

from desktop.core.config.credentials import (
    COMPOSIO_API_KEY,
    FOR_CHAT,
    FOR_ROUTER,
    KEY_SPECS,
    OPENAI_API_KEY,
    USER_ID,
    Credentials,
    missing_credentials,
    require_credentials,
)
from desktop.core.config.secrets import ENV_VARS, USER_ID_ENV, SecretName
from desktop.core.errors import ErrorKind, Remedy, UserFacingError

COMPLETE = Credentials("sk-test-openai", "ak_test", "alice")


def test_the_specs_name_the_environment_variables_the_secrets_read() -> None:
    assert OPENAI_API_KEY.env_var == ENV_VARS[SecretName.OPENAI_API_KEY]
    assert COMPOSIO_API_KEY.env_var == ENV_VARS[SecretName.COMPOSIO_API_KEY]
    assert USER_ID.env_var == USER_ID_ENV
    assert {spec.name for spec in KEY_SPECS.values()} == {n.value for n in SecretName}
    assert all(spec.env_var == ENV_VARS[name] for name, spec in KEY_SPECS.items())
    assert not USER_ID.in_keyring


def test_complete_credentials_miss_nothing() -> None:
    assert missing_credentials(COMPLETE) == ()
    require_credentials(COMPLETE)  # does not raise


def test_no_credentials_miss_everything() -> None:
    assert missing_credentials(None) == FOR_CHAT


@pytest.mark.parametrize(
    ("credentials", "missing"),
    [
        (Credentials(None, "ak_test", "alice"), (OPENAI_API_KEY,)),
        (Credentials("sk-test", "", "alice"), (COMPOSIO_API_KEY,)),
        (Credentials("sk-test", "ak_test", None), (USER_ID,)),
        (Credentials(None, None, "alice"), (COMPOSIO_API_KEY, OPENAI_API_KEY)),
    ],
)
def test_what_is_missing_is_named_with_its_variable(
    credentials: Credentials, missing: tuple[object, ...]
) -> None:
    assert missing_credentials(credentials) == missing
    with pytest.raises(UserFacingError) as caught:
        require_credentials(credentials)
    error = caught.value
    assert error.kind is ErrorKind.MISSING_KEY
    assert error.fix is not None
    assert error.fix.remedy is Remedy.PROVIDE
    assert error.fix.items == missing
    for spec in error.fix.items:
        assert spec.label in error.message and spec.env_var in error.message
    assert "Settings" not in error.message and "Ctrl" not in error.message


def test_two_missing_read_as_one_sentence() -> None:
    with pytest.raises(UserFacingError) as caught:
        require_credentials(Credentials(None, None, "alice"))
    assert caught.value.message == (
        "No Composio API key or OpenAI API key is set: "
        "provide them (COMPOSIO_API_KEY, OPENAI_API_KEY)."
    )


def test_the_router_needs_no_model_key() -> None:
    without_openai = Credentials(None, "ak_test", "alice")
    assert missing_credentials(without_openai, FOR_ROUTER) == ()
    require_credentials(without_openai, FOR_ROUTER)
    assert missing_credentials(Credentials("sk", "ak", ""), FOR_ROUTER) == (USER_ID,)
