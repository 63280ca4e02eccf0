"""The emulator's JSON Web Tokens: the one HS256 implementation, :mod:`intacct.protocol.jws`
(the webhook receiver verifies the deliveries' tokens with it too)."""

from intacct.protocol.jws import sign, verify

__all__ = ["sign", "verify"]
