"""Fivetran's dbt package ``fivetran/dbt_sage_intacct`` builds on ``intacct sync --layout
fivetran``: ``dbt build`` with dbt-duckdb on a synced demo company, every model and test
of the package, and a balance sheet that balances.

dbt-duckdb lives in a virtualenv of its own (``tests/tools.py``: ``.cache/test-tools/dbt``,
git-ignored). dbt installs packages from its hub and GitHub: where neither answers (CI),
the test skips with the commands that run it, unless ``INTACCT_DBT_PACKAGES`` names a
directory holding checkouts of the four packages (dbt_sage_intacct, fivetran_utils,
dbt_utils, spark_utils), which are then used as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer
from tests.tools import tool_venv

#: dbt-core 1.12 needs a parser wheel from GitHub; 1.11 installs from PyPI alone. Our
#: duckdb, so that dbt opens the file intacct sync wrote.
DBT = ("dbt-core==1.11.16", "dbt-duckdb==1.11.1", f"duckdb=={duckdb.__version__}")
#: the first version with DuckDB support; hub resolves its own dependencies
PACKAGE = ("fivetran/sage_intacct", '[">=1.4.1", "<1.5.0"]')
LOCAL = "INTACCT_DBT_PACKAGES"
CHECKOUTS = {
    "dbt_sage_intacct": "https://github.com/fivetran/dbt_sage_intacct (tag v1.4.1)",
    "fivetran_utils": "https://github.com/fivetran/dbt_fivetran_utils (releases/v0.4.latest)",
    "dbt_utils": "https://github.com/dbt-labs/dbt-utils (a 1.x tag)",
    "spark_utils": "https://github.com/dbt-labs/spark-utils (a 0.3.x tag)",
}
#: dbt deps asks the hub for versions, then downloads them from GitHub
SOURCES = (
    "https://hub.getdbt.com/api/v1/fivetran/sage_intacct.json",
    "https://codeload.github.com/fivetran/dbt_sage_intacct/tar.gz/refs/tags/v1.4.1",
)


def _reachable(url: str) -> bool:
    try:
        request = urllib.request.Request(url, method="HEAD")  # noqa: S310 - fixed https URLs
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            return True
    except OSError:
        return False


def _packages() -> Path | None:
    """The local checkouts to use (None: dbt deps from the hub); skips when neither."""
    local = os.environ.get(LOCAL)
    if local:
        missing = [
            name for name in CHECKOUTS if not (Path(local) / name / "dbt_project.yml").is_file()
        ]
        if missing:
            pytest.fail(f"{LOCAL}={local} lacks {', '.join(missing)} (each a package checkout)")
        return Path(local)
    if not all(_reachable(url) for url in SOURCES):
        clones = "; ".join(f"{name}: {url}" for name, url in CHECKOUTS.items())
        pytest.skip(
            f"dbt's package hub or GitHub is not reachable, so dbt deps cannot install "
            f"{PACKAGE[0]}. Where it is, run: {sys.executable} -m pytest "
            f"tests/thirdparty/test_dbt_sage_intacct.py. Offline, put checkouts in one "
            f"directory ({clones}) and run it with {LOCAL}=that-directory"
        )
    return None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dbt project on a demo company synced with the Fivetran layout."""
    local = _packages()
    dbt = tool_venv("dbt", DBT).bin("dbt")
    root = tmp_path_factory.mktemp("dbt")
    db = root / "intacct.duckdb"
    with EmulatorServer(port=0, scale=2_000, seed=3) as server, pytest.MonkeyPatch.context() as env:
        for name, value in {
            "INTACCT_API_URL": server.url, "INTACCT_SENDER_ID": "demo_sender",
            "INTACCT_SENDER_PASSWORD": "demo-sender-password", "INTACCT_COMPANY_ID": "DEMO",
            "INTACCT_USER_ID": "demo_user", "INTACCT_USER_PASSWORD": "demo-user-password",
        }.items():  # fmt: skip
            env.setenv(name, value)
        result = CliRunner().invoke(main, ["sync", "--layout", "fivetran", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    (root / "dbt_project.yml").write_text(
        "name: intacct_finance\nversion: '1.0.0'\nconfig-version: 2\nprofile: intacct\n"
    )
    (root / "profiles.yml").write_text(
        "intacct:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {db}\n      threads: 2\n"
    )
    if local is None:
        (root / "packages.yml").write_text(
            f"packages:\n  - package: {PACKAGE[0]}\n    version: {PACKAGE[1]}\n"
        )
        _run(dbt, root, "deps")
    else:
        for name in CHECKOUTS:
            shutil.copytree(local / name, root / "dbt_packages" / name)
    return root


def _run(dbt: Path, root: Path, *args: str) -> str:
    env = {**os.environ, "DBT_PROFILES_DIR": str(root), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [str(dbt), *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )  # fmt: skip
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}"
    return done.stdout


def query(root: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(root / "intacct.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(project: Path) -> Path:
    out = _run(tool_venv("dbt", DBT).bin("dbt"), project, "build")
    assert "ERROR=0" in out and "WARN=0" in out, out[-3000:]
    return project


def test_every_model_and_test_of_the_package_builds(built: Path) -> None:
    models = {row[0] for row in query(
        built, "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main_sage_intacct'",
    )}  # fmt: skip
    assert {"sage_intacct__general_ledger", "sage_intacct__general_ledger_by_period",
            "sage_intacct__balance_sheet", "sage_intacct__profit_and_loss",
            "sage_intacct__ap_ar_enhanced"} <= models  # fmt: skip


def test_the_general_ledger_has_every_line_classified(built: Path) -> None:
    (lines,) = query(built, "SELECT count(*) FROM sage_intacct.gl_detail")
    (ledger,) = query(
        built,
        "SELECT count(*), count(*) FILTER (WHERE classification IS NULL), sum(amount) "
        "FROM main_sage_intacct.sage_intacct__general_ledger",
    )
    assert ledger == (lines[0], 0, 0)


def test_every_month_the_balance_sheet_balances(built: Path) -> None:
    months = query(
        built,
        "SELECT period_date, sum(amount) FILTER (WHERE classification = 'Asset'), "
        "sum(amount) FILTER (WHERE classification = 'Liability'), "
        "sum(amount) FILTER (WHERE classification = 'Equity') "
        "FROM main_sage_intacct.sage_intacct__balance_sheet GROUP BY 1 ORDER BY 1",
    )
    assert len(months) >= 24
    for month, assets, liabilities, equity in months:
        # debits positive: assets = -(liabilities + equity)
        assert assets + liabilities + equity == 0, month
        assert assets > 0 and liabilities < 0 and equity < 0, month


def test_the_profit_and_loss_has_revenue_and_expenses(built: Path) -> None:
    sides = dict(query(
        built, "SELECT classification, sum(amount) "
        "FROM main_sage_intacct.sage_intacct__profit_and_loss GROUP BY 1",
    ))  # fmt: skip
    assert set(sides) == {"Revenue", "Expense"}
    assert sides["Revenue"] < 0 < sides["Expense"]


def test_bills_and_invoices_come_with_their_lines(built: Path) -> None:
    (items,) = query(
        built,
        "SELECT (SELECT count(*) FROM sage_intacct.ap_bill_item) "
        "+ (SELECT count(*) FROM sage_intacct.ar_invoice_item)",
    )
    (enhanced,) = query(
        built,
        "SELECT count(*), count(*) FILTER (WHERE record_id IS NULL) "
        "FROM main_sage_intacct.sage_intacct__ap_ar_enhanced",
    )
    assert enhanced == (items[0], 0)
