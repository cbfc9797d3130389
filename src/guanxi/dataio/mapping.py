"""Which column of an import file goes into which field: the fields each object type imports,
the header names (English and Chinese) that suggest them, and the check of a mapping.

A mapping is {column header: target}, the target being a field name below, "custom.<key>" for a
custom field, or "" for a column that is not imported.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Membership
from guanxi.core.permissions import readonly_fields


@dataclass(frozen=True)
class Target:
    key: str
    label: Any
    # The field name roles hide or make read-only (role editor names).
    permission: str


ACCOUNT_TARGETS: tuple[Target, ...] = (
    Target("name", gettext_lazy("Name"), "name"),
    Target("credit_code", gettext_lazy("Unified social credit code"), "credit_code"),
    Target("industry", gettext_lazy("Industry"), "industry"),
    Target("size", gettext_lazy("Size"), "size"),
    Target("website", gettext_lazy("Website"), "website"),
    Target("phone", gettext_lazy("Phone"), "phone"),
    Target("other_phones", gettext_lazy("Other phones"), "other_phones"),
    Target("email", gettext_lazy("Email"), "email"),
    Target("other_emails", gettext_lazy("Other emails"), "other_emails"),
    Target("country", gettext_lazy("Country"), "country"),
    Target("province", gettext_lazy("Province"), "province"),
    Target("city", gettext_lazy("City"), "city"),
    Target("address", gettext_lazy("Street address"), "address"),
    Target("level", gettext_lazy("Customer level"), "level"),
    Target("stage", gettext_lazy("Lifecycle stage"), "stage"),
    Target("source", gettext_lazy("Source"), "source"),
    Target("owner", gettext_lazy("Owner (member email or name)"), "owner"),
    Target("tags", gettext_lazy("Tags"), "tags"),
    Target("description", gettext_lazy("Notes"), "description"),
)
CONTACT_TARGETS: tuple[Target, ...] = (
    Target("name", pgettext_lazy("person", "Name"), "name"),
    Target("family_name", gettext_lazy("Family name"), "name"),
    Target("given_name", gettext_lazy("Given name"), "name"),
    Target("account", gettext_lazy("Account (company name)"), "account"),
    Target("title", gettext_lazy("Job title"), "title"),
    Target("mobile", gettext_lazy("Mobile"), "mobile"),
    Target("phone", gettext_lazy("Phone"), "phone"),
    Target("other_phones", gettext_lazy("Other phones"), "other_phones"),
    Target("email", gettext_lazy("Email"), "email"),
    Target("other_emails", gettext_lazy("Other emails"), "other_emails"),
    Target("wechat", gettext_lazy("WeChat ID"), "wechat"),
    Target("birthday", gettext_lazy("Birthday"), "birthday"),
    Target("email_consent", gettext_lazy("Email marketing consent"), "email_consent"),
    Target("sms_consent", gettext_lazy("SMS marketing consent"), "sms_consent"),
    Target("source", gettext_lazy("Source"), "source"),
    Target("owner", gettext_lazy("Owner (member email or name)"), "owner"),
    Target("tags", gettext_lazy("Tags"), "tags"),
    Target("description", gettext_lazy("Notes"), "description"),
)
TARGETS = {"accounts": ACCOUNT_TARGETS, "contacts": CONTACT_TARGETS}
IMPORTABLE = tuple(TARGETS)

# Header words (normalized: see `header_key`) that suggest a field. Per object type where the same
# word means different fields: "公司" is an account's name but a contact's account.
_COMMON: dict[str, str] = {
    # phones
    "电话": "phone",
    "座机": "phone",
    "固定电话": "phone",
    "办公电话": "phone",
    "公司电话": "phone",
    "phone": "phone",
    "telephone": "phone",
    "tel": "phone",
    "workphone": "phone",
    "officephone": "phone",
    "phonenumber": "phone",
    "其他电话": "other_phones",
    "其它电话": "other_phones",
    "备用电话": "other_phones",
    "其他号码": "other_phones",
    "其他手机": "other_phones",
    "备用手机": "other_phones",
    "otherphone": "other_phones",
    "otherphones": "other_phones",
    "additionalphones": "other_phones",
    # email
    "邮箱": "email",
    "电子邮件": "email",
    "电子邮箱": "email",
    "邮件": "email",
    "email": "email",
    "mail": "email",
    "emailaddress": "email",
    "其他邮箱": "other_emails",
    "其它邮箱": "other_emails",
    "备用邮箱": "other_emails",
    "otheremail": "other_emails",
    "otheremails": "other_emails",
    "additionalemails": "other_emails",
    # places
    "省": "province",
    "省份": "province",
    "所在省份": "province",
    "province": "province",
    "state": "province",
    "市": "city",
    "城市": "city",
    "所在城市": "city",
    "city": "city",
    # notes
    "备注": "description",
    "说明": "description",
    "描述": "description",
    "notes": "description",
    "note": "description",
    "description": "description",
    "remarks": "description",
    "comments": "description",
    "comment": "description",
    # source, tags, owner
    "来源": "source",
    "客户来源": "source",
    "线索来源": "source",
    "source": "source",
    "leadsource": "source",
    "标签": "tags",
    "tags": "tags",
    "tag": "tags",
    "labels": "tags",
    "负责人": "owner",
    "所有人": "owner",
    "归属人": "owner",
    "跟进人": "owner",
    "销售": "owner",
    "销售负责人": "owner",
    "owner": "owner",
    "owneremail": "owner",
    "assignedto": "owner",
    "salesrep": "owner",
    "accountowner": "owner",
    "contactowner": "owner",
}
_ACCOUNT: dict[str, str] = {
    **_COMMON,
    "名称": "name",
    "公司": "name",
    "公司名称": "name",
    "客户": "name",
    "客户名称": "name",
    "企业名称": "name",
    "单位": "name",
    "单位名称": "name",
    "name": "name",
    "company": "name",
    "companyname": "name",
    "account": "name",
    "accountname": "name",
    "organization": "name",
    "organisation": "name",
    "统一社会信用代码": "credit_code",
    "社会信用代码": "credit_code",
    "信用代码": "credit_code",
    "creditcode": "credit_code",
    "unifiedsocialcreditcode": "credit_code",
    "uscc": "credit_code",
    "行业": "industry",
    "所属行业": "industry",
    "industry": "industry",
    "规模": "size",
    "公司规模": "size",
    "人员规模": "size",
    "size": "size",
    "companysize": "size",
    "employees": "size",
    "网址": "website",
    "官网": "website",
    "网站": "website",
    "公司网址": "website",
    "website": "website",
    "url": "website",
    "web": "website",
    "homepage": "website",
    "联系电话": "phone",
    "国家": "country",
    "country": "country",
    "地址": "address",
    "详细地址": "address",
    "公司地址": "address",
    "联系地址": "address",
    "address": "address",
    "street": "address",
    "streetaddress": "address",
    "级别": "level",
    "客户级别": "level",
    "客户等级": "level",
    "等级": "level",
    "level": "level",
    "rating": "level",
    "customerlevel": "level",
    "阶段": "stage",
    "客户阶段": "stage",
    "生命周期": "stage",
    "stage": "stage",
    "lifecyclestage": "stage",
}
_CONTACT: dict[str, str] = {
    **_COMMON,
    "姓名": "name",
    "名字": "name",
    "联系人": "name",
    "联系人姓名": "name",
    "客户姓名": "name",
    "name": "name",
    "fullname": "name",
    "contact": "name",
    "contactname": "name",
    "姓": "family_name",
    "姓氏": "family_name",
    "lastname": "family_name",
    "familyname": "family_name",
    "surname": "family_name",
    "名": "given_name",
    "firstname": "given_name",
    "givenname": "given_name",
    "公司": "account",
    "公司名称": "account",
    "客户名称": "account",
    "所属公司": "account",
    "所属客户": "account",
    "企业名称": "account",
    "单位": "account",
    "单位名称": "account",
    "company": "account",
    "companyname": "account",
    "account": "account",
    "accountname": "account",
    "organization": "account",
    "organisation": "account",
    "职位": "title",
    "职务": "title",
    "岗位": "title",
    "头衔": "title",
    "title": "title",
    "jobtitle": "title",
    "position": "title",
    "手机": "mobile",
    "手机号": "mobile",
    "手机号码": "mobile",
    "移动电话": "mobile",
    "联系电话": "mobile",
    "mobile": "mobile",
    "mobilephone": "mobile",
    "cell": "mobile",
    "cellphone": "mobile",
    "微信": "wechat",
    "微信号": "wechat",
    "wechat": "wechat",
    "weixin": "wechat",
    "wechatid": "wechat",
    "生日": "birthday",
    "出生日期": "birthday",
    "birthday": "birthday",
    "dateofbirth": "birthday",
    "dob": "birthday",
    "邮件营销同意": "email_consent",
    "邮件营销许可": "email_consent",
    "emailconsent": "email_consent",
    "emailmarketingconsent": "email_consent",
    "短信营销同意": "sms_consent",
    "短信营销许可": "sms_consent",
    "smsconsent": "sms_consent",
    "smsmarketingconsent": "sms_consent",
}
SYNONYMS = {"accounts": _ACCOUNT, "contacts": _CONTACT}
_BRACKETED = re.compile(r"[(\[【].*?[)\]】]")
_NOISE = re.compile(r"[\s_\-:：*（）()\[\]【】.·/]+")


def header_key(header: str) -> str:
    """A header as compared with the synonyms: half-width, case-folded, without notes in
    brackets, spaces or punctuation ("E-mail Address" → "emailaddress", "手机（必填）" → "手机")."""
    text = unicodedata.normalize("NFKC", header).casefold()
    # "手机(必填)", "Phone [work]", "Name (2)": what is in brackets is a note, not the name.
    text = _BRACKETED.sub("", text).strip() or text
    return _NOISE.sub("", text)


def custom_targets(custom_fields: list[Any]) -> list[Target]:
    return [Target(f"custom.{f.key}", f.label, "custom") for f in custom_fields]


def targets_for(object_type: str, custom_fields: list[Any]) -> list[Target]:
    return [*TARGETS[object_type], *custom_targets(custom_fields)]


@functools.cache
def export_headers(object_type: str) -> dict[str, str]:
    """The headers Guanxi's own exports write, in every language, → the field each one fills:
    an exported file imports back without mapping by hand ("客户", "Owner", "Email marketing
    consent"…)."""
    from .services.exports import CATALOG

    targets = {t.key for t in TARGETS[object_type]}
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in CATALOG[object_type].values():
                if column.key in targets:
                    found.setdefault(header_key(str(column.label)), column.key)
    return found


def guess(object_type: str, headers: list[str], custom_fields: list[Any]) -> dict[str, str]:
    """{header: target} from the header names; each target at most once (the first column that
    suggests it wins), "" where nothing fits. Custom fields match by label or key."""
    synonyms = {**export_headers(object_type), **SYNONYMS[object_type]}
    customs: dict[str, str] = {}
    for field in custom_fields:
        customs.setdefault(header_key(field.label), f"custom.{field.key}")
        customs.setdefault(header_key(field.key), f"custom.{field.key}")
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for header in headers:
        key = header_key(header)
        target = customs.get(key) or synonyms.get(key) or ""
        if target and target in taken:
            target = ""
        if target:
            taken.add(target)
        mapping[header] = target
    return mapping


def apply_template(
    headers: list[str], template: dict[str, str], guessed: dict[str, str]
) -> dict[str, str]:
    """A saved template's choices for the headers it knows (matched exactly, then loosely),
    the guess for the others; each target still at most once."""
    by_key = {header_key(h): t for h, t in template.items()}
    result: dict[str, str] = {}
    for header in headers:
        if header in template:
            result[header] = template[header]
        elif header_key(header) in by_key:
            result[header] = by_key[header_key(header)]
    taken = {t for t in result.values() if t}
    for header in headers:
        if header not in result:
            target = guessed.get(header, "")
            result[header] = "" if target in taken else target
            if target:
                taken.add(target)
    return {header: result[header] for header in headers}


def check(
    *,
    actor: Membership,
    object_type: str,
    headers: list[str],
    mapping: Any,
    custom_fields: list[Any],
) -> dict[str, str]:
    """The mapping cleaned (every header present, in file order), or ValidationFailed naming
    what is wrong: unknown headers or fields, a field chosen twice, no name column, or fields
    the member's role may not change."""
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()
    ):
        raise ValidationFailed(
            fields={"mapping": [_("Send an object of column names and field names.")]}
        )
    known = {t.key: t for t in targets_for(object_type, custom_fields)}
    errors: dict[str, list[str]] = {}
    unknown_headers = sorted(set(mapping) - set(headers))
    if unknown_headers:
        errors["mapping"] = [
            _("The file has no column named %(names)s.")
            % {"names": ", ".join(f"“{h}”" for h in unknown_headers)}
        ]
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for header in headers:
        target = (mapping.get(header) or "").strip()
        if target and target not in known:
            errors.setdefault(f"mapping.{header}", []).append(
                _("There is no field “%(field)s” to import into.") % {"field": target}
            )
            target = ""
        if target and target in used:
            errors.setdefault(f"mapping.{header}", []).append(
                _("“%(field)s” is already filled from the column “%(other)s”.")
                % {"field": known[target].label, "other": used[target]}
            )
            target = ""
        if target:
            used[target] = header
        cleaned[header] = target
    names = {"name", "family_name", "given_name"} if object_type == "contacts" else {"name"}
    if not names & set(used):
        errors.setdefault("mapping", []).append(_("Choose the column that holds the name."))
    blocked = sorted({known[t].permission for t in used} & readonly_fields(actor, object_type))
    if blocked:
        errors.setdefault("mapping", []).append(
            _("Your role may not change these fields: %(fields)s") % {"fields": ", ".join(blocked)}
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned
