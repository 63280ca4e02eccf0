"""The wire protocol, pure: XML envelope building, response parsing, the query builder,
value codecs and the error classification table. Bytes in, objects out; no I/O."""

__all__: list[str] = []  # the submodules are the surface (intacct.fn, intacct.q, ...)
