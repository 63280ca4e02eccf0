"""The state behind one emulator (store, faults, counters, limits) and the synchronous
path of a gateway request through it: parse, pick a fault, execute."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter

from intacct.emulator.billing import api_transactions
from intacct.emulator.costs import CostModel
from intacct.emulator.delivery import WebhookSender
from intacct.emulator.dispatch import Reply, execute, unavailable_reply
from intacct.emulator.errors import EmulatorError, ErrorLine
from intacct.emulator.faults import FaultRule, Faults
from intacct.emulator.fleet import Fleet
from intacct.emulator.handlers import HANDLERS, resolve_legacy
from intacct.emulator.limits import ConcurrencyLimit, Latency, returned_records
from intacct.emulator.store import Store
from intacct.emulator.wire import Request, build_response, decode_body, parse_request
from intacct.emulator.worker import JobWorker

__all__ = ["DEFAULT_MAX_CONCURRENCY", "Emulator", "throttled_reply"]

#: requests in flight per company, as Intacct's Performance Tier 1 (every subscription's
#: default); beyond it the gateway answers HTTP 429 / GW-0010
DEFAULT_MAX_CONCURRENCY = 2

log = logging.getLogger("intacct.emulator")

_CDN_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} | api.intacct.com</title></head><body>"
    '<div id="cf-error-details"><h1>Error {status}</h1><p>The origin web server did not '
    "answer in time.</p><p>Cloudflare Ray ID: 7f00emulator</p></div></body></html>"
)


class Emulator:
    """The state behind one app: store, faults, counters, limits."""

    def __init__(
        self,
        store: Store,
        *,
        faults: Faults | None = None,
        max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
        latency_ms: int = 0,
        latency_per_row_us: int = 0,
        scale: int = 0,
        seed: int = 0,
        fleet: Fleet | None = None,
    ) -> None:
        self.store = store
        self.fleet = fleet or Fleet()
        self.faults = faults or Faults()
        self.latency = Latency(latency_ms, latency_per_row_us)
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self.limit = ConcurrencyLimit(max_concurrency, self.fleet.limits_by_company())
        self.costs = CostModel()
        self.scale, self.seed = scale, seed
        self.bulk = JobWorker(store.jobs)  # the REST API's bulk jobs, run in the background
        # the webhook deliveries of the store's subscriptions, sent in the background
        self.webhooks = WebhookSender(store, self.tally, seed=seed)
        store.triggers.attach(self.webhooks.send, self.tally)

    def close(self) -> None:
        """Stop what runs in the background (the bulk job worker, the webhook sender);
        the store stays open."""
        self.store.triggers.detach(self.webhooks.send)
        self.bulk.close()
        self.webhooks.close()

    def count(self, names: list[str], company: str = "") -> None:
        """Requests and functions asked for, in all and per company as
        ``requests.<COMPANY>`` and ``<function>.<COMPANY>``; billed API transactions are
        counted as ``api_transactions`` and ``api_transactions.<COMPANY>``, refusals
        beyond the limit as ``throttled`` and ``throttled.<COMPANY>``."""
        with self._stats_lock:
            self.stats["requests"] += 1
            self.stats.update(names)
            if company:
                self.stats[f"requests.{company}"] += 1
                self.stats.update(f"{name}.{company}" for name in names)

    def tally(self, name: str, company: str = "") -> None:
        """One more ``name``, in all and as ``<name>.<COMPANY>``."""
        with self._stats_lock:
            self.stats[name] += 1
            if company:
                self.stats[f"{name}.{company}"] += 1

    def snapshot(self) -> dict[str, int]:
        """The counters, with ``max_in_flight.<COMPANY>``: the most requests of the
        company the limit admitted at once since the last reset."""
        with self._stats_lock:
            counts = dict(self.stats)
        peaks = dict(self.limit.peaks)
        counts.update({f"max_in_flight.{c}": n for c, n in peaks.items() if c})
        return counts

    def clear_stats(self) -> None:
        with self._stats_lock:
            self.stats.clear()
        self.limit.clear_peaks()

    def handle(self, body: bytes, content_type: str, endpoint: str) -> Reply:
        """One gateway request, synchronously, start to end (the in-process transport);
        the latency is slept in the calling thread."""
        started = time.perf_counter()
        prepared = self.prepare(body, content_type)
        if isinstance(prepared, Reply):
            time.sleep(self.delay(prepared, started))
            return prepared
        request, rule = prepared
        company = self.admit(request)
        if company is None:
            return throttled_reply()
        try:
            reply = self.run(request, rule, endpoint)
            time.sleep(self.delay(reply, started))
            return reply
        finally:
            self.release(company)

    def company_of(self, request: Request) -> str:
        """The company a request will run for, known before it runs: the login's company
        id, or the company of a known session ("" for an unknown one, which fails fast).
        A dictionary look-up, without touching the session's timeout."""
        if request.login is not None:
            return request.login.companyid
        session = self.store.sessions.get(request.sessionid or "")
        return session.company if session is not None else ""

    def admit(self, request: Request) -> str | None:
        """Take one of the request's company slots: its company, or None if all are busy
        (then answer :func:`throttled_reply`); give it back with :meth:`release`."""
        company = self.company_of(request)
        return company if self.admit_company(company) else None

    def admit_company(self, company: str) -> bool:
        """Take one of ``company``'s slots, shared by XML and REST requests; False (and
        counted as ``throttled``) when all are busy."""
        if self.limit.acquire(company):
            return True
        self.tally("throttled", company)
        return False

    def bill(self, company: str, transactions: int) -> None:
        """Count billed API transactions, in all and for ``company`` (one ledger for
        both APIs)."""
        if transactions:
            with self._stats_lock:
                self.stats["api_transactions"] += transactions
                self.stats[f"api_transactions.{company}"] += transactions

    def release(self, company: str) -> None:
        self.limit.release(company)

    def delay(self, reply: Reply, started: float) -> float:
        """Seconds the answer waits before it leaves: the latency model's time for it,
        less what computing it took since ``started`` (``time.perf_counter()``), so an
        answer takes the model's time, not the model's plus this machine's."""
        if not self.latency:
            return 0.0
        model = self.latency.seconds(returned_records(reply.media_type, reply.body))
        return max(0.0, model - (time.perf_counter() - started))

    def prepare(self, body: bytes, content_type: str) -> Reply | tuple[Request, FaultRule | None]:
        """Parse and count a request and pick its fault; a Reply if it cannot be parsed."""
        try:
            request = parse_request(decode_body(body, content_type))
        except EmulatorError as exc:
            self.count([])
            return Reply(build_response(None, control_error=exc))
        names = [f.name for f in request.functions]
        company = self.company_of(request)
        self.count(names, company)
        return request, self.faults.match(names, _objects(request), company)

    def run(self, request: Request, rule: FaultRule | None, endpoint: str) -> Reply:
        """Execute a prepared, admitted request, timing it for :class:`CostModel`."""
        started = time.perf_counter()
        try:
            if rule is not None:
                return self._faulty(rule, request, endpoint)
            return self._execute(request, endpoint)
        except Exception:  # a bug outside any handler must not become an HTTP 500 either
            support_id = uuid.uuid4().hex[:12]
            log.exception("request failed [support id %s]", support_id)
            error = EmulatorError(
                ErrorLine(
                    "DL02000001",
                    "Error",
                    f"There was an error processing the request. [Support ID: {support_id}]",
                )
            )
            return Reply(build_response(request, control_error=error))
        finally:
            self.costs.record(request, time.perf_counter() - started)

    def ready(self, company: str) -> bool:
        """False while ``company`` still has to be seeded (work for a worker thread)."""
        return self.fleet.ready(company)

    def _execute(self, request: Request, endpoint: str) -> Reply:
        self.fleet.ensure(self.store, self.company_of(request))
        reply = execute(self.store, request, endpoint, HANDLERS, resolve_legacy)
        self.bill(self.company_of(request), api_transactions(request, reply))
        return reply

    def _faulty(self, rule: FaultRule, request: Request, endpoint: str) -> Reply:
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000)
        if rule.expire_sessions:
            self.store.sessions.clear()
        if rule.expire_cursor:  # every readMore resultId of the emulator is gone
            self.store.cursors.clear()
        if rule.status == 429:
            return throttled_reply()
        if rule.errorno:
            return unavailable_reply(request, rule.errorno)
        applied = rule.status in (524, None) or rule.body in ("truncated", "reset")
        reply = self._execute(request, endpoint) if applied else None
        if rule.body == "truncated" and reply is not None:
            return Reply(reply.body[: len(reply.body) // 2], http_status=rule.status or 200)
        if rule.body == "reset" and reply is not None:
            return Reply(reply.body, reply.media_type, reply.http_status, reset=True)
        if rule.status is None:
            return reply or self._execute(request, endpoint)
        if rule.body == "xml":
            error = EmulatorError(
                ErrorLine("GW-0500", f"Service Unavailable [{rule.status}]"),
                http_status=rule.status,
            )
            return Reply(build_response(None, control_error=error), http_status=rule.status)
        if rule.body == "empty":
            return Reply(b"", "text/plain", rule.status)
        return Reply(_CDN_PAGE.format(status=rule.status).encode(), "text/html", rule.status)


def _objects(request: Request) -> list[str]:
    """The objects a request names: ``<object>`` of reads, the record element of
    create/update (``<create><CLASS>``), for fault rules that match on the object."""
    found = []
    for function in request.functions:
        named = function.body.findtext("object")
        if named:
            found.append(named.strip())
        elif function.name in ("create", "update"):
            found += [c.tag for c in function.body if isinstance(c.tag, str)]
    return found


def throttled_reply() -> Reply:
    """HTTP 429 with the gateway's GW-0010 body."""
    error = EmulatorError(
        ErrorLine("GW-0010", "Rate limit exceeded: too many concurrent requests for this company."),
        http_status=429,
    )
    return Reply(build_response(None, control_error=error), http_status=429)
