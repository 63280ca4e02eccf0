"""Where the shared gateway samples live (read at run time, never copied here).

``INTACCT_SHARED_FIXTURES`` wins; otherwise the first ``shared/fixtures/intacct-xml``
found beside the checkout or one of its parent folders (the project sits next to
``shared/`` in the workspace).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "INTACCT_SHARED_FIXTURES"
_RELATIVE = Path("shared") / "fixtures" / "intacct-xml"


def shared_fixtures_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[1]
    for folder in repo.parents:
        candidate = folder / _RELATIVE
        if (candidate / "EXPECTED.json").is_file():
            return candidate
    return repo.parent / _RELATIVE
