"""The emulator's DDS set up for a test: its control API (``POST /_emulator/dds``,
the clock) and a company's S3 target on moto's server (:mod:`tests.s3`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from tests.s3 import S3Server

__all__ = ["Control", "control_api", "s3_target"]

Control = Callable[[str, dict[str, Any]], Any]


@contextmanager
def control_api(gateway_url: str, queue_s: float, run_s: float) -> Iterator[Control]:
    """POST to the emulator's control API, jobs queued ``queue_s`` then running
    ``run_s``; DDS and the clock put back afterwards."""
    base = gateway_url.replace("/ia/xml/xmlgw.phtml", "/_emulator/")
    with httpx.Client(base_url=base, timeout=30) as http:

        def post(path: str, body: dict[str, Any]) -> Any:
            answer = http.post(path, json=body)
            answer.raise_for_status()
            return answer.json()

        post("dds", {"queue_s": queue_s, "run_s": run_s, "split_records": 100_000})
        yield post
        http.delete("clock")
        post("dds", {"company": "DEMO", "subscribed": False, "fail_next": 0})


def s3_target(
    s3: S3Server, bucket: str, secret: str, prefix: str = "intacct/dds"
) -> dict[str, str]:
    """A target of the control's ``targets``: ``bucket`` on ``s3``, signed with ``secret``."""
    return {
        "kind": "S3",
        "endpoint_url": s3.url,
        "bucket": bucket,
        "prefix": prefix,
        "access_key_id": s3.access_key_id,
        "secret_access_key": secret,
    }


@contextmanager
def dds_client(gateway_url: str) -> Iterator[IntacctClient]:
    """DEMO's client, with room for a poll of a job that is slow to answer."""
    with IntacctClient.from_mapping({**client_config(gateway_url), "timeout_s": 30}) as made:
        yield made
