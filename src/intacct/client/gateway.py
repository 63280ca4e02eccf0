"""``IntacctClient``: the facade over one company's requestor and its conveniences.

The request path (envelope, session, retry, classification) is :mod:`.requestor`; this
module chooses control ids, checks what goes in a request and offers the everyday calls.

One error rule for every convenience: it returns what was asked for, and raises when
anything it ran failed (:class:`~intacct.errors.WriteError` for writes, with every
record's result). :meth:`IntacctClient.execute` is the exception: it returns one
:class:`~intacct.protocol.response.Result` per function, failed or not, and raises only
for request-level failures (sign-in, transport, a malformed answer).
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import TracebackType
from typing import Any

import httpx

from intacct.client import pagination
from intacct.client.metadata import ObjectModel
from intacct.client.oauth import (
    ClientCredentials,
    Grant,
    MemoryTokens,
    OAuthApp,
    TokenSource,
    TokenStore,
)
from intacct.client.pagination import Page, PageToken
from intacct.client.requestor import Gateway, Ledger, Meter, Requestor, Send
from intacct.client.rest import RestApi, RestRequestor
from intacct.client.retry import RetryPolicy
from intacct.client.session import Session
from intacct.client.transport import DEFAULT_MAX_RESPONSE_BYTES, InFlight, Transport
from intacct.config import MAX_FUNCTIONS, ClientConfig
from intacct.errors import (
    AlreadyAppliedError,
    ConfigError,
    ErrorDetail,
    GatewayError,
    RequestBuildError,
    WriteError,
)
from intacct.logging import HistoryHook, register_secrets
from intacct.protocol import functions as fn
from intacct.protocol.classify import error_for_result
from intacct.protocol.formats import UserFormatting
from intacct.protocol.query import Filter, Order
from intacct.protocol.response import Data, Record, Result

__all__ = ["MAX_FUNCTIONS", "IntacctClient", "OAuth", "is_applied"]

#: the gateway's limit on a control id's length [V: SDKs enforce 1..256]
MAX_CONTROLID = 256

# Generic functions DTD 2.1 does not know (its catalogue has only object functions,
# get_list, get and getAPISession).
_DTD30_ONLY = frozenset(
    {
        "query",
        "readByQuery",
        "readMore",
        "read",
        "readByName",
        "create",
        "update",
        "delete",
        "lookup",
        "inspect",
        "getDimensions",
        "readUserFormatting",
        "readEntityDetails",
    }
)

Call = fn.Function | tuple[str, fn.Function]


@dataclass(frozen=True, slots=True)
class OAuth:
    """What the REST API signs in with: the app, where its tokens are kept, and the
    grant new tokens are asked for with when there is no refresh token (client
    credentials; None: only what the store holds, e.g. from a person's consent)."""

    app: OAuthApp
    store: TokenStore
    grant: Grant | None = None


def is_applied(result: Result) -> bool:
    """True when the write in ``result`` took effect: it succeeded now, or the gateway
    refused it because its control id already ran (``AlreadyAppliedError``).

    Control ids are new for every logical send unless you pass them, so a refusal can
    only mean that an earlier attempt of this very send (a retry after a lost answer)
    or a deliberate re-run under the ids you chose was applied.
    """
    if result.ok:
        return True
    return isinstance(error_for_result(result), AlreadyAppliedError)


class _Formatting:
    """The user's formatting, learned once and shared by a company's entity clients."""

    def __init__(self, given: UserFormatting | None) -> None:
        self.lock = threading.Lock()
        self.value = given


class IntacctClient:
    """A connection to one Intacct company (and optionally one entity).

    Use it as a context manager. Thread-safe: one session is shared by the threads using
    a client, and at most ``config.max_concurrency`` requests are in flight for the whole
    company, whichever of its entity clients (:meth:`for_entity`) sends them.

    ``budget`` (optional) caps the API transactions the company's requests may bill in
    all: a request that would go beyond it is not sent (``BudgetExhaustedError``).

    ``oauth`` (optional: an app, where its tokens are kept, and the grant to ask for
    new ones with) opens the REST API (:attr:`rest`) over the same company limits,
    budget and retry policy.

    ``config.timeout_s`` is each try's deadline and ``config.first_byte_timeout_s`` the
    wait for an answer's first byte, a request's tries together; ``in_flight``
    (:class:`~intacct.client.transport.InFlight`, optional) tracks the requests being waited
    for, e.g. to show a person how long the gateway has been silent.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http_transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        history: HistoryHook | None = None,
        idempotent_writes: bool = True,
        formatting: UserFormatting | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        in_flight: InFlight | None = None,
        budget: int | None = None,
        oauth: OAuth | None = None,
    ) -> None:
        transport = Transport(
            timeout_s=config.timeout_s,
            first_byte_timeout_s=config.first_byte_timeout_s,
            http_transport=http_transport,
            max_response_bytes=max_response_bytes,
            in_flight=in_flight,
        )
        gateway = Gateway(
            transport,
            max_concurrency=config.max_concurrency,
            retry=retry or RetryPolicy(max_attempts=config.max_retries + 1),
            history=history,
            budget=budget,
        )
        if oauth is None and (config.auth_type == "oauth" or config.client_id):
            app = OAuthApp(config.client_id, config.client_secret, config.rest_url)
            # client credentials can always be asked again: a token lives for the run;
            # an app beside a password opens REST for the same user
            oauth = OAuth(app, MemoryTokens(), ClientCredentials(config.oauth_username))
        tokens = None
        if oauth is not None:
            tokens = TokenSource(
                oauth.app, oauth.store, transport, gateway.retry, grant=oauth.grant
            )
        self._tokens = tokens
        self._setup(config, gateway, idempotent_writes, _Formatting(formatting), owner=True)

    def _setup(
        self,
        config: ClientConfig,
        gateway: Gateway,
        idempotent_writes: bool,
        formatting: _Formatting,
        *,
        owner: bool,
    ) -> None:
        self.config = config
        register_secrets(config.secrets)  # blanked out of every log line from now on
        self._rest: RestApi | None = None
        if self._tokens is not None:
            base = self._tokens.app.base_url
            requestor = RestRequestor(base, config.entity_id, gateway, self._tokens, config.secrets)
            self._rest = RestApi(requestor)
        bridge = self._rest.session_id if config.auth_type == "oauth" and self._rest else None
        self._requestor = Requestor(config, gateway, bridge)
        self._idempotent_writes = idempotent_writes
        self._formatting = formatting
        self._owner = owner

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], **kwargs: Any) -> IntacctClient:
        return cls(ClientConfig.from_mapping(values), **kwargs)

    @classmethod
    def from_env(cls, **kwargs: Any) -> IntacctClient:
        return cls(ClientConfig.from_env(), **kwargs)

    def for_entity(self, entity_id: str) -> IntacctClient:
        """A client for another entity of the same company ("" = top level).

        It has its own session but shares this client's HTTP connections, retry policy
        and the company-wide concurrency limit (Intacct counts concurrent requests per
        company). Closing it does nothing; close the client it came from.
        """
        other = object.__new__(IntacctClient)
        config = replace(self.config, entity_id=entity_id)
        gateway = self._requestor.gateway
        other._tokens = self._tokens  # one token serves every entity (by its header)
        other._setup(config, gateway, self._idempotent_writes, self._formatting, owner=False)
        return other

    def __enter__(self) -> IntacctClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owner:
            self._requestor.gateway.transport.close()

    def __repr__(self) -> str:
        c = self.config
        return f"IntacctClient(company_id={c.company_id!r}, entity_id={c.entity_id!r})"

    @property
    def speaks_rest(self) -> bool:
        """Whether this client can use the REST API (it has an OAuth app)."""
        return self._rest is not None

    @property
    def rest(self) -> RestApi:
        """The REST API of this company and entity (the client was given ``oauth``)."""
        if self._rest is None:
            raise ConfigError(
                "oauth", "the REST API needs an OAuth app: IntacctClient(..., oauth=)"
            )
        return self._rest

    @property
    def requests_sent(self) -> int:
        """HTTP requests this client and its entity clients have posted so far
        (logins and retries included)."""
        return self._requestor.gateway.sent

    @property
    def api_transactions(self) -> int:
        """API transactions Intacct bills for what this client and its entity clients
        have sent so far (:mod:`intacct.protocol.billing`: one per query page, one per
        record written; sessions and metadata free)."""
        return self._requestor.gateway.billed

    @property
    def api_transactions_sent(self) -> int:
        """:attr:`api_transactions` and what the requests sent and not yet answered may
        bill: a run stopped while some are out owes Intacct those too."""
        return self._requestor.gateway.owed

    @property
    def budget_left(self) -> int | None:
        """API transactions the budget has left (None: no budget)."""
        gateway = self._requestor.gateway
        return None if gateway.budget is None else max(0, gateway.budget - gateway.billed)

    @property
    def ledger(self) -> Ledger | None:
        """Where the company's spend is recorded before each billed request is sent, by
        every entity client (None: nowhere); a ledger that cannot record refuses the
        request."""
        return self._requestor.gateway.ledger

    @ledger.setter
    def ledger(self, ledger: Ledger | None) -> None:
        self._requestor.gateway.ledger = ledger

    def meter(self) -> AbstractContextManager[Meter]:
        """``with client.meter() as m:`` ... ``m.transactions``: what the calls this
        thread makes in the block cost (any of the company's entity clients)."""
        return self._requestor.gateway.meter()

    @property
    def session(self) -> Session | None:
        """The current API session, if one is open (its ``repr`` hides the id)."""
        return self._requestor.sessions.current

    def server_now(self) -> datetime:
        """Now on the gateway's clock, as its last answer's ``sessiontimestamp`` told
        (this machine's clock before any answer)."""
        return self._requestor.sessions.server_now()

    def sign_in(self) -> Session:
        """Open the API session now (``auth_type="session"``) instead of on first use."""
        return self._requestor.sign_in()

    # -- the request path -------------------------------------------------------------

    def execute(
        self, calls: Sequence[Call], *, transaction: bool | None = None, columnar: bool = False
    ) -> list[Result]:
        """Send up to 100 functions in one request; one result per function, in order.

        A call is a function, or ``(controlid, function)`` to choose the control id.
        Every send gets new control ids unless you pass them; retries of the send reuse
        them and writes go with ``uniqueid=true``, so a retried write cannot apply twice.
        Pass the same ids again only to re-run a send on purpose (after a crash): the
        gateway refuses what already ran (:func:`is_applied`). Function failures are
        returned, not raised. ``columnar``: a single ``query``'s records are read as
        columns where the fast reader can (``result.data.columns``,
        :mod:`intacct.protocol.columns`); ``result.records`` reads them either way.
        """
        pairs = self._controlled(calls)
        writes = any(f.writes for _, f in pairs)
        uniqueid = writes and self._idempotent_writes
        send = Send(
            pairs,
            transaction=transaction,
            uniqueid=uniqueid,
            idempotent=uniqueid or not writes,
            writes=writes,
            return_format=self._return_format(pairs),
            columnar=columnar,
        )
        answer = self._requestor.send(send)
        if isinstance(answer, list):  # a json/csv body: the records of the one function
            cid, function = pairs[0]
            return [Result("success", function.name, cid, data=Data({}, answer))]
        return answer.results

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy every request of this client (and its entity clients) retries by."""
        return self._requestor.gateway.retry

    def call(
        self, function: fn.Function, *, controlid: str | None = None, columnar: bool = False
    ) -> Result:
        """Execute one function and raise its classified error if it failed."""
        calls = [(controlid, function) if controlid else function]
        return self.execute(calls, columnar=columnar)[0].raise_for_error()

    def _controlled(self, calls: Sequence[Call]) -> list[tuple[str, fn.Function]]:
        if not calls:
            raise RequestBuildError("functions", "at least one function is required")
        if len(calls) > MAX_FUNCTIONS:
            raise RequestBuildError(
                "functions",
                f"at most {MAX_FUNCTIONS} per request, got {len(calls)}; "
                "split them into several execute() calls",
            )
        pairs = [c if isinstance(c, tuple) else (_new_controlid(c), c) for c in calls]
        seen: set[str] = set()
        for index, (cid, _) in enumerate(pairs):
            if not 0 < len(cid) <= MAX_CONTROLID:
                raise RequestBuildError(
                    f"functions[{index}] controlid", f"must be 1 to {MAX_CONTROLID} characters"
                )
            if cid in seen:  # the gateway would refuse the second as a replay of the first
                raise RequestBuildError(
                    f"functions[{index}] controlid", f"{cid!r} is used twice in one request"
                )
            seen.add(cid)
        self._check_functions([f for _, f in pairs])
        return pairs

    def _check_functions(self, functions: list[fn.Function]) -> None:
        if len(functions) > 1 and any(isinstance(f, fn.GetAPISession) for f in functions):
            raise RequestBuildError("functions", "getAPISession must be alone in its request")
        if self.config.dtd_version == "2.1":
            bad = sorted({f.name for f in functions if f.name in _DTD30_ONLY})
            if bad:
                raise RequestBuildError(
                    "functions",
                    f"{', '.join(bad)} need dtd_version 3.0; DTD 2.1 only has "
                    "object functions (create_<object>, get_list, get, ...)",
                )

    @staticmethod
    def _return_format(pairs: list[tuple[str, fn.Function]]) -> str | None:
        formats = {getattr(f, "returnformat", None) for _, f in pairs} - {None, "xml"}
        if not formats:
            return None
        if len(pairs) > 1:
            raise RequestBuildError(
                "returnformat",
                "json/csv answers carry no envelope, so such a function "
                "must be alone in its request",
            )
        return str(formats.pop())

    # -- reading ------------------------------------------------------------------------

    def read(
        self, object: str, keys: Sequence[int | str], fields: Sequence[str] | str = "*"
    ) -> list[Record]:
        """``read`` by RECORDNO (up to 100 keys)."""
        return self.call(fn.Read(object, keys, fields)).records

    def read_by_name(
        self, object: str, keys: Sequence[str], fields: Sequence[str] | str = "*"
    ) -> list[Record]:
        """``readByName`` by the object's business id (VENDORID, ACCOUNTNO, ...)."""
        return self.call(fn.ReadByName(object, keys, fields)).records

    def query(
        self,
        object: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        orderby: Sequence[Order] = (),
        pagesize: int | None = None,
        offset: int | None = None,
        caseinsensitive: bool = False,
    ) -> Result:
        """One page of the ``query`` function (records and paging counts); see
        :meth:`iter_query` for all rows."""
        return self.call(
            fn.Query(
                object,
                select,
                filter=filter,
                orderby=orderby,
                pagesize=pagesize,
                offset=offset,
                caseinsensitive=caseinsensitive,
            )
        )

    def iter_pages(
        self,
        object: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        key: str = "RECORDNO",
        pagesize: int | None = None,
        showprivate: bool = False,
        after: PageToken | str | None = None,
        unmodified: bool = True,
        columnar: bool = False,
    ) -> Iterator[Page]:
        """Every page of matching records, lazily, keyset-paged on ``key`` (RECORDNO, or
        WHENMODIFIED with RECORDNO as tie-breaker, then the records without one unless
        ``unmodified`` is False), each with the token that resumes after it (``after=``)
        and the requests made; ``columnar``: pages the fast reader can read carry their
        records as columns (``page.columns``; ``page.records`` reads them either way)."""
        formatting = self.user_formatting() if key == "WHENMODIFIED" else None
        return pagination.iter_pages(
            functools.partial(self.call, columnar=True) if columnar else self.call,
            object,
            select,
            filter=filter,
            key=key,
            pagesize=pagesize or min(self.config.page_size, 2000),
            showprivate=showprivate,
            after=after,
            unmodified=unmodified,
            **({"formatting": formatting} if formatting else {}),
        )

    def iter_query(
        self,
        object: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        key: str = "RECORDNO",
        pagesize: int | None = None,
        showprivate: bool = False,
        after: PageToken | str | None = None,
    ) -> Iterator[Record]:
        """Every matching record, lazily, in key order (see :meth:`iter_pages`)."""
        pages = self.iter_pages(
            object,
            select,
            filter=filter,
            key=key,
            pagesize=pagesize,
            showprivate=showprivate,
            after=after,
        )
        return (record for page in pages for record in page.records)

    def iter_read_by_query(
        self,
        object: str,
        query: str = "",
        fields: Sequence[str] | str = "*",
        pagesize: int | None = None,
    ) -> Iterator[Record]:
        """Every matching record, lazily, through readByQuery then readMore(resultId)."""
        return pagination.iter_read_by_query(
            self.call, object, query, fields, pagesize=pagesize or min(self.config.page_size, 1000)
        )

    def user_formatting(self) -> UserFormatting:
        """The Web Services user's date format, GMT offset and clock, as given to the
        client or read once with ``readUserFormatting``; its zone is the configured
        ``timezone`` when there is one, else the fixed ``gmtoffset``."""
        cache = self._formatting
        with cache.lock:
            if cache.value is None:
                records = self.read_user_formatting()
                record = next((r for r in records if r.tag == "userformatting"), None)
                if record is None:
                    raise GatewayError(
                        [ErrorDetail(None, description2="no <userformatting> in the answer")],
                        level="result",
                        function="readUserFormatting",
                    )
                cache.value = UserFormatting.from_record(record, self.config.zone())
            return cache.value

    def lookup(self, object: str) -> ObjectModel:
        """The object's fields and relationships (``lookup``)."""
        return ObjectModel.from_result(self.call(fn.Lookup(object)), object)

    def inspect(self, object: str) -> ObjectModel:
        """The object's fields with lengths and flags (``inspect detail="1"``)."""
        return ObjectModel.from_result(self.call(fn.Inspect(object, detail=True)), object)

    def get_trialbalance(
        self, start: date, end: date, *, showzerobalances: bool = False
    ) -> list[Record]:
        """``get_trialbalance`` for ``start``..``end``: one row per account
        (glaccountno, startbalance, debits, credits, endbalance)."""
        return self.get_trialbalances([(start, end)], showzerobalances=showzerobalances)[0]

    def get_trialbalances(
        self, periods: Sequence[tuple[date, date]], *, showzerobalances: bool = False
    ) -> list[list[Record]]:
        """:meth:`get_trialbalance` for each of up to 100 periods, in one request; the
        first period that failed raises its error."""
        functions = [
            fn.GetTrialBalance(start, end, showzerobalances=showzerobalances)
            for start, end in periods
        ]
        return [
            _nested_records(result.raise_for_error(), "trialbalance")
            for result in self.execute(functions)
        ]

    def get_dimensions(self) -> list[Record]:
        return self._nested(fn.GetDimensions(), "dimension")

    def read_entity_details(self) -> list[Record]:
        return self._nested(fn.ReadEntityDetails(), "entity")

    def read_user_formatting(self) -> list[Record]:
        return self.call(fn.ReadUserFormatting(user_id=self.config.user_id)).records

    def _nested(self, function: fn.Function, tag: str) -> list[Record]:
        return _nested_records(self.call(function), tag)

    # -- writing ------------------------------------------------------------------------

    def create(
        self,
        object: str,
        records: Sequence[Mapping[str, Any]],
        *,
        transaction: bool | None = None,
        controlids: Sequence[str] | None = None,
    ) -> list[Result]:
        """Create records, one function per record, 100 per request; one result each.

        Raises :class:`~intacct.errors.WriteError` (with every result) if any record was
        not applied. ``controlids`` (one per record) make a deliberate re-run safe.
        """
        functions = [_one(fn.Create, object, r, i) for i, r in enumerate(records)]
        return self._write("create", object, functions, transaction, controlids)

    def update(
        self,
        object: str,
        records: Sequence[Mapping[str, Any]],
        *,
        transaction: bool | None = None,
        controlids: Sequence[str] | None = None,
    ) -> list[Result]:
        """Update records (each identified by RECORDNO or its id field); as :meth:`create`."""
        functions = [_one(fn.Update, object, r, i) for i, r in enumerate(records)]
        return self._write("update", object, functions, transaction, controlids)

    def delete(
        self,
        object: str,
        keys: Sequence[int | str],
        *,
        transaction: bool | None = None,
        controlids: Sequence[str] | None = None,
    ) -> list[Result]:
        """Delete records by RECORDNO, one function per key; as :meth:`create`."""
        functions = [_one_key(object, key, i) for i, key in enumerate(keys)]
        return self._write("delete", object, functions, transaction, controlids)

    def _write(
        self,
        action: str,
        object: str,
        functions: Sequence[fn.Function],
        transaction: bool | None,
        controlids: Sequence[str] | None,
    ) -> list[Result]:
        if controlids is not None and len(controlids) != len(functions):
            raise RequestBuildError(
                "controlids", f"one per record: got {len(controlids)} for {len(functions)}"
            )
        calls: list[Call] = (
            list(zip(controlids, functions, strict=True))
            if controlids is not None
            else list(functions)
        )
        results: list[Result] = []
        for start in range(0, len(calls), MAX_FUNCTIONS):
            results += self.execute(calls[start : start + MAX_FUNCTIONS], transaction=transaction)
        failures = {
            i: error
            for i, result in enumerate(results)
            if not is_applied(result) and (error := error_for_result(result)) is not None
        }
        if failures:
            raise WriteError(object, action, results, failures)
        return results


def _nested_records(result: Result, tag: str) -> list[Record]:
    """The ``tag`` records of a result, whether the answer lists them at the top or
    inside a wrapper."""
    out: list[Record] = []
    for record in result.records:
        out += [record] if record.tag == tag else record.nested(tag)
    return out


def _new_controlid(function: fn.Function) -> str:
    # New for every logical send: a retry reuses it (same request), nothing else does.
    return f"{function.name}-{uuid.uuid4().hex}"


def _one(
    kind: type[fn.Create] | type[fn.Update], object: str, record: Mapping[str, Any], index: int
) -> fn.Function:
    try:
        return kind([(object, record)])
    except RequestBuildError as exc:
        raise _renumbered(exc, index) from None


def _one_key(object: str, key: int | str, index: int) -> fn.Function:
    try:
        return fn.Delete(object, [key])
    except RequestBuildError as exc:
        raise _renumbered(exc, index, "keys[0]") from None


def _renumbered(
    exc: RequestBuildError, index: int, single: str = "records[0]"
) -> RequestBuildError:
    """Name a record by its index in the caller's list, not in its one-record function."""
    name = "keys" if single.startswith("keys") else "records"
    field = exc.field.replace(single, f"{name}[{index}]", 1)
    if field == exc.field:
        field = f"{name}[{index}] {exc.field}"
    return RequestBuildError(field, exc.problem)
