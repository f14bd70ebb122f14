"""Hard negatives for blind12_corpus.py, part 2: high-entropy strings that are public or
non-secret by design (public keys and certificates, hashes and digests, identifiers,
non-secret base64, publishable client keys, ciphertext)."""

from __future__ import annotations

import base64
import json
from random import Random

import _blind12_formats as F
from _blind12_contexts import fill

R = F.rs


def _b64(rng: Random, n: int) -> str:
    return base64.b64encode(F.rbytes(rng, n)).decode()


def _pem(rng: Random, head: str, lead: str, n: int) -> str:
    return "\n".join([f"-----BEGIN {head}-----", *F.pem_body(rng, lead, n), f"-----END {head}-----"])


def public_key_cert(rng: Random) -> list[tuple[str, str]]:
    def rsa() -> str:
        return "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + R(rng, F.B64, 510)
    def ed() -> str:
        return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + R(rng, F.B64, 43)
    def fp() -> str:
        return "SHA256:" + R(rng, F.B64, 43)
    def cert() -> str:
        return _pem(rng, "CERTIFICATE", "MIIDdzCCAl+gAwIBAgIU", 1100)
    def pub() -> str:
        return _pem(rng, "PUBLIC KEY", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 392)
    jwk = {"keys": [{"kty": "RSA", "kid": R(rng, F.URLSAFE, 27), "use": "sig", "alg": "RS256",
                     "n": R(rng, F.URLSAFE, 342), "e": "AQAB"}]}
    rows = [
        (f"$ cat ~/.ssh/id_ed25519.pub\n{ed()} {{email}}", "command_output"),
        (f"$ cat ~/.ssh/id_rsa.pub\n{rsa()} {{user}}@{{app}}", "command_output"),
        (f"echo '{ed()} deploy@ci' >> ~/.ssh/authorized_keys", "cli_arg"),
        ("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "known_hosts"),
        (f"$ ssh-keyscan -t ed25519 {{host}}\n# {{host}}:22 SSH-2.0-OpenSSH_9.6\n{{host}} {ed()}", "command_output"),
        (f"Your public key has been saved in /home/{{user}}/.ssh/id_ed25519.pub\nThe key fingerprint is:\n{fp()} {{email}}\nThe key's randomart image is:\n+--[ED25519 256]--+\n|   .o+=*B=o.     |\n|    o=+*.+o      |\n+----[SHA256]-----+", "command_output"),
        (f"$ cat ca.crt\n{cert()}", "command_output"),
        (f"$ openssl x509 -in server.crt -pubkey -noout\n{pub()}", "command_output"),
        (f"$ kubectl get cm kube-root-ca.crt -o jsonpath='{{.data.ca\\.crt}}'\n{cert()}", "kubectl_output"),
        (f"$ curl -s https://auth.{{word}}.io/.well-known/jwks.json\n{json.dumps(jwk)}", "json_output"),
        (f"ED25519 key fingerprint is {fp()}.\nThis key is not known by any other names.", "ssh_output"),
        (f"$ gpg --armor --export {{email}}\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{chr(10).join(F.pem_body(rng, 'mDMEZ', 400))}\n=" + R(rng, F.B64, 4) + "\n-----END PGP PUBLIC KEY BLOCK-----", "command_output"),
        (f"$ age-keygen -y key.txt\nage1{R(rng, 'qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}", "command_output"),
        (f"$ sudo wg show\ninterface: wg0\n  public key: {_b64(rng, 32)}\n  private key: (hidden)\n  listening port: 51820\n\npeer: {_b64(rng, 32)}\n  endpoint: 203.0.113.7:51820\n  allowed ips: 10.8.0.2/32", "command_output"),
        (f'{{"id": {{n}}, "key": "{ed()}", "title": "ci deploy key", "read_only": true}}', "json_output"),
        (f"  client-certificate-data: {base64.b64encode(cert().encode()).decode()}", "kubeconfig"),
        (f"gh ssh-key add - --title laptop <<< '{ed()}'", "cli_arg"),
        (f"{rsa()}", "bare"),
        (f"$ ssh-keygen -lf ~/.ssh/id_rsa.pub\n3072 {fp()} {{user}}@{{app}} (RSA)", "command_output"),
        (f"PUBLIC_KEY=\"{pub()}\"", "dotenv"),
        (f"tls:\n  crt: |\n    {chr(10).join('    ' + x if i else x for i, x in enumerate(cert().split(chr(10))))}", "yaml"),
        (f"$ minisign -G -p app.pub\nThe public key was saved as app.pub - That one can be public.\nminisign -Vm <file> -P RW{R(rng, F.B64, 54)}", "command_output"),
        (f"$ cosign public-key --key cosign.key\n{_pem(rng, 'PUBLIC KEY', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', 124)}", "command_output"),
        (f"Host key verification: {{host}} ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{R(rng, F.B64, 87)}=", "known_hosts"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def hash_digest(rng: Random) -> list[tuple[str, str]]:
    def h(n: int) -> str:
        return R(rng, F.HEX, n)
    rows = [
        ("$ git log --oneline -4\n" + "\n".join(f"{h(7)} {m}" for m in ["fix: retry on 502", "chore: bump deps", "feat: add export", "Merge pull request #412"]), "command_output"),
        (f"$ git rev-parse HEAD\n{h(40)}", "command_output"),
        (f"commit {h(40)}\nAuthor: {{user}} <{{email}}>\nDate:   Tue Mar 5 10:12:01 2024 +0100", "command_output"),
        (f"$ sha256sum dist/{{app}}-1.{{n}}.0.tar.gz\n{h(64)}  dist/{{app}}-1.{{n}}.0.tar.gz", "command_output"),
        (f"Digest: sha256:{h(64)}\nStatus: Downloaded newer image for node:20-alpine", "command_output"),
        (f"$ docker images --digests\nREPOSITORY   TAG   DIGEST                                                                    IMAGE ID\nredis        7     sha256:{h(64)}   {h(12)}", "command_output"),
        (f'      "integrity": "sha512-{_b64(rng, 64)}",', "json_output"),
        (f"requests==2.32.3 \\\n    --hash=sha256:{h(64)} \\\n    --hash=sha256:{h(64)}", "requirements"),
        (f"github.com/spf13/cobra v1.8.0 h1:{_b64(rng, 32)}\ngithub.com/spf13/cobra v1.8.0/go.mod h1:{_b64(rng, 32)}", "go_sum"),
        (f'<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="sha384-{_b64(rng, 48)}" crossorigin="anonymous"></script>', "html"),
        (f"$ md5sum backup.sql\n{h(32)}  backup.sql", "command_output"),
        (f'[[package]]\nname = "serde"\nversion = "1.0.203"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{h(64)}"', "cargo_lock"),
        (f"/nix/store/{R(rng, '0123456789abcdfghijklmnpqrsvwxyz', 32)}-python3-3.11.9/bin/python3", "path"),
        (f'provider "registry.terraform.io/hashicorp/aws" {{\n  version = "5.54.1"\n  hashes = [\n    "h1:{_b64(rng, 32)}",\n    "zh:{h(64)}",\n  ]\n}}', "terraform_lock"),
        (f'lodash@^4.17.21:\n  version "4.17.21"\n  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#{h(40)}"', "yarn_lock"),
        (f"X-Hub-Signature-256: sha256={h(64)}", "http_header"),
        (f"$ git ls-remote origin\n{h(40)}\tHEAD\n{h(40)}\trefs/heads/main", "command_output"),
        (f"< content-md5: {_b64(rng, 16)}", "curl_verbose"),
        (f'{{file = "pydantic-2.7.4-py3-none-any.whl", hash = "sha256:{h(64)}"}},', "poetry_lock"),
        (f"$ shasum -a 1 install.sh\n{h(40)}  install.sh", "command_output"),
        (f"ipfs://Qm{R(rng, '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 44)}", "url"),
        (f"image: ghcr.io/{{org}}/{{app}}@sha256:{h(64)}", "yaml"),
        (f"Successfully built {h(12)}\nSuccessfully tagged {{app}}:latest", "command_output"),
        (f"pulling manifest\npulling {h(12)}... 100% ▕████████████████▏ 4.7 GB\nverifying sha256 digest\nwriting manifest", "command_output"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def identifier(rng: Random) -> list[tuple[str, str]]:
    def h(n: int) -> str:
        return R(rng, F.HEX, n)
    def a(n: int) -> str:
        return R(rng, F.ALNUM, n)
    rows = [
        ("$ kubectl get pod {app}-0 -o jsonpath='{.metadata.uid}'\n{uuid}", "command_output"),
        ('{"request_id": "{uuid}", "status": "ok", "duration_ms": {n}}', "json_output"),
        (f"traceparent: 00-{h(32)}-{h(16)}-01", "http_header"),
        (f"An error occurred (AccessDenied) when calling the GetObject operation: Access Denied (Service: S3, Status Code: 403, Request ID: {R(rng, F.UPPER + F.DIGITS, 16)}, Extended Request ID: {_b64(rng, 57)})", "error_output"),
        (f'< etag: "{h(40)}"\n< cache-control: max-age=300', "curl_verbose"),
        (f"$ docker ps --no-trunc -q\n{h(64)}\n{h(64)}", "command_output"),
        ("arn:aws:iam::{n}4817{n}:role/{app}-deployer", "arn"),
        (f'{{"id": "cus_{a(14)}", "object": "customer", "email": "{{email}}"}}', "json_output"),
        (f'{{"id": "pi_3{a(23)}", "object": "payment_intent", "amount": 2000, "currency": "usd", "status": "succeeded"}}', "json_output"),
        (f"Stripe request failed: request-id=req_{a(14)} status=402 code=card_declined", "log"),
        (f'{{"ok": true, "channel": "C{R(rng, F.UPPER + F.DIGITS, 10)}", "ts": "1718000000.{R(rng, F.DIGITS, 6)}"}}', "json_output"),
        (f'ObjectId("{h(24)}")', "mongo_output"),
        (f"ulid={R(rng, '0123456789ABCDEFGHJKMNPQRSTVWXYZ', 26)} event=order.created", "log"),
        (f"Sentry event sent: {h(32)}", "log"),
        (f'{{"node_id": "PR_kwDO{a(16)}", "number": {{n}}, "state": "open"}}', "json_output"),
        (f"<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-{R(rng, F.UPPER + F.DIGITS, 10)}\"></script>", "html"),
        (f"< x-amz-cf-id: {R(rng, F.URLSAFE, 54)}==\n< x-cache: Miss from cloudfront", "curl_verbose"),
        (f"< cf-ray: {h(16)}-FRA", "curl_verbose"),
        (f"Operation [operation-{R(rng, F.DIGITS, 13)}-{h(13)}-{h(8)}-{h(8)}] complete.", "command_output"),
        (f"$ aws ec2 describe-instances --query 'Reservations[].Instances[].InstanceId'\n[\n    \"i-{h(17)}\",\n    \"i-{h(17)}\"\n]", "command_output"),
        ('$ az account show\n{\n  "id": "{uuid}",\n  "tenantId": "{uuid}",\n  "name": "Pay-As-You-Go",\n  "state": "Enabled"\n}', "command_output"),
        (f"X-Request-Id: {h(32)}", "http_header"),
        (f"Run ID: {R(rng, F.DIGITS, 10)}  Job: build ({R(rng, F.DIGITS, 11)})  Check: https://github.com/{{org}}/{{app}}/actions/runs/{R(rng, F.DIGITS, 10)}", "ci_log"),
        (f"NEXT_PUBLIC_FIREBASE_APP_ID=1:{R(rng, F.DIGITS, 12)}:web:{h(22)}", "env_dump"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def nonsecret_base64(rng: Random) -> list[tuple[str, str]]:
    cert_pem = _pem(rng, "CERTIFICATE", "MIIC/jCCAeagAwIBAgIB", 1000)
    ca = base64.b64encode(cert_pem.encode()).decode()
    def b(s: str) -> str:
        return base64.b64encode(s.encode()).decode()
    png = "iVBORw0KGgoAAAANSUhEUgAAA" + R(rng, F.B64, 300) + "=="
    smap = b(json.dumps({"version": 3, "sources": ["../src/index.ts"], "names": [], "mappings": "AAAA,SAAS,GAAG;" + R(rng, "ACEGIKMOQSUWYgkoqsuwy;,", 200)}))
    cloud = b("#cloud-config\npackage_update: true\npackages:\n  - nginx\n  - jq\nruncmd:\n  - systemctl enable --now nginx\n")
    boot = b("#!/bin/sh\nset -eu\napt-get update\napt-get install -y docker.io\n")
    svg = b('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2L2 7l10 5 10-5-10-5z"/></svg>')
    readme = b("# " + "widgets" + "\n\nSmall internal tool for syncing inventory.\n\n## Usage\n\n    make run\n")
    rows = [
        (f'<img src="data:image/png;base64,{png}" alt="logo">', "html"),
        (f"- cluster:\n    certificate-authority-data: {ca}\n    server: https://10.0.0.1:6443\n  name: prod", "kubeconfig"),
        (f"$ kubectl config view --raw -o jsonpath='{{.clusters[0].cluster.certificate-authority-data}}'\n{ca}", "command_output"),
        (f"$ kubectl get secret {{app}}-sa -o jsonpath='{{.data.ca\\.crt}}'\n{ca}", "command_output"),
        (f"//# sourceMappingURL=data:application/json;charset=utf-8;base64,{smap}", "js"),
        (f"@font-face{{font-family:Inter;src:url(data:font/woff2;base64,d09GMgABAAAAA{R(rng, F.B64, 400)}) format('woff2')}}", "css"),
        (f"  user_data_base64 = \"{cloud}\"", "terraform"),
        (f"$ echo '{b('hello from ' + rng.choice(['staging', 'prod', 'ci']))}' | base64 -d\nhello", "command_output"),
        (f'{{"name": "README.md", "path": "README.md", "encoding": "base64", "content": "{readme}"}}', "json_output"),
        (f"grpc-status-details-bin: {b('invalid argument: page_size must be < 1000')}", "http_header"),
        (f"binaryData:\n  logo.png: {png}", "yaml"),
        (f"$ base64 -w0 favicon.ico\nAAABAAEAEBAAAAEAIABoBAAAFgAAACgAAAAQAAAAIAAAAAEAIAAAAAAAAAQAAA{R(rng, F.B64, 200)}==", "command_output"),
        (f"$ aws ec2 describe-instance-attribute --instance-id i-{R(rng, F.HEX, 17)} --attribute userData\n{{\"UserData\": {{\"Value\": \"{cloud}\"}}}}", "command_output"),
        ('{"type": "image/svg+xml", "data": "' + svg + '"}', "json_output"),
        (f"Content-Disposition: attachment; filename*=UTF-8''report.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURlY29kZT4+{R(rng, F.B64, 200)}", "email"),
        (f"  annotations:\n    config.linkerd.io/trust-anchors: {ca[:200]}", "yaml"),
        (f"X-Goog-Meta-Config: {b(json.dumps({'theme': 'dark', 'locale': 'en-GB', 'beta': False}))}", "http_header"),
        ("$ terraform console\n> filebase64(\"${path.module}/bootstrap.sh\")\n\"" + boot + "\"", "command_output"),
        (f"  ca_bundle: {ca}", "yaml"),
        (f"data:text/plain;base64,{b('The quick brown fox jumps over the lazy dog. ' * 2)}", "url"),
        (f"<link rel=\"icon\" href=\"data:image/png;base64,{png}\">", "html"),
        (f"$ openssl rand -base64 12 | cut -c1-4\n{R(rng, F.B64, 4)}", "command_output"),
        (f"webhook caBundle: {ca}", "log"),
        (f"Saved layout state: {b(json.dumps({'panels': ['logs', 'metrics'], 'width': 1280, 'height': 720}))}", "log"),
    ]
    return [(fill(rng, t), s) for t, s in rows]


def publishable_key(rng: Random) -> list[tuple[str, str]]:
    def a(n: int) -> str:
        return R(rng, F.ALNUM, n)
    def mapbox() -> str:
        return "pk." + F.b64url(json.dumps({"u": rng.choice(["acme", "mapsteam"]), "a": R(rng, F.LOWER + F.DIGITS, 25)}, separators=(",", ":")).encode()) + "." + R(rng, F.URLSAFE, 22)
    def dsn() -> str:
        return f"https://{R(rng, F.HEX, 32)}@o{R(rng, F.DIGITS, 6)}.ingest.us.sentry.io/{R(rng, F.DIGITS, 7)}"
    rows = [
        (f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_live_{a(24)}", "dotenv"),
        (f"export STRIPE_PUBLISHABLE_KEY=pk_live_51{a(97)}", "export"),
        (f"const stripe = Stripe('pk_live_{a(24)}');", "code"),
        (f'<script>var stripe = Stripe("pk_test_51{a(97)}");</script>', "html"),
        (f"VITE_MAPBOX_TOKEN={mapbox()}", "dotenv"),
        (f"mapboxgl.accessToken = '{mapbox()}';", "code"),
        (f"NEXT_PUBLIC_POSTHOG_KEY=phc_{a(43)}", "env_dump"),
        (f"posthog.init('phc_{a(43)}', {{api_host: 'https://eu.i.posthog.com'}})", "code"),
        (f"SENTRY_DSN={dsn()}", "env_dump"),
        (f"Sentry.init({{ dsn: \"{dsn()}\", tracesSampleRate: 0.1 }});", "code"),
        (f"RECAPTCHA_SITE_KEY=6L{R(rng, F.URLSAFE, 38)}", "dotenv"),
        (f'<div class="g-recaptcha" data-sitekey="6L{R(rng, F.URLSAFE, 38)}"></div>', "html"),
        (f"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_live_{base64.b64encode(b'clerk.acme.io$').decode()}", "dotenv"),
        (f"SQUARE_APPLICATION_ID=sq0idp-{R(rng, F.URLSAFE, 22)}", "env_dump"),
        (f"LD_CLIENT_SIDE_ID={R(rng, F.HEX, 24)}", "env_dump"),
        (f"GOOGLE_CLIENT_ID={R(rng, F.DIGITS, 12)}-{R(rng, F.LOWER + F.DIGITS, 32)}.apps.googleusercontent.com", "env_dump"),
        (f"GITHUB_APP_CLIENT_ID=Iv1.{R(rng, F.HEX, 16)}", "dotenv"),
        (f"OKTA_CLIENT_ID=0oa{a(17)}", "dotenv"),
        (f"      STRIPE_PUBLISHABLE_KEY:  pk_live_{a(24)}", "kubectl_describe"),
        (f"$ stripe config --list\nlive_mode_pub_key = 'pk_live_{a(24)}'\ntest_mode_pub_key = 'pk_test_{a(24)}'", "command_output"),
        (f'{{"publishableKey": "pk_live_{a(24)}", "country": "DE"}}', "json_output"),
        (f"window.__CONFIG__ = {{posthogKey: \"phc_{a(43)}\", sentryDsn: \"{dsn()}\"}}", "code"),
        (f"  mapbox_public_token: {mapbox()}", "yaml"),
        (f"algolia:\n  app_id: {R(rng, F.UPPER + F.DIGITS, 10)}\n  index: products_prod", "yaml"),
    ]
    return rows
