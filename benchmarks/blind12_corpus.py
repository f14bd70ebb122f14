"""Blind secret corpus 12: what an agent's guarded runtime sees.

Theme. The held-out corpus execgate is measured on is made of the command lines an agent
sends (CLI flags, ``curl -H``, ``export``/inline env, ``aws configure set``, ``az ... --account-key``,
``fly secrets set``, ``vercel env add``, ``gh secret set --body``, ``kubectl create secret
--from-literal``, ``docker login -p``, ``psql``/``redis-cli``/``mysql``), environment dumps
(``env``, ``printenv``, ``docker inspect``, ``kubectl describe``, ``heroku config``, CI logs under
``set -x``) and command output (JSON/YAML, ``curl -v`` headers, tracebacks, config files
printed with ``cat``). This script writes ~1000 cases of that shape: ~530 positives over 61
formats (>= 8 cases each) and ~460 negatives over 19 families of hard negatives. It was
written without reading execgate's scanner, its rules, tests or corpora.

Where format facts came from (looked up, not guessed; values are random, never live keys
nor vendor examples):
- gitleaks config/gitleaks.toml (prefixes, lengths, alphabets of most vendor tokens: GitLab,
  Slack, Telegram, AWS, Azure AD client secret, GCP API key, Databricks, Stripe, OpenAI,
  Anthropic, Hugging Face, npm, PyPI, Heroku HRKU-AA, DigitalOcean, Datadog, New Relic NRAK,
  Sentry sntryu_, Mailgun key-, SendGrid SG., Shopify shpat_, Square EAAA/sq0csp-, Okta 00,
  Atlassian ATATT3, Linear lin_api_, Notion ntn_/secret_, Airtable pat..., Postman PMAK-,
  Vault hvs., Pulumi pul-, Terraform Cloud .atlasv1., PlanetScale pscale_, Grafana glsa_, JWT);
- trufflehog pkg/detectors: supabasetoken (sbp_ + 40), dockerhub/v2 (dckr_pat_ + 27),
  discordbottoken (24.6.27), twilio (AC + 32 hex SID, 32-hex auth token), azure_storage
  (86-88 char base64 AccountKey), openai (T3BlbkFJ marker);
- docs.doppler.com "Auth Token Formats" (dp.pt./dp.st./dp.sa./dp.ct. + 40-44 alnum);
- the GitHub blog on token formats, with credsweeper's ValueGitHubCheck for the checksum:
  ghp_/gho_/ghu_/ghs_/ghr_ and npm_ end in CRC32(30 random chars) in base62 (0-9A-Za-z),
  zero-padded to 6 -- computed here for every such token;
- vendor documentation examples used as negatives: AWS (AKIAIOSFODNN7EXAMPLE,
  wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, AKIAI44QH8DHBEXAMPLE), jwt.io's sample token,
  the Azurite devstoreaccount1 key (listed in trufflehog azure_storage), Stripe's docs test keys,
  Slack's T00000000/B00000000 webhook; GitHub's published ssh-ed25519 host key.

Labelling decisions:
- A positive holds exactly one secret; ``secret`` is the whole credential value as it appears
  in the text: the password only in a URL or connection string (percent-encoded as written),
  the token without its ``Bearer``/``token``/``Bot``/``SSWS`` scheme, the base64 blob of a
  Basic header or of a Kubernetes Secret ``data`` value, the full PEM block (with its literal
  ``\\n`` escapes when it sits inside JSON or a .env line), the whole ``<id>:<secret>`` Telegram
  bot token, and the last path segment of a Slack/Discord webhook URL (the ids before it are
  not secret). Azure SAS URLs: the ``sig=`` value.
- Identifiers next to a secret are not secrets: Twilio account SIDs (AC...) and API key SIDs
  (SK...), Azure app/tenant ids, user names, hosts. AWS access key ids are treated as
  credentials (format aws_access_key_id) and never share a text with their secret key.
- Heroku keys are the HRKU-AA form; legacy UUID keys are left out (a UUID alone is a
  negative here).
- Negatives: low-entropy or placeholder values in secret-named places, template and shell
  references, masked values, vendor documentation examples, names/paths of secrets, PEM
  armour with no key body, public keys and certificates, hashes/digests, identifiers,
  non-secret base64, publishable/client-side keys (Stripe pk_, Mapbox pk., PostHog phc_,
  Sentry DSN, reCAPTCHA site keys, OAuth client ids), env names and help text, password
  prompts, minified code, random-looking file names, ciphertext (ansible vault, sops ENC[...],
  sealed secrets, PGP/age), password hashes, and commands that read a secret from a file
  or stdin.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from random import Random
from typing import Any

import _blind12_formats as F
import _blind12_negatives as N1
import _blind12_negatives2 as N2
import _blind12_negatives3 as N3
from _blind import run
from _blind12_contexts import GENERIC, UNPREFIXED_SKIP, fill
from _blind12_passwords import connstring_cases, password_cases
from _blind12_specs_a import SPECS_A
from _blind12_specs_b import SPECS_B
from _blind12_specs_c import SPECIAL

SEED = 20241212
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind12_corpus.json"
PER_FORMAT = 8
ENVISH = ["export", "env_dump", "dotenv", "kubectl_describe", "heroku_config", "docker_inspect",
          "gh_secret_set", "yaml", "ci_setx", "printenv", "fly_secrets", "json_output"]
URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
NEG_FAMILIES = [
    ("low_entropy", N1.low_entropy), ("placeholder", N1.placeholder), ("template_ref", N1.template_ref),
    ("masked", N1.masked), ("vendor_example", N1.vendor_example), ("secret_name", N1.secret_name),
    ("pem_armor_no_body", N1.pem_armor_empty), ("public_key_cert", N2.public_key_cert),
    ("hash_digest", N2.hash_digest), ("identifier", N2.identifier), ("nonsecret_base64", N2.nonsecret_base64),
    ("publishable_key", N2.publishable_key), ("env_name_help", N3.env_name_help),
    ("password_prompt", N3.password_prompt), ("minified_code", N3.minified_code),
    ("random_filename", N3.random_filename), ("encrypted_blob", N3.encrypted_blob),
    ("password_hash", N3.password_hash), ("secret_from_file", N3.secret_from_file),
]


def _extras(rng: Random, spec: dict[str, Any], v: str) -> dict[str, str]:
    ex = {"{SID}": F.twilio_sid(rng), "{SK}": F.twilio_sid(rng, "SK")}
    if "url" in spec:
        t, b = F.slack_webhook_ids(rng)
        url = spec["url"].replace("{T}", t).replace("{B}", b).replace("{ID}", F.snowflake(rng))
        ex["{url}"] = url.replace("{v}", v)
    return ex


def _sub(text: str, ex: dict[str, str]) -> str:
    for k, val in ex.items():
        text = text.replace(k, val)
    return text


def spec_cases(rng: Random, spec: dict[str, Any]) -> list[dict[str, Any]]:
    fmt, specific = spec["format"], list(spec["specific"])
    rng.shuffle(specific)
    if "generic" in spec:
        pool = list(spec["generic"])
    elif "url" in spec:
        pool = list(ENVISH)
    else:
        pool = [g for g in GENERIC if spec.get("prefixed", True) or g not in UNPREFIXED_SKIP]
        if "header" not in spec:  # no documented header: no made-up curl request either
            pool = [g for g in pool if g not in ("curl_header", "curl_verbose")]
    n = PER_FORMAT if pool else len(specific)
    n_spec = min(len(specific), max(3, n - len(pool), (n + 1) // 2))
    rows: list[tuple[str, str]] = [(t, "specific") for t in specific[:n_spec]]
    gen_pool = list(pool)
    rng.shuffle(gen_pool)
    if "header" in spec and "curl_header" in gen_pool:
        gen_pool.remove("curl_header")
        gen_pool.insert(0, rng.choice(["curl_header", "curl_verbose"]))
    rows += [(g, "generic") for g in gen_pool[: n - n_spec]]
    out = []
    for tpl, kind in rows:
        v = spec["gen"](rng)
        if "api" in spec:
            spec = {**spec, "api": fill(rng, spec["api"])}
        ex = _extras(rng, spec, v)
        shown = ex.get("{url}", v)
        if kind == "specific":
            text, src = _sub(fill(rng, _sub(tpl, ex), v, rng.choice(spec["envs"])), ex), "specific"
            src = _source_of(tpl)
        else:
            if tpl in ("url_encoded", "url_query", "glued_x", "glued_underscore") and not URL_SAFE.fullmatch(shown):
                tpl = "export"
            text, src = fill(rng, GENERIC[tpl](rng, rng.choice(spec["envs"]), shown, spec)), tpl
        out.append({"text": text, "secret": v, "format": fmt, "source": src})
    return out


def _source_of(tpl: str) -> str:
    """A short context label for a tool-specific template."""
    t = tpl.lstrip()
    checks = [("Traceback", "traceback"), ("Error", "error_output"), ("error", "error_output"), ("$ cat", "config_file"),
              ("$ ", "command_output"), ("{ts}", "ci_log"), ("{", "json_output"), ("curl", "curl"), ("git ", "git_url"),
              ("export", "export"), ("docker login", "docker_login"), ("echo", "stdin_echo"), ("wget", "url"),
              ("POST", "url"), ("az ", "az_cli"), ("aws ", "aws_cli"), ("access_token=", "url_form")]
    for needle, label in checks:
        if t.startswith(needle) or (needle in ("Error", "error") and needle in t[:60]):
            return label
    if re.match(r"[A-Z_]+=", t):
        return "inline_env"
    if " --" in t or " -" in t:
        return "cli_flag"
    return "command_line"


def build() -> dict[str, object]:
    rng = Random(SEED)
    cases: list[dict[str, Any]] = []
    for spec in SPECS_A + SPECS_B:
        cases += spec_cases(rng, spec)
    for fmt, (fn, n) in SPECIAL.items():
        cases += [{"text": t, "secret": s, "format": fmt, "source": src} for t, s, src in fn(rng, n)]
    cases += [{"text": t, "secret": s, "format": "generic_password", "source": src} for t, s, src in password_cases(rng, 24)]
    cases += [{"text": t, "secret": s, "format": "connection_string_password", "source": src}
              for t, s, src in connstring_cases(rng, 27)]
    for fam, neg in NEG_FAMILIES:
        cases += [{"text": t, "secret": None, "format": f"neg:{fam}", "source": src} for t, src in neg(rng)]
    seen = set()
    for c in cases:
        assert c["text"] not in seen, c["text"][:120]
        seen.add(c["text"])
        assert c["secret"] is None or c["secret"] in c["text"], (c["format"], c["text"][:200])
        assert "{v}" not in c["text"] and "{url}" not in c["text"] and "{SID}" not in c["text"], c["text"][:200]
    return {"about": __doc__, "cases": cases}


if __name__ == "__main__":
    sys.exit(run(sys.argv, build, OUT))
