"""The general ledger kept whole as the gateway writes journal entries.

A ``create``/``update``/``delete`` of GLBATCH (or of its GLENTRY lines) changes more than
the records written: a line takes its journal entry's posting date, number, title and
state, and GLDETAIL, the read-only view of posted lines, shows exactly the lines of the
entries that have posted (:mod:`intacct.emulator.posting`, the rule the seed follows
too). The trial balance sums that view (:meth:`Ledger.balances`), so an entry moves the
balances when it posts, never before, and a deleted one leaves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intacct.emulator.catalog import Catalog, ObjectDef
from intacct.emulator.errors import in_use
from intacct.emulator.posting import detail_row, line_state, posts
from intacct.emulator.store.records import Records
from intacct.emulator.store.sessions import Scope
from intacct.emulator.values import to_db

__all__ = ["Ledger"]

#: [U] the module of a journal entry made in the General Ledger itself (GLDETAIL's
#: MODULEKEY); entries the subledgers post carry theirs (seed/chart.py JOURNAL_MODULE)
GL_MODULE = "2.GL"


class Ledger:
    """Derives what a journal-entry write implies, inside the write's transaction."""

    def __init__(self, records: Records, catalog: Catalog) -> None:
        self.records = records
        self.batches = catalog["GLBATCH"]
        self.entries = catalog["GLENTRY"]
        self.details = catalog["GLDETAIL"]
        self.accounts = catalog["GLACCOUNT"]
        self.departments = catalog["DEPARTMENT"]
        self.locations = catalog["LOCATION"]

    # -- the writes' hooks (Store.insert/update/delete) ---------------------------------

    def completing(self, obj: ObjectDef, scope: Scope, values: dict[str, Any]) -> None:
        """Before a create: what Intacct gives a new entry or line that the request
        cannot (the fields are read-only)."""
        if obj is self.batches:
            values.setdefault("MODULE", GL_MODULE)
            values["BATCHNO"] = self._next_batchno(scope, values.get("JOURNAL"))
        elif obj is self.entries:
            self._line_fields(scope, values)

    def written(self, obj: ObjectDef, scope: Scope, row: Mapping[str, Any], *, new: bool) -> None:
        """After a create or update of an entry or one of its lines."""
        if obj is self.batches:
            if not new:
                self._lines_follow(scope, row)
            self._settle(scope, int(row["RECORDNO"]))
        elif obj is self.entries and row.get("BATCHKEY") is not None:
            self._settle(scope, int(row["BATCHKEY"]), only=[int(row["RECORDNO"])])

    def deleting(self, obj: ObjectDef, scope: Scope, recordno: int) -> None:
        """Before a delete: an account that journal-entry lines post to stays (the
        ledger would lose the account its balances are in)."""
        if obj is not self.accounts:
            return
        account = self._one(scope, self.accounts, "RECORDNO", recordno)
        number = account.get("ACCOUNTNO") if account else None
        if number not in (None, "") and self.records.count(
            self.entries, _everyone(scope), '"ACCOUNTNO" = ?', [number]
        ):
            raise in_use(obj.name, str(number), self.entries.name)

    def deleted(self, obj: ObjectDef, scope: Scope, row: Mapping[str, Any]) -> None:
        """After a delete: a deleted entry's lines (deleted with it) leave the view."""
        if obj is self.batches:
            self._settle(scope, int(row["RECORDNO"]))
        elif obj is self.entries and row.get("BATCHKEY") is not None:
            self._settle(scope, int(row["BATCHKEY"]), only=[int(row["RECORDNO"])])

    # -- reports ----------------------------------------------------------------------

    def balances(
        self, scope: Scope, start: str, end: str, account: str | None
    ) -> list[tuple[str, int, int, int]]:
        """Per account, in cents: the balance before ``start`` and the debits and credits
        from ``start`` to ``end``, of the posted lines alone (the GL detail view)."""
        return self.records.gl_balances(self.details, scope, start, end, account)

    # -- lines ------------------------------------------------------------------------

    def _next_batchno(self, scope: Scope, journal: Any) -> int:
        """[U] An entry's number (BATCHNO) counts the entries of its journal, company
        wide, as the seed numbers them; Intacct's sequence is not published."""
        rows, _ = self.records.query(
            self.batches, _everyone(scope), [("max", "BATCHNO")], '"JOURNAL" = ?', [journal]
        )
        top = rows[0][0] if rows else None
        return int(top or 0) + 1

    def _line_fields(self, scope: Scope, values: dict[str, Any]) -> None:
        """A new line's number in its entry, the account's key and title, and the fields
        it shares with its entry (:meth:`_from_batch`)."""
        batch = self._batch(scope, values.get("BATCHKEY"))
        if batch is not None:
            everyone = _everyone(scope)
            taken = self.records.count(
                self.entries, everyone, '"BATCHKEY" = ?', [batch["RECORDNO"]]
            )
            values["LINE_NO"] = taken + 1  # [U] numbered in the order the lines come
            values.update(_from_batch(batch))
        account = self._one(scope, self.accounts, "ACCOUNTNO", values.get("ACCOUNTNO"))
        if account is not None:
            values["ACCOUNTKEY"] = account["RECORDNO"]
            values["ACCOUNTTITLE"] = account["TITLE"]

    def _lines_follow(self, scope: Scope, batch: Mapping[str, Any]) -> None:
        """An updated entry's lines take its new date, number, title and state (posting a
        draft is an update of its STATE). Not audited: the entry's update is."""
        shared = {
            n: to_db(self.entries.fields_by_name[n], v) for n, v in _from_batch(batch).items()
        }
        everyone = _everyone(scope)
        for line in self.records.children(self.entries, everyone, batch["RECORDNO"]):
            changed = {n: v for n, v in shared.items() if line.get(n) != v}
            if changed:
                self.records.update(
                    self.entries, everyone, int(line["RECORDNO"]), changed, audited=False
                )

    # -- the GL detail view -----------------------------------------------------------

    def _settle(self, scope: Scope, batchkey: int, only: Iterable[int] | None = None) -> None:
        """Make GLDETAIL show entry ``batchkey``'s posted lines (``only`` those lines):
        one row per line of a posted entry, none for another; a row already shown keeps
        its RECORDNO and changes only where its line or entry did."""
        everyone = _everyone(scope)
        keys = None if only is None else set(only)
        batch = self._batch(scope, batchkey)
        wanted: dict[int, dict[str, Any]] = {}
        if batch is not None and posts(batch.get("STATE")):
            for line in self._lines(everyone, batchkey, keys):
                wanted[int(line["RECORDNO"])] = self._detail(scope, batch, line)
        shown = {int(row["ENTRYKEY"]): row for row in self._shown(everyone, batchkey, keys)}
        for entrykey in shown.keys() - wanted.keys():
            recordno = int(shown[entrykey]["RECORDNO"])
            self.records.delete(self.details, everyone, recordno, audited=False)
        # the view's rows belong to the entry's entity, whoever posts it
        owner = Scope(scope.company, _entity(batch), scope.user, showprivate=True)
        for entrykey, row in wanted.items():
            self._show(owner, shown.get(entrykey), row)

    def _lines(self, everyone: Scope, batchkey: int, keys: set[int] | None) -> list[dict[str, Any]]:
        """The entry's lines (``keys`` of them)."""
        if keys is None:
            return self.records.children(self.entries, everyone, batchkey)
        names, marks = self.entries.field_names, ", ".join("?" * len(keys))
        where = f'"BATCHKEY" = ? AND "RECORDNO" IN ({marks})'
        return self.records.rows(self.entries, everyone, names, where, [batchkey, *keys])

    def _shown(self, everyone: Scope, batchkey: int, keys: set[int] | None) -> list[dict[str, Any]]:
        """The view's rows of the entry, or of the lines ``keys`` wherever they were (a
        line moved to another entry takes its row along)."""
        names = self.details.field_names
        if keys is None:
            return self.records.rows(self.details, everyone, names, '"BATCHKEY" = ?', [batchkey])
        marks = ", ".join("?" * len(keys))
        return self.records.rows(self.details, everyone, names, f'"ENTRYKEY" IN ({marks})', [*keys])

    def _show(self, owner: Scope, shown: Mapping[str, Any] | None, row: dict[str, Any]) -> None:
        """Insert the view's row, or change what differs in the one shown."""
        if shown is None:
            self.records.insert(self.details, owner, row, audited=False)
            return
        changed = {n: v for n, v in row.items() if shown.get(n) != v}
        if changed:
            recordno = int(shown["RECORDNO"])
            self.records.update(self.details, owner, recordno, changed, audited=False)

    def _detail(
        self, scope: Scope, batch: Mapping[str, Any], line: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The line's GLDETAIL row in storage form."""
        account = self._one(scope, self.accounts, "ACCOUNTNO", line.get("ACCOUNTNO"))
        department = self._one(scope, self.departments, "DEPARTMENTID", line.get("DEPARTMENT"))
        location = self._one(scope, self.locations, "LOCATIONID", line.get("LOCATION"))
        row = detail_row(
            batch,
            line,
            balance_sheet=None if account is None else account["ACCOUNTTYPE"] == "balancesheet",
            department_title=department["TITLE"] if department else None,
            location_name=location["NAME"] if location else None,
        )
        fields = self.details.fields_by_name
        return {n: to_db(fields[n], v) for n, v in row.items()}

    # -- look-ups ---------------------------------------------------------------------

    def _batch(self, scope: Scope, batchkey: Any) -> dict[str, Any] | None:
        return self._one(scope, self.batches, "RECORDNO", batchkey)

    def _one(self, scope: Scope, obj: ObjectDef, field: str, key: Any) -> dict[str, Any] | None:
        if key in (None, ""):
            return None
        found = self.records.find(obj, _everyone(scope), field, [key])
        return found[0] if found else None


def _from_batch(batch: Mapping[str, Any]) -> dict[str, Any]:
    """What a line shows of its entry: it posts on the entry's date, in its state."""
    return {
        "BATCHNO": batch.get("BATCHNO"),
        "BATCH_TITLE": batch.get("BATCH_TITLE"),
        "ENTRY_DATE": batch.get("BATCH_DATE"),
        "STATE": line_state(str(batch.get("STATE") or "")),
    }


def _everyone(scope: Scope) -> Scope:
    """The whole company: a journal entry's derived records, whichever entity owns them."""
    return Scope(scope.company, "", scope.user, showprivate=True)


def _entity(batch: Mapping[str, Any] | None) -> str:
    """The entity that owns a journal entry ('' at the top level)."""
    return str((batch or {}).get("MEGAENTITYID") or "")
