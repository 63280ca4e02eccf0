"""The Singer target as docs/tap-and-target.md runs it: ``tap-sage-intacct --config
demo.json --catalog catalog.json | target-sage-intacct --config demo-me.json`` with CLASS
and DEPARTMENT selected, copying DEMO's lists into DEMO-ME; first with ``"api": "rest"``
and the demo OAuth app (DEMO-ME has no departments yet: REST creates them, and updates
the classes), then with the default (``auto``: XML, everything an update). After each,
DEMO-ME's classes and departments are DEMO's, field by field, and the report says what
the guide says."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from intacct import IntacctClient
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer
from tests.paths.commands import TAP, Ran, run, user_env

TARGET = TAP.parent / "target-sage-intacct"
#: what the pipeline copies, and the fields compared (both APIs write them)
COPIED = {
    "CLASS": ("CLASSID", ["NAME", "DESCRIPTION", "STATUS", "PARENTID"]),
    "DEPARTMENT": ("DEPARTMENTID", ["TITLE", "STATUS", "PARENTID"]),
}


def _lists(url: str, company: str) -> dict[str, dict[str, dict[str, Any]]]:
    with IntacctClient.from_mapping(client_config(url, company)) as client:
        return {
            obj: {
                str(r[key]): {f: r.get(f) for f in fields}
                for r in client.iter_query(obj, [key, *fields])
            }
            for obj, (key, fields) in COPIED.items()
        }


def _pipeline(folder: Path, extra: dict[str, Any], url: str) -> Ran:
    """The guide's commands in ``folder``, the target's config ``extra`` added."""
    folder.mkdir(parents=True)
    demo = client_config(url, "DEMO")
    (folder / "demo.json").write_text(json.dumps(demo))
    (folder / "demo-me.json").write_text(json.dumps({**demo, "company_id": "DEMO-ME", **extra}))
    env = user_env(folder / "home")
    found = run((TAP, "--config", "demo.json", "--discover"), folder, env)
    assert found.code == 0, found.said()
    catalog = json.loads(found.out)
    for stream in catalog["streams"]:
        for item in stream["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = stream["tap_stream_id"] in COPIED
    (folder / "catalog.json").write_text(json.dumps(catalog))
    tap = shlex.join([str(TAP), "--config", "demo.json", "--catalog", "catalog.json"])
    target = shlex.join([str(TARGET), "--config", "demo-me.json"])
    return run(("bash", "-c", f"set -o pipefail; {tap} | {target}"), folder, env)


def _report(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "target-report.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _summary(report: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], int]:
    counts: dict[tuple[str, str, str], int] = {}
    for line in report:
        key = (line["stream"], line["action"], line["status"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_readme_pipeline_through_rest_then_xml(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    url = emulator.url
    source = _lists(url, "DEMO")
    before = _lists(url, "DEMO-ME")
    assert before["DEPARTMENT"] == {} and set(before["CLASS"]) == set(source["CLASS"])

    rest = _pipeline(tmp_path / "rest", {"api": "rest", **app_config()}, url)
    assert rest.code == 0, rest.said()
    classes, departments = len(source["CLASS"]), len(source["DEPARTMENT"])
    assert f"CLASS update: {classes} applied" in rest.err
    assert _summary(_report(tmp_path / "rest")) == {
        ("CLASS", "update", "applied"): classes,
        ("DEPARTMENT", "create", "applied"): departments,
    }
    assert _lists(url, "DEMO-ME") == source

    xml = _pipeline(tmp_path / "xml", {}, url)
    assert xml.code == 0, xml.said()
    assert _summary(_report(tmp_path / "xml")) == {
        ("CLASS", "update", "applied"): classes,
        ("DEPARTMENT", "update", "applied"): departments,
    }
    assert _lists(url, "DEMO-ME") == source
