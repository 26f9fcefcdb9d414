"""The reports a marketing manager opens on Monday, as SQL aggregates over the store.

Every report takes a :class:`ReportFilter` and returns a :class:`Report` of named tables; the
command line (``calldesk report ...``) and the reports screen call these same functions.
"""

from calldesk.reports.export import export_report, neutralise
from calldesk.reports.forgotten import forgotten
from calldesk.reports.funnel import funnel
from calldesk.reports.hours import best_hours, trend
from calldesk.reports.returns import CostError, list_return, parse_amount, set_cost
from calldesk.reports.scope import GROUPINGS, Report, ReportFilter, Table
from calldesk.reports.scorecard import scorecard

__all__ = [
    "GROUPINGS",
    "CostError",
    "Report",
    "ReportFilter",
    "Table",
    "best_hours",
    "export_report",
    "forgotten",
    "funnel",
    "list_return",
    "neutralise",
    "parse_amount",
    "scorecard",
    "set_cost",
    "trend",
]
