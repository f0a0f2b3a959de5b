"""A group's files, in folders, with every version kept; and the group's picture.

The bytes are the core's uploads (``upload`` rows): this plugin only says
which upload is which version of which group file, and so who may fetch it.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_core.uploads.tables import Upload
from intranet_workgroups.groups.tables import Group

FOLDER_NAME_MAX = 120
FILE_NAME_MAX = 255
NOTE_MAX = 300


class Folder(Table, tablename="workgroups_folder"):
    """A folder of a group's files; ``parent`` NULL is the top."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    parent: ForeignKey[Folder] = ForeignKey(references="self", on_delete=OnDelete.cascade, null=True, default=None,
                                            index=True)
    name = Varchar(length=FOLDER_NAME_MAX)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class GroupFile(Table, tablename="workgroups_file"):
    """A file of a group: its name, where it is, and which of its versions is current."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    folder = ForeignKey(references=Folder, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    name = Varchar(length=FILE_NAME_MAX)
    version = Integer(default=1)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class FileVersion(Table, tablename="workgroups_file_version"):
    """One version of a file: the upload holding its bytes, who sent it and when."""

    id: Serial
    file = ForeignKey(references=GroupFile, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer()
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    uploaded_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    note = Varchar(length=NOTE_MAX, default="")
    created_at = Timestamptz()


class GroupImage(Table, tablename="workgroups_group_image"):
    """The picture shown for a group (one per group)."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, unique=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    updated_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    updated_at = Timestamptz()


TABLES = [Folder, GroupFile, FileVersion, GroupImage]
