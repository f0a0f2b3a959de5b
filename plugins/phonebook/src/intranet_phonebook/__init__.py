"""intranet-phonebook: the staff directory for intranet-core.

The hooks are in :mod:`intranet_phonebook.plugin`; the search index and its
queries in :mod:`intranet_phonebook.search`.
"""

__version__ = "0.1.0"
