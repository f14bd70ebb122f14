"""Tenth blind secret corpus for execgate's scanner (tests/blind10_corpus.json).

Theme: HTTP traffic and logs as an AI coding agent's shell tool shows them -- ``curl -v`` /
``curl -i`` transcripts, ``wget -d``, ``httpie --print=HhBb``, mitmproxy dumps and HAR exports,
nginx/apache/ELB access logs, structlog/zap/Rails/Django/Express request logs, OAuth2/OIDC
flows, webhook deliveries, cookies, presigned URLs, gRPC metadata, GraphQL, websockets,
Sentry/Datadog events, stack traces, ``docker login`` / ``npm login`` / ``gh auth`` output.

Built from public format facts only (vendor docs, RFCs); every value is drawn from
``random.Random(SEED)`` in its format's prefix, length, alphabet and checksum (GitHub tokens end
in a base62 CRC32), so none is live. Run without arguments to write the JSON; ``--score``
measures the scanner against it.

Labelling decisions (the brief asks to decide and justify):

* Secrets: API keys/PATs, OAuth access and refresh tokens, client secrets, OIDC id_tokens (GCP
  Cloud Run / IAP accept Google ID tokens as bearer credentials), Kubernetes service-account
  tokens, passwords and HTTP Basic blobs, webhook *signing secrets* (``whsec_``), session
  cookies (a bearer credential for a logged-in session: replaying one hijacks it), and the
  signature of a presigned URL (AWS / GCS ``X-Goog-Signature`` / Azure SAS ``sig=``): GCS docs
  say "anyone in possession of the URL can use it" until expiry, so the signature is the
  capability.
* Not secrets: webhook *signatures* (Stripe-Signature ``v1=``, X-Hub-Signature-256): an HMAC of
  one body, useless for anything else; SigV4 ``Authorization: AWS4-HMAC-SHA256 ... Signature=``
  on an ordinary request (bound to that exact request and a 15-minute window); access key ids
  and ``X-Amz-Credential`` (AWS calls the key id the public half); OAuth ``state``/``nonce``;
  OAuth client ids (RFC 6749 2.2: the client identifier "is not a secret"); authorization codes
  and PKCE ``code_verifier`` values as they appear in logs (RFC 6749 4.1.2: single-use, at most
  ten minutes, and already redeemed by the time the callback is logged; the verifier is useless
  once its code is spent) and ``code_challenge`` (a public hash); CSRF tokens (they only work
  together with the victim's session cookie, are embedded in every HTML page served to the
  user, and grant nothing on their own); Sentry DSNs (Sentry: "DSNs are safe to keep public");
  Datadog RUM client tokens, Stripe ``pk_live_`` and Mapbox ``pk.`` public tokens; JWKS public
  keys; JWT headers alone; the jwt.io example token; RFC 6749/6750/7617/7636 and vendor-doc
  example values; placeholders and masked values as loggers print them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import sys
import urllib.parse
import zlib
from collections.abc import Callable
from pathlib import Path

from _blind import run

SEED = 10_2026_0517
OUT = Path(__file__).resolve().parent.parent / "tests" / "blind10_corpus.json"

R = random.Random(SEED)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits

Case = dict[str, str | None]


def rs(alpha: str, n: int) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def b62_crc(body: str) -> str:
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seg(obj: dict[str, object]) -> str:
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def uuid4() -> str:
    return f"{rs(HEX, 8)}-{rs(HEX, 4)}-4{rs(HEX, 3)}-{R.choice('89ab')}{rs(HEX, 3)}-{rs(HEX, 12)}"


def ts() -> str:
    return f"2024-0{R.randint(1, 9)}-{R.randint(10, 28)}T{R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)}.{R.randint(100, 999)}Z"


def clf_ts() -> str:
    return f"{R.randint(10, 28)}/May/2024:{R.randint(10, 23)}:{R.randint(10, 59)}:{R.randint(10, 59)} +0000"


def ip() -> str:
    return f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"


HOSTS = [
    "api.acme-corp.io",
    "billing.internal.example.net",
    "api.partner-hub.com",
    "gateway.shopfront.dev",
    "orders.svc.corp.local",
]
PATHS = ["/v1/orders", "/v2/users/me", "/api/reports/export", "/v1/invoices?limit=50", "/graphql"]

# ---------------------------------------------------------------- token shapes


def gh(prefix: str) -> Callable[[], str]:
    def f() -> str:
        body = prefix + rs(ALNUM, 30)
        return body + b62_crc(body)

    return f


def npm() -> str:
    body = rs(ALNUM, 30)
    return "npm_" + body + b62_crc(body)


def jwt_rs(payload: dict[str, object], kid: bool = True) -> str:
    head: dict[str, object] = {"alg": "RS256", "typ": "JWT"}
    if kid:
        head["kid"] = rs(URLSAFE, 27)
    return f"{seg(head)}.{seg(payload)}.{rs(URLSAFE, 342)}"


def now() -> int:
    return 1714000000 + R.randrange(10**6)


def jwt_access() -> str:
    t = now()
    return jwt_rs(
        {
            "iss": f"https://{R.choice(['login.acme-corp.io', 'acme.eu.auth0.com', 'idp.shopfront.dev'])}/",
            "sub": f"auth0|{rs(HEX, 24)}",
            "aud": "https://api.acme-corp.io",
            "iat": t,
            "exp": t + 3600,
            "scope": "openid profile read:orders",
            "azp": rs(ALNUM, 32),
        }
    )


def oidc_id_token() -> str:
    t = now()
    return jwt_rs(
        {
            "iss": "https://accounts.google.com",
            "azp": f"{R.randint(10**11, 10**12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",
            "aud": f"{R.randint(10**11, 10**12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",
            "sub": str(R.randint(10**20, 10**21)),
            "email": f"{R.choice(['jdoe', 'mlee', 'ops'])}@acme-corp.io",
            "email_verified": True,
            "nonce": rs(URLSAFE, 22),
            "iat": t,
            "exp": t + 3600,
        }
    )


def k8s_sa_token() -> str:
    t = now()
    ns = R.choice(["default", "ci", "payments", "monitoring"])
    sa = R.choice(["deployer", "argo-workflow", "prometheus", "builder"])
    return jwt_rs(
        {
            "aud": ["https://kubernetes.default.svc.cluster.local"],
            "exp": t + 3607,
            "iat": t,
            "iss": "https://kubernetes.default.svc.cluster.local",
            "kubernetes.io": {
                "namespace": ns,
                "pod": {"name": f"{sa}-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}", "uid": uuid4()},
                "serviceaccount": {"name": sa, "uid": uuid4()},
            },
            "nbf": t,
            "sub": f"system:serviceaccount:{ns}:{sa}",
        }
    )


def mapbox_secret() -> str:
    return (
        "sk."
        + seg({"u": R.choice(["acme-maps", "geoteam"]), "a": rs(LOWNUM, 25)})
        + "."
        + rs(URLSAFE, 22)
    )


def telegram() -> str:
    return f"{R.randint(10**8, 10**10)}:AA{rs(URLSAFE, 33)}"


def google_access() -> str:
    return "ya29.a0" + rs(URLSAFE, R.randint(150, 200))


def google_refresh() -> str:
    return "1//0" + rs(URLSAFE, 99)


def opaque(n: int = 43) -> Callable[[], str]:
    return lambda: rs(URLSAFE, n)


def okta_ssws() -> str:
    return "00" + rs(URLSAFE, 40)


def azure_ad_secret() -> str:
    return rs(URLSAFE + "~.", 3) + R.choice(string.digits) + "Q~" + rs(URLSAFE + "~.", 34)


# ---------------------------------------------------------------- contexts: headers


def hx_curl_v(name: str, val: str) -> str:
    h = R.choice(HOSTS)
    p = R.choice(PATHS)
    return (
        f'$ curl -v https://{h}{p} -H "{name}: {val}"\n*   Trying 203.0.113.{R.randint(2, 250)}:443...\n'
        f"* Connected to {h} (203.0.113.{R.randint(2, 250)}) port 443\n* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n"
        f"> GET {p} HTTP/2\n> Host: {h}\n> user-agent: curl/8.5.0\n> accept: */*\n> {name.lower()}: {val}\n>\n"
        f"< HTTP/2 401\n< content-type: application/json\n< x-request-id: {uuid4()}\n<\n"
        '{"error":"invalid_token","error_description":"The access token expired"}'
    )


def hx_httpie(name: str, val: str) -> str:
    h = R.choice(HOSTS)
    return (
        f'$ http --print=HhBb GET https://{h}/v2/users/me "{name}:{val}"\nGET /v2/users/me HTTP/1.1\nAccept: */*\n'
        f"Accept-Encoding: gzip, deflate\n{name}: {val}\nConnection: keep-alive\nHost: {h}\nUser-Agent: HTTPie/3.2.2\n\n\n"
        f'HTTP/1.1 200 OK\nContent-Type: application/json\nDate: Wed, 01 May 2024 10:0{R.randint(0, 9)}:11 GMT\n\n{{\n    "id": {R.randint(1000, 99999)},\n    "login": "jdoe"\n}}'
    )


def hx_mitm(name: str, val: str) -> str:
    h = R.choice(HOSTS)
    return (
        f"$ mitmdump -r flows.mitm --flow-detail 2\n127.0.0.1:{R.randint(40000, 65000)}: POST https://{h}/v1/orders HTTP/2.0\n"
        f"    host: {h}\n    content-type: application/json\n    {name.lower()}: {val}\n    user-agent: okhttp/4.12.0\n"
        f'    {{"sku": "SKU-{R.randint(1000, 9999)}", "qty": 2}}\n << HTTP/2.0 201 Created 312b\n    content-type: application/json\n    x-trace-id: {rs(HEX, 32)}'
    )


def hx_http_client(name: str, val: str) -> str:
    h = R.choice(HOSTS)
    return (
        ">>> http.client.HTTPConnection.debuglevel = 1\n>>> requests.get(url, headers=headers)\n"
        f"send: b'GET /v1/orders HTTP/1.1\\r\\nHost: {h}\\r\\nUser-Agent: python-requests/2.31.0\\r\\n"
        f"Accept-Encoding: gzip, deflate\\r\\nAccept: */*\\r\\nConnection: keep-alive\\r\\n{name}: {val}\\r\\n\\r\\n'\n"
        "reply: 'HTTP/1.1 403 Forbidden\\r\\n'\nheader: Content-Type: application/json\nheader: Content-Length: 47"
    )


def hx_zap(name: str, val: str) -> str:
    return (
        f'{{"level":"debug","ts":{now()}.{R.randint(100000, 999999)},"caller":"httpclient/transport.go:{R.randint(40, 200)}",'
        f'"msg":"outgoing request","method":"GET","url":"https://{R.choice(HOSTS)}/v1/orders",'
        f'"headers":{{"Accept":["application/json"],"{name}":["{val}"],"User-Agent":["Go-http-client/2.0"]}},'
        f'"trace_id":"{rs(HEX, 32)}"}}'
    )


def hx_structlog(name: str, val: str) -> str:
    return json.dumps(
        {
            "event": "upstream_request",
            "method": "POST",
            "url": f"https://{R.choice(HOSTS)}/v1/charges",
            "headers": {"content-type": "application/json", name.lower(): val},
            "level": "debug",
            "logger": "app.clients.upstream",
            "timestamp": ts(),
        }
    )


def hx_undici(name: str, val: str) -> str:
    return (
        "TypeError: fetch failed\n    at node:internal/deps/undici/undici:12345:11\n"
        f"    at async syncOrders (/srv/app/dist/jobs/sync.js:41:17) {{\n  cause: Error: connect ECONNREFUSED 10.0.3.7:443\n"
        f"  request: {{\n    method: 'GET',\n    url: 'https://{R.choice(HOSTS)}/v1/orders',\n"
        f"    headers: {{ accept: 'application/json', '{name.lower()}': '{val}' }}\n  }}\n}}\n\nNode.js v20.12.2"
    )


def hx_grpcurl(name: str, val: str) -> str:
    return (
        f'$ grpcurl -v -H "{name.lower()}: {val}" orders.svc.corp.local:443 orders.v1.OrderService/ListOrders\n\n'
        "Resolved method descriptor:\nrpc ListOrders ( .orders.v1.ListOrdersRequest ) returns ( .orders.v1.ListOrdersResponse );\n\n"
        f"Request metadata to send:\n{name.lower()}: {val}\n\nResponse headers received:\ncontent-type: application/grpc\n"
        "\nResponse trailers received:\n(empty)\nSent 1 request and received 1 response"
    )


def hx_har(name: str, val: str) -> str:
    return (
        "$ jq '.log.entries[3].request' session.har\n{\n"
        f'  "method": "GET",\n  "url": "https://{R.choice(HOSTS)}/v2/users/me",\n  "httpVersion": "HTTP/2",\n  "headers": [\n'
        '    { "name": "accept", "value": "application/json" },\n'
        f'    {{ "name": "{name.lower()}", "value": "{val}" }},\n'
        f'    {{ "name": "x-request-id", "value": "{uuid4()}" }}\n  ],\n  "queryString": [],\n  "cookies": []\n}}'
    )


def hx_sentry(name: str, val: str) -> str:
    return (
        "$ sentry-cli events get 0d3f --org acme --project api | jq .request\n{\n"
        f'  "url": "https://{R.choice(HOSTS)}/v1/invoices",\n  "method": "POST",\n  "headers": [\n'
        f'    ["Content-Type", "application/json"],\n    ["{name}", "{val}"],\n    ["X-Forwarded-For", "{ip()}"]\n  ],\n'
        '  "inferred_content_type": "application/json"\n}'
    )


def hx_datadog(name: str, val: str) -> str:
    return (
        f'{{"service":"checkout-api","status":"error","message":"401 from upstream","http":{{"method":"GET","status_code":401,'
        f'"url":"https://{R.choice(HOSTS)}/v1/orders","request":{{"headers":{{"{name.lower()}":"{val}"}}}}}},'
        f'"dd":{{"trace_id":"{R.randint(10**18, 10**19)}","span_id":"{R.randint(10**18, 10**19)}"}}}}'
    )


def hx_wget(name: str, val: str) -> str:
    h = R.choice(HOSTS)
    return (
        f'$ wget -d --header="{name}: {val}" https://{h}/api/reports/export.csv\nSetting --header (header) to {name}: {val}\n'
        f"DEBUG output created by Wget 1.21.4 on linux-gnu.\n\n---request begin---\nGET /api/reports/export.csv HTTP/1.1\n"
        f"Host: {h}\nUser-Agent: Wget/1.21.4\nAccept: */*\n{name}: {val}\n\n---request end---\nHTTP request sent, awaiting response..."
    )


def hx_graphql(name: str, val: str) -> str:
    return (
        f"[apollo] POST https://{R.choice(HOSTS)}/graphql\n  headers: {{ '{name.lower()}': '{val}', 'apollographql-client-name': 'web' }}\n"
        '  body: {"operationName":"Viewer","query":"query Viewer { viewer { id login } }","variables":{}}\n'
        '  -> 200 {"errors":[{"message":"Unauthorized","extensions":{"code":"UNAUTHENTICATED"}}]}'
    )


HDR_CTX: list[Callable[[str, str], str]] = [
    hx_curl_v,
    hx_httpie,
    hx_mitm,
    hx_http_client,
    hx_zap,
    hx_structlog,
    hx_undici,
    hx_grpcurl,
    hx_har,
    hx_sentry,
    hx_datadog,
    hx_wget,
    hx_graphql,
]

# ---------------------------------------------------------------- contexts: query strings


def qx_nginx(p: str, v: str) -> str:
    return (
        f'$ tail -n 2 /var/log/nginx/access.log\n{ip()} - - [{clf_ts()}] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"\n'
        f'{ip()} - - [{clf_ts()}] "GET /api/reports/export?{p}={v}&format=csv HTTP/1.1" 200 {R.randint(1000, 99999)} "-" "python-requests/2.31.0"'
    )


def qx_django(p: str, v: str) -> str:
    return (
        "Watching for file changes with StatReloader\nStarting development server at http://127.0.0.1:8000/\n"
        f'[{R.randint(10, 28)}/May/2024 10:{R.randint(10, 59)}:{R.randint(10, 59)}] "GET /api/v1/feed/?{p}={v} HTTP/1.1" 200 {R.randint(500, 9999)}'
    )


def qx_urllib3(p: str, v: str) -> str:
    h = R.choice(HOSTS)
    return (
        'Traceback (most recent call last):\n  File "/app/sync.py", line 42, in <module>\n    resp = session.get(url, timeout=10)\n'
        f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='{h}', port=443): Max retries exceeded with url: "
        f"/v1/export?{p}={v}&page=2 (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1b5e10>: "
        "Failed to establish a new connection: [Errno 111] Connection refused'))"
    )


def qx_java(p: str, v: str) -> str:
    return (
        f"java.io.IOException: Server returned HTTP response code: 403 for URL: https://{R.choice(HOSTS)}/v1/data?{p}={v}\n"
        "\tat java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:2000)\n"
        "\tat com.acme.sync.Fetcher.fetch(Fetcher.java:77)\n\tat com.acme.sync.Main.main(Main.java:23)"
    )


def qx_wscat(p: str, v: str) -> str:
    return (
        f'$ wscat -c "wss://stream.{R.choice(HOSTS)}/v1/events?{p}={v}"\nConnected (press CTRL+C to quit)\n'
        f'< {{"type":"hello","session":"{uuid4()}","heartbeat_ms":30000}}\n> {{"type":"subscribe","channel":"orders"}}'
    )


def qx_elb(p: str, v: str) -> str:
    h = R.choice(HOSTS)
    return (
        f"h2 {ts()} app/prod-alb/{rs(HEX, 16)} {ip()}:{R.randint(30000, 60000)} {ip()}:8080 0.001 0.042 0.000 200 200 312 1543 "
        f'"GET https://{h}:443/v1/items?{p}={v} HTTP/2.0" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
        f'arn:aws:elasticloadbalancing:us-east-1:{R.randint(10**11, 10**12)}:targetgroup/api/{rs(HEX, 16)} "Root=1-{rs(HEX, 8)}-{rs(HEX, 24)}"'
    )


def qx_express(p: str, v: str) -> str:
    return (
        f"> api@2.3.1 start\n> node server.js\n\nlistening on :3000\n{ip()} - - [{clf_ts()}] "
        f'"GET /oauth/userinfo?{p}={v} HTTP/1.1" 200 {R.randint(100, 900)} "-" "Mozilla/5.0 (X11; Linux x86_64)"'
    )


def qx_browser(p: str, v: str) -> str:
    return (
        "$ npx playwright test --reporter=line\n[chromium] \u203a live.spec.ts:14:5 \u203a streams updates\n  console error: "
        f"WebSocket connection to 'wss://rt.{R.choice(HOSTS)}/socket?{p}={v}&vsn=2.0.0' failed: Error during WebSocket handshake: Unexpected response code: 403"
    )


Q_CTX: list[Callable[[str, str], str]] = [
    qx_nginx,
    qx_django,
    qx_urllib3,
    qx_java,
    qx_wscat,
    qx_elb,
    qx_express,
    qx_browser,
]

# ---------------------------------------------------------------- contexts: key/value bodies


def kx_token_json(k: str, v: str) -> str:
    return (
        f"$ curl -i -s https://{R.choice(HOSTS)}/oauth/token -d grant_type=client_credentials -d scope=orders\n"
        f"HTTP/1.1 200 OK\nContent-Type: application/json;charset=UTF-8\nCache-Control: no-store\nPragma: no-cache\n\n"
        f'{{"{k}":"{v}","token_type":"Bearer","expires_in":3600}}'
    )


def kx_settings_dump(k: str, v: str) -> str:
    return json.dumps(
        {
            "event": "settings loaded",
            "env": "production",
            "settings": {"debug": False, "region": "eu-west-1", k: v, "timeout_s": 30},
            "level": "info",
            "timestamp": ts(),
        }
    )


def kx_graphql_vars(k: str, v: str) -> str:
    return (
        f"{ip()} - - [{clf_ts()}] POST /graphql 200 - 84ms\n"
        f'graphql op=ConnectIntegration variables={{"provider":"partner","{k}":"{v}","dryRun":false}}'
    )


def kx_zap_fields(k: str, v: str) -> str:
    return f'{{"level":"info","ts":{now()}.{R.randint(1000, 9999)},"caller":"config/load.go:57","msg":"loaded upstream credentials","{k}":"{v}","region":"us-east-1"}}'


def kx_sentry_extra(k: str, v: str) -> str:
    return (
        "sentry_sdk.capture_exception: KeyError('orders')\n  extra: {\n"
        f"    'client': 'PartnerClient',\n    '{k}': '{v}',\n    'retries': 3\n  }}\n  event_id: {rs(HEX, 32)}"
    )


KV_CTX: list[Callable[[str, str], str]] = [
    kx_token_json,
    kx_settings_dump,
    kx_graphql_vars,
    kx_zap_fields,
    kx_sentry_extra,
]

# ---------------------------------------------------------------- format table

# fmt -> (generator, header (name, value-template) or None, query param or None, json key or None, source)
Spec = tuple[Callable[[], str], tuple[str, str] | None, str | None, str | None, str]

SPECS: dict[str, Spec] = {
    "github_classic_pat": (
        gh("ghp_"),
        ("Authorization", "token {v}"),
        None,
        "github_token",
        "GitHub token format: ghp_ + 30 base62 + CRC32",
    ),
    "github_oauth_token": (
        gh("gho_"),
        ("Authorization", "Bearer {v}"),
        "access_token",
        "access_token",
        "GitHub OAuth token gho_",
    ),
    "github_user_to_server": (
        gh("ghu_"),
        ("Authorization", "Bearer {v}"),
        None,
        "token",
        "GitHub App user token ghu_",
    ),
    "github_installation_token": (
        gh("ghs_"),
        ("Authorization", "token {v}"),
        None,
        "token",
        "GitHub App installation token ghs_",
    ),
    "github_fine_grained_pat": (
        lambda: "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59),
        ("Authorization", "Bearer {v}"),
        None,
        "github_pat",
        "GitHub fine-grained PAT github_pat_",
    ),
    "gitlab_pat": (
        lambda: "glpat-" + rs(URLSAFE, 20),
        ("PRIVATE-TOKEN", "{v}"),
        "private_token",
        "gitlab_token",
        "GitLab PAT glpat-",
    ),
    "slack_bot_token": (
        lambda: f"xoxb-{rs(string.digits, 11)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}",
        ("Authorization", "Bearer {v}"),
        "token",
        "slack_bot_token",
        "Slack bot token xoxb-",
    ),
    "slack_user_token": (
        lambda: (
            f"xoxp-{rs(string.digits, 11)}-{rs(string.digits, 11)}-{rs(string.digits, 13)}-{rs(HEX, 32)}"
        ),
        ("Authorization", "Bearer {v}"),
        "token",
        None,
        "Slack user token xoxp-",
    ),
    "stripe_secret_key": (
        lambda: "sk_live_" + rs(ALNUM, R.choice([24, 99])),
        ("Authorization", "Bearer {v}"),
        None,
        "stripe_secret_key",
        "Stripe secret key sk_live_",
    ),
    "stripe_restricted_key": (
        lambda: "rk_live_" + rs(ALNUM, R.choice([24, 99])),
        ("Authorization", "Bearer {v}"),
        None,
        "stripe_key",
        "Stripe restricted key rk_live_",
    ),
    "openai_project_key": (
        lambda: "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74),
        ("Authorization", "Bearer {v}"),
        None,
        "openai_api_key",
        "OpenAI project key sk-proj-",
    ),
    "anthropic_api_key": (
        lambda: "sk-ant-api03-" + rs(URLSAFE, 93) + "AA",
        ("x-api-key", "{v}"),
        None,
        "anthropic_api_key",
        "Anthropic key sk-ant-api03-",
    ),
    "gcp_api_key": (
        lambda: "AIza" + rs(URLSAFE, 35),
        ("X-Goog-Api-Key", "{v}"),
        "key",
        "api_key",
        "Google API key AIza + 35",
    ),
    "google_oauth_access_token": (
        google_access,
        ("Authorization", "Bearer {v}"),
        "access_token",
        "access_token",
        "Google OAuth access token ya29.",
    ),
    "google_oauth_refresh_token": (
        google_refresh,
        None,
        None,
        "refresh_token",
        "Google OAuth refresh token 1//0",
    ),
    "jwt_access_token": (
        jwt_access,
        ("Authorization", "Bearer {v}"),
        "access_token",
        "access_token",
        "RFC 7519 JWT, RS256, RFC 6750 bearer use",
    ),
    "oauth_opaque_access_token": (
        opaque(43),
        ("Authorization", "Bearer {v}"),
        "access_token",
        "access_token",
        "RFC 6749 5.1 access_token, opaque",
    ),
    "sendgrid_api_key": (
        lambda: f"SG.{rs(URLSAFE, 22)}.{rs(URLSAFE, 43)}",
        ("Authorization", "Bearer {v}"),
        None,
        "sendgrid_api_key",
        "SendGrid SG.22.43",
    ),
    "shopify_access_token": (
        lambda: "shpat_" + rs(HEX, 32),
        ("X-Shopify-Access-Token", "{v}"),
        None,
        "shopify_token",
        "Shopify shpat_ + 32 hex",
    ),
    "datadog_api_key": (
        lambda: rs(HEX, 32),
        ("DD-API-KEY", "{v}"),
        "dd-api-key",
        "dd_api_key",
        "Datadog API key 32 hex in DD-API-KEY",
    ),
    "datadog_app_key": (
        lambda: rs(HEX, 40),
        ("DD-APPLICATION-KEY", "{v}"),
        None,
        "dd_app_key",
        "Datadog app key 40 hex",
    ),
    "okta_api_token": (
        okta_ssws,
        ("Authorization", "SSWS {v}"),
        None,
        "okta_api_token",
        "Okta SSWS API token (developer.okta.com)",
    ),
    "vault_token": (
        lambda: "hvs." + rs(URLSAFE, 91),
        ("X-Vault-Token", "{v}"),
        None,
        "vault_token",
        "HashiCorp Vault service token hvs.",
    ),
    "npm_token": (npm, ("Authorization", "Bearer {v}"), None, "npm_token", "npm_ + 30 + CRC32"),
    "huggingface_token": (
        lambda: "hf_" + rs(string.ascii_letters, 34),
        ("Authorization", "Bearer {v}"),
        None,
        "hf_token",
        "Hugging Face hf_",
    ),
    "sentry_user_token": (
        lambda: "sntryu_" + rs(HEX, 64),
        ("Authorization", "Bearer {v}"),
        None,
        "sentry_auth_token",
        "Sentry user auth token sntryu_",
    ),
    "mapbox_secret_token": (
        mapbox_secret,
        None,
        "access_token",
        "mapbox_token",
        "Mapbox docs: secret tokens start with sk",
    ),
    "linear_api_key": (
        lambda: "lin_api_" + rs(ALNUM, 40),
        ("Authorization", "{v}"),
        None,
        "linear_api_key",
        "Linear lin_api_",
    ),
    "digitalocean_token": (
        lambda: "dop_v1_" + rs(HEX, 64),
        ("Authorization", "Bearer {v}"),
        None,
        "do_token",
        "DigitalOcean dop_v1_",
    ),
    "postman_api_key": (
        lambda: f"PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}",
        ("X-Api-Key", "{v}"),
        None,
        "postman_api_key",
        "Postman PMAK-",
    ),
    "grafana_service_account": (
        lambda: f"glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}",
        ("Authorization", "Bearer {v}"),
        None,
        "grafana_token",
        "Grafana glsa_",
    ),
    "oidc_id_token": (
        oidc_id_token,
        ("Authorization", "Bearer {v}"),
        "id_token",
        "id_token",
        "OIDC Core id_token (Google); Cloud Run/IAP accept as bearer",
    ),
    "k8s_serviceaccount_token": (
        k8s_sa_token,
        ("Authorization", "Bearer {v}"),
        None,
        "token",
        "Kubernetes bound SA token JWT",
    ),
}

# per-format count of generic cases
N_GENERIC = 7


def generic_cases() -> list[Case]:
    cases: list[Case] = []
    for fmt, (gen, hdr, qp, key, src) in SPECS.items():
        kinds: list[str] = []
        if hdr:
            kinds += ["h"] * 4
        if qp:
            kinds += ["q"] * 2
        if key:
            kinds += ["k"] * 2
        hs = R.sample(HDR_CTX, len(HDR_CTX))
        qs = R.sample(Q_CTX, len(Q_CTX))
        ks = R.sample(KV_CTX, len(KV_CTX))
        for i in range(N_GENERIC):
            kind = kinds[i % len(kinds)] if i < len(kinds) else R.choice(kinds)
            v = gen()
            if kind == "h" and hdr:
                ctx = hs.pop()
                text = ctx(hdr[0], hdr[1].replace("{v}", v))
            elif kind == "q" and qp:
                qctx = qs.pop() if qs else R.choice(Q_CTX)
                ctx = qctx
                text = qctx(qp, v)
            else:
                assert key
                kctx = ks.pop() if ks else R.choice(KV_CTX)
                ctx = kctx
                text = kctx(key, v)
            cases.append(
                {"text": text, "secret": v, "format": fmt, "source": f"{src}; {ctx.__name__}"}
            )
    return cases


# ---------------------------------------------------------------- specific positives

Specific = list[tuple[str, str, Callable[[], tuple[str, str]]]]


def akid(sts: bool = False) -> str:
    return ("ASIA" if sts else "AKIA") + rs(string.ascii_uppercase + "234567", 16)


def aws_presigned() -> tuple[str, str]:
    sig = rs(HEX, 64)
    cred = f"{akid(True)}%2F20240501%2Fus-east-1%2Fs3%2Faws4_request"
    tok = "IQoJb3JpZ2luX2VjE" + rs(ALNUM, 300) + "%3D%3D"
    url = (
        f"https://acme-exports.s3.us-east-1.amazonaws.com/reports/{uuid4()}.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={cred}&X-Amz-Date=20240501T101500Z&X-Amz-Expires=3600"
        f"&X-Amz-Security-Token={tok}&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}"
    )
    shape = R.randrange(4)
    if shape == 0:
        text = f"$ aws s3 presign s3://acme-exports/reports/q1.csv --expires-in 3600\n{url}"
    elif shape == 1:
        text = f'{ip()} - - [{clf_ts()}] "GET /download?next={urllib.parse.quote(url, safe="")} HTTP/1.1" 302 0'
    elif shape == 2:
        text = f'{{"level":"info","msg":"export ready","download_url":"{url}","expires_in":3600}}'
    else:
        text = f'$ curl -sS -o q1.csv "{url}"\ncurl: (22) The requested URL returned error: 403'
    return text, sig


def gcs_signed() -> tuple[str, str]:
    sig = rs(HEX, 512)
    sa = f"uploader%40acme-prod-{R.randint(100, 999)}.iam.gserviceaccount.com"
    url = (
        f"https://storage.googleapis.com/acme-media/uploads/{uuid4()}.png?X-Goog-Algorithm=GOOG4-RSA-SHA256"
        f"&X-Goog-Credential={sa}%2F20240501%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240501T101500Z"
        f"&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature={sig}"
    )
    text = R.choice(
        [
            f"$ gsutil signurl -d 15m sa.json gs://acme-media/uploads/a.png\nURL\tHTTP Method\tExpiration\tSigned URL\ngs://acme-media/uploads/a.png\tGET\t2024-05-01 10:30:00\t{url}",
            f'{{"severity":"INFO","message":"issued upload url","url":"{url}","httpRequest":{{"status":200}}}}',
            f"> PUT {url[len('https://storage.googleapis.com') :]} HTTP/1.1\n> Host: storage.googleapis.com\n> Content-Type: image/png\n< HTTP/1.1 200 OK",
        ]
    )
    return text, sig


def azure_sas() -> tuple[str, str]:
    sig = urllib.parse.quote(b64(R.randbytes(32)), safe="")
    q = f"sp=r&st=2024-05-01T10:00:00Z&se=2024-05-01T18:00:00Z&spr=https&sv=2022-11-02&sr=b&sig={sig}"
    url = f"https://acmeprodstore.blob.core.windows.net/backups/db-{R.randint(1, 30)}.bak?{q}"
    text = R.choice(
        [
            f"$ az storage blob generate-sas --account-name acmeprodstore -c backups -n db.bak --permissions r --expiry 2024-05-01T18:00Z --full-uri -o tsv\n{url}",
            f"$ azcopy copy '{url}' ./db.bak\nINFO: Scanning...\nJob {uuid4()} has started",
            f'{{"level":"debug","msg":"HTTP Request","method":"GET","url":"{url}"}}',
            f'$ curl -I "{url}"\nHTTP/1.1 200 OK\nContent-Length: 104857600\nx-ms-request-id: {uuid4()}',
        ]
    )
    return text, sig


def django_session() -> tuple[str, str]:
    v = rs(LOWNUM, 32)
    return R.choice(
        [
            f"$ curl -i -s -X POST https://app.acme-corp.io/accounts/login/ -d username=jdoe -d password=@pw.txt\nHTTP/1.1 302 Found\nLocation: /dashboard/\n"
            f"Set-Cookie: csrftoken={rs(ALNUM, 32)}; expires=Wed, 30 Apr 2025 10:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax\n"
            f"Set-Cookie: sessionid={v}; expires=Wed, 15 May 2024 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax",
            f"> GET /admin/ HTTP/1.1\n> Host: app.acme-corp.io\n> Cookie: sessionid={v}; csrftoken={rs(ALNUM, 32)}\n>\n< HTTP/1.1 200 OK",
            f"DEBUG django.request: request.COOKIES = {{'sessionid': '{v}', 'django_language': 'en'}}",
        ]
    ), v


def express_sid() -> tuple[str, str]:
    sig = urllib.parse.quote(b64(R.randbytes(32)).rstrip("="), safe="")
    v = f"s%3A{rs(URLSAFE, 32)}.{sig}"
    return R.choice(
        [
            f"< HTTP/1.1 200 OK\n< X-Powered-By: Express\n< Set-Cookie: connect.sid={v}; Path=/; Expires=Thu, 02 May 2024 10:00:00 GMT; HttpOnly\n< Content-Type: application/json; charset=utf-8",
            f"  headers: {{\n    host: 'localhost:3000',\n    cookie: 'connect.sid={v}',\n    'user-agent': 'Mozilla/5.0'\n  }},",
            f"$ http --print=H :3000/api/me Cookie:connect.sid={v}\nGET /api/me HTTP/1.1\nCookie: connect.sid={v}\nHost: localhost:3000",
        ]
    ), v


def rails_session() -> tuple[str, str]:
    v = "--".join(
        urllib.parse.quote(b64(R.randbytes(n)), safe="") for n in (R.randint(90, 180), 12, 16)
    )
    return R.choice(
        [
            f"< HTTP/2 302\n< location: https://shop.acme-corp.io/account\n< set-cookie: _shopfront_session={v}; path=/; secure; httponly; samesite=lax",
            f"> GET /account HTTP/2\n> Host: shop.acme-corp.io\n> Cookie: _shopfront_session={v}\n>",
        ]
    ), v


def php_session() -> tuple[str, str]:
    v = rs(string.digits + "abcdefghijklmnopqrstuv", 26)
    return R.choice(
        [
            f"Set-Cookie: PHPSESSID={v}; path=/; HttpOnly\nExpires: Thu, 19 Nov 1981 08:52:00 GMT\nCache-Control: no-store, no-cache, must-revalidate",
            f"$ curl -v -b 'PHPSESSID={v}' http://intranet.corp.local/admin/index.php\n> GET /admin/index.php HTTP/1.1\n> Cookie: PHPSESSID={v}\n< HTTP/1.1 200 OK",
        ]
    ), v


def laravel_session() -> tuple[str, str]:
    inner = json.dumps(
        {"iv": b64(R.randbytes(16)), "value": b64(R.randbytes(96)), "mac": rs(HEX, 64), "tag": ""},
        separators=(",", ":"),
    )
    v = urllib.parse.quote(b64(inner.encode()), safe="")
    return (
        f"< HTTP/1.1 302 Found\n< Set-Cookie: XSRF-TOKEN={urllib.parse.quote(b64(R.randbytes(120)), safe='')}; expires=Wed, 01 May 2024 12:00:00 GMT; Max-Age=7200; path=/; samesite=lax\n"
        f"< Set-Cookie: laravel_session={v}; expires=Wed, 01 May 2024 12:00:00 GMT; Max-Age=7200; path=/; httponly; samesite=lax",
        v,
    )


def flask_session() -> tuple[str, str]:
    v = f"{seg({'_user_id': str(R.randint(1, 9999)), '_fresh': True})}.{rs(URLSAFE, 6)}.{rs(URLSAFE, 27)}"
    return R.choice(
        [
            f'127.0.0.1 - - [{clf_ts()}] "POST /login HTTP/1.1" 302 -\n> Cookie: session={v}',
            f"Set-Cookie: session={v}; HttpOnly; Path=/; SameSite=Lax",
        ]
    ), v


def basic_blob() -> tuple[str, str]:
    user = R.choice(["deploy", "ci-bot", "svc_reports", "admin", "api"])
    pw = rs(ALNUM, R.randint(14, 24)) + R.choice("!#%.")
    v = b64(f"{user}:{pw}".encode())
    name, val = "Authorization", f"Basic {v}"
    ctx = R.choice([hx_curl_v, hx_httpie, hx_mitm, hx_http_client, hx_har, hx_zap])
    return ctx(name, val), v


def twilio_basic() -> tuple[str, str]:
    sid = "AC" + rs(HEX, 32)
    tok = rs(HEX, 32)
    return (
        f"$ curl -v -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json -u {sid}:{tok} --data-urlencode Body=hi\n"
        f"* Server auth using Basic with user '{sid}'\n> POST /2010-04-01/Accounts/{sid}/Messages.json HTTP/2\n> Host: api.twilio.com\n"
        f"> authorization: Basic {b64(f'{sid}:{tok}'.encode())}\n>",
        tok,
    )


def client_secret_body() -> tuple[str, str]:
    cid = R.choice(
        [
            rs(ALNUM, 32),
            uuid4(),
            f"{R.randint(10**11, 10**12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com",
        ]
    )
    sec = R.choice([rs(URLSAFE, 64), "GOCSPX-" + rs(URLSAFE, 28), azure_ad_secret()])
    body = f"grant_type=client_credentials&client_id={cid}&client_secret={sec}&scope=api%3A%2F%2Forders%2F.default"
    text = R.choice(
        [
            f"$ curl -s https://login.acme-corp.io/oauth/token -d '{body}'",
            f"127.0.0.1:{R.randint(40000, 65000)}: POST https://login.acme-corp.io/oauth2/v2.0/token\n    content-type: application/x-www-form-urlencoded\n    {body}\n << 200 OK 1.4k",
            f"send: b'POST /oauth/token HTTP/1.1\\r\\nHost: login.acme-corp.io\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\n\\r\\n{body}'",
            f'{{"level":"debug","logger":"authlib","event":"token request","body":"{body}"}}',
        ]
    )
    return text, sec


def client_secret_basic() -> tuple[str, str]:
    cid = rs(ALNUM, 32)
    sec = rs(URLSAFE, 48)
    blob = b64(f"{cid}:{sec}".encode())
    return (
        f"> POST /oauth/token HTTP/1.1\n> Host: idp.shopfront.dev\n> Authorization: Basic {blob}\n> Content-Type: application/x-www-form-urlencoded\n>\n"
        f"grant_type=authorization_code&code={rs(URLSAFE, 32)}&redirect_uri=https%3A%2F%2Fapp.shopfront.dev%2Fcallback",
        blob,
    )


def refresh_flow() -> tuple[str, str]:
    rt = R.choice([rs(URLSAFE, 64), "v1." + rs(URLSAFE, 126), rs(HEX, 48)])
    text = R.choice(
        [
            f"$ curl -s -X POST https://idp.shopfront.dev/oauth/token -d grant_type=refresh_token -d refresh_token={rt} -d client_id={rs(ALNUM, 32)}",
            f'< HTTP/1.1 200 OK\n< Content-Type: application/json\n< Cache-Control: no-store\n<\n{{"access_token":"{rs(URLSAFE, 43)}","token_type":"Bearer","expires_in":86400,"refresh_token":"{rt}","scope":"offline_access orders"}}',
            f'{{"ts":"{ts()}","level":"debug","msg":"token refreshed","refresh_token":"{rt}","expires_in":3600}}',
        ]
    )
    return text, rt


def whsec() -> tuple[str, str]:
    v = "whsec_" + rs(ALNUM, 32)
    return R.choice(
        [
            f"$ stripe listen --forward-to localhost:4242/webhook\n> Ready! You are using Stripe API Version [2024-04-10]. Your webhook signing secret is {v} (^C to quit)",
            f'{{"level":"info","event":"webhook config","endpoint":"/webhooks/stripe","signing_secret":"{v}"}}',
            f"stripe.error.SignatureVerificationError: No signatures found matching the expected signature for payload\n  locals: secret = '{v}', header = 't={now()},v1={rs(HEX, 64)}'",
        ]
    ), v


def slack_webhook() -> tuple[str, str]:
    tok = rs(ALNUM, 24)
    url = f"https://hooks.slack.com/services/T{rs(UPNUM, 8)}/B{rs(UPNUM, 10)}/{tok}"
    return R.choice(
        [
            f"$ curl -v -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy done\"}}' {url}\n> POST /services/{url.split('/services/')[1]} HTTP/2\n< HTTP/2 200\nok",
            f'{{"level":"error","msg":"notify failed","webhook":"{url}","status":404,"body":"no_service"}}',
        ]
    ), tok


def discord_webhook() -> tuple[str, str]:
    tok = rs(URLSAFE, 68)
    url = f"https://discord.com/api/webhooks/{R.randint(10**17, 10**19)}/{tok}"
    return (
        f'Traceback (most recent call last):\n  File "notify.py", line 12, in <module>\n    r.raise_for_status()\nrequests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: {url}?wait=true',
        tok,
    )


def telegram_ctx() -> tuple[str, str]:
    v = telegram()
    return R.choice(
        [
            f'{ip()} - - [{clf_ts()}] "POST /bot{v}/sendMessage HTTP/1.1" 200 412',
            f'$ curl -s https://api.telegram.org/bot{v}/getMe\n{{"ok":true,"result":{{"id":{v.split(":")[0]},"is_bot":true,"username":"acme_alerts_bot"}}}}',
            f"httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://api.telegram.org/bot{v}/sendMessage'",
        ]
    ), v


def docker_auth() -> tuple[str, str]:
    user = R.choice(["acmebuild", "ci-robot", "jdoe"])
    pat = "dckr_pat_" + rs(URLSAFE, 27)
    blob = b64(f"{user}:{pat}".encode())
    return (
        "$ docker login -u "
        + user
        + " --password-stdin < token.txt\nWARNING! Your password will be stored unencrypted in /root/.docker/config.json.\n"
        'Login Succeeded\n$ cat /root/.docker/config.json\n{\n\t"auths": {\n\t\t"https://index.docker.io/v1/": {\n'
        f'\t\t\t"auth": "{blob}"\n\t\t}}\n\t}}\n}}',
        blob,
    )


def gh_auth() -> tuple[str, str]:
    v = gh("gho_")()
    return R.choice(
        [
            f"$ gh auth status --show-token\ngithub.com\n  ✓ Logged in to github.com account jdoe (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: {v}\n  - Token scopes: 'gist', 'read:org', 'repo', 'workflow'",
            f"$ gh auth token\n{v}",
        ]
    ), v


def npm_login() -> tuple[str, str]:
    v = npm()
    return (
        f"$ npm login --registry=https://registry.npmjs.org/\nLogged in on https://registry.npmjs.org/.\n$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={v}",
        v,
    )


def azure_storage_log() -> tuple[str, str]:
    k = b64(R.randbytes(64))
    return (
        f'{{"@t":"{ts()}","@l":"Information","@mt":"Blob client created from {{ConnectionString}}",'
        f'"ConnectionString":"DefaultEndpointsProtocol=https;AccountName=acmeprodstore;AccountKey={k};EndpointSuffix=core.windows.net"}}',
        k,
    )


def aws_secret_log() -> tuple[str, str]:
    k = rs(ALNUM + "+/", 40)
    return R.choice(
        [
            f"[2024-05-01 10:00:01,123] DEBUG app.config: boto3 session kwargs={{'aws_access_key_id': '{akid()}', 'aws_secret_access_key': '{k}', 'region_name': 'us-east-1'}}",
            f'{{"level":"debug","msg":"env","AWS_ACCESS_KEY_ID":"{akid()}","AWS_SECRET_ACCESS_KEY":"{k}","AWS_REGION":"eu-west-1"}}',
        ]
    ), k


def pw_url(scheme: str, port: int, tail: str) -> Callable[[], tuple[str, str]]:
    def f() -> tuple[str, str]:
        user = R.choice(["app", "svc_orders", "etl_rw", "admin", "guest", "reporter"])
        pw = rs(ALNUM, R.randint(14, 22)) + R.choice("-_.~") + rs(ALNUM, 3)
        host = R.choice(
            [
                "db-primary.internal",
                "10.20.3.14",
                "cache.corp.local",
                "mq-1.prod.svc",
                "cluster0.ab1cd.mongodb.net",
            ]
        )
        url = f"{scheme}://{user}:{pw}@{host}:{port}{tail}"
        text = R.choice(
            [
                f'{{"level":"info","ts":{now()}.5,"caller":"db/conn.go:31","msg":"connecting","dsn":"{url}"}}',
                f"2024-05-01 10:00:03,221 INFO  [main] c.a.Config - datasource.url={url}",
                f"Error: getaddrinfo ENOTFOUND {host}\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) {{\n  errno: -3008,\n  code: 'ENOTFOUND',\n  config: {{ url: '{url}' }}\n}}",
                f"celery@worker-1 v5.3.6 (emerald-rush)\n\n[config]\n.> app:         tasks:0x7f1c2a\n.> transport:   {url}\n.> results:     disabled://",
                f"$ env | grep URL\nDATABASE_URL={url}",
            ]
        )
        return text, pw

    return f


def proxy_abs_uri() -> tuple[str, str]:
    pw = rs(ALNUM, 16)
    user = R.choice(["deploy", "jdoe"])
    return (
        f"{now()}.{R.randint(100, 999)}    412 {ip()} TCP_MISS/200 1843 GET http://{user}:{pw}@intranet.corp.local/reports/q1.pdf - HIER_DIRECT/10.0.0.8 application/pdf",
        pw,
    )


def jdbc_pw() -> tuple[str, str]:
    pw = rs(ALNUM, 12) + R.choice("!-_.") + rs(ALNUM, 4)
    return (
        f"org.postgresql.util.PSQLException: Connection to db-primary.internal:5432 refused.\n  url=jdbc:postgresql://db-primary.internal:5432/orders?user=orders_rw&password={pw}&ssl=true\n"
        "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:342)",
        pw,
    )


def grpc_apikey() -> tuple[str, str]:
    v = rs(ALNUM, 40)
    return (
        f'INFO: [core] [Channel #1 SubChannel #2] Subchannel picks a new address "10.0.4.2:9090"\n'
        f"2024/05/01 10:00:01 rpc=/inventory.v1.Stock/Get md=map[:authority:[inventory:9090] content-type:[application/grpc] x-api-key:[{v}] user-agent:[grpc-go/1.63.2]]",
        v,
    )


SPECIFIC: Specific = [
    ("presigned_aws_signature", "AWS SigV4 query auth (docs.aws.amazon.com)", aws_presigned),
    ("presigned_gcs_signature", "GCS V4 signed URL X-Goog-Signature", gcs_signed),
    ("azure_sas_sig", "Azure SAS token sig=", azure_sas),
    ("session_cookie_django", "Django sessionid cookie", django_session),
    ("session_cookie_express", "express-session connect.sid s%3A<sid>.<sig>", express_sid),
    ("session_cookie_rails", "Rails encrypted cookie data--iv--tag", rails_session),
    ("session_cookie_php", "PHPSESSID", php_session),
    ("session_cookie_laravel", "laravel_session base64 JSON iv/value/mac", laravel_session),
    ("session_cookie_flask", "Flask itsdangerous session cookie", flask_session),
    ("basic_auth_header", "RFC 7617 Basic base64(user:pass)", basic_blob),
    ("twilio_auth_token", "Twilio curl -u AC..:token", twilio_basic),
    ("oauth_client_secret", "RFC 6749 2.3.1 client_secret in body", client_secret_body),
    ("oauth_client_secret_basic", "RFC 6749 2.3.1 client_secret_basic", client_secret_basic),
    ("oauth_refresh_token", "RFC 6749 6 refresh_token", refresh_flow),
    ("stripe_webhook_secret", "Stripe whsec_ signing secret", whsec),
    ("slack_webhook_url", "Slack incoming webhook", slack_webhook),
    ("discord_webhook_url", "Discord webhook token", discord_webhook),
    ("telegram_bot_token", "core.telegram.org bot<token>", telegram_ctx),
    ("docker_config_auth", "docker config.json auth base64(user:dckr_pat_)", docker_auth),
    ("github_oauth_token", "gh auth status --show-token", gh_auth),
    ("npm_token", "npm login .npmrc _authToken", npm_login),
    ("azure_storage_key", "Azure storage connection string AccountKey", azure_storage_log),
    ("aws_secret_access_key", "AWS secret access key 40 chars", aws_secret_log),
    (
        "pw:postgres_url",
        "postgres URL userinfo",
        pw_url("postgresql", 5432, "/orders?sslmode=require"),
    ),
    ("pw:mongodb_url", "mongodb URL userinfo", pw_url("mongodb", 27017, "/app?authSource=admin")),
    ("pw:redis_url", "redis URL userinfo", pw_url("redis", 6379, "/0")),
    ("pw:amqp_url", "amqp URL userinfo", pw_url("amqp", 5672, "/prod")),
    ("pw:mysql_url", "mysql URL userinfo", pw_url("mysql", 3306, "/shop")),
    ("pw:proxy_log_userinfo", "squid access.log absolute URI", proxy_abs_uri),
    ("pw:jdbc_param", "JDBC password= param", jdbc_pw),
    ("grpc_api_key", "gRPC metadata x-api-key", grpc_apikey),
]

SPECIFIC_N: dict[str, int] = {
    "presigned_aws_signature": 6,
    "presigned_gcs_signature": 4,
    "azure_sas_sig": 6,
    "session_cookie_django": 5,
    "session_cookie_express": 4,
    "session_cookie_rails": 3,
    "session_cookie_php": 3,
    "session_cookie_laravel": 3,
    "session_cookie_flask": 3,
    "basic_auth_header": 7,
    "oauth_client_secret": 7,
    "oauth_refresh_token": 6,
    "stripe_webhook_secret": 5,
    "slack_webhook_url": 4,
    "telegram_bot_token": 5,
    "pw:postgres_url": 5,
    "pw:mongodb_url": 4,
    "pw:redis_url": 4,
    "pw:amqp_url": 3,
    "pw:mysql_url": 3,
}


def specific_cases() -> list[Case]:
    out: list[Case] = []
    for fmt, src, make in SPECIFIC:
        for _ in range(SPECIFIC_N.get(fmt, 2)):
            text, secret = make()
            out.append({"text": text, "secret": secret, "format": fmt, "source": src})
    return out


# ---------------------------------------------------------------- negatives


def neg_cases() -> list[tuple[str, str, str]]:
    """(family, source, text)."""
    out: list[tuple[str, str, str]] = []

    def add(fam: str, src: str, text: str) -> None:
        out.append((f"neg:{fam}", src, text))

    # -- trace / request / correlation ids
    for _ in range(8):
        tid, sid = rs(HEX, 32), rs(HEX, 16)
        add(
            "trace_ids",
            "W3C traceparent + x-request-id",
            f"> GET /v1/orders HTTP/1.1\n> Host: {R.choice(HOSTS)}\n> traceparent: 00-{tid}-{sid}-01\n> tracestate: dd=s:1;o:rum\n"
            f"> x-request-id: {uuid4()}\n>\n< HTTP/1.1 200 OK\n< x-correlation-id: {uuid4()}",
        )
        add(
            "trace_ids",
            "X-Amzn-Trace-Id / X-Cloud-Trace-Context / cf-ray",
            f"< HTTP/2 200\n< x-amzn-trace-id: Root=1-{rs(HEX, 8)}-{rs(HEX, 24)};Parent={rs(HEX, 16)};Sampled=1\n"
            f"< x-amz-request-id: {rs(UPNUM, 16)}\n< x-amz-id-2: {b64(R.randbytes(57))}\n< cf-ray: {rs(HEX, 16)}-FRA\n"
            f"< x-cloud-trace-context: {rs(HEX, 32)}/{R.randint(10**17, 10**19)};o=1",
        )
        add(
            "trace_ids",
            "zap log with trace/span ids",
            f'{{"level":"info","ts":{now()}.1,"msg":"request completed","method":"GET","path":"/v1/items","status":200,'
            f'"latency":"{R.randint(1, 900)}ms","trace_id":"{rs(HEX, 32)}","span_id":"{rs(HEX, 16)}","request_id":"{uuid4()}"}}',
        )
        add(
            "trace_ids",
            "Sentry event id / Datadog ids",
            f"Sentry is attempting to send 1 pending event\nevent_id={rs(HEX, 32)} release=api@{rs(HEX, 12)} "
            f"dd.trace_id={R.randint(10**18, 10**19)} dd.span_id={R.randint(10**18, 10**19)} x-b3-traceid={rs(HEX, 16)}",
        )
        add(
            "trace_ids",
            "Rails request log",
            f'Started GET "/orders/{R.randint(1000, 99999)}" for {ip()} at 2024-05-01 10:00:01 +0000\n'
            f'Processing by OrdersController#show as JSON\n  Parameters: {{"id"=>"{R.randint(1000, 99999)}"}}\n'
            f"Completed 200 OK in {R.randint(5, 200)}ms (Views: 1.2ms | ActiveRecord: 3.4ms | Allocations: 1841)\n"
            f"[{uuid4()}] request_id logged",
        )

    # -- ETags, content hashes, cache-busting
    for _ in range(7):
        add(
            "etag_hash",
            "curl -i ETag / digest headers",
            f'$ curl -sI https://cdn.{R.choice(HOSTS)}/static/app.js\nHTTP/2 200\netag: "{rs(HEX, 32)}"\n'
            f"x-goog-hash: crc32c={b64(R.randbytes(4))}\nx-goog-hash: md5={b64(R.randbytes(16))}\n"
            f"last-modified: Wed, 01 May 2024 09:12:44 GMT\ncache-control: public, max-age=31536000, immutable",
        )
        add(
            "etag_hash",
            "S3 ETag / x-amz-content-sha256",
            f'< HTTP/1.1 200 OK\n< ETag: "{rs(HEX, 32)}-{R.randint(2, 40)}"\n< x-amz-version-id: {rs(URLSAFE, 32)}\n'
            f"> x-amz-content-sha256: {rs(HEX, 64)}\n< Content-MD5: {b64(R.randbytes(16))}",
        )
        add(
            "etag_hash",
            "weak ETag / If-None-Match",
            f'> If-None-Match: W/"{R.randint(100, 9999):x}-{rs(URLSAFE, 27)}"\n< HTTP/1.1 304 Not Modified\n< ETag: W/"{R.randint(100, 9999):x}-{rs(URLSAFE, 27)}"',
        )
        add(
            "etag_hash",
            "Digest header RFC 9530",
            f"< Content-Digest: sha-256=:{b64(R.randbytes(32))}:\n< Repr-Digest: sha-512=:{b64(R.randbytes(64))}:",
        )
        add(
            "cache_bust",
            "nginx log of hashed assets",
            f'{ip()} - - [{clf_ts()}] "GET /assets/index-{rs(URLSAFE, 8)}.js HTTP/2.0" 200 {R.randint(1000, 99999)}\n'
            f'{ip()} - - [{clf_ts()}] "GET /static/css/main.{rs(HEX, 8)}.chunk.css?v={rs(HEX, 20)} HTTP/2.0" 200 5123',
        )
        add(
            "cache_bust",
            "HTML with SRI integrity",
            f'<script src="/_next/static/chunks/main-{rs(HEX, 16)}.js" integrity="sha384-{b64(R.randbytes(48))}" crossorigin="anonymous"></script>\n'
            f'<link rel="stylesheet" href="/build/app.{rs(HEX, 20)}.css">',
        )

    # -- CSRF tokens (decision: not secrets)
    for _ in range(7):
        add(
            "csrf_token",
            "Django form csrfmiddlewaretoken",
            f'$ curl -s https://app.acme-corp.io/accounts/login/ | grep csrf\n    <input type="hidden" name="csrfmiddlewaretoken" value="{rs(ALNUM, 64)}">',
        )
        add(
            "csrf_token",
            "Rails authenticity_token meta",
            f'<meta name="csrf-param" content="authenticity_token" />\n<meta name="csrf-token" content="{b64u(R.randbytes(64))}" />',
        )
        add(
            "csrf_token",
            "X-CSRF-Token header / XSRF-TOKEN cookie",
            f"> POST /api/cart HTTP/1.1\n> X-CSRF-Token: {b64u(R.randbytes(32))}\n> X-Requested-With: XMLHttpRequest\n< HTTP/1.1 200 OK\n"
            f"< Set-Cookie: csrftoken={rs(ALNUM, 32)}; Path=/; SameSite=Lax",
        )
        add(
            "csrf_token",
            "Django CSRF failure log",
            f"WARNING django.security.csrf: Forbidden (CSRF token from POST incorrect.): /checkout/\n  POST csrfmiddlewaretoken='{rs(ALNUM, 64)}'",
        )

    # -- nonces and OAuth state
    for _ in range(6):
        add(
            "nonce",
            "CSP nonce",
            f"< content-security-policy: script-src 'nonce-{b64(R.randbytes(16))}' 'strict-dynamic'; object-src 'none'\n"
            f'<script nonce="{b64(R.randbytes(16))}">window.__APP__ = {{}};</script>',
        )
        add(
            "nonce",
            "OIDC nonce in authorize URL",
            f"> GET /authorize?response_type=code&client_id={rs(ALNUM, 32)}&redirect_uri=https%3A%2F%2Fapp.acme-corp.io%2Fcb"
            f"&scope=openid%20profile&nonce={rs(URLSAFE, 32)}&state={rs(URLSAFE, 43)} HTTP/1.1",
        )
        add(
            "oauth_state",
            "OAuth state in callback",
            f'{ip()} - - [{clf_ts()}] "GET /auth/callback?state={rs(URLSAFE, 32)}&error=access_denied&error_description=User+cancelled HTTP/1.1" 302 0',
        )
        add(
            "oauth_state",
            "state cookie",
            f"< Set-Cookie: oauth_state={rs(HEX, 40)}; Path=/auth; Max-Age=600; HttpOnly; Secure; SameSite=Lax\n< Location: https://github.com/login/oauth/authorize?client_id=Iv1.{rs(HEX, 16)}&state={rs(HEX, 40)}",
        )

    # -- authorization codes and PKCE (decision: not secrets as logged)
    for _ in range(6):
        add(
            "oauth_code",
            "callback access log with spent auth code",
            f'{ip()} - - [{clf_ts()}] "GET /oauth/callback?code={rs(URLSAFE, 43)}&state={rs(URLSAFE, 22)} HTTP/1.1" 302 0 "https://login.acme-corp.io/" "Mozilla/5.0"',
        )
        add(
            "oauth_code",
            "Django callback log, Google code",
            f'[{R.randint(10, 28)}/May/2024 10:00:02] "GET /complete/google-oauth2/?state={rs(ALNUM, 32)}&code=4%2F0A{rs(URLSAFE, 60)}&scope=email+openid HTTP/1.1" 302 0',
        )
        add(
            "pkce",
            "authorize request code_challenge",
            f"https://login.acme-corp.io/authorize?response_type=code&client_id={rs(ALNUM, 32)}&code_challenge={b64u(hashlib.sha256(R.randbytes(32)).digest())}&code_challenge_method=S256&state={rs(URLSAFE, 16)}",
        )
        add(
            "pkce",
            "token exchange log with spent code + verifier",
            f'{{"level":"debug","msg":"exchanged code","grant_type":"authorization_code","code":"{rs(URLSAFE, 32)}","code_verifier":"{b64u(R.randbytes(32))}","status":200}}',
        )

    # -- webhook signatures (not secrets)
    for _ in range(7):
        add(
            "webhook_signature",
            "Stripe-Signature header",
            f"> POST /webhooks/stripe HTTP/1.1\n> Stripe-Signature: t={now()},v1={rs(HEX, 64)},v0={rs(HEX, 64)}\n> Content-Type: application/json; charset=utf-8\n"
            f'{{"id":"evt_{rs(ALNUM, 24)}","object":"event","type":"payment_intent.succeeded","livemode":true}}',
        )
        add(
            "webhook_signature",
            "GitHub delivery headers",
            f"POST /hooks/github HTTP/1.1\nX-GitHub-Delivery: {uuid4()}\nX-GitHub-Event: push\nX-GitHub-Hook-ID: {R.randint(10**8, 10**9)}\n"
            f"X-Hub-Signature: sha1={rs(HEX, 40)}\nX-Hub-Signature-256: sha256={rs(HEX, 64)}\nUser-Agent: GitHub-Hookshot/{rs(HEX, 7)}",
        )
        add(
            "webhook_signature",
            "Slack request signature",
            f"X-Slack-Request-Timestamp: {now()}\nX-Slack-Signature: v0={rs(HEX, 64)}\nbody: token=deprecated&team_id=T{rs(UPNUM, 8)}&command=%2Fdeploy",
        )
        add(
            "webhook_signature",
            "Svix / Shopify HMAC headers",
            f"webhook-id: msg_{rs(ALNUM, 27)}\nwebhook-timestamp: {now()}\nwebhook-signature: v1,{b64(R.randbytes(32))}\n"
            f"X-Shopify-Hmac-Sha256: {b64(R.randbytes(32))}\nX-Shopify-Webhook-Id: {uuid4()}",
        )
        add(
            "webhook_signature",
            "verification failure log",
            f'{{"level":"warn","msg":"signature mismatch","expected":"sha256={rs(HEX, 64)}","got":"sha256={rs(HEX, 64)}","delivery":"{uuid4()}"}}',
        )

    # -- SigV4 request signature (not a capability) and access key ids
    for _ in range(7):
        add(
            "sigv4_request",
            "botocore debug Authorization header",
            f"2024-05-01 10:00:01,431 botocore.endpoint [DEBUG] Sending http request: <AWSPreparedRequest stream_output=False, method=GET, "
            f"url=https://sts.amazonaws.com/, headers={{'Authorization': b'AWS4-HMAC-SHA256 Credential={akid()}/20240501/us-east-1/sts/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={rs(HEX, 64)}', 'X-Amz-Date': b'20240501T100001Z'}}>",
        )
        add(
            "presigned_nonsecret",
            "presigned URL with signature elided",
            f"https://acme-exports.s3.amazonaws.com/reports/q1.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={akid()}%2F20240501%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20240501T101500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=<redacted>",
        )
        add(
            "presigned_nonsecret",
            "GCS object URL without signature",
            f'{{"severity":"INFO","message":"uploaded","url":"https://storage.googleapis.com/acme-media/uploads/{uuid4()}.png","generation":"{R.randint(10**15, 10**16)}","md5Hash":"{b64(R.randbytes(16))}"}}',
        )
        add(
            "presigned_nonsecret",
            "Azure blob URL without SAS",
            f"$ az storage blob url -c backups -n db.bak --account-name acmeprodstore -o tsv\nhttps://acmeprodstore.blob.core.windows.net/backups/db-{R.randint(1, 30)}.bak\nx-ms-request-id: {uuid4()}",
        )

    # -- UUIDs and resource ids
    for _ in range(10):
        add(
            "uuid_ids",
            "REST resource ids",
            f'{{"id":"{uuid4()}","customer_id":"cus_{rs(ALNUM, 14)}","payment_intent":"pi_{rs(ALNUM, 24)}","charge":"ch_{rs(ALNUM, 24)}","status":"succeeded"}}',
        )
        add(
            "uuid_ids",
            "k8s audit ids",
            f'{{"kind":"Event","auditID":"{uuid4()}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","user":{{"username":"system:serviceaccount:ci:deployer","uid":"{uuid4()}"}}}}',
        )

    # -- base64 of non-secret JSON, JWT headers alone, pagination cursors
    for _ in range(7):
        add(
            "base64_nonsecret",
            "JWT header alone",
            f'$ echo \'{seg({"alg": "RS256", "typ": "JWT", "kid": rs(URLSAFE, 27)})}\' | base64 -d\n{{"alg":"RS256","typ":"JWT","kid":"..."}}',
        )
        add(
            "base64_nonsecret",
            "pagination cursor",
            f'{{"data":[],"has_more":true,"next_cursor":"{b64(json.dumps({"id": R.randint(1, 10**6), "created_at": ts()}).encode())}"}}',
        )
        add(
            "base64_nonsecret",
            "x-amz-meta / grpc-status-details-bin",
            f"< grpc-status: 5\n< grpc-message: order not found\n< grpc-status-details-bin: {b64(R.randbytes(R.randint(30, 60))).rstrip('=')}",
        )
        add(
            "base64_nonsecret",
            "GraphQL persisted query hash",
            f'POST /graphql {{"operationName":"Cart","variables":{{"cartId":"{uuid4()}"}},"extensions":{{"persistedQuery":{{"version":1,"sha256Hash":"{rs(HEX, 64)}"}}}}}}',
        )

    # -- public keys / JWKS
    for _ in range(4):
        add(
            "public_key",
            "JWKS endpoint",
            "$ curl -s https://login.acme-corp.io/.well-known/jwks.json\n"
            + json.dumps(
                {
                    "keys": [
                        {
                            "kty": "RSA",
                            "use": "sig",
                            "kid": rs(URLSAFE, 27),
                            "alg": "RS256",
                            "n": b64u(R.randbytes(256)),
                            "e": "AQAB",
                        }
                    ]
                }
            ),
        )
        add(
            "public_key",
            "EC JWK x/y",
            json.dumps(
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "kid": rs(HEX, 16),
                    "x": b64u(R.randbytes(32)),
                    "y": b64u(R.randbytes(32)),
                }
            ),
        )
        add(
            "public_key",
            "SSH host key / authorized key",
            f"$ ssh-keyscan -t ed25519 git.corp.local\ngit.corp.local ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(R.randbytes(32)).rstrip('=')}",
        )

    # -- public client identifiers and publishable keys
    for _ in range(6):
        add(
            "client_id",
            "Google OAuth client id",
            f"> GET /o/oauth2/v2/auth?client_id={R.randint(10**11, 10**12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com&redirect_uri=http%3A%2F%2Flocalhost%3A8080&response_type=code&scope=openid",
        )
        add(
            "client_id",
            "GitHub App / Auth0 client ids",
            f'$ gh api /apps/acme-ci --jq \'{{client_id,slug}}\'\n{{"client_id":"Iv1.{rs(HEX, 16)}","slug":"acme-ci"}}\nAUTH0_CLIENT_ID={rs(ALNUM, 32)}',
        )
        add(
            "public_token",
            "Stripe publishable key",
            f'<script>const stripe = Stripe("pk_live_{rs(ALNUM, 99)}");</script>',
        )
        add(
            "public_token",
            "Mapbox public token",
            f'{ip()} - - [{clf_ts()}] "GET /styles/v1/mapbox/streets-v12?access_token=pk.{seg({"u": "acme-maps", "a": rs(LOWNUM, 25)})}.{rs(URLSAFE, 22)} HTTP/2.0" 200 41230',
        )
        add(
            "public_token",
            "Sentry DSN",
            f"sentry_sdk.init(dsn='https://{rs(HEX, 32)}@o{R.randint(10**5, 10**6)}.ingest.sentry.io/{R.randint(10**6, 10**7)}', traces_sample_rate=0.1)",
        )
        add(
            "public_token",
            "Datadog RUM client token",
            f"datadogRum.init({{ applicationId: '{uuid4()}', clientToken: 'pub{rs(HEX, 32)}', site: 'datadoghq.eu', service: 'web' }})",
        )

    # -- placeholders and masked values as loggers print them
    placeholders = [
        ("curl doc", '$ curl -H "Authorization: Bearer $TOKEN" https://api.acme-corp.io/v1/orders'),
        (
            "curl doc",
            '$ curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com/user',
        ),
        (
            "curl doc",
            "$ curl -H 'Authorization: Bearer <your-access-token>' https://api.acme-corp.io/v1/me",
        ),
        ("postman", "Authorization: Bearer {{access_token}}\nX-Api-Key: {{api_key}}"),
        (
            "kubectl -v=9",
            'I0501 10:00:01.123456   41234 round_trippers.go:466] curl -v -XGET  -H "Accept: application/json, */*" -H "User-Agent: kubectl/v1.29.3" -H "Authorization: Bearer <masked>" \'https://10.96.0.1:443/api/v1/namespaces/default/pods?limit=500\'',
        ),
        (
            "Rails filter_parameters",
            'Started GET "/api/v1/orders?access_token=[FILTERED]" for 10.0.4.2 at 2024-05-01 10:00:01 +0000\n  Parameters: {"access_token"=>"[FILTERED]", "page"=>"2"}',
        ),
        (
            "Rails filter_parameters",
            'Processing by SessionsController#create as HTML\n  Parameters: {"authenticity_token"=>"[FILTERED]", "user"=>{"email"=>"jdoe@acme-corp.io", "password"=>"[FILTERED]"}}',
        ),
        (
            "Sentry scrubbing",
            '"headers": [["Authorization", "[Filtered]"], ["Cookie", "[Filtered]"], ["User-Agent", "python-requests/2.31.0"]]',
        ),
        (
            "structlog redaction",
            '{"event": "upstream_request", "headers": {"authorization": "[REDACTED]", "x-api-key": "[REDACTED]"}, "level": "debug"}',
        ),
        (
            "zap redaction",
            '{"level":"debug","msg":"outgoing request","headers":{"Authorization":["Bearer ***"],"Cookie":["***"]}}',
        ),
        (
            "wget password hiding",
            "--2024-05-01 10:00:01--  https://deploy:*password*@nexus.corp.local/repository/raw/app.tar.gz\nResolving nexus.corp.local... 10.0.0.9",
        ),
        (
            "SQLAlchemy URL repr",
            "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed\n(Background on this error at: https://sqlalche.me/e/20/e3q8) engine=Engine(postgresql+psycopg2://app:***@db-primary.internal:5432/orders)",
        ),
        (
            "Stripe error masking",
            "stripe._error.AuthenticationError: Invalid API Key provided: sk_live_************************w3Xz",
        ),
        (
            "OpenAI error masking",
            "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-proj-********************************************************************AbCd.', 'type': 'invalid_request_error', 'code': 'invalid_api_key'}}",
        ),
        (
            "docker login",
            "$ echo $CR_PAT | docker login ghcr.io -u jdoe --password-stdin\nLogin Succeeded",
        ),
        ("npm config", "$ npm config get //registry.npmjs.org/:_authToken\n(protected)"),
        (
            "gh auth status",
            "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account jdoe (keyring)\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo'",
        ),
        (
            "Django debug page",
            "DATABASES\t{'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': 'db', 'NAME': 'app', 'PASSWORD': '********************', 'USER': 'app'}}\nSECRET_KEY\t'********************'",
        ),
        (
            "Datadog obfuscation",
            '{"http":{"url":"https://api.acme-corp.io/v1/orders?api_key=?","request":{"headers":{"authorization":"?"}}},"service":"web"}',
        ),
        (
            "httpie --print=H with env",
            '$ http :8000/me "Authorization:Bearer $(cat ~/.token)"\nHTTP/1.1 401 Unauthorized',
        ),
        (
            "Express morgan",
            '::1 - - [01/May/2024:10:00:01 +0000] "GET /api/me HTTP/1.1" 401 24 "-" "curl/8.5.0" auth=Bearer%20<redacted>',
        ),
        (
            "masked tail",
            "Using API key ...f3a9 (last 4) for region eu-west-1\nDD_API_KEY=************************f3a9",
        ),
        (
            "empty",
            'Authorization: Bearer \nX-Api-Key: \n< HTTP/1.1 401 Unauthorized\n< WWW-Authenticate: Bearer realm="api", error="invalid_request"',
        ),
        (
            "gRPC",
            'grpcurl -H "authorization: Bearer ${ID_TOKEN}" -d \'{"sku":"A1"}\' inventory:9090 inventory.v1.Stock/Get',
        ),
        (
            "GraphQL",
            '{"query":"mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }","variables":{"email":"jdoe@acme-corp.io","password":"<hidden>"}}',
        ),
        (
            "presigned redacted",
            "https://acme-exports.s3.amazonaws.com/q1.csv?X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=3600",
        ),
        ("websocket", "wscat -c 'wss://rt.acme-corp.io/socket?token=YOUR_TOKEN_HERE'"),
        (
            "mitmproxy replace",
            "    authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n    cookie: sessionid=<elided>",
        ),
    ]
    for src, t in placeholders:
        add("placeholder_masked", src, t)

    # -- documentation examples (RFCs, vendors)
    docs = [
        (
            "RFC 6749 5.1",
            'HTTP/1.1 200 OK\nContent-Type: application/json;charset=UTF-8\nCache-Control: no-store\nPragma: no-cache\n\n{\n  "access_token":"2YotnFZFEjr1zCsicMWpAA",\n  "token_type":"example",\n  "expires_in":3600,\n  "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",\n  "example_parameter":"example_value"\n}',
        ),
        (
            "RFC 6749 4.1.3",
            "POST /token HTTP/1.1\nHost: server.example.com\nAuthorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\n&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
        ),
        (
            "RFC 6749 4.1.2",
            "HTTP/1.1 302 Found\nLocation: https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz",
        ),
        (
            "RFC 6750 2.1",
            "GET /resource HTTP/1.1\nHost: server.example.com\nAuthorization: Bearer mF_9.B5f-4.1JqM",
        ),
        (
            "RFC 6750 2.3",
            "GET /resource?access_token=mF_9.B5f-4.1JqM HTTP/1.1\nHost: server.example.com",
        ),
        ("RFC 7617 2", "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        (
            "RFC 7636 B",
            "code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\ncode_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        ),
        (
            "jwt.io example",
            "$ curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c' http://localhost:3000/api/me",
        ),
        (
            "AWS docs example",
            "Authorization: AWS4-HMAC-SHA256\nCredential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\nSignedHeaders=host;range;x-amz-date,\nSignature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
        ),
        (
            "AWS docs example",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "Stripe docs",
            "Stripe-Signature:\nt=1492774577,\nv1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,\nv0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
        ),
        (
            "Telegram docs",
            "https://api.telegram.org/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/getMe",
        ),
        ("Okta docs", "Authorization: SSWS 00QCjAl4MlV-WPXM...0HmjFx-vbGua"),
        (
            "AWS DataSync docs (Azure SAS example)",
            "sp=r&st=2023-12-20T14:54:52Z&se=2023-12-20T22:54:52Z&spr=https&sv=2021-06-08&sr=c&sig=aBBKDWQvyuVcTPH9EBp%2FXTI9E%2F%2Fmq171%2BZU178wcwqU%3D",
        ),
        (
            "AWS S3 docs",
            "https://examplebucket.s3.amazonaws.com/test.txt\n?X-Amz-Algorithm=AWS4-HMAC-SHA256\n&X-Amz-Credential=<your-access-key-id>/20130721/us-east-1/s3/aws4_request\n&X-Amz-Date=20130721T201207Z\n&X-Amz-Expires=86400\n&X-Amz-SignedHeaders=host\n&X-Amz-Signature=<signature-value>",
        ),
        (
            "Mapbox docs",
            "https://api.mapbox.com/geocoding/v5/mapbox.places/Los%20Angeles.json?access_token=YOUR_MAPBOX_ACCESS_TOKEN",
        ),
    ]
    for src, t in docs:
        add("doc_example", src, t)

    # -- non-credential cookies
    for _ in range(4):
        add(
            "cookie_nonsecret",
            "analytics / preference cookies",
            f"> Cookie: _ga=GA1.2.{R.randint(10**8, 10**9)}.{now()}; _gid=GA1.2.{R.randint(10**8, 10**9)}.{now()}; theme=dark; locale=en-GB; _fbp=fb.1.{now()}123.{R.randint(10**8, 10**9)}",
        )
        add(
            "cookie_nonsecret",
            "load balancer stickiness",
            f"< Set-Cookie: AWSALB={b64(R.randbytes(96))}; Expires=Wed, 08 May 2024 10:00:00 GMT; Path=/\n< Set-Cookie: AWSALBCORS={b64(R.randbytes(96))}; Expires=Wed, 08 May 2024 10:00:00 GMT; Path=/; SameSite=None; Secure",
        )
        add(
            "cookie_nonsecret",
            "logout clears session",
            '< HTTP/1.1 302 Found\n< Location: /login\n< Set-Cookie: sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/\n< Set-Cookie: connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        )

    # -- ordinary HTTP noise and access logs
    for _ in range(9):
        add(
            "http_noise",
            "nginx access log",
            f'{ip()} - - [{clf_ts()}] "GET /api/v1/products?page={R.randint(1, 40)}&sort=price&q=red+shoes HTTP/1.1" 200 {R.randint(200, 9000)} "https://shop.acme-corp.io/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)"\n'
            f'{ip()} - - [{clf_ts()}] "POST /api/v1/cart/items HTTP/1.1" 201 84 "-" "okhttp/4.12.0" rt={R.random():.3f} uct=0.001',
        )
        add(
            "http_noise",
            "apache basic-auth user only",
            f'{ip()} - deploy [{clf_ts()}] "GET /nexus/repository/raw/app-1.4.{R.randint(0, 9)}.tar.gz HTTP/1.1" 200 {R.randint(10**5, 10**7)}\n'
            f'[Wed May 01 10:00:0{R.randint(0, 9)}.123456 2024] [auth_basic:error] [pid {R.randint(1000, 9999)}] [client {ip()}:51234] AH01617: user jdoe: authentication failure for "/admin": Password Mismatch',
        )
        add(
            "http_noise",
            "curl -v TLS handshake",
            f"*   Trying {ip()}:443...\n* ALPN: curl offers h2,http/1.1\n* TLSv1.3 (OUT), TLS handshake, Client hello (1):\n* SSL certificate verify ok.\n"
            f"*  subject: CN={R.choice(HOSTS)}\n*  issuer: C=US; O=Let's Encrypt; CN=R3\n*  SHA256 fingerprint: {':'.join(rs(HEX.upper(), 2) for _ in range(32))}\n> GET / HTTP/2",
        )
        add(
            "http_noise",
            "httpie response with ids",
            f'HTTP/1.1 201 Created\nLocation: /v1/orders/{uuid4()}\nX-RateLimit-Remaining: {R.randint(0, 4999)}\nX-GitHub-Request-Id: {rs(HEX.upper(), 4)}:{rs(HEX.upper(), 6)}:{rs(HEX.upper(), 7)}:{rs(HEX.upper(), 8)}:{rs(HEX.upper(), 8)}\n\n{{"id":"ord_{rs(ALNUM, 24)}","total":4200}}',
        )
        add(
            "http_noise",
            "Express/pino request log",
            f'{{"level":30,"time":{now()}123,"pid":{R.randint(100, 9999)},"hostname":"api-{rs(LOWNUM, 10)}-{rs(LOWNUM, 5)}","req":{{"id":{R.randint(1, 9999)},"method":"GET","url":"/api/items?cursor={b64u(R.randbytes(12))}","remoteAddress":"::ffff:{ip()}"}},"res":{{"statusCode":200}},"responseTime":{R.randint(1, 300)}}}',
        )
        add(
            "http_noise",
            "mitmproxy flow list",
            f"{ip()}:{R.randint(40000, 65000)}: GET https://{R.choice(HOSTS)}/v1/catalog?ids={','.join(str(R.randint(100, 999)) for _ in range(5))}\n << 200 OK 18.2k\n"
            f"{ip()}:{R.randint(40000, 65000)}: OPTIONS https://{R.choice(HOSTS)}/v1/cart\n << 204 No Content 0b",
        )
        add(
            "http_noise",
            "kubectl -v=6 round trips",
            f"I0501 10:00:01.{R.randint(100000, 999999)}   {R.randint(1000, 99999)} loader.go:395] Config loaded from file:  /home/dev/.kube/config\n"
            f"I0501 10:00:01.{R.randint(100000, 999999)}   {R.randint(1000, 99999)} round_trippers.go:553] GET https://10.96.0.1:443/api/v1/namespaces/default/pods?limit=500 200 OK in {R.randint(5, 90)} milliseconds",
        )

    # -- signatures / HMAC digests outside webhooks
    for _ in range(5):
        add(
            "signature_digest",
            "JWS detached / HTTP Message Signatures",
            f'Signature-Input: sig1=("@method" "@authority" "@path" "content-digest");created={now()};keyid="{rs(HEX, 16)}"\nSignature: sig1=:{b64(R.randbytes(64))}:',
        )
        add(
            "signature_digest",
            "Git commit / tag verify",
            f'$ git verify-commit HEAD\ngpg: Signature made Wed May  1 10:00:01 2024 UTC\ngpg:                using EDDSA key {rs(HEX.upper(), 40)}\ngpg: Good signature from "Jane Doe <jdoe@acme-corp.io>" [ultimate]',
        )
        add(
            "signature_digest",
            "Docker content digest",
            f'$ curl -sI -H \'Accept: application/vnd.oci.image.index.v1+json\' https://ghcr.io/v2/acme/api/manifests/1.4.2\nHTTP/2 401\nwww-authenticate: Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/api:pull"\ndocker-content-digest: sha256:{rs(HEX, 64)}',
        )

    # -- identifier-shaped code and messages
    code = [
        (
            "python",
            'headers = {"Authorization": f"Bearer {settings.API_TOKEN}", "X-Request-Id": str(uuid.uuid4())}',
        ),
        (
            "go",
            'req.Header.Set("Authorization", "Bearer "+tok.AccessToken)\nreq.Header.Set("X-Api-Key", cfg.APIKey)',
        ),
        (
            "js",
            "fetch(url, { headers: { Authorization: `Bearer ${session.accessToken}` }, credentials: 'include' })",
        ),
        (
            "error",
            '{"error":"invalid_grant","error_description":"Refresh token expired or revoked"}',
        ),
        (
            "error",
            'WWW-Authenticate: Bearer realm="example", error="invalid_token", error_description="The access token expired"',
        ),
        (
            "openapi",
            "components:\n  securitySchemes:\n    bearerAuth:\n      type: http\n      scheme: bearer\n      bearerFormat: JWT\n    apiKey:\n      type: apiKey\n      in: header\n      name: X-API-Key",
        ),
        (
            "nginx conf",
            'proxy_set_header Authorization "Bearer $upstream_token";\nlog_format main \'$remote_addr - $remote_user [$time_local] "$request" $status\';',
        ),
        (
            "log message",
            "2024-05-01T10:00:01Z WARN token refresh failed for client_id=web-frontend, retrying in 5s (attempt 2/5)",
        ),
        ("log message", "INFO oauth2: token cache hit key=tenant:acme scope=orders.read ttl=3412s"),
        (
            "grpc error",
            "rpc error: code = Unauthenticated desc = transport: per-RPC creds failed due to error: oauth2: token expired and refresh token is not set",
        ),
    ]
    for src, t in code:
        add("code_identifiers", src, t)
    return out


# ---------------------------------------------------------------- build


def build() -> dict[str, object]:
    cases: list[Case] = []
    cases += generic_cases()
    cases += specific_cases()
    for fam, src, text in neg_cases():
        cases.append({"text": text, "secret": None, "format": fam, "source": src})
    for c in cases:
        s = c["secret"]
        assert s is None or s in (c["text"] or ""), c
    return {
        "about": (
            "Blind corpus 10 for execgate's scanner: secrets in HTTP traffic and logs as an agent's shell tool "
            "shows them (curl -v/-i, wget -d, httpie, mitmproxy/HAR, nginx/apache/ELB/squid logs, structlog/zap/"
            "Rails/Django/Express logs, OAuth2/OIDC flows, webhooks, cookies, presigned URLs, gRPC, GraphQL, "
            "websockets, Sentry/Datadog events, stack traces, docker/npm/gh login output). Values are seeded "
            "random in each format's documented shape; none is live. Labelling decisions are in the script's "
            "docstring (benchmarks/blind10_corpus.py). Positives: 'secret' is the exact substring of 'text' that "
            "is the secret value. Negatives: secret null, format 'neg:<family>'."
        ),
        "cases": cases,
    }


def main(argv: list[str]) -> int:
    return run(argv, build, OUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
