"""``intacct sync --layout fivetran``: the tables Fivetran's Sage Intacct connector writes,
as views in schema sage_intacct, held to what Fivetran's dbt package reads of them.

The facts below are dbt_sage_intacct 1.4.1's (fivetran/dbt_sage_intacct, the first version
that supports DuckDB): each table's columns with the type its ``get_<table>_columns``
macro gives them, and the account categories its ``sage_intacct_category_*`` variables
classify. tests/thirdparty/test_dbt_sage_intacct.py runs the package itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

#: dbt_sage_intacct 1.4.1: table -> "column:type ..." as its macros list them
PACKAGE = {
    "gl_detail": (
        "_fivetran_synced:timestamp accountno:float accounttitle:string amount:float "
        "basecurr:string batch_date:date batch_no:int batch_title:string batchkey:string "
        "bookid:string classid:string classname:string creditamount:float currency:string "
        "customerid:string customername:string debitamount:float departmentid:string "
        "departmenttitle:string description:string docnumber:string document:string "
        "entry_date:date entry_state:string entrydescription:string line_no:int "
        "locationid:string locationname:string modified:timestamp prdescription:string "
        "recordid:string recordno:string recordtype:string totaldue:float totalentered:float "
        "totalpaid:float tr_type:int trx_amount:float trx_creditamount:float "
        "trx_debitamount:float vendorid:string vendorname:string whencreated:date "
        "whendue:date whenmodified:timestamp whenpaid:date _fivetran_deleted:boolean"
    ),
    "gl_account": (
        "_fivetran_deleted:boolean _fivetran_synced:timestamp accountno:string "
        "accounttype:string alternativeaccount:string category:string categorykey:int "
        "closetoacctkey:int closingaccountno:int closingaccounttitle:string closingtype:string "
        "createdby:int modifiedby:int normalbalance:string recordno:int requireclass:boolean "
        "requirecustomer:boolean requiredept:boolean requireemployee:boolean "
        "requireitem:boolean requireloc:boolean requireproject:boolean requirevendor:boolean "
        "requirewarehouse:boolean status:string taxable:boolean title:string "
        "whencreated:timestamp whenmodified:timestamp"
    ),
    "gl_batch": (
        "_fivetran_deleted:boolean _fivetran_synced:timestamp baselocation:int "
        "baselocation_no:int batch_date:date batch_title:string batchno:int createdby:int "
        "journal:string megaentityid:int megaentitykey:int megaentityname:string "
        "modified:timestamp modifiedby:int modifiedbyid:string module:string prbatchkey:int "
        "recordno:string referenceno:string reversed:date reversedfrom:date reversedkey:int "
        "state:string taximplications:string templatekey:int userinfo_loginid:string "
        "userkey:int whencreated:timestamp whenmodified:timestamp"
    ),
    "ap_bill": (
        "_fivetran_deleted:boolean _fivetran_synced:timestamp auwhencreated:timestamp "
        "basecurr:string billtopaytocontactname:string billtopaytokey:int currency:string "
        "description:string docnumber:string due_in_days:int recordid:string recordno:string "
        "recordtype:string shiptoreturntocontactname:string shiptoreturntokey:int state:string "
        "totaldue:float totalentered:float totalpaid:float vendorid:string vendorname:string "
        "whencreated:date whendue:date whenmodified:timestamp whenpaid:date whenposted:date"
    ),
    "ap_bill_item": (
        "_fivetran_synced:timestamp accountkey:int accountno:float accounttitle:string "
        "amount:float basecurr:string baselocation:int billable:boolean billed:boolean "
        "classid:string classname:string createdby:int currency:string customerid:string "
        "customername:string departmentid:string departmentname:string entry_date:date "
        "entrydescription:string exchange_rate:int itemid:string itemname:string line_no:int "
        "lineitem:boolean locationid:string locationname:string offsetglaccountno:int "
        "offsetglaccounttitle:string projectid:string projectname:string recordkey:string "
        "recordno:string recordtype:string state:string totalpaid:float totalselected:float "
        "vendorid:string vendorname:string whencreated:timestamp whenmodified:timestamp"
    ),
    "ar_invoice": (
        "_fivetran_deleted:boolean _fivetran_synced:timestamp auwhencreated:timestamp "
        "basecurr:string billtopaytocontactname:string billtopaytokey:int createdby:int "
        "currency:string customerid:string customername:string description:string "
        "docnumber:string due_in_days:int megaentityid:string megaentityname:string "
        "recordid:string recordno:string recordtype:string shiptoreturntocontactname:string "
        "shiptoreturntokey:int state:string totaldue:float totalentered:float totalpaid:float "
        "whencreated:date whendiscount:date whendue:date whenmodified:timestamp whenpaid:date "
        "whenposted:date"
    ),
    "ar_invoice_item": (
        "_fivetran_synced:timestamp accountkey:int accountno:int accounttitle:string "
        "amount:float basecurr:string baselocation:int classid:string classname:string "
        "currency:string customerid:string customername:string departmentid:string "
        "departmentname:string entry_date:date entrydescription:string exchange_rate:int "
        "itemid:string itemname:string line_no:int lineitem:boolean locationid:string "
        "locationname:string offsetglaccountno:int offsetglaccounttitle:string "
        "recordkey:string recordno:string recordtype:string state:string totalpaid:float "
        "totalselected:int vendorid:string vendorname:string warehouseid:string "
        "warehousename:string whencreated:timestamp whenmodified:timestamp"
    ),
}
#: the macros' types as dbt-duckdb renders them
DUCKDB = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "float": "DECIMAL(38,12)",  # not FLOAT (24 bits): amounts stay exact
}
#: columns whose macro type would lose Intacct's value, and the type the layout keeps:
#: ids are text ("18020-02"; a number comes back "1000.0" from the package's cast to
#: text and no longer joins gl_account), rates and amounts stay decimals
KEPT = {
    ("gl_detail", "accountno"): "VARCHAR",
    ("gl_account", "closingaccountno"): "VARCHAR",
    ("gl_batch", "baselocation_no"): "VARCHAR",
    ("gl_batch", "megaentityid"): "VARCHAR",
    ("ap_bill_item", "accountno"): "VARCHAR",
    ("ap_bill_item", "offsetglaccountno"): "VARCHAR",
    ("ap_bill_item", "exchange_rate"): "DECIMAL(38,12)",
    ("ar_invoice_item", "accountno"): "VARCHAR",
    ("ar_invoice_item", "offsetglaccountno"): "VARCHAR",
    ("ar_invoice_item", "exchange_rate"): "DECIMAL(38,12)",
    ("ar_invoice_item", "totalselected"): "DECIMAL(38,12)",
}
#: the package's default sage_intacct_category_* variables: what it classifies
CATEGORIES = {
    "Asset": (
        "Inventory|Fixed Assets|Other Current Assets|Cash and Cash Equivalents|"
        "Intercompany Receivable|Accounts Receivable|Deposits and Prepayments|Goodwill|"
        "Intangible Assets|Short-Term Investments|Accumulated Depreciation|Other Assets|"
        "Unrealized Currency Gain/Loss|Patents|Investment in Subsidiary|Escrows and Reserves|"
        "Long Term Investments"
    ),
    "Equity": "Partners Equity|Retained Earnings|Dividend Paid",
    "Expense": (
        "Advertising and Promotion Expense|Other Operating Expense|Cost of Sales Revenue|"
        "Professional Services Expense|Cost of Services Revenue|Payroll Expense|Payroll Taxes|"
        "Travel Expense|Cost of Goods Sold|Other Expenses|Compensation Expense|Federal Tax|"
        "Depreciation Expense"
    ),
    "Liability": (
        "Accounts Payable|Other Current Liabilities|Accrued Liabilities|"
        "Note Payable - Current|Deferred Taxes Liabilities - Long Term|"
        "Note Payable - Long Term|Other Liabilities|Deferred Revenue - Current"
    ),
    "Revenue": (
        "Revenue|Revenue - Sales|Dividend Income|Revenue - Other|Other Income|"
        "Revenue - Services|Revenue - Products"
    ),
}
LAYOUT_OBJECTS = ("GLDETAIL", "GLACCOUNT", "GLBATCH", "APBILL", "APBILLITEM", "ARINVOICE",
                  "ARINVOICEITEM")  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """Its own emulator: the tests here delete records."""
    with EmulatorServer(port=0, scale=300, seed=11) as emulator:
        yield emulator


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sync", *args])
    return result.exit_code, result.stdout, result.stderr


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@dataclass(frozen=True)
class Synced:
    """DEMO synced with the layout (and CLASS, a small object) through the command, once
    for the module: the tests that read it read this file, those that run again a copy
    (:meth:`copy`)."""

    db: Path
    started: datetime  # before the run began

    def copy(self, monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, to: Path) -> None:
        """The synced database at ``to``, and the command's environment set for it."""
        use_env(monkeypatch, server.url)
        for path in self.db.parent.glob(f"{self.db.name}*"):  # the file and any WAL
            shutil.copy(path, to.with_name(path.name.replace(self.db.name, to.name)))


def expected(table: str) -> dict[str, str]:
    pairs = (item.split(":") for item in PACKAGE[table].split())
    return {name: KEPT.get((table, name), DUCKDB[kind]) for name, kind in pairs}


def columns(db: Path, schema: str, table: str) -> dict[str, str]:
    rows = query(
        db,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        schema, table,
    )  # fmt: skip
    return dict(rows)


@pytest.fixture(scope="module")
def layout_synced(server: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    db = tmp_path_factory.mktemp("fivetran") / "intacct.duckdb"
    started = datetime.now(UTC).replace(tzinfo=None)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_env(monkeypatch, server.url)
        code, out, err = run("--layout", "fivetran", "--objects", "CLASS", "--db", str(db))
    assert code == 0, err
    assert all(name in out for name in LAYOUT_OBJECTS)  # read without being asked for
    assert "Fivetran layout, schema sage_intacct: gl_detail (" in err
    return Synced(db, started)


@pytest.fixture
def synced(layout_synced: Synced) -> Path:
    """The layout's database, to read."""
    return layout_synced.db


@pytest.mark.parametrize("table", sorted(PACKAGE))
def test_each_table_has_the_columns_and_types_the_package_reads(synced: Path, table: str) -> None:
    have = columns(synced, "sage_intacct", table)
    want = expected(table)
    assert {name: have.get(name) for name in want} == want
    # and every other field of the object, under its lower-case name
    own = columns(synced, "main", {"gl_detail": "GLDETAIL", "gl_account": "GLACCOUNT",
                                   "gl_batch": "GLBATCH", "ap_bill": "APBILL",
                                   "ap_bill_item": "APBILLITEM", "ar_invoice": "ARINVOICE",
                                   "ar_invoice_item": "ARINVOICEITEM"}[table])  # fmt: skip
    assert {n.lower() for n in own} - {"_entity_id", "_sdc_deleted_at"} <= set(have)
    assert "_entity_id" not in have and "_sdc_deleted_at" not in have


def test_accounts_carry_the_values_the_package_classifies(synced: Path) -> None:
    known = {c: kind for kind, names in CATEGORIES.items() for c in names.split("|")}
    accounts = query(
        synced,
        "SELECT accountno, category, accounttype, normalbalance FROM sage_intacct.gl_account",
    )
    assert len(accounts) > 50
    for accountno, category, accounttype, normalbalance in accounts:
        assert category in known, (accountno, category)
        assert accounttype in ("balancesheet", "incomestatement")
        assert normalbalance in ("debit", "credit")
        statement = (
            "balancesheet"
            if known[category] in ("Asset", "Liability", "Equity")
            else ("incomestatement")
        )
        assert accounttype == statement, (accountno, category)


def test_the_ledger_balances_and_joins_its_accounts_and_batches(synced: Path) -> None:
    (row,) = query(
        synced,
        "SELECT count(*), sum(amount), sum(debitamount - creditamount - amount), "
        "count(*) FILTER (WHERE entry_state IS NULL OR bookid IS NULL OR currency IS NULL), "
        "count(*) FILTER (WHERE accountno NOT IN (SELECT accountno FROM sage_intacct.gl_account)), "
        "count(*) FILTER (WHERE batchkey NOT IN (SELECT recordno FROM sage_intacct.gl_batch)) "
        "FROM sage_intacct.gl_detail",
    )
    lines, total, sides, missing, orphans, unbatched = row
    assert lines > 200
    assert total == 0 and sides == 0  # signed: debits positive, every entry balanced
    assert (missing, orphans, unbatched) == (0, 0, 0)
    (opening,) = query(
        synced,
        "SELECT min(entry_date) FROM sage_intacct.gl_detail WHERE description = 'Opening balances'",
    )
    assert opening[0] is not None  # the demo company brought its balances in


def test_rows_are_stamped_with_the_run_that_read_them(
    server: EmulatorServer, layout_synced: Synced, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "stamped.duckdb"
    before = layout_synced.started
    layout_synced.copy(monkeypatch, server, db)
    for table in PACKAGE:
        sql = f"SELECT min(_fivetran_synced), max(_fivetran_synced) FROM sage_intacct.{table}"  # noqa: S608
        (stamps,) = query(db, sql)
        assert stamps[0] == stamps[1] and before <= stamps[0] <= datetime.now(UTC).replace(
            tzinfo=None
        )
    # a later run without --layout keeps the layout: it reads the objects and moves the stamp
    code, out, err = run("--db", str(db))
    assert code == 0, err
    assert "GLDETAIL" in out and "Fivetran layout, schema sage_intacct" in err
    (later,) = query(db, "SELECT DISTINCT _fivetran_synced FROM sage_intacct.gl_detail")
    assert later[0] > stamps[0]


def test_objects_named_are_read_as_given_and_the_layout_says_what_was_not(
    server: EmulatorServer, layout_synced: Synced, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A remembered layout does not widen an --objects list (it billed 24 API
    transactions for CLASS's 3): the views are rebuilt over the stored tables, whose
    stamps stay those of the run that last read them, and the run names what it left."""
    db = tmp_path / "narrow.duckdb"
    layout_synced.copy(monkeypatch, server, db)
    (stamp,) = query(db, "SELECT DISTINCT _fivetran_synced FROM sage_intacct.gl_detail")
    code, out, err = run("--objects", "CLASS", "--db", str(db))
    assert code == 0, err
    # CLASS unchanged: the audit trail's one question (verify_every) is the whole cost
    assert "GLDETAIL" not in out and "1 API transaction in" in out
    said = (
        "not read this run (--objects named others; a run without --objects reads them): "
        "GLDETAIL, GLACCOUNT, GLBATCH, APBILL, APBILLITEM, ARINVOICE, ARINVOICEITEM"
    )
    assert said in " ".join(err.split())
    assert query(db, "SELECT DISTINCT _fivetran_synced FROM sage_intacct.gl_detail") == [stamp]
    assert query(db, "SELECT count(*) FROM sage_intacct.gl_detail")[0][0] > 0


def test_deleted_documents_are_flagged_and_their_lines_left_out(
    server: EmulatorServer, layout_synced: Synced, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "deletes.duckdb"
    layout_synced.copy(monkeypatch, server, db)
    (bill, lines), *_ = query(
        db,
        "SELECT recordkey, count(*) FROM sage_intacct.ap_bill_item GROUP BY 1 ORDER BY 1 LIMIT 1",
    )
    assert lines > 0
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as client:
        client.delete("APBILL", [int(bill)])
    code, _, err = run("--objects", ",".join(LAYOUT_OBJECTS), "--db", str(db))
    assert code == 0, err
    assert query(
        db, "SELECT _fivetran_deleted FROM sage_intacct.ap_bill WHERE recordno = ?", bill
    ) == [(True,)]
    assert query(
        db, "SELECT count(*) FROM sage_intacct.ap_bill_item WHERE recordkey = ?", bill
    ) == [(0,)]
    assert query(db, 'SELECT count(*) FROM "APBILL" WHERE "RECORDNO" = ?', int(bill)) == [
        (1,)
    ]  # kept


def test_our_own_tables_are_the_same_with_or_without_the_layout(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    objects = ",".join(LAYOUT_OBJECTS)
    plain, layout = tmp_path / "plain.duckdb", tmp_path / "layout.duckdb"
    assert run("--objects", objects, "--db", str(plain))[0] == 0
    assert run("--objects", objects, "--layout", "fivetran", "--db", str(layout))[0] == 0
    for name in LAYOUT_OBJECTS:
        assert columns(layout, "main", name) == columns(plain, "main", name)
        sql = f'SELECT * FROM "{name}" ORDER BY ALL'  # noqa: S608
        assert query(layout, sql) == query(plain, sql), name


def test_layout_none_drops_the_views_and_forgets_the_layout(
    server: EmulatorServer, layout_synced: Synced, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "none.duckdb"
    layout_synced.copy(monkeypatch, server, db)
    code, _, err = run("--layout", "none", "--objects", "CLASS", "--db", str(db))
    assert code == 0, err
    assert "Fivetran layout dropped: gl_detail, gl_account" in err
    assert query(
        db, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'sage_intacct'"
    ) == [(0,)]
    code, out, err = run("--objects", "CLASS", "--db", str(db))
    assert code == 0 and "GLDETAIL" not in out and "Fivetran" not in err


def test_a_record_read_through_several_entities_is_one_row(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url, company="DEMO-ME")
    db = tmp_path / "me.duckdb"
    code, _, err = run("--layout", "fivetran", "--entities", "all", "--objects", "CLASS",
                       "--db", str(db))  # fmt: skip
    assert code == 0, err
    (shared,) = query(db, 'SELECT count(*), count(DISTINCT "RECORDNO") FROM "GLACCOUNT"')
    assert shared[0] == 2 * shared[1]  # both entities' sessions read every account
    assert query(db, "SELECT count(*), count(DISTINCT accountno) FROM sage_intacct.gl_account") == [
        (shared[1], shared[1])
    ]
    (lines,) = query(db, 'SELECT count(*) FROM "GLDETAIL"')
    assert query(db, "SELECT count(*) FROM sage_intacct.gl_detail") == [lines]


def test_objects_the_user_may_not_read_are_named(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_ID", "demo_restricted")  # a role without AP
    db = tmp_path / "restricted.duckdb"
    code, _, err = run("--layout", "fivetran", "--objects", "CLASS", "--db", str(db))
    assert code == 1
    assert "no sage_intacct.ap_bill: nothing read yet of APBILL" in err
    assert "gl_detail (" in err  # the others are built


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (("--layout", "fivetran", "--db", "postgresql://nobody@127.0.0.1:1/none"), "--layout"),
        (("--layout", "fivetran", "--db", "dlt:duckdb"), "--layout"),
        (("--unified", "--db", "dlt:duckdb"), "--db"),
        (("--layout", "star"), "--layout"),
    ],
)
def test_options_that_cannot_go_together_are_a_usage_mistake(
    server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    options: tuple[str, ...],
    named: str,
) -> None:
    """Exit status 2, as docs/sync.md's "Exit status" says of usage mistakes, naming the
    option; refused before any destination is opened."""
    use_env(monkeypatch, server.url)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("--objects", "CLASS", *options)
    assert code == 2, err
    assert named in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
