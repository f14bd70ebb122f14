"""blind15: more vendor formats (shapes from gitleaks' config/gitleaks.toml) and private keys."""

from __future__ import annotations

import random

from _blind15_gen import (
    ALNUM,
    B64URL,
    BECH32,
    DIGITS,
    HEX,
    UPPER,
    Case,
    jwt,
    rs,
    sendgrid,
    simple,
)
from _blind15_vendor import Spec, spec_cases


def _do(r: random.Random) -> str:
    return simple(r, "dop_v1_", HEX, 64)


def _vault(r: random.Random) -> str:
    return "hvs.CAESI" + rs(r, B64URL, 90)


def _tfc(r: random.Random) -> str:
    return rs(r, ALNUM, 14) + ".atlasv1." + rs(r, ALNUM + "_-", 67)


def _shopify(r: random.Random) -> str:
    return simple(r, r.choice(["shpat_", "shpat_", "shpca_", "shpss_"]), HEX, 32)


def _heroku(r: random.Random) -> str:
    return simple(r, "HRKU-AA", ALNUM + "_-", 58)


def _hex32(r: random.Random) -> str:
    return rs(r, HEX, 32)


def _grafana(r: random.Random) -> str:
    return "glsa_" + rs(r, ALNUM, 32) + "_" + rs(r, HEX, 8)


def _newrelic(r: random.Random) -> str:
    return simple(r, "NRAK-", UPPER + DIGITS, 27)


def _linear(r: random.Random) -> str:
    return simple(r, "lin_api_", ALNUM, 40)


def _doppler(r: random.Random) -> str:
    return simple(r, r.choice(["dp.pt.", "dp.st.prd."]), ALNUM, 43)


def _age(r: random.Random) -> str:
    return simple(r, "AGE-SECRET-KEY-1", BECH32, 58)


def _pulumi(r: random.Random) -> str:
    return simple(r, "pul-", HEX, 40)


def _sentry(r: random.Random) -> str:
    return simple(r, "sntryu_", HEX, 64)


def _postman(r: random.Random) -> str:
    return "PMAK-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 34)


def _docker(r: random.Random) -> str:
    return simple(r, "dckr_pat_", B64URL, 27)


def _cloudflare(r: random.Random) -> str:
    return rs(r, ALNUM + "_-", 40)


def _pscale(r: random.Random) -> str:
    return simple(r, r.choice(["pscale_tkn_", "pscale_pw_"]), ALNUM + "_", 43)


def _mailgun(r: random.Random) -> str:
    return simple(r, "key-", HEX, 32)


SPECS_B: list[Spec] = [
    (
        "sendgrid-api-key",
        sendgrid,
        ["SENDGRID_API_KEY"],
        [
            'curl --request POST --url https://api.sendgrid.com/v3/mail/send --header "Authorization: Bearer {v}" -d @mail.json',
            "heroku config:set SENDGRID_API_KEY={v}",
            "  smtp_password: {v}\n  smtp_user: apikey",
        ],
    ),
    (
        "mailgun-api-key",
        _mailgun,
        ["MAILGUN_API_KEY", "MG_API_KEY"],
        [
            "curl -s --user 'api:{v}' https://api.mailgun.net/v3/mg.acme.io/messages -F to=bob@acme.io -F text=ok",
            "curl --user api:{v} https://api.eu.mailgun.net/v3/domains",
        ],
    ),
    (
        "digitalocean-token",
        _do,
        ["DIGITALOCEAN_TOKEN", "DO_API_TOKEN"],
        [
            "doctl auth init -t {v}",
            'curl -X GET -H "Authorization: Bearer {v}" "https://api.digitalocean.com/v2/droplets?page=1"',
            "$ cat ~/.config/doctl/config.yaml\naccess-token: {v}\ncontext: default",
        ],
    ),
    (
        "vault-token",
        _vault,
        ["VAULT_TOKEN"],
        [
            "VAULT_TOKEN={v} vault kv get -mount=secret payments/stripe",
            "vault login {v}",
            'curl -H "X-Vault-Token: {v}" https://vault.acme.io:8200/v1/secret/data/app',
            "Key                  Value\n---                  -----\ntoken                {v}\ntoken_accessor       zW9kYbQ2cT1pLrX4aN8mVs0e\ntoken_duration       768h",
        ],
    ),
    (
        "terraform-cloud-token",
        _tfc,
        ["TF_TOKEN_app_terraform_io", "TFE_TOKEN"],
        [
            '$ cat ~/.terraform.d/credentials.tfrc.json\n{\n  "credentials": {\n    "app.terraform.io": {\n      "token": "{v}"\n    }\n  }\n}',
            'curl -H "Authorization: Bearer {v}" https://app.terraform.io/api/v2/organizations/acme/workspaces',
        ],
    ),
    (
        "shopify-token",
        _shopify,
        ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"],
        [
            'curl -H "X-Shopify-Access-Token: {v}" https://acme-store.myshopify.com/admin/api/2024-04/products.json',
            "curl -X POST https://acme-store.myshopify.com/admin/api/2024-04/graphql.json -H 'X-Shopify-Access-Token: {v}' -d @q.json",
        ],
    ),
    (
        "jwt",
        jwt,
        ["ACCESS_TOKEN", "ID_TOKEN", "AUTH_JWT"],
        [
            'curl -H "Authorization: Bearer {v}" https://api.acme.io/v1/me',
            "curl -b 'session={v}' https://app.acme.io/dashboard",
            "kubectl --token {v} get nodes",
            "$ kubectl config view --raw -o jsonpath='{.users[0].user.token}'\n{v}",
            "Set-Cookie: id_token={v}; Path=/; HttpOnly; Secure",
            "wscat -c 'wss://rt.acme.io/socket?access_token={v}'",
        ],
    ),
    (
        "heroku-api-key",
        _heroku,
        ["HEROKU_API_KEY"],
        [
            "$ heroku auth:token\n{v}",
            "$ cat ~/.netrc\nmachine api.heroku.com\n  login ops@acme.io\n  password {v}",
            'curl -n https://api.heroku.com/apps -H "Accept: application/vnd.heroku+json; version=3" -H "Authorization: Bearer {v}"',
        ],
    ),
    (
        "datadog-api-key",
        _hex32,
        ["DD_API_KEY", "DATADOG_API_KEY"],
        [
            'curl -X GET "https://api.datadoghq.com/api/v1/validate" -H "DD-API-KEY: {v}"',
            'DD_API_KEY={v} DD_SITE="datadoghq.eu" bash -c "$(curl -L https://install.datadoghq.com/scripts/install_script_agent7.sh)"',
            "helm install datadog-agent datadog/datadog --set datadog.apiKey={v} --set datadog.site=datadoghq.com",
            "docker run -d --name dd-agent -e DD_API_KEY={v} -v /var/run/docker.sock:/var/run/docker.sock:ro gcr.io/datadoghq/agent:7",
        ],
    ),
    (
        "grafana-token",
        _grafana,
        ["GRAFANA_TOKEN", "GRAFANA_SA_TOKEN"],
        [
            'curl -H "Authorization: Bearer {v}" https://grafana.acme.io/api/dashboards/uid/k8s-nodes',
            "grafanactl config set contexts.prod.grafana.token {v}",
        ],
    ),
    (
        "newrelic-key",
        _newrelic,
        ["NEW_RELIC_API_KEY", "NEW_RELIC_USER_KEY"],
        [
            'curl https://api.newrelic.com/graphql -H "API-Key: {v}" -d \'{"query":"{ actor { user { name } } }"}\'',
            "newrelic profiles add --profile prod --apiKey {v} --region US --accountId 3310271",
        ],
    ),
    (
        "linear-api-key",
        _linear,
        ["LINEAR_API_KEY"],
        [
            'curl -X POST https://api.linear.app/graphql -H "Authorization: {v}" -H "Content-Type: application/json" -d \'{"query":"{ viewer { id } }"}\'',
        ],
    ),
    (
        "doppler-token",
        _doppler,
        ["DOPPLER_TOKEN"],
        [
            "doppler configure set token {v} --scope /srv/app",
            "docker run -e DOPPLER_TOKEN={v} acme/api:2.3 doppler run -- node server.js",
        ],
    ),
    (
        "age-secret-key",
        _age,
        ["SOPS_AGE_KEY"],
        [
            "$ cat ~/.config/sops/age/keys.txt\n# created: 2024-03-02T10:11:12Z\n# public key: age1qz7w5ucj2n0f8y6x4k3m9p2l5s8d7g6h4j3k2l1m0n9b8v7c6x5zq8a4wz\n{v}",
            "echo '{v}' > key.txt && sops -d secrets.enc.yaml",
        ],
    ),
    (
        "pulumi-token",
        _pulumi,
        ["PULUMI_ACCESS_TOKEN"],
        [
            'curl -H "Authorization: token {v}" https://api.pulumi.com/api/user/stacks',
            "PULUMI_ACCESS_TOKEN={v} pulumi up --yes --stack acme/prod",
        ],
    ),
    (
        "sentry-token",
        _sentry,
        ["SENTRY_AUTH_TOKEN"],
        [
            "sentry-cli --auth-token {v} releases new -p web 2024.05.02",
            'curl https://sentry.io/api/0/projects/ -H "Authorization: Bearer {v}"',
            "$ cat ~/.sentryclirc\n[auth]\ntoken={v}",
        ],
    ),
    (
        "postman-api-key",
        _postman,
        ["POSTMAN_API_KEY"],
        [
            'curl -H "X-Api-Key: {v}" https://api.getpostman.com/collections',
            "postman login --with-api-key {v}",
        ],
    ),
    (
        "dockerhub-pat",
        _docker,
        ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"],
        [
            "docker login -u acmebot -p {v}",
            "echo {v} | docker login -u acmebot --password-stdin",
            'curl -s -H "Content-Type: application/json" -X POST -d \'{"username":"acmebot","password":"{v}"}\' https://hub.docker.com/v2/users/login/',
        ],
    ),
    (
        "cloudflare-api-token",
        _cloudflare,
        ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"],
        [
            'curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {v}"',
            "CLOUDFLARE_API_TOKEN={v} wrangler deploy",
            "flarectl --api-token {v} zone list",
        ],
    ),
    (
        "planetscale-token",
        _pscale,
        ["PLANETSCALE_SERVICE_TOKEN", "DATABASE_PASSWORD"],
        [
            "mysql -h aws.connect.psdb.cloud -u 8x2kq0r1c3 -p{v} --ssl-mode=VERIFY_IDENTITY shop",
            "pscale deploy-request create shop main --service-token {v} --service-token-id 7k2q9",
        ],
    ),
]


def vendor_b(r: random.Random) -> list[Case]:
    return spec_cases(r, SPECS_B)
