"""The tenant list: references resolved, secrets never taken from the file, and every
mistake one line naming the tenant and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct.errors import ConfigError
from intacct.integrations.dagster import TenantError, load_tenants


def write(tmp_path: Path, text: str, name: str = "tenants.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


YAML = """
defaults:
  sender_id: s
  sender_password: {env: T_SENDER}
  api_url: http://127.0.0.1:9/ia/xml/xmlgw.phtml
tenants:
  - company_id: ACME
    user_id: u
    user_password: {env: T_ACME}
    entity_ids: [E1, E2]
    concurrency: 4
    objects: [vendor, glaccount]
"""


def test_yaml_tenant_resolves_its_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("T_SENDER", "sender-secret")
    monkeypatch.setenv("T_ACME", "acme-secret")
    (tenant,) = load_tenants(write(tmp_path, YAML)).values()
    assert tenant.entity_ids == ("E1", "E2") and tenant.objects == ("VENDOR", "GLACCOUNT")
    connection = tenant.connection()
    assert connection.user_password == "acme-secret"
    assert connection.sender_password == "sender-secret"
    # the engine's company-wide semaphore is the client's: the tenant's limit
    assert connection.max_concurrency == 4
    assert tenant.destination_at(tmp_path) == tmp_path / "ACME.duckdb"


def test_toml_tenant_list(tmp_path: Path):
    text = """
[[tenants]]
company_id = "ACME"
sender_id = "s"
sender_password = {env = "T_SENDER"}
user_id = "u"
user_password = {keyring = {service = "intacct", username = "acme"}}
destination = "/data/acme.duckdb"
"""
    tenant = load_tenants(write(tmp_path, text, "tenants.toml"))["ACME"]
    assert tenant.settings["user_password"] == {
        "keyring": {"service": "intacct", "username": "acme"}
    }
    assert tenant.destination_at(tmp_path) == Path("/data/acme.duckdb")


def test_missing_variable_names_tenant_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("T_SENDER", "sender-secret")
    monkeypatch.delenv("T_ACME", raising=False)
    (tenant,) = load_tenants(write(tmp_path, YAML)).values()
    with pytest.raises(TenantError) as caught:
        tenant.connection()
    assert str(caught.value) == (
        "tenant ACME: user_password: environment variable T_ACME is not set"
    )


def test_password_in_the_file_is_refused(tmp_path: Path):
    text = YAML.replace("{env: T_ACME}", "hunter2-in-the-file")
    with pytest.raises(TenantError) as caught:
        load_tenants(write(tmp_path, text))
    assert "tenant ACME: user_password: must be a reference" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("tenants: [{user_id: u}]", "tenant #1 has no company_id"),
        ("tenants: [{company_id: A, usr_id: u}]", "tenant A: usr_id: unknown key 'usr_id'"),
        ("tenants: [{company_id: A, concurrency: 0}]", "tenant A: concurrency: must be"),
        ("tenants: [{company_id: A}, {company_id: A}]", "tenant A: company_id: listed twice"),
        ("tenants: [{company_id: A, budget: 0}]", "tenant A: budget: must be a whole number"),
        ("tenants: [{company_id: A, share: 0.2}]", "tenant A: share: is a share of entitlement"),
        ("tenants: [{company_id: A, entitlement: 1e5}]", "tenant A: entitlement: must be a whole"),
        ("tenants: [{company_id: A, entitlement: 10, share: 2}]", "tenant A: share: must be a num"),
        ("tenants: [{company_id: A, entitlement: 10, share: x}]", "tenant A: share: must be a num"),
        ("companies: []", "expected a 'tenants' list"),
        ("tenants: [", "is not valid YAML"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, text: str, said: str):
    with pytest.raises(ConfigError) as caught:
        load_tenants(write(tmp_path, text))
    assert said in str(caught.value) and "\n" not in str(caught.value)


def test_bad_connection_key_names_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("T_SENDER", "x")
    monkeypatch.setenv("T_ACME", "y")
    text = YAML.replace("http://127.0.0.1:9/ia/xml/xmlgw.phtml", "ftp://nowhere")
    (tenant,) = load_tenants(write(tmp_path, text)).values()
    with pytest.raises(TenantError, match=r"^tenant ACME: api_url: must be an http\(s\) URL"):
        tenant.connection()


def test_destination_url_with_a_password_only_by_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url = "postgresql://fleet:s3cret@db.example:5432/intacct?schema=acme"
    with pytest.raises(TenantError) as caught:
        load_tenants(write(tmp_path, YAML + f"    destination: {url}\n"))
    assert "tenant ACME: destination: a URL with a password must be a reference" in str(
        caught.value
    )
    assert "s3cret" not in str(caught.value)
    monkeypatch.setenv("ACME_DB", url)
    (tenant,) = load_tenants(write(tmp_path, YAML + "    destination: {env: ACME_DB}\n")).values()
    assert tenant.destination_at(tmp_path) == url


def test_entitlement_and_share(tmp_path: Path):
    text = "tenants: [{company_id: A, entitlement: 100000, share: 0.2}, {company_id: B}]"
    tenants = load_tenants(write(tmp_path, text))
    entitlement = tenants["A"].entitlement
    assert entitlement is not None and entitlement.allowed == 20000
    assert tenants["B"].entitlement is None


def test_a_tenant_takes_every_request_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("T_SENDER", "x")
    monkeypatch.setenv("T_ACME", "y")
    text = YAML.replace("  api_url:", "  first_byte_timeout_s: 20\n  timeout_s: 600\n  api_url:")
    (tenant,) = load_tenants(write(tmp_path, text)).values()
    connection = tenant.connection()
    assert (connection.first_byte_timeout_s, connection.timeout_s) == (20, 600)


FLEET = """
defaults:
  sender_id: s
  sender_password: {env: T_SENDER}
  user_id: u
  user_password: {env: T_USER}
  destination: %s
tenants:
  - company_id: ACME
  - company_id: BETA CO
"""


def test_a_destination_template_gives_each_company_its_own(tmp_path: Path) -> None:
    url = "postgresql://etl@db.example:5433/warehouse?schema=intacct_{company_id}"
    tenants = load_tenants(write(tmp_path, FLEET % url))
    assert tenants["ACME"].destination_at(tmp_path) == (
        "postgresql://etl@db.example:5433/warehouse?schema=intacct_ACME"
    )
    assert tenants["BETA CO"].destination_at(tmp_path) == (
        "postgresql://etl@db.example:5433/warehouse?schema=intacct_BETA%20CO"
    )
    files = load_tenants(write(tmp_path, FLEET % f"{tmp_path}/{{company_id}}.duckdb"))
    assert files["ACME"].destination_at(tmp_path) == tmp_path / "ACME.duckdb"


@pytest.mark.parametrize(
    "shared",
    [
        "postgresql://etl@db.example/warehouse",  # both in the default schema
        "postgresql://etl@db.example/warehouse?schema=intacct",
        "dlt:postgres",
        "/data/all.duckdb",
    ],
)
def test_two_tenants_in_one_destination_are_refused(tmp_path: Path, shared: str) -> None:
    with pytest.raises(TenantError) as refused:
        load_tenants(write(tmp_path, FLEET % shared))
    said = str(refused.value)
    assert said.startswith("tenant BETA CO: destination:") and "tenant ACME's" in said
    assert "{company_id}" in said


def test_two_references_to_one_destination_are_refused_where_they_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
tenants:
  - company_id: ACME
    destination: {env: T_ACME_DB}
  - company_id: BETA
    destination: {env: T_BETA_DB}
"""
    path = write(tmp_path, text)
    assert set(load_tenants(path)) == {"ACME", "BETA"}  # not set here: compared where set
    monkeypatch.setenv("T_ACME_DB", "postgresql://etl:secret@db/wh?schema=one")
    monkeypatch.setenv("T_BETA_DB", "postgresql://other:pw2@DB:5432/wh?schema=one")
    with pytest.raises(TenantError) as refused:
        load_tenants(path)
    assert "secret" not in str(refused.value) and "pw2" not in str(refused.value)
    monkeypatch.setenv("T_BETA_DB", "postgresql://etl:secret@db/wh?schema=two")
    assert set(load_tenants(path)) == {"ACME", "BETA"}


def test_a_tenants_history_reaches_its_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``history`` in a tenant (or its defaults) is the runs' setting, as every key is."""
    monkeypatch.setenv("T_SENDER", "sender-secret")
    monkeypatch.setenv("T_ACME", "acme-secret")
    text = YAML.replace("    concurrency: 4\n", "    concurrency: 4\n    history: [vendor]\n")
    (tenant,) = load_tenants(write(tmp_path, text)).values()
    settings = tenant.sync_settings(tenant.connection(), ["VENDOR"])
    assert settings.history == ("vendor",)
    bad = YAML.replace("    concurrency: 4\n", "    concurrency: 4\n    history: 3\n")
    (tenant,) = load_tenants(write(tmp_path, bad)).values()
    connection = tenant.connection()
    with pytest.raises(TenantError, match="history"):
        tenant.sync_settings(connection, ["VENDOR"])
