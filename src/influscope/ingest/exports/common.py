"""Reading native export files: encodings (UTF-8, UTF-16 with BOM), Excel's ``sep=`` line, comment
lines, localised headers, yearless dates and counts written like "2.3w", "2.3萬", "1.2k" or "--".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

HIDDEN = {"--", "-", "—", "–", "n/a", "hidden", "隐藏", "隱藏", "不可见", "—-"}
# written by TikTok Studio for days before its data starts (and by spreadsheets for empty formulas)
UNDEFINED = {"undefined", "null", "nan", "#n/a"}

# canonical field -> header spellings (English, Spanish, Traditional and Simplified Chinese, Arabic)
ALIASES: dict[str, list[str]] = {
    "date": ["date", "fecha", "日期", "التاريخ"],
    "views": ["video views", "views", "total views", "visualizaciones", "visualizaciones totales",
              "visualizaciones de video", "vistas", "reproducciones", "播放量", "播放次数", "播放数", "观看次数",
              "視頻播放量", "播放次數", "觀看次數", "觀看次数", "影片觀看次數", "المشاهدات", "مشاهدات الفيديو",
              "عدد المشاهدات", "阅读数", "閱讀數", "阅读量", "閱讀量"],
    "profile_views": ["profile views", "visitas al perfil", "主页访问量", "个人主页访问量", "主頁瀏覽次數",
                      "個人檔案瀏覽次數", "مشاهدات الملف الشخصي"],
    "likes": ["likes", "total likes", "me gusta", "me gusta totales", "点赞", "点赞数", "点赞量", "获赞", "赞",
              "點讚數", "按讚數", "讚數", "喜歡", "الإعجابات", "تسجيلات الإعجاب"],
    "comments": ["comments", "total comments", "comentarios", "comentarios totales", "评论", "评论数", "评论量",
                 "評論數", "留言", "留言數", "التعليقات"],
    "shares": ["shares", "total shares", "veces compartido", "compartidos", "分享", "分享数", "分享次数", "转发",
               "转发数", "分享數", "分享次數", "轉發數", "轉發", "المشاركات", "مرات المشاركة"],
    "saves": ["saves", "guardados", "收藏", "收藏数", "收藏數", "الحفظ", "مرات الحفظ"],
    "followers": ["followers", "seguidores", "粉丝", "粉丝数", "粉丝量", "粉絲", "粉絲數", "追蹤者",
                  "المتابعون", "المتابعين"],
    "follower_change": ["difference in followers from previous day", "diferencia de seguidores respecto al día anterior",
                        "与前一天相比的粉丝差异", "粉丝变化", "與前一天相比的粉絲差異", "粉絲變化",
                        "الفرق في المتابعين عن اليوم السابق"],
    "reach": ["reach", "reached audience", "alcance", "覆盖人数", "触达人数", "觸及人數", "觸及", "الوصول"],
    "impressions": ["impressions", "impresiones", "展现量", "曝光量", "曝光次数", "曝光次數", "曝光", "مرات الظهور"],
    "title": ["video title", "título del video", "título", "title", "标题", "作品名称", "视频标题", "標題",
              "影片標題", "عنوان الفيديو", "العنوان", "content title", "内容", "內容", "description"],
    "url": ["video link", "enlace del video", "link", "url", "permalink", "链接", "作品链接", "视频链接", "連結", "影片連結",
            "الرابط", "رابط الفيديو"],
    "posted_at": ["post time", "video publish time", "publish time", "hora de publicación", "fecha de publicación",
                  "发布时间", "發佈時間", "發布時間", "وقت النشر", "تاريخ النشر"],
    "comments_added": ["comments added"],
    "avg_view_duration": ["average view duration"],
    "duration": ["duration", "duration (sec)"],
    "watch_time_hours": ["watch time (hours)", "tiempo de visualización (horas)", "观看时长（小时）",
                         "观看时长(小时)", "觀看時間 (小時)", "觀看時間（小時）", "وقت المشاهدة (بالساعات)"],
    "avg_watch_time_s": ["average watch time", "tiempo promedio de visualización", "平均观看时长", "平均觀看時間",
                         "平均觀看時長", "متوسط وقت المشاهدة"],
    "post_id": ["content", "video id", "post id", "id", "作品id", "视频id", "笔记id", "影片id", "貼文id",
                "معرف المنشور", "معرف الفيديو", "contenido"],
    "gender": ["gender", "género", "性别", "性別", "الجنس"],
    "distribution": ["distribution", "distribución", "占比", "分布", "比例", "分佈", "التوزيع"],
    "total_viewers": ["total viewers", "espectadores totales", "总观众", "總觀眾", "總觀眾人數", "إجمالي المشاهدين"],
    "new_viewers": ["new viewers", "espectadores nuevos", "新观众", "新觀眾", "المشاهدون الجدد"],
    "returning_viewers": ["returning viewers", "espectadores recurrentes", "回访观众", "回訪觀眾",
                          "المشاهدون العائدون"],
    "subscribers": ["subscribers", "suscriptores", "订阅人数", "訂閱人數", "المشتركون"],
    "coins": ["投币", "投幣", "投币数", "coins"],
    "danmaku": ["弹幕", "彈幕", "弹幕数", "danmaku"],
    "primary": ["primary", "principal", "主要", "الأساسي"],
    "website_clicks": ["website clicks"],
    "hour": ["hour", "hora", "小时", "小時", "الساعة"],
    "active_followers": ["active followers", "seguidores activos"],
    "territory": ["top territories", "principales territorios"],
}


def norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().strip('"').casefold()
    return re.sub(r"\s+", " ", text)


_LOOKUP = {norm_header(alias): name for name, aliases in ALIASES.items() for alias in aliases}


def canonical_header(text: str) -> str | None:
    return _LOOKUP.get(norm_header(text))


@dataclass
class Table:
    """A CSV file's header (canonical names where known) and rows with their line numbers."""

    file: str
    header: list[str]
    fields: list[str | None]
    rows: list[tuple[int, list[str]]]
    title: str | None = None  # a title line above the header (Instagram exports)
    comments: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return all(n in self.fields for n in names)

    def records(self):
        for line, cells in self.rows:
            yield line, {f: c.strip() for f, c in zip(self.fields, cells) if f}


@dataclass
class Reading:
    """What one file gave: rows read and stored, the columns used and ignored, and warnings."""

    rows_read: int = 0
    rows_stored: int = 0
    used: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def columns(self, header: list[str], used: set[str] | list[str]) -> None:
        """Record which of HEADER were used (the rest are ignored)."""
        used_set = set(used)
        self.used = [h for h in header if h in used_set]
        self.ignored = [h for h in header if h not in used_set and h.strip()]

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_read": self.rows_read, "rows_stored": self.rows_stored, "columns_used": list(self.used),
                "columns_ignored": list(self.ignored), "warnings": list(self.warnings)}


class ExportProblem(ValueError):
    def __init__(self, line: int, column: str, message: str):
        self.line, self.column = line, column
        super().__init__(message)


def decode(data: bytes) -> str:
    """UTF-16 (LE/BE, BOM) or UTF-8 (with or without BOM); UTF-16 without BOM is recognised by NULs.
    Anything else is refused at the line of its first undecodable byte (no code page is guessed: a
    wrong guess would change text silently)."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        return data.decode("utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:  # e.g. re-saved by a spreadsheet in a legacy code page (Excel for Mac)
        line = data[:exc.start].count(b"\n") + 1
        near = data[max(0, exc.start - 30):exc.start].split(b"\n")[-1].decode("utf-8", "replace")
        raise ExportProblem(line, "-", f"not UTF-8 text: byte 0x{data[exc.start]:02X} after {near!r}; was it "
                                       "re-saved by a spreadsheet in another encoding? Save it as CSV UTF-8 (or "
                                       "import the file as the platform exported it)") from None


def read_table(path: Path, text: str | None = None) -> Table:
    """Parse a CSV export: skips a ``sep=X`` line, ``#`` comment lines (GA4) and one title line before a
    header when the title line has a single cell and the next line has several (Instagram)."""
    text = decode(path.read_bytes()) if text is None else text
    lines = text.splitlines(keepends=True)
    i, delimiter, comments = 0, ",", []
    while i < len(lines):
        stripped = lines[i].strip().strip('"')
        if stripped.lower().startswith("sep=") and len(stripped) <= 5:
            delimiter = stripped[4:5] or ","
            i += 1
        elif stripped.startswith("#") or not stripped:
            comments.append(stripped.lstrip("# ").strip())
            i += 1
        else:
            break
    title = None
    if i + 1 < len(lines):
        first = next(csv.reader([lines[i]], delimiter=delimiter), [])
        second = next(csv.reader([lines[i + 1]], delimiter=delimiter), [])
        if len(first) == 1 and len(second) > 1:
            title, i = first[0].strip(), i + 1
    start_line = i + 1
    reader = csv.reader(io.StringIO("".join(lines[i:]), newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ExportProblem(start_line, "-", "no header line") from None
    rows = []
    before = reader.line_num
    for cells in reader:
        line, before = start_line + before, reader.line_num  # a quoted cell may span lines: its first line
        if not cells or all(not c.strip() for c in cells):
            continue
        rows.append((line, cells))
    return Table(path.name, header, [canonical_header(h) for h in header], rows, title, comments)


_MULT = {"w": 10_000, "万": 10_000, "萬": 10_000, "k": 1_000, "千": 1_000, "m": 1_000_000, "亿": 100_000_000,
         "億": 100_000_000, "b": 1_000_000_000}
_ARABIC_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                                **{chr(0x06F0 + i): str(i) for i in range(10)}, "٬": ",", "٫": "."})


def is_hidden(text: Any) -> bool:
    return isinstance(text, str) and text.strip().casefold() in HIDDEN


def is_undefined(text: Any) -> bool:
    return isinstance(text, str) and text.strip().casefold() in UNDEFINED


def missing_reason(text: Any) -> str:
    """Why a cell gave no value: hidden by the platform, not yet available, or empty."""
    if is_hidden(text):
        return "hidden in the export"
    if is_undefined(text):
        return "undefined in the export (no data for that day)"
    return "empty in the export"


def parse_net_count(value: Any) -> int | None:
    """A daily net change (likes minus unlikes, followers gained minus lost): may be negative."""
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if text.startswith("-") and len(text) > 1 and not is_hidden(text):
            n = parse_count(text[1:])
            return None if n is None else -n
        return parse_count(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return -parse_count(-value)  # type: ignore[operator]
    return parse_count(value)


def parse_count(value: Any) -> int | None:
    """A count from 1234, "1,234", "2.3w", "2.3萬", "1.2k", "1.5M", "١٢٣", "1.2E+05"; None for empty,
    hidden ("--") or undefined.

    Raises ValueError for anything else, a negative number, and a fraction without a multiplier
    ("12.5" is not a count; a spreadsheet's "48211.0" is)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            raise ValueError(f"not a count: {value!r}")
        return int(value)
    text = str(value)
    if text.isascii():
        if text.isdigit():  # the common case, fast
            return int(text)
    else:
        text = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS)
    text = text.strip()
    if not text or is_hidden(text) or is_undefined(text):
        return None
    text = text.replace(",", "").replace(" ", "").replace("\u202f", "").rstrip("+")
    mult = 1
    if text and text[-1].casefold() in _MULT:
        mult = _MULT[text[-1].casefold()]
        text = text[:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a count: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"not a count: {value!r}" + (" (negative)" if number.is_finite() and number < 0 else ""))
    scaled = number * mult
    if scaled != scaled.to_integral_value() and mult == 1:
        raise ValueError(f"not a count: {value!r} (a fraction)")
    return int(scaled.to_integral_value())


def parse_number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii():
        try:
            return float(value)
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", str(value)).translate(_ARABIC_DIGITS).strip().replace(",", "")
    if not text or is_hidden(text) or is_undefined(text):
        return None
    try:
        return float(text.rstrip("%").strip().replace("\u2212", "-"))
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def parse_duration(value: Any) -> float | None:
    """Seconds from "h:mm:ss", "m:ss" (YouTube Studio's Average view duration) or a plain number of
    seconds; None for empty, hidden or undefined."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or is_hidden(text) or is_undefined(text):
        return None
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)", text)
    if m:
        hours, minutes, seconds = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
        if minutes >= 60 or seconds >= 60:
            raise ValueError(f"not a duration: {value!r}")
        return hours * 3600 + minutes * 60 + seconds
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"not a duration (h:mm:ss): {value!r}") from None
    if number < 0:
        raise ValueError(f"not a duration: {value!r}")
    return number


MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                   "dec"], 1)},
    "sept": 9,
    **{m: i for i, m in enumerate(["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                   "septiembre", "octubre", "noviembre", "diciembre"], 1)},
    "setiembre": 9,
    **{m: i for i, m in enumerate(["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov",
                                   "dic"], 1)},
    **{m: i for i, m in enumerate(["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
                                   "أكتوبر", "نوفمبر", "ديسمبر"], 1)},
    **{m: i for i, m in enumerate(["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
                                   "تشرين الأول", "تشرين الثاني", "كانون الأول"], 1)},
    # Russian: the genitive of "31 августа", the nominative of "август 2025", and the abbreviations
    **{m: i for i, m in enumerate(["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                                   "сентября", "октября", "ноября", "декабря"], 1)},
    **{m: i for i, m in enumerate(["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                                   "сентябрь", "октябрь", "ноябрь", "декабрь"], 1)},
    **{m: i for i, m in enumerate(["янв", "февр", "мар", "апр", "мая", "июн", "июл", "авг", "сент", "окт", "нояб",
                                   "дек"], 1)},
    "фев": 2, "сен": 9, "ноя": 11,
    # Portuguese, French, German (the other languages TikTok Studio and YouTube Studio export in most)
    **{m: i for i, m in enumerate(["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
                                   "setembro", "outubro", "novembro", "dezembro"], 1)},
    **{m: i for i, m in enumerate(["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                   "septembre", "octobre", "novembre", "décembre"], 1)},
    "janv": 1, "févr": 2, "avr": 4, "juil": 7, "déc": 12,
    **{m: i for i, m in enumerate(["januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
                                   "september", "oktober", "november", "dezember"], 1)},
    "jän": 1, "mär": 3, "mrz": 3, "okt": 10, "dez": 12,
    **{f"tháng {m}": i for i, m in enumerate(["một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười",
                                              "mười một", "mười hai"], 1)},
}


def _month(word: str) -> int | None:
    return MONTHS.get(word.strip().rstrip(".").strip())


def parse_month_day(text: str) -> tuple[int, int] | None:
    """("August 31" | "31 de agosto" | "8月31日" | "31 أغسطس" | "31 августа" | "31. März") -> (month, day);
    None when it is not one."""
    t = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS).strip().casefold().rstrip(".")
    m = re.fullmatch(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?", t)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"([^\d,-]+?)\.?(?:\s+|-)(\d{1,2})", t)  # "August 31", "Aug-31"
    if m and _month(m.group(1)):
        return _month(m.group(1)), int(m.group(2))  # type: ignore[return-value]
    m = re.fullmatch(r"(\d{1,2})\.?(?:\s+(?:de\s+)?|-)([^\d,]+?)\.?", t)  # "31 de agosto", "31-Aug" (a re-save)
    if m and _month(m.group(2)):
        return _month(m.group(2)), int(m.group(1))  # type: ignore[return-value]
    return None


_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?=$|[T ,])")


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) == 2 else y


def day_order(texts) -> str | None:
    """The order of a file's numeric dates (13-06-2025, 6/13/2025): "dmy" when a first number is above
    12, "mdy" when a second one is, None when no date tells. Raises ValueError when both happen."""
    dmy = mdy = None
    for text in texts:
        m = _NUMERIC_DATE.match(unicodedata.normalize("NFKC", str(text)).strip())
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 and dmy is None:
            dmy = text
        if b > 12 and mdy is None:
            mdy = text
    if dmy and mdy:
        raise ValueError(f"dates are written both day-first ({dmy!r}) and month-first ({mdy!r})")
    return "dmy" if dmy else "mdy" if mdy else None


def parse_date(text: str, order: str | None = None) -> dt.date | None:
    """A full date: ISO (2025-06-01, 2025-06-01T00:00:00), 20250601, 2025/6/1, 2025年6月1日, "Jun 11, 2025",
    "11 jun 2025", "3-Jun-26", and numeric day-first or month-first dates (13-06-2025, 6/13/2025): ORDER
    ("dmy" or "mdy", see :func:`day_order`) decides when both numbers are 12 or less, and without it such a
    date raises ValueError. None when TEXT has no year."""
    if len(text) == 10 and text.isascii() and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    t = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ].*)?", t)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DATE.match(t)
    if m and (m.end() == len(t) or re.fullmatch(r"[T ,]+\d{1,2}:\d{2}(:\d{2})?(\s*[ap]\.?m\.?)?", t[m.end():], re.IGNORECASE)):
        a, b, year = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        if a > 12 or (order == "dmy" and b <= 12):
            return dt.date(year, b, a)
        if b > 12 or order == "mdy":
            return dt.date(year, a, b)
        raise ValueError(f"{text!r}: day and month cannot be told apart (no date in the file has a day above 12)")
    m = re.fullmatch(r"(\d{1,2})[-\s]([^\d\s,/-]+?)\.?[-\s,]+(\d{4}|\d{2})(?:[T ].*)?", t)  # 3-Jun-26, 13 июня 2025
    if m and _month(m.group(2).casefold()):
        return dt.date(_year(m.group(3)), _month(m.group(2).casefold()), int(m.group(1)))  # type: ignore[arg-type]
    m = re.fullmatch(r"(.+?)(?:,|\s+de)?\s+(\d{4})(?:\s+.*)?", t)
    if m:
        md = parse_month_day(m.group(1))
        if md:
            return dt.date(int(m.group(2)), md[0], md[1])
    m = re.fullmatch(r"(.+?)\s+г\.?", t)  # "13 июня 2025 г."
    if m:
        return parse_date(m.group(1), order)
    return None


def require_date(text: str, order: str | None = None) -> dt.date:
    day = parse_date(text, order)
    if day is None:
        raise ValueError(f"not a date: {text!r}")
    return day


def parse_datetime(text: str, order: str | None = None) -> dt.datetime | None:
    """A timestamp as naive UTC when it carries an offset, else as written (12-hour clock with am/pm too)."""
    t = unicodedata.normalize("NFKC", text).strip()
    try:
        value = dt.datetime.fromisoformat(t.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        day = parse_date(t, order)
        if day is None:
            return None
        m = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?m?\.?", t, re.IGNORECASE)
        if not m:
            return dt.datetime(day.year, day.month, day.day)
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if m.group(4):
            if not 1 <= hour <= 12:
                raise ValueError(f"not a time: {text!r}")
            hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
        return dt.datetime(day.year, day.month, day.day, hour, minute, second)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class YearlessDates:
    """Dates without a year ("August 31"): the year comes from ``year`` (the year of the first row; a
    December -> January step moves to the next year, a January -> December step back) or from
    ``date_range`` (the year that puts the day inside the range). A date after ``latest`` (default:
    tomorrow, UTC) is refused: an export never holds days in the future."""

    def __init__(self, year: int | None = None, date_range: tuple[dt.date, dt.date] | None = None,
                 latest: dt.date | None = None, order: str | None = None):
        self.year, self.range = year, date_range
        self.prev: tuple[int, int] | None = None
        self.current = year
        self.order = order
        self.latest = latest or (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1))

    def _check(self, day: dt.date, text: str) -> dt.date:
        if day > self.latest:
            raise ValueError(f"{text!r} would be {day}, in the future: check --year")
        return day

    def __call__(self, text: str) -> dt.date:
        full = parse_date(text, self.order)
        if full is not None:
            return full
        md = parse_month_day(text)
        if md is None:
            raise ValueError(f"not a date: {text!r}")
        if self.range:
            start, end = self.range
            for y in range(start.year, end.year + 1):
                try:
                    day = dt.date(y, *md)
                except ValueError:
                    continue
                if start <= day <= end:
                    return day
            raise ValueError(f"{text!r} is not inside {start}..{end}")
        if self.current is None:
            raise ValueError(f"{text!r} has no year: give the year (--year) or the date range")
        if self.prev is not None:
            if self.prev[0] == 12 and md[0] == 1:
                self.current += 1
            elif self.prev[0] == 1 and md[0] == 12:
                self.current -= 1
        self.prev = md
        return self._check(dt.date(self.current, *md), text)


TIKTOK_ID_MIN = 6_000_000_000_000_000_000  # ids below this (2018 and before) do not carry a time


def tiktok_id_time(video_id: str | None) -> dt.datetime | None:
    """The posting time a TikTok video id carries (its top 32 bits are Unix seconds), naive UTC."""
    if not video_id or not video_id.isdigit() or int(video_id) < TIKTOK_ID_MIN:
        return None
    seconds = int(video_id) >> 32
    if not 1_400_000_000 < seconds < 4_000_000_000:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)


def date_near(md: tuple[int, int], anchor: dt.date, text: str, slack: int = 1) -> dt.date:
    """The year of month/day MD that puts it within SLACK days of ANCHOR (a time zone apart); raises
    ValueError when no year does."""
    for y in (anchor.year, anchor.year - 1, anchor.year + 1):
        try:
            day = dt.date(y, *md)
        except ValueError:
            continue
        if abs((day - anchor).days) <= slack:
            return day
    raise ValueError(f"{text!r} does not match the video id's posting day {anchor}")
