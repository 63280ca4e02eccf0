"""singer-sdk's target test suite against the emulator: its CLI and protocol tests that
need no particular streams (the others write streams such as ``test_camelcase``,
which are no Intacct objects), plus Singer files of Intacct objects run the same way."""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from typing import Any

import pytest
from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import (
    TargetCliPrintsTest,
    TargetInvalidSchemaTest,
    TargetRecordBeforeSchemaTest,
)
from singer_sdk.testing.templates import TargetFileTestTemplate

from intacct.emulator.server import EmulatorServer
from intacct.target import TargetSageIntacct
from tests.target.conftest import target_config

#: singer-sdk's suite runs the target once for its class and its checks read that run: the
#: class's tests stay on one worker, in order (pytest-xdist's loadgroup)
pytestmark = pytest.mark.xdist_group("target-standard")


#: singer-sdk's target runner reads the config when a test runs, not when the class is
#: made: it is filled in then, so collecting this module starts no emulator
_CONFIG: dict[str, Any] = {}


@pytest.fixture(autouse=True, scope="module")
def _config(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    _CONFIG.update(target_config(emulator, tmp_path_factory.mktemp("target-standard")))


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
    config=_CONFIG,
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
