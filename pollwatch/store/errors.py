"""What can go wrong with the store, in words a person can act on; no backend is imported here,
so the command line can name these errors without loading a database driver."""


class StoreError(Exception):
    """The database cannot be used right now; the message says why. Nothing was written."""


class StoreBusy(StoreError):
    """Another process holds the database; the message says which one."""


class StoreWriteFailed(StoreError):
    """A write failed (a full disk, a read-only folder): the transaction was rolled back."""
