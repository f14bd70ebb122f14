"""blind15: the evaluators' hard token classes - Discord bot tokens, Telegram bot tokens in
api.telegram.org URLs, Twilio auth tokens, AWS secret access keys, Azure storage keys and
Databricks tokens - each in the command lines, env dumps and outputs they really occur in."""

from __future__ import annotations

import random

from _blind15_ctx import any_ctx, json_escaped
from _blind15_gen import (
    Case,
    aws_secret,
    azure_storage,
    databricks,
    discord,
    hexs,
    pos,
    sub,
    telegram,
    twilio_sid,
)

DISCORD = [
    'curl -H "Authorization: Bot {v}" https://discord.com/api/v10/users/@me',
    "curl -sS -X POST -H 'Authorization: Bot {v}' -H 'Content-Type: application/json' https://discord.com/api/v10/channels/1187733109988112384/messages -d '{\"content\":\"deploy ok\"}'",
    'wget -qO- --header="Authorization: Bot {v}" https://discord.com/api/v10/gateway/bot',
    "http GET https://discord.com/api/v10/applications/@me 'Authorization:Bot {v}'",
    'curl -v https://discord.com/api/v9/guilds/1092837465019283746/members?limit=100 -H "Authorization: Bot {v}"\n> GET /api/v9/guilds/1092837465019283746/members?limit=100 HTTP/2\n> Host: discord.com\n> Authorization: Bot {v}\n> user-agent: curl/8.5.0',
    "DISCORD_TOKEN={v} python3 bot.py --shard 0",
    "export DISCORD_BOT_TOKEN='{v}'",
    "python3 -c \"import discord_bot; discord_bot.client.run('{v}')\"",
    "node index.js --token {v} --guild 1092837465019283746",
    '$ cat config.json\n{\n  "prefix": "!",\n  "token": "{v}",\n  "owner": "381126640071639041"\n}',
    "requests.post(url, headers={'Authorization': 'Bot {v}'}, json=payload)",
    "docker run -d --restart unless-stopped -e DISCORD_TOKEN={v} ghcr.io/acme/modbot:3",
    "httpx.HTTPStatusError: 401 Unauthorized for url 'https://discord.com/api/v10/users/@me' headers={'authorization': 'Bot {v}'}",
    "[2024-05-02 11:02:17] DEBUG discord.http: GET /gateway/bot with Authorization: Bot {v} -> 200",
]


def discord_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(DISCORD):
        tok = discord(r, long_hmac=i % 4 == 3)
        out.append(pos(sub(tpl, v=tok), tok, "discord-bot-token", "discord:" + str(i)))
    for i in range(4):
        tok = discord(r, long_hmac=i == 1)
        cmd = f'curl -H "Authorization: Bot {tok}" https://discord.com/api/v10/users/@me/guilds'
        text, src = json_escaped(r, cmd) if i < 2 else any_ctx(r, "DISCORD_BOT_TOKEN", tok)
        out.append(pos(text, tok, "discord-bot-token", src))
    return out


TELEGRAM = [
    "curl https://api.telegram.org/bot{v}/getMe",
    'curl -s -X POST "https://api.telegram.org/bot{v}/sendMessage" -d chat_id=-1001874402231 -d text="build #412 passed"',
    "wget -qO- 'https://api.telegram.org/bot{v}/getUpdates?offset=-1'",
    'curl -F "url=https://hooks.acme.io/tg" https://api.telegram.org/bot{v}/setWebhook',
    "curl -s https://api.telegram.org/file/bot{v}/documents/file_12.pdf -o report.pdf",
    'INFO httpx: HTTP Request: POST https://api.telegram.org/bot{v}/sendDocument "HTTP/1.1 200 OK"',
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.telegram.org', port=443): Max retries exceeded with url: /bot{v}/getUpdates?timeout=30",
    "TELEGRAM_BOT_TOKEN={v} python -m notifier",
    "export TG_TOKEN={v}",
    'http POST "https://api.telegram.org/bot{v}/sendPhoto" chat_id==5512093344 photo@chart.png',
    'curl "https://api.telegram.org/bot{v}/deleteWebhook?drop_pending_updates=true"',
    "GET https://api.telegram.org/bot{v}/getChat?chat_id=@acme_alerts 200 OK (143ms)",
    '{"level":"error","msg":"telegram send failed","url":"https://api.telegram.org/bot{v}/sendMessage","status":429}',
    'curl -s "https://api.telegram.org/bot{v}/getWebhookInfo" | jq .result.url',
]


def telegram_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(TELEGRAM):
        tok = telegram(r)
        out.append(pos(sub(tpl, v=tok), tok, "telegram-bot-token", "telegram:" + str(i)))
    for i in range(4):
        tok = telegram(r)
        cmd = (
            f"curl -s https://api.telegram.org/bot{tok}/sendMessage -d chat_id=88120433 -d text=ok"
        )
        text, src = json_escaped(r, cmd) if i < 2 else any_ctx(r, "TELEGRAM_TOKEN", tok)
        out.append(pos(text, tok, "telegram-bot-token", src))
    return out


TWILIO = [
    "curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=deploy done' -u {sid}:{v}",
    "curl 'https://api.twilio.com/2010-04-01/Accounts/{sid}/Calls.json?PageSize=20' -u '{sid}:{v}'",
    'curl -G https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json -u "{sid}:{v}" -d PageSize=5',
    "export TWILIO_ACCOUNT_SID={sid}\nexport TWILIO_AUTH_TOKEN={v}",
    "TWILIO_AUTH_TOKEN={v} TWILIO_ACCOUNT_SID={sid} node send-sms.js",
    "python3 -c \"from twilio.rest import Client; Client('{sid}', '{v}').messages.list(limit=3)\"",
    "twilio profiles:add ops --account-sid {sid} --auth-token {v}",
    "curl --user {sid}:{v} https://lookups.twilio.com/v2/PhoneNumbers/+14155552671",
    "$ cat .env\nTWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={v}\nTWILIO_FROM=+15017122661",
    "http -a {sid}:{v} https://api.twilio.com/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
    "kubectl create secret generic twilio --from-literal=account-sid={sid} --from-literal=auth-token={v}",
    "twilio_auth_token: {v}\ntwilio_account_sid: {sid}",
    "heroku config:set TWILIO_AUTH_TOKEN={v} -a acme-notify",
    "curl -X POST https://verify.twilio.com/v2/Services/VA{h}/Verifications -d To=+15558675310 -d Channel=sms -u {sid}:{v}",
]


def twilio_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(TWILIO):
        tok, sid = hexs(r, 32), twilio_sid(r)
        text = sub(tpl, v=tok, sid=sid, h=hexs(r, 32))
        out.append(pos(text, tok, "twilio-auth-token", "twilio:" + str(i)))
    for _ in range(2):
        tok, sid = hexs(r, 32), twilio_sid(r)
        cmd = f"curl -u {sid}:{tok} https://api.twilio.com/2010-04-01/Accounts/{sid}.json"
        text, src = json_escaped(r, cmd)
        out.append(pos(text, tok, "twilio-auth-token", src))
    return out


AWS_SECRET = [
    "aws configure set aws_secret_access_key '{v}'",
    "aws configure set aws_secret_access_key {v} --profile prod-admin",
    'aws configure set default.aws_secret_access_key "{v}"',
    "aws configure set profile.ci.aws_secret_access_key {v} && aws sts get-caller-identity --profile ci",
    "export AWS_SECRET_ACCESS_KEY={v}",
    "AWS_SECRET_ACCESS_KEY='{v}' aws s3 sync ./dist s3://acme-static --delete",
    "$ grep secret ~/.aws/credentials\naws_secret_access_key = {v}",
    "$ aws configure\nAWS Access Key ID [****************7QXM]: \nAWS Secret Access Key [None]: {v}\nDefault region name [None]: us-east-2",
    'docker run --rm -e AWS_SECRET_ACCESS_KEY="{v}" -e AWS_DEFAULT_REGION=us-east-1 amazon/aws-cli s3 ls',
    "s3cmd --secret_key={v} --host=s3.eu-central-1.amazonaws.com ls s3://acme-backups",
    'terraform apply -auto-approve -var "aws_secret_key={v}"',
    "python3 -c \"import boto3; boto3.client('s3', aws_secret_access_key='{v}').list_buckets()\"",
    "rclone config create s3prod s3 provider=AWS env_auth=false secret_access_key={v} region=us-west-2",
    '"SecretAccessKey": "{v}",',
    "aws_secret_access_key: {v}",
    "$ cat ~/.boto\n[Credentials]\naws_secret_access_key = {v}",
    "duplicity --s3-use-new-style /srv s3://s3.amazonaws.com/acme-dup  # AWS_SECRET_ACCESS_KEY={v}",
    "spark-submit --conf spark.hadoop.fs.s3a.secret.key={v} --class etl.Main etl.jar",
]


def aws_secret_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(AWS_SECRET):
        key = aws_secret(r)
        out.append(pos(sub(tpl, v=key), key, "aws-secret-access-key", "aws-secret:" + str(i)))
    for _ in range(3):
        key = aws_secret(r)
        text, src = json_escaped(r, f"aws configure set aws_secret_access_key {key}")
        out.append(pos(text, key, "aws-secret-access-key", src))
    return out


AZURE = [
    "AZURE_STORAGE_KEY={v} az storage blob list --account-name acmelogs -c raw -o table",
    'export AZURE_STORAGE_KEY="{v}"',
    "az storage blob upload --account-name acmeprod --account-key {v} -c builds -f app.zip -n app-1.4.zip",
    "az storage container create -n backups --account-name acmebk --account-key '{v}'",
    'export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={v};EndpointSuffix=core.windows.net"',
    "DefaultEndpointsProtocol=https;AccountName=stdatalake01;AccountKey={v};EndpointSuffix=core.windows.net",
    '$ az storage account keys list -g rg-prod -n acmeprod\n[\n  {\n    "creationTime": "2024-02-11T09:14:03.120000+00:00",\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{v}"\n  }\n]',
    'terraform init -backend-config="storage_account_name=tfstateacme" -backend-config="access_key={v}"',
    "kubectl create secret generic azure-files --from-literal=azurestorageaccountname=acmefiles --from-literal=azurestorageaccountkey={v}",
    "AZURE_STORAGE_ACCESS_KEY={v} restic -r azure:restic:/ backup /srv",
    "sudo mount -t cifs //acmefiles.file.core.windows.net/share /mnt/share -o vers=3.0,username=acmefiles,password={v},dir_mode=0777",
    "az storage share list --connection-string 'DefaultEndpointsProtocol=https;AccountName=acmefiles;AccountKey={v}'",
    '"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=funcacme;AccountKey={v};EndpointSuffix=core.windows.net",',
    "azure_storage_key: {v}",
]


def azure_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(AZURE):
        key = azure_storage(r)
        out.append(pos(sub(tpl, v=key), key, "azure-storage-key", "azure:" + str(i)))
    for i in range(4):
        key = azure_storage(r)
        cmd = f"az storage blob download --account-name acmeprod --account-key {key} -c x -n y -f y"
        text, src = json_escaped(r, cmd) if i < 2 else any_ctx(r, "AZURE_STORAGE_KEY", key)
        out.append(pos(text, key, "azure-storage-key", src))
    return out


DATABRICKS = [
    "DATABRICKS_TOKEN={v} databricks clusters list --output json",
    "export DATABRICKS_TOKEN={v}",
    'curl -s -H "Authorization: Bearer {v}" https://adb-4471932045512397.17.azuredatabricks.net/api/2.0/clusters/list',
    "$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://dbc-7a1e3c55-9f2b.cloud.databricks.com\ntoken = {v}",
    "jdbc:databricks://adb-4471932045512397.17.azuredatabricks.net:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/9c2e1f4a7b3d;UID=token;PWD={v}",
    "databricks configure --host https://dbc-7a1e3c55-9f2b.cloud.databricks.com --token {v}",
    "  token: {v}\n  host: adb-4471932045512397.17.azuredatabricks.net\n  http_path: /sql/1.0/warehouses/9c2e1f4a7b3d",
    "curl -X POST https://dbc-7a1e3c55-9f2b.cloud.databricks.com/api/2.1/jobs/run-now -H 'Authorization: Bearer {v}' -d '{\"job_id\": 221}'",
    "python -c \"from databricks.sdk import WorkspaceClient; WorkspaceClient(host=h, token='{v}')\"",
    "dbt run --profiles-dir . --vars '{databricks_token: {v}}'",
    "spark.conf.set('spark.databricks.token', '{v}')",
    "DATABRICKS_HOST=https://dbc-7a1e3c55-9f2b.cloud.databricks.com DATABRICKS_TOKEN={v} terraform plan",
]


def databricks_cases(r: random.Random) -> list[Case]:
    out: list[Case] = []
    for i, tpl in enumerate(DATABRICKS):
        tok = databricks(r)
        out.append(pos(sub(tpl, v=tok), tok, "databricks-token", "databricks:" + str(i)))
    for _ in range(2):
        tok = databricks(r)
        text, src = json_escaped(r, f"databricks fs ls dbfs:/tmp --token {tok}")
        out.append(pos(text, tok, "databricks-token", src))
    return out


def hard_a(r: random.Random) -> list[Case]:
    return (
        discord_cases(r)
        + telegram_cases(r)
        + twilio_cases(r)
        + aws_secret_cases(r)
        + azure_cases(r)
        + databricks_cases(r)
    )
