"""Tests for guanxi.customers.normalize: pure functions, no database."""

from __future__ import annotations

import pytest

from guanxi.customers.normalize import (
    company_key,
    company_similarity,
    credit_code_is_valid,
    is_chinese,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    phone_query_digits,
    phone_search_digits,
    pinyin_keys,
    split_person_name,
    to_halfwidth,
)

# --- to_halfwidth ----------------------------------------------------------------------------


def test_fullwidth_digits_letters_and_space_become_halfwidth() -> None:
    assert to_halfwidth("１３８\u3000ＡＢｃ＠（）") == "138 ABc@()"


def test_halfwidth_keeps_cjk_characters_and_cjk_punctuation() -> None:
    assert to_halfwidth("字节跳动，你好。「北京」、") == "字节跳动,你好。「北京」、"


def test_halfwidth_leaves_ascii_unchanged() -> None:
    assert to_halfwidth("Guanxi CRM 2.0") == "Guanxi CRM 2.0"


# --- Unified social credit code --------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",
        "914403001922038216",  # check character 6 (value < 10)
        "91110108551385082Q",  # check character a letter
        "91440300708461136T",
    ],
)
def test_credit_code_with_correct_check_character_is_valid(code: str) -> None:
    assert credit_code_is_valid(code) is True


def test_credit_code_with_wrong_check_character_is_invalid() -> None:
    assert credit_code_is_valid("91350100M000100Y44") is False


def test_credit_code_in_lowercase_is_invalid_until_normalized() -> None:
    assert credit_code_is_valid("91350100m000100y43") is False
    assert credit_code_is_valid(normalize_credit_code("91350100m000100y43")) is True


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_credit_code_with_letter_outside_alphabet_is_invalid(letter: str) -> None:
    assert credit_code_is_valid(f"91350100{letter}000100Y43") is False


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_credit_code_of_wrong_length_is_invalid(code: str) -> None:
    assert credit_code_is_valid(code) is False


def test_normalize_credit_code_removes_spaces_and_dashes_and_uppercases() -> None:
    assert normalize_credit_code(" 9135 0100-m000 100y43 ") == "91350100M000100Y43"


def test_normalize_credit_code_makes_fullwidth_halfwidth() -> None:
    assert normalize_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_normalize_credit_code_keeps_letters_it_cannot_fix() -> None:
    # O for 0 is a typo the user must see; guessing could produce another company's code.
    assert normalize_credit_code("91350100M00O100Y43") == "91350100M00O100Y43"


# --- normalize_phone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "0086 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_chinese_mobile_spellings_normalize_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+8613812345678"


def test_beijing_landline_with_trunk_prefix_normalizes_to_e164() -> None:
    assert normalize_phone("(010) 8888 6666") == "+861088886666"


def test_shenzhen_landline_with_dash_normalizes_to_e164() -> None:
    assert normalize_phone("0755-8888 6666") == "+8675588886666"


def test_us_number_with_country_code_normalizes_to_e164() -> None:
    assert normalize_phone("+1 415 555 2671") == "+14155552671"


def test_national_number_is_read_in_the_given_default_region() -> None:
    assert normalize_phone("020 8366 1177", default_region="GB") == "+442083661177"


def test_phone_extension_is_dropped() -> None:
    assert normalize_phone("010 8888 6666 ext 12") == "+861088886666"


def test_phone_with_letters_only_is_refused() -> None:
    with pytest.raises(ValueError, match="Not a phone number: 'hello'"):
        normalize_phone("hello")


def test_empty_phone_is_refused() -> None:
    with pytest.raises(ValueError, match="Phone number is empty"):
        normalize_phone("   ")


def test_too_short_phone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"too short"):
        normalize_phone("123")


def test_too_long_phone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"too long"):
        normalize_phone("13812345678901")


def test_mobile_number_missing_a_digit_is_refused_as_invalid() -> None:
    with pytest.raises(ValueError, match=r"Not a valid phone number: '138 1234 567'"):
        normalize_phone("138 1234 567")


def test_unknown_country_code_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Not a phone number: '\+999 1234567'"):
        normalize_phone("+999 1234567")


# --- phone_search_digits / phone_query_digits ------------------------------------------------


def test_mobile_search_digits_hold_international_and_national_forms() -> None:
    assert phone_search_digits("+8613812345678") == "8613812345678 13812345678"


def test_landline_search_digits_include_trunk_prefix_zero() -> None:
    assert phone_search_digits("+861088886666") == "861088886666 01088886666"


def test_us_search_digits_hold_country_code_and_national_number() -> None:
    assert phone_search_digits("+14155552671") == "14155552671 4155552671"


@pytest.mark.parametrize("fragment", ["1381234", "8613812345678", "13812345678", "5678"])
def test_typed_mobile_fragment_is_a_substring_of_search_digits(fragment: str) -> None:
    assert phone_query_digits(fragment) in phone_search_digits("+8613812345678")


@pytest.mark.parametrize("typed", ["010-8888-6666", "+86 10 8888 6666", "8888 6666"])
def test_typed_landline_is_a_substring_of_search_digits(typed: str) -> None:
    assert phone_query_digits(typed) in phone_search_digits("+861088886666")


def test_search_digits_refuse_a_number_without_plus() -> None:
    with pytest.raises(ValueError, match="Not an E.164 phone number"):
        phone_search_digits("13812345678")


def test_search_digits_refuse_a_formatted_number() -> None:
    with pytest.raises(ValueError, match="Not an E.164 phone number"):
        phone_search_digits("+86 138 1234 5678")


def test_query_digits_strip_separators_and_parentheses() -> None:
    assert phone_query_digits(" (010) 8888-6666 ") == "01088886666"


def test_query_digits_strip_leading_plus86() -> None:
    assert phone_query_digits("+86 138 1234") == "1381234"


def test_query_digits_strip_leading_0086() -> None:
    assert phone_query_digits("0086 13812345678") == "13812345678"


def test_query_digits_accept_fullwidth_digits() -> None:
    assert phone_query_digits("１３８１") == "1381"


def test_query_with_letters_gives_no_digits() -> None:
    assert phone_query_digits("138 abc") == ""


def test_query_with_fewer_than_three_digits_gives_no_digits() -> None:
    assert phone_query_digits("13") == ""


def test_query_of_only_country_code_gives_no_digits() -> None:
    assert phone_query_digits("+86") == ""


# --- normalize_email -------------------------------------------------------------------------


def test_email_is_stripped_and_casefolded() -> None:
    assert normalize_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"


def test_fullwidth_email_becomes_halfwidth() -> None:
    assert normalize_email("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "zhang@example.com"


def test_email_with_internationalised_domain_is_accepted() -> None:
    assert normalize_email("用户@例子.中国") == "用户@例子.中国"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("zhang", "exactly one @"),
        ("a@@b.com", "exactly one @"),
        ("@b.com", "no valid name before the @"),
        ("a@localhost", "no valid domain"),
        ("a@.com", "no valid domain"),
        ("a@b..com", "no valid domain"),
        ("a@b.com.", "no valid domain"),
        ("zhang san@b.com", "contains a space"),
    ],
)
def test_implausible_email_is_refused(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_email(raw)


def test_email_longer_than_254_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 254"):
        normalize_email("a" * 60 + "@" + "b" * 190 + ".com")


def test_email_of_exactly_254_characters_is_accepted() -> None:
    address = "a" * 60 + "@" + "b" * 189 + ".com"
    assert normalize_email(address) == address


# --- company_key -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["北京字节跳动科技有限公司", "字节跳动科技(北京)有限公司", "字节跳动科技有限公司"],
)
def test_bytedance_spellings_share_a_key(name: str) -> None:
    assert company_key(name) == "字节跳动科技"


@pytest.mark.parametrize("name", ["阿里巴巴（中国）有限公司", "阿里巴巴(中国)有限公司"])
def test_bracketed_china_marker_in_either_width_is_removed(name: str) -> None:
    assert company_key(name) == "阿里巴巴"


def test_unbracketed_region_word_stays_part_of_the_name() -> None:
    # Without brackets a region cannot be told from the name ("Bank of China");
    # company_similarity surfaces the near miss instead.
    assert company_key("阿里巴巴 中国 有限公司") == "阿里巴巴中国"
    assert company_similarity("阿里巴巴中国", company_key("阿里巴巴(中国)有限公司")) == 0.8


@pytest.mark.parametrize(
    "name",
    ["Tencent Holdings Ltd.", "TENCENT HOLDINGS LIMITED", "ＴＥＮＣＥＮＴ　Ｈｏｌｄｉｎｇｓ"],
)
def test_english_legal_form_case_and_width_do_not_change_the_key(name: str) -> None:
    assert company_key(name) == "tencentholdings"


def test_stacked_english_legal_forms_and_bracketed_region_are_removed() -> None:
    assert company_key("Foo (China) Co., Ltd.") == "foo"


def test_legal_form_is_only_removed_as_a_whole_word() -> None:
    assert company_key("Zinc Inc.") == "zinc"


def test_region_word_inside_an_english_name_is_kept() -> None:
    assert company_key("Bank of China Limited") == "bankofchina"


def test_stacked_chinese_legal_forms_are_removed() -> None:
    assert company_key("万科企业集团股份有限公司") == "万科企业"


def test_bracketed_group_marker_is_removed_with_the_legal_form() -> None:
    assert company_key("青岛海尔(集团)股份有限公司") == "海尔"


def test_limited_partnership_form_is_removed() -> None:
    assert company_key("红杉投资中心（有限合伙）") == "红杉投资中心"


def test_branch_office_keeps_its_branch_suffix() -> None:
    assert company_key("字节跳动科技有限公司上海分公司") == "字节跳动科技有限公司上海分公司"


def test_province_and_city_prefixes_are_both_removed() -> None:
    assert company_key("广东省深圳市腾讯计算机系统有限公司") == "腾讯计算机系统"


def test_autonomous_region_full_name_is_removed() -> None:
    assert company_key("广西壮族自治区柳工机械有限公司") == "柳工机械"


def test_punctuation_of_both_widths_is_removed() -> None:
    assert company_key("星巴克·咖啡、（上海）—有限公司。") == "星巴克咖啡"


def test_different_huawei_companies_do_not_collide() -> None:
    assert company_key("华为技术有限公司") == "华为技术"
    assert company_key("华为终端有限公司") == "华为终端"


def test_regional_banks_keep_their_region_and_do_not_collide() -> None:
    assert company_key("北京银行股份有限公司") == "北京银行"
    assert company_key("上海银行股份有限公司") == "上海银行"


def test_regional_airlines_keep_their_region_and_do_not_collide() -> None:
    assert company_key("四川航空股份有限公司") == "四川航空"
    assert company_key("山东航空股份有限公司") == "山东航空"


def test_name_made_of_a_legal_form_alone_keeps_a_key() -> None:
    assert company_key("有限公司") == "有限公司"


def test_empty_company_name_gives_empty_key() -> None:
    assert company_key(" ,。 ") == ""


# --- company_similarity ----------------------------------------------------------------------


def test_equal_keys_are_fully_similar() -> None:
    assert company_similarity("字节跳动科技", "字节跳动科技") == 1.0


def test_keys_sharing_half_their_characters_score_one_half() -> None:
    assert company_similarity("华为技术", "华为终端") == 0.5


def test_keys_with_nothing_in_common_score_zero() -> None:
    assert company_similarity("腾讯", "阿里") == 0.0


def test_empty_key_scores_zero() -> None:
    assert company_similarity("", "") == 0.0


def test_similarity_does_not_depend_on_argument_order() -> None:
    assert company_similarity("abcbd", "bcdab") == company_similarity("bcdab", "abcbd")


# --- is_chinese / split_person_name ----------------------------------------------------------


@pytest.mark.parametrize("text", ["张三", "张 三", "阿沛·阿旺晋美", "欧阳娜娜"])
def test_text_mostly_of_ideographs_is_chinese(text: str) -> None:
    assert is_chinese(text) is True


@pytest.mark.parametrize("text", ["John Smith", "李Lily", "", "·"])
def test_text_mostly_latin_or_empty_is_not_chinese(text: str) -> None:
    assert is_chinese(text) is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", ("张", "三")),
        ("王小明", ("王", "小明")),
        ("欧阳娜娜", ("欧阳", "娜娜")),
        ("司马光", ("司马", "光")),
        ("诸葛孔明", ("诸葛", "孔明")),
        ("尉迟恭", ("尉迟", "恭")),
        ("令狐冲", ("令狐", "冲")),
    ],
)
def test_chinese_name_splits_after_the_surname(name: str, expected: tuple[str, str]) -> None:
    assert split_person_name(name) == expected


def test_two_character_name_starting_like_a_compound_surname_splits_after_one() -> None:
    assert split_person_name("欧阳") == ("欧", "阳")


def test_space_inside_chinese_name_marks_the_surname() -> None:
    assert split_person_name(" 欧阳  娜娜 ") == ("欧阳", "娜娜")


def test_chinese_name_with_interpunct_is_kept_whole_as_given_name() -> None:
    assert split_person_name("约翰·史密斯") == ("", "约翰·史密斯")


def test_western_name_splits_before_the_last_word() -> None:
    assert split_person_name("John Smith") == ("Smith", "John")


def test_western_name_with_middle_name_keeps_it_in_given_name() -> None:
    assert split_person_name("Mary Ann Smith") == ("Smith", "Mary Ann")


def test_comma_puts_the_family_name_first() -> None:
    assert split_person_name("Smith, John") == ("Smith", "John")


def test_fullwidth_comma_puts_the_family_name_first() -> None:
    assert split_person_name("张，三") == ("张", "三")


def test_single_latin_word_is_a_given_name() -> None:
    assert split_person_name("Madonna") == ("", "Madonna")


def test_empty_name_splits_into_empty_parts() -> None:
    assert split_person_name("  ") == ("", "")


# --- pinyin_keys -----------------------------------------------------------------------------


def test_pinyin_keys_of_a_common_name() -> None:
    assert pinyin_keys("张三") == ("zhangsan", "zs")


def test_pinyin_keys_of_a_compound_surname_name() -> None:
    assert pinyin_keys("欧阳娜娜") == ("ouyangnana", "oynn")


def test_pinyin_keys_keep_latin_words_lowercased() -> None:
    assert pinyin_keys("李Lily") == ("lilily", "ll")


def test_pinyin_keys_drop_spaces_and_punctuation() -> None:
    assert pinyin_keys("Hello World · 张") == ("helloworldzhang", "hwz")


def test_pinyin_keys_write_u_umlaut_as_v() -> None:
    assert pinyin_keys("吕布") == ("lvbu", "lb")


def test_pinyin_keys_use_phrase_readings() -> None:
    assert pinyin_keys("重庆") == ("chongqing", "cq")


def test_pinyin_keys_without_person_use_the_everyday_reading() -> None:
    assert pinyin_keys("曾小贤") == ("cengxiaoxian", "cxx")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("曾小贤", ("zengxiaoxian", "zxx")),
        ("单田芳", ("shantianfang", "stf")),
        ("解缙", ("xiejin", "xj")),
        ("仇英", ("qiuying", "qy")),
        ("区志", ("ouzhi", "oz")),
        ("朴树", ("piaoshu", "ps")),
        ("查良镛", ("zhaliangyong", "zly")),
        ("盖聂", ("genie", "gn")),
        ("乐嘉", ("yuejia", "yj")),
        ("缪斯", ("miaosi", "ms")),
        ("覃海", ("qinhai", "qh")),
        ("翟志刚", ("zhaizhigang", "zzg")),
        ("尉迟恭", ("yuchigong", "ycg")),
        ("万俟卨", ("moqixie", "mqx")),
        ("乐正绫", ("yuezhengling", "yzl")),
    ],
)
def test_person_pinyin_keys_use_the_surname_reading(name: str, expected: tuple[str, str]) -> None:
    assert pinyin_keys(name, person=True) == expected


def test_person_surname_reading_applies_only_to_the_first_character() -> None:
    assert pinyin_keys("曾曾", person=True) == ("zengceng", "zc")


def test_person_surname_is_not_read_as_part_of_a_phrase() -> None:
    # Read whole, 单于 is the Xiongnu title "chanyu"; as a name it is 单 (shan) + 于洋.
    assert pinyin_keys("单于洋", person=True) == ("shanyuyang", "syy")


def test_person_surname_reading_needs_the_name_to_start_with_it() -> None:
    assert pinyin_keys("Lily曾", person=True) == ("lilyceng", "lc")


def test_person_pinyin_keys_of_a_latin_name_are_lowercased_words() -> None:
    assert pinyin_keys("John Smith", person=True) == ("johnsmith", "js")


def test_pinyin_keys_of_empty_text_are_empty() -> None:
    assert pinyin_keys("") == ("", "")


def test_the_cn_mobile_fast_path_agrees_with_phonenumbers_for_every_prefix():
    """normalize_phone and phone_search_digits skip phonenumbers for CN mobiles, trusting that
    the metadata decides within five digits; this fails if a phonenumbers update changes that."""
    import random

    import phonenumbers

    from guanxi.customers import normalize

    rng = random.Random(2026)
    for prefix in range(13000, 20000):
        for _ in range(2):
            nsn = f"{prefix}{rng.randint(0, 999_999):06d}"
            number = phonenumbers.parse(nsn, "CN")
            if phonenumbers.is_valid_number(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                national = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.NATIONAL
                )
                digits = "".join(c for c in national if c.isdigit())
                assert normalize.normalize_phone(nsn) == e164
                assert normalize.phone_search_digits(e164) == f"{e164[1:]} {digits}"
            else:
                with pytest.raises(ValueError):
                    normalize.normalize_phone(nsn)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Li Ming 李明", ("李", "明")),
        ("王芳 Fang Wang", ("王", "芳")),
        ("欧阳娜娜 Nana", ("欧阳", "娜娜")),
    ],
)
def test_a_name_written_both_ways_is_split_by_its_chinese_part(name, expected):
    assert split_person_name(name) == expected
