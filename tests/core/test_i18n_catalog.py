"""The Simplified Chinese catalog: complete, placeholder-safe, compiled, and used by the pages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

from guanxi.core.i18n_compile import compile_catalogs

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_PATH = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# %(name)s / %(count)d / %s / %% / {name} / {0} / HTML tags / HTML entities.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"
    r"|\{\w*(?:![rsa])?(?::[^{}]*)?\}"
    r"|</?[a-zA-Z][^<>]*>"
    r"|&#?\w+;"
)

# Terms the product deliberately does not use in Chinese (see the glossary in the catalog review).
AVOIDED_TERMS = ("两步验证", "团队", "登陆", "工作空间", "注销")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """Build django.mo from the .po if it is missing or stale (the Makefile does this on `make`),
    and make Django reload catalogs it may have cached before the .mo existed."""
    if compile_catalogs(LOCALE_DIR):
        translation_file_changed(sender=None, file_path=MO_PATH)
    assert MO_PATH.exists()


def load_catalog():
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def messages():
    return [message for message in load_catalog() if message.id]


# --- (a) the .po file ---------------------------------------------------------------------------


def test_header_declares_simplified_chinese_with_one_plural_form():
    raw = PO_PATH.read_text(encoding="utf-8")
    assert '"Language: zh_Hans\\n"' in raw
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in raw
    assert "charset=UTF-8" in raw
    assert not load_catalog().fuzzy, "the header is still marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated, fuzzy = [], []
    for message in messages():
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not strings or not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == []
    assert fuzzy == []


def test_plural_entries_have_exactly_one_form():
    for message in messages():
        if message.pluralizable:
            assert len([s for s in message.string if s]) == 1, message.id


def test_translations_keep_every_placeholder():
    broken = []
    for message in messages():
        if message.pluralizable:
            pairs = [(message.id[-1], form) for form in message.string]
        else:
            pairs = [(message.id, message.string)]
        for source, target in pairs:
            if placeholders(source) != placeholders(target):
                broken.append((source, target))
    assert broken == []


def test_translations_keep_leading_and_trailing_newlines():
    for message in messages():
        source = message.id[0] if message.pluralizable else message.id
        targets = message.string if message.pluralizable else (message.string,)
        for target in targets:
            assert source.startswith("\n") == target.startswith("\n"), source
            assert source.endswith("\n") == target.endswith("\n"), source


def test_glossary_terms_are_used_consistently():
    offending = [
        (message.id, term)
        for message in messages()
        for target in (message.string if message.pluralizable else (message.string,))
        for term in AVOIDED_TERMS
        if term in target
    ]
    assert offending == []


# --- (b) the compiled catalog -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Sign in", "登录"),
        ("Sign out", "退出登录"),
        ("Members", "成员"),
        ("Teams", "部门"),
        ("Roles", "角色"),
        ("Permissions", "权限"),
        ("Data scope", "数据范围"),
        ("Audit log", "审计日志"),
        ("API tokens", "API 令牌"),
        ("Two-factor authentication", "双重验证"),
        ("Owner", "所有者"),
        ("Customers", "客户"),
        ("Settings", "设置"),
        ("Save", "保存"),
        ("Cancel", "取消"),
        ("Whole workspace (全公司)", "全公司"),
    ],
)
def test_key_strings_translate(source, expected):
    with translation.override("zh-hans"):
        assert translation.gettext(source) == expected


def test_placeholders_survive_formatting():
    with translation.override("zh-hans"):
        text = translation.gettext("Team %(name)s was created.") % {"name": "华东销售部"}
        plural = translation.ngettext(
            "Too many failed sign-ins. Try again in %(minutes)d minute.",
            "Too many failed sign-ins. Try again in %(minutes)d minutes.",
            15,
        ) % {"minutes": 15}
    assert text == "部门“华东销售部”已创建。"
    assert "15 分钟" in plural


def test_english_stays_the_default():
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


# --- (c) a real page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_follows_accept_language_zh_cn():
    response = Client().get("/sign-in/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录您的账号" in body
    assert "Sign in to your account" not in body
    assert response.headers.get("Content-Language") == "zh-hans"


@pytest.mark.django_db
def test_sign_in_page_stays_english_for_english_browsers():
    response = Client().get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "Sign in to your account" in response.content.decode()
