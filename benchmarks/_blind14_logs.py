"""blind14 positives: git history (git log -p, git show, git diff) and CI job logs.

Label choice for diffs: a secret on an added ``+`` line is a positive, and so is one on a
removed ``-`` line. Deleting a line does not revoke the credential: it stays in history and is
presumed live until it is rotated, which nothing in a diff can show. Both are labelled here
with their own format names (git_diff_added / git_diff_removed) so the two can be read apart.

CI logs: GitHub Actions masks registered secrets as ``***`` and GitLab masks masked variables
as ``[MASKED]``; values minted during the job (assume-role output, a token fetched at run time,
an unmasked variable) are printed in clear, and those are the positives here.
"""

from __future__ import annotations

import random

from _blind14_gen import (
    HEX,
    LOWNUM,
    Case,
    aws_key_id,
    aws_secret,
    aws_session_token,
    b64,
    checksummed,
    openai_key,
    password,
    pos,
    rs,
    sendgrid_key,
    slack_bot_token,
    stripe_key,
)


def _secret_line(rng: random.Random, k: int) -> tuple[str, str, str]:
    """(file path, line template with {v}, value) for the k-th kind of leaked line."""
    kinds: list[tuple[str, str, str]] = [
        ("config/settings.py", 'STRIPE_SECRET_KEY = "{v}"', stripe_key(rng)),
        ("deploy/.env.production", "AWS_SECRET_ACCESS_KEY={v}", aws_secret(rng)),
        ("charts/api/values-prod.yaml", "  dbPassword: \"{v}\"", password(rng)),
        ("scripts/release.sh", "export GITHUB_TOKEN={v}", checksummed(rng, "ghp_")),
        ("src/notify.ts", "const SLACK_TOKEN = '{v}';", slack_bot_token(rng)),
        ("app/mailer.rb", "  api_key: '{v}'", sendgrid_key(rng)),
        ("terraform/prod.tfvars", 'openai_api_key = "{v}"', openai_key(rng)),
        ("docker-compose.yml", "      - POSTGRES_PASSWORD={v}", password(rng)),
        ("k8s/secret.yaml", "  password: {v}", b64(password(rng).encode())),
        ("ci/upload.sh", "doctl auth init -t {v}", "dop_v1_" + rs(rng, HEX, 64)),
    ]
    return kinds[k % len(kinds)]


def _header(rng: random.Random, path: str, cmd: str) -> str:
    sha = rs(rng, HEX, 40)
    a, b = rs(rng, HEX, 7), rs(rng, HEX, 7)
    who = rng.choice(["Jane Doe <jane@example.com>", "ci-bot <ci@example.com>", "Sam Lee <sam@corp.example>"])
    msg = rng.choice(["wip: local config", "fix deploy", "move creds to vault", "bump timeouts", "cleanup"])
    pre = f"$ {cmd}\ncommit {sha}\nAuthor: {who}\nDate:   Tue Mar {rng.randrange(1, 28)} 14:0{rng.randrange(9)}:11 2024 +0100\n\n    {msg}\n\n" if "log" in cmd or "show" in cmd else f"$ {cmd}\n"
    return pre + f"diff --git a/{path} b/{path}\nindex {a}..{b} 100644\n--- a/{path}\n+++ b/{path}\n@@ -{rng.randrange(3, 80)},4 +{rng.randrange(3, 80)},4 @@"


def diffs(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(20):
        added = i < 10
        path, tmpl, val = _secret_line(rng, i)
        cmd = rng.choice(["git log -p -1", "git show HEAD~2", "git diff", "git diff --cached", "git log -p --follow " + path])
        ctx1, ctx2 = "# managed by platform team", "LOG_LEVEL=info"
        line = tmpl.format(v=val)
        if added:
            other = tmpl.format(v="${" + "SECRET_FROM_ENV" + "}")
            body = f" {ctx1}\n-{other}\n+{line}\n {ctx2}"
            fmt = "git_diff_added"
        else:
            other = tmpl.format(v="${" + "SECRET_FROM_ENV" + "}")
            body = f" {ctx1}\n-{line}\n+{other}\n {ctx2}"
            fmt = "git_diff_removed"
        out.append(pos(_header(rng, path, cmd) + "\n" + body, val, fmt, "git log -p / git diff"))
    return out


def _ts(rng: random.Random) -> str:
    return f"2024-05-{rng.randrange(10, 28)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rs(rng, '0123456789', 7)}Z"


def ci_logs(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        t = i % 5
        ts = _ts(rng)
        if t == 0:
            val = aws_session_token(rng)
            text = f"{ts} ##[group]Run aws sts assume-role --role-arn \"$ROLE_ARN\" --role-session-name gha --query Credentials --output text\n{ts} aws sts assume-role --role-arn \"$ROLE_ARN\" --role-session-name gha --query Credentials --output text\n{ts} shell: /usr/bin/bash -e {{0}}\n{ts} env:\n{ts}   ROLE_ARN: ***\n{ts} ##[endgroup]\n{ts} {aws_key_id(rng, 'ASIA')}\t2024-05-02T11:11:11+00:00\t{aws_secret(rng)}\t{val}"
        elif t == 1:
            val = password(rng)
            text = f"Running with gitlab-runner 16.11.0 (91a27b2a)\n  on shared-runner-{rs(rng, LOWNUM, 8)}, system ID: s_{rs(rng, HEX, 12)}\nExecuting \"step_script\" stage of the job script\n$ echo \"registry login for $CI_REGISTRY_USER with $CI_REGISTRY_PASSWORD\"\nregistry login for gitlab-ci-token with [MASKED]\n$ echo \"db password is $STAGING_DB_PASSWORD\"\ndb password is {val}\n$ ./deploy.sh"
        elif t == 2:
            val = checksummed(rng, "ghs_")
            text = f"{ts} ##[group]Run TOKEN=$(gh api -X POST /app/installations/$INST/access_tokens --jq .token)\n{ts} ##[endgroup]\n{ts} + TOKEN={val}\n{ts} + git push https://x-access-token:{val}@github.com/acme/charts HEAD:main\n{ts} To https://github.com/acme/charts\n{ts}    4f2c1a9..9b0e7d3  HEAD -> main"
        elif t == 3:
            val = b64(f"deploy:{password(rng)}".encode())
            text = f"{ts} Run curl -fsS -u \"***:***\" https://nexus.corp.example/service/rest/v1/status\n{ts} + AUTH=$(printf '%s:%s' \"$NEXUS_USER\" \"$NEXUS_PASS\" | base64 -w0)\n{ts} + curl -fsS -H 'Authorization: Basic {val}' https://nexus.corp.example/repository/raw/app.tgz -o app.tgz"
        else:
            val = rs(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 6) + "." + rs(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 16)
            text = f"$ kubeadm token create --ttl 2h --print-join-command | tee join.sh\nkubeadm join 10.0.0.10:6443 --token {val} --discovery-token-ca-cert-hash sha256:{rs(rng, HEX, 64)}\nJob succeeded"
        out.append(pos(text, val, "ci_log_unmasked", "GitHub Actions / GitLab CI logs"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return diffs(rng) + ci_logs(rng)
