"""blind14 positives: gh, glab, git, npm, pip/twine/poetry and the files they keep."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    Case,
    b64,
    checksummed,
    github_fine_grained,
    gitlab_pat,
    password,
    pos,
    pypi_token,
    rs,
)

ORGS = ["acme", "octo-labs", "platform-team", "data-eng", "jdoe"]
REPOS = ["api", "infra", "web", "ml-pipeline", "dotfiles", "charts"]


def _repo(rng: random.Random) -> str:
    return f"{rng.choice(ORGS)}/{rng.choice(REPOS)}"


def gh_oauth(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        tok, user = checksummed(rng, "gho_"), rng.choice(["octocat", "jdoe", "ci-bot", "mona"])
        t = i % 4
        if t == 0:
            text = f"$ gh auth token\n{tok}"
        elif t == 1:
            text = f"$ gh auth status -t\ngithub.com\n  ✓ Logged in to github.com account {user} (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: {tok}\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'"
        elif t == 2:
            text = f"$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    users:\n        {user}:\n            oauth_token: {tok}\n    git_protocol: https\n    oauth_token: {tok}\n    user: {user}"
        else:
            text = f"$ GH_TOKEN=$(gh auth token) && echo \"token=$GH_TOKEN\" >> .env && cat .env\nAPP_ENV=dev\ntoken={tok}"
        out.append(pos(text, tok, "github_oauth_token", "gh auth"))
    return out


def gh_classic(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        tok, user = checksummed(rng, "ghp_"), rng.choice(["jdoe", "builder", "mona"])
        t = i % 5
        if t == 0:
            text = f"$ cat ~/.netrc\nmachine github.com\n  login {user}\n  password {tok}\nmachine api.github.com\n  login {user}\n  password {tok}"
        elif t == 1:
            text = f"$ git remote -v\norigin\thttps://{tok}@github.com/{_repo(rng)}.git (fetch)\norigin\thttps://{tok}@github.com/{_repo(rng)}.git (push)"
        elif t == 2:
            text = f"$ printenv | grep -i token\nHOMEBREW_GITHUB_API_TOKEN={tok}\nNODE_AUTH_TOKEN="
        elif t == 3:
            text = f"$ cat ~/.composer/auth.json\n{json.dumps({'github-oauth': {'github.com': tok}}, indent=4)}"
        else:
            text = f"$ curl -s -H \"Authorization: token {tok}\" https://api.github.com/user | jq .login\n\"{user}\""
        out.append(pos(text, tok, "github_pat_classic", "git/netrc/env"))
    return out


def gh_fine(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = github_fine_grained(rng)
        t = i % 4
        if t == 0:
            text = f"$ git config --get remote.origin.url\nhttps://x-access-token:{tok}@github.com/{_repo(rng)}.git"
        elif t == 1:
            text = f"$ env | sort | grep -E 'GIT|GH_'\nGH_HOST=github.com\nGH_TOKEN={tok}\nGIT_TERMINAL_PROMPT=0"
        elif t == 2:
            text = f"$ echo {tok} | gh auth login --with-token && gh auth status\ngithub.com\n  ✓ Logged in to github.com account mona (GH_TOKEN)"
        else:
            text = f"$ cat .env.local\nNEXT_PUBLIC_APP_NAME=dash\nGITHUB_TOKEN={tok}\n"
        out.append(pos(text, tok, "github_pat_fine_grained", "git/env/gh"))
    return out


def gh_app(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = checksummed(rng, "ghs_")
        t = i % 4
        if t == 0:
            doc = {"token": tok, "expires_at": f"2024-0{rng.randrange(1, 9)}-1{rng.randrange(9)}T11:04:55Z", "permissions": {"contents": "write", "metadata": "read"}, "repository_selection": "selected"}
            text = f"$ gh api -X POST /app/installations/{rng.randrange(10**7, 10**8)}/access_tokens\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            text = f"$ git config --list --show-origin | grep url\nfile:.git/config\tremote.origin.url=https://x-access-token:{tok}@github.com/{_repo(rng)}"
        elif t == 2:
            text = f"$ cat $RUNNER_TEMP/token.txt\n{tok}"
        else:
            text = f"$ env | grep ^GITHUB_ | sort\nGITHUB_ACTIONS=true\nGITHUB_REPOSITORY={_repo(rng)}\nGITHUB_RUN_ID={rng.randrange(10**9, 10**10)}\nGITHUB_TOKEN={tok}"
        out.append(pos(text, tok, "github_app_token", "gh api / actions runner"))
    return out


def extraheader(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        if i % 2:
            val = b64(f"x-access-token:{checksummed(rng, 'ghs_')}".encode())
            line = f"http.https://github.com/.extraheader=AUTHORIZATION: basic {val}"
        else:
            val = b64(f":{rs(rng, 'abcdefghijklmnopqrstuvwxyz234567', 52)}".encode())
            line = f"http.extraheader=AUTHORIZATION: Basic {val}"
        text = f"$ git config --list\ncore.repositoryformatversion=0\ncore.bare=false\nremote.origin.url=https://github.com/{_repo(rng)}\n{line}\nbranch.main.remote=origin"
        out.append(pos(text, val, "git_http_extraheader", "git config --list in CI"))
    return out


def gitlab(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = gitlab_pat(rng)
        t = i % 4
        if t == 0:
            text = f"$ glab auth status -t\ngitlab.com\n  ✓ Logged in to gitlab.com as jdoe (/home/jdoe/.config/glab-cli/config.yml)\n  ✓ Git operations for gitlab.com configured to use https protocol.\n  ✓ API calls for gitlab.com are made over https protocol.\n  ✓ REST API Endpoint: https://gitlab.com/api/v4/\n  ✓ Token: {tok}"
        elif t == 1:
            text = f"$ git remote get-url origin\nhttps://oauth2:{tok}@gitlab.com/{_repo(rng)}.git"
        elif t == 2:
            text = f"$ curl -s --header \"PRIVATE-TOKEN: {tok}\" \"https://gitlab.com/api/v4/projects?owned=true\" | jq length\n12"
        else:
            text = f"$ grep -A3 gitlab.com ~/.config/glab-cli/config.yml\n    gitlab.com:\n        api_protocol: https\n        token: {tok}\n        api_host: gitlab.com"
        out.append(pos(text, tok, "gitlab_pat", "glab / git"))
    return out


def npm(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        tok = checksummed(rng, "npm_")
        t = i % 4
        if t == 0:
            sep = "├" + "─" * 16 + "┼" + "─" * 42 + "┤"
            text = f"$ npm token create --read-only\n┌{'─' * 16}┬{'─' * 42}┐\n│ token          │ {tok:<40} │\n{sep}\n│ readonly       │ true                                     │\n{sep}\n│ cidr_whitelist │                                          │\n{sep}\n│ created        │ 2024-03-05T10:21:44.911Z                 │\n└{'─' * 16}┴{'─' * 42}┘"
        elif t == 1:
            text = f"$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={tok}\n@acme:registry=https://npm.pkg.github.com\nsave-exact=true"
        elif t == 2:
            text = f"$ cat .yarnrc.yml\nnodeLinker: node-modules\nnpmRegistryServer: \"https://registry.npmjs.org\"\nnpmAuthToken: \"{tok}\""
        else:
            text = f"$ env | grep -i npm\nnpm_config_cache=/home/runner/.npm\nNPM_TOKEN={tok}"
        out.append(pos(text, tok, "npm_token", "npm token / .npmrc"))
    return out


def pypi(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = pypi_token(rng)
        t = i % 4
        if t == 0:
            text = f"$ cat ~/.pypirc\n[distutils]\nindex-servers =\n    pypi\n    testpypi\n\n[pypi]\n  username = __token__\n  password = {tok}\n\n[testpypi]\n  repository = https://test.pypi.org/legacy/\n  username = __token__"
        elif t == 1:
            text = f"$ twine upload -u __token__ -p {tok} dist/*\nUploading distributions to https://upload.pypi.org/legacy/\nUploading acme_utils-0.4.1-py3-none-any.whl\n100% ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 21.3/21.3 kB • 00:00"
        elif t == 2:
            text = f"$ poetry config pypi-token.pypi {tok}\n$ poetry publish --build\nBuilding acme-utils (0.4.1)"
        else:
            text = f"$ printenv TWINE_USERNAME TWINE_PASSWORD\n__token__\n{tok}"
        out.append(pos(text, tok, "pypi_token", "pypirc / twine / poetry"))
    return out


def cred_urls(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        pw, user = password(rng, url_safe=True), rng.choice(["jdoe", "deploy", "build-agent", "svc.ci"])
        t = i % 5
        if t == 0:
            text = f"$ cat ~/.git-credentials\nhttps://{user}:{pw}@bitbucket.org\nhttps://{user}:{pw}@git.corp.example.com"
        elif t == 1:
            text = f"$ pip config list\nglobal.index-url='https://{user}:{pw}@nexus.corp.example.com/repository/pypi/simple'\nglobal.timeout='60'"
        elif t == 2:
            text = f"$ git config --list | grep url\nremote.origin.url=https://{user}:{pw}@git.corp.example.com/scm/{rng.choice(REPOS)}.git\nremote.origin.fetch=+refs/heads/*:refs/remotes/origin/*"
        elif t == 3:
            text = f"$ git clone https://{user}:{pw}@dev.azure.com/acme/{rng.choice(REPOS)}/_git/{rng.choice(REPOS)}\nCloning into '{rng.choice(REPOS)}'...\nremote: Azure Repos\nReceiving objects: 100% (412/412), done."
        else:
            text = f"$ cat /etc/pip.conf\n[global]\nextra-index-url = https://{user}:{pw}@artifactory.corp.example/api/pypi/pypi-local/simple\ntrusted-host = artifactory.corp.example"
        out.append(pos(text, pw, "url_embedded_password", "git-credentials / pip config / git remote"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return gh_oauth(rng) + gh_classic(rng) + gh_fine(rng) + gh_app(rng) + extraheader(rng) + gitlab(rng) + npm(rng) + pypi(rng) + cred_urls(rng)
