"""The extraction engine's settings, checked at the edge with the key named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from intacct.config import ClientConfig
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings

CLIENT = {
    "sender_id": "s",
    "sender_password": "sp",
    "user_id": "u",
    "user_password": "up",
    "company_id": "C",
}


def test_defaults() -> None:
    assert ReplicationSettings.from_mapping({}) == ReplicationSettings()


def test_one_config_feeds_both_the_client_and_the_engine() -> None:
    config = {**CLIENT, "start_date": "2024-01-31", "entity_ids": "E100, E200"}
    ClientConfig.from_mapping(config, allow=ReplicationSettings.KEYS)
    settings = ReplicationSettings.from_mapping(config)
    assert settings.start_date == datetime(2024, 1, 31, tzinfo=UTC)
    assert settings.entity_ids == ("E100", "E200")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"start_date": "2024-01-31T10:00:00+02:00"},
            {"start_date": datetime(2024, 1, 31, 8, tzinfo=UTC)},
        ),
        ({"lookback_minutes": "90"}, {"lookback_minutes": 90}),
        ({"entity_ids": ["E100"]}, {"entity_ids": ("E100",)}),
        ({"entity_ids": "all"}, {"entity_ids": ("all",)}),
        ({"unified_schema": "true"}, {"unified_schema": True}),
        ({"unified_schema": False}, {"unified_schema": False}),
    ],
)
def test_valid_values(values: dict[str, Any], expected: dict[str, Any]) -> None:
    settings = ReplicationSettings.from_mapping(values)
    assert {k: getattr(settings, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("start_date", "yesterday", "ISO-8601"),
        ("lookback_minutes", -1, "between 0 and"),
        ("lookback_minutes", "an hour", "integer"),
        ("lookback_minutes", True, "integer"),
        ("entity_ids", 7, "list of entity ids"),
        ("entity_ids", "all,E100", "cannot be combined"),
        ("unified_schema", "yes please", "true or false"),
    ],
)
def test_invalid_values_name_the_key(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        ReplicationSettings.from_mapping({key: value})
    assert info.value.key == key and problem in str(info.value)


def test_the_client_config_settles_page_size_and_concurrency_once() -> None:
    config = {**CLIENT, "page_size": "3", "max_concurrency": 4, "lookback_minutes": 5}
    client = ClientConfig.from_mapping(config, allow=ReplicationSettings.KEYS)
    settings = ReplicationSettings.from_mapping(config, client)
    assert (settings.page_size, settings.max_concurrency, settings.lookback_minutes) == (3, 4, 5)
    unset = ReplicationSettings.from_mapping(CLIENT, ClientConfig.from_mapping(CLIENT))
    # query's largest page, not the client's own default (readByQuery's 1000)
    assert (unset.page_size, unset.max_concurrency) == (2000, 2)


def test_overrides_take_only_the_values_given() -> None:
    frozen = ReplicationSettings(page_size=9, columnar=False)
    assert frozen.with_overrides(page_size=None, columnar=None) is frozen
    assert frozen.with_overrides(page_size=7) == ReplicationSettings(page_size=7, columnar=False)


def test_a_singer_config_is_settled_into_the_same_settings() -> None:
    from intacct.tap.settings import TapSettings

    config = {**CLIENT, "page_size": 11, "entity_ids": ["E1"], "start_date": "2024-01-31"}
    settings = TapSettings.from_mapping(config, ()).replication
    assert settings == ReplicationSettings(
        start_date=datetime(2024, 1, 31, tzinfo=UTC),
        entity_ids=("E1",),
        page_size=11,
        max_concurrency=2,
    )
