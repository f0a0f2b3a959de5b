from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.feed.tables import (
    Acknowledgement,
    Post,
    PostAttachment,
    PostAudience,
    PostComment,
    PostReaction,
    PostSeen,
)

APP_CONFIG = AppConfig(
    app_name="core_feed",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Post, PostAudience, Acknowledgement, PostSeen, PostComment, PostReaction, PostAttachment],
    migration_dependencies=["intranet_core.people.piccolo_app", "intranet_core.uploads.piccolo_app"],
)
