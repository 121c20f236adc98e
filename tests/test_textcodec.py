import codecs

import pytest

from screening.read.textcodec import detect_and_decode

TEXT = "关于加强城镇燃气安全管理的通知\n各街道办事处：现将有关事项通知如下。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (("abc 12 " + TEXT).encode("utf-16-le"), "utf-16"),  # no BOM, ASCII present
    ],
)
def test_detects_common_chinese_encodings(data: bytes, encoding: str) -> None:
    decoded = detect_and_decode(data)
    assert decoded is not None
    text, found = decoded
    assert found == encoding
    assert text.lstrip("\ufeff").endswith(TEXT)


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, b"\x00\x01\x02\x03" * 100])
def test_binary_is_not_text(data: bytes) -> None:
    assert detect_and_decode(data) is None
