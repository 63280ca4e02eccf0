"""A real object store that speaks the S3 API for the tests: moto's server, in a thread
on a free loopback port, with its IAM checks on, so only the key made here signs (a
wrong secret is refused as Amazon S3 refuses it: SignatureDoesNotMatch, HTTP 403)."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["REQUIREMENTS", "S3Server"]

#: what the tests need (the dev extra has them): moto's server and s3fs to read back
REQUIREMENTS = ("moto[server]>=5.2,<6", "s3fs>=2026.9")
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    """``url``, and the access key (id and secret) the server accepts."""

    url: str
    access_key_id: str
    secret_access_key: str
    _server: Any

    @classmethod
    def start(cls) -> S3Server:
        import boto3
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        # the next three requests (the IAM user, its policy, its key) go unchecked; every
        # later one must be signed by that key
        httpx.post(f"{url}/moto-api/reset-auth", content=b"3").raise_for_status()
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",  # unchecked while setting up
        )
        iam.create_user(UserName="dds")
        allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
        iam.put_user_policy(UserName="dds", PolicyName="all", PolicyDocument=policy)
        key = iam.create_access_key(UserName="dds")["AccessKey"]
        return cls(url, key["AccessKeyId"], key["SecretAccessKey"], server)

    def stop(self) -> None:
        self._server.stop()

    def new_bucket(self) -> str:
        """A bucket of its own for one test."""
        name = f"dds-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return sorted(str(item["Key"]) for item in listed)

    def write(self, bucket: str, key: str, body: bytes) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=body)

    def delete(self, bucket: str, key: str) -> None:
        self.client().delete_object(Bucket=bucket, Key=key)
