"""Group files in folders, their versions, and group pictures."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Upload(Table, tablename="upload"):
    pass


class Group(Table, tablename="workgroups_group"):
    pass


class Folder(Table, tablename="workgroups_folder"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    parent = ForeignKey(references="self", on_delete=OnDelete.cascade, null=True, default=None, index=True)
    name = Varchar(length=120)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class GroupFile(Table, tablename="workgroups_file"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    folder = ForeignKey(references=Folder, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    name = Varchar(length=255)
    version = Integer(default=1)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class FileVersion(Table, tablename="workgroups_file_version"):
    file = ForeignKey(references=GroupFile, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer()
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    uploaded_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    note = Varchar(length=300, default="")
    created_at = Timestamptz()


class GroupImage(Table, tablename="workgroups_group_image"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, unique=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    updated_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    updated_at = Timestamptz()


async def forwards():
    return tables_migration(
        ID, "workgroups_files", DESCRIPTION, [Folder, GroupFile, FileVersion, GroupImage],
        [
            "CREATE INDEX workgroups_file_listing ON workgroups_file (workgroup, folder, name, id)",
            "CREATE INDEX workgroups_folder_listing ON workgroups_folder (workgroup, parent, name, id)",
            "CREATE UNIQUE INDEX workgroups_file_version_number ON workgroups_file_version (file, number)",
        ],
    )
