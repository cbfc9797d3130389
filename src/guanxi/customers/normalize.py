"""Normalisation of customer data: codes, phones, emails, company and person names.

Pure functions, no Django and no database, so imports, APIs and forms share one definition
of "the same phone" or "the same company". They run once per row in imports of a million rows,
so every pattern is compiled and every lookup table built once, at import time.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

import phonenumbers

# pypinyin loads its character and phrase dictionaries when it is imported; importing it here,
# once per process, keeps that cost out of the per-row path.
from pypinyin import Style, lazy_pinyin

# --- Half-width ------------------------------------------------------------------------------

# U+FF01..U+FF5E are the full-width forms of ASCII "!".."~"; U+3000 is the ideographic space.
# A translate table touches only these, so CJK characters and CJK punctuation stay as they are.
_HALFWIDTH_TABLE: dict[int, int] = {0xFF01 + offset: 0x21 + offset for offset in range(94)}
_HALFWIDTH_TABLE[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Return `text` with full-width ASCII characters and the ideographic space made half-width.

    Guarantees: "１３８" -> "138", "ＡＢＣ" -> "ABC", "（" -> "(", "\\u3000" -> " ". Every other
    character, including CJK ideographs and CJK punctuation such as "。" and "、", is unchanged.
    """
    if text.isascii():
        return text
    return text.translate(_HALFWIDTH_TABLE)


# --- Unified social credit code (统一社会信用代码, GB 32100-2015) -----------------------------

# The 31 characters the standard allows, in the order that gives each its value (0..30).
# I, O, Z, S and V are left out because they are easily confused with 1, 0, 2, 5 and U.
_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_VALUES: dict[str, int] = {
    char: value for value, char in enumerate(_CREDIT_CODE_ALPHABET)
}
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
# Separators people type or paste inside a code: spaces and the dash family.
_CREDIT_CODE_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def normalize_credit_code(raw: str) -> str:
    """Return `raw` half-width, upper-case, without spaces or dashes.

    Guarantees only the spelling; whether the result is a valid code is
    `credit_code_is_valid`'s job, so an import can report the bad value as typed.
    """
    return _CREDIT_CODE_SEPARATORS_RE.sub("", to_halfwidth(raw)).upper()


def credit_code_is_valid(code: str) -> bool:
    """Return True when `code` is 18 characters of the GB 32100 alphabet with a correct check.

    Expects a normalised code (see `normalize_credit_code`): lower-case letters are refused.
    The check character is the one at value (31 - weighted sum mod 31) mod 31.
    """
    if not _CREDIT_CODE_RE.fullmatch(code):
        return False
    weighted_sum = sum(
        _CREDIT_CODE_VALUES[char] * weight
        for char, weight in zip(code[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    )
    expected = _CREDIT_CODE_ALPHABET[(31 - weighted_sum % 31) % 31]
    return code[17] == expected


# --- Phones ----------------------------------------------------------------------------------

_PHONE_PROBLEMS: dict[int, str] = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
}
# What people put between the digits of a number in a search box.
_PHONE_QUERY_SEPARATORS_RE = re.compile(r"[\s+\-()\[\].]+")
# China's country code as typed before a number: "+86" or "0086". A bare "86" is left alone;
# it is matched by the international digits, which are indexed too.
_PHONE_QUERY_CN_PREFIX_RE = re.compile(r"^\s*(?:\+\s*86|0086)")
_E164_RE = re.compile(r"\+[1-9][0-9]{1,14}")
_MIN_PHONE_QUERY_DIGITS = 3


# Chinese mobile numbers (most of what imports carry) are checked without a full phonenumbers
# parse: the metadata decides a CN mobile number's validity and national format within its
# first five digits (tests/customers/test_normalize.py checks every five-digit prefix against
# phonenumbers, so a metadata update that changes this fails loudly).
_PHONE_FAST_SEPARATORS_RE = re.compile(r"[\s\-().]+")
_CN_MOBILE_RE = re.compile(r"(?:\+86|0086)?(1[3-9]\d{9})")


@lru_cache(maxsize=8192)
def _cn_mobile_prefix(prefix5: str) -> tuple[bool, str]:
    """(valid, trunk prefix of the national form) for CN mobile numbers starting `prefix5`."""
    number = phonenumbers.parse(f"+86{prefix5}000000", None)
    if not phonenumbers.is_valid_number(number):
        return False, ""
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(char for char in national if char.isdigit())
    return True, digits[: len(digits) - 11]


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Return the number in `raw` as E.164 ("+8613812345678"), or raise ValueError.

    Numbers without a country code are read as numbers of `default_region` (ISO 3166 code);
    "0086" works as the international prefix for CN. Full-width digits, spaces, dashes and
    parentheses are accepted. The number must be valid for its country according to
    phonenumbers' metadata, not just of a possible length. An extension, if typed, is dropped:
    E.164 has no place for it.
    """
    text = to_halfwidth(raw).strip()
    if not text:
        raise ValueError("Phone number is empty.")
    compact = _PHONE_FAST_SEPARATORS_RE.sub("", text)
    mobile = _CN_MOBILE_RE.fullmatch(compact)
    if (
        mobile
        and (default_region == "CN" or compact[:1] in "+0")
        and _cn_mobile_prefix(mobile.group(1)[:5])[0]
    ):
        return "+86" + mobile.group(1)
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"Not a phone number: {raw!r}.") from error
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in _PHONE_PROBLEMS:
        raise ValueError(f"Not a phone number: {raw!r} ({_PHONE_PROBLEMS[reason]}).")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"Not a valid phone number: {raw!r} (no such number range).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def phone_display(e164: str, region: str = "CN") -> str:
    """A stored E.164 number as people write it: in the national form when it belongs to
    `region` (the workspace's: "138 1234 5678", "0591 8765 4321"), else internationally
    ("+1 415-555-2671"). Anything that does not parse (a masked number) comes back as is."""
    if not (e164.startswith("+") and e164[1:].isdigit()):
        return e164
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_possible_number(number):
        return e164
    own = phonenumbers.region_code_for_number(number) == region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def phone_search_digits(e164: str) -> str:
    """Return the digits a substring search on this number runs against.

    Two space-separated forms: the international digits ("8613812345678") and the digits of
    the national form, with the trunk prefix where the country dials one ("13812345678",
    "01088886666" for a Beijing landline). So any fragment a person would type, with or
    without the country code or the leading 0, is a substring. Raises ValueError when
    `e164` is not an E.164 string.
    """
    if not _E164_RE.fullmatch(e164):
        raise ValueError(f"Not an E.164 phone number: {e164!r}.")
    if len(e164) == 14 and e164.startswith("+861"):
        valid, trunk = _cn_mobile_prefix(e164[3:8])
        if valid:
            return f"{e164[1:]} {trunk}{e164[3:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"Not an E.164 phone number: {e164!r}.") from error
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    national_digits = "".join(char for char in national if char.isdigit())
    return f"{e164[1:]} {national_digits}"


def phone_query_digits(query: str) -> str:
    """Return the digits to look for in `phone_search_digits` values for a search-box query.

    Drops "+", spaces, dashes, dots, brackets and a leading "+86"/"0086" (the national form
    is indexed too, so the rest still matches). Returns "" when the query holds anything else
    (letters, "#") or fewer than 3 digits, because such a query is not a phone fragment and
    would match nearly every row.
    """
    text = to_halfwidth(query)
    text = _PHONE_QUERY_CN_PREFIX_RE.sub("", text)
    digits = _PHONE_QUERY_SEPARATORS_RE.sub("", text)
    if not digits.isdigit() or not digits.isascii() or len(digits) < _MIN_PHONE_QUERY_DIGITS:
        return ""
    return digits


# --- Email -----------------------------------------------------------------------------------

_EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on a forward path
_EMAIL_LOCAL_MAX_LENGTH = 64


def normalize_email(raw: str) -> str:
    """Return `raw` stripped, half-width and case-folded, or raise ValueError.

    A plausibility check, not RFC 5322: at most 254 characters, no whitespace, exactly one
    "@", a local part of 1-64 characters and a domain of at least two non-empty dot-separated
    labels. Non-ASCII (internationalised) addresses are allowed. Case-folding the local part
    is technically lossy, but no mail provider a customer uses treats case as significant,
    and duplicates differing only in case are the common mistake.
    """
    email = to_halfwidth(raw).strip().casefold()
    if not email:
        raise ValueError("Email address is empty.")
    if len(email) > _EMAIL_MAX_LENGTH:
        raise ValueError(f"Email address is longer than {_EMAIL_MAX_LENGTH} characters.")
    if any(char.isspace() for char in email):
        raise ValueError(f"Email address contains a space: {raw!r}.")
    if email.count("@") != 1:
        raise ValueError(f"Email address needs exactly one @: {raw!r}.")
    local, domain = email.split("@")
    if not local or len(local) > _EMAIL_LOCAL_MAX_LENGTH:
        raise ValueError(f"Email address has no valid name before the @: {raw!r}.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise ValueError(f"Email address has no valid domain after the @: {raw!r}.")
    return email


# --- Company names (查重) --------------------------------------------------------------------

# The 34 provincial-level divisions, each with its full administrative name.
_PROVINCIAL_NAMES: dict[str, str] = {
    "北京": "北京市",
    "天津": "天津市",
    "上海": "上海市",
    "重庆": "重庆市",
    "河北": "河北省",
    "山西": "山西省",
    "辽宁": "辽宁省",
    "吉林": "吉林省",
    "黑龙江": "黑龙江省",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "安徽": "安徽省",
    "福建": "福建省",
    "江西": "江西省",
    "山东": "山东省",
    "河南": "河南省",
    "湖北": "湖北省",
    "湖南": "湖南省",
    "广东": "广东省",
    "海南": "海南省",
    "四川": "四川省",
    "贵州": "贵州省",
    "云南": "云南省",
    "陕西": "陕西省",
    "甘肃": "甘肃省",
    "青海": "青海省",
    "台湾": "台湾省",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
# The largest cities below provincial level. 长春 is left out on purpose: "长春藤" (ivy) is a
# common trade name, and stripping "长春" from it would merge unrelated companies.
_MAJOR_CITIES = [
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "青岛",
    "大连",
    "宁波",
    "厦门",
    "长沙",
    "郑州",
    "济南",
    "沈阳",
    "哈尔滨",
    "合肥",
    "福州",
    "昆明",
    "东莞",
    "佛山",
    "无锡",
]
_REGION_NAMES: frozenset[str] = frozenset(
    [*_PROVINCIAL_NAMES, *_PROVINCIAL_NAMES.values()]
    + [*_MAJOR_CITIES, *(city + "市" for city in _MAJOR_CITIES)]
    + [name + "省" for name in ("内蒙古", "广西", "西藏", "宁夏", "新疆")]
)
# Inside brackets a region is always a marker ("字节跳动科技(北京)有限公司"); these extra
# spellings only count there, never as a prefix.
_BRACKETED_REGION_NAMES: frozenset[str] = _REGION_NAMES | frozenset(
    (
        "中国",
        "中国大陆",
        "大陆",
        "亚太",
        "china",
        "prc",
        "mainland china",
        "greater china",
        "hong kong",
        "hongkong",
        "hk",
        "macau",
        "macao",
        "taiwan",
        "asia",
        "asia pacific",
        "beijing",
        "shanghai",
        "tianjin",
        "chongqing",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "nanjing",
        "suzhou",
        "chengdu",
        "wuhan",
        "xi'an",
        "xian",
        "qingdao",
        "xiamen",
    )
)


def _alternation(words: frozenset[str]) -> str:
    # Longest first, so "北京市" wins over "北京" and "广西壮族自治区" over "广西".
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# Matched after NFKC, which has already turned full-width brackets into ASCII ones.
_BRACKETED_REGION_RE = re.compile(
    r"[(\[【〔]\s*(?:" + _alternation(_BRACKETED_REGION_NAMES) + r")\s*[)\]】〕]"
)
_LEADING_REGION_RE = re.compile(r"^(?:" + _alternation(_REGION_NAMES) + r")")
# Runs of letters and digits; everything else (whitespace, ASCII and CJK punctuation,
# symbols) separates words and disappears from the key.
_WORD_RE = re.compile(r"[^\W_]+")
# Legal forms written as separate words; tokenising first keeps "zinc" from losing "inc".
_LATIN_LEGAL_FORMS: frozenset[str] = frozenset(
    [
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "gmbh",
        "plc",
        "pte",
        "pty",
    ]
)
# Legal forms glued to the name. 分公司 (a branch) is a record of its own, so 公司 preceded
# by 分 is not a legal form here.
_CJK_LEGAL_FORM_RE = re.compile(
    r"(?<!分)(?:股份有限公司|有限责任公司|集团有限公司|股份公司|有限公司|有限合伙|普通合伙|集团|公司)$"
)
# Industry words that, with a region in front, make up a whole name: "北京银行",
# "四川航空", "上海交通大学". When nothing but such words would remain after removing the
# region, the region is the distinguishing part and is kept.
_GENERIC_NAME_WORDS: frozenset[str] = frozenset(
    [
        "银行",
        "农商银行",
        "商业银行",
        "农村商业银行",
        "证券",
        "保险",
        "人寿",
        "财险",
        "信托",
        "期货",
        "基金",
        "租赁",
        "航空",
        "机场",
        "地铁",
        "铁路",
        "公交",
        "交通",
        "港务",
        "电力",
        "电网",
        "燃气",
        "水务",
        "热力",
        "电信",
        "移动",
        "联通",
        "广电",
        "城投",
        "城建",
        "建设",
        "建工",
        "投资",
        "控股",
        "发展",
        "实业",
        "国际",
        "科技",
        "技术",
        "信息",
        "网络",
        "软件",
        "电子",
        "通信",
        "贸易",
        "商贸",
        "物流",
        "医药",
        "医院",
        "人民医院",
        "大学",
        "学院",
        "中学",
        "小学",
        "教育",
        "培训",
        "文化",
        "传媒",
        "出版",
        "日报",
        "电视台",
        "置业",
        "地产",
        "房地产",
        "农业",
        "能源",
        "化工",
        "食品",
        "汽车",
        "钢铁",
        "机械",
        "环保",
        "咨询",
        "服务",
        "管理",
        "旅游",
        "酒店",
        "百货",
        "商业",
    ]
)
_GENERIC_NAME_TAIL_RE = re.compile(r"(?:" + _alternation(_GENERIC_NAME_WORDS) + r")$")
_MIN_NAME_AFTER_REGION = 2


def _strip_legal_forms(words: list[str]) -> list[str]:
    # Repeated, because forms stack: "集团股份有限公司", "Co., Ltd.". Never strips the
    # last remaining word to nothing: a company called "集团" keeps a key.
    while words:
        last = words[-1]
        if last in _LATIN_LEGAL_FORMS:
            if len(words) == 1:
                break
            words.pop()
            continue
        match = _CJK_LEGAL_FORM_RE.search(last)
        if match is None:
            break
        if match.start() > 0:
            words[-1] = last[: match.start()]
        elif len(words) > 1:
            words.pop()
        else:
            break
    return words


def _has_own_name(rest: str) -> bool:
    # True when `rest` still has a trade name (字号) once trailing industry words are removed.
    while True:
        shorter = _GENERIC_NAME_TAIL_RE.sub("", rest)
        if shorter == rest:
            return len(rest) >= _MIN_NAME_AFTER_REGION
        rest = shorter


def _strip_leading_regions(key: str) -> str:
    # Repeated for "广东省深圳市…"; stops before the region becomes the only distinguishing part.
    while match := _LEADING_REGION_RE.match(key):
        rest = key[match.end() :]
        if not _has_own_name(rest):
            break
        key = rest
    return key


def company_key(name: str) -> str:
    """Return the duplicate-check key for a company name: equal keys, probably the same company.

    Guarantees: NFKC (so full-width forms match), case-folded, only letters and digits left.
    Region markers in brackets are removed anywhere ("(中国)", "（北京）", "(China)"); legal
    forms are removed from the end, repeatedly (有限公司, 股份有限公司, 集团, Co., Ltd.,
    Limited, Inc, Corp, LLC, GmbH, PLC …) but 分公司 is kept, as a branch is its own record.
    A leading province or big-city name is removed (北京字节跳动科技 -> 字节跳动科技) unless
    only industry words would remain (北京银行 keeps its region). A region word without
    brackets anywhere else is part of the name: "阿里巴巴 中国 有限公司" -> "阿里巴巴中国",
    as "Bank of China" shows that cannot be told from a marker; `company_similarity` finds
    such near misses. An empty or all-punctuation name gives "".
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _BRACKETED_REGION_RE.sub(" ", text)
    words = _strip_legal_forms(_WORD_RE.findall(text))
    return _strip_leading_regions("".join(words))


def company_similarity(a_key: str, b_key: str) -> float:
    """Return how alike two `company_key` values are, from 0.0 (nothing shared) to 1.0 (equal).

    The difflib ratio 2*M/T, where M is the number of characters in matching blocks and T
    the total length of both keys: "华为技术" vs "华为终端" is 0.5. Symmetric (the arguments
    are ordered before comparing, as difflib's ratio can differ by argument order). 0.0 when
    either key is empty. Cost grows with the product of the lengths; fine for names, but
    compare candidates found by an index, not every pair of a table.
    """
    if not a_key or not b_key:
        return 0.0
    if a_key == b_key:
        return 1.0
    first, second = sorted((a_key, b_key))
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


# --- Person names ----------------------------------------------------------------------------

# Han ideographs: the unified block, extension A, compatibility ideographs, extensions B-H,
# and 〇 (used as a digit in names and addresses).
_HAN_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN_CHARS}]")
_HAN_RUN_RE = re.compile(f"[{_HAN_CHARS}]+")
_WHITESPACE_RE = re.compile(r"\s+")
# The interpunct of transliterated and minority names ("约翰·史密斯", "阿沛·阿旺晋美").
_INTERPUNCT_RE = re.compile(r"[·•‧・]")

# Compound surnames (复姓) and their surname readings, one syllable per character.
_COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "长孙": ("zhang", "sun"),
    "宇文": ("yu", "wen"),
    "司徒": ("si", "tu"),
    "夏侯": ("xia", "hou"),
    "轩辕": ("xuan", "yuan"),
    "令狐": ("ling", "hu"),
    "钟离": ("zhong", "li"),
    "澹台": ("tan", "tai"),
    "万俟": ("mo", "qi"),
    "南宫": ("nan", "gong"),
    "西门": ("xi", "men"),
    "东郭": ("dong", "guo"),
    "端木": ("duan", "mu"),
    "呼延": ("hu", "yan"),
    "赫连": ("he", "lian"),
    "闻人": ("wen", "ren"),
    "公羊": ("gong", "yang"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "申屠": ("shen", "tu"),
    "司空": ("si", "kong"),
    "拓跋": ("tuo", "ba"),
    "百里": ("bai", "li"),
    "鲜于": ("xian", "yu"),
    "闾丘": ("lv", "qiu"),
    "太史": ("tai", "shi"),
    "左丘": ("zuo", "qiu"),
    "乐正": ("yue", "zheng"),
    "子车": ("zi", "ju"),
    "宗政": ("zong", "zheng"),
    "公冶": ("gong", "ye"),
    "第五": ("di", "wu"),
}
# Single-character surnames whose surname reading is not the reading pypinyin picks for the
# character on its own (曾 is "ceng" in 曾经 but "zeng" as a surname).
_SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "秘": "bi",
    "种": "chong",
    "能": "nai",
    "员": "yun",
    "召": "shao",
    "句": "gou",
    "阚": "kan",
    "繁": "po",
    "藏": "zang",
    "折": "she",
    "卜": "bu",
    "薄": "bo",
    "洗": "xian",
    "莘": "xin",
    "祭": "zhai",
    "黑": "he",
    "澹": "tan",
    "隗": "wei",
}
_MIN_LENGTH_FOR_COMPOUND_SURNAME = 3  # "欧阳" alone is 欧 + 阳, not a surname without a name


def is_chinese(text: str) -> bool:
    """Return True when more than half of the letters and digits in `text` are Han ideographs.

    Spaces and punctuation are not counted: "张 三" and "阿沛·阿旺晋美" are Chinese, "李Lily"
    (one ideograph in five letters) is not. An empty string is not Chinese.
    """
    letters = [char for char in text if char.isalnum()]
    if not letters:
        return False
    han_count = sum(1 for char in letters if _HAN_RE.match(char))
    return han_count * 2 > len(letters)


def _chinese_family_name(name: str) -> str:
    # `name` is a Chinese name without spaces.
    if len(name) >= _MIN_LENGTH_FOR_COMPOUND_SURNAME and name[:2] in _COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def split_person_name(name: str) -> tuple[str, str]:
    """Return (family_name, given_name) for a person's name as typed.

    - "Smith, John" (any script): the part before the comma is the family name.
    - Chinese: the family name comes first; a known compound surname (欧阳, 司马, 诸葛 …) is
      taken whole when the name has 3 or more characters, otherwise the first character.
      A space typed inside a Chinese name is trusted as the boundary ("欧阳 娜娜").
      A name with an interpunct ("约翰·史密斯") has no reliable order: ("", name).
    - Latin: the last word is the family name ("John Smith" -> ("Smith", "John")); a single
      word is a given name ("", "Madonna").
    - Both ("Li Ming 李明"): the Chinese name is split, as above (("李", "明")).
    Whitespace is collapsed and full-width forms made half-width; case is kept.
    """
    text = _WHITESPACE_RE.sub(" ", to_halfwidth(name)).strip()
    if not text:
        return ("", "")
    if "," in text:
        # Half-width already turned "，" into ",".
        family, _, given = text.partition(",")
        return (family.strip(), given.strip())
    words = text.split(" ")
    han_words = [word for word in words if is_chinese(word)]
    if han_words and len(han_words) < len(words):
        # Both a Chinese and a Latin name ("Li Ming 李明", "王芳 Fang Wang"): the Chinese one
        # says which part is the family name.
        return split_person_name(" ".join(han_words))
    if is_chinese(text):
        if _INTERPUNCT_RE.search(text):
            return ("", text)
        if " " in text:
            family, _, given = text.partition(" ")
            return (family, given.replace(" ", ""))
        family = _chinese_family_name(text)
        return (family, text[len(family) :])
    if " " not in text:
        return ("", text)
    given, _, family = text.rpartition(" ")
    return (family, given)


# --- Pinyin ----------------------------------------------------------------------------------


def _han_syllables(run: str) -> list[str]:
    return list(_han_run_syllables(run))


@lru_cache(maxsize=65536)
def _han_run_syllables(run: str) -> tuple[str, ...]:
    # Whole runs go to pypinyin so its phrase dictionary can pick readings ("重庆" -> chong).
    # Style.NORMAL: no tones, "ü" as "v" ("吕" -> "lv"), as people type it. Cached by run:
    # whole names rarely repeat in an import of a million contacts, but given names and
    # surnames do, and pypinyin costs ~100 µs a call.
    return tuple(syllable.lower() for syllable in lazy_pinyin(run, style=Style.NORMAL))


def _surname_syllables(han_run: str) -> tuple[list[str], str]:
    # Returns the surname's syllables and the rest of the run. The surname is always read on
    # its own, so no phrase of pypinyin's dictionary spans the surname and the given name.
    family = _chinese_family_name(han_run)
    if family in _COMPOUND_SURNAMES:
        return (list(_COMPOUND_SURNAMES[family]), han_run[2:])
    if family in _SURNAME_READINGS:
        return ([_SURNAME_READINGS[family]], han_run[1:])
    return (_han_syllables(family), han_run[1:])


def _add_non_han(segment: str, syllables: list[str], initials: list[str]) -> None:
    # Latin letters and digits are kept as words: all of them in the full key, their first
    # character in the initials ("Lily" -> "lily", "l"). Punctuation and spaces are dropped.
    for word in _WORD_RE.findall(segment.lower()):
        syllables.append(word)
        initials.append(word[0])


@lru_cache(maxsize=65536)
def _pinyin_keys_cached(text: str, person: bool) -> tuple[str, str]:
    syllables: list[str] = []
    initials: list[str] = []
    text = to_halfwidth(text).strip()
    position = 0
    for match in _HAN_RUN_RE.finditer(text):
        _add_non_han(text[position : match.start()], syllables, initials)
        run_syllables: list[str] = []
        run = match.group()
        # A surname only counts at the very start: "Lily李" is not 李 as a family name.
        if person and match.start() == 0:
            run_syllables, run = _surname_syllables(run)
        if run:
            run_syllables += _han_syllables(run)
        syllables.extend(run_syllables)
        initials.extend(syllable[:1] for syllable in run_syllables)
        position = match.end()
    _add_non_han(text[position:], syllables, initials)
    return ("".join(syllables), "".join(initials))


def pinyin_keys(text: str, *, person: bool = False) -> tuple[str, str]:
    """Return (full pinyin, initials) of `text` for search, lower-case, without tones or spaces.

    "张三" -> ("zhangsan", "zs"), "欧阳娜娜" -> ("ouyangnana", "oynn"). "ü" is written "v"
    ("吕" -> "lv"). Non-Chinese words are kept lower-cased in the full key and contribute
    their first character to the initials: "李Lily" -> ("lilily", "ll"), "ABC科技" ->
    ("abckeji", "akj"); punctuation and spaces are dropped. Ideographs pypinyin has no reading
    for are kept as they are.

    With person=True the text is read as a personal name: the surname at the start takes
    its surname reading (曾 zeng not ceng, 单 shan, 尉迟 yuchi, 万俟 moqi …). Results are
    cached, as the same names recur throughout an import.
    """
    return _pinyin_keys_cached(text, person)
