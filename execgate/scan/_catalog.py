"""What each secret rule finds, for documentation: ``rule_catalog()`` lists every rule id of
``RULES`` once, with its provider, what it finds and an example shape. Pure.

The example is a shape, never a credential: angle brackets name the random part
(``<36 base62>``), so the generated table can itself be scanned without a finding.
"""

from __future__ import annotations

import attrs

from ._rules import RULES


@attrs.frozen
class RuleDoc:
    rule_id: str
    provider: str
    #: What the rule finds, in a few words.
    finds: str
    #: The shape of a match, random parts in angle brackets.
    example: str


#: rule id -> (what it finds, example shape)
_DOCS: dict[str, tuple[str, str]] = {
    "aws-access-key-id": ("AWS access key ids", "AKIA<16 A-Z2-7>"),
    "aws-session-token": ("AWS STS session tokens", "IQoJb3JpZ2luX2Vj<base64>"),
    "aws-secret-access-key": (
        "AWS secret access keys named as such",
        "aws_secret_access_key = <40 base64>",
    ),
    "google-api-key": ("Google API keys", "AIza<35 URL-safe>"),
    "google-oauth-client-secret": ("Google OAuth client secrets", "GOCSPX-<28 URL-safe>"),
    "google-oauth-access-token": ("Google OAuth access tokens", "ya29.<30+ URL-safe>"),
    "azure-storage-key": (
        "Azure storage account keys (connection strings, options, `az ... keys list` output)",
        "AccountKey=<86 base64>== / --account-key <86 base64>==",
    ),
    "azure-sas-signature": ("Azure SAS signatures in URLs", "?...&sig=<40+ base64>"),
    "presigned-url-signature": (
        "S3 and Cloud Storage presigned URL signatures",
        "?X-Amz-...&X-Amz-Signature=<64 hex> / X-Goog-Signature=<hex>",
    ),
    "azure-client-secret": ("Azure AD client secrets", "<3>8Q~<31-34>"),
    "alibaba-access-key-id": ("Alibaba Cloud access key ids", "LTAI<12-20 base62>"),
    "alibaba-secret-key": (
        "Alibaba Cloud AccessKey secrets, named as such",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET=<30 base62>",
    ),
    "azure-shared-access-key": (
        "Azure Service Bus, Event Hubs and IoT Hub shared access keys",
        "SharedAccessKey=<43 base64>=",
    ),
    "aws-appsync-api-key": ("AWS AppSync API keys", "da2-<26 a-z0-9>"),
    "digitalocean-token": ("DigitalOcean tokens", "dop_v1_<64 hex>"),
    "databricks-token": ("Databricks tokens", "dapi<32 hex>"),
    "flyio-token": ("Fly.io tokens", "fo1_<43 URL-safe> / FlyV1 fm2_<100+ base64>,fm2_<...>"),
    "heroku-api-key": ("Heroku API keys", "HRKU-<60 URL-safe>"),
    "pulumi-token": ("Pulumi access tokens", "pul-<40 hex>"),
    "terraform-cloud-token": ("Terraform Cloud tokens", "<14>.atlasv1.<60-70>"),
    "vault-token": (
        "HashiCorp Vault tokens (legacy s. tokens after vault login or X-Vault-Token)",
        "hvs.<24+ URL-safe> / vault login s.<24>",
    ),
    "supabase-token": ("Supabase access tokens and secret keys", "sbp_<40 hex> / sb_secret_<31+>"),
    "planetscale-token": ("PlanetScale tokens and passwords", "pscale_tkn_<32-64>"),
    "github-token": ("GitHub tokens (CRC32 checksum checked)", "ghp_<30 base62><6 checksum>"),
    "github-fine-grained-pat": (
        "GitHub fine-grained personal access tokens",
        "github_pat_<22 base62>_<59 base62>",
    ),
    "gitlab-token": ("GitLab tokens", "glpat-<20+ URL-safe>"),
    "gitlab-runner-registration": ("GitLab runner registration tokens", "GR1348941<20+>"),
    "npm-token": ("npm tokens (CRC32 checksum checked)", "npm_<30 base62><6 checksum>"),
    "pypi-token": ("PyPI and TestPyPI upload tokens", "pypi-AgEIcHlwaS5vcmc<50+>"),
    "rubygems-token": ("RubyGems API keys", "rubygems_<48 hex>"),
    "dockerhub-pat": ("Docker Hub personal access tokens", "dckr_pat_<27 URL-safe>"),
    "huggingface-token": ("Hugging Face tokens", "hf_<34 base62>"),
    "clojars-token": ("Clojars deploy tokens", "CLOJARS_<60 a-z0-9>"),
    "atlassian-api-token": (
        "Atlassian API tokens and admin API keys",
        "ATATT3<150+> / ATCTT3<150+>",
    ),
    "openai-api-key": ("OpenAI API keys", "sk-proj-<20+>T3BlbkFJ<20+>"),
    "openai-project-key": ("OpenAI project keys", "sk-proj-<40+ URL-safe>"),
    "anthropic-api-key": ("Anthropic API and admin keys", "sk-ant-api03-<93 URL-safe>AA"),
    "slack-token": ("Slack bot, user and refresh tokens", "xoxb-<digits>-<digits>-<24+>"),
    "slack-app-token": ("Slack app-level tokens", "xapp-1-<id>-<digits>-<64 hex>"),
    "credential-printed": (
        "A secret printed by the command before it (`aws configure get`, `vault kv get "
        "-field`, `echo $DB_PASSWORD`, `kubectl ... | base64 -d`, `wg genkey`, `cat` of a "
        "one-line file named for a credential), or a credential row of a Vault Key/Value "
        "table",
        "$ echo $DB_PASSWORD\\n<password>",
    ),
    "vendor-token": (
        "Tokens of more vendors with a distinctive prefix (RubyGems, Shippo, Typeform, "
        "Dynatrace, HubSpot, Brevo, Flutterwave, EasyPost, Frame.io, Clojars, JFrog, ReadMe, "
        "Scalingo, OpenShift, Prefect, Figma, Contentful, Duffel, Defined Networking, "
        "LangSmith, Pinecone, Dropbox, Harness, Google refresh tokens, Cloudflare Origin CA, "
        "Infracost, Mapbox secret tokens)",
        "rubygems_<48 hex> / dt0c01.<24>.<64> / pat-na1-<uuid> / figd_<40> / ...",
    ),
    "webhook-url": (
        "Webhook URLs that are their own credential (Zapier, Microsoft Teams, IFTTT)",
        "hooks.zapier.com/hooks/catch/<id>/<key>/",
    ),
    "braintree-access-token": (
        "Braintree access tokens",
        "access_token$production$<16 a-z0-9>$<32 hex>",
    ),
    "crates-io-token": ("crates.io API tokens", "cio<32 base62>"),
    "slack-webhook": ("Slack incoming webhook URLs", "hooks.slack.com/services/T<id>/B<id>/<24>"),
    "discord-webhook": ("Discord webhook URLs", "discord.com/api/webhooks/<id>/<60+>"),
    "discord-bot-token": (
        "Discord bot tokens, with or without context (the first part decodes to a user id)",
        "Authorization: Bot <base64 id>.<6>.<27-38>",
    ),
    "telegram-bot-token": ("Telegram bot tokens", "api.telegram.org/bot<8-10 digits>:AA<33>"),
    "stripe-secret-key": ("Stripe live secret and restricted keys", "sk_live_<10+ base62>"),
    "stripe-test-secret-key": ("Stripe test keys (redacted, not refused)", "sk_test_<20+>"),
    "stripe-webhook-secret": ("Stripe webhook signing secrets", "whsec_<32+ base62>"),
    "square-token": ("Square access tokens and secrets", "EAAA<60> / sq0csp-<43>"),
    "twilio-api-key": ("Twilio API key SIDs", "SK<32 hex>"),
    "sendgrid-api-key": ("SendGrid API keys", "SG.<22>.<43>"),
    "mailgun-api-key": ("Mailgun API keys", "key-<32 hex>"),
    "mailchimp-api-key": ("Mailchimp API keys", "<32 hex>-us<1-2 digits>"),
    "shopify-token": ("Shopify access tokens and secrets", "shpat_<32 hex>"),
    "linear-api-key": ("Linear API keys", "lin_api_<40 base62>"),
    "groq-api-key": ("Groq API keys", "gsk_<52 base62>"),
    "xai-api-key": ("xAI API keys", "xai-<80 base62>"),
    "perplexity-api-key": ("Perplexity API keys", "pplx-<48 base62>"),
    "replicate-api-token": ("Replicate API tokens", "r8_<37 base62>"),
    "tailscale-key": (
        "Tailscale auth, API, OAuth client, SCIM and webhook keys",
        "tskey-auth-<key id>-<secret>",
    ),
    "netlify-token": ("Netlify personal access tokens", "nfp_<36 base62>"),
    "buildkite-token": ("Buildkite API access tokens", "bkua_<40 hex>"),
    "notion-token": ("Notion integration tokens", "ntn_<46 base62> / secret_<43>"),
    "okta-api-token": ("Okta API tokens under an Okta name", "OKTA_API_TOKEN=00<40 URL-safe>"),
    "airtable-pat": ("Airtable personal access tokens", "pat<14>.<64 hex>"),
    "postman-api-key": ("Postman API keys", "PMAK-<24 hex>-<34 hex>"),
    "doppler-token": ("Doppler tokens", "dp.st.<config>.<40+ base62>"),
    "sentry-token": ("Sentry user and organization auth tokens", "sntryu_<64 hex> / sntrys_<60+>"),
    "newrelic-key": ("New Relic user, insert, query and browser keys", "NRAK-<27 A-Z0-9>"),
    "newrelic-license-key": ("New Relic license keys", "<36 hex>NRAL / eu01xx<30 hex>NRAL"),
    "grafana-token": ("Grafana Cloud and service account tokens", "glsa_<32>_<8 hex>"),
    "datadog-key": ("Datadog API and application keys, named as such", "DD_API_KEY=<32 hex>"),
    "mapbox-secret-token": ("Mapbox secret tokens", "sk.eyJ<50+>.<20+>"),
    "dropbox-token": ("Dropbox access tokens", "sl.<130+>"),
    "twitter-bearer": ("Twitter/X app bearer tokens", "AAAAAAAAAAAAAAAAAAAAA<30+>"),
    "facebook-access-token": ("Facebook user, page and explorer tokens", "EAA<100+ base62>"),
    "facebook-app-token": ("Facebook app tokens near 'facebook'", "<15-16 digits>|<27-32>"),
    "grafana-api-key": ("Grafana legacy API keys", 'eyJrIjoi<base64 of {"k":...}>'),
    "mongodb-atlas-secret": ("MongoDB Atlas service account secrets", "mdb_sa_sk_<40>"),
    "fcm-server-key": ("Firebase Cloud Messaging legacy server keys", "AAAA<7>:APA91b<134>"),
    "launchdarkly-key": (
        "LaunchDarkly SDK and mobile keys; API access tokens named for LaunchDarkly",
        "sdk-<uuid> / mob-<uuid> / LD_API_KEY=api-<uuid>",
    ),
    "azure-devops-pat": (
        "Azure DevOps personal access tokens (84-character format)",
        "<52 base62>JQQJ<20>AZDO<4>",
    ),
    "connection-string-password": (
        "Passwords quoted in braces in ODBC/ADO connection strings",
        "Pwd={<password>};",
    ),
    "wireguard-private-key": (
        "WireGuard private and preshared keys in a config (never PublicKey)",
        "PrivateKey = <43 base64>= / PresharedKey = <43 base64>=",
    ),
    "private-key": (
        "PEM private keys with a key body (also base64-wrapped)",
        "-----BEGIN <type> PRIVATE KEY-----<body>-----END ...",
    ),
    "age-secret-key": ("age secret keys", "AGE-SECRET-KEY-1<58 bech32>"),
    "jwt": ("JSON Web Tokens (not jwt.io's example)", "eyJ<header>.eyJ<claims>.<signature>"),
    "authorization-bearer": (
        "Bearer and token credentials, in a header or after the scheme word",
        "Authorization: Bearer <token>",
    ),
    "authorization-basic": (
        "HTTP Basic credentials that decode to user:password",
        "Authorization: Basic <base64 user:pass>",
    ),
    "url-password": ("Passwords in URLs (database, broker, git)", "scheme://user:<password>@host"),
    "docker-config-auth": ("Docker config auth entries", '"auth": "<base64 user:pass>"'),
    "kubernetes-secret-data": ("Values of a Kubernetes Secret's data", "data:\\n  key: <base64>"),
    "netrc-password": (".netrc passwords", "machine <host> login <user> password <pw>"),
    "credential-directive": (
        "Passwords in config directives (redis.conf)",
        "requirepass <pw> / masterauth <pw>",
    ),
    "dsn-password": ("Passwords in Go/MySQL DSNs", "user:<pw>@tcp(host:3306)/db"),
    "credential-assignment": (
        "Values assigned to credential names (env, YAML, JSON, code)",
        'DB_PASSWORD=<value> / "api_key":"<value>"',
    ),
    "credential-userpass": ("user:password given to curl, wget, httpie", "curl -u user:<pw>"),
    "credential-flag": (
        "Values of credential options of any CLI, and per-program password flags",
        "--api-key <value> / mysql -p<pw> / sshpass -p <pw>",
    ),
    "credential-stdin": (
        "Passwords piped or here-stringed into sudo -S, --password-stdin, chpasswd",
        "echo <pw> | sudo -S ... / sudo -S ... <<< <pw>",
    ),
    "credential-sql": (
        "Passwords in SQL statements",
        "CREATE USER u IDENTIFIED BY '<pw>' / ALTER USER u WITH PASSWORD '<pw>'",
    ),
    "credential-env": (
        "Credentials set by Dockerfile ENV or Windows setx, or given as a name and a value"
        " apart (Kubernetes env, ECS task definitions)",
        "ENV DB_PASSWORD <value> / setx API_TOKEN <value> / - name: DB_PASSWORD value: <value>",
    ),
    "credential-xml": ("XML elements named for a credential", "<password>pw</password>"),
    "secrets-set": (
        "Values given to secret stores' CLIs",
        "fly secrets set NAME=<value> / gh secret set NAME --body <value>",
    ),
    "api-key-header": ("API key headers", "X-Api-Key: <key>"),
    "authorization-header": (
        "Authorization headers with any other scheme or none",
        "Authorization: SSWS <token> / Authorization: <token>",
    ),
    "url-query-key": ("API keys in a URL's key= parameter", "https://host/path?key=<key>"),
    "twitter-credential": (
        "Twitter/X consumer keys and secrets, access tokens, named as such",
        "TWITTER_CONSUMER_SECRET=<50 base62>",
    ),
    "credential-define": (
        "PHP constants, .NET environment variables and Java properties named for a credential",
        "define('DB_PASSWORD', '<pw>') / setProperty(\"...keyStorePassword\", \"<pw>\")",
    ),
    "cookie-session": (
        "Session and auth cookie values (Cookie, Set-Cookie, curl -b)",
        "Cookie: session=<16+> / curl -b 'PHPSESSID=<id>'",
    ),
    "credential-sensitive-output": (
        "Values of sensitive terraform outputs (terraform output -json)",
        '"sensitive": true, "type": "string", "value": "<value>"',
    ),
    "credential-urlencoded": (
        "Credential assignments percent-encoded in URLs and form bodies",
        "password%3D<value> / %22api_key%22%3A%22<value>%22",
    ),
    "credential-announced": (
        "Credentials a program announces (Your new API key is: ...)",
        "Your new API key is: <value>",
    ),
    "credential-pgpass": (
        "Passwords in libpq password file lines written to ~/.pgpass",
        "host:5432:db:user:<pw> > ~/.pgpass",
    ),
    "npmrc-auth": (".npmrc _auth values that decode to user:password", "//host/:_auth=<base64>"),
    "ethereum-private-key": (
        "Ethereum private keys given to --private-key or named PRIVATE_KEY",
        "--private-key 0x<64 hex>",
    ),
    "bip39-mnemonic": (
        "BIP-39 recovery phrases named as a mnemonic or a seed phrase",
        'MNEMONIC="<12-24 words>"',
    ),
    "putty-private-key": (
        "The private lines of PuTTY .ppk key files",
        "PuTTY-User-Key-File-3: ... Private-Lines: N <base64 lines>",
    ),
    "twilio-auth-token": (
        "Twilio auth tokens",
        "-u AC<32 hex>:<32 hex> / TWILIO_AUTH_TOKEN=<32 hex>",
    ),
}


def rule_catalog() -> tuple[RuleDoc, ...]:
    """Every rule id in ``RULES`` order, once, with what it finds and an example shape."""
    out: list[RuleDoc] = []
    seen: set[str] = set()
    for rule in RULES:
        if rule.rule_id in seen:
            continue
        seen.add(rule.rule_id)
        finds, example = _DOCS[rule.rule_id]
        out.append(RuleDoc(rule.rule_id, rule.provider, finds, example))
    return tuple(out)
