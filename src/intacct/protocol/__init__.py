"""The wire protocol, pure: XML envelope building, response parsing, the query builder,
value codecs and the error classification table. Bytes in, objects out; no I/O."""
