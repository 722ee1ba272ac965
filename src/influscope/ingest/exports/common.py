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
    "reach": ["reach", "alcance", "覆盖人数", "触达人数", "觸及人數", "觸及", "الوصول"],
    "impressions": ["impressions", "impresiones", "展现量", "曝光量", "曝光次数", "曝光次數", "曝光", "مرات الظهور"],
    "title": ["video title", "título del video", "título", "title", "标题", "作品名称", "视频标题", "標題",
              "影片標題", "عنوان الفيديو", "العنوان", "content title", "内容", "內容"],
    "url": ["video link", "enlace del video", "link", "url", "链接", "作品链接", "视频链接", "連結", "影片連結",
            "الرابط", "رابط الفيديو"],
    "posted_at": ["post time", "video publish time", "publish time", "hora de publicación", "fecha de publicación",
                  "发布时间", "發佈時間", "發布時間", "وقت النشر", "تاريخ النشر"],
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


class ExportProblem(ValueError):
    def __init__(self, line: int, column: str, message: str):
        self.line, self.column = line, column
        super().__init__(message)


def decode(data: bytes) -> str:
    """UTF-16 (LE/BE, BOM) or UTF-8 (with or without BOM); UTF-16 without BOM is recognised by NULs."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        return data.decode("utf-16-le")
    return data.decode("utf-8")


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
    for cells in reader:
        line = start_line + reader.line_num - 1
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


def parse_count(value: Any) -> int | None:
    """A count from 1234, "1,234", "2.3w", "2.3萬", "1.2k", "1.5M", "١٢٣"; None for empty or hidden ("--").

    Raises ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(round(value))
    text = str(value)
    if text.isascii():
        if text.isdigit():  # the common case, fast
            return int(text)
    else:
        text = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS)
    text = text.strip()
    if not text or is_hidden(text):
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
        raise ValueError(f"not a count: {value!r}")
    return int((number * mult).to_integral_value())


def parse_number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii():
        try:
            return float(value)
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", str(value)).translate(_ARABIC_DIGITS).strip().replace(",", "")
    if not text or is_hidden(text):
        return None
    try:
        return float(text.rstrip("%"))
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


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
}


def parse_month_day(text: str) -> tuple[int, int] | None:
    """("August 31" | "31 de agosto" | "8月31日" | "31 أغسطس") -> (month, day); None when it is not one."""
    t = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS).strip().casefold().rstrip(".")
    m = re.fullmatch(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?", t)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"([^\d,]+?)\.?\s+(\d{1,2})", t)
    if m and m.group(1).strip() in MONTHS:
        return MONTHS[m.group(1).strip()], int(m.group(2))
    m = re.fullmatch(r"(\d{1,2})\s+(?:de\s+)?([^\d,]+?)\.?", t)
    if m and m.group(2).strip() in MONTHS:
        return MONTHS[m.group(2).strip()], int(m.group(1))
    return None


def parse_date(text: str) -> dt.date | None:
    """A full date: ISO (2025-06-01, 2025-06-01T00:00:00), 20250601, 2025/6/1, 2025年6月1日, "Jun 11, 2025",
    "11 jun 2025". None when TEXT has no year."""
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
    m = re.fullmatch(r"(.+?),?\s+(\d{4})(?:\s+.*)?", t)
    if m:
        md = parse_month_day(m.group(1))
        if md:
            return dt.date(int(m.group(2)), md[0], md[1])
    return None


def parse_datetime(text: str) -> dt.datetime | None:
    """A timestamp as naive UTC when it carries an offset, else as written."""
    t = unicodedata.normalize("NFKC", text).strip()
    try:
        value = dt.datetime.fromisoformat(t.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        day = parse_date(t)
        if day is None:
            return None
        m = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", t)
        return dt.datetime(day.year, day.month, day.day, *(int(g) for g in m.groups(default="0"))) if m else \
            dt.datetime(day.year, day.month, day.day)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class YearlessDates:
    """Dates without a year ("August 31"): the year comes from ``year`` (the year of the first row; a
    December -> January step moves to the next year) or from ``date_range`` (the year that puts the
    day inside the range)."""

    def __init__(self, year: int | None = None, date_range: tuple[dt.date, dt.date] | None = None):
        self.year, self.range = year, date_range
        self.prev: tuple[int, int] | None = None
        self.current = year

    def __call__(self, text: str) -> dt.date:
        full = parse_date(text)
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
        return dt.date(self.current, *md)
