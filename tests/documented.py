"""Every shell block of the docs (README.md and docs/*.md), by its page and how its first
line starts (:func:`tests.docs.shell_block`): the test that runs it as written (reading
it from its page, so an edit that breaks it fails the test), or why no test can.
tests/test_docs.py fails on a block in neither, and on an entry that names no block."""

from __future__ import annotations

__all__ = ["NOT_RUN", "RUN"]

_GUIDE = "paths/test_guide_commands.py::"
_QUICK = "paths/test_quick_start.py::test_quick_start_then_the_fivetran_layout"
_OFFLINE = "paths/test_notices.py::test_try_it_offline_as_written"
_BLOCK = _GUIDE + "test_a_block_runs_as_written"
_SYNOPSIS = "a synopsis of the command's options (brackets, alternatives), not a command"
_INDEX = "installs from the package index into the user's environment"
_RECEIVER = (
    "a real company's profile and an HTTPS address Intacct can reach; the receiver as the "
    "guide runs it offline is notices.md's Try it offline (paths/test_notices.py)"
)
_DBT = (
    "dbt deps fetches the package from dbt's hub and GitHub, which CI cannot reach; "
    "thirdparty/test_dbt_sage_intacct.py runs the same build where they answer"
)

#: (page, the start of the block's first line) -> the test (``file::test`` under tests/)
#: that runs the block as written
RUN: dict[tuple[str, str], str] = {
    ("README.md", ".venv/bin/intacct query VENDOR --db intacct.duckdb"): _QUICK,
    ("README.md", "intacct sync --objects VENDOR,APBILL,APBILLITEM --dry-run"):
        "paths/test_quick_start.py::test_every_object_on_a_fresh_machine",
    ("README.md", "intacct profiles add sandbox"): _BLOCK,
    ("README.md", "intacct query VENDOR --fields VENDORID,NAME,TOTALDUE"): _BLOCK,
    ("README.md", "intacct emulator serve --port 8089"):
        _GUIDE + "test_the_emulator_serves_where_the_readme_says",
    # CI runs it: .ci/run holds it verbatim, as this test checks
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && bash"):
        "thirdparty/test_install_commands.py::test_ci_runs_the_whole_suite_as_the_readme_writes_it",
    ("getting-started.md", "intacct sync"): _QUICK,
    ("getting-started.md", "intacct query VENDOR --db intacct.duckdb"): _QUICK,
    ("getting-started.md", "intacct profiles add sandbox"): _BLOCK,
    ("history.md", "intacct sync --history "): _BLOCK,
    ("history.md", "intacct query VENDOR --db intacct.duckdb --as-of"): _BLOCK,
    ("doctor-and-exploring.md", "intacct objects "): _BLOCK,
    ("destinations.md", "sudo apt install postgresql"):
        _GUIDE + "test_a_postgres_of_ones_own_as_the_guide_makes_it",
    ("notices.md", "intacct notices pull --profile acme"):
        "notices/test_pull.py::test_intacct_notices_pull_as_a_user_runs_it",
    ("notices.md", "intacct emulator serve --port 8089"): _OFFLINE,
    ("notices.md", "intacct profiles add emulator"): _OFFLINE,
    ("notices.md", "intacct emulator webhooks subscribe"): _OFFLINE,
    ("notices.md", 'python -c "'): _OFFLINE,
    ("rest-and-oauth.md", "intacct profiles add acme "):
        "paths/test_oauth_app.py::test_a_profile_with_the_oauth_app_syncs_through_rest",
    ("rest-and-oauth.md", "intacct profiles add acme-app "):
        "paths/test_oauth_app.py::test_the_oauth_app_signs_the_user_in_without_a_password",
    ("tap-and-target.md", "cat > demo.json"):
        _GUIDE + "test_the_tap_and_the_target_as_the_guide_runs_them",
    ("tap-and-target.md", "tap-sage-intacct --config demo.json --discover >"):
        _GUIDE + "test_the_tap_and_the_target_as_the_guide_runs_them",
    ("tap-and-target.md", "meltano install"):
        "meltano/test_meltano_run.py::test_tap_to_target_copies_demo_into_demo_me",
}  # fmt: skip

#: (page, the start of the block's first line) -> why no test runs the block as written
NOT_RUN: dict[tuple[str, str], str] = {
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install . &&"):
        "a new virtualenv installed from the package index (minutes, the network); its "
        "`intacct sync` and the look after it are test_quick_start's",
    ("README.md", "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"):
        "the test suite itself (the inner loop), installed from the package index",
    ("README.md", "pip install ."): _INDEX,
    ("getting-started.md", "pip install ."): _INDEX,
    ("README.md", "python3 -m venv .venv && . .venv/bin/activate"):
        "installs system packages with apt-get (root) and from the package index; .ci/run "
        "does the same in CI",
    ("README.md", "intacct notices serve --profile acme"): _RECEIVER,
    ("notices.md", "intacct notices serve --profile acme"): _RECEIVER,
    ("notices.md", "INTACCT_SMART_EVENT_TOKEN=..."):
        "a real company's Smart Event token and profile; notices/test_smart_event_end_to_end.py "
        "runs the receiver with the emulator's",
    ("getting-started.md", "export INTACCT_SENDER_ID=acme_sender"):
        "a real company's credentials (the passwords are placeholders)",
    ("destinations.md", "PGPASSWORD=... intacct sync"):
        "a placeholder password and the user's own host; the URL's form runs in "
        "paths/test_sync.py's postgres cells",
    ("destinations.md", "docker run"): "needs a Docker engine (none here or in CI)",
    ("destinations.md", "pip install 'intacct-connector[dlt]' 'dlt[snowflake]'"):
        "a Snowflake account's credentials",
    ("destinations.md", ".venv/bin/intacct sync --layout fivetran"): _DBT,
    ("destinations.md", "cd .. && .venv/bin/python -c"): "reads the dbt build's models: " + _DBT,
    ("deploy-kubernetes.md", "TAG=$(git rev-parse --short HEAD)"):
        "docker build and push: no Docker engine here or in CI (the page says what is checked)",
    ("deploy-kubernetes.md", "kubectl create namespace"): "a Kubernetes cluster (kubectl)",
    ("deploy-kubernetes.md", "helm repo add"):
        "helm and a Kubernetes cluster; integrations/dagster/test_production_paths.py "
        "loads the values as the chart renders them",
    ("fleet.md", "# definitions.py:"):
        "a sketch of a project of one's own; examples/dagster/README.md's commands 2 and 5 "
        "are these on the example (integrations/dagster/test_example.py runs them)",
    ("sync.md", "intacct sync [--profile NAME]"): _SYNOPSIS,
    ("sync.md", "intacct state show [--db F]"): _SYNOPSIS,
    ("sync.md", "intacct sync --follow --snapshot"):
        "runs until stopped, fed by a notices receiver; sync/test_readers.py runs "
        "--follow with --snapshot beside readers",
    ("doctor-and-exploring.md", "intacct doctor [--profile NAME]"): _SYNOPSIS,
    ("emulator.md", "intacct emulator serve [--host"): _SYNOPSIS,
}  # fmt: skip
