"""The ``target-sage-intacct`` executable: exit code 0 when every record was written,
1 with the summary on stderr when one was not, and one line for a bad config. The first
test starts it as a user does; the others run its ``main`` in-process
(:mod:`tests.singer_cli`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from intacct import tap, target
from intacct.emulator.server import EmulatorServer
from tests.singer_cli import Done, run_main

from .conftest import record, schema, target_config

EXECUTABLE = str(Path(sys.executable).with_name("target-sage-intacct"))


def _args(
    config: dict[str, object], messages: list[dict[str, object]], tmp_path: Path
) -> list[str]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "input.jsonl").write_text("\n".join(json.dumps(m) for m in messages) + "\n")
    return ["--config", str(tmp_path / "config.json"), "--input", str(tmp_path / "input.jsonl")]


def _run(config: dict[str, object], messages: list[dict[str, object]], tmp_path: Path) -> Done:
    return run_main(target.main, "target-sage-intacct", *_args(config, messages, tmp_path))


def _process(
    config: dict[str, object], messages: list[dict[str, object]], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """The executable started as a user starts it."""
    return subprocess.run(
        [EXECUTABLE, *_args(config, messages, tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_exit_codes_summary_and_report(emulator: EmulatorServer, tmp_path: Path) -> None:
    config = target_config(emulator, tmp_path)
    ok = _process(
        config, [schema("CLASS"), record("CLASS", {"CLASSID": "CLI-1", "NAME": "ok"})], tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert "CLASS create: 1 applied" in ok.stderr
    bad = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "CLI-2", "NAME": "ok"}),
        record("CLASS", {"CLASSID": "CLI-3"}),
    ]
    failed = _process(config, bad, tmp_path)
    assert failed.returncode == 1
    assert "CLASS create: 1 applied, 1 invalid" in failed.stderr
    assert "target-sage-intacct: 1 of 2 records not written; see " in failed.stderr
    assert "Traceback" not in failed.stderr
    lines = [json.loads(x) for x in Path(config["report_path"]).read_text().splitlines()]
    assert sorted(line["status"] for line in lines) == ["applied", "invalid"]


def test_a_bad_config_is_one_line(emulator: EmulatorServer, tmp_path: Path) -> None:
    done = _run(target_config(emulator, tmp_path, batch_size=0), [schema("CLASS")], tmp_path)
    assert done.returncode == 1
    assert "config key 'batch_size': must be between 1 and 100, got 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_record_before_its_schema_is_one_line_naming_the_stream(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path)
    done = _run(config, [record("CLASS", {"CLASSID": "CLI-0", "NAME": "early"})], tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert (
        "target-sage-intacct: a RECORD message of stream 'CLASS' came before its SCHEMA "
        "message: a stream's SCHEMA message must come first"
    ) in done.stderr
    assert "Skipping parse of env var settings" not in done.stderr


def test_about_lists_the_write_options() -> None:
    done = run_main(target.main, "target-sage-intacct", "--about", "--format", "json")
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout)["settings"]["properties"]
    assert {"batch_size", "transaction", "upsert", "report_path", "dtd_version"} <= set(settings)


def test_the_report_is_always_this_runs(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A run that writes nothing leaves an empty report, not the last run's lines."""
    config = target_config(emulator, tmp_path)
    first = [schema("CLASS"), record("CLASS", {"CLASSID": "CLI-9", "NAME": "first"})]
    assert _run(config, first, tmp_path).returncode == 0
    report = Path(str(config["report_path"]))
    assert len(report.read_text().splitlines()) == 1
    second = _run(config, [schema("CLASS")], tmp_path)
    assert second.returncode == 0, second.stderr
    assert report.read_text() == ""
    assert f"0 records, 0 not written; report: {report}" in second.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "no such file"),
        ("{not json", "not JSON (Expecting property name enclosed in double quotes"),
        ("[1, 2]", "must hold a JSON object, not a list"),
    ],
)
def test_a_config_file_that_is_missing_or_no_json_object_is_one_line(
    tmp_path: Path, content: str | None, said: str
) -> None:
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    for name, main in (("target-sage-intacct", target.main), ("tap-sage-intacct", tap.main)):
        done = run_main(main, name, "--config", str(path))
        assert done.returncode == 1
        assert done.stderr.startswith(f"{name}: --config: {path}: {said}")
        assert len(done.stderr.splitlines()) == 1
