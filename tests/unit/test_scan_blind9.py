"""Secret classes the ninth blind corpus (source and config files as an agent reads them)
missed or flagged wrongly.

As hard negatives: templating and references given as the value (configparser's
``%(NAME)s``, Rust's ``std::env::var``, Terraform references, Key Vault references, Helm's
``*PasswordKey``, systemd's ``LoadCredential``); test fixtures built from words that say so
(``wrong-password``) and the policy default ``Passw0rd!``; hashes and ciphertext (SCRAM
verifiers, KMS blobs, SealedSecret values); the Kubernetes documentation's example Secret;
settings, type annotations and a database's own name as its password, and ``cat -A``'s line
marks. Each class has its real secrets beside it, values written for this file.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import pytest

from execgate.scan import redact_text, scan_text

PW = "Tq7!vNm3Xp9z"
OPAQUE = "Lw4Kd8Pz2Rn6Vb9Ty3Hs5Mc7Qf1"
B64_44 = "q3Vt8pXoLwZk2N9sYbR7cM4eHf6jA1dUgT0iWyPnKxE="
KMS = "AQICAHj" + "R4nWq8vT2kLm9Zp3Xc7Bd5Hf1Jg6Ns0Ye4Ua8Io2Pw" * 4
SEALED = "AgB" + "k7Rq2Wn9Tz4Xv8Lm3Pd6Hs1Jf5Cb0Ye7Ua2Io9Gw4Nt" * 9


def _covered(text: str, secret: str) -> bool:
    spans = [(f.start, f.end) for f in scan_text(text)]
    at = text.find(secret)
    assert at >= 0
    return any(a <= at and at + len(secret) <= b for a, b in spans)


CLASSES: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    # a value filled in elsewhere: interpolation, an environment read, a reference
    "templating-and-references": (
        [
            (f"sqlalchemy.url = postgresql://app:{PW}@db.internal/orders", PW),
            (f'  password = "{PW}"', PW),
            (f'  "ApiKey": "{OPAQUE}"', OPAQUE),
            (f"LoadCredential=db-password:{OPAQUE}", OPAQUE),
            (f"      adminPassword: {PW}", PW),
        ],
        [
            "sqlalchemy.url = mysql://%(DB_USER)s:%(DB_PASS)s@%(DB_HOST)s/shop",
            '+    let api_key = std::env::var("STRIPE_API_KEY").unwrap_or_default();',
            "  password = random_password.pg.result\n  token = var.deploy_token",
            "  secret = module.vault2.client_secret\n  api_key = local.api_key",
            '  token    = data.vault_kv_secret_v2.ci.data["token"]',
            '  "ApiKey": "@Microsoft.KeyVault(VaultName=shop-kv;SecretName=ShopApiKey)"',
            "    secretKeys:\n      userPasswordKey: user-password\n"
            "      replicationPasswordKey: replication-password",
            "LoadCredential=api-token:/etc/credstore/shop-api-token",
        ],
    ),
    # a test's password says it is one
    "test-fixture-passwords": (
        [
            (f'resp = client.post("/login", json={{"password": "{PW}"}})', PW),
            ('{ "password": "Juniper-orbit-5521" }', "Juniper-orbit-5521"),
        ],
        [
            'resp = client.post("/login", json={"password": "bad-password"})',
            '{ "username": "qa@example.com", "password": "qa-test-password" }',
            'const password = "invalid_secret";',
            '    private val password = "P@ssw0rd1!"  // seeded user',
        ],
    ),
    # one-way verifiers and ciphertext: what they hide needs a key that is not in the text
    "hashes-and-ciphertext": (
        [
            (f"ALTER ROLE app WITH PASSWORD '{PW}';", PW),
            (f'{{ "DbPassword": "{B64_44}" }}', B64_44),
        ],
        [
            "ALTER ROLE app WITH PASSWORD 'SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2E=$"
            "Vb3kQm9Xw2Lp7Rt4Nz8Hd1Jf6Cs0Ye5Ua3Io2Gw9Kn4=:Pq8Lm2Xv7Tz4Rn9Wk3Hd6Js1Cf5Bb0Ye8Ua2Io7Gw4="
            "';",
            f'{{ "DbPasswordCiphertext": "{KMS}" }}',
            f"    password: {SEALED}",
        ],
    ),
    # the Kubernetes documentation's example Secret (admin / 1f2d1e2e67df)
    "kubernetes-docs-example": (
        [
            (
                "kind: Secret\ndata:\n  username: YWRtaW4=\n  password: UXg3bUxxMndacDl2Tjg=\n",
                "UXg3bUxxMndacDl2Tjg=",
            ),
        ],
        [
            "kind: Secret\ndata:\n  username: YWRtaW4=\n  password: MWYyZDFlMmU2N2Rm\n",
            "kind: Secret\nstringData:\n  username: admin\n  password: 1f2d1e2e67df\n",
        ],
    ),
    # settings, types and defaults under a credential's name; cat -A's `$` line marks
    "non-values": (
        [
            (f"  password: {PW}", PW),
            (f"apiVersion: v1$\ndata:$\n  secret_key: {B64_44}$\n", B64_44),
        ],
        [
            "  config.password_length = 10..72\n  config.reset_password_within = 2.days",
            "  password: postgres\n  host: localhost",
            "export type Keys = {$\n  apiSecret: string;$\n  clientToken?: string;$\n}$",
            "kind: Secret$\ndata:$\n  username: YWRtaW4=$\n  password: MWYyZDFlMmU2N2Rm$",
            "$ cat -A main.tf\n  password = random_password.pg.result$",
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
