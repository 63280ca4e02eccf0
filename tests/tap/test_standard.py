"""singer-sdk's standard tap tests (CLI, discovery, sync, schema and attribute checks)
against the emulator, on a handful of small streams."""

from __future__ import annotations

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from intacct.tap import TapSageIntacct
from tests.tap.conftest import catalog, demo_server, tap_config

#: singer-sdk's suite runs the tap once for its class and its checks read that run: the
#: class's tests stay on one worker, in order (pytest-xdist's loadgroup)
pytestmark = pytest.mark.xdist_group("tap-standard")


_SERVER = demo_server()

TestTapSageIntacct = get_tap_test_class(
    TapSageIntacct,
    config=tap_config(_SERVER),
    catalog=catalog(_SERVER),
    suite_config=SuiteConfig(max_records_limit=500),
)
