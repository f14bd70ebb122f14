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
from scan_classes import Classes, check_class

PW = "Tq7!vNm3Xp9z"
OPAQUE = "Lw4Kd8Pz2Rn6Vb9Ty3Hs5Mc7Qf1"
B64_44 = "q3Vt8pXoLwZk2N9sYbR7cM4eHf6jA1dUgT0iWyPnKxE="
KMS = "AQICAHj" + "R4nWq8vT2kLm9Zp3Xc7Bd5Hf1Jg6Ns0Ye4Ua8Io2Pw" * 4
STS = "IQoJb3JpZ2luX2VjEKr" + "Zp4Wn8Tq2Lv6Xk9Rd3Hm7Bc1Jf5Ys0Ue4Ga8Io2Nw/" * 4
STS_OLD = "FwoGZXIvYXdzEM3" + "Vb8Xq1Lm4Wz7Kt2Rn5Pd9Hs3Jc6Fy0Ue+" * 4
HEX64 = "5c0e9a7f3b1d8e2c4a6f0b9d7e5c3a1f8b2d4e6c0a9f7d5b3e1c8a2f4d6b0e9c"
WP_SALT = "Gv^8r[2Lq=7}Xt<M4p!Zw>9Kd%3Hs~6Jc(1Fy;0Ue@5Na*Bx|Qm&Tz2Rk+Wv8Pe,"
SEALED = "AgB" + "k7Rq2Wn9Tz4Xv8Lm3Pd6Hs1Jf5Cb0Ye7Ua2Io9Gw4Nt" * 9


CLASSES: Classes = {
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
    # an STS session token's shape says what it is, under any name
    "aws-session-token": (
        [
            (f'  default   = "{STS}"', STS),
            (f"session: {STS_OLD}", STS_OLD),
        ],
        [
            '  default   = "IQoJb3JpZ2luX2Vj"',
            "  default   = var.session_token",
        ],
    ),
    # the literal a credential-named environment lookup falls back to
    "env-lookup-defaults": (
        [
            (f'SECRET_KEY = os.environ.get("APP_SECRET_KEY", "{B64_44}")', B64_44),
            (f"token = os.getenv('SLACK_TOKEN', '{OPAQUE}')", OPAQUE),
            (f'  config.x.key = ENV.fetch("SIGNING_SECRET", "{PW}")', PW),
            (f'const secret = process.env.SESSION_SECRET || "{OPAQUE}";', OPAQUE),
            (f"const key = process.env.API_KEY ?? '{OPAQUE}';", OPAQUE),
        ],
        [
            'SECRET_KEY = os.environ.get("APP_SECRET_KEY", "")',
            'token = os.getenv("SLACK_TOKEN_FILE", "/run/secrets/slack_token")',
            'const secret = process.env.SESSION_SECRET || "dev-secret";',
            'region = os.environ.get("AWS_REGION", "eu-west-1")',
        ],
    ),
    # a typed declaration with a literal
    "typed-assignments": (
        [
            (f'    secret_key_base: str = "{HEX64}"', HEX64),
            (f'    val apiKey: String = "{OPAQUE}"', OPAQUE),
            (f'  signingKey: string = "{OPAQUE}";', OPAQUE),
        ],
        [
            "    secret_key_base: str = Field(default_factory=lambda: token_hex(64))",
            '    api_key: Optional[str] = None\n    app_name: str = "orders"',
            '    val apiKeyHeader: String = "X-Api-Key"',
        ],
    ),
    # password lines and directives of config files, SQL and DSNs
    "config-and-sql-passwords": (
        [
            (f"machine git.example.org\n  login deploy\n  password {PW}\n", PW),
            (f"1-machine 10.1.2.3\n2-  login etl\n3:  password {OPAQUE}\n", OPAQUE),
            (f" machine ci.example.org\n   login bot\n+  password {PW}\n", PW),
            (f"port 6379\nrequirepass {PW}\n", PW),
            (f"./redis/replica.conf:9:masterauth {OPAQUE}", OPAQUE),
            (f"ALTER ROLE report WITH LOGIN PASSWORD '{OPAQUE}';", OPAQUE),
            (f"CREATE USER etl WITH CREATEDB LOGIN PASSWORD '{PW}';", PW),
            (f"CREATE USER svc PASSWORD '{OPAQUE}' DEFAULT_ROLE = reader;", OPAQUE),
            (f"INSERT INTO `wp_options` VALUES (7,'mailserver_pass','{PW}','yes');", PW),
            (f'sql.Open("mysql", "shop:{OPAQUE}@tcp(db:3306)/shop?parseTime=true")', OPAQUE),
            (
                f'"type": "SecureString",\n        "value": "{B64_44}"',
                B64_44,
            ),
            (f"define( 'SECURE_AUTH_KEY', '{WP_SALT}' );", WP_SALT),
        ],
        [
            "machine git.example.org\n  login deploy\n  password $NETRC_PASSWORD\n",
            "port 6379\n# requirepass foobared\nmaxmemory 1gb",
            "requirepass ${REDIS_PASSWORD}",
            "ALTER ROLE report WITH LOGIN PASSWORD NULL;",
            "INSERT INTO `wp_options` VALUES (6,'mailserver_login','ops@example.org','yes');",
            'sql.Open("mysql", "shop:${DB_PASS}@tcp(db:3306)/shop")',
            'sql.Open("mysql", cfg.FormatDSN())  // user:pass@tcp(host)/db',
            '"type": "SecureString",\n        "value": "postgres://user:password@localhost/db"',
            "define( 'SECURE_AUTH_KEY', 'put your unique phrase here' );",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
