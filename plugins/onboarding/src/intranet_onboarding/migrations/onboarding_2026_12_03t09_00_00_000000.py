"""Files handed in for "document" steps."""

from piccolo.columns import ForeignKey, OnDelete, Timestamptz
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-12-03T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Upload(Table, tablename="upload"):
    pass


class FlowStep(Table, tablename="onboarding_step"):
    pass


class StepFile(Table, tablename="onboarding_step_file"):
    step = ForeignKey(references=FlowStep, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


async def forwards():  # type: ignore[no-untyped-def]
    return tables_migration(ID, "onboarding", DESCRIPTION, [StepFile])
