"""The fixed ports the README's blocks and the Dagster example listen on, as written
(the emulator's 8089, the receiver's 8080, Dagster's 3000)."""

from __future__ import annotations

import pytest

#: the files whose tests run those blocks: on one xdist worker, one after another (each
#: test finds the ports free, then starts its servers there: two at once on two workers
#: collided, "cannot listen on 127.0.0.1:8089: Address already in use")
README_PORTS = pytest.mark.xdist_group("readme-ports")
