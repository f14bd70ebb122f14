"""blind15: vendor token formats, each with its usual env var names and the command lines and
outputs it is pasted into. A spec row: (format, generator, env names, templates); templates
take {v} (the token), {p} (a Slack webhook path), {id} (a numeric id)."""

from __future__ import annotations

import random
from collections.abc import Callable

from _blind15_ctx import any_ctx
from _blind15_gen import (
    B64URL,
    DIGITS,
    UPPER,
    Case,
    anthropic,
    aws_id,
    aws_session,
    azure_ad_secret,
    discord_webhook,
    github,
    github_fine,
    gitlab,
    google,
    npm,
    openai,
    pos,
    rs,
    slack_bot,
    slack_user,
    slack_webhook,
    stripe,
    sub,
)

Gen = Callable[[random.Random], str]
Spec = tuple[str, Gen, list[str], list[str]]


def _ghp(r: random.Random) -> str:
    return github(r, "ghp")


def _gho(r: random.Random) -> str:
    return github(r, "gho")


def _ghs(r: random.Random) -> str:
    return github(r, r.choice(["ghs", "ghu"]))


def _akid(r: random.Random) -> str:
    return aws_id(r, r.choice(["AKIA", "AKIA", "ASIA"]))


def _stripe(r: random.Random) -> str:
    return stripe(r, r.choice(["sk", "sk", "rk"]))


def _slack_hook(r: random.Random) -> str:
    return slack_webhook(r)[1]


def _discord_hook(r: random.Random) -> str:
    return discord_webhook(r)[1]


def _pypi(r: random.Random) -> str:
    return "pypi-AgEIcHlwaS5vcmcCJD" + rs(r, B64URL, r.randint(140, 190))


def _hf(r: random.Random) -> str:
    return "hf_" + rs(r, UPPER + UPPER.lower(), 34)


SPECS_A: list[Spec] = [
    (
        "aws-access-key-id",
        _akid,
        ["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"],
        [
            "aws configure set aws_access_key_id {v}",
            "$ grep key_id ~/.aws/credentials\naws_access_key_id = {v}",
            '"AccessKeyId": "{v}",',
            "s3cmd --access_key={v} ls s3://acme-backups",
            "rclone config create s3prod s3 provider=AWS access_key_id={v} region=us-west-2",
        ],
    ),
    (
        "aws-session-token",
        aws_session,
        ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
        [
            "aws configure set aws_session_token {v} --profile sso-admin",
            '"SessionToken": "{v}",',
            "$ grep session ~/.aws/credentials\naws_session_token = {v}",
            "docker run -e AWS_SESSION_TOKEN={v} amazon/aws-cli sts get-caller-identity",
        ],
    ),
    (
        "github-pat",
        _ghp,
        ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"],
        [
            'curl -H "Authorization: token {v}" https://api.github.com/user/repos',
            "git clone https://{v}@github.com/acme/platform.git",
            "gh auth login --with-token <<< {v}",
            "echo {v} | docker login ghcr.io -u acme-bot --password-stdin",
            "git remote set-url origin https://acme-bot:{v}@github.com/acme/infra.git",
        ],
    ),
    (
        "github-oauth",
        _gho,
        ["GH_TOKEN", "GITHUB_OAUTH_TOKEN"],
        [
            "$ gh auth token\n{v}",
            "$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    user: alice\n    oauth_token: {v}\n    git_protocol: https",
            'curl -sH "Authorization: Bearer {v}" https://api.github.com/user/emails',
            "$ git credential fill <<< 'host=github.com'\nprotocol=https\nhost=github.com\nusername=alice\npassword={v}",
        ],
    ),
    (
        "github-app-token",
        _ghs,
        ["GITHUB_TOKEN", "GH_APP_TOKEN"],
        [
            "git clone https://x-access-token:{v}@github.com/acme/deploy-config.git",
            'curl -X POST -H "Authorization: Bearer {v}" https://api.github.com/repos/acme/web/dispatches -d \'{"event_type":"deploy"}\'',
            '{"token": "{v}", "expires_at": "2024-05-02T12:02:17Z", "permissions": {"contents": "read"}}',
            "git -c http.https://github.com/.extraheader='AUTHORIZATION: bearer {v}' fetch origin",
        ],
    ),
    (
        "github-fine-grained-pat",
        github_fine,
        ["GITHUB_TOKEN", "GH_TOKEN", "RENOVATE_TOKEN"],
        [
            'curl -L -H "Authorization: Bearer {v}" -H "X-GitHub-Api-Version: 2022-11-28" https://api.github.com/repos/acme/web/issues',
            "gh auth login --with-token <<< '{v}'",
            "git push https://acme-bot:{v}@github.com/acme/web.git HEAD:release",
        ],
    ),
    (
        "gitlab-pat",
        gitlab,
        ["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"],
        [
            'curl --header "PRIVATE-TOKEN: {v}" "https://gitlab.com/api/v4/projects?membership=true"',
            "glab auth login --hostname gitlab.acme.io --token {v}",
            "git clone https://oauth2:{v}@gitlab.acme.io/data/etl.git",
            "helm repo add --username ci --password {v} internal https://gitlab.acme.io/api/v4/projects/42/packages/helm/stable",
        ],
    ),
    (
        "slack-bot-token",
        slack_bot,
        ["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
        [
            'curl -X POST -H \'Authorization: Bearer {v}\' -H \'Content-type: application/json\' --data \'{"channel":"C04QZ8K1L","text":"deploy ok"}\' https://slack.com/api/chat.postMessage',
            "curl -s 'https://slack.com/api/conversations.list?token={v}&limit=200'",
            "python3 notify.py --slack-token {v} --channel '#releases'",
            '{"ok": true, "access_token": "{v}", "token_type": "bot", "scope": "chat:write"}',
        ],
    ),
    (
        "slack-user-token",
        slack_user,
        ["SLACK_USER_TOKEN", "SLACK_TOKEN"],
        [
            'curl -H "Authorization: Bearer {v}" "https://slack.com/api/search.messages?query=deploy"',
            "slackdump -t {v} -export archive.zip",
            "curl -F token={v} -F channel=C04QZ8K1L -F file=@report.pdf https://slack.com/api/files.upload",
        ],
    ),
    (
        "slack-webhook",
        _slack_hook,
        ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK"],
        [
            "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"build 512 failed\"}' https://hooks.slack.com/services/{p}{v}",
            "export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/{p}{v}",
            "SLACK_WEBHOOK=https://hooks.slack.com/services/{p}{v} ./notify.sh",
            "ERROR webhook post failed: POST https://hooks.slack.com/services/{p}{v} -> 404 no_service",
            "helm upgrade alertmanager prometheus-community/alertmanager --set config.global.slack_api_url=https://hooks.slack.com/services/{p}{v}",
            "  slack_api_url: 'https://hooks.slack.com/services/{p}{v}'",
            "gh secret set SLACK_WEBHOOK --body https://hooks.slack.com/services/{p}{v}",
            'curl -d "payload={\\"text\\": \\"hi\\"}" https://hooks.slack.com/services/{p}{v}',
        ],
    ),
    (
        "discord-webhook",
        _discord_hook,
        ["DISCORD_WEBHOOK_URL"],
        [
            'curl -H "Content-Type: application/json" -d \'{"content":"nightly ok"}\' https://discord.com/api/webhooks/{id}/{v}',
            "export DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/{id}/{v}",
            "curl -F file=@crash.log https://discordapp.com/api/webhooks/{id}/{v}",
            "apprise -b 'disk 91%' 'discord://{id}/{v}'",
            "ERROR failed to post to https://discord.com/api/webhooks/{id}/{v}?wait=true: 429",
            "  webhook_url: https://discord.com/api/webhooks/{id}/{v}",
            "python3 alert.py --webhook https://discord.com/api/webhooks/{id}/{v}",
            "DISCORD_WEBHOOK=https://discord.com/api/webhooks/{id}/{v} ./ci/notify.sh",
        ],
    ),
    (
        "stripe-secret-key",
        _stripe,
        ["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "STRIPE_KEY"],
        [
            "curl https://api.stripe.com/v1/charges?limit=3 -u {v}:",
            "stripe customers list --limit 5 --api-key {v}",
            "curl https://api.stripe.com/v1/balance -H 'Authorization: Bearer {v}'",
            "python -c \"import stripe; stripe.api_key='{v}'; print(stripe.Balance.retrieve())\"",
        ],
    ),
    (
        "openai-api-key",
        openai,
        ["OPENAI_API_KEY", "OPENAI_KEY"],
        [
            'curl https://api.openai.com/v1/models -H "Authorization: Bearer {v}"',
            "llm keys set openai --value {v}",
            "aider --openai-api-key {v} --model gpt-4o",
        ],
    ),
    (
        "anthropic-api-key",
        anthropic,
        ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"],
        [
            'curl https://api.anthropic.com/v1/messages -H "x-api-key: {v}" -H "anthropic-version: 2023-06-01" -d @req.json',
            "aider --anthropic-api-key {v} --model sonnet",
            "python -c \"import anthropic; anthropic.Anthropic(api_key='{v}').models.list()\"",
        ],
    ),
    (
        "google-api-key",
        google,
        ["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY"],
        [
            "curl 'https://maps.googleapis.com/maps/api/geocode/json?address=Oslo&key={v}'",
            'curl "https://generativelanguage.googleapis.com/v1beta/models?key={v}"',
            "curl -H 'X-goog-api-key: {v}' https://youtube.googleapis.com/youtube/v3/channels?part=id&forHandle=acme",
        ],
    ),
    (
        "azure-ad-client-secret",
        azure_ad_secret,
        ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"],
        [
            "az login --service-principal -u 3f2a8c1e-7b4d-4e9a-a1c2-9d8e7f6a5b4c -p '{v}' --tenant acme.onmicrosoft.com",
            'terraform plan -var "client_secret={v}"',
            '{\n  "appId": "3f2a8c1e-7b4d-4e9a-a1c2-9d8e7f6a5b4c",\n  "displayName": "ci-deployer",\n  "password": "{v}",\n  "tenant": "9b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"\n}',
            "curl -X POST https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/token -d grant_type=client_credentials -d client_id=3f2a8c1e-7b4d-4e9a-a1c2-9d8e7f6a5b4c -d 'client_secret={v}' -d scope=https://graph.microsoft.com/.default",
        ],
    ),
    (
        "npm-token",
        npm,
        ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
        [
            "npm config set //registry.npmjs.org/:_authToken {v}",
            "$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={v}",
            "echo '//registry.npmjs.org/:_authToken={v}' > .npmrc && npm publish",
            "yarn config set npmAuthToken {v}",
        ],
    ),
    (
        "pypi-token",
        _pypi,
        ["TWINE_PASSWORD", "PYPI_TOKEN", "UV_PUBLISH_TOKEN"],
        [
            "twine upload -u __token__ -p {v} dist/*",
            "poetry config pypi-token.pypi {v}",
            "uv publish --token {v}",
            "$ cat ~/.pypirc\n[pypi]\n  username = __token__\n  password = {v}",
        ],
    ),
    (
        "huggingface-token",
        _hf,
        ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
        [
            "huggingface-cli login --token {v}",
            "git clone https://alice:{v}@huggingface.co/acme/private-model",
            'curl https://huggingface.co/api/whoami-v2 -H "Authorization: Bearer {v}"',
        ],
    ),
]


def _extra(r: random.Random) -> dict[str, str]:
    return {"p": slack_webhook(r)[0], "id": rs(r, DIGITS, 19).lstrip("0") or "1"}


def spec_cases(r: random.Random, specs: list[Spec], n: int = 8) -> list[Case]:
    out: list[Case] = []
    for fmt, gen, names, templates in specs:
        for i in range(n):
            tok = gen(r)
            if i < len(templates) and i < n - 2:
                text, src = sub(templates[i], v=tok, **_extra(r)), f"{fmt}:{i}"
            elif fmt in ("slack-webhook", "discord-webhook"):
                text, src = sub(templates[i % len(templates)], v=tok, **_extra(r)), f"{fmt}:{i}"
            else:
                text, src = any_ctx(r, names[i % len(names)], tok)
            out.append(pos(text, tok, fmt, src))
    return out


def vendor_a(r: random.Random) -> list[Case]:
    return spec_cases(r, SPECS_A)
