"""The demo tenant every emulator starts with (docs/ARCHITECTURE.md, "The emulator's demo
tenant"): sender, companies DEMO and DEMO-ME (entities E100, E200), users, the demo OAuth
app of the REST API, seed data."""

from __future__ import annotations

import functools
import hashlib
import os
import time
from importlib import resources
from pathlib import Path

from intacct.emulator import seed
from intacct.emulator.catalog import catalog_files
from intacct.emulator.store import (
    DEMO_APP,
    DEMO_SENDER,
    DEMO_USER,
    RESTRICTED_USER,
    Company,
    Store,
)

__all__ = [
    "DEMO_COMPANIES",
    "UNAUTHORIZED_SENDER",
    "client_config",
    "data_fingerprint",
    "demo_store",
    "install_demo",
]

DEMO_COMPANIES = ("DEMO", "DEMO-ME")
#: a sender that exists but is not authorized for the demo companies (doctor, tests)
UNAUTHORIZED_SENDER = ("unauthorized_sender", "unauthorized-sender-password")
#: a folder of seeded demo databases that new emulators copy instead of seeding again, one
#: per scale, seed and :func:`data_fingerprint` (the tests set it for their run: seeding
#: takes up to seconds, a copy milliseconds); unset: every emulator seeds its own
SEED_CACHE = "INTACCT_EMULATOR_SEED_CACHE"


def client_config(url: str, company: str = "DEMO", entity_id: str = "") -> dict[str, str]:
    """Connection settings (the public config keys) for the demo tenant at ``url``."""
    return {
        "sender_id": DEMO_SENDER[0],
        "sender_password": DEMO_SENDER[1],
        "user_id": DEMO_USER[0],
        "user_password": DEMO_USER[1],
        "company_id": company,
        "entity_id": entity_id,
        "api_url": url,
    }


def app_config() -> dict[str, str]:
    """The demo OAuth app as config keys: a client given them reads through REST too."""
    return {"client_id": DEMO_APP.client_id, "client_secret": DEMO_APP.client_secret}


def install_demo(store: Store, scale: int = 10_000, seed_value: int = 0) -> dict[str, int]:
    """Create the demo tenant and its data; returns rows loaded per object."""
    store.add_sender(*DEMO_SENDER, companies=DEMO_COMPANIES)
    store.add_sender(*UNAUTHORIZED_SENDER, companies=())
    store.add_company(Company("DEMO", "Demo Company Inc.", multi_entity=False))
    store.add_company(
        Company("DEMO-ME", "Demo Group (multi-entity)", multi_entity=True),
        entities=[("E100", "US Operations"), ("E200", "UK Operations")],
    )
    for company in DEMO_COMPANIES:
        store.add_user(company, *DEMO_USER, recordno=1)
        store.add_user(company, *RESTRICTED_USER, recordno=2, denied_modules=["AP"])
    store.identities.add_app(DEMO_APP)  # belongs to demo_sender, so DEMO and DEMO-ME let it in
    counts: dict[str, int] = {}
    for company, entity, obj, rows in seed.generate(scale=scale, seed=seed_value):
        counts[obj] = counts.get(obj, 0) + store.bulk_insert(company, entity, obj, rows)
    return counts


def demo_store(scale: int, seed_value: int, path: str | Path | None = None) -> Store:
    """A new store with the demo tenant and its data (:func:`install_demo`), in memory or
    in the database file ``path`` (that does not exist yet)."""
    folder = os.environ.get(SEED_CACHE)
    if not folder:
        store = Store(path)
        install_demo(store, scale, seed_value)
        return store
    return Store(path, template=_seeded(Path(folder), scale, seed_value))


def _seeded(folder: Path, scale: int, seed_value: int) -> Path:
    """The demo database of ``scale`` and ``seed_value`` in ``folder``, seeded once."""
    import fcntl  # here: POSIX only, and needed only where SEED_CACHE is set

    path = folder / f"demo-{scale}-{seed_value}-{data_fingerprint()}.sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be seeding the same one
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            store = Store(partial)
            try:
                install_demo(store, scale, seed_value)
                store.db.execute("PRAGMA journal_mode=DELETE")  # one file, readable alone
            finally:
                store.close()
            partial.replace(path)
    return path


@functools.cache
def data_fingerprint() -> str:
    """A digest of what the demo data is made of (the object catalog, the seeders, the
    posting rule they write GL detail by and this module's tenant: senders, users, OAuth
    apps): a database seeded by another version of them holds other fields and values."""
    digest = hashlib.sha256()
    seeders = resources.files(seed.__name__)
    sources = sorted((f for f in seeders.iterdir() if f.name.endswith(".py")), key=lambda f: f.name)
    package = resources.files("intacct.emulator")
    rules, tenant = package.joinpath("posting.py"), package.joinpath("demo.py")
    for file in [*catalog_files(), *sources, rules, tenant]:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def timed_install(store: Store, scale: int, seed_value: int) -> tuple[dict[str, int], float]:
    start = time.perf_counter()
    counts = install_demo(store, scale, seed_value)
    return counts, time.perf_counter() - start
