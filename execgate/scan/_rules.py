"""The secret rules of vendor formats and structures, written as a table: rule id, provider,
keywords, pattern, confidence. ``RULES`` is this table followed by the command-line context
rules of ``_context_rules``.

Each pattern has one group named ``secret``: the span that is reported and redacted (other
named groups, such as a quote or an option name, only help the match). Patterns are
anchored on structure a credential cannot avoid (a vendor prefix, a PEM armour line, an
``Authorization`` header, the ``user:password@`` of a URL, a credential name in an
assignment), never on entropy over every token.

Speed: a rule runs only when one of its ``keywords`` (lower case) occurs in the lower-cased
text — a C substring search — and its pattern starts with a literal where it can, so the
regex engine skips ahead too (a leading ``\\b`` or character class costs ~50x). Word
boundaries of ``bounded`` rules are checked in code. No pattern nests quantifiers and every
repetition has an upper bound, so no match attempt reads more than a few KiB and none can
backtrack catastrophically (tested with long adversarial strings).
"""

from __future__ import annotations

import re

from ._context_rules import CONTEXT_RULES
from ._rule import Rule
from ._rule import ctx as _ctx
from ._rule import make as _make
from ._rule import token as _token
from ._values import DOCUMENTED_EXAMPLES, is_placeholder

_B62 = "A-Za-z0-9"
_URLSAFE = "A-Za-z0-9_\\-"

_VENDOR_AND_STRUCTURE: tuple[Rule, ...] = (
    # --- cloud providers ------------------------------------------------------------------
    _token(
        "aws-access-key-id",
        "aws",
        "akia asia abia acca",
        r"(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})",
        glue_left=True,
    ),
    _token(
        "aws-session-token",
        "aws",
        "iqojb3jpz2lux2vj fwogzxivyxdze",
        # An STS session token: base64 of a binary blob that opens with its origin field
        # (IQoJb3JpZ2luX2Vj... is "!\n\torigin_ec"; older ones FwoGZXIvYXdzE...): the
        # shape alone says what it is, under any name
        r"(?P<secret>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/]{100,4096}={0,2})",
        glue_left=True,
    ),
    _ctx(
        "aws-secret-access-key",
        "aws",
        "secret_access_key secretaccesskey secret-access-key aws_secret_key aws-secret-key "
        "awssecretkey awssecretaccesskey s3a.secret.key s3.secret.key",
        # "=" or ":" (env files, JSON, YAML) or a space (`aws configure set NAME VALUE`,
        # ini files written by hand), the value bare or quoted.
        # (a Markdown table's cells too: | `AWS_SECRET_ACCESS_KEY` | `...` |)
        r"(?i)(?:secret[_\-]?access|aws[_\-]?secret|s3a?\.secret)[_\-.]?key(?:\\?[\"'`])?"
        r"(?:\s*[=:|]\s*|[ \t]+)(?:\\?[\"'`])?"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        0.9,
        anchored=False,
    ),
    _ctx(
        "aws-secret-access-key",
        "aws",
        "akia asia",
        # the secret after its key id on the same line: credentials.csv, `aws iam
        # create-access-key --output text`, ID:SECRET pairs
        r"(?:AKIA|ASIA)[A-Z2-7]{16}[^\n]{1,100}?(?<![A-Za-z0-9/+=])"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        0.9,
        anchored=False,
        check="random",
    ),
    _ctx(
        "aws-secret-access-key",
        "aws",
        ("secret access key [",),
        # `aws configure`'s prompt, answered: AWS Secret Access Key [None]: VALUE
        r"(?i)secret access key \[[^\]\n]{0,40}\]:[ \t]*"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        0.9,
        check="random",
    ),
    _token(
        "google-api-key",
        "google",
        "aiza",
        r"(?P<secret>AIza[" + _URLSAFE + r"]{35})",
        glue_left=True,
    ),
    _token(
        "google-oauth-client-secret",
        "google",
        "gocspx-",
        r"(?P<secret>GOCSPX-[" + _URLSAFE + r"]{28})",
        glue_left=True,
    ),
    _token(
        "google-oauth-access-token",
        "google",
        "ya29.",
        # service accounts' and workload identity's tokens have more dot-separated parts
        # (ya29.c.b0Aaek...); a dot that ends a sentence is not one of them
        r"(?P<secret>ya29\.[" + _URLSAFE + r"]{1,1024}(?:\.[" + _URLSAFE + r"]{1,1024}){0,4})",
        check="long",
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        "accountkey account_key account-key account.key storage_key storage-key storage.key "
        "storagekey accesskey access_key access-key access.key",
        # a connection string's AccountKey=, AZURE_STORAGE_KEY / _ACCOUNT_KEY / _ACCESS_KEY,
        # `az storage ... --account-key VALUE`, `-StorageAccountKey VALUE`: the name, a few
        # characters (quotes, a separator, a type), then the 64-byte key in base64; code
        # that wraps the long literal puts it on the next line (`KEY =\n    "..."`,
        # `AccountKey{\n "..."`, `process.env.ACCOUNT_KEY ||\n "..."`)
        r"(?i)(?:account|storage|access)[_.\-]?key[^\n]{0,25}?(?:\n[ \t]{0,64}[^\n]{0,8}?)?"
        r"(?<![A-Za-z0-9+/])(?P<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])",
        0.95,
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        "connection_string connection-string connectionstring",
        # the 64-byte key alone where a connection string is expected
        # (AZURE_STORAGE_CONNECTION_STRING: "<88 base64>"): nothing else has that shape
        r"(?i)connection[_\-]?string[^\n]{0,25}?(?<![A-Za-z0-9+/])"
        r"(?P<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])",
        0.9,
        check="random",
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        '"keyname"',
        # `az storage account keys list` output: {"keyName": "key1", ..., "value": "<key>"}
        r'(?i)"keyName"\s*:\s*"[\w\-]{1,32}"[^{}]{0,300}?"value"\s*:\s*"'
        r"(?P<secret>[A-Za-z0-9+/]{86}==)\"",
        0.95,
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        "keyname",
        # the same output as a table (`--output table`): KeyName  Permissions  Value
        r"KeyName[ \t]+Permissions[ \t]+Value[^{}]{0,400}?(?<![A-Za-z0-9+/])"
        r"(?P<secret>[A-Za-z0-9+/]{86}==)",
        0.95,
        anchored=False,
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        ("keys list", "keys renew"),
        # `az storage account keys list|renew ... -o tsv` (or `--query [0].value`): the
        # command, then the bare keys on the lines of its output
        # (the key starts a line, or follows a table's name and permission columns)
        r"account[ \t]+keys[ \t]+(?:list|renew)\b[^\n]{0,512}\n(?:[^\n]{0,256}\n){0,6}?"
        r"[ \t]{0,16}(?:[\w\-]{1,32}[ \t]+){0,2}(?P<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])",
        0.95,
        anchored=False,
        check="random",
    ),
    _ctx(
        "azure-storage-key",
        "azure",
        ("key =", "key="),
        # a config's bare `key = ` holding 64 bytes in base64 (88 characters, "=="): rclone's
        # azureblob remote, an ini file's storage section
        r"(?<![\w.\-])key[ \t]*=[ \t]*[\"']?(?P<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])",
        0.9,
        check="random",
    ),
    _ctx(
        "azure-shared-access-key",
        "azure",
        "sharedaccesskey=",
        # Service Bus / Event Hubs / IoT Hub connection strings: SharedAccessKey=<44 base64>
        r"(?i)SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{42,43}=)(?![A-Za-z0-9+/=])",
        0.95,
    ),
    _token(
        "aws-appsync-api-key",
        "aws",
        "da2-",
        # AWS AppSync API keys
        r"(?P<secret>da2-[a-z0-9]{26})",
        0.9,
        check="mixed",
    ),
    _ctx(
        "azure-sas-signature",
        "azure",
        "sig=",
        r"[?&]sig=(?P<secret>[A-Za-z0-9%+/=]{40,1024})",
        0.8,
        anchored=False,
    ),
    _ctx(
        "presigned-url-signature",
        "url",
        "x-amz-signature x-goog-signature",
        # A presigned URL's signature (S3's X-Amz-Signature, Cloud Storage's X-Goog-Signature):
        # whoever holds the URL can use it until it expires, so the signature is the
        # capability; also percent-encoded inside another URL (`next=https%3A...%26X-Amz-...`)
        r"(?i)(?:[?&]|%26|%3F)X-(?:Amz|Goog)-Signature(?:=|%3D)(?P<secret>[0-9a-f]{64,1024})\b",
        0.8,
        anchored=False,
    ),
    _token(
        "azure-client-secret",
        "azure",
        "q~",
        r"(?P<secret>[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})",
        0.9,
        anchored=False,
    ),
    _token(
        "alibaba-access-key-id",
        "alibaba",
        "ltai",
        # LTAI + 20 (LTAI5t..., LTAI4G...) or, for older keys, 12 base62 characters
        r"(?P<secret>LTAI[" + _B62 + r"]{12,20})",
        0.85,
        check="mixed",
    ),
    _ctx(
        "alibaba-secret-key",
        "alibaba",
        "alibaba alicloud aliyun",
        # the 30-character AccessKey secret, named for Alibaba Cloud (ALIBABA_CLOUD_ACCESS_
        # KEY_SECRET, ALICLOUD_SECRET_KEY, alibaba_secret = ...)
        r"(?i)(?:alibaba|alicloud|aliyun)[\w.\-]{0,40}?(?:secret|key)[\w]{0,12}[\"']?"
        r"[ \t]*[=:][ \t]*[\"']?(?P<secret>[" + _B62 + r"]{30})(?![" + _B62 + r"])",
        0.9,
        anchored=False,
        check="token",
    ),
    _ctx(
        "alibaba-secret-key",
        "alibaba",
        "ltai",
        # the secret beside its AccessKey id, named only as a key or a secret (a log line,
        # a config block): the id first, then the secret within a few lines ...
        r"LTAI[" + _B62 + r"]{12,21}(?![" + _B62 + r"])[^\0]{1,300}?(?i:secret|key)\w{0,16}[\"']?"
        r"[ \t]*[=:][ \t]*[\"']?(?P<secret>[" + _B62 + r"]{30})(?![" + _B62 + r"])",
        0.85,
        anchored=False,
        check="random",
    ),
    _ctx(
        "alibaba-secret-key",
        "alibaba",
        "ltai",
        # ... or the secret first, then the id
        r"(?i:secret|key)\w{0,16}[\"']?[ \t]*[=:][ \t]*[\"']?(?P<secret>[" + _B62 + r"]{30})"
        r"(?![" + _B62 + r"])(?=[^\0]{1,200}?LTAI[" + _B62 + r"]{12,21}(?![" + _B62 + r"]))",
        0.85,
        anchored=False,
        check="random",
    ),
    _token(
        "digitalocean-token",
        "digitalocean",
        "dop_v1_ doo_v1_ dor_v1_",
        r"(?P<secret>do[por]_v1_[a-f0-9]{64})",
        glue_left=True,
    ),
    _token(
        "databricks-token",
        "databricks",
        "dapi dose",
        r"(?P<secret>(?:dapi|dose)[a-fA-F0-9]{32}(?:-\d)?)",
        0.9,
        glue_left=True,
    ),
    _token("flyio-token", "fly.io", "fo1_", r"(?P<secret>fo1_[" + _URLSAFE + r"]{43})"),
    _token(
        "flyio-token",
        "fly.io",
        "fm1a_ fm1r_ fm2_",
        # macaroon tokens (what `fly tokens create` prints after "FlyV1 "): one or more
        # base64 macaroons joined by commas, each with its own prefix
        r"(?P<secret>fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,4096}={0,3}"
        r"(?:,fm(?:1[ar]|2)_[A-Za-z0-9+/]{20,4096}={0,3}){0,8}"
        # (a discharge token, fo1_, may close the list)
        r"(?:,fo1_[" + _URLSAFE + r"]{43})?)",
        0.95,
    ),
    _token(
        "heroku-api-key",
        "heroku",
        "hrku-",
        r"(?P<secret>HRKU-[" + _URLSAFE + r"]{60})",
        glue_left=True,
    ),
    _token("pulumi-token", "pulumi", "pul-", r"(?P<secret>pul-[a-f0-9]{40})", glue_left=True),
    _token(
        "terraform-cloud-token",
        "hashicorp",
        ".atlasv1.",
        r"(?P<secret>[" + _B62 + r"]{14}\.atlasv1\.[" + _URLSAFE + r"=]{60,70})",
        anchored=False,
        glue_left=True,
    ),
    _token(
        "vault-token",
        "hashicorp",
        "hvs. hvb. hvr.",
        r"(?P<secret>hv[sbr]\.[" + _URLSAFE + r"]{24,1024})",
        glue_left=True,
    ),
    _token(
        "supabase-token",
        "supabase",
        "sbp_ sb_secret_",
        # personal access tokens (sbp_), and the secret API keys that replace the
        # service_role JWT (sb_secret_; sb_publishable_ keys are public)
        r"(?P<secret>sbp_(?:v0_)?[a-f0-9]{40}|sb_secret_[" + _URLSAFE + r"]{31,64})",
        glue_left=True,
    ),
    _token(
        "planetscale-token",
        "planetscale",
        "pscale_tkn_ pscale_pw_ pscale_oauth_",
        r"(?P<secret>pscale_(?:tkn|pw|oauth)_[" + _URLSAFE + r".]{32,64})",
        glue_left=True,
    ),
    _token(
        "tailscale-key",
        "tailscale",
        "tskey-",
        # auth, API, OAuth client, SCIM and webhook keys: tskey-<kind>-<key id>-<secret>
        r"(?P<secret>tskey-(?:auth|api|client|scim|webhook)-["
        + _B62
        + r"]{6,32}-["
        + _B62
        + r"]{16,64})",
        glue_left=True,
    ),
    _token(
        "netlify-token",
        "netlify",
        "nfp_",
        r"(?P<secret>nfp_[" + _B62 + r"]{36,40})",
        0.9,
        glue_left=True,
    ),
    # --- more vendors with a distinctive prefix (shapes as gitleaks and Kingfisher publish
    # them); found in any context, glued on the left where the prefix cannot end a word
    _token(
        "vendor-token",
        "various",
        "rubygems_ shippo_live_ shippo_test_ tfp_ dt0c01. pat-na1- pat-eu1- xkeysib- flwseck "
        "ezak eztk fio-u- clojars_ akcp rdme_ tk-us- sha256~ pnu_ figd_ cfpat- duffel_ dnkey- "
        "lsv2_pt_ lsv2_sk_ pcsk_ v1.0-",
        r"(?P<secret>rubygems_[a-f0-9]{48}|shippo_(?:live|test)_[a-f0-9]{40}"
        r"|tfp_[A-Za-z0-9_\-.=]{40,64}|dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"
        r"|pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
        r"|xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}|FLWSECK(?:_TEST)?-[a-h0-9]{32}-X"
        r"|EZ[AT]K[A-Za-z0-9]{54}|fio-u-[" + _URLSAFE + r"=]{64}|CLOJARS_[a-z0-9]{60}"
        r"|AKCp[A-Za-z0-9]{69}|rdme_[a-z0-9]{70}|tk-us-[" + _URLSAFE + r"]{48}"
        r"|sha256~[" + _URLSAFE + r"]{43}|pnu_[A-Za-z0-9]{36}|figd_[" + _URLSAFE + r"]{40}"
        r"|CFPAT-[" + _URLSAFE + r"]{43}|duffel_(?:test|live)_[" + _URLSAFE + r"=]{43}"
        r"|dnkey-[" + _URLSAFE + r"=]{26}-[" + _URLSAFE + r"=]{52}"
        r"|lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}|pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{40,80}"
        # Cloudflare Origin CA keys
        r"|v1\.0-[a-f0-9]{24}-[a-f0-9]{146})",
        0.9,
        glue_left=True,
    ),
    _token(
        "vendor-token",
        "various",
        "sl. pat. sat. 1//0 ico- sk.eyj",
        # Prefixes that can end a word: bounded on both sides. Dropbox short-lived tokens,
        # Harness PAT/SAT, Google OAuth refresh tokens, Infracost,
        # Mapbox secret tokens (sk.; pk. ones are public)
        r"(?P<secret>sl\.[" + _URLSAFE + r"=]{135,140}"
        r"|(?:pat|sat)\.[" + _URLSAFE + r"]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}"
        r"|1//0[" + _URLSAFE + r"]{40,512}"
        r"|ico-[A-Za-z0-9]{32}|sk\.eyJ[" + _URLSAFE + r"]{10,256}\.[" + _URLSAFE + r"]{20,32})",
        0.85,
        check="random",
    ),
    # --- code hosting and package registries ----------------------------------------------
    _token(
        "buildkite-token",
        "buildkite",
        "bkua_",
        r"(?P<secret>bkua_[a-f0-9]{40})",
        glue_left=True,
    ),
    _token(
        "github-token",
        "github",
        "ghp_ gho_ ghu_ ghs_ ghr_",
        r"(?P<secret>gh[pousr]_[" + _B62 + r"]{36})",
        0.9,
        checksum="github",
        glue_left=True,
    ),
    _token(
        "github-fine-grained-pat",
        "github",
        "github_pat_",
        r"(?P<secret>github_pat_[" + _B62 + r"]{22}_[" + _B62 + r"]{59})",
        0.98,
        glue_left=True,
    ),
    _token(
        "gitlab-token",
        "gitlab",
        "glpat- gldt- glrt- glptt- glsoat- glcbt- glft- gloas-",
        r"(?P<secret>gl(?:pat|dt|rt|ptt|soat|cbt|ft|oas)-[" + _URLSAFE + r"]{20,1024})",
        glue_left=True,
    ),
    _token(
        "gitlab-runner-registration",
        "gitlab",
        "gr1348941",
        r"(?P<secret>GR1348941[" + _URLSAFE + r"]{20,1024})",
    ),
    _token(
        "npm-token",
        "npm",
        "npm_",
        r"(?P<secret>npm_[" + _B62 + r"]{36})",
        0.9,
        checksum="npm",
        glue_left=True,
    ),
    _token(
        "pypi-token",
        "pypi",
        "pypi-ageichlwas5vcmc pypi-agendgvzdc5wexbplm9yzw",
        # pypi.org and test.pypi.org macaroons (the base64 of the host name follows "pypi-")
        r"(?P<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[" + _URLSAFE + r"]{50,1024})",
        0.99,
        glue_left=True,
    ),
    _token(
        "rubygems-token",
        "rubygems",
        "rubygems_",
        r"(?P<secret>rubygems_[a-f0-9]{48})",
        glue_left=True,
    ),
    _token(
        "dockerhub-pat",
        "docker",
        "dckr_pat_",
        r"(?P<secret>dckr_pat_[" + _URLSAFE + r"]{27})",
        glue_left=True,
    ),
    _token(
        "huggingface-token",
        "huggingface",
        "hf_ api_org_",
        r"(?P<secret>(?:hf_|api_org_)[" + _B62 + r"]{34})",
        0.9,
        glue_left=True,
    ),
    _token(
        "clojars-token", "clojars", "clojars_", r"(?P<secret>CLOJARS_[a-z0-9]{60})", glue_left=True
    ),
    _token(
        "atlassian-api-token",
        "atlassian",
        "atatt3 atctt3",
        # user API tokens (ATATT3) and organization admin API keys (ATCTT3)
        r"(?P<secret>AT[AC]TT3[" + _URLSAFE + r"=]{150,1024})",
        glue_left=True,
    ),
    # --- AI providers ---------------------------------------------------------------------
    _token(
        "openai-api-key",
        "openai",
        "t3blbkfj",
        r"(?P<secret>sk-(?:proj-|svcacct-|admin-)?["
        + _URLSAFE
        + r"]{20,1024}T3BlbkFJ["
        + _URLSAFE
        + r"]{20,1024})",
        0.97,
        anchored=False,
        glue_left=True,
    ),
    _token(
        "openai-project-key",
        "openai",
        "sk-proj-",
        r"(?P<secret>sk-proj-[" + _URLSAFE + r"]{40,1024})",
        0.95,
        glue_left=True,
    ),
    _token(
        "anthropic-api-key",
        "anthropic",
        "sk-ant-",
        r"(?P<secret>sk-ant-(?:api|admin)\d\d-[" + _URLSAFE + r"]{93}AA)",
        0.98,
        glue_left=True,
    ),
    _token("groq-api-key", "groq", "gsk_", r"(?P<secret>gsk_[" + _B62 + r"]{52})", glue_left=True),
    _token("xai-api-key", "xai", "xai-", r"(?P<secret>xai-[" + _B62 + r"]{80})", glue_left=True),
    _token(
        "perplexity-api-key",
        "perplexity",
        "pplx-",
        r"(?P<secret>pplx-[" + _B62 + r"]{48})",
        glue_left=True,
    ),
    _token(
        "replicate-api-token",
        "replicate",
        "r8_",
        r"(?P<secret>r8_[" + _B62 + r"]{37})",
        0.9,
        glue_left=True,
    ),
    # --- messaging, payments, SaaS ---------------------------------------------------------
    _token(
        "slack-token",
        "slack",
        "xoxb- xoxp- xoxa- xoxr- xoxs- xoxe",
        # xox?-<team or user id digits>-<more digits and random>; rotating xoxe.xoxp-1-<long>
        r"(?P<secret>xox[abprs]-\d{6,15}-[" + _B62 + r"\-]{8,1024}"
        r"|xoxe(?:\.xox[bp])?-\d-[" + _B62 + r"]{60,1024})",
        glue_left=True,
    ),
    _token(
        "slack-app-token",
        "slack",
        "xapp-",
        r"(?P<secret>xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,1024})",
        glue_left=True,
    ),
    _ctx(
        "slack-webhook",
        "slack",
        "hooks.slack.com",
        r"hooks\.slack\.com/(?:services|workflows)/(?P<secret>[A-Za-z0-9+/]{30,1024}|T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,1024})",
        0.95,
    ),
    _ctx(
        "slack-webhook",
        "slack",
        "/services/t",
        # the webhook's path without its host, as curl -v echoes the request line
        # (`> POST /services/T.../B.../...`): the T/B/24 shape is Slack's alone
        r"(?<![\w/.\-])/services/(?P<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})"
        r"(?![A-Za-z0-9])",
        0.95,
        anchored=False,
    ),
    _ctx(
        "webhook-url",
        "webhook",
        "hooks.zapier.com webhook.office.com outlook.office.com/webhook maker.ifttt.com",
        # Webhook URLs whose path is the credential (anyone holding the URL can post): the
        # whole URL is reported. Zapier's catch hooks, Microsoft Teams incoming webhooks
        # (webhookb2/<group>@<tenant>/IncomingWebhook/<32 hex>/<owner>), IFTTT's key.
        r"(?P<secret>https?://(?:hooks\.zapier\.com/hooks/catch/\d{3,12}/[a-z0-9]{5,12}/?"
        r"|[\w\-]{1,64}\.webhook\.office\.com/webhookb2/[0-9a-f\-]{36}@[0-9a-f\-]{36}"
        r"/IncomingWebhook/[0-9a-f]{32}/[0-9a-f\-]{36}(?:/[\w\-]{10,128})?"
        r"|outlook\.office(?:365)?\.com/webhook/[0-9a-f\-]{36}@[0-9a-f\-]{36}"
        r"/IncomingWebhook/[0-9a-f]{32}/[0-9a-f\-]{36}"
        r"|maker\.ifttt\.com/trigger/[\w\-]{1,64}/(?:json/)?with/key/[\w\-]{20,64}))",
        0.95,
        anchored=False,
    ),
    _ctx(
        "discord-webhook",
        "discord",
        "discord.com/api/webhooks discordapp.com/api/webhooks discord://",
        # (apprise's and shoutrrr's discord://ID/TOKEN too)
        r"(?:discord(?:app)?\.com/api/webhooks|discord:/)/\d+/"
        r"(?P<secret>[" + _URLSAFE + r"]{60,1024})",
        0.95,
    ),
    _ctx(
        "discord-bot-token",
        "discord",
        "discord",
        r"(?i)discord[\w\s\"':=]{0,30}?(?P<secret>[MNO][\w-]{23,27}\.[\w-]{6,7}\.[\w-]{27,40})",
        0.85,
        check="discord",
    ),
    _token(
        "discord-bot-token",
        "discord",
        # No keyword: a shape rule, tried where its needle (the dot-separated timestamp and
        # the start of the HMAC) occurs. The first segment is the base64 of the bot's user
        # id, 17 to 20 ASCII digits, so each group of four characters is one of a few
        # hundred, and the id must decode (the engine's discord check).
        "",
        r"(?P<secret>(?:[MNO][DTjz][AEIMQUYcgk][w-z0-5]){5,6}(?:[MNO][DTjz][AEIMQUYcgk]|[MNO][AQgw])?"
        r"\.[" + _URLSAFE + r"]{6}\.[" + _URLSAFE + r"]{27,38})",
        0.85,
        anchored=False,
        check="discord",
        needle=r"\.[" + _URLSAFE + r"]{6}\.[" + _URLSAFE + r"]{27}",
    ),
    _make(
        "telegram-bot-token",
        "telegram",
        ":aa %3aaa",
        # In API URLs the token follows "bot" with no separator (api.telegram.org/bot<id>:AA...),
        # its colon percent-encoded when the URL is (bot<id>%3AAA...); the id and ":AA" are
        # distinctive enough that any word may be glued before it (build_<id>:AA...). A run or a
        # repeat after the id (AAAAAAAA..., abcdefgh...) is a fixture.
        r"(?<![0-9])(?P<secret>\d{8,10}(?::|%3[Aa])AA[" + _URLSAFE + r"]{33})"
        r"(?![\w-])",
        0.95,
        anchored=False,
        placeholder_check=True,
    ),
    _ctx(
        "telegram-bot-token",
        "telegram",
        "telegram tgram:// bot_token bot-token bottoken",
        # Named as a Telegram or bot token, or in an apprise tgram:// URL, the second part
        # need not start with AA: <bot id>:<35 URL-safe characters>.
        r"(?i:telegram|tgram://|bot[_\-]?token)[^\n]{0,40}?(?<![\w:])"
        r"(?P<secret>\d{8,10}:[" + _URLSAFE + r"]{35})(?![\w-])",
        0.9,
        anchored=False,
    ),
    _token(
        "stripe-secret-key",
        "stripe",
        "sk_live_ rk_live_ sk_prod_ rk_prod_",
        r"(?P<secret>[sr]k_(?:live|prod)_[" + _B62 + r"]{10,1024})",
        0.97,
        glue_left=True,
    ),
    _token(
        "stripe-test-secret-key",
        "stripe",
        "sk_test_ rk_test_",
        r"(?P<secret>[sr]k_test_[" + _B62 + r"]{20,1024})",
        0.7,
    ),
    _token(
        "stripe-webhook-secret",
        "stripe",
        "whsec_",
        r"(?P<secret>whsec_[" + _B62 + r"]{32,1024})",
        glue_left=True,
    ),
    _token(
        "square-token",
        "square",
        "sq0atp- sq0csp- eaaa",
        r"(?P<secret>sq0atp-[" + _URLSAFE + r"]{22}|sq0csp-[" + _URLSAFE + r"]{43}"
        r"|EAAA[" + _URLSAFE + r"]{60})",
        glue_left=True,
    ),
    _token("twilio-api-key", "twilio", "sk", r"(?P<secret>SK[0-9a-fA-F]{32})", 0.75),
    _token(
        "sendgrid-api-key",
        "sendgrid",
        "sg.",
        r"(?P<secret>SG\.[" + _URLSAFE + r"]{22}\.[" + _URLSAFE + r"]{43})",
        0.98,
        glue_left=True,
    ),
    # (not after a hyphen: `build-key-<hash>` is a cache key)
    _token("mailgun-api-key", "mailgun", "key-", r"(?<!-)(?P<secret>key-[0-9a-f]{32})", 0.85),
    _token(
        "mailchimp-api-key",
        "mailchimp",
        "-us",
        r"(?P<secret>[0-9a-f]{32}-us\d{1,2})",
        0.85,
        anchored=False,
    ),
    _token(
        "shopify-token",
        "shopify",
        "shpat_ shpss_ shpca_ shppa_",
        r"(?P<secret>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})",
        glue_left=True,
    ),
    _token(
        "linear-api-key",
        "linear",
        "lin_api_",
        r"(?P<secret>lin_api_[" + _B62 + r"]{40})",
        glue_left=True,
    ),
    _token(
        "notion-token",
        "notion",
        "ntn_ secret_",
        # ntn_ and 46 letters and digits (documented as 11 digits then 35; seen without them)
        r"(?P<secret>ntn_[" + _B62 + r"]{46}|secret_[" + _B62 + r"]{43})",
        0.9,
        glue_left=True,
    ),
    _ctx(
        "okta-api-token",
        "okta",
        "okta",
        # Okta API tokens (`Authorization: SSWS <token>`): 00 + 40 URL-safe characters, no
        # prefix of their own: found under an OKTA name (OKTA_API_TOKEN=, okta_token:, a
        # table cell, `OKTA_CLIENT_TOKEN <token>`)
        r"(?i)okta[\w.\-]{0,40}?(?:token|key|ssws)\w{0,12}[\"']?[ \t]*(?:(?:[:=|│]|=>)[ \t]*)?"
        r"[\"']?(?-i:(?P<secret>00[" + _URLSAFE + r"]{40}))(?![\w\-])",
        0.9,
    ),
    _token("airtable-pat", "airtable", "pat", r"(?P<secret>pat[" + _B62 + r"]{14}\.[a-f0-9]{64})"),
    _token(
        "postman-api-key",
        "postman",
        "pmak-",
        r"(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})",
        glue_left=True,
    ),
    _token(
        "doppler-token",
        "doppler",
        "dp.pt. dp.st. dp.ct. dp.sa. dp.scim. dp.audit.",
        # personal, service (dp.st.<config>.), CLI, service account, SCIM and audit tokens
        r"(?P<secret>dp\.(?:pt|st|ct|sa|scim|audit)\.(?:[a-z0-9_\-]{1,32}\.)?"
        r"[" + _B62 + r"]{40,1024})",
        glue_left=True,
    ),
    _token(
        "sentry-token",
        "sentry",
        "sntrys_ sntryu_",
        r"(?P<secret>sntrys_[A-Za-z0-9+/=_]{60,1024}|sntryu_[a-f0-9]{64})",
        glue_left=True,
    ),
    _token(
        "newrelic-key",
        "newrelic",
        "nrak- nrjs- nrii- nriq-",
        # user API keys (NRAK-), browser keys (NRJS-), insert and query keys (NRII-, NRIQ-)
        r"(?P<secret>NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRI[IQ]-[" + _URLSAFE + r"]{32})",
        0.9,
        glue_left=True,
    ),
    _token(
        "newrelic-license-key",
        "newrelic",
        "nral",
        # 40 characters ending in NRAL: 36 hex, or a region (eu01xx) and 30 hex
        r"(?P<secret>(?:[a-f0-9]{36}|[a-z]{2}\d{2}xx[a-f0-9]{30})NRAL)",
        0.9,
        anchored=False,
    ),
    _token(
        "grafana-token",
        "grafana",
        "glc_ glsa_",
        r"(?P<secret>glc_[A-Za-z0-9+/]{32,1024}={0,2}|glsa_[" + _B62 + r"]{32}_[A-Fa-f0-9]{8})",
        glue_left=True,
    ),
    _ctx(
        "datadog-key",
        "datadog",
        "dd_api_key dd_app_key datadog_api_key datadog_app_key dd-api-key dd-application-key",
        # (as a header map's list, `"DD-API-KEY":["..."]`, a [name, value] pair or a HAR
        # entry's {"name": "dd-api-key", "value": "..."})
        r"(?i)(?:dd|datadog)[_\-](?:api|app|application)[_\-]key[\"']?\s*"
        r"(?:[=:]\s*\[?|,\s*(?:[\"']value[\"']\s*:\s*)?)\s*[\"']?(?P<secret>[a-f0-9]{32,40})\b",
        0.9,
    ),
    _token(
        "mapbox-secret-token",
        "mapbox",
        "sk.eyj",
        r"(?P<secret>sk\.eyJ[" + _URLSAFE + r"]{50,1024}\.[" + _URLSAFE + r"]{20,1024})",
    ),
    _token(
        "dropbox-token", "dropbox", "sl.", r"(?P<secret>sl\.[" + _URLSAFE + r"]{130,1024})", 0.85
    ),
    _token(
        "twitter-bearer",
        "twitter",
        "aaaaaaaaaaaaaaaaaaaaa",
        r"(?P<secret>AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,1024})",
        0.85,
    ),
    _token(
        "facebook-access-token",
        "facebook",
        "eaacedeose0cba eaa",
        # Graph API explorer tokens, and user/page tokens (EAA + the app's marker, long:
        # Square's EAAA tokens are 64 characters)
        r"(?P<secret>EAACEdEose0cBA[" + _B62 + r"]{20,1024}|EAA[" + _B62 + r"]{100,1024})",
    ),
    _ctx(
        "facebook-app-token",
        "facebook",
        "facebook",
        # an app access token: the app id, a pipe, the app secret or a signature
        r"(?i:facebook)[^\n]{0,64}?(?<!\d)(?P<secret>\d{15,16}\|[" + _URLSAFE + r"]{27,32})"
        r"(?![\w-])",
        0.85,
        anchored=False,
    ),
    _token(
        "grafana-api-key",
        "grafana",
        "eyjrijoi",
        # legacy API keys: base64 of {"k":"...","n":"...","id":N}
        r"(?P<secret>eyJrIjoi[A-Za-z0-9+/]{40,400}={0,2})",
        0.9,
    ),
    _token(
        "fcm-server-key",
        "google",
        ":apa91b",
        # Firebase Cloud Messaging legacy server keys: AAAA<7>:APA91b<134>
        r"(?P<secret>AAAA[" + _URLSAFE + r"]{7}:APA91b[" + _URLSAFE + r"]{120,160})",
        0.95,
        anchored=False,
    ),
    _token(
        "launchdarkly-key",
        "launchdarkly",
        "sdk- mob-",
        # LaunchDarkly server-side SDK keys and mobile keys: sdk-<uuid>, mob-<uuid>
        r"(?P<secret>(?:sdk|mob)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
        0.9,
    ),
    _ctx(
        "launchdarkly-key",
        "launchdarkly",
        ("launchdarkly", "ld_api", "ld_access", "ld-api"),
        # LaunchDarkly API access tokens (api-<uuid>), named for LaunchDarkly: "api-" and a
        # UUID alone could be any resource's name
        r"(?i:launchdarkly|(?<![a-z])ld[_\-])[^\n]{0,64}?(?<![\w-])"
        r"(?P<secret>api-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\w-])",
        0.9,
        anchored=False,
    ),
    _token(
        "azure-devops-pat",
        "azure",
        "jqqj",
        # Azure DevOps personal access tokens in the 84-character format: 52 random, the
        # JQQJ signature, 20 more, AZDO, 4 more
        r"(?P<secret>[" + _B62 + r"]{52}JQQJ[" + _B62 + r"]{20}AZDO[" + _B62 + r"]{4})",
        0.95,
        anchored=False,
    ),
    _ctx(
        "connection-string-password",
        "generic",
        "pwd={ password={ pwd ={ password ={",
        # ODBC/ADO connection strings quote a value in braces (it may then hold ';' and '=';
        # '}}' is a literal brace): Pwd={...}; a template's {{ ... }} is not one
        r"(?i)(?:pwd|password)[ \t]?=[ \t]*\{(?![{$%])(?P<secret>(?:[^}\n]|\}\}){1,256})\}",
        0.9,
        check="password",
    ),
    _token(
        "mongodb-atlas-secret",
        "mongodb",
        "mdb_sa_sk_",
        r"(?P<secret>mdb_sa_sk_[" + _URLSAFE + r"]{40})",
        0.95,
        glue_left=True,
    ),
    # --- keys and generic structures ------------------------------------------------------
    Rule(
        "private-key",
        "pem",
        ("private key",),
        re.compile(
            r"(?s)(?P<secret>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z))"
        ),
        0.99,
        anchored=False,
        check="pem",
    ),
    _token(
        "braintree-access-token",
        "braintree",
        "access_token$production$ access_token$sandbox$",
        r"(?P<secret>access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})",
        0.95,
        glue_left=True,
    ),
    _token(
        "crates-io-token",
        "crates.io",
        "cio",
        # crates.io API tokens: cio + 32 base62; bounded on both sides, the body mixing
        # digits and cases (cio begins words: "ciOXXX" in prose is not a token)
        r"(?P<secret>cio[" + _B62 + r"]{32})",
        0.85,
        check="random",
    ),
    _token(
        "age-secret-key",
        "age",
        "age-secret-key-1",
        r"(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        0.99,
        glue_left=True,
    ),
    _token(
        "jwt",
        "jwt",
        "eyj",
        r"(?P<secret>eyJ["
        + _URLSAFE
        + r"]{8,1024}\.eyJ["
        + _URLSAFE
        + r"]{8,1024}\.["
        + _URLSAFE
        + r"]{8,1024})",
        0.8,
        glue_left=True,
    ),
    _ctx(
        "authorization-bearer",
        "http",
        "bearer authorization",
        # a header line, a JSON or dict entry ("Authorization": "Bearer ..."); GitHub's
        # "token" scheme is the same thing
        # (the token stays on the scheme's line: an empty `Authorization: Bearer ` is not
        # followed by the next header as its token)
        r"(?i)(?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?(?:bearer|token)[ \t]+"
        # (a URL after the scheme word is not a token: `Bearer https://...`; a token may
        # hold ':', as Asana's 2/<user id>/<token id>:<hex> does)
        r"(?![a-z][a-z0-9+.\-]{0,16}://)(?P<secret>[A-Za-z0-9\-._~+/:]{1,4096}+=*+)(?!@)",
        0.9,
        anchored=False,
    ),
    _ctx(
        "authorization-basic",
        "http",
        "basic",
        # (a HAR file's header: {"name": "Authorization", "value": "Basic ..."})
        r"(?i)(?:authorization|proxy-authorization)(?:[\"']?\s*[:=]\s*[\"']?"
        r"|\"\s*,\s*\"value\"\s*:\s*\")basic\s+(?P<secret>[A-Za-z0-9+/]{8,1024}=*)",
        0.85,
        anchored=False,
    ),
    _ctx(
        "authorization-basic",
        "http",
        ("basic ", "basicauth", "basic_auth", "base64 -d", "base64 --decode"),
        # the same credential wherever its scheme or its name says so, and what is echoed
        # into `base64 -d` (an access log's auth="Basic ...", a "basicAuth": key); what it
        # decodes to must be a user and a password
        r"(?i)(?:(?<![\w-])basic[ \t]+|basic[_\-]?auth[\"']?[ \t]*[:=][ \t]*[\"']?"
        r"|echo[ \t]+(?:-n[ \t]+)?[\"']?(?=[A-Za-z0-9+/]{12,1024}=*[\"']?[ \t]*\|[ \t]*base64"
        r"[ \t]+(?:-d|--decode|-D)))(?P<secret>[A-Za-z0-9+/]{8,1024}=*)",
        0.85,
        anchored=False,
    ),
    _ctx(
        "url-password",
        "url",
        "://",
        # Anchored on "://" (a fast literal); the scheme before it does not matter.
        # '#' is allowed in the password: agents type it raw, and the '@' must follow anyway.
        # The user may be empty (redis://:password@host); a raw '@' in the password is taken
        # up to the last '@' before the host.
        r"://[^\s:/?#@\"'`]{0,256}:(?P<secret>[^\s/?\"'`]{1,256})@(?=[^\s@/?\"'`]*(?:[\s/?#\"'`]|\Z))",
        0.85,
    ),
    _ctx(
        "url-password",
        "url",
        "://",
        # a token given as a URL's whole userinfo (git's https://TOKEN@host/repo.git): no
        # colon, a generated value (a person's name is neither this long nor this random)
        r"://(?P<secret>[A-Za-z0-9_\-]{20,256})@"
        r"(?=[\w\-]{1,63}(?:\.[\w\-]{1,63})+(?:[:/?#\s\"']|\Z))",
        0.85,
        check="random",
    ),
    _ctx(
        "docker-config-auth",
        "docker",
        # JSON, or JSON escaped inside a string once or more (DOCKER_AUTH_CONFIG=
        # {\"auths\":...}, a TOML string holding it: {\\\"auths\\\":...})
        ('"auth"', 'auth\\"', "auth\\\\"),
        r"\"?auth\\{0,7}\"\s*:\s*\\{0,7}\"(?P<secret>[A-Za-z0-9+/]{12,1024}={0,2})\\{0,7}\"",
        0.9,
    ),
    Rule(
        "kubernetes-secret-data",
        "kubernetes",
        ("kind: secret", '"kind": "secret"'),
        # Every value under a Secret's data: is a credential, base64-encoded. Searched over
        # the whole manifest (the keyword may follow the data block).
        re.compile(
            r"(?m)^[ \t]+[A-Za-z0-9_.\-]{1,253}:[ \t]+"
            r"(?P<secret>[A-Za-z0-9+/]{8,4096}={0,2})[ \t]*$"
        ),
        0.9,
        anchored=False,
    ),
    _ctx(
        "netrc-password",
        "netrc",
        "password",
        r"(?m)\bmachine\s+\S+(?:\s+login\s+\S+)?\s+password\s+(?P<secret>\S+)",
        0.9,
        anchored=False,
    ),
    _ctx(
        "netrc-password",
        "netrc",
        "password",
        # ... its password on a line of its own under its machine, the lines marked as
        # grep -n, rg or a diff show them (`3:  password X`, `+  password X`)
        r"(?<!\w)machine[ \t]+\S+[^\n]{0,128}\n(?:[^\n]{0,128}\n){0,2}?"
        r"(?:[+\-]|\d{1,6}[:\-]|[^\s:]{1,256}[:\-]\d{1,6}[:\-])?[ \t]*"
        r"password[ \t]+(?P<secret>\S+)",
        0.9,
        anchored=False,
        check="password",
    ),
    _ctx(
        "credential-assignment",
        "generic",
        (
            *[
                "password",
                "passwd",
                "pwd",
                "_pass",
                "secret",
                "token",
                "api_key",
                "apikey",
                "api-key",
                "access_key",
                "private_key",
                "credential",
                "encryption_key",
                "encryption-key",
                "encryptionkey",
                "signing_key",
                "signing-key",
                "signingkey",
                "master_key",
                "master-key",
                "masterkey",
                "hmac_key",
                "hmac-key",
                "hmackey",
                "license_key",
                "license-key",
                "licensekey",
                "app_key",
                "appkey",
                "admin_key",
                "adminkey",
                "webhook_key",
                "shared_key",
                "sharedkey",
                "jwt_key",
                "passphrase",
                *(f"{w}{sep}key" for w in ("auth", "session", "client") for sep in ("_", "-", "")),
                *(f"pass{sep}" for sep in (":", "=", " =", " :", '":', "':")),
                *(f"{w}.key" for w in ("app", "api", "admin", "master", "license")),
                *(f"{w}.key" for w in ("signing", "encryption", "access")),
            ],
            # _PW and _PAT only right before the separator: "_pat" alone hits every "_path"
            *(f"_{w}{sep}" for w in ("pw", "pat") for sep in ("=", ":", '"', "'", " ", "\\")),
        ),
        # NAME=value / NAME: value (Go's :=, Ruby's => too) where NAME ends in a credential
        # word (.env lines, PGPASSWORD=... prefixes, YAML/JSON keys). Starts at the credential
        # word so the engine's first-character skip applies; the value must look random enough.
        # A bare "pass" only as the last word of a name (DB_PASS=, SMTP_PASS:): the keyword
        # is "_pass", so "PASSED" and "bypass" are never tried.
        # PW and PAT only as the last word of a name (LDAP_BIND_PW, AZURE_DEVOPS_EXT_PAT,
        # ado_pat): "pw" and "pat" begin or end too many words (path, spawn)
        r"(?i)_?(?P<name>password|passwd|passphrase|pwd|(?<=_)pass(?![a-z])|secret|token"
        r"|api[_\-.]?key|(?<![\w.\-])(?-i:pass)(?=[\"']?[ \t]?[:=])"
        r"|(?<=_)pw(?![a-z])|(?<=_)pat(?![a-z])"
        r"|access[_\-]?key"
        # The suffix is possessive (it cannot end in a quote, a space or a separator), so a
        # failed attempt ("test_tokenizer.py") costs one pass, not one per suffix length.
        # The name may be quoted, JSON-escaped too (\"password\":\"...\"); after a quoted
        # name the colon needs no space (compact JSON). A quoted value runs to its closing
        # quote (a passphrase may hold spaces: the engine takes those in password slots only).
        # keys named for what they sign or unlock (ENCRYPTION_KEY, SIGNING_KEY, MASTER_KEY,
        # Laravel's APP_KEY): a bare KEY names a partition, a cache entry or a sort order
        r"|private[_\-]?key|credentials?|(?:encryption|signing|master|hmac|license|app|admin"
        r"|webhook|shared|jwt|auth|session|client)[_\-]?key"
        # a Java property's dotted name (dd.app.key=, datadog.api.key:)
        r"|(?<=\.)(?:app|api|admin|master|license|signing|encryption|access)\.key)"
        r"(?P<suffix>[a-z0-9_]{0,24}+)(?P<close>\\?[\"'])?\]?[ \t]*"
        # a table's cells (`| DB_PASSWORD | value |`, ASCII box or Markdown): the engine
        # checks the name's cell opens the row and the value fills its own cell
        # a Go struct literal as %#v / %+v print it (&main.Config{DdApiKey:"..."}): no space
        # after an unquoted name's colon, a quoted value right after it, then the next field
        # a typed declaration with a literal (pydantic's `secret_key: str = "..."`, Kotlin's
        # `val apiKey: String = "..."`)
        r"(?:=>?|:=|:[ \t]*[A-Za-z_][\w.]{0,32}(?:\[[\w., |\[\]]{0,64}\])?\??[ \t]*="
        r"(?=[ \t]*\\?[\"'])"
        r"|(?(close):|:(?:[ \t]|(?=\"[^\"\n]{1,4096}\"[,} \t])))|(?P<cell>[|│]))[ \t]*"
        # a YAML block scalar (`nomad_token: |` / `    <value>`): the value is the next line
        r"(?:[|>][-+]?[ \t]*\r?\n[ \t]{1,64})?(?P<q>\\?[\"'])?"
        # (a bare value cut short at a shell character is judged with the rest of its line
        # by the engine, which then wants 6 characters: `SECRET_KEY=l=@t&(*jy...`)
        r"(?P<secret>(?(q)[^\"'\\\n]{6,4096}|[^\s\"'`,;{}()<>\\]{1,4096}))",
        0.8,
        min_entropy=2.5,
    ),
)

RULES: tuple[Rule, ...] = _VENDOR_AND_STRUCTURE + CONTEXT_RULES

#: Name suffixes after a credential word that say the value is not the credential itself.
_NOT_A_CREDENTIAL_WORDS = (
    r"(?:file|path|dir|hash|length|len|name|type|url|uri|id|ids|count|policy|field|env|"
    r"header|prefix|expiry|expires|ttl|endpoint|helper|command|cmd|mode|format|size|limit|ref|"
    r"refs|arn|host|port|user|username|lifetime|timeout|enabled|version|issuer|audience|"
    r"provider|store|age|accessor|policies|duration|renewable|hint|preview|suffix|fingerprint|"
    # what identifies, hashes or counts the credential (token_digest, api_key_sha256, jti),
    # and words built on the word (tokenizer_class, tokenized)
    r"digest|sha\d{0,3}|checksum|thumbprint|jti|iz(?:er|e|ed|ing)[a-z_]{0,8}|"
    # the last or first few characters shown to tell tokens apart (token_last_eight, last4)
    r"(?:last|first)_?(?:two|four|six|eight|\d{1,2})(?:_?chars?|_?digits?)?)"
)
#: Settings about the credential (how it is hashed or rotated, how long it lives): whole
#: words only (``tokenWithNoneAlg`` does not end in the word ``alg``).
_SETTING_WORDS = (
    r"(?:algo|algorithm|alg|rotation|interval|days|hours|seconds|secs|minutes|rounds|cost"
    r"|iterations|strength|scanning)"
)
NOT_A_CREDENTIAL_SUFFIX = re.compile(
    r"(?i)_?" + _NOT_A_CREDENTIAL_WORDS + r"$|(?:^|_)" + _SETTING_WORDS + r"$"
    # one more word may follow a whole word that says so (password_hash_algo,
    # key_rotation_days), unless it names the credential again (client_id_secret)
    r"|(?:^|_)(?:" + _NOT_A_CREDENTIAL_WORDS + "|" + _SETTING_WORDS + r")_(?!(?:secret|token"
    r"|key|password|passwd|pass|pwd|pat|credential)s?$)[a-z]{1,12}$"
)

__all__ = ["DOCUMENTED_EXAMPLES", "NOT_A_CREDENTIAL_SUFFIX", "RULES", "Rule", "is_placeholder"]
