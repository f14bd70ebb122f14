"""Secret classes the thirteenth blind corpus (real public files: manifests, workflows,
scanner fixtures, source code) flagged wrongly or missed: values a Kubernetes Secret shows
anyway (a user name, a certificate, key armour with no body, a word of the manifest, a demo
value), words and identifiers in credential slots (``false.``, ``{ password }``, a type name,
``oa_citations``, ``!local.is_replica``), prose for a secret (``my super secret password``),
a URL given whole where the credential is its password, and the other way: webhook URLs whole,
a storage key alone where a connection string goes, ``aws configure``'s answered prompt.

A case passes when every occurrence of the secret is covered by one finding.
"""

from __future__ import annotations

import base64

import pytest
from scan_classes import Classes, check_class


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PASSWORD = "Tq8#vR2m!Lx9zW4k"
AZURE = "NcMC2iA/oIatZtDSvb5m4MWfq+BIctJlCwiE1zIaESPRC05/Yd4ie+ZBzqAF2fJHycowR+uu04S0vt0YNw8CXQ=="
AWS = "NUOoiyaVSXdnsuNulwqB2RnP0bXjUHEv33dLxv4+"
SLACK = "https://hooks.slack.com/services/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"
DISCORD = (
    "https://discord.com/api/webhooks/7109622966236926021/"
    "Hbmp90lQpqCO4Hnt1ZaYa92ZNwi9LYuLE7QDYqKqApWIDx2ZwNqNO5Pj7Q1iZ79HkosW"
)
SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: {type}\ndata:\n{data}"


def manifest(data: str, name: str = "app", kind: str = "Opaque") -> str:
    return SECRET.format(name=name, type=kind, data=data)


CLASSES: Classes = {
    "kubernetes-values-shown-anyway": (
        [
            (manifest(f"  password: {b64(PASSWORD)}\n"), b64(PASSWORD)),
            (manifest(f"  apiPassword: {b64(PASSWORD)}\n", "storageos"), b64(PASSWORD)),
        ],
        [
            manifest("  password: cXVvYnl0ZQ==\n", "quobyte-admin-secret", "kubernetes.io/quobyte"),
            manifest(
                "  apiAddress: dGNwOi8vMTI3LjAuMC4xOjU3MDU=\n  apiUsername: c3RvcmFnZW9z\n"
                "  apiPassword: c3RvcmFnZW9z\n",
                "storageos-secret",
                '"kubernetes.io/storageos"',
            ),
            manifest(
                "  node.session.auth.username: dXNlcm5hbWU=\n"
                "  node.session.auth.password: ZGVtbw==\n"
                "  node.session.auth.password_in: bXBhc3My\n"
            ),
            manifest(
                f"  tls.crt: {b64('-----BEGIN CERTIFICATE-----')}\n"
                f"  tls.key: {b64('-----BEGIN PRIVATE KEY-----' + chr(10) + '-----END PRIVATE KEY-----')}\n"
            ),
        ],
    ),
    "words-and-code-in-credential-slots": (
        [
            (f"secretKey: {PASSWORD}", PASSWORD),
            (f'"apiKey": "{PASSWORD}"', PASSWORD),
        ],
        [
            "  # If false you must also set processClusterExternalSecret: false.",
            "    - match:\n        secretKey: source-key1\n",
            '{"apiKey": "oa_citations", "apiVersionNumber": "v1"}',
            'var variable_password7 = "{ password }";',
            'variable_password8 = "obj.aFunctionCall()";',
            "      let roleCredentials: AssumeRoleCommandOutput;",
            "  manage_master_user_password         = !local.is_replica",
            "FIRST_SUPERUSER_PASSWORD=changethis",
            'const MONGO_IDENTICAL_CREDENTIALS = "mongodb://mongodb:mongodb@localhost:27017/db";',
            'const REPETITIVE_URL = "https://user:1111@api.example.com";',
        ],
    ),
    "prose-for-a-secret": (
        [
            (f'printf "{PASSWORD}" | docker secret create my_secret -', PASSWORD),
            (f"mongodb://app:{PASSWORD}@db.internal:27017/app", PASSWORD),
        ],
        [
            '$ printf "my super secret password" | docker secret create my_secret -',
            'url = httpx.URL("HTTPS://jo%40email.com:a%20secret@m\u00fcller.de:1234/pa%20th")',
            "-----BEGIN PRIVATE KEY-----this is not a private key-----END PRIVATE KEY-----",
        ],
    ),
    "whole-urls-and-bare-keys": (
        [
            (f"          webhook: {SLACK}\n", SLACK),
            (f"  DISCORD_WEBHOOK: {DISCORD}\n", DISCORD),
            (f'  AZURE_STORAGE_CONNECTION_STRING: "{AZURE}"\n', AZURE),
            (f"# AWS Secret Access Key [None]: {AWS}\n", AWS),
            (f"| `APP_ENV` | `staging` |\n| `AWS_SECRET_ACCESS_KEY` | `{AWS}` |\n", AWS),
        ],
        [
            "# AWS Secret Access Key [None]: <your-aws-secret>\n",
            '  AZURE_STORAGE_CONNECTION_STRING: "${{ secrets.AZURE_STORAGE }}"\n',
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
