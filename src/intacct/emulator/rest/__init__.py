"""Sage Intacct's REST API (``/ia/api/v1``), served beside the XML gateway on the same
port, over the same companies and users.

- :mod:`.routes` — the routes :mod:`intacct.emulator.app` mounts;
- :mod:`.authorize`, :mod:`.token` — OAuth 2: the sign-in/consent step and the token
  endpoint (authorization code with PKCE, refresh with rotation, client credentials);
- :mod:`.bearer` — :func:`~.bearer.authenticate`, the access-token check every REST
  route makes first;
- :mod:`.jwt` — the HS256 JSON Web Tokens access tokens are;
- :mod:`.answers` — REST's ``ia::result``/``ia::error`` envelope and OAuth errors;
- :mod:`.common` — lifetimes, form parsing, the check of company, sender, user, entity.

Registered apps live with the other identities (``store/identities.py``), codes and
refresh tokens in ``store/grants.py``; docs/emulator.md ("REST API: OAuth 2").
"""
