"""hotglue's unified accounting tables <-> Intacct objects, both ways, as pure functions
(no I/O, no client): the tap and ``intacct sync --unified`` read through
:func:`to_unified`, the target writes through :func:`from_unified`.

* :data:`UNIFIED_STREAMS`: stream name -> :class:`StreamMapping` (Intacct object(s),
  business key, fields, line object); ``Suppliers`` is another name of ``Vendors``.
* :func:`to_unified` / :func:`from_unified` / :func:`written_view` /
  :func:`unified_schema`.
* :func:`objects_for` (the objects to read for a stream) and :class:`DocumentAssembler`
  (header and line records read apart -> whole documents), for readers of Intacct.
* :class:`References`: the lookups a write needs (accounts, vendors, customers,
  departments, locations, classes, projects, items, bank accounts, bills, invoices), by
  record number, id or name, answered by the caller; :class:`CachedReferences` is one.

Bad input is a :class:`UnifiedRecordError` naming the property; an unknown reference a
:class:`ReferenceNotFoundError` listing the near matches.
"""

from intacct.mappings.codecs import UnifiedRecordError
from intacct.mappings.convert import (
    IntacctWrite,
    from_unified,
    to_unified,
    unified_schema,
    written_view,
)
from intacct.mappings.documents import DocumentAssembler, objects_for, stream_for_object
from intacct.mappings.references import (
    REFERENCE_KINDS,
    CachedReferences,
    Referenced,
    ReferenceKind,
    ReferenceNotFoundError,
    References,
)
from intacct.mappings.streams import (
    STREAM_ALIASES,
    UNIFIED_STREAMS,
    Lines,
    StreamMapping,
    mapping_for,
)

__all__ = [
    "REFERENCE_KINDS",
    "STREAM_ALIASES",
    "UNIFIED_STREAMS",
    "CachedReferences",
    "DocumentAssembler",
    "IntacctWrite",
    "Lines",
    "ReferenceKind",
    "ReferenceNotFoundError",
    "Referenced",
    "References",
    "StreamMapping",
    "UnifiedRecordError",
    "from_unified",
    "mapping_for",
    "objects_for",
    "stream_for_object",
    "to_unified",
    "unified_schema",
    "written_view",
]
