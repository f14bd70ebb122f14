"""blind14: an independent, labelled secret-scanner corpus of what cloud, infrastructure and
developer tools print into an agent's shell (aws, gcloud, az, kubectl, helm, terraform,
docker, vault, doppler, op, gh, npm, pip, git, heroku, stripe, firebase, supabase, netlify,
wrangler, flyctl, CI logs, env dumps and dotfiles).

Written blind: without reading the scanner's rules or any other corpus. Every positive value is
drawn from ``random.Random(SEED)`` in the credential's real shape (prefix, length, alphabet and
checksum where one exists); no vendor example value is a positive.

Labelling decisions (also in the module docstrings):

* An AWS access key id (AKIA.../ASIA...) alone is a positive (``aws_access_key_id``); AWS's
  published ...EXAMPLE keys are negatives.
* In ``git log -p`` / ``git diff`` a secret on a removed ``-`` line is as live as one on an
  added ``+`` line (deleting a line rotates nothing); both are positives, as separate formats.
* A positive's ``secret`` is the credential value only: the password inside a URL or a
  connection string, the token after ``FlyV1 ``, the ``sig`` of an Azure SAS, the whole
  BEGIN..END block of a private key (JSON-escaped where the tool prints it escaped).
* Values that are public by design (Stripe ``pk_``, ``sb_publishable_``, OAuth client ids,
  certificates, public keys), encrypted blobs (SOPS, sealed-secrets, KMS, age, transit),
  masked or redacted values, template references and secret *names* are negatives.

Usage: ``python blind14_corpus.py`` writes tests/blind14_corpus.json;
``python blind14_corpus.py --score`` scores execgate's scanner against it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import _blind14_aws
import _blind14_dev
import _blind14_gcp_azure
import _blind14_iac
import _blind14_k8s
import _blind14_logs
import _blind14_misc
import _blind14_neg_env
import _blind14_neg_ids
import _blind14_neg_masked
import _blind14_neg_material
import _blind14_paas
from _blind import run
from _blind14_gen import Case

SEED = 1414
PER_FORMAT = 8
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind14_corpus.json"

ABOUT = (
    "blind14: secrets as cloud/infra/dev tools print them into an agent's shell (aws, gcloud, "
    "az, kubectl, helm, terraform, docker, vault, doppler, op, gh, npm, pip, git, heroku, stripe, "
    "firebase, supabase, netlify, wrangler, flyctl, CI logs, env dumps, dotfiles); negatives from "
    "the same tools (ids, request ids, digests, masked values, placeholders, vendor examples, "
    "public keys, encrypted blobs, secret names, prompts, help text, terraform sensitive markers). "
    "Written blind to the scanner's rules. AKIA/ASIA key ids alone are positives; secrets on "
    "removed diff lines are positives."
)


def _positives(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for mod in (
        _blind14_aws,
        _blind14_gcp_azure,
        _blind14_k8s,
        _blind14_iac,
        _blind14_dev,
        _blind14_paas,
        _blind14_misc,
        _blind14_logs,
    ):
        out += mod.cases(rng)
    kept: list[Case] = []
    seen: dict[str | None, int] = {}
    for c in out:
        n = seen.get(c["format"], 0)
        if n < PER_FORMAT:
            kept.append(c)
        seen[c["format"]] = n + 1
    return kept


def _negatives(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    out += _blind14_neg_ids.cloud_ids(rng) + _blind14_neg_ids.request_ids(rng)
    out += _blind14_neg_ids.digests(rng) + _blind14_neg_ids.git_metadata(rng)
    out += _blind14_neg_ids.versions(rng)
    out += _blind14_neg_masked.masked(rng) + _blind14_neg_masked.placeholders(rng)
    out += _blind14_neg_masked.vendor_examples(rng) + _blind14_neg_masked.terraform_sensitive(rng)
    out += _blind14_neg_material.public_material(rng) + _blind14_neg_material.encrypted(rng)
    out += _blind14_neg_material.secret_names(rng) + _blind14_neg_material.credless_config(rng)
    out += _blind14_neg_env.base64_config(rng) + _blind14_neg_env.prompts(rng)
    out += _blind14_neg_env.help_text(rng) + _blind14_neg_env.env_benign(rng)
    out += _blind14_neg_env.urls_no_creds(rng) + _blind14_neg_env.publishable_ids(rng)
    return out


def _prompt(rng: random.Random) -> str:
    """A shell prompt as a terminal capture shows it, in place of the bare ``$ ``."""
    host = rng.choice(
        [
            f"dev@devbox-{rng.randrange(100)}:~/work$ ",
            f"runner@fv-az{rng.randrange(100, 999)}-{rng.randrange(100, 999)}:~/work/app/app$ ",
            f"[ec2-user@ip-10-0-{rng.randrange(256)}-{rng.randrange(256)} ~]$ ",
            f"root@{rng.randrange(16**12):012x}:/app# ",
            f"jane@mbp-{rng.randrange(1000)} infra % ",
            f"ubuntu@ci-{rng.randrange(10**4)}:~$ ",
        ]
    )
    return host


def _vary(rng: random.Random, cases: list[Case]) -> None:
    """Give about half the captures a real prompt, and every repeated text a distinct one."""
    seen: set[str] = set()
    for c in cases:
        text = c["text"]
        assert text is not None
        if text.startswith("$ ") and (rng.random() < 0.5 or text in seen):
            while True:
                new = _prompt(rng) + text[2:]
                if new not in seen:
                    break
            c["text"] = text = new
        seen.add(text)


def build() -> dict[str, object]:
    rng = random.Random(SEED)
    cases = _positives(rng) + _negatives(rng)
    _vary(rng, cases)
    for c in cases:
        secret = c["secret"]
        assert c["text"] is not None
        assert secret is None or secret in c["text"], c
    return {"about": ABOUT, "cases": cases}


if __name__ == "__main__":
    sys.exit(run(sys.argv, build, OUT))
