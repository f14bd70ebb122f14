"""Secret classes the twelfth blind corpus (command lines, env dumps and output across 61
formats) missed or flagged wrongly: a token that starts like a placeholder's word (``my``,
``the``), prefixed tokens glued after a word (``session_``, ``x``), an API key's secret after
its SID, a Secret value printed by ``-o jsonpath``, a key twice JSON-escaped, OpenWeatherMap's
``appid``; and the other way: the last characters shown to tell tokens apart, Jenkins' and
EJSON's ciphertexts.

A case passes when every occurrence of the secret is covered by one finding.
"""

from __future__ import annotations

import base64

import pytest
from scan_classes import Classes, check_class

WEBHOOK = "myjZ6nS9XSYy0BPRMgU1-FVSCDG7R9X1jTWIacAfzOg9wzzHsFpRdPQ12SMukDsdn8Qk"
STRIPE = "sk_live_51zjzgGE4kXZWIWNowWL3pXshX8cy2ysnAyiyGZuJ2gPmAAazKdpBNyD9e7JRAgEZr3qd83aI4r79w"
GOOGLE = "AIzaSymKuXEsh1SsmOFa5lNxUP-r2qqME8lbwj2"
PSCALE = "pscale_tkn_p4Wb2wWAXwGknYUW3Jy58fMiKUnuCppt9cXudNpdBhp"
DOPPLER = "dp.pt.I0JQFhTDCPjivaprMkt5ZRgNCh4Kiq0nRb78VZVx"
TWILIO = "GVfRkkwQgOV6nb2nXsogmDrc0u3i14Qi"
K8S = base64.b64encode(b"Quartz016%NCN").decode()
BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCeyq65o8IJ/3H/YZF/4C8vz+kFuY/IqSr"
PEM = f"-----BEGIN PRIVATE KEY-----\\\\n{BODY}\\\\n{BODY}\\\\n-----END PRIVATE KEY-----"
APPID = "5004b71eae340030a88da03e6dbafba5a3c300b7"

CLASSES: Classes = {
    "tokens-that-start-like-words": (
        [
            (f"curl -d @m.json https://discord.com/api/webhooks/4750207535573489016/{WEBHOOK}", WEBHOOK),
            ("API_TOKEN=theQ3xZ9vLk7Wm2Rt8Yp4Ns6", "theQ3xZ9vLk7Wm2Rt8Yp4Ns6"),
        ],
        ["API_TOKEN=my-api-token", "API_TOKEN=your_token_here", "password: testpassword2"],
    ),
    "prefixed-tokens-glued-after-a-word": (
        [
            (f"WARN cache miss for key session_{tok} (ttl=300s)", tok)
            for tok in (STRIPE, GOOGLE, PSCALE, DOPPLER)
        ]
        + [(f"x{PSCALE}", PSCALE)],
        ["def task_live_statistics(): pass", "mask_live_feed_enabled = True"],
    ),
    "values-beside-their-ids": (
        [
            (f'client = Client("SKa8a85c926a96221f6279699428c5f166", "{TWILIO}", "AC00")', TWILIO),
            (
                f"$ kubectl get secret etl -o jsonpath='{{.data.api-key}}'\n{K8S}\n",
                K8S,
            ),
            (f'"Env": ["GCP_SA_JSON={{\\"private_key\\":\\"{PEM}\\\\n\\"}}"]', PEM),
            (f'curl "https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={APPID}"', APPID),
        ],
        [
            "$ kubectl get secret etl -o jsonpath='{.data.username}'\n"
            + base64.b64encode(b"etl-loader").decode()
            + "\n",
        ],
    ),
    "shown-ends-and-ciphertexts": (
        [('{"name": "ci-token", "token": "pF2sxxkrQ8vL3mW9zT4y"}', "pF2sxxkrQ8vL3mW9zT4y")],
        [
            '{"name": "ci-token", "token_last_eight": "pF2sxxkr", "scopes": ["repo"]}',
            "<password>{AQAAABAAAAAQTLrkiKwtAMbL+J6hIOEtZaWfsLziuPnErRwncT6B}</password>",
            '{"database_password": "EJ[1:18Wffesm7SdJdNKaDpRgbZJXHq9YrywbRGxvlc2Ktk0=:'
            'VHhdRQlPX/ckC4Ozsca/Q3rLFV5L7H1v:b3685idZaw3"}',
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
