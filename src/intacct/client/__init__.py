"""The client: everything that talks to Intacct, and nothing that decides what to read.

``IntacctClient`` (:mod:`.gateway`) is the facade over the XML gateway; under it the
request path (:mod:`.requestor`: envelope, session, :mod:`.retry`, classification), the
HTTP layer (:mod:`.transport`), the brake after throttles (:mod:`.pacing`), sessions
(:mod:`.session`), paging (:mod:`.pagination`) and what the company's objects are
(:mod:`.registry`, :mod:`.metadata`). The REST API's client will sit beside the gateway's
here, under the same requestor rules.
"""

from intacct.client.gateway import MAX_CONTROLID, MAX_FUNCTIONS, IntacctClient, is_applied

__all__ = ["MAX_CONTROLID", "MAX_FUNCTIONS", "IntacctClient", "is_applied"]
