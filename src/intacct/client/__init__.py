"""The client: everything that talks to Intacct, and nothing that decides what to read.

``IntacctClient`` (:mod:`.gateway`) is the facade over the XML gateway; under it the
request path (:mod:`.requestor`: envelope, session, :mod:`.retry`, classification), the
HTTP layer (:mod:`.transport`), the brake after throttles (:mod:`.pacing`), sessions
(:mod:`.session`), paging (:mod:`.pagination`) and what the company's objects are
(:mod:`.registry`, :mod:`.metadata`). The REST API's path (:mod:`.rest`, OAuth 2 in
:mod:`.oauth`) sits beside the gateway's over one :mod:`.company` gateway: one
concurrency limit, budget and retry loop for both APIs.
"""

from intacct.client.gateway import MAX_CONTROLID, MAX_FUNCTIONS, IntacctClient, OAuth, is_applied

__all__ = ["MAX_CONTROLID", "MAX_FUNCTIONS", "IntacctClient", "OAuth", "is_applied"]
