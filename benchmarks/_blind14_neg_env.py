"""blind14 negatives, part 4: base64 of non-secret config, login prompts, --help text, env
dumps without secrets, URLs without credentials, and keys that are public by design
(publishable / client-side ids)."""

from __future__ import annotations

import random

from _blind14_gen import (
    ALNUM,
    B64URL,
    DIGITS,
    HEX,
    LOWER,
    LOWNUM,
    Case,
    b64,
    b64url,
    neg,
    rbytes,
    rs,
    uuid4,
)


def base64_config(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 7
        host = f"{rng.choice(['orders', 'billing', 'users'])}-db.{rng.choice(['prod', 'staging'])}.svc.cluster.local"
        if t == 0:
            text = f"$ kubectl get secret db-conn -n prod -o yaml | sed -n '1,7p'\napiVersion: v1\ndata:\n  database: {b64(rng.choice([b'orders', b'billing', b'users']))}\n  host: {b64(host.encode())}\n  port: {b64(b'5432')}\n  sslmode: {b64(b'require')}\n  username: {b64(rng.choice([b'app', b'readonly', b'reporter']))}"
        elif t == 1:
            text = f"$ kubectl get cm branding -o jsonpath='{{.binaryData.logo\\.png}}' | head -c 200\niVBORw0KGgoAAAANSUhEUgAAA{b64(rbytes(rng, 130))}"
        elif t == 2:
            val = rng.choice(["log_level=debug", "feature.new_checkout=true", "region=eu-west-1", "replicas=3"])
            text = f"$ echo -n '{val}' | base64\n{b64(val.encode())}"
        elif t == 3:
            readme = f"# {rng.choice(['api', 'infra', 'web'])}\n\nInternal service. Run `make dev` to start it locally.\nSee docs/ for the architecture notes and the on-call runbook.\n"
            enc = b64(readme.encode())
            text = "$ gh api repos/acme/api/contents/README.md --jq .content\n" + "\n".join(enc[j : j + 60] for j in range(0, len(enc), 60))
        elif t == 4:
            ud = f"#!/bin/bash\nset -euo pipefail\napt-get update -y\napt-get install -y nginx\nsystemctl enable --now nginx\necho 'node {rs(rng, LOWNUM, 6)}' > /etc/motd\n"
            text = f"$ aws ec2 describe-instance-attribute --instance-id i-{rs(rng, HEX, 17)} --attribute userData --query UserData.Value --output text\n{b64(ud.encode())}"
        elif t == 5:
            cfg = '{"logLevel":"info","metrics":{"enabled":true,"port":9090},"features":["search","export"]}'
            text = f"$ kubectl get secret app-config -o jsonpath='{{.data.config\\.json}}'\n{b64(cfg.encode())}"
        else:
            cc = f"#cloud-config\npackages:\n  - docker.io\nruncmd:\n  - usermod -aG docker ubuntu\n  - hostnamectl set-hostname web-{rs(rng, DIGITS, 3)}\n"
            text = f"$ terraform output -raw user_data_b64\n{b64(cc.encode())}"
        out.append(neg(text, "base64_config", "base64 of non-secret data"))
    return out


def prompts(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    user = ["jdoe", "mona", "dev", "jane"]
    for i in range(25):
        u, t = rng.choice(user), i % 13
        if t == 0:
            text = f"$ docker login registry.example.com\nUsername: {u}\nPassword: \nLogin Succeeded"
        elif t == 1:
            text = f"$ ssh-add ~/.ssh/id_ed25519\nEnter passphrase for /home/{u}/.ssh/id_ed25519: \nIdentity added: /home/{u}/.ssh/id_ed25519 ({u}@laptop)"
        elif t == 2:
            text = f"$ git push origin main\nUsername for 'https://github.com': {u}\nPassword for 'https://{u}@github.com': \nremote: Support for password authentication was removed on August 13, 2021.\nfatal: Authentication failed for 'https://github.com/acme/api.git/'"
        elif t == 3:
            text = f"$ aws configure --profile prod\nAWS Access Key ID [****************{rs(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 4)}]: \nAWS Secret Access Key [****************{rs(rng, ALNUM, 4)}]: \nDefault region name [eu-west-1]: \nDefault output format [json]: "
        elif t == 4:
            text = "$ vault login -no-print\nToken (will be hidden): \nSuccess! You are now authenticated."
        elif t == 5:
            text = f"$ gh auth login --hostname github.com --git-protocol https\n? How would you like to authenticate GitHub CLI? Paste an authentication token\nTip: you can generate a Personal Access Token here https://github.com/settings/tokens\nThe minimum required scopes are 'repo', 'read:org', 'workflow'.\n? Paste your authentication token: ****************************************\n- gh config set -h github.com git_protocol https\n✓ Configured git protocol\n✓ Logged in as {u}"
        elif t == 6:
            text = f"$ sudo systemctl restart docker\n[sudo] password for {u}: \n$ mysql -u root -p\nEnter password: \nERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)"
        elif t == 7:
            text = "$ ansible-playbook site.yml --ask-vault-pass\nVault password: \n\nPLAY [all] *********************************************************************"
        elif t == 8:
            text = f"$ heroku login -i\nheroku: Enter your login credentials\nEmail: {u}@example.com\nPassword: ****************\nLogged in as {u}@example.com"
        elif t == 9:
            text = f"$ az login --use-device-code\nTo sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {rs(rng, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 9)} to authenticate."
        elif t == 10:
            words = rng.sample(["enjoy", "brisk", "outwit", "tidy", "lunar", "maple", "sturdy", "win"], 4)
            text = f"$ stripe login\nYour pairing code is: {'-'.join(words)}\nThis pairing code verifies your authentication with Stripe.\nPress Enter to open the browser or visit https://dashboard.stripe.com/stripecli/confirm_auth?t={rs(rng, ALNUM, 32)} (^C to quit)"
        elif t == 11:
            text = f"$ passwd\nChanging password for {u}.\nCurrent password: \nNew password: \nRetype new password: \npasswd: password updated successfully"
        else:
            text = f"$ op signin\nEnter the password for {u}@example.com at my.1password.com: \n$ op whoami\nURL:        https://my.1password.com\nEmail:      {u}@example.com\nUser ID:    {rs(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 26)}"
        out.append(neg(text, "prompts", "interactive login prompts"))
    return out


HELP = [
    "$ docker login --help\nUsage:  docker login [OPTIONS] [SERVER]\n\nAuthenticate to a registry.\nDefaults to Docker Hub if no server is specified.\n\nOptions:\n  -p, --password string   Password or Personal Access Token (PAT)\n      --password-stdin    Take the Password or Personal Access Token (PAT) from stdin\n  -u, --username string   Username",
    "$ vault login -h | sed -n '1,12p'\nUsage: vault login [options] [AUTH K=V...]\n\n  Authenticates users or machines to Vault using the provided arguments. A\n  successful authentication results in a Vault token - conceptually similar to\n  a session token on a website. By default, this token is cached on the local\n  machine for future requests.\n\n      $ vault login s.3jnbMAKl1i4YS3QoKdbHzGXq",
    "$ kubectl create secret generic --help | sed -n '/Examples/,/^$/p'\nExamples:\n  # Create a new secret named my-secret with key1=supersecret and key2=topsecret\n  kubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret",
    "$ psql --help | grep -i pass\n  -w, --no-password        never prompt for password\n  -W, --password           force password prompt (should happen automatically)",
    "$ twine upload --help | grep -A2 -- '-p PASSWORD'\n  -p PASSWORD, --password PASSWORD\n                        The password to authenticate to the repository\n                        (package index) with. (Can also be set via TWINE_PASSWORD environment variable.)",
    "$ gh auth login --help | sed -n '1,8p'\nAuthenticate with a GitHub host.\n\nThe default hostname is github.com. This can be overridden using the --hostname flag.\n\nAlternatively, use --with-token to pass in a personal access token (classic) on standard input.\nThe minimum required scopes for the token are: repo, read:org, and gist.",
    "$ aws configure help | sed -n '/DESCRIPTION/,+6p'\nDESCRIPTION\n       Configure AWS CLI options. If this command is run with no arguments,\n       you will be prompted for configuration values such as your AWS Access\n       Key Id and your AWS Secret Access Key. You can configure a named\n       profile using the --profile argument.",
    "$ op item get --help | grep reveal\n      --reveal                 Don't conceal sensitive fields.",
    "$ supabase status --help\nShow status of local Supabase containers\n\nUsage:\n  supabase status [flags]\n\nFlags:\n  -h, --help                      help for status\n      --override-name strings     Override specific variable names.\n  -o, --output [env|pretty|json|toml|yaml]   Output format of status variables.",
    "$ doppler secrets download --help | grep -E 'format|no-file|passphrase'\n      --format string       output format. one of [json, env, yaml, docker, env-no-quotes, dotnet-json] (default \"json\")\n      --no-file             print the response to stdout\n      --passphrase string   passphrase to use for encrypting the secrets file. the default passphrase is computed using your current configuration.",
    "$ rclone obscure --help | head -6\nIn the rclone config file, human-readable passwords are\nobscured. Obscuring them is done by encrypting them and writing them\nout in base64. This is **not** a secure way of encrypting these\npasswords as rclone can decrypt them - it is to prevent \"eyedropping\"\n- namely someone seeing a password in the rclone config file by\naccident.",
    "$ terraform login --help | head -8\nUsage: terraform [global options] login [hostname]\n\n  Retrieves an authentication token for the given hostname, if it supports\n  automatic login, and saves it in a credentials file in your home directory.\n\n  If no hostname is provided, the default hostname is app.terraform.io, to\n  log in to Terraform Cloud.",
    "$ glab auth login --help | grep -- --token\n  -t, --token string      your GitLab access token\n      --stdin             read token from standard input",
    "$ fly tokens create deploy --help | sed -n '1,3p;/Flags/,$p'\nCreate an API token limited to managing a single app and its resources. Also available as TOKENS DEPLOY. Tokens are\nvalid for 20 years by default. We recommend using a shorter expiry if practical.\nFlags:\n  -a, --app string        Application name\n  -x, --expiry duration   The duration that the token will be valid (default 175200h0m0s)\n  -j, --json              JSON output",
    "$ az ad sp create-for-rbac --help | grep -A3 create-password\n    --create-password          : Create a password credential (secret) on the application. This is\n                                 the default behavior. Set this argument to false to disable creating\n                                 password credential.  Allowed values: false, true.  Default: true.",
    "$ npm token --help\nManage your authentication tokens\n\nUsage:\nnpm token list\nnpm token revoke <id|token>\nnpm token create [--read-only] [--cidr=list]\n\nOptions:\n[--read-only] [--cidr <cidr> [--cidr <cidr> ...]] [--registry <registry>]\n[--otp <otp>]",
    "$ heroku auth:token --help\ndisplay your Heroku API token\n\nUSAGE\n  $ heroku auth:token [-h]\n\nDESCRIPTION\n  By default, the CLI auth token is only valid for 1 year. To generate a long-lived token, use heroku\n  authorizations:create",
    "$ mysql --help | grep -A2 -- '--password'\n  -p, --password[=name]\n                      Password to use when connecting to server. If password is\n                      not given it's asked from the tty.",
    "$ stripe listen --help | grep -i secret\n      --print-secret          Only print the webhook signing secret and exit\n      --skip-verify           Skip certificate verification when forwarding to HTTPS endpoints",
    "$ gcloud secrets versions access --help | sed -n '/EXAMPLES/,+6p'\nEXAMPLES\n    Access the data for version 123 of the secret 'my-secret':\n\n        $ gcloud secrets versions access 123 --secret=my-secret\n\n    Note: The output will be formatted as UTF-8 which can corrupt binary\n    secrets.",
    "$ vault token create -h | grep -E 'policy|ttl|orphan' | head -4\n  -orphan\n  -policy=<string>\n      Name of a policy to associate with this token. This can be specified\n  -ttl=<duration>",
    "$ kubeadm token --help | head -5\nThis command manages bootstrap tokens. It is optional and needed only for advanced use cases.\n\nIn short, bootstrap tokens are used for establishing bidirectional trust between a client and a server.\nA bootstrap token can be used when a client (for example a node that is about to join the cluster) needs\nto trust the server it is talking to.",
    "$ netlify env:get --help\nGet resolved value of specified environment variable (includes netlify.toml)\n\nUSAGE\n  $ netlify env:get <name> [--context <context>] [--scope <scope>]\n\nARGUMENTS\n  NAME  Environment variable name",
    "$ sops --help | grep -E -- '--(decrypt|encrypt|age)'\n   --decrypt, -d                  decrypt a file and output the result to stdout\n   --encrypt, -e                  encrypt a file and output the result to stdout\n   --age value, -a value          comma separated list of age recipients [$SOPS_AGE_RECIPIENTS]",
    "$ az storage account keys list --help | sed -n '1,4p'\nCommand\n    az storage account keys list : List the access keys or Kerberos keys (if active directory\n    enabled) for a storage account.",
]


def help_text(rng: random.Random) -> list[Case]:
    return [neg(t, "help_text", "--help output") for t in HELP]


def env_benign(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    pool = [
        "AWS_REGION=eu-west-1", "AWS_PROFILE=prod", "AWS_DEFAULT_OUTPUT=json", "KUBECONFIG=/home/dev/.kube/config",
        "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
        "GOOGLE_APPLICATION_CREDENTIALS=/home/dev/.config/gcloud/application_default_credentials.json",
        "VAULT_ADDR=https://vault.internal:8200", "VAULT_NAMESPACE=admin/team-a", "DOCKER_HOST=unix:///run/user/1000/docker.sock",
        "SSH_AUTH_SOCK=/tmp/ssh-XXXX{r}/agent.{d}", "GPG_TTY=/dev/pts/3", "HISTCONTROL=ignoreboth", "NODE_OPTIONS=--max-old-space-size=4096",
        "ACTIONS_ID_TOKEN_REQUEST_URL=https://pipelines.actions.githubusercontent.com/{r}/idtoken/{u}", "GITHUB_SHA={h40}",
        "GITHUB_RUN_ID={d}", "CI_COMMIT_SHA={h40}", "CI_JOB_ID={d}", "INVOCATION_ID={h32}", "RUNNER_TRACKING_ID=github_{u}",
        "AWS_ROLE_ARN=arn:aws:iam::{acct}:role/eks-pod-role", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus",
        "LS_COLORS=rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:cd=40;33;01:or=40;31;01:ex=01;32",
        "PIP_INDEX_URL=https://pypi.org/simple", "TOKENIZERS_PARALLELISM=false", "SECRET_NAME=prod/db/postgres",
        "AZURE_CLIENT_ID={u}", "AZURE_TENANT_ID={u}", "AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/azure/tokens/azure-identity-token",
        "PASSWORD_STORE_DIR=/home/dev/.password-store", "HF_HOME=/data/hf-cache", "ImageVersion=20240505.1.0",
    ]
    for _ in range(25):
        picks = rng.sample(pool, 6)
        vals = {"r": rs(rng, LOWNUM, 8), "d": str(rng.randrange(10**8, 10**10)), "u": uuid4(rng), "h40": rs(rng, HEX, 40), "h32": rs(rng, HEX, 32), "acct": rs(rng, DIGITS, 12)}
        lines = [p.format(**vals) for p in picks] + ["HOME=/home/dev", "PATH=/usr/local/bin:/usr/bin:/bin"]
        cmd = rng.choice(["$ env\n", "$ printenv\n", "$ env | sort\n", "$ set | grep -v '^_'\n"])
        if "sort" in cmd or "set" in cmd:
            lines.sort()
        else:
            rng.shuffle(lines)
        text = cmd + "\n".join(lines)
        out.append(neg(text, "env_benign", "env dumps without secrets"))
    return out


def urls_no_creds(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        org, repo, t = rng.choice(["acme", "octo-labs", "data-eng"]), rng.choice(["api", "infra", "web"]), i % 9
        if t == 0:
            text = f"$ git remote -v\norigin\tgit@github.com:{org}/{repo}.git (fetch)\norigin\tgit@github.com:{org}/{repo}.git (push)\nupstream\thttps://github.com/{org}/{repo}.git (fetch)"
        elif t == 1:
            text = f"$ git remote get-url origin\nhttps://{rng.choice(['jane', 'jdoe'])}@dev.azure.com/{org}/{repo}/_git/{repo}"
        elif t == 2:
            text = "$ pip config list\nglobal.index-url='https://nexus.corp.example.com/repository/pypi/simple'\nglobal.trusted-host='nexus.corp.example.com'"
        elif t == 3:
            text = f"$ helm repo list\nNAME         \tURL\nbitnami      \thttps://charts.bitnami.com/bitnami\n{org}        \toci://ghcr.io/{org}/charts\nprometheus   \thttps://prometheus-community.github.io/helm-charts"
        elif t == 4:
            text = f"$ git config --list | grep -E 'url|insteadof'\nurl.ssh://git@github.com/.insteadof=https://github.com/\nremote.origin.url=ssh://git@github.com/{org}/{repo}.git"
        elif t == 5:
            text = f"$ kubectl cluster-info\nKubernetes control plane is running at https://{rs(rng, HEX, 32).upper()}.gr7.eu-west-1.eks.amazonaws.com\nCoreDNS is running at https://{rs(rng, HEX, 32).upper()}.gr7.eu-west-1.eks.amazonaws.com/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"
        elif t == 6:
            text = f"$ az acr show -n {org}registry --query loginServer -o tsv\n{org}registry.azurecr.io\n$ gcloud artifacts repositories list --format='value(name)'\nprojects/{org}-prod/locations/europe-west1/repositories/docker"
        elif t == 7:
            text = f"$ npm config get registry\nhttps://registry.npmjs.org/\n$ curl -s 'https://api.github.com/repos/{org}/{repo}/pulls?state=open&per_page=100&page=2' | jq length\n14"
        else:
            text = f"$ cat .gitmodules\n[submodule \"vendor/proto\"]\n\tpath = vendor/proto\n\turl = https://github.com/{org}/proto.git\n[submodule \"charts\"]\n\tpath = charts\n\turl = git@gitlab.com:{org}/charts.git"
        out.append(neg(text, "urls_no_creds", "remote and registry urls without credentials"))
    return out


def publishable_ids(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 9
        if t == 0:
            text = f"$ grep PUBLISHABLE .env\nNEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_{rng.choice(['live', 'test'])}_51{rs(rng, ALNUM, 97)}"
        elif t == 1:
            text = f"$ grep -r 'sb_publishable' src/lib/supabase.ts\nconst supabase = createClient('https://{rs(rng, LOWER, 20)}.supabase.co', 'sb_publishable_{rs(rng, B64URL, 22)}_{rs(rng, B64URL, 8)}')"
        elif t == 2:
            text = f"$ jq .web.client_id client_secret_public.json\n\"{rs(rng, DIGITS, 12)}-{rs(rng, LOWNUM, 32)}.apps.googleusercontent.com\""
        elif t == 3:
            text = f"$ cat src/authConfig.js | grep -E 'clientId|authority'\n    clientId: \"{uuid4(rng)}\",\n    authority: \"https://login.microsoftonline.com/{uuid4(rng)}\","
        elif t == 4:
            mb = b64url(('{"u":"acme","a":"' + rs(rng, LOWNUM, 25) + '"}').encode())
            text = f"$ grep MAPBOX .env.production\nNEXT_PUBLIC_MAPBOX_TOKEN=pk.{mb}.{rs(rng, B64URL, 22)}"
        elif t == 5:
            text = f"$ grep -r posthog.init src/ | head -1\nsrc/analytics.ts:posthog.init('phc_{rs(rng, ALNUM, 43)}', {{ api_host: 'https://eu.i.posthog.com' }})"
        elif t == 6:
            text = f"$ grep -r 'sitekey' templates/\ntemplates/signup.html:<div class=\"g-recaptcha\" data-sitekey=\"6L{rs(rng, B64URL, 38)}\"></div>\ntemplates/login.html:<div class=\"cf-turnstile\" data-sitekey=\"0x4AAAAAAA{rs(rng, B64URL, 14)}\"></div>"
        elif t == 7:
            text = f"$ gh api /apps/acme-ci --jq '{{id, client_id, slug}}'\n{{\n  \"id\": {rng.randrange(10**5, 10**6)},\n  \"client_id\": \"Iv1.{rs(rng, HEX, 16)}\",\n  \"slug\": \"acme-ci\"\n}}"
        else:
            text = f"$ grep -A4 datadogRum.init src/main.ts\ndatadogRum.init({{\n  applicationId: '{uuid4(rng)}',\n  clientToken: 'pub{rs(rng, HEX, 32)}',\n  site: 'datadoghq.eu',"
        out.append(neg(text, "publishable_ids", "client-side keys public by design"))
    return out
