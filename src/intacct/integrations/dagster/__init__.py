"""Intacct companies on Dagster (``pip install 'intacct-connector[dagster]'``).

``fleet_definitions("tenants.yaml", "data/")`` gives a Dagster project an asset per
Intacct object, partitioned by company (dynamic partitions from the tenant list), the
job that syncs one company into its own DuckDB file, a sensor that adds new tenants and
starts their first run, and an hourly schedule; with ``notices=`` (the queue ``intacct
notices serve`` keeps), a sensor whose runs read what Intacct's change notices announce
(:mod:`.notices`). See examples/dagster/.
"""

from intacct.integrations.dagster.assets import COMPANY_TAG, asset_key
from intacct.integrations.dagster.definitions import PARTITIONS, fleet_definitions
from intacct.integrations.dagster.tenants import Tenant, TenantError, load_tenants

__all__ = [
    "COMPANY_TAG",
    "PARTITIONS",
    "Tenant",
    "TenantError",
    "asset_key",
    "fleet_definitions",
    "load_tenants",
]
