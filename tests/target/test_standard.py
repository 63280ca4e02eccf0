"""singer-sdk's target test suite against the emulator: its CLI and protocol tests that
need no particular streams (the others write streams such as ``test_camelcase``,
which are no Intacct objects), plus Singer files of Intacct objects run the same way."""

from __future__ import annotations

import importlib.resources
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest
from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import (
    TargetCliPrintsTest,
    TargetInvalidSchemaTest,
    TargetRecordBeforeSchemaTest,
)
from singer_sdk.testing.templates import TargetFileTestTemplate

from intacct.target import TargetSageIntacct
from tests.target.conftest import demo_server, target_config

#: singer-sdk's suite runs the target once for its class and its checks read that run: the
#: class's tests stay on one worker, in order (pytest-xdist's loadgroup)
pytestmark = pytest.mark.xdist_group("target-standard")


_SERVER = demo_server()
_REPORTS = Path(tempfile.mkdtemp(prefix="target-standard-"))


class _IntacctFileTest(TargetFileTestTemplate):
    @property
    def singer_filepath(self) -> Traversable:
        return importlib.resources.files("tests.target") / "streams" / f"{self.name}.singer"


class TargetClassesAndDepartments(_IntacctFileTest):
    """Two streams, an update of a record written earlier in the same input, STATE."""

    name = "classes_and_departments"


class TargetDeletes(_IntacctFileTest):
    """A record created, then deleted through ``_sdc_deleted_at``."""

    name = "deletes"


TestTargetSageIntacct = get_target_test_class(
    TargetSageIntacct,
    config=target_config(_SERVER, _REPORTS),
    include_target_tests=False,
    custom_suites=[
        SingerTestSuite(
            kind="target",
            tests=[
                TargetCliPrintsTest,
                TargetInvalidSchemaTest,
                TargetRecordBeforeSchemaTest,
                TargetClassesAndDepartments,
                TargetDeletes,
            ],
        )
    ],
)
