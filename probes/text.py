"""The Chinese labels evaluators read, and the short durations they type.

Code, database columns and JSON use English ids; these are the words shown for them on the
pages, in the report and in the command line's tables.
"""

from __future__ import annotations

CHANNEL_ZH = {"pc": "电脑端", "mobile": "移动端"}

ITEM_ZH = {
    "availability": "可用性",
    "speed": "访问速度",
    "https": "安全连接",
    "mobile": "移动端适配",
    "accessibility": "无障碍",
}
