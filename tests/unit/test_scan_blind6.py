"""Secret classes the sixth blind corpus missed or flagged wrongly: positional passwords of
``net use`` (before ``/user:``) and ``smbclient`` (after the service), Go struct literals in
panic dumps (``&main.Config{DdApiKey:"…"}``), Java properties with dotted names
(``dd.app.key=…``), and (as hard negatives) ``REPLACE_WITH_…`` placeholders and the
8-character job-token prefix GitLab's runner prints on artifact uploads. Each class has
its hard negatives beside it.

A case passes when every occurrence of the secret is covered by findings.
"""

from __future__ import annotations

import pytest
from scan_classes import Classes, check_class, covered

from execgate.scan import scan_text

PW = "Tq7#vLm2Wx9p"
PCT_PW = "Falcon%quartz7389-"
HEX32 = "6e47d21be98e73c265e40814ec9dc754"
HEX40 = "a6711693a34bfaf6a34a694b802b0c69ecc92605"
VERCEL = "mtq8zDHVMtj3ROJztyNFFwC1"
CF = "F3JrBhQZVM5lomFaOCDAI0Y7a77dIKlIW9sT-d2P"
OPAQUE = "Vq8Zr2LmX0pT5vW9kNs3Yd7Hc1QeJb"


CLASSES: Classes = {
    # net use's password before /user:, smbclient's password after the service
    "positional-passwords": (
        [
            (
                f"C:\\> net use Z: \\\\files.acme.net\\share {PCT_PW} /user:CORP\\svc_backup\n",
                PCT_PW,
            ),
            (f"net use \\\\nexus.corp.net\\share {OPAQUE} /user:CORP\\jdoe", OPAQUE),
            (f'NET USE Z: \\\\srv\\d$ "{PW}" /USER:CORP\\jdoe /persistent:no', PW),
            (f"$ smbclient //files.acme.net/finance '{PW}' -U CORP\\\\ci-bot -c 'ls'\n", PW),
            (f"smbclient //nexus/finance {OPAQUE} -U jdoe", OPAQUE),
            (f"smbclient \\\\\\\\srv\\\\share '{PCT_PW}' -W CORP -U jdoe", PCT_PW),
        ],
        [
            "net use Z: \\\\files.acme.net\\share /user:CORP\\svc_backup",
            "net use Z: \\\\files.acme.net\\share * /user:CORP\\jdoe",
            "net use Z: \\\\files.acme.net\\share /persistent:yes",
            "net use Z: /delete",
            "net use \\\\srv\\share %SMB_PASSWORD% /user:CORP\\jdoe",
            "smbclient //files.acme.net/finance -U CORP\\\\ci-bot -c 'ls'",
            "smbclient -L //files.acme.net -N",
            "smbclient //srv/share -A /etc/samba/creds -c 'get report.pdf'",
            'smbclient //srv/share "$SMB_PASSWORD" -U jdoe',
        ],
    ),
    # a Go struct literal's credential-named field (%#v / %+v in a panic dump)
    "go-struct-literals": (
        [
            (
                f'panic: 403 for client &main.Config{{BaseURL:"https://api.internal", '
                f'DdApiKey:"{HEX32}", Timeout:30000000000, Retries:3}}\n',
                HEX32,
            ),
            (f'&main.Config{{BaseURL:"https://x", VercelToken:"{VERCEL}", Retries:3}}', VERCEL),
            (f'&main.Config{{CloudflareApiToken:"{CF}", Timeout:3}}', CF),
            (f'main.Settings{{DbPassword:"{PW}", ClientSecret:"{OPAQUE}"}}', PW),
            (f'{{Name:"svc" ClientSecret:"{OPAQUE}"}}', OPAQUE),
        ],
        [
            '&main.Config{BaseURL:"https://api.internal", Timeout:30000000000, Retries:3}',
            '&main.Config{TokenTTL:"3600s", KeyID:"k-1", SecretName:"db-creds"}',
            '&main.Config{APIKey:"", Token:"<nil>"}',
            '&main.Config{DdApiKey:"REPLACE_ME", VercelToken:"${VERCEL_TOKEN}"}',
            'Config{PasswordFile:"/run/secrets/db", TokenPath:"/var/run/token"}',
            'monkey{Monkey:"Zq8hR3kLm2Wx9Tn4"}',
        ],
    ),
    # Java properties with dotted names (-- listing properties --, application.properties)
    "dotted-properties": (
        [
            (
                "-- listing properties --\njava.runtime.name=OpenJDK Runtime Environment\n"
                f"spring.profiles.active=prod\ndd.app.key={HEX40}\nserver.port=8443\n",
                HEX40,
            ),
            (f"spring.datasource.password={PW}\n", PW),
            (f"dd.api.key = {HEX32}\n", HEX32),
            (f"app.github.token={OPAQUE}\n", OPAQUE),
            (f"oauth.client.secret: {OPAQUE}\n", OPAQUE),
        ],
        [
            "spring.datasource.password=${DB_PASSWORD}\n",
            "dd.app.key=\n",
            "server.ssl.key-store=classpath:keystore.p12\nserver.ssl.key-alias=tomcat\n",
            "jwt.token.expiry=3600\napp.token.header=Authorization\n",
            "dd.service.name=billing\ndd.env=prod\n",
            "spring.datasource.password=changeme\n",
            "cache.key.prefix=billing-v2\n",
            "self.app.key = load_key(path)\n",
            "this.app.key = options.key;\n",
        ],
    ),
}

#: Texts that carry a credential's name and a value that is not one, each beside a
#: credential of the same shape in a context that keeps it a finding.
NOT_CREDENTIALS: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    # REPLACE_WITH_…, CHANGE_ME, FILL_IN…, SET_ME… style placeholders
    "replace-with-placeholders": (
        [
            "profile::app::api_key: 'CHANGE_ME'\n"
            "profile::app::db_password: 'REPLACE_WITH_REAL_PASSWORD'",
            "DB_PASSWORD=REPLACE_WITH_REAL_PASSWORD",
            "api_token: 'REPLACE-WITH-YOUR-TOKEN'",
            "SECRET_KEY=CHANGE_ME_BEFORE_DEPLOY",
            "password: PUT_YOUR_PASSWORD_HERE",
            "api_key = 'INSERT_API_KEY_HERE'",
        ],
        [
            (f"profile::app::db_password: '{PW}'", PW),
            (f"DB_PASSWORD=REPLACE{OPAQUE}", f"REPLACE{OPAQUE}"),
            (f"api_token: '{OPAQUE}'", OPAQUE),
        ],
    ),
    # GitLab's runner prints the first 8 characters of the job token on artifact uploads
    "gitlab-artifact-upload-token-prefix": (
        [
            "Checking cache for main-c68b2ddf5a9693c7c3fd1a8571f6453853b486fe-non_protected...\n"
            "Successfully extracted cache\n"
            'Uploading artifacts as "archive" to coordinator... 201 Created  id=8717830665 '
            "responseStatus=201 Created token=ni0yj8eg",
            'Uploading artifacts as "junit" to coordinator... 201 Created  id=4718783942 '
            "responseStatus=201 Created token=Xy7kQ2pA\nCleaning up project directory",
            'Uploading artifacts as "archive" to coordinator... ok  id=1 '
            "responseStatus=201 Created token=ab3Cd9eF",
        ],
        [
            (
                'Uploading artifacts as "archive" to coordinator... 201 Created  id=87178 '
                f"responseStatus=201 Created token={OPAQUE}",
                OPAQUE,
            ),
            ("curl 'https://api.example.org/v1?token=Zq8hR3kLm2'", "Zq8hR3kLm2"),
            (f"Downloading artifacts ... token={OPAQUE}", OPAQUE),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_CREDENTIALS))
def test_placeholders_and_token_prefixes_are_not_findings(name: str) -> None:
    never, found = NOT_CREDENTIALS[name]
    for text in never:
        assert scan_text(text) == [], (name, text, scan_text(text))
    for text, secret in found:
        assert covered(text, secret), (name, text, scan_text(text))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
