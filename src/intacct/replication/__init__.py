"""The extraction engine shared by the tap and ``intacct sync`` (the engine itself comes
with its issue); for now, its own settings, which the client's config does not carry."""

from intacct.replication.settings import ReplicationSettings

__all__ = ["ReplicationSettings"]
