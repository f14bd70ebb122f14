"""Secret classes the tenth blind corpus (HTTP transcripts and logs: ``curl -v``, ``wget -d``,
HAR and structured request logs, OAuth flows, presigned URLs, webhooks, gRPC metadata) missed
or flagged wrongly.

As hard negatives: what signs one request and is public beside it (a SigV4 ``Authorization``
header, the access key id in its credential scope, a webhook's body signature and the form
body after it), an OAuth flow's ``state`` and ``nonce`` cookies, the masks and empty headers
tools print (wget's ``*password*``, ``Authorization: Bearer `` with nothing after it, a
GraphQL variable's type), and documentation examples (RFC 6749's client credentials, the AWS
SigV4 example, the AWS DataSync documentation's SAS token). Each class has its real secrets
beside it, values written for this file.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import hashlib

import pytest
from scan_classes import Classes, check_class

PW = "Rv8#kLq2Wz5!tN"
TOKEN = "Hq3Lx9Vd2Rk7Wp4Tn8Bz6Mc1"
AKIA = "AKIAQW3RT5YU7OP2LK4M"
HEX40 = "7d2e9b4c1a6f3e8d5b0c7a2e4f9d1b6c3a8e5f0d"
HEX64 = "b41e7c9a2d5f8e3b6c0a9d4f7e2b5c8a1d6f3e9b0c4a7d2e5f8b1c6a3d9e0f7b"
SAS_SIG = "Zp4Wq8Nv2Tx6Lk9Rb3Hd7Ym1Cs5Fg0Je%2BUa8Io2Pw%3D"
BASIC = "ZGVwbG95OlJ2OCNrTHEyV3o1IXRO"  # deploy:Rv8#kLq2Wz5!tN
HEX256 = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(4))  # RSA: 256 bytes
DD_KEY = "9c4e1a7b3d6f0e2c8a5b7d9f1e3c6a0b"
OKTA = "00Xw7Lq3Vn9Rk2Tz5Hb8Mc1Pd4Fs6Jy0Ue-Ga_Io2N"
SLACK_PATH = "T04QX7LMN/B05RZ8KPW2Y/Vq8Lm3Xz7Tn2Wk9Rd4Hp6Bc1"
SESSION = "k3v9x2m7q8w1z5r4t6y0p2n8b7c5d1f9"


CLASSES: Classes = {
    # a SigV4 signature and the key id in its scope sign one request; the id alone is flagged
    "sigv4-signed-requests": (
        [
            (f"aws_access_key_id = {AKIA}", AKIA),
            (f"export AWS_ACCESS_KEY_ID={AKIA}", AKIA),
            (f'{{"AccessKeyId": "{AKIA}", "Status": "Active"}}', AKIA),
        ],
        [
            f"> Authorization: AWS4-HMAC-SHA256 Credential={AKIA}/20250302/eu-west-1/s3/"
            f"aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={HEX64}",
            f"headers={{'Authorization': b'AWS4-HMAC-SHA256 Credential={AKIA}/20250302/"
            f"eu-west-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature={HEX64}'}}",
            f"https://media.s3.amazonaws.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={AKIA}%2F20250302%2Feu-west-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20250302T080000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=<redacted>",
            # the same URL inside another's query string: encoded twice
            f"GET /dl?next=https%3A%2F%2Fmedia.s3.amazonaws.com%2Fa.png%3FX-Amz-Credential%3D"
            f"{AKIA}%252F20250302%252Feu-west-1%252Fs3%252Faws4_request HTTP/1.1",
        ],
    ),
    # a webhook's signature, and the form body it signs, cut at its `&name=` fields
    "webhook-signatures-and-form-bodies": (
        [
            (f"body: token={TOKEN}&team_id=T0ABCD123&command=%2Frelease", TOKEN),
        ],
        [
            f"X-Slack-Request-Timestamp: 1740902400\nX-Slack-Signature: v0={HEX64}\n"
            "body: token=deprecated&team_id=T0ABCD123&command=%2Frelease",
            "payload: token=legacy&user_id=U0ABCD456&text=hello",
        ],
    ),
    # an OAuth flow's state and nonce cookies tie a callback to a browser; they log no one in
    "oauth-state-cookies": (
        [
            (f"< Set-Cookie: oauth_session={TOKEN}; Path=/; HttpOnly", TOKEN),
            (f"> Cookie: auth_token={TOKEN}; theme=dark", TOKEN),
        ],
        [
            f"< Set-Cookie: oauth_state={HEX40}; Path=/auth; Max-Age=600; HttpOnly",
            f"< Set-Cookie: oidc_nonce={HEX40}; Path=/callback; Max-Age=300",
            f"> Cookie: auth_state={HEX40}",
        ],
    ),
    # masks and empty values as tools print them
    "tool-masks-and-empty-headers": (
        [
            (f"--2025-03-02 08:00:00--  https://deploy:{PW}@nexus.corp.example/raw/a.tgz", PW),
            (f"Authorization: Bearer {TOKEN}\nX-Api-Key: \n", TOKEN),
            (f'{{"variables":{{"email":"ops@example.org","password":"{PW}"}}}}', PW),
        ],
        [
            "--2025-03-02 08:00:00--  https://deploy:*password*@nexus.corp.example/raw/a.tgz",
            "Authorization: Bearer \nX-Api-Key: \n< HTTP/1.1 401 Unauthorized",
            '{"query":"mutation SignIn($login: String!, $password: String!) '
            '{ signIn(login: $login, password: $password) { id } }"}',
        ],
    ),
    # examples printed in RFCs and vendor documentation
    "documentation-examples": (
        [
            (f"Authorization: Basic {BASIC}", BASIC),
            (f"?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2025-04-01T00:00:00Z&sig={SAS_SIG}", SAS_SIG),
        ],
        [
            "POST /token HTTP/1.1\nHost: server.example.com\n"
            "Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\n",
            "Authorization: AWS4-HMAC-SHA256\n"
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\n"
            "SignedHeaders=host;range;x-amz-date,\n"
            "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
            "sp=r&st=2023-12-20T14:54:52Z&se=2023-12-20T22:54:52Z&spr=https&sv=2021-06-08&sr=c"
            "&sig=aBBKDWQvyuVcTPH9EBp%2FXTI9E%2F%2Fmq171%2BZU178wcwqU%3D",
        ],
    ),
    # a presigned URL's signature is the capability until the URL expires
    "presigned-url-signatures": (
        [
            (
                "https://exports.s3.eu-west-1.amazonaws.com/q.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Credential={AKIA}%2F20250302%2Feu-west-1%2Fs3%2Faws4_request"
                f"&X-Amz-Date=20250302T080000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
                f"&X-Amz-Signature={HEX64}",
                HEX64,
            ),
            (
                f'{{"url":"https://storage.googleapis.com/media/a.png?X-Goog-Algorithm='
                f"GOOG4-RSA-SHA256&X-Goog-Expires=900&X-Goog-SignedHeaders=host"
                f'&X-Goog-Signature={HEX256}"}}',
                HEX256,
            ),
            (
                '"GET /dl?next=https%3A%2F%2Fexports.s3.amazonaws.com%2Fq.csv%3FX-Amz-Algorithm'
                f'%3DAWS4-HMAC-SHA256%26X-Amz-Signature%3D{HEX64} HTTP/1.1" 302 0',
                HEX64,
            ),
        ],
        [
            "https://exports.s3.amazonaws.com/q.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-SignedHeaders=host&X-Amz-Signature=<signature>",
            f"> x-amz-content-sha256: {HEX64}\n> x-amz-date: 20250302T080000Z",
            "https://storage.googleapis.com/media/a.png?X-Goog-Signature=REDACTED",
        ],
    ),
    # a framework's cookies as a dict: the same session cookies as in a Cookie header
    "session-cookie-dicts": (
        [
            (f"DEBUG django.request: request.COOKIES = {{'sessionid': '{SESSION}'}}", SESSION),
            (f"req.cookies = {{ 'connect.sid': 's%3A{TOKEN}.sig', theme: 'dark' }}", TOKEN),
            (f'{{"cookies": {{"lang": "en", "PHPSESSID": "{SESSION}"}}}}', SESSION),
        ],
        [
            "request.COOKIES = {'csrftoken': 'Kx7Lq2Vn9Rk3Tz5Hb8Mc1Pd4', 'django_language': 'en'}",
            f"req.cookies = {{ 'oauth_state': '{HEX40}' }}",
            "request.COOKIES = {'sessionid': 'deleted'}",
        ],
    ),
    # a webhook's path echoed without its host by curl -v: every occurrence is the secret
    "webhook-path-echo": (
        [
            (
                f"$ curl -v -X POST -d @msg.json https://hooks.slack.com/services/{SLACK_PATH}\n"
                f"> POST /services/{SLACK_PATH} HTTP/2\n< HTTP/2 200",
                SLACK_PATH,
            ),
        ],
        [
            "> POST /services/orders/v2/refunds HTTP/1.1",
            "> POST /services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX HTTP/2",
        ],
    ),
    # header names and values as lists and pairs: Go's http.Header, gRPC metadata, Sentry's
    # [name, value] pairs, HAR entries
    "header-pairs-in-lists": (
        [
            (f'"headers":{{"Accept":["*/*"],"DD-API-KEY":["{DD_KEY}"]}}', DD_KEY),
            (f'    ["DD-API-KEY", "{DD_KEY}"],', DD_KEY),
            (f'    ["Authorization", "SSWS {OKTA}"],', OKTA),
            (f'{{ "name": "dd-application-key", "value": "{DD_KEY}" }}', DD_KEY),
            (f"md=map[content-type:[application/grpc] x-api-key:[{TOKEN}]]", TOKEN),
        ],
        [
            '    ["X-Request-Id", "0d8c2f4e-7b1a-4c3d-9e5f-6a7b8c9d0e1f"],',
            '    ["Authorization", "[Filtered]"],',
            '{ "name": "dd-api-key", "value": "${DD_API_KEY}" }',
            "md=map[content-type:[application/grpc] x-api-key:[]]",
            '"headers":{"X-Api-Key":["<redacted>"]}',
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
