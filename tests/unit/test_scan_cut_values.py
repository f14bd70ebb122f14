"""Secret classes whose values were cut short or split: values behind JSON escapes, values
longer than the window a rule is searched in, prefixed tokens with a shell prompt glued
after them, values printed by ``cat`` of a secret-named file, values in YAML block scalars
or in env dumps with shell-special characters. Each class has its hard negatives beside it.

A case passes when every occurrence of the secret is covered by findings (a finding may
reach past the secret into glued text, never stop short of it).
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from execgate.scan import redact_text, scan_text

_R = random.Random(77)


def _r(alphabet: str, n: int) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
AWS_SECRET = "kncF14uNWYva5EbMWzmu0CfHkC8sIg5/6UpBHPZq"
#: An ECR password: base64 of a JSON document, ~1.6 KB
ECR = base64.b64encode(
    json.dumps({"payload": _r(B64, 900), "datakey": _r(B64, 300), "version": "2"}).encode()
).decode()


def _covered(text: str, secret: str) -> bool:
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = text.find(secret)
    assert at >= 0
    return any(a <= at and at + len(secret) <= b for a, b in spans)


CLASSES: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    # JSON escapes inside a value: every context rule reads the value decoded
    "json-escaped-values": (
        [
            (
                '{"AccessKeyId":"AKIAZII3YZQVB5DVUKUG","SecretAccessKey":"'
                + AWS_SECRET.replace("/", "\\u002f")
                + '"}',
                AWS_SECRET.replace("/", "\\u002f"),
            ),
            (
                '{"secret_access_key":"' + AWS_SECRET.replace("/", "\\/") + '"}',
                AWS_SECRET.replace("/", "\\/"),
            ),
            ('{"db_password":"Qw7\\u002bz9\\/Lm2#Tk"}', "Qw7\\u002bz9\\/Lm2#Tk"),
            ('{"api_token":"x8Kq2\\u002F9LmZrT4vW\\u002B0pN"}', "x8Kq2\\u002F9LmZrT4vW\\u002B0pN"),
        ],
        [
            '{"url":"https:\\/\\/example.com\\/api\\/v1\\/users"}',
            '{"path":"\\/var\\/lib\\/app\\/data","mode":"0644"}',
            '{"password":"\\u003cyour-password\\u003e"}',
            '{"token":"${TOKEN}","note":"a\\/b"}',
        ],
    ),
    # a value longer than the window around its keyword is covered whole
    "long-values": (
        [
            (f"docker login --username AWS --password {ECR} 1234.dkr.ecr.test", ECR),
            (f"$ aws ecr get-login-password --region us-east-1\n{ECR}\n$ ", ECR),
            (f"export DB_PASSWORD={ECR}", ECR),
        ],
        [
            "docker login --username AWS --password-stdin 1234.dkr.ecr.test " + "x" * 2000,
            "$ aws ecr get-login-password --region us-east-1 | docker login --password-stdin",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    found, never = CLASSES[name]
    for text, secret in found:
        assert _covered(text, secret), (name, text, scan_text(text))
        assert secret not in redact_text(text)
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))
