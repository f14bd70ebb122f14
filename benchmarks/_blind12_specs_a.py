"""Per-format specs for blind12_corpus.py, part A: source control, chat, clouds.

A spec names the format, its value generator, the environment variable names it is
usually kept in, how its API takes it (``header``/``api``), and ``specific`` templates:
tool-specific command lines and outputs ({v} = the secret)."""

from __future__ import annotations

import _blind12_formats as F

GH_API = "https://api.github.com/user/repos"

SPECS_A = [
    {"format": "github_pat", "gen": F.github_pat, "envs": ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"],
     "header": "Authorization: token {v}", "api": GH_API, "specific": [
        "git clone https://{user}:{v}@github.com/{org}/{app}.git",
        "gh auth login --with-token <<< {v}",
        "echo {v} | docker login ghcr.io -u {user} --password-stdin",
        "git remote set-url origin https://x-access-token:{v}@github.com/{org}/{app}.git",
        "$ cat ~/.git-credentials\nhttps://{user}:{v}@github.com",
    ]},
    {"format": "github_oauth", "gen": F.github_oauth, "envs": ["GH_TOKEN", "GITHUB_OAUTH_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.github.com/user", "specific": [
        "$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    user: {user}\n    oauth_token: {v}\n    git_protocol: https",
        "GH_TOKEN={v} gh pr list --repo {org}/{app}",
        "$ gh auth token\n{v}",
        "access_token={v}&scope=repo%2Cgist&token_type=bearer",
    ]},
    {"format": "github_user_to_server", "gen": F.github_user_to_server, "envs": ["GITHUB_USER_TOKEN", "GH_APP_USER_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.github.com/user/installations", "specific": [
        '{"access_token":"{v}","expires_in":28800,"scope":"","token_type":"bearer"}',
        "gh api /user --header 'Authorization: token {v}'",
        "git -c http.extraHeader='Authorization: Bearer {v}' fetch origin main",
    ]},
    {"format": "github_server_to_server", "gen": F.github_server_to_server, "envs": ["GITHUB_TOKEN", "GH_INSTALLATION_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.github.com/repos/acme/app/issues", "specific": [
        '{\n  "token": "{v}",\n  "expires_at": "2024-06-01T13:14:15Z",\n  "permissions": {"contents": "read", "issues": "write"}\n}',
        "git clone https://x-access-token:{v}@github.com/{org}/{app}.git",
        "{ts} ##[group]Run actions/checkout@v4\n{ts}   token: {v}\n{ts}   ssh-strict: true",
    ]},
    {"format": "github_refresh_token", "gen": F.github_refresh, "envs": ["GITHUB_REFRESH_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://github.com/login/oauth/access_token", "specific": [
        "curl -X POST https://github.com/login/oauth/access_token -d client_id=Iv1.{short} -d grant_type=refresh_token -d refresh_token={v}",
        '{"refresh_token": "{v}", "refresh_token_expires_in": 15897600}',
        "$ cat ~/.cache/{app}/auth.json\n{\"refresh\": \"{v}\", \"user\": \"{user}\"}",
    ]},
    {"format": "github_fine_grained_pat", "gen": F.github_fine_grained, "envs": ["GITHUB_TOKEN", "GH_PAT", "RENOVATE_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": GH_API, "specific": [
        "git push https://{user}:{v}@github.com/{org}/{app}.git HEAD:main",
        "gh auth login --with-token <<< '{v}'",
        "terraform apply -var github_token={v} -auto-approve",
        "$ cat ~/.netrc\nmachine github.com login {user} password {v}",
    ]},
    {"format": "gitlab_pat", "gen": F.gitlab_pat, "envs": ["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"],
     "header": "PRIVATE-TOKEN: {v}", "api": "https://gitlab.com/api/v4/projects", "specific": [
        "git clone https://oauth2:{v}@gitlab.com/{org}/{app}.git",
        "glab auth login --hostname gitlab.com --token {v}",
        "curl --header \"PRIVATE-TOKEN: {v}\" \"https://gitlab.com/api/v4/projects?membership=true\"",
        "npm config set -- '//gitlab.com/api/v4/packages/npm/:_authToken' '{v}'",
    ]},
    {"format": "slack_bot_token", "gen": F.slack_bot, "envs": ["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://slack.com/api/chat.postMessage", "specific": [
        "curl -X POST -H 'Authorization: Bearer {v}' -H 'Content-type: application/json' --data '{\"channel\":\"C{short}\",\"text\":\"deploy done\"}' https://slack.com/api/chat.postMessage",
        "curl -s \"https://slack.com/api/auth.test?token={v}\"",
        "slack_sdk.errors.SlackApiError: The request to the Slack API failed. (url: https://www.slack.com/api/chat.postMessage, token={v})",
    ]},
    {"format": "slack_user_token", "gen": F.slack_user, "envs": ["SLACK_USER_TOKEN", "SLACK_LEGACY_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://slack.com/api/users.list", "specific": [
        "curl -F token={v} -F channel=C{short} -F file=@report.csv https://slack.com/api/files.upload",
        '{"ok": true, "access_token": "{v}", "token_type": "user", "scope": "chat:write,files:write"}',
    ]},
    {"format": "slack_webhook", "gen": F.slack_webhook_secret, "envs": ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK"],
     "url": "https://hooks.slack.com/services/{T}/{B}/{v}", "specific": [
        "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"Build {n} failed\"}' {url}",
        "export SLACK_WEBHOOK_URL={url}",
        "{ts} + curl -fsS -d @payload.json {url}",
        "$ kubectl get cm alertmanager -o yaml | grep slack_api_url\n      slack_api_url: '{url}'",
        "SLACK_WEBHOOK_URL={url} ./notify.sh \"release {n} shipped\"",
        "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: {url}",
    ]},
    {"format": "discord_bot_token", "gen": F.discord_bot, "envs": ["DISCORD_BOT_TOKEN", "DISCORD_TOKEN", "BOT_TOKEN"],
     "header": "Authorization: Bot {v}", "api": "https://discord.com/api/v10/users/@me", "specific": [
        "curl -H \"Authorization: Bot {v}\" https://discord.com/api/v10/gateway/bot",
        "python bot.py --token {v}",
        "discord.errors.LoginFailure: Improper token has been passed. token='{v}'",
    ]},
    {"format": "discord_webhook", "gen": F.discord_webhook_secret, "envs": ["DISCORD_WEBHOOK_URL", "DISCORD_WEBHOOK"],
     "url": "https://discord.com/api/webhooks/{ID}/{v}", "specific": [
        "curl -H 'Content-Type: application/json' -d '{\"content\":\"deploy ok\"}' {url}",
        "export DISCORD_WEBHOOK_URL={url}",
        "{ts} + curl -sf -X POST --data-urlencode content@msg.txt {url}",
        "$ cat config.toml\n[notify]\nkind = \"discord\"\nwebhook = \"{url}\"",
        "DISCORD_WEBHOOK={url} npm run notify",
        "POST {url}?wait=true -> 401 Unauthorized",
    ]},
    {"format": "telegram_bot_token", "gen": F.telegram_bot, "envs": ["TELEGRAM_BOT_TOKEN", "TG_TOKEN", "BOT_TOKEN"],
     "header": "X-Telegram-Token: {v}", "api": "https://api.telegram.org/getMe", "specific": [
        "curl -s \"https://api.telegram.org/bot{v}/sendMessage?chat_id=-100{n}&text=deploy+ok\"",
        "curl -s https://api.telegram.org/bot{v}/getUpdates | jq .",
        "wget -qO- 'https://api.telegram.org/bot{v}/getMe'",
        "telegram.error.InvalidToken: Invalid token '{v}'",
        "{ts} + curl -s -X POST https://api.telegram.org/bot{v}/sendDocument -F chat_id={n} -F document=@build.log",
    ]},
    {"format": "twilio_auth_token", "gen": F.twilio_auth_token, "envs": ["TWILIO_AUTH_TOKEN"], "prefixed": False,
     "specific": [
        "curl -X POST https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json --data-urlencode \"To=+15558675310\" -u {SID}:{v}",
        "export TWILIO_ACCOUNT_SID={SID}\nexport TWILIO_AUTH_TOKEN={v}",
        "twilio profiles:add prod --account-sid {SID} --auth-token {v}",
        "$ cat .env\nTWILIO_ACCOUNT_SID={SID}\nTWILIO_AUTH_TOKEN={v}\nTWILIO_FROM=+15005550006",
        "TWILIO_ACCOUNT_SID={SID} TWILIO_AUTH_TOKEN={v} python send_sms.py",
        "client = Client(\"{SID}\", \"{v}\")",
    ]},
    {"format": "twilio_api_key_secret", "gen": F.twilio_api_secret, "envs": ["TWILIO_API_SECRET"], "prefixed": False,
     "specific": [
        "twilio login --api-key {SK} --api-secret {v}",
        "curl -u {SK}:{v} https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json",
        "export TWILIO_API_KEY={SK}\nexport TWILIO_API_SECRET={v}",
        "$ heroku config -a {app}\nTWILIO_API_KEY:    {SK}\nTWILIO_API_SECRET: {v}\nTWILIO_ACCOUNT_SID: {SID}",
        "TWILIO_API_KEY={SK} TWILIO_API_SECRET={v} node scripts/verify.js",
        "client = Client(\"{SK}\", \"{v}\", \"{SID}\")",
    ]},
    {"format": "aws_access_key_id", "gen": F.aws_key_id, "envs": ["AWS_ACCESS_KEY_ID"], "specific": [
        "aws configure set aws_access_key_id {v} --profile {user}",
        "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid. AccessKeyId: {v}",
        '{\n    "AccessKeyMetadata": [\n        {\n            "UserName": "{user}",\n            "AccessKeyId": "{v}",\n            "Status": "Active"\n        }\n    ]\n}',
        "$ cat ~/.aws/credentials\n[default]\naws_access_key_id = {v}\nregion = {region}",
    ]},
    {"format": "aws_secret_access_key", "gen": F.aws_secret, "envs": ["AWS_SECRET_ACCESS_KEY"], "prefixed": False,
     "specific": [
        "aws configure set aws_secret_access_key {v}",
        "aws configure set aws_secret_access_key '{v}' --profile {user}",
        "$ cat ~/.aws/credentials\n[prod]\naws_secret_access_key = {v}\nregion = {region}",
        "docker run -e AWS_SECRET_ACCESS_KEY='{v}' -e AWS_REGION={region} amazon/aws-cli s3 ls",
        '{\n  "Credentials": {\n    "SecretAccessKey": "{v}",\n    "Expiration": "{ts}"\n  }\n}',
        "rclone config create s3prod s3 provider AWS secret_access_key '{v}' region {region}",
    ]},
    {"format": "aws_session_token", "gen": F.aws_session_token, "envs": ["AWS_SESSION_TOKEN"], "specific": [
        "aws configure set aws_session_token {v} --profile {user}",
        '{\n  "Credentials": {\n    "SessionToken": "{v}",\n    "Expiration": "{ts}"\n  }\n}',
        "$ cat ~/.aws/credentials\n[sso]\naws_session_token = {v}",
    ]},
    {"format": "azure_storage_key", "gen": F.azure_storage_key, "envs": ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCESS_KEY"],
     "prefixed": False, "specific": [
        "az storage blob upload --account-name {word}store --account-key '{v}' -c backups -f db.dump -n db.dump",
        "az storage container list --account-name {word}prod --account-key {v} -o table",
        "export AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;AccountName={word}prod;AccountKey={v};EndpointSuffix=core.windows.net\"",
        '$ az storage account keys list -g rg-{app} -n {word}prod\n[\n  {\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{v}"\n  }\n]',
        "azcopy login --service-principal=false; AZCOPY_ACCOUNT_KEY={v} azcopy ls https://{word}prod.blob.core.windows.net/data",
    ]},
    {"format": "azure_sas_signature", "gen": F.azure_sas_sig, "envs": ["AZURE_STORAGE_SAS_TOKEN"], "prefixed": False,
     "generic": [], "specific": [
        "azcopy copy ./dist 'https://{word}prod.blob.core.windows.net/web?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2025-12-31T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig={v}' --recursive",
        "curl -T backup.tar.gz \"https://{word}.blob.core.windows.net/backups/backup.tar.gz?sp=cw&st=2024-05-01T08:00:00Z&se=2024-05-02T08:00:00Z&spr=https&sv=2022-11-02&sr=c&sig={v}\" -H 'x-ms-blob-type: BlockBlob'",
        "export AZURE_STORAGE_SAS_TOKEN='?sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2025-03-01T00:00:00Z&spr=https&sig={v}'",
        "$ az storage container generate-sas --account-name {word}prod -n logs --permissions rl --expiry 2025-01-01 -o tsv\nse=2025-01-01&sp=rl&sv=2022-11-02&sr=c&sig={v}",
        "{ts} + az storage blob download --blob-url 'https://{word}.blob.core.windows.net/c/model.bin?sv=2022-11-02&sr=b&sp=r&se=2024-09-01&sig={v}' -f model.bin",
        "SAS_URL=https://{word}.blob.core.windows.net/in?sv=2021-10-04&ss=b&srt=o&sp=w&se=2025-06-30T12:00:00Z&sig={v} python upload.py",
        "ERROR AuthenticationFailed: Server failed to authenticate the request. url=https://{word}.queue.core.windows.net/jobs/messages?sv=2022-11-02&sp=a&sig={v}",
        "$ cat deploy.env\nARTIFACT_URL=https://{word}prod.blob.core.windows.net/artifacts/app.zip?sv=2022-11-02&sr=b&sp=r&se=2025-02-01T00:00:00Z&spr=https&sig={v}",
    ]},
    {"format": "azure_client_secret", "gen": F.azure_client_secret, "envs": ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"],
     "prefixed": False, "specific": [
        "az login --service-principal -u {uuid} -p '{v}' --tenant {uuid}",
        "az login --service-principal --username {uuid} --password={v} --tenant {uuid}",
        '$ az ad sp create-for-rbac --name {app}-ci\n{\n  "appId": "{uuid}",\n  "displayName": "{app}-ci",\n  "password": "{v}",\n  "tenant": "{uuid}"\n}',
        "export ARM_CLIENT_ID={uuid}\nexport ARM_CLIENT_SECRET='{v}'\nexport ARM_TENANT_ID={uuid}",
    ]},
    {"format": "gcp_api_key", "gen": F.gcp_api_key, "envs": ["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY"],
     "header": "x-goog-api-key: {v}", "api": "https://generativelanguage.googleapis.com/v1beta/models", "specific": [
        "curl \"https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={v}\"",
        "curl -H 'Content-Type: application/json' -d @req.json 'https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key={v}'",
        '$ gcloud services api-keys get-key-string projects/{n}/locations/global/keys/{uuid}\nkeyString: {v}',
    ]},
    {"format": "databricks_token", "gen": F.databricks, "envs": ["DATABRICKS_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://adb-{n}.azuredatabricks.net/api/2.0/clusters/list", "specific": [
        "$ cat ~/.databrickscfg\n[DEFAULT]\nhost  = https://adb-{n}.azuredatabricks.net\ntoken = {v}",
        "databricks configure --host https://dbc-{short}.cloud.databricks.com --token <<< {v}",
        "dbt run --profiles-dir . --vars '{host: dbc-{short}.cloud.databricks.com, token: {v}}'",
    ]},
]
