"""Backups: ``intranet backup`` writes one archive of the database and the files; ``intranet restore`` loads it.

See :mod:`intranet_core.backup.service` for the archive's layout and how a
backup stays consistent while the site runs.
"""
