"""Sync: graded leads and appointments leave calldesk for the CRM, the calendar and the field rep.

The public surface the command line and the sync screen use:

- targets: :func:`load_targets`, :func:`add_target`, :func:`remove_target`, :class:`Target`,
  secrets with :func:`set_secret` / :func:`get_secret` / :func:`delete_secret`;
- running: :func:`run_sync` (background-safe: ``stop`` event, ``progress`` callback);
- review: :func:`sync_status`, :func:`list_deliveries`, :func:`retry`, :func:`skip`;
- files: :func:`export_leads`, :func:`appointments_ics`, :func:`write_appointments_ics`.
"""

from calldesk.sync.config import (
    SyncConfigError,
    Target,
    add_target,
    config_path,
    load_targets,
    remove_target,
)
from calldesk.sync.deliveries import SyncError
from calldesk.sync.engine import SyncProgress, SyncReport, TargetReport, run_sync
from calldesk.sync.export import ExportCancelled, ExportResult, export_leads
from calldesk.sync.ics import appointments_ics, write_appointments_ics
from calldesk.sync.review import (
    DeliveryView,
    TargetStatus,
    list_deliveries,
    prepare_review,
    retry,
    skip,
    sync_status,
    target_status,
)
from calldesk.sync.secrets import delete_secret, get_secret, set_secret

__all__ = [
    "DeliveryView",
    "ExportCancelled",
    "ExportResult",
    "SyncConfigError",
    "SyncError",
    "SyncProgress",
    "SyncReport",
    "Target",
    "TargetReport",
    "TargetStatus",
    "add_target",
    "appointments_ics",
    "config_path",
    "delete_secret",
    "export_leads",
    "get_secret",
    "list_deliveries",
    "load_targets",
    "prepare_review",
    "remove_target",
    "retry",
    "run_sync",
    "set_secret",
    "skip",
    "sync_status",
    "target_status",
    "write_appointments_ics",
]
