"""An offline emulator of the Intacct XML gateway, backed by SQLite.

Shaped like moto: ``app`` routes, ``handlers`` read parameters and call the ``store``,
all state and business rules live in the store, errors are typed exceptions rendered
in one place. It never imports the client or ``protocol.envelope``/``protocol.response``:
the emulator and the client are held to the same golden XML, not to shared code.
"""
