"""Secret classes the seventh and eighth blind corpora missed or flagged wrongly.

As hard negatives: a variable reference or a command substitution given as the value
(``--body "$TOKEN"``, ``-e X=$(cat /run/secrets/x)``) and the next option taken for a
positional value; ``curl -u`` values that cross their shell quotes or name a constant
(``-u ACCOUNT_SID:AUTH_TOKEN``); a secret manager's non-secret fields; a token prefix
before a template hole (``dckr_pat_<token>``); RFC and vendor documentation examples;
Datadog's public client token; defaults and dummies under secret names. As misses: a
REPL's echo of a credential-named environment lookup, positional secrets (``confluent
api-key store``, ``vault operator unseal``, ``gh secret set -b'…'``), 64-byte keys under
``key =``, HAR and Postman name/value objects, and punctuation-rich line values. Each class has its hard negatives beside it, values written for this file.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import pytest
from scan_classes import Classes, check_class

PW = "Rk4!mZq9Lw2x"
OPAQUE = "Hn3Wq8Zt5VbY2cLk9Pd4Ms7Rx1"
B64_88 = "GPzEyoL8EsaJd/wyXxQPplH8ACyjkz4jmBQlm7knI4pShZFC8ZrXbeg/fT3pG+h8msMlc+T1ah9sdbEl7oX8nr=="
HEX64 = "9b1f0c7e2d4a6b8c0e1f3a5b7c9d2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c5d"


CLASSES: Classes = {
    # a reference or a command substitution stands for the value; an option word is the
    # next option, not a positional value
    "references-and-substitutions": (
        [
            (f'$ gh secret set STRIPE_API_KEY --repo acme/shop --body "{OPAQUE}"', OPAQUE),
            (f"> set -x GITHUB_TOKEN {OPAQUE}", OPAQUE),
            (f"$ cat /run/secrets/slack_token\n{OPAQUE}\n$ ", OPAQUE),
            (f"$ docker run -e A=1 img\n$ cat /run/secrets/api_key\n{OPAQUE}", OPAQUE),
        ],
        [
            '$ gh secret set STRIPE_API_KEY --repo acme/shop --body "$STRIPE_KEY"\n'
            "✓ Set Actions secret STRIPE_API_KEY for acme/shop",
            '$ gh secret set NPM_TOKEN --body "$NPM_TOKEN"',
            '$ gh secret set SLACK_TOKEN -R acme/web --body "${SLACK_TOKEN:?export it first}"',
            "$ docker run --rm -e SLACK_TOKEN=$(cat /run/secrets/slack_token) -p 80:80 web:4\n"
            f"{HEX64}",
            "$ kubectl create secret generic web --from-literal=DB_PASSWORD=$(vault kv get "
            "-field=pw kv/web/db) -o name\nsecret/web-db",
            "$ kubectl create secret generic web --from-literal=API_KEY=$(op read "
            "op://Ops/web-api/credential) --dry-run=client -o name\nsecret/web-api",
            f"$ docker run -e GH_TOKEN=`cat /run/secrets/gh_token` ci:2\n{HEX64}",
        ],
    ),
    # curl -u: a value keeps to the shell quoting it is in; a constant's name is a slot to fill
    "userpass-quoting-and-constants": (
        [
            (f"$ curl -u deploy:{PW} https://ci.example.org/api", PW),
            (f"$ curl -u 'deploy:{OPAQUE}' https://ci.example.org/api", OPAQUE),
            (f"$ curl -u \"deploy\":'{PW}' https://ci.example.org/api", PW),
        ],
        [
            "curl -u ACCOUNT_SID:AUTH_TOKEN https://api.twilio.com/2010-04-01/Accounts.json",
            "curl -u API_USER:API_SECRET_KEY https://api.example.org",
            '$ curl -X POST https://api.example.org/v1/refunds -u "$PAY_KEY:" -d charge=ch_9',
            "$ curl -X POST https://api.example.org/v1/refunds -u '${PAY_KEY}:' -d amount=400",
            # (and the id headers beside them are not credentials)
            '$ curl -X POST https://api.example.org/v1/payouts -u "$PAY_KEY:" '
            "-H 'Idempotency-Key: 5c7e1a9b-3d2f-4e6a-8b0c-9d1e2f3a4b5c' -d amount=100",
            "$ curl -H 'X-Request-Id: 0a9e8d7c-6b5a-4f3e-2d1c-0b9a8f7e6d5c' "
            "-H 'X-Correlation-ID: 7f6e5d4c3b2a19080706050403020100' https://api.example.org",
        ],
    ),
    # `--query` picks a field other than the secret: its output is that field
    "secretsmanager-other-field": (
        [
            (
                "$ aws secretsmanager get-secret-value --secret-id prod/db --query SecretString "
                f"--output text\n{OPAQUE}",
                OPAQUE,
            ),
            (f"$ aws secretsmanager get-secret-value --secret-id prod/db --output text\n{PW}", PW),
        ],
        [
            "$ aws secretsmanager get-secret-value --secret-id prod/db --query VersionId "
            "--output text\n1d2c3b4a-5f6e-4d8c-9b0a-1f2e3d4c5b6a",
            "$ aws secretsmanager get-secret-value --secret-id prod/db --query 'ARN' "
            "--output text\narn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-Ab12Cd",
        ],
    ),
    # a token's prefix followed by a template's hole is a placeholder
    "prefix-then-hole": (
        [
            (f"export DOCKERHUB_TOKEN=dckr_pat_{OPAQUE}x", f"dckr_pat_{OPAQUE}x"),
            (f"DO_TOKEN={OPAQUE} <- rotate monthly", OPAQUE),
            (f"<server><password>{PW}_</password></server>", f"{PW}_"),
        ],
        [
            "export DOCKERHUB_TOKEN=dckr_pat_<paste-token>",
            "$ export DO_TOKEN=dop_v1_<your access token>\n$ make deploy",
            "GITLAB_TOKEN: glpat-<token from settings>",
            "api_key = sk_live_<secret key>",
        ],
    ),
    # the credentials RFC 7617, RFC 6750, RFC 6749 and Stripe's API reference print
    "documentation-examples": (
        [(f"Authorization: Bearer {OPAQUE}", OPAQUE)],
        [
            "> Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            "POST /api HTTP/1.1\nAuthorization: Bearer mF_9.B5f-4.1JqM",
            '{"access_token": "2YotnFZFEjr1zCsicMWpAA", "token_type": "Bearer"}',
            '{"refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA"}',
            "curl https://api.stripe.com/v1/customers -u sk_test_BQokikJOvBiI2HlWgH4olfQ2:",
        ],
    ),
    # Datadog's browser SDK client token (pub + 32 hex) is public; its API key is not
    "datadog-client-token": (
        [(f"DD_API_KEY={HEX64[:32]}", HEX64[:32])],
        [
            "datadogRum.init({ clientToken: 'pub0f1e2d3c4b5a69788796a5b4c3d2e1f0', site: "
            "'datadoghq.eu' })",
            'DD_CLIENT_TOKEN="pubd4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9"',
        ],
    ),
    # defaults and dummies under secret names: the most common passwords, a value that repeats
    # the variable's name or the user beside it, short runs, keyboard column walks, a vendor
    # prefix with a few digits; short chosen passwords still count
    "well-known-and-default-values": (
        [
            ("MYSQL_ROOT_PASSWORD=Kx9mQ2", "Kx9mQ2"),
            ("ansible-playbook site.yml -e ansible_become_pass=falcon9", "falcon9"),
            ('{"username": "ops", "password": "Lq7x!2"}', "Lq7x!2"),
            (f"POSTGRES_USER: app\nPOSTGRES_PASSWORD: {PW}", PW),
            ("+DB_PASSWORD=7ujm9olp2wsx", "7ujm9olp2wsx"),
        ],
        [
            "  environment:\n    MYSQL_USER: mysql\n    MYSQL_PASSWORD: mysql",
            "RABBITMQ_DEFAULT_USER=guest RABBITMQ_DEFAULT_PASS=rabbitmq",
            "  POSTGRES_USER: shopdb\n  POSTGRES_PASSWORD: shopdb",
            "export API_SECRET=abc123 DEBUG=1",
            "SECRET_KEY=xyz789 make serve",
            '{"user": "qa", "password": "Password123"}',
            "password: qwerty123",
            "+ADMIN_PASSWORD=zaq1xsw2cde3vfr4",
            "+ADMIN_PASSWORD=2wsx3edc4rfv",
            "STRIPE_SECRET_KEY=sk_test_42 pytest -k billing",
            "GITHUB_TOKEN=ghp_1234 ./ci.sh",
        ],
    ),
    # a REPL echoing a credential-named environment lookup
    "repl-environment-echo": (
        [
            (f"In [4]: os.environ[\"DEPLOY_TOKEN\"]\nOut[4]: '{OPAQUE}'\n", OPAQUE),
            (f"In [2]: os.getenv(\"DD_APP_KEY\")\n\nOut[2]: '{HEX64[:40]}'", HEX64[:40]),
            (f">>> os.environ.get('STRIPE_API_KEY')\n'{OPAQUE}'\n>>> ", OPAQUE),
        ],
        [
            "In [4]: os.environ[\"DEPLOY_TOKEN\"]\nOut[4]: '${DEPLOY_TOKEN}'",
            "In [5]: os.environ[\"HOME\"]\nOut[5]: '/home/jupyter-user'",
            "In [6]: os.environ[\"DEPLOY_TOKEN_FILE\"]\nOut[6]: '/run/secrets/deploy_token'",
        ],
    ),
    # positional secrets and literal values of secret stores' CLIs; 64-byte keys in configs
    "positional-and-config-values": (
        [
            (f"$ confluent api-key store QX7RT2LM9KD4WZ8A {OPAQUE} --resource lkc-9x8y", OPAQUE),
            (f"$ gh secret set DEPLOY_PASS -b'{PW}'", PW),
            (f"[archive]\ntype = azureblob\naccount = acmelogs\nkey = {B64_88}\n", B64_88),
            (f"$ vault operator unseal {B64_88[:43]}=\nKey    Value", B64_88[:43] + "="),
            (
                "$ vault operator init -format=json | jq -r '.unseal_keys_b64[0]'\n"
                f"{B64_88[10:53]}=",
                B64_88[10:53] + "=",
            ),
            (f"Unseal Key 1: {B64_88[20:64]}\nInitial Root Token: hvs.xyz", B64_88[20:64]),
        ],
        [
            "$ confluent api-key store QX7RT2LM9KD4WZ8A --resource lkc-9x8y",
            "$ confluent api-key store QX7RT2LM9KD4WZ8A - --resource lkc-9x8y",
            '$ gh secret set DEPLOY_PASS -b"$DEPLOY_PASS"',
            "[archive]\ntype = azureblob\naccount = acmelogs\nkey = ${AZURE_KEY}\n",
            "$ vault operator unseal\nUnseal Key (will be hidden):",
            "$ vault operator unseal -reset",
        ],
    ),
    # header and auth entries written as name/value objects (HAR, Postman)
    "name-value-objects": (
        [
            (
                '{"name": "Authorization", "value": "Basic ZGVwbG95OlF4N21McTJ3WnA5dg=="}',
                "ZGVwbG95OlF4N21McTJ3WnA5dg==",
            ),
            (f'"bearer": [{{"key": "token", "value": "{OPAQUE}", "type": "string"}}]', OPAQUE),
        ],
        [
            '{"name": "Authorization", "value": "Basic {{basicAuth}}"}',
            '"bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]',
            '{"name": "Accept", "value": "application/json"}',
        ],
    ),
    # an assignment's bare value is its whole line in env dumps and diffs, shell characters
    # and all
    "punctuated-line-values": (
        [
            (
                "$ env\nDJANGO_SECRET_KEY=k=@x&(*qrm2^z+t*-w4!b&*pp7hd0vc=e@+551r)n\nPATH=/bin",
                "k=@x&(*qrm2^z+t*-w4!b&*pp7hd0vc=e@+551r)n",
            ),
            (
                "@@ -1,2 +1,3 @@\n APP=web\n+SECRET_KEY=web-&k9=lb!i&l5(_v=dl!aq7*2\n PORT=80",
                "web-&k9=lb!i&l5(_v=dl!aq7*2",
            ),
        ],
        [
            "export interface Creds {\n  secretAccessKey: string;\n  sessionToken?: string;\n}",
            "token = make_token(user)",
            "password = getpass.getpass()",
            "SECRET_KEY=load_key(KEY_PATH)",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
