"""API transactions as Intacct bills them: the one rule the client's count and the
emulator's ``/_emulator/stats`` both apply, so ``intacct sync``'s summary is what the
company's API usage will show.

What Intacct documents (Performance Tiers; 100,000 transactions a month on tier 1,
overage billed, not blocked):

* "Each record that is created, updated, or deleted counts as 1 transaction";
  "transaction records, such as bills and invoices that combine headers and line items
  in a single API method, count as 1 transaction" (intacct.com help, "View API usage").
* "A query transaction can return many records; each query counts as one transaction"
  (developer.sage.com, "REST developer API Metrics", metrics legend); a ``query`` paged
  with ``offset`` is one per page (RKL eSolutions, "Sage Intacct API Limits").
* Unsuccessful requests "contribute to your overall API transaction count", and the
  advice to use ``read`` instead of ``readByQuery`` to save transactions means ``read``
  is counted too (developer.sage.com, "Tips for optimizing XML API usage"); rejections
  such as too many requests are not in the usage (help, "View API usage").

So, per function the gateway ran (whatever its status): ``create``/``update``: one per
record element (lines are part of their document); ``delete``: one per key; any other
function one per call (``query``, ``readByQuery``, each ``readMore``, ``read``,
``get_list``, ``get_trialbalance``, the 2.1 ``create_*``...), except the session and
metadata functions below. A request the gateway refuses as a whole (HTTP error, 429,
authentication or control failure) runs no function and costs nothing.

[U] No source lists the session and metadata functions (``getAPISession``, ``lookup``,
``inspect``, ``readUserFormatting``, DDS's ``getDdsObjects`` and ``getDdsDdl``...); they
read no records of the company, so they are taken as free; DDS's ``runDdsJob`` and each
read of a DDSJOB are functions like any other, one transaction each.
``get_trialbalance`` is taken as billed: it reads the company's data, like a query, and
counting it can only over-state a cost, never hide one.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["FREE_FUNCTIONS", "api_transactions"]

#: session and metadata functions: no records read or written [U]
FREE_FUNCTIONS = frozenset(
    {
        "getAPISession",
        "lookup",
        "inspect",
        "readUserFormatting",
        "getDimensions",
        "getUserPermissions",
        "readEntityDetails",
        "getDdsObjects",
        "getDdsDdl",
    }
)


def api_transactions(function: etree._Element) -> int:
    """What one function (its element: ``<query>``, ``<create>``...) costs once run."""
    name = etree.QName(function).localname
    if name in FREE_FUNCTIONS:
        return 0
    if name in ("create", "update"):  # one element per record, lines inside it
        return sum(1 for child in function if isinstance(child.tag, str))
    if name == "delete":
        keys = function.findtext("keys")
        if keys is not None:
            return len([key for key in keys.split(",") if key.strip()])
    return 1
