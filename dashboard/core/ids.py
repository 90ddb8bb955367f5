"""Component ids of the page, in one place so layout, callbacks and tests agree."""

URL = "url"
STATE = "state"
LANG_STORE = "lang-store"
LANG_APPLIED = "lang-applied"
DATA_VERSION = "data-version"
DB_ERROR = "db-error"
NOTICE = "notice"
VINTAGE_BANNER = "vintage-banner"
DB_ALERT = "db-alert"
RETRY = "retry-interval"

# Filters
MONTH = "filter-month"
METRIC = "filter-metric"
REGION = "filter-region"
DEPARTMENT = "filter-department"
FAMILY = "filter-family"
METIER = "filter-metier"
POSTE = "filter-poste"
CHANGE = "filter-change"
FRAGILE = "filter-fragile"
RESET = "reset-selection"
LANG_FR = "lang-fr"
LANG_EN = "lang-en"

# Content
MAP = "map"
MAP_TABLE = "map-table"
MAP_TABLE_SORT = "map-table-sort"
MAP_SIGNATURE = "map-signature"
PANEL_KEYS = "panel-keys"  # what each content panel shows now, to skip those a change leaves
DEFERRED_FIGURES = "deferred-figures"  # first-screen charts below the fold, drawn when seen
KEY_FIGURES = "key-figures"
BREAKDOWN = "breakdown"
BREAKDOWN_REGION = "breakdown-region"
TREND = "trend"
TOP_JOBS = "top-jobs"
TOP_JOBS_SORT = "top-jobs-sort"
TOP_JOBS_CAPTION = "top-jobs-caption"
SELECTION_SUMMARY = "selection-summary"
METHODOLOGY = "methodology"
DEMO_BADGE = "demo-badge"

# Downloads
DOWNLOAD_CSV_BUTTON = "download-csv-button"
DOWNLOAD_CSV = "download-csv"

# Decision tools
TOOLS = "tools"
CHANGES = "changes-summary"
CHANGES_NOTE = "changes-note"
SIM_PLAN = "sim-plan"
SIM_RESULT = "sim-result"
SIM_GRAPH = "sim-graph"
SIM_CHART = "sim-chart"  # holds SIM_GRAPH once there is a simulation to draw
COMPARE = "compare-select"
COMPARE_ADD = "compare-add"
COMPARE_GRAPH = "compare-graph"
COMPARE_CHART = "compare-chart"  # holds COMPARE_GRAPH once two territories are chosen
REPORT_LINK = "report-link"

# Pages: the dashboard, and the printable report of one territory
DASHBOARD_PAGE = "dashboard-page"
REPORT_PAGE = "report-page"
REPORT_CONTENT = "report-content"
REPORT_PRINT = "report-print"
REPORT_BACK = "report-back"
REPORT_PRINTED = "report-printed"
PAGE_SWITCH = "page-switch"

TEXT_PREFIX = "txt-"


def text_id(key: str) -> str:
    """Id of a static text element whose content follows the language."""
    return f"{TEXT_PREFIX}{key}"
