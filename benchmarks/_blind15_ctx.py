"""blind15: the surroundings a NAME=value secret turns up in: agent command lines, env dumps
and command output. Every wrapper keeps the value byte-for-byte (no escaping needed for the
token alphabets used with it)."""

from __future__ import annotations

import json
import random

from _blind15_gen import sub

# harmless neighbours for env dumps
DECOYS = [
    "HOME=/home/runner",
    "SHELL=/bin/bash",
    "LANG=C.UTF-8",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "TERM=xterm-256color",
    "HOSTNAME=build-7c9f5d8b6-x2lqp",
    "PWD=/workspace/app",
    "SHLVL=2",
    "TZ=UTC",
    "NODE_ENV=production",
    "PYTHONUNBUFFERED=1",
    "CI=true",
    "GITHUB_RUN_ID=8847123390",
    "AWS_REGION=eu-west-1",
    "LOG_LEVEL=info",
    "KUBERNETES_SERVICE_PORT=443",
]

# command-line forms: {n} the variable name, {v} the value
CMD_FORMS = [
    ("cmd:export", "export {n}={v}"),
    ("cmd:export-dq", 'export {n}="{v}"'),
    ("cmd:export-sq", "export {n}='{v}'"),
    ("cmd:prefix-env", "{n}={v} ./scripts/deploy.sh --env prod"),
    ("cmd:docker-run-e", "docker run --rm -e {n}={v} -v $PWD:/app ghcr.io/acme/worker:1.8.2"),
    ("cmd:docker-run-e-q", 'docker run -d --name api -e "{n}={v}" -p 8080:8080 acme/api:latest'),
    ("cmd:kubectl-literal", "kubectl create secret generic app-env --from-literal={n}={v} -n prod"),
    ("cmd:gh-secret", 'gh secret set {n} --body "{v}" --repo acme/platform'),
    ("cmd:dotenv-append", 'echo "{n}={v}" >> .env'),
    ("cmd:heroku-config", "heroku config:set {n}={v} -a acme-api"),
    ("cmd:fly-secrets", "fly secrets set {n}={v} --app acme-edge"),
    ("cmd:powershell", '$env:{n} = "{v}"'),
    ("cmd:setx", 'setx {n} "{v}"'),
    ("cmd:ssh-remote", "ssh deploy@10.0.4.12 '{n}={v} systemctl --user restart worker'"),
    ("cmd:compose-run", "docker compose run -e {n}={v} web python manage.py check"),
    ("cmd:env-i", "env -i {n}={v} PATH=/usr/bin python3 sync.py"),
    ("cmd:sudo-env", "sudo {n}={v} -E ./install.sh"),
    ("cmd:railway", "railway variables --set {n}={v}"),
    ("cmd:vercel-echo", "printf %s {v} | vercel env add {n} production"),
]


def cmd_ctx(r: random.Random, name: str, value: str) -> tuple[str, str]:
    src, tpl = r.choice(CMD_FORMS)
    return sub(tpl, n=name, v=value), src


def _dump(r: random.Random, line: str) -> str:
    lines = r.sample(DECOYS, r.randint(2, 5))
    lines.insert(r.randint(0, len(lines)), line)
    return "\n".join(lines)


def out_ctx(r: random.Random, name: str, value: str) -> tuple[str, str]:
    """An env dump or a config file printed by a command."""
    roll = r.randrange(11)
    if roll == 0:
        return _dump(r, f"{name}={value}"), "env:printenv"
    if roll == 1:
        return f"$ env | grep -i {name.split('_')[0].lower()}\n{name}={value}", "env:grep"
    if roll == 2:
        return f"$ cat .env\n{_dump(r, f'{name}={value}')}", "out:cat-dotenv"
    if roll == 3:
        body = {"Env": [f"{name}={value}", "PATH=/usr/local/sbin:/usr/bin", "LANG=C.UTF-8"]}
        return "$ docker inspect api --format '{{json .Config}}'\n" + json.dumps(
            body
        ), "out:inspect"
    if roll == 4:
        return (
            f"$ cat docker-compose.yml\nservices:\n  api:\n    image: acme/api:2.3\n"
            f"    environment:\n      - {name}={value}\n      - PORT=8080"
        ), "out:compose"
    if roll == 5:
        return (
            f'$ cat config/settings.json\n{{\n  "region": "us-east-1",\n  "{name.lower()}": "{value}"\n}}',
            "out:json",
        )
    if roll == 6:
        return f'declare -x {name}="{value}"', "env:declare-x"
    if roll == 7:
        return (
            f"$ kubectl exec deploy/api -- env\n{_dump(r, f'{name}={value}')}",
            "env:kubectl-exec",
        )
    if roll == 8:
        return f"{name.lower()}: {value}\nreplicas: 3\nimage: acme/api:2.3", "out:yaml"
    if roll == 9:
        return (
            f"$ heroku config -a acme-api\n=== acme-api Config Vars\n{name}: {value}",
            "out:heroku",
        )
    return (
        f"$ systemctl show api.service -p Environment\nEnvironment={name}={value} PORT=8080",
        "out:systemd",
    )


def any_ctx(r: random.Random, name: str, value: str) -> tuple[str, str]:
    return cmd_ctx(r, name, value) if r.random() < 0.55 else out_ctx(r, name, value)


def json_escaped(r: random.Random, command: str) -> tuple[str, str]:
    """An agent's tool call or transcript record holding the command as a JSON string."""
    roll = r.randrange(4)
    if roll == 0:
        rec: dict[str, object] = {"tool": "bash", "input": {"command": command}}
    elif roll == 1:
        rec = {"type": "tool_use", "name": "run_shell", "arguments": json.dumps({"cmd": command})}
    elif roll == 2:
        rec = {"role": "assistant", "content": f"Running:\n```\n{command}\n```"}
    else:
        rec = {"event": "exec", "argv": ["/bin/sh", "-c", command], "cwd": "/workspace"}
    return json.dumps(rec), "json-escaped"
