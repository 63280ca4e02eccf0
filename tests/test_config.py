"""Config is validated once; every problem names its key and never shows a secret."""

from __future__ import annotations

from typing import Any

import pytest

from intacct.config import DEFAULT_API_URL, ClientConfig
from intacct.errors import ConfigError

GOOD: dict[str, Any] = {
    "sender_id": "s",
    "sender_password": "sender-secret",
    "user_id": "u",
    "user_password": "user-secret",
    "company_id": "C",
}


def test_defaults_and_hotglue_keys() -> None:
    config = ClientConfig.from_mapping(
        {**GOOD, "entity_id": "E100", "tap_key": 1}, allow=["tap_key"]
    )
    assert config.api_url == DEFAULT_API_URL
    assert (config.auth_type, config.dtd_version, config.max_concurrency) == ("session", "3.0", 2)
    assert config.entity_id == "E100"
    assert "secret" not in repr(config)


@pytest.mark.parametrize(
    "missing", ["sender_id", "sender_password", "user_id", "user_password", "company_id"]
)
def test_missing_required_key(missing: str) -> None:
    values = {**GOOD, missing: ""}
    with pytest.raises(ConfigError, match=f"'{missing}': is required") as info:
        ClientConfig.from_mapping(values)
    assert info.value.key == missing


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("api_url", "ftp://x", "http(s) URL"),
        ("auth_type", "token", "'session', 'login' or 'oauth'"),
        ("dtd_version", "4.0", "'3.0' or '2.1'"),
        ("page_size", 0, "between 1 and 2000"),
        ("page_size", "ten", "integer"),
        ("page_size", True, "integer"),
        ("max_concurrency", 0, "between 1 and 64"),
        ("timeout_s", -1, "(0, 3600]"),
        ("first_byte_timeout_s", 0, "(0, 3600]"),
        ("first_byte_timeout_s", "soon", "number"),
        ("user_id", 42, "string"),
    ],
)
def test_invalid_values_name_the_key(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        ClientConfig.from_mapping({**GOOD, key: value})
    assert info.value.key == key
    assert problem in str(info.value)
    assert "secret" not in str(info.value)


def test_from_env_and_type_conversion() -> None:
    env = {f"INTACCT_{k.upper()}": v for k, v in GOOD.items()}
    env.update(
        INTACCT_PAGE_SIZE="500",
        INTACCT_DTD_VERSION="2.1",
        INTACCT_TIMEOUT_S="30",
        INTACCT_FIRST_BYTE_TIMEOUT_S="7.5",
    )
    config = ClientConfig.from_env(env)
    assert config.page_size == 500 and config.timeout_s == 30.0
    assert config.first_byte_timeout_s == 7.5
    assert config.dtd_version == "2.1"


def test_numeric_dtd_version_from_yaml() -> None:
    assert ClientConfig.from_mapping({**GOOD, "dtd_version": 3.0}).dtd_version == "3.0"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("api_ur", "'api_ur': unknown key; did you mean 'api_url'?"),
        ("sender_pasword", "did you mean 'sender_password'?"),
        ("entityid", "did you mean 'entity_id'?"),
        ("colour", "'colour': unknown key$"),
        ("start_dat", "did you mean 'start_date'?"),  # near an allowed (caller's) key
    ],
)
def test_an_unknown_key_is_an_error_naming_the_near_miss(key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        ClientConfig.from_mapping({**GOOD, key: "https://x.example"}, allow=["start_date"])
    assert "secret" not in str(info.value)


def test_env_near_misses_are_errors_and_unrelated_variables_are_not() -> None:
    env = {f"INTACCT_{k.upper()}": v for k, v in GOOD.items()}
    assert ClientConfig.from_env({**env, "INTACCT_SHARED_FIXTURES": "/x"}).company_id == "C"
    with pytest.raises(ConfigError, match=r"INTACCT_API_ULR.*did you mean INTACCT_API_URL"):
        ClientConfig.from_env({**env, "INTACCT_API_ULR": "https://x.example"})
