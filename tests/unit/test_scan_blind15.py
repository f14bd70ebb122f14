"""Secret classes the fifteenth blind corpus (the held-out evaluation's shape: command lines,
env dumps and output, 56 formats, 20 negative families) missed or flagged wrongly: S3A's
secret key, passwords of mosquitto's and nmcli's command lines, Basic credentials wherever
their scheme or name says so and echoed into ``base64 -d``, apprise's ``discord://`` URLs, a
Stripe key glued after a digit; and the other way: bullet masks, Ruby's interpolation, a sed
pattern in a value's place, help text after a flag, usage metavariables, tokens cut short,
JSON echoed into ``base64 -d``.

A case passes when every occurrence of the secret is covered by one finding.
"""

from __future__ import annotations

import base64

import pytest
from scan_classes import Classes, check_class

AWS = "db1Zgzy1jzpoSUFk5oDolYR+Ci5JeXP4ABlZ/TFb"
BASIC = base64.b64encode(b"deploy:Ocp+tfj6sdpNyE=yIgKZ").decode()
WEBHOOK = "7IE6XTompQ5wdSx5hwM_YI6GZ-BI8YN9fTys92SGQTBpKoVGwc97LiuthEnhuPUjWtnm"
STRIPE = "sk_live_EnpuUDQtVSuKXT3OGYJ0FoEu"
JSON_B64 = base64.b64encode(b'{"region": "us-east-1", "replicas": 7, "tier": "web"}').decode()

CLASSES: Classes = {
    "passwords-and-keys-in-their-slots": (
        [
            (f"spark-submit --conf spark.hadoop.fs.s3a.secret.key={AWS} --class etl.Main x.jar", AWS),
            ("mosquitto_pub -h cache-01 -u app -P 'Velvet9403=thistle' -t a -m b", "Velvet9403=thistle"),
            ("nmcli dev wifi connect Office-5G password 'breeze-Marble-61-shadow'", "breeze-Marble-61-shadow"),
            (f"echo {BASIC} | base64 -d", BASIC),
            (f'GET /admin HTTP/1.1" 200 512 "-" "curl/8.5.0" auth="Basic {BASIC}"', BASIC),
            (f'  "basicAuth": "{BASIC}",', BASIC),
            (f"apprise -b 'disk 91%' 'discord://4414905287679295110/{WEBHOOK}'", WEBHOOK),
            (f"const headers={{auth:'0{STRIPE}'}};", STRIPE),
        ],
        [
            f"echo {JSON_B64} | base64 -d",
            "def task_live_statistics(): pass",
            "mosquitto_pub -h cache-01 -p 1883 -t alerts -m test",
        ],
    ),
    "not-values": (
        [(f"STRIPE_SECRET_KEY={STRIPE}", STRIPE)],
        [
            "STRIPE_SECRET_KEY=sk_live_\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20224207",
            "api_key = \"#{ENV['MAILGUN_API_KEY']}\"",
            'sed -i "s/^API_KEY=.*/API_KEY=/" .env',
            "$ databricks configure --help\n  --token   Prompt for a personal access token instead",
            "$ fly secrets set --help\nUsage:\n  fly secrets set [flags] NAME=VALUE NAME=VALUE ...",
            "DATABRICKS_TOKEN=dapi12",
            "GITLAB_TOKEN=glpat-3kQ",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
