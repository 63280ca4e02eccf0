"""An offline emulator of Sage Intacct, backed by SQLite: the XML gateway and the REST
API (OAuth 2, objects, the query and model services, bulk jobs) over the same companies,
and the change notices they send.

Shaped like moto: ``app`` routes, ``handlers`` read parameters and call the ``store``,
all state and business rules live in the store, errors are typed exceptions rendered
in one place. It never imports the client or ``protocol.envelope``/``protocol.response``:
the emulator and the client are held to the same golden XML, not to shared code.
"""
