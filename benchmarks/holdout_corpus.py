"""Build tests/external_holdout.json: a second independent corpus, never used to tune rules.

    python benchmarks/holdout_corpus.py GITLEAKS_GIT TRUFFLEHOG_GIT

Each argument is a git directory (a bare clone is enough). The cases are the literal fixture
strings of rule files and detector tests that tests/external_corpus.json does not draw on:
gitleaks ``cmd/generate/config/rules/<name>.go`` ``tps`` / ``fps`` lists and TruffleHog
``pkg/detectors/<name>/*_test.go`` ``validPattern`` / ``invalidPattern`` values, for formats
execgate has a rule for. Only string literals are read (no code is taken); generated samples
(``utils.GenerateSampleSecret(...)``, ``fmt.Sprintf(...)``) are skipped. A positive's secret
is unmarked (``""``: found when any span is reported); a negative is ``null``.
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "external_holdout.json"

#: gitleaks rule file -> execgate format, for files the tuning corpus does not use.
GITLEAKS = {
    "age.go": "age",
    "airtable.go": "airtable",
    "alibaba.go": "alibaba",
    "atlassian.go": "atlassian",
    "clojars.go": "clojars",
    "digitalocean.go": "digitalocean",
    "doppler.go": "doppler",
    "dropbox.go": "dropbox",
    "flyio.go": "flyio",
    "heroku.go": "heroku",
    "jwt.go": "jwt",
    "kubernetes.go": "kubernetes",
    "linear.go": "linear",
    "mailgun.go": "mailgun",
    "mapbox.go": "mapbox",
    "newrelic.go": "newrelic",
    "npm.go": "npm",
    "openai.go": "openai",
    "planetscale.go": "planetscale",
    "postman.go": "postman",
    "pypi.go": "pypi",
    "rubygems.go": "rubygems",
    "sendgrid.go": "sendgrid",
    "sentry.go": "sentry",
    "shopify.go": "shopify",
    "stripe.go": "stripe",
    "telegram.go": "telegram",
    "twilio.go": "twilio",
    "twitter.go": "twitter",
}

#: TruffleHog detector directory -> execgate format, for directories the tuning corpus does
#: not use.
TRUFFLEHOG = {
    "airtablepersonalaccesstoken": "airtable",
    "alibaba": "alibaba",
    "anthropic": "anthropic",
    "atlassian": "atlassian",
    "aws": "aws",
    "azure_storage": "azure-storage",
    "azuresastoken": "azure",
    "azure_entra": "azure",
    "datadogtoken": "datadog",
    "datadogapikey": "datadog",
    "discordwebhook": "discord",
    "docker": "docker",
    "dockerhub": "docker",
    "flyio": "flyio",
    "github": "github",
    "gitlab": "gitlab",
    "hashicorpvault": "hashicorp",
    "heroku": "heroku",
    "jdbc": "database-url",
    "jwt": "jwt",
    "ldap": "generic",
    "mailgun": "mailgun",
    "mapbox": "mapbox",
    "mongodb": "database-url",
    "newrelicuserkey": "newrelic",
    "openai": "openai",
    "openaiadmin": "openai",
    "planetscale": "planetscale",
    "planetscaledb": "planetscale",
    "postgres": "database-url",
    "pypi": "pypi",
    "redis": "database-url",
    "sentryorgtoken": "sentry",
    "sentrytoken": "sentry",
    "shopify": "shopify",
    "slack": "slack",
    "sqlserver": "database-url",
    "twilio": "twilio",
    "twilioapikey": "twilio",
    "twitter": "twitter",
}

_GO_STRING = r"(?:\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`)"
#: ``tps := []string{ ... }`` (or ``fps``), up to the closing brace on its own line.
_LIST = re.compile(
    r"(?ms)^\s*(?P<kind>tps|fps)\s*:?=\s*(?:append\(\w+,|\[\]string\{)(?P<body>.*?)^\s*[})]"
)
#: one element that is a literal and nothing else (no ``+``, no call)
_ELEMENT = re.compile(r"(?m)^\s*(?P<lit>" + _GO_STRING + r")\s*,?\s*(?://.*)?$")
#: a test table entry: ``input: <literal>,`` then ``want: []string{...}`` (empty: negative)
_ENTRY = re.compile(
    r"(?m)^\s*input:\s*(?P<lit>" + _GO_STRING + r"),\s*\n\s*want:\s*(?P<want>[^\n]*)$"
)
#: ``validPattern = "..."`` / ``invalidPattern := `...```
_PATTERN = re.compile(
    r"(?m)^\s*(?P<kind>valid|invalid)Pattern\w*\s*:?=\s*(?P<lit>" + _GO_STRING + r")\s*$"
)


def _unquote(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1]
    return codecs.decode(lit[1:-1].encode("latin-1", "backslashreplace"), "unicode_escape")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def _commit(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()[:12]


def gitleaks_cases(repo: Path, name: str) -> list[dict[str, Any]]:
    commit = _commit(repo)
    out = []
    for file, fmt in GITLEAKS.items():
        path = f"cmd/generate/config/rules/{file}"
        try:
            text = _git(repo, "show", f"HEAD:{path}")
        except subprocess.CalledProcessError:
            continue
        for block in _LIST.finditer(text):
            kind = block["kind"]
            for el in _ELEMENT.finditer(block["body"]):
                value = _unquote(el["lit"])
                if value.strip():
                    out.append(
                        {
                            "text": value,
                            "secret": "" if kind == "tps" else None,
                            "format": fmt,
                            "source": f"{name}@{commit}:{path} ({kind})",
                        }
                    )
    return out


def trufflehog_cases(repo: Path, name: str) -> list[dict[str, Any]]:
    commit = _commit(repo)
    files = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", "pkg/detectors/").split()
    out = []
    for path in files:
        parts = path.split("/")
        if not path.endswith("_test.go") or "integration" in path or parts[2] not in TRUFFLEHOG:
            continue
        text = _git(repo, "show", f"HEAD:{path}")
        found = [(m["lit"], m["kind"]) for m in _PATTERN.finditer(text)]
        for m in _ENTRY.finditer(text):
            empty = re.match(r"(?:nil|\[\]string\{\s*\})", m["want"]) is not None
            found.append((m["lit"], "invalid" if empty else "valid"))
        for lit, kind in found:
            value = _unquote(lit)
            if value.strip():
                out.append(
                    {
                        "text": value,
                        "secret": "" if kind == "valid" else None,
                        "format": TRUFFLEHOG[parts[2]],
                        "source": f"{name}@{commit}:{path} ({kind})",
                    }
                )
    return out


def main() -> None:
    gitleaks, trufflehog = Path(sys.argv[1]), Path(sys.argv[2])
    tuning = json.loads((OUT.parent / "external_corpus.json").read_text())["cases"]
    seen = {c["text"] for c in tuning}
    cases = []
    for case in gitleaks_cases(gitleaks, "gitleaks+gitleaks") + trufflehog_cases(
        trufflehog, "trufflesecurity+trufflehog"
    ):
        if case["text"] not in seen:
            seen.add(case["text"])
            cases.append(case)
    about = (
        "Held-out independent corpus: never used to tune execgate's rules (the tuning corpus is "
        "external_corpus.json). Literal fixture strings of gitleaks rule files (tps/fps) and "
        "TruffleHog detector tests (validPattern/invalidPattern) that external_corpus.json "
        "does not draw on, built by benchmarks/holdout_corpus.py. Fields as in "
        "external_corpus.json; every positive is unmarked ('')."
    )
    OUT.write_text(
        json.dumps({"about": about, "cases": cases}, indent=1, ensure_ascii=False) + "\n"
    )
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
