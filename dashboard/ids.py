"""Component ids of the page, in one place so layout, callbacks and tests agree."""

URL = "url"
STATE = "state"
LANG_STORE = "lang-store"
LANG_APPLIED = "lang-applied"
DATA_VERSION = "data-version"
DB_ERROR = "db-error"
NOTICE = "notice"
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
RESET = "reset-selection"
LANG_FR = "lang-fr"
LANG_EN = "lang-en"

# Content
MAP = "map"
MAP_TABLE = "map-table"
MAP_SIGNATURE = "map-signature"
KEY_FIGURES = "key-figures"
BREAKDOWN = "breakdown"
BREAKDOWN_REGION = "breakdown-region"
TREND = "trend"
TOP_JOBS = "top-jobs"
TOP_JOBS_CAPTION = "top-jobs-caption"
SELECTION_SUMMARY = "selection-summary"
METHODOLOGY = "methodology"
DEMO_BADGE = "demo-badge"

# Downloads
DOWNLOAD_CSV_BUTTON = "download-csv-button"
DOWNLOAD_CSV = "download-csv"

TEXT_PREFIX = "txt-"


def text_id(key: str) -> str:
    """Id of a static text element whose content follows the language."""
    return f"{TEXT_PREFIX}{key}"
