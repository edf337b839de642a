"""Search keys: pure functions, no database."""

from __future__ import annotations

import pytest

from beatbook.search import keys


@pytest.mark.parametrize(
    ("name", "simplified", "pinyin", "initials", "given"),
    [
        ("张伟", "张伟", "zhangwei", "zw", "伟"),
        ("張偉", "张伟", "zhangwei", "zw", "伟"),
        ("張偉華", "张伟华", "zhangweihua", "zwh", "伟华"),
        (" 王 芳 ", "王芳", "wangfang", "wf", "芳"),
        ("曾国藩", "曾国藩", "zengguofan", "zgf", "国藩"),
        ("单田芳", "单田芳", "shantianfang", "stf", "田芳"),
        ("解晓东", "解晓东", "xiexiaodong", "xxd", "晓东"),
        ("仇英", "仇英", "qiuying", "qy", "英"),
        ("欧阳修文", "欧阳修文", "ouyangxiuwen", "oyxw", "修文"),
        ("长孙无忌", "长孙无忌", "zhangsunwuji", "zswj", "无忌"),
        ("吕布", "吕布", "lvbu", "lb", "布"),
        ("Kim Minji", "kimminji", "kimminji", "km", ""),
    ],
)
def test_name_keys(name: str, simplified: str, pinyin: str, initials: str, given: str) -> None:
    assert keys.simplified(name) == simplified
    assert keys.pinyin_keys(name) == (pinyin, initials)
    assert keys.given_name(name) == given


def test_separators_in_names_are_dropped() -> None:
    full, initials = keys.pinyin_keys("阿依古丽·买买提")
    assert full.startswith("ayi") and full.endswith("maimaiti")
    assert "·" not in full and len(initials) == 7


def test_reversed_id_and_phones() -> None:
    assert keys.reversed_id("33010619800101123x") == "33010619800101123X"[::-1]
    assert keys.phone_digits("+8613812345678") == "13812345678"
    assert keys.phone_digits("+8657188886666") == "57188886666"
    assert keys.phone_digits("+85221234567") == "85221234567"
    assert keys.reversed_phone("+8613812345678") == "87654321831"


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("zhang", "zhanh"),
        ("z", "{"),
        ("4329", "432:"),
        ("99", "9:"),
        ("X321", "X322"),
        ("张", chr(ord("张") + 1)),
        ("", None),
    ],
)
def test_prefix_upper_bound(prefix: str, bound: str | None) -> None:
    assert keys.prefix_upper_bound(prefix) == bound
    if bound is not None:
        for longer in (prefix, prefix + "zzzz", prefix + "9X", prefix + "张"):
            assert prefix <= longer < bound
