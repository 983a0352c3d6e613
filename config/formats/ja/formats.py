"""Japanese formats: one date display everywhere (2026/02/06, 2026/02/06 14:05), as the seed shows.

Django's own ja formats mix 2026年2月6日 (DATE_FORMAT) with 2026/02/06 (SHORT_DATE_FORMAT);
Kokyaku uses the short one for both. crm/dates.py formats the same way for code that builds
text (format_date, format_datetime) and parses what users type (parse_date).
"""

DATE_FORMAT = "Y/m/d"
SHORT_DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = "Y/m/d H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
FIRST_DAY_OF_WEEK = 0  # Sunday, as Japanese calendars start

# The first input format is also how date inputs show their value (and how the calendar
# writes a picked date): YYYY/MM/DD. The others are accepted when typed; the admin's date
# fields go further through crm.dates.parse_date (19850401, 1985年4月1日, full-width digits).
DATE_INPUT_FORMATS = ["%Y/%m/%d", "%Y-%m-%d", "%Y.%m.%d", "%Y%m%d"]
DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
