"""Per-format specs for blind12_corpus.py, part B: payments, AI, registries, SaaS."""

from __future__ import annotations

import _blind12_formats as F

SPECS_B = [
    {"format": "stripe_secret_key", "gen": F.stripe_secret, "envs": ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"],
     "header": "Authorization: Bearer {v}", "api": "https://api.stripe.com/v1/charges", "specific": [
        "curl https://api.stripe.com/v1/customers -u {v}: -d email={email}",
        "stripe customers list --api-key {v} --limit 3",
        "stripe listen --forward-to localhost:4242/webhook --api-key={v}",
    ]},
    {"format": "openai_api_key", "gen": F.openai_key, "envs": ["OPENAI_API_KEY"],
     "header": "Authorization: Bearer {v}", "api": "https://api.openai.com/v1/chat/completions", "specific": [
        "llm keys set openai --value {v}",
        "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: {v}.', 'type': 'invalid_request_error'}}",
        "aider --model gpt-4o --openai-api-key {v}",
    ]},
    {"format": "anthropic_api_key", "gen": F.anthropic_key, "envs": ["ANTHROPIC_API_KEY"],
     "header": "x-api-key: {v}", "api": "https://api.anthropic.com/v1/messages", "specific": [
        "curl https://api.anthropic.com/v1/messages -H \"x-api-key: {v}\" -H \"anthropic-version: 2023-06-01\" -H \"content-type: application/json\" -d @body.json",
        "aider --model sonnet --anthropic-api-key {v}",
        "llm keys set anthropic --value '{v}'",
    ]},
    {"format": "huggingface_token", "gen": F.huggingface, "envs": ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://huggingface.co/api/whoami-v2", "specific": [
        "huggingface-cli login --token {v} --add-to-git-credential",
        "git clone https://{user}:{v}@huggingface.co/{org}/{word}-7b",
        "huggingface-cli upload {org}/{word} ./out --token={v}",
    ]},
    {"format": "npm_token", "gen": F.npm_token, "envs": ["NPM_TOKEN", "NODE_AUTH_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://registry.npmjs.org/-/whoami", "specific": [
        "$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={v}\nalways-auth=true",
        "npm config set //registry.npmjs.org/:_authToken {v}",
        "echo \"//registry.npmjs.org/:_authToken={v}\" >> .npmrc && npm publish --access public",
        "yarn config set npmAuthToken {v}",
    ]},
    {"format": "pypi_token", "gen": F.pypi_token, "envs": ["PYPI_TOKEN", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN"], "specific": [
        "twine upload -u __token__ -p {v} dist/*",
        "poetry config pypi-token.pypi {v}",
        "uv publish --token {v}",
        "$ cat ~/.pypirc\n[pypi]\n  username = __token__\n  password = {v}",
        "TWINE_USERNAME=__token__ TWINE_PASSWORD={v} python -m twine upload dist/*",
    ]},
    {"format": "dockerhub_pat", "gen": F.dockerhub_pat, "envs": ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"], "specific": [
        "docker login -u {user} -p {v}",
        "docker login --username {user} --password {v} docker.io",
        "echo {v} | docker login -u {user} --password-stdin",
        "skopeo copy --dest-creds {user}:{v} docker-archive:img.tar docker://docker.io/{org}/{app}:1.{n}",
    ]},
    {"format": "heroku_api_key", "gen": F.heroku_key, "envs": ["HEROKU_API_KEY"],
     "header": "Authorization: Bearer {v}", "api": "https://api.heroku.com/apps", "specific": [
        "$ cat ~/.netrc\nmachine api.heroku.com\n  login {email}\n  password {v}\nmachine git.heroku.com\n  login {email}\n  password {v}",
        "$ heroku auth:token\n {v}",
        "git push https://heroku:{v}@git.heroku.com/{app}.git HEAD:main",
    ]},
    {"format": "digitalocean_token", "gen": F.digitalocean, "envs": ["DIGITALOCEAN_ACCESS_TOKEN", "DO_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.digitalocean.com/v2/droplets", "specific": [
        "doctl auth init --access-token {v}",
        "doctl auth init -t {v} --context prod",
        "terraform plan -var do_token={v}",
    ]},
    {"format": "cloudflare_api_token", "gen": F.cloudflare_token, "envs": ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.cloudflare.com/client/v4/user/tokens/verify",
     "prefixed": False, "specific": [
        "curl \"https://api.cloudflare.com/client/v4/zones\" -H \"Authorization: Bearer {v}\"",
        "CLOUDFLARE_API_TOKEN={v} wrangler deploy",
        "flarectl --api-token {v} zone list",
    ]},
    {"format": "datadog_api_key", "gen": F.datadog_api_key, "envs": ["DD_API_KEY", "DATADOG_API_KEY"],
     "header": "DD-API-KEY: {v}", "api": "https://api.datadoghq.com/api/v1/validate", "prefixed": False, "specific": [
        "DD_API_KEY={v} DD_SITE=datadoghq.eu bash -c \"$(curl -L https://install.datadoghq.com/scripts/install_script_agent7.sh)\"",
        "helm install datadog-agent datadog/datadog --set datadog.apiKey={v} --set datadog.site=datadoghq.com",
        "docker run -d --name dd-agent -e DD_API_KEY={v} -e DD_SITE=datadoghq.com gcr.io/datadoghq/agent:7",
    ]},
    {"format": "newrelic_user_key", "gen": F.newrelic_user_key, "envs": ["NEW_RELIC_API_KEY", "NEWRELIC_API_KEY"],
     "header": "API-Key: {v}", "api": "https://api.newrelic.com/graphql", "specific": [
        "newrelic profile add --profile prod --region US --apiKey {v} --accountId {n}",
        "curl -X POST https://api.newrelic.com/graphql -H 'Content-Type: application/json' -H 'API-Key: {v}' -d '{\"query\":\"{ actor { user { name } } }\"}'",
    ]},
    {"format": "sentry_token", "gen": F.sentry_token, "envs": ["SENTRY_AUTH_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://sentry.io/api/0/projects/", "specific": [
        "sentry-cli --auth-token {v} releases new -p {app} 1.{n}.0",
        "$ cat ~/.sentryclirc\n[auth]\ntoken={v}\n[defaults]\norg={org}",
        "npx @sentry/wizard -i nextjs --auth-token {v}",
    ]},
    {"format": "mailgun_api_key", "gen": F.mailgun_key, "envs": ["MAILGUN_API_KEY"], "specific": [
        "curl -s --user 'api:{v}' https://api.mailgun.net/v3/mg.acme.io/messages -F from='ops@acme.io' -F to={email} -F subject='test' -F text='hi'",
        "curl -u api:{v} https://api.eu.mailgun.net/v3/domains",
        "mg = Mailgun(api_key=\"{v}\", domain=\"mg.acme.io\")",
    ]},
    {"format": "sendgrid_api_key", "gen": F.sendgrid_key, "envs": ["SENDGRID_API_KEY"],
     "header": "Authorization: Bearer {v}", "api": "https://api.sendgrid.com/v3/mail/send", "specific": [
        "swaks --to {email} --server smtp.sendgrid.net:587 --auth-user apikey --auth-password {v} --tls",
        "$ cat /etc/postfix/sasl_passwd\n[smtp.sendgrid.net]:587 apikey:{v}",
    ]},
    {"format": "shopify_token", "gen": F.shopify_token, "envs": ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"],
     "header": "X-Shopify-Access-Token: {v}", "api": "https://{word}.myshopify.com/admin/api/2024-04/products.json", "specific": [
        "curl -X POST https://{word}.myshopify.com/admin/api/2024-04/graphql.json -H 'Content-Type: application/json' -H 'X-Shopify-Access-Token: {v}' -d '{\"query\":\"{ shop { name } }\"}'",
        "SHOPIFY_ACCESS_TOKEN={v} node scripts/sync-products.js --store {word}.myshopify.com",
    ]},
    {"format": "square_token", "gen": F.square_token, "envs": ["SQUARE_ACCESS_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://connect.squareup.com/v2/locations", "specific": [
        "curl https://connect.squareup.com/v2/payments -H 'Square-Version: 2024-04-17' -H 'Authorization: Bearer {v}'",
    ]},
    {"format": "okta_api_token", "gen": F.okta_token, "envs": ["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"],
     "header": "Authorization: SSWS {v}", "api": "https://{word}.okta.com/api/v1/users?limit=25", "specific": [
        "curl -s -H \"Accept: application/json\" -H \"Authorization: SSWS {v}\" \"https://{word}.okta.com/api/v1/groups\"",
        "terraform import okta_user.u {n} -var okta_api_token={v}",
        "$ cat ~/.okta/okta.yaml\nokta:\n  client:\n    orgUrl: https://{word}.okta.com\n    token: {v}",
    ]},
    {"format": "atlassian_api_token", "gen": F.atlassian_token, "envs": ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://{word}.atlassian.net/rest/api/3/myself", "specific": [
        "curl -u {email}:{v} -H 'Accept: application/json' https://{word}.atlassian.net/rest/api/3/search?jql=project=OPS",
        "jira init --installation cloud --server https://{word}.atlassian.net --login {email} --token {v}",
        "acli jira auth login --site {word}.atlassian.net --email {email} --token {v}",
    ]},
    {"format": "linear_api_key", "gen": F.linear_key, "envs": ["LINEAR_API_KEY"],
     "header": "Authorization: {v}", "api": "https://api.linear.app/graphql", "specific": [
        "curl -X POST https://api.linear.app/graphql -H 'Content-Type: application/json' -H 'Authorization: {v}' --data '{\"query\":\"{ viewer { id } }\"}'",
    ]},
    {"format": "notion_token", "gen": F.notion_token, "envs": ["NOTION_TOKEN", "NOTION_API_KEY"],
     "header": "Authorization: Bearer {v}", "api": "https://api.notion.com/v1/users/me", "specific": [
        "curl https://api.notion.com/v1/search -H 'Authorization: Bearer {v}' -H 'Notion-Version: 2022-06-28' -X POST",
    ]},
    {"format": "airtable_pat", "gen": F.airtable_pat, "envs": ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.airtable.com/v0/meta/bases", "specific": [
        "curl \"https://api.airtable.com/v0/app{short}/Tasks?maxRecords=3\" -H \"Authorization: Bearer {v}\"",
    ]},
    {"format": "postman_api_key", "gen": F.postman_key, "envs": ["POSTMAN_API_KEY"],
     "header": "X-Api-Key: {v}", "api": "https://api.getpostman.com/collections", "specific": [
        "postman login --with-api-key {v}",
        "newman run https://api.getpostman.com/collections/{uuid}?apikey={v} -e staging.json",
    ]},
    {"format": "vault_token", "gen": F.vault_token, "envs": ["VAULT_TOKEN"],
     "header": "X-Vault-Token: {v}", "api": "https://vault.acme.io:8200/v1/secret/data/app", "specific": [
        "vault login {v}",
        "VAULT_ADDR=https://vault.acme.io:8200 VAULT_TOKEN={v} vault kv get secret/{app}",
        "$ vault token create -policy={app} -format=json | jq .auth\n{\n  \"client_token\": \"{v}\",\n  \"accessor\": \"{short}\",\n  \"renewable\": true\n}",
    ]},
    {"format": "doppler_token", "gen": F.doppler_token, "envs": ["DOPPLER_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.doppler.com/v3/configs/config/secrets/download?format=json", "specific": [
        "doppler configure set token {v} --scope /srv/{app}",
        "DOPPLER_TOKEN={v} doppler run -- node server.js",
        "doppler secrets download --no-file --format env --token {v}",
    ]},
    {"format": "pulumi_access_token", "gen": F.pulumi_token, "envs": ["PULUMI_ACCESS_TOKEN"],
     "header": "Authorization: token {v}", "api": "https://api.pulumi.com/api/user", "specific": [
        "PULUMI_ACCESS_TOKEN={v} pulumi up --yes --stack prod",
        "$ cat ~/.pulumi/credentials.json\n{\n    \"current\": \"https://api.pulumi.com\",\n    \"accessTokens\": {\n        \"https://api.pulumi.com\": \"{v}\"\n    }\n}",
    ]},
    {"format": "terraform_cloud_token", "gen": F.terraform_token, "envs": ["TF_TOKEN_app_terraform_io", "TFE_TOKEN", "ATLAS_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://app.terraform.io/api/v2/organizations", "specific": [
        "$ cat ~/.terraform.d/credentials.tfrc.json\n{\n  \"credentials\": {\n    \"app.terraform.io\": {\n      \"token\": \"{v}\"\n    }\n  }\n}",
        "TF_TOKEN_app_terraform_io={v} terraform init -upgrade",
        "$ cat ~/.terraformrc\ncredentials \"app.terraform.io\" {\n  token = \"{v}\"\n}",
    ]},
    {"format": "supabase_access_token", "gen": F.supabase_token, "envs": ["SUPABASE_ACCESS_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://api.supabase.com/v1/projects", "specific": [
        "supabase login --token {v}",
        "SUPABASE_ACCESS_TOKEN={v} supabase db push --linked",
        "supabase link --project-ref {word}{n} --token {v}",
    ]},
    {"format": "planetscale_token", "gen": F.planetscale_token, "envs": ["PLANETSCALE_SERVICE_TOKEN", "DATABASE_PASSWORD"], "specific": [
        "pscale database list --org {org} --service-token-id {short} --service-token {v}",
        "mysql -h aws.connect.psdb.cloud -u {word}{n} -p{v} --ssl-mode=VERIFY_IDENTITY {app}",
        "curl -H 'Authorization: {short}:{v}' https://api.planetscale.com/v1/organizations",
    ]},
    {"format": "grafana_token", "gen": F.grafana_token, "envs": ["GRAFANA_TOKEN", "GRAFANA_SERVICE_ACCOUNT_TOKEN"],
     "header": "Authorization: Bearer {v}", "api": "https://grafana.acme.io/api/dashboards/home", "specific": [
        "grafanactl config set contexts.prod.grafana.token {v}",
        "terraform apply -var grafana_auth={v}",
    ]},
]
