"""Secrets found by the command line around them, written as a table.

A password has no shape of its own: what makes ``'Zx8!kq2Lmn'`` a secret is the option or
the pipe it sits in (``curl -u user:…``, ``mysql -p…``, ``echo … | sudo -S``, ``--api-key …``,
``fly secrets set NAME=…``, an ``X-Api-Key:`` or ``Authorization: Bot`` header). Each rule
here names such a slot; the engine then checks the extracted value alone (a placeholder, a
mask, a low-entropy sequence, a secret's name, a value too short to be a password: no finding).

These complement :func:`execgate.scan.argv_slots`, which finds the same slots in a parsed
argv: the rules here read text (a shell command line, a script, program output).
"""

from __future__ import annotations

import re

from ._rule import Rule, ctx

#: A value bare or quoted. Quoted, it runs to the closing quote (spaces allowed); bare, to the
#: next space, quote or shell operator. ``q`` is the quote, for a closing ``(?(q)(?P=q))``.
_VALUE = r"""(?P<q>['"])?(?P<secret>(?(q)[^'"\n]{1,4096}|[^\s'"`;|&<>()]{1,4096}))"""
#: A value piped to a program's stdin: as ``_VALUE``, without the newline escapes printf and
#: ``echo -e`` are given after it (``printf 'pw\\n' | sudo -S ...``).
_PIPED_VALUE = (
    r"""(?P<q>['"])?(?P<secret>(?(q)[^'"\n]{1,4096}?|[^\s'"`;|&<>()]{1,4096}?))"""
    r"(?:\\[nr]){0,2}"
)
#: The rest of one shell command: no newline, pipe, ``;`` or ``&``.
_SAME_COMMAND = r"[^\n|;&]{0,256}?"

#: Option names whose value is a credential for any program (``--api-key``, ``--db-password``,
#: ``-token``, ``--oauth2-bearer``). A name, not a value, is what ``--secret`` takes in some
#: CLIs (``gcloud ... --secret=api-key-name``): the engine's ``value`` check drops names.
_SECRET_OPTION = (
    r"(?:[a-z0-9]{1,16}[-_]){0,2}(?:password|passwd|pwd|pass|token|api[-_]?key|api[-_]?token"
    r"|api[-_]?secret|access[-_]?token|auth[-_]?token|secret|client[-_]?secret|secret[-_]?key"
    r"|access[-_]?key|private[-_]?token|bearer|oauth2?[-_]?bearer|oauth[-_]?token"
    r"|account[-_]?key|master[-_]?key|sas[-_]?token|auth[-_]?key|auth"
    # gpg --passphrase, keytool -storepass/-keypass (-srcstorepass, -deststorepass),
    # openssl -passin/-passout pass:...
    r"|passphrase|(?:src|dest)?storepass|(?:src|dest)?keypass|passin|passout)"
)

#: One ``NAME=VALUE`` pair of a cookie header whose name says it holds a session or an
#: authentication token (not a preference such as ``theme`` or a CSRF token).
_COOKIE = re.compile(
    r"(?i)(?<=[\s;:'\"=])(?!(?:csrf|xsrf|_?ga|_gid))"
    # (an OAuth flow's `oauth_state` / `oidc_nonce` cookie holds a one-time value that only
    # ties the callback to the browser that started it: it authenticates no one)
    r"(?![\w.\-]{0,96}?(?:state|nonce)=)(?P<cname>[\w.\-]{0,48}?"
    r"(?:sess|sid|auth|token|jwt|remember|login|secret)[\w.\-]{0,48})="
    r"(?P<secret>[^;\s\"'`,]{1,4096})"
)

#: Between a header's name and its value: a header line's or a map's `:` (Go's http.Header
#: and gRPC metadata print each value in a list: `"X-Api-Key":["..."]`, `x-api-key:[...]`),
#: or the comma of a [name, value] pair (Sentry's and other loggers' header lists).
_HEADER_VALUE_SEP = r"(?:[\"']?[ \t]*:[ \t]*\[?|[\"'][ \t]*,[ \t]*)"

#: One ``'name': 'value'`` entry of a cookie dict or object, named as ``_COOKIE`` names them.
_COOKIE_ENTRY = re.compile(
    r"(?i)(?<=[{\s,])[\"'](?!(?:csrf|xsrf|_?ga|_gid))(?![\w.\-]{0,96}?(?:state|nonce)[\"'])"
    r"(?P<cname>[\w.\-]{0,48}?(?:sess|sid|auth|token|jwt|remember|login|secret)[\w.\-]{0,48})"
    r"[\"'][ \t]*:[ \t]*[\"'](?P<secret>[^;\s\"'`,]{1,4096})"
)

#: Commands that store what they read on stdin as a secret.
_SECRET_STORE = (
    r"(?:[\w./\-]{1,32}[ \t]+)?(?:gh[ \t]+secret[ \t]+set|(?:docker|podman)[ \t]+secret"
    r"[ \t]+create|wrangler[ \t]+secret[ \t]+put|vercel[ \t]+env[ \t]+add"
    r"|gcloud[ \t]+secrets[ \t]+(?:create|versions[ \t]+add))"
)

#: A variable's or an output's name that says it holds a credential.
_CRED_NAME = (
    r"(?i:password|passwd|_pass\b|secret|token|api_?key|access_?key|private_?key|credentials?)"
)
#: chpasswd -e / --encrypted: the lines hold password hashes, not passwords.
_CHPASSWD_HASHED = r"[^\n|;&<]{0,128}?(?<!\S)(?:-[a-zA-Z]{0,4}e|--encrypted)(?!\S)"

CONTEXT_RULES: tuple[Rule, ...] = (
    ctx(
        "discord-bot-token",
        "discord",
        ("bot ",),
        # Discord's own scheme: "Authorization: Bot <user id>.<timestamp>.<hmac>"
        r"(?i)authorization[\"']?\s*[:=]\s*[\"']?bot\s+"
        r"(?P<secret>[\w-]{20,40}\.[\w-]{5,8}\.[\w-]{20,45})",
        0.95,
        anchored=False,
        check="discord",
    ),
    ctx(
        "credential-userpass",
        "generic",
        ("curl", "wget", "http ", "https "),
        # curl -u user:pass, --user=user:pass, -U (proxy), httpie -a/--auth; the user part
        # may be quoted separately (-u user:'pass', bash's -u user:$'pass'), the whole pair
        # too (-u 'user:pass').
        # curl's short flags may be bundled before -u (curl -fsSLu user:pw)
        r"(?:curl|wget|https?)\s" + _SAME_COMMAND + r"(?<!\S)(?:-[A-Za-z]{0,8}u|--user|-U"
        r"|--proxy-user|-a"
        r"|--auth)(?:=|[ \t]*)"
        # a quote opened before the user closes after it (-u 'user':pw) or after the pair
        # (-u 'user:pw': the value then is bare); it never opens the value (-u "$KEY:" -d x:
        # the quote after the colon closes the pair, the password is empty)
        r"(?:(?P<uq>[\"'])[^\s:\"'`]{0,128}(?:(?P=uq):(?:\$(?=['\"]))?|:(?![\"']))"
        r"|[^\s:\"'`]{0,128}:(?:\$(?=['\"]))?)" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-userpass",
        "generic",
        ("creds",),
        # Container tools' user:password options: skopeo/podman/buildah --creds,
        # --src-creds, --dest-creds (the user part may be empty: --creds :token)
        r"(?<!\S)--(?:src-|dest-|from-)?creds(?:=|[ \t]+)[\"']?[^\s:\"'`]{0,128}:" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        (
            *("authtoken", "wandb login", "npmauthtoken", "pypi-token.", "http-basic."),
            *("net use", "snyk auth", "cf auth", "api-key store"),
        ),
        # CLIs that take a token or a password as a positional argument: ngrok (config
        # add-)authtoken, wandb login, yarn config set npmAuthToken, poetry config
        # pypi-token.NAME / http-basic.NAME USER PASSWORD, Windows `net use \\srv /user:U PW`
        r"(?:ngrok[ \t]+(?:config[ \t]+add-)?authtoken"
        r"|wandb[ \t]+login(?:[ \t]+--?[\w\-]{1,32}){0,4}"
        r"|yarn[ \t]+config[ \t]+set[ \t]+npmAuthToken"
        r"|poetry[ \t]+config[ \t]+(?:pypi-token\.\S{1,64}|http-basic\.\S{1,64}[ \t]+\S{1,128})"
        # snyk auth TOKEN, Cloud Foundry's cf auth USER PASSWORD
        r"|snyk[ \t]+auth|cf[ \t]+auth[ \t]+(?!-)\S{1,128}"
        # confluent api-key store KEY SECRET: the second positional
        r"|confluent[ \t]+api-key[ \t]+store[ \t]+(?!-)\S{1,128})"
        r"[ \t]+(?!-)" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("net use",),
        # Windows `net use [DRIVE:] \\server\share /user:DOMAIN\USER PASSWORD`: the word
        # after the user is the password, all of it (cmd's `&` and `%` are in such words)
        r"(?i:net[ \t]+use)(?:[ \t]+(?!/)\S{1,256}){0,3}[ \t]+(?i:/user):\S{1,128}[ \t]+(?![/-])"
        r"(?P<q>['\"])?(?P<secret>(?(q)[^'\"\n]{1,4096}|[^\s'\"]{1,4096}))",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("net use",),
        # Windows `net use [DRIVE:] \\server\share PASSWORD /user:DOMAIN\USER`: the word
        # after the share, when a /user: follows it (a lone `*` prompts)
        r"(?i:net[ \t]+use)(?:[ \t]+[A-Za-z]:)?[ \t]+\\\\\S{1,256}[ \t]+(?![/*-])"
        r"(?P<q>['\"])?(?P<secret>(?(q)[^'\"\n]{1,4096}|[^\s'\"]{1,4096}))(?(q)(?P=q))"
        r"(?=[ \t]+(?i:/user):)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("smbclient",),
        # smbclient SERVICE PASSWORD [options]: the positional after //host/share
        r"(?<![\w-])smbclient[ \t]+(?://|\\\\)\S{1,256}[ \t]+(?![-<>|&;])" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("--key",),
        # --key of any other program names a key, a path or an object far more often than it
        # holds one: only a generated-looking value (both cases, digits, high entropy; no dot,
        # no path) is taken as the key itself
        r"(?<![\w-])--key(?:=|[ \t]+)(?P<q>['\"])?"
        r"(?P<secret>[A-Za-z0-9_\-+]{20,512}|[A-Za-z0-9+/]{20,512}={1,2})(?![\w./\-+=:@])",
        0.85,
        anchored=False,
        check="random",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("llm ",),
        # --key names a key or a file for most programs; for Simon Willison's llm it is the
        # API key itself (llm -m model --key KEY 'prompt')
        r"(?<![\w-])llm[ \t]" + _SAME_COMMAND + r"(?<!\S)--key(?:=|[ \t]+)(?!-)" + _VALUE,
        0.9,
        anchored=False,
        check="token",
    ),
    ctx(
        "credential-flag",
        "generic",
        "mysql mariadb sshpass redis-cli login mosquitto_ nmcli",
        # Short options that carry a password only for these programs (elsewhere -p is a
        # port, a parent directory...): mysql's attached -pSECRET (a bare -p prompts),
        # sshpass -p, redis-cli -a, `docker/podman/helm registry login -p`.
        r"(?:(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\s" + _SAME_COMMAND + r"(?<!\S)-p"
        r"(?=\S)|sshpass\s" + _SAME_COMMAND + r"(?<!\S)-p[ \t]*"
        # (redis-cli's -p is its port: only -a and --pass carry the password)
        r"|redis-cli\s"
        + _SAME_COMMAND
        + r"(?<!\S)(?:-a[ \t]*|--pass[ \t]+)|login\s"
        + _SAME_COMMAND
        + r"(?<!\S)-p[ \t]+"
        # mosquitto's clients take the password as -P; nmcli's `wifi connect SSID password PW`
        + r"|mosquitto_(?:pub|sub|rr)\s"
        + _SAME_COMMAND
        + r"(?<!\S)-P[ \t]+|nmcli\s"
        + _SAME_COMMAND
        + r"(?<!\S)password[ \t]+)"
        + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        "-password -passwd -pwd -pass -token -api -secret -access -auth -bearer -key -storepass "
        "-keypass -srcstorepass -deststorepass -srckeypass -destkeypass "
        "-api_key -api_token -api_secret -access_token -access_key -auth_token -auth_key "
        "-secret_key -client_secret -private_token -oauth_token -account_key -master_key "
        "-sas_token _password _passwd",
        r"(?i)(?<![\w-])--?(?!no-)(?P<flag>" + _SECRET_OPTION + r")(?:=|[ \t]+)(?!-)"
        r"(?!(?:env|file|fd):)(?:pass:)?" + _VALUE,
        0.9,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-flag",
        "generic",
        # with the space that follows a program name: "7z" or "rar" alone hit base64 text
        (
            "zip ",
            "7z ",
            "7za ",
            "7zr ",
            "rar ",
            "ldap",
            "sqlcmd",
            "bcp ",
            "mongo",
            "smbclient",
            "htpasswd",
            "openssl",
            "_auth",
            "ssh-keygen",
            "xfreerdp",
            "lftp",
            "rabbitmqctl",
            *("ipmitool", "rdesktop", "psexec", "cmdkey", "schtasks"),
        ),
        # More programs whose short option is a password: zip/unzip -P, 7z -pSECRET, rar -p,
        # ldapsearch & co. -w, sqlcmd/bcp -P, mongo/mongosh/mongodump -p, smbclient -U user%pw,
        # htpasswd -b FILE USER PASSWORD.
        r"(?:(?:zip|unzip|zipcloak)\s" + _SAME_COMMAND + r"(?<!\S)-P[ \t]+"
        r"|(?:7z|7za|7zr|rar|unrar)\s" + _SAME_COMMAND + r"(?<!\S)-p(?=\S)"
        r"|ldap[a-z]{0,10}\s" + _SAME_COMMAND + r"(?<!\S)-w[ \t]+"
        r"|(?:sqlcmd|bcp)\s" + _SAME_COMMAND + r"(?<!\S)-P[ \t]*"
        r"|mongo[a-z]{0,8}\s" + _SAME_COMMAND + r"(?<!\S)-p[ \t]+(?!-)"
        r"|smbclient\s" + _SAME_COMMAND + r"(?<!\S)-U[ \t]*[^\s%]{1,64}%"
        # htpasswd -b [-B -C N ...] FILE USER PASSWORD (-n: no FILE): the last operand.
        # Options come first; an operand never starts with "-"
        r"|htpasswd(?=[ \t][^\n|;&]{0,64}?(?<!\S)-[a-zA-Z]{0,6}b)(?:[ \t]+-[a-zA-Z]{1,8}"
        r"(?:[ \t]+\d{1,2})?){1,6}(?:[ \t]+(?!-)\S{1,256}){1,2}[ \t]+"
        # ipmitool -P, rdesktop -p, PsExec -p, cmdkey /pass:, schtasks /RP
        r"|ipmitool\s" + _SAME_COMMAND + r"(?<!\S)-P[ \t]+"
        r"|rdesktop\s" + _SAME_COMMAND + r"(?<!\S)-p[ \t]+(?!-)"
        r"|(?i:psexec(?:64)?(?:\.exe)?)\s" + _SAME_COMMAND + r"(?<!\S)-p[ \t]+(?!-)"
        r"|(?i:cmdkey)\s" + _SAME_COMMAND + r"(?<!\S)(?i:/pass):"
        r"|(?i:schtasks)\s" + _SAME_COMMAND + r"(?<!\S)(?i:/rp)[ \t]+(?![/*])"
        # openssl enc/aes -k PASSWORD; npm config set //registry/:_authToken TOKEN
        r"|openssl\s" + _SAME_COMMAND + r"(?<!\S)-k[ \t]+"
        # ssh-keygen -N/-P passphrase, xfreerdp /p:, lftp -u user,pw,
        # rabbitmqctl add_user / change_password USER PW
        r"|ssh-keygen\s" + _SAME_COMMAND + r"(?<!\S)-[NP][ \t]+"
        r"|xfreerdp\s" + _SAME_COMMAND + r"(?<!\S)/p:"
        r"|lftp\s" + _SAME_COMMAND + r"(?<!\S)-u[ \t]+[^\s,]{1,64},"
        r"|rabbitmqctl[ \t]+(?:add_user|change_password)[ \t]+\S{1,64}[ \t]+"
        r"|npm[ \t]+config[ \t]+set[ \t]+\S{0,256}_auth(?:Token)?[ \t]+)" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-stdin",
        "generic",
        (
            *("sudo", "password-stdin", "passwd", "with-token", "| su"),
            *("secret set", "secret create", "secret put", "env add", "versions add"),
            "devops login",
        ),
        # A password piped into a program that reads it from stdin:
        # echo 'pw' | sudo -S ..., echo pw | docker login --password-stdin, ... | chpasswd
        # (printf's format first: printf '%s\n' 'pw' | ...), or a value piped into a secret
        # store (gh secret set, docker secret create, wrangler secret put, vercel env add,
        # gcloud secrets versions add), or given as a here-string (the next rule:
        # sudo -S cmd <<< 'pw')
        # `yes 'pw' | sudo -S` repeats it; su reads it too (`echo pw | su -c cmd root`).
        r"(?:echo|printf|yes)[ \t]+(?:-[neE]{1,3}[ \t]+)?(?:(?<=printf )['\"]?%s[^ \t]{0,4}[ \t]+)?"
        + _PIPED_VALUE
        + r"(?(q)(?P=q))[ \t]*\|[ \t]*"
        r"(?:sudo\s(?:[^\n|;&]{0,64}?\s)?(?:-[A-Za-z]{0,8}S|--stdin)"
        r"|[^\n|;&]{0,256}?--(?:password-stdin|with-token)"
        r"|passwd\s+--stdin|su(?![^\s;|&])|az[ \t]+devops[ \t]+login|" + _SECRET_STORE + ")",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-stdin",
        "generic",
        ("chpasswd",),
        # chpasswd reads USER:PASSWORD lines: the password is what follows the first colon
        # (`echo 'bob:pw' | sudo chpasswd`, `chpasswd <<< 'bob:pw'`)
        r"(?:(?:echo|printf)[ \t]+(?:-[neE]{1,3}[ \t]+)?(?:(?<=printf )['\"]?%s[^ \t]{0,4}[ \t]+)?"
        r"(?P<q>['\"])?[^\s:'\"`;|&]{1,64}:(?P<secret>(?(q)[^'\"\n]{1,4096}?|[^\s'\"`;|&<>()]"
        r"{1,4096}?))(?:\\[nr]){0,2}(?(q)(?P=q))[ \t]*\|[ \t]*"
        r"(?:sudo[ \t]+(?:-\S{1,16}[ \t]+){0,4})?chpasswd(?![\w-])(?!" + _CHPASSWD_HASHED + "))",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-stdin",
        "generic",
        ("chpasswd",),
        r"chpasswd(?![\w-])(?!"
        + _CHPASSWD_HASHED
        + r")[^\n|;&<]{0,256}<<<[ \t]*(?P<q>['\"])?[^\s:'\"`;|&]{1,64}:"
        r"(?P<secret>(?(q)[^'\"\n]{1,4096}|[^\s'\"`;|&<>()]{1,4096}))",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-stdin",
        "generic",
        ("<<<",),
        r"(?:sudo\s(?:[^\n|;&]{0,64}?\s)?(?:-[A-Za-z]{0,8}S|--stdin)|--password-stdin|--with-token"
        r"|passwd\s+--stdin|az[ \t]+devops[ \t]+login|" + _SECRET_STORE + r")[^\n|;&<]{0,256}"
        r"<<<[ \t]*" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-stdin",
        "generic",
        ("<<",),
        # A here-document feeding a program that reads a password from stdin: the first line
        # of the document is the password (`cat <<EOF | sudo -S cmd`, `sudo -S cmd <<EOF`,
        # `docker login --password-stdin <<EOF`), one word: a line of prose goes to the program
        r"(?:(?:cat[ \t]+)?<<-?[ \t]*(?P<tq>['\"]?)(?P<tag>[A-Za-z_]\w{0,31})(?P=tq)[ \t]*\|[ \t]*"
        r"(?:sudo\s(?:[^\n|;&]{0,64}?\s)?(?:-[A-Za-z]{0,8}S|--stdin)|[^\n|;&]{0,256}?"
        r"--(?:password-stdin|with-token)|passwd\s+--stdin)[^\n]{0,256}"
        r"|(?:sudo\s(?:[^\n|;&]{0,64}?\s)?(?:-[A-Za-z]{0,8}S|--stdin)|--password-stdin|--with-token"
        r"|passwd\s+--stdin)[^\n|;&<]{0,256}<<-?[ \t]*(?P<uq>['\"]?)(?P<utag>[A-Za-z_]\w{0,31})"
        r"(?P=uq)[ \t]*)\n[ \t]*(?P<secret>\S{1,256})[ \t]*\n",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "secrets-set",
        "generic",
        ("secrets set", "secret set", "config:set", "secrets:set", "env:set", "create secret"),
        # Every NAME=value given to a secret store's CLI is a secret: fly/flyctl/doppler
        # `secrets set`, heroku/dokku `config:set`, `gh secret set NAME --body VALUE`,
        # `kubectl create secret generic --from-literal=NAME=VALUE`.
        r"(?:secrets?[ \t]+set|config:set|secrets:set|env:set|create[ \t]+secret)\b"
        r"(?P<args>[^\n|;&]{1,2048})",
        0.9,
        anchored=False,
        each=re.compile(
            r"(?:(?<=\s)(?:--from-literal=)?[A-Za-z_][\w.\-]{0,127}=|(?<=\s)(?:--body|-b)"
            # (-b'value': the quoted value glued to the short option)
            r"(?:=|[ \t]+|(?=['\"])))" + _VALUE
        ),
        check="password",
    ),
    ctx(
        "credential-env",
        "generic",
        ("name:", 'name"', "name'", "name=", "name =", "key:", 'key"', "key'", "key="),
        # An environment variable given as a name and a value apart: a Kubernetes container's
        # `- name: DB_PASSWORD` / `value: ...`, an ECS task definition's or `docker inspect`'s
        # {"name": "API_TOKEN", "value": "..."}, Terraform's `name = ... value = ...`. The
        # name is a credential's (the engine drops names ending in _FILE, _URL, _TTL...: a
        # file, an address or a property of the credential, not it); `valueFrom:` is a
        # reference and is not matched, nor is a kebab-case name (a Kubernetes Secret's own
        # name, `name: db-password`).
        # (the name may be the word alone: Postman's {"key": "token", "value": "..."})
        r"(?i)(?<![\w.\-])(?:name|key)[\"']?[ \t]*[:=][ \t]*[\"']?"
        r"(?P<flag>(?:[A-Za-z_][\w.]{0,64}?)?"
        r"(?:password|passwd|_pass|pwd|secret|token|api_?key|access_?key|private_?key|account_?key|auth_?key"
        r"|credentials?))(?P<suffix>[\w.]{0,24})[\"']?[ \t]*,?[ \t]*(?:\r?\n[ \t]{0,64}-?[ \t]*)?"
        r"[\"']?value[\"']?[ \t]*[:=][ \t]*(?![>|]-?[ \t]*$)" + _VALUE,
        0.9,
        check="value",
    ),
    ctx(
        "authorization-bearer",
        "http",
        ("-a bearer", "auth-type=bearer", "auth-type bearer"),
        # HTTPie and xh take a bearer token as the "password" of --auth once the auth type is
        # bearer: `http -A bearer -a TOKEN URL` (this rule), or --auth first (the next)
        r"(?<!\S)(?:-A|--auth-type)(?:=|[ \t]+)bearer(?!\S)" + _SAME_COMMAND + r"(?<!\S)"
        r"(?:-a|--auth)(?:=|[ \t]+)" + _VALUE,
        0.9,
        anchored=False,
        check="token",
    ),
    ctx(
        "authorization-bearer",
        "http",
        ("-a bearer", "auth-type=bearer", "auth-type bearer"),
        r"(?<!\S)(?:-a|--auth)(?:=|[ \t]+)"
        + _VALUE
        + r"(?(q)(?P=q))(?="
        + _SAME_COMMAND
        + r"(?<!\S)(?:-A|--auth-type)(?:=|[ \t]+)bearer(?!\S))",
        0.9,
        anchored=False,
        check="token",
    ),
    ctx(
        "api-key-header",
        "http",
        "x-api-key api-key apikey x-auth-token private-token x-access-token subscription-key "
        "x-functions-key",
        # API-key headers: X-Api-Key, GitLab's PRIVATE-TOKEN, Azure's
        # Ocp-Apim-Subscription-Key, Google's X-Goog-Api-Key...
        r"(?i)(?<![\w-])(?:x-(?:goog-)?api-?key|api-?key|x-auth-token|private-token|x-access-token"
        r"|x-api-token|ocp-apim-subscription-key|x-functions-key)" + _HEADER_VALUE_SEP + "[\"']?"
        r"(?P<secret>[A-Za-z0-9._~+/=\-]{8,512})",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "authorization-bearer",
        "http",
        ("bearer",),
        # A bearer token outside an Authorization header: "X-Auth: Bearer ...",
        # AUTH_HEADER="Bearer ...", a log line. The scheme word alone is weaker context than
        # the header: the value must look like a token (long, letters and digits, not a name).
        # Percent-encoded too (Authorization%3A%20Bearer%20...).
        r"(?i)(?:(?<![\w-])|(?<=%20))bearer"
        r"(?:[ \t]+|%20|\+|[ \t]?(?P<cq>['\"])[ \t]*\+[ \t]*(?P=cq))"
        # (a URL or a timestamp after the word is not a token)
        r"(?![a-z][a-z0-9+.\-]{0,16}://|\d{4}-\d\d-\d\d)"
        r"(?P<secret>[A-Za-z0-9\-._~+/:]{16,4096}=*)",
        0.85,
        anchored=False,
        check="token",
    ),
    ctx(
        "authorization-header",
        "http",
        ("authorization",),
        # Any other scheme (Api-Token, SSWS, Splunk, GenieKey, sha256~...) or none at all:
        # "Authorization: <token>". Bearer, token, Basic and Bot have their own rules.
        # AWS's SigV4 scheme is not a token: its Credential= is the public key id and date
        # scope, its Signature= an HMAC of that one request, valid for minutes.
        # (a header list's pair too: ["Authorization", "SSWS ..."])
        r"(?i)(?:authorization|proxy-authorization)(?:[\"']?[ \t]*[:=][ \t]*[\"']?"
        r"|[\"'][ \t]*,[ \t]*[\"'])(?!AWS4-)"
        r"(?:(?!(?:bearer|basic|bot|token)\b)[A-Za-z][\w.-]{1,24}[ \t]+)?"
        r"(?P<secret>[A-Za-z0-9\-._~+/=:@!$%^&*]{12,1024})",
        0.85,
        anchored=False,
        check="token",
    ),
    ctx(
        "kubernetes-secret-data",
        "kubernetes",
        ("kubectl get secret",),
        # one value of a Secret printed by jsonpath, on the line after the command
        r"kubectl[ \t]+get[ \t]+secrets?[ \t][^\n]{0,256}?jsonpath=[\"']?\{\.data\."
        r"(?P<key>[\w.\-\\]{1,253})\}[\"']?[^\n]{0,128}\n"
        r"(?P<secret>[A-Za-z0-9+/]{8,4096}={0,2})[ \t]*(?:\r?\n|\Z)",
        0.9,
    ),
    ctx(
        "url-query-key",
        "url",
        ("key=", "appid="),
        # ?key=... in a URL (Google's and many APIs' query-string key, OpenWeatherMap's
        # appid); api_key=, access_token= and the like are credential assignments.
        # An object key or a path (?key=uploads/2026/a.png) is not: no '/', '.' or '+'.
        r"[?&;](?:key|appid)=(?P<secret>[A-Za-z0-9_\-]{16,512})(?![A-Za-z0-9_\-./+%])",
        0.85,
        anchored=False,
        check="token",
    ),
    ctx(
        "url-query-key",
        "url",
        ("token=", "key=", "password=", "passwd=", "pwd=", "secret=", "auth=", "pass="),
        # A query parameter named for a credential (?access_token=, &api_key=, ?password=,
        # &client_secret=): the value runs to the next '&' or '#', not past it
        # (a key named for what it is, scw_secret_key=, private_key=, signing_key=, too)
        r"(?i)[?&](?P<flag>[\w\-]{0,32}?(?:token|api[_\-]?key|apikey|access[_\-]?key|password"
        r"|passwd|pwd|(?<=[?&_\-])pass|secret|auth|(?:secret|private|signing|master|account"
        r"|client|app)[_\-]?key))=(?P<secret>[^&#\s\"'<>`()\\,;]{1,4096})",
        0.85,
        anchored=False,
        check="value",
    ),
    ctx(
        "api-key-header",
        "http",
        ("-token:", "-key:", "-secret:", '-token":', '-key":', '-secret":', "-token':", "-key':"),
        # Vendors' own headers for a token or a key: X-Auth-Key, X-Shopify-Access-Token,
        # Circle-Token, DD-API-KEY, X-Gitlab-Token, X-Amz-Security-Token. A CSRF token, a
        # WebSocket handshake key or an idempotency key is not a credential (not matched).
        r"(?i)(?<![\w-])(?!(?:x-)?(?:csrf|xsrf)-)[a-z0-9]{1,16}(?:-[a-z0-9]{1,16}){0,3}?"
        r"-(?:token|api-?key|auth-?key|access-?key|secret(?:-key)?)[\"']?[ \t]*:[ \t]*[\"']?"
        r"(?P<secret>[A-Za-z0-9._~+/=\-]{8,4096})",
        0.9,
        anchored=False,
        check="token",
    ),
    ctx(
        "credential-flag",
        "generic",
        (":='\"", ':="\\"'),
        # HTTPie/xh raw JSON fields, whose value is a JSON string inside shell quotes:
        # `http POST url password:='"pw"'`, `token:="\"tok\""`
        r"(?i)(?<![\w-])(?P<flag>[\w\-]{0,32}?(?:password|passwd|pwd|pass|secret|token"
        r"|api[_\-]?key|apikey|access[_\-]?key|auth[_\-]?key|credentials?))"
        r":=(?:'\"|\"\\\")(?P<secret>[^\"'\\\n]{1,4096})\\?\"",
        0.9,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-sensitive-output",
        "generic",
        ('"securestring"',),
        # `aws ssm get-parameter --with-decryption`: a SecureString parameter's value,
        # whatever its name (keys in the CLI's order: Name, Type, Value)
        r'"Type":[ \t]*"SecureString",\s*"Value":[ \t]*"(?P<secret>[^"\\\n]{1,4096})"',
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-announced",
        "generic",
        (
            *("_token '", '_token "', "_key '", '_key "', "_secret '", '_secret "'),
            *("_password '", '_password "'),
        ),
        # A log line naming a credential variable, then its value quoted: `WARN using
        # cloudflare_api_token 'VALUE' from environment`. The name is an identifier with an
        # underscore (a variable, not prose), the value one quoted word.
        # A key named for what it indexes or publishes is not a credential.
        r"(?i)(?<![\w.\-])(?![a-z0-9_]{0,64}?(?:public|hash|checksum|sha\d|md5|csrf|xsrf|primary"
        r"|foreign|sort|partition|cache|idempot|lookup|index|dedup|cursor|page))"
        r"(?P<flag>[a-z][a-z0-9]{0,24}(?:_[a-z0-9]{1,24}){0,5}_(?:token|key"
        r"|secret|password|passwd))[ \t]+(?P<q>['\"])(?!(?:sha\d{0,3}|md5|blake2b?)[:\-])"
        r"(?P<secret>[^'\"\s]{8,4096})(?P=q)",
        0.85,
        anchored=False,
        check="token",
    ),
    ctx(
        "credential-printed",
        "generic",
        (') "',),
        # redis-cli's numbered replies: `CONFIG GET requirepass` (or masterauth, or an
        # HGETALL field named for a credential) prints `1) "requirepass"` then `2) "VALUE"`:
        # the reply after a credential-named one is its value. Anchored on the `) "` of the
        # numbered reply.
        r"(?<=\d)\)[ \t]\"(?P<flag>requirepass|masterauth|[\w.\-:]{0,64}?"
        r"(?i:password|passwd|secret|token|api_?key|auth))(?P<suffix>[\w.\-]{0,24})\"[ \t]*"
        r"\r?\n[ \t]*\d{1,5}\)[ \t]\"(?P<secret>(?:[^\"\\\n]|\\.){1,4096})\"",
        0.85,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        (
            *("vault ", "kubectl", "terraform output", "configure get", "op read", "doppler"),
            *("versions access", "auth token", "auth:token", "get-login-password"),
            *("print-access-token", "print-identity-token", "get-access-token", "unseal_keys_"),
            *("get-secret-value", "pass show", "find-generic-password", "secrets/"),
            *("echo", "printenv", "wg genkey", "private-key"),
            *("get-parameter", "credential show", "secret show", "initial-password"),
            *("print token", "token create", "config:get", ".vault-token", "jq "),
        ),
        # A command that prints one secret, then its output: the next line, one word, is the
        # secret (`$ aws configure get aws_secret_access_key` / `h7Kp...`, `$ vault kv get
        # -field=password kv/db`, `$ kubectl get secret s -o jsonpath=... | base64 -d`,
        # `$ echo $DB_PASSWORD`, `$ cat /run/secrets/db_password`, `$ gh auth token`).
        r"(?:vault[ \t]+(?:kv[ \t]+)?(?:get|read)[ \t][^\n]{0,256}?-field[= ]"
        r"|kubectl[ \t]+(?:(?:-n|--namespace)[ \t=]\S{1,64}[ \t]+)?get[ \t]+secrets?[ \t]"
        r"[^\n]{0,256}?\|[ \t]*base64[ \t]+(?:-d|--decode|-D)"
        # the value alone: ssm's Parameter.Value as text, az's tsv of a secret's value or a
        # registry's password, argocd's first admin password, a new Vault or kubeadm token,
        # heroku's config:get of a credential-named variable
        r"|aws[ \t]+ssm[ \t]+get-parameters?[ \t][^\n]{0,256}?--with-decryption[^\n]{0,256}?"
        r"Parameters?(?:\[\d{0,3}\])?\.Value[^\n]{0,128}?(?:text|tsv)"
        r"|aws[ \t]+ssm[ \t]+get-parameters?[ \t][^\n]{0,256}?Parameters?(?:\[\d{0,3}\])?\.Value"
        r"[^\n]{0,128}?--with-decryption[^\n]{0,128}?(?:text|tsv)"
        r"|az[ \t]+(?:acr[ \t]+credential|keyvault[ \t]+secret)[ \t]+show[ \t][^\n]{0,256}?"
        r"(?:-o|--output)[ \t=]+tsv"
        r"|argocd[ \t]+admin[ \t]+initial-password"
        r"|cat[ \t]+[^\n]{0,256}?\.vault-token"
        # jq picking a credential-named field (or a random_password's result) out of a file
        r"|jq[ \t][^\n]{0,256}?\.(?:\w{0,64}?" + _CRED_NAME + r"\w{0,24}|result)[\"' \t|]"
        r"|vault[ \t]+print[ \t]+token"
        r"|vault[ \t]+token[ \t]+create[ \t][^\n]{0,256}?-field[= ]token"
        r"|kubeadm[ \t]+token[ \t]+create(?:[ \t][^\n]{0,256})?"
        r"|heroku[ \t]+config:get[ \t]+\w{0,64}?" + _CRED_NAME + r"\w{0,24}"
        r"|terraform[ \t]+output[ \t]+(?:-raw[ \t]+)?\w{0,64}?" + _CRED_NAME + r"\w{0,24}"
        r"|aws[ \t]+configure[ \t]+get[ \t]+(?:[\w.]{0,64}\.)?"
        r"(?:aws_secret_access_key|aws_session_token)"
        r"|op[ \t]+read[ \t]|doppler[ \t]+secrets[ \t]+get[ \t][^\n]{0,256}?--plain"
        r"|gcloud[ \t]+secrets[ \t]+versions[ \t]+access[ \t]"
        r"|(?:gh|glab)[ \t]+auth[ \t]+token|heroku[ \t]+auth:token"
        r"|aws[ \t]+ecr(?:-public)?[ \t]+get-login-password"
        r"|vault[ \t]+operator[ \t]+init[ \t][^\n]{0,256}?unseal_keys_(?:b64|hex)"
        r"|gcloud[ \t]+auth[ \t]+(?:application-default[ \t]+)?print-(?:access|identity)-token"
        r"|az[ \t]+account[ \t]+get-access-token[ \t][^\n]{0,256}?(?:-o|--output)[ \t]+tsv"
        # (unless --query picks another field than the secret: VersionId, ARN, Name)
        r"|aws[ \t]+secretsmanager[ \t]+get-secret-value[ \t]"
        r"(?![^\n]{0,256}?--query[ \t=]+['\"]?(?!Secret(?:String|Binary)\b)[A-Za-z])"
        r"[^\n]{0,256}?--output[ \t]+text"
        r"|pass[ \t]+show[ \t]|security[ \t]+find-(?:generic|internet)-password[ \t][^\n]{0,256}?-w"
        r"|cat[ \t]+[^\n]{0,256}?/secrets/[\w.\-]{1,128}"
        # WireGuard: `wg genkey` alone prints a private key (piped to `wg pubkey`, the
        # public one is printed), `wg show IF private-key` prints the interface's
        r"|wg[ \t]+genkey(?=[ \t]*\r?\n)|wg[ \t]+show[ \t]+\S{1,64}[ \t]+private-key"
        r"|(?:echo|printenv)[ \t]+(?:-n[ \t]+)?[\"']?\$?\{?[A-Za-z_]{0,64}?"
        + _CRED_NAME
        + r"(?P<suffix>\w{0,24})\}?"
        r")[^\n]{0,256}\n[ \t]*(?P<q>[\"']?)(?![$<\[({])(?P<secret>[^\s\"']{8,4096})(?P=q)[ \t]*"
        r"(?:\r?\n|\Z)",
        0.85,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("get-secret-value",),
        # `aws secretsmanager get-secret-value --output text` with no --query: one row of
        # ARN, CreatedDate, Name, SecretString, VersionId, tab-separated
        r"get-secret-value[^\n]{0,256}?--output[ \t]+text[^\n]{0,128}\n"
        r"arn:aws[\w\-]{0,16}:secretsmanager:\S{1,512}\t\S{1,64}\t\S{1,512}\t"
        r"(?P<secret>[^\t\n]{1,4096})\t[0-9a-f\-]{36}",
        0.9,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("securestring",),
        # `aws ssm get-parameter --with-decryption --output text`: one row, the value after
        # its type
        r"PARAMETER\tarn:aws[\w\-]{0,16}:ssm:[^\t\n]{1,512}\t[^\t\n]{0,64}\t[^\t\n]{0,64}\t"
        r"[^\t\n]{1,512}\tSecureString\t(?P<secret>[^\t\n]{1,4096})\t\d{1,9}",
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-printed",
        "generic",
        ("kubeadm token list",),
        # kubeadm's token table: every bootstrap token in its first column
        r"kubeadm[ \t]+token[ \t]+list[^\n]{0,256}\n[ \t]*TOKEN[ \t][^\n]{0,512}\n"
        r"(?P<args>(?:[^\n]{0,1024}\n?){1,64})",
        0.95,
        each=re.compile(r"(?m)^[ \t]*(?P<secret>[a-z0-9]{6}\.[a-z0-9]{16})(?![a-z0-9])"),
    ),
    ctx(
        "credential-printed",
        "generic",
        ('" -> "',),
        # a Terraform plan's change of a credential-named value: the new one after ->
        r"(?i)[\w\"]{0,64}?" + _CRED_NAME + r"[\w\"]{0,24}[ \t]*=[ \t]*\"[^\"\n]{0,4096}\"[ \t]*->"
        r"[ \t]*\"(?P<secret>[^\"\n]{6,4096})\"",
        0.85,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ('"unseal_keys_b64"', '"unseal_keys_hex"', '"recovery_keys_b64"', '"recovery_keys_hex"'),
        # `vault operator init -format=json`: every unseal (or recovery) key of the list
        r'"(?:unseal|recovery)_keys_(?:b64|hex)"[ \t]*:[ \t]*\[(?P<args>[^\]]{1,8192})\]',
        0.95,
        each=re.compile(r'"(?P<secret>[A-Za-z0-9+/=]{16,256})"'),
    ),
    ctx(
        "credential-printed",
        "generic",
        ('"random_password"',),
        # Terraform state and `terraform show -json`: a random_password's result, in clear
        r'"random_password"[^{}]{0,1024}?"values"[ \t]*:[ \t]*\{[^{}]{0,2048}?'
        r'"result"[ \t]*:[ \t]*"(?P<secret>(?:[^"\\\n]|\\.){6,4096})"',
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-printed",
        "generic",
        ('"concealed"',),
        # 1Password's `op item get --format json`: a concealed field's value
        r'"type"[ \t]*:[ \t]*"CONCEALED"[^{}]{0,512}?"value"[ \t]*:[ \t]*'
        r'"(?P<secret>(?:[^"\\\n]|\\.){6,4096})"',
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-printed",
        "generic",
        ('"payload"',),
        # Secret Manager's AccessSecretVersion response (gcloud ... --format=json, the REST
        # API): the payload's data is the secret, base64-encoded
        r'"payload"[ \t]*:[ \t]*\{[ \t\r\n]*"data"[ \t]*:[ \t]*'
        r'"(?P<secret>[A-Za-z0-9+/_\-]{8,65536}={0,2})"',
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-printed",
        "generic",
        ("$env:",),
        # PowerShell prints a variable given alone as a command (`PS C:\\> $env:PLAID_SECRET`,
        # `Write-Output $env:X`): the next line is its value
        r"(?i)(?:(?<=[>$#][ \t])|(?<=^)|(?<=\n)|(?:write-(?:output|host)|echo)[ \t]+)"
        r"\$env:(?P<flag>[A-Za-z_]{0,64}?" + _CRED_NAME + r")(?P<suffix>\w{0,24})[ \t]*\r?\n"
        r"[ \t]*(?P<q>[\"']?)(?P<secret>[^\s\"']{8,4096})(?P=q)[ \t]*(?:\r?\n|\Z)",
        0.85,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("rediscli_auth",),
        # redis-cli reads its password from REDISCLI_AUTH (what -a would have been given)
        r"(?i)(?<![\w-])REDISCLI_AUTH[\"']?[ \t]*[=:][ \t]*" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("cat ", "head ", "tail ", "less ", "bat ", "type ", "get-content "),
        # A file whose name says it holds a credential (dd_api_key, netlify_auth_token,
        # django_secret_key, privatekey, github.pat), printed whole: its one line is the
        # secret. A file without a trailing newline has the shell's next prompt glued after
        # the value (`f8270...5888etl@runner:~$ `): the finding runs on into it. A public
        # key or a certificate is not a secret; a file of many lines is data, not one key;
        # a name ending in _hash, _name, _path, _id... (the engine's suffix check, the file's
        # extension aside) is about the credential, not it. Windows' `type` and PowerShell's
        # `Get-Content` print a file the same way, its prompt (`PS C:\>`) glued after too.
        r"(?<![\w-])(?:cat|head|tail|less|bat|type|(?i:get-content))[ \t]+"
        r"(?:-[\w\-]{1,16}[ \t]+){0,3}"
        r"[^\s|;&<>'\"]{0,256}?(?<![^/\\\s~'\"])(?![\w.\-]{0,64}(?i:pub|\.crt|\.cer))"
        # (a credential word ends a word of the name: not keycloak, tokenizer, secretary)
        r"(?P<flag>[\w.\-]{0,64}?(?i:keys?(?![a-z])|tokens?(?![a-z])|secrets?(?![a-z])"
        r"|passw|pwd|credential|private"
        r"|(?<![a-z])pat(?![a-z]))[\w\-]{0,64})(?:\.[\w\-]{1,16}){0,2}[ \t]*\r?\n"
        r"[ \t]*(?P<secret>[^\s\"']{16,4096})[ \t]*"
        r"(?:(?:\r?\n)?\Z|\r?\n(?=[$#>%]|[\w.\-]{1,64}@[\w.\-]{1,64}[:\s]|PS[ \t]|[A-Za-z]:\\)"
        r"|(?=PS [A-Za-z]:\\[^\n]{0,256}>[ \t]*(?:\r?\n|\Z)))",
        0.85,
        check="generated",
    ),
    ctx(
        "wireguard-private-key",
        "wireguard",
        ("privatekey", "presharedkey"),
        # a WireGuard config's [Interface] PrivateKey and a [Peer]'s PresharedKey (symmetric,
        # as secret): 32 bytes in base64 (44 characters, the last before "=" one of 16);
        # a PublicKey is published
        r"(?i)(?:Private|Preshared)Key[ \t]*=[ \t]*(?P<secret>[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)"
        r"(?![A-Za-z0-9+/=])",
        0.95,
        check="random",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("keyvault secret show",),
        # az keyvault secret show: the JSON's "value" is the secret
        r"keyvault[ \t]+secret[ \t]+show[^\n]{0,256}\n(?:[^\n]{0,256}\n){0,24}?[ \t]*"
        r"\"value\":[ \t]*\"(?P<secret>[^\"\\\n]{1,4096})\"",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("key ", "value\n----", "value\r\n----"),
        # `vault kv get` / `vault read` tables (Key / Value columns), PowerShell's
        # Format-Table of environment variables (Name / Value): a row whose key is a
        # credential's name
        r"(?m)^(?:Key|Name)[ \t]{2,}Value[ \t]*\r?\n(?:-{3,4}[ \t]+-{5}[ \t]*\r?\n)?"
        r"(?P<args>(?:[^\n]{1,4096}\n){0,63}[^\n]{0,4096})",
        0.9,
        anchored=False,
        each=re.compile(
            r"(?im)^(?P<flag>[\w.\-]{0,64}?" + _CRED_NAME + r"[\w.\-]{0,24})[ \t]{2,}"
            r"(?P<secret>\S{1,4096})[ \t]*$"
        ),
        check="value",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("sqlplus",),
        # Oracle's user/password@database connect string
        r"sqlplus[ \t]+(?:-[sSlL][ \t]+)?[A-Za-z0-9_$#]{1,64}/(?P<secret>[^\s@/'\"]{1,256})@",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-sql",
        "generic",
        ("identified by", "with password", "with encrypted password"),
        # A password in SQL: CREATE/ALTER USER ... IDENTIFIED BY 'pw', ... WITH PASSWORD 'pw'
        # (the quotes possibly escaped inside a shell string)
        r"(?i)(?:identified[ \t]+by|with[ \t]+(?:encrypted[ \t]+)?password)[ \t]+\\?(?P<q>['\"])"
        r"(?P<secret>[^'\"\\\n]{1,256})\\?(?P=q)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-sql",
        "generic",
        ("password '", 'password "'),
        # CREATE/ALTER USER|ROLE name [WITH] options PASSWORD 'pw' (PostgreSQL's LOGIN,
        # CREATEDB, CONNECTION LIMIT n... before it; Redshift's and Snowflake's plain form)
        r"(?i)(?:create|alter)[ \t]+(?:user|role|group)[ \t]+[^\s;]{1,128}[ \t]+(?:with[ \t]+)?"
        r"(?:(?:no)?(?:login|superuser|createdb|createrole|inherit|replication|bypassrls)"
        r"[ \t]+|connection[ \t]+limit[ \t]+-?\d{1,9}[ \t]+)*(?:encrypted[ \t]+)?password[ \t]+"
        r"\\?(?P<q>['\"])(?P<secret>[^'\"\\\n]{1,256})\\?(?P=q)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-sql",
        "generic",
        ("_pass'", "password'", "passwd'", "secret'", "token'", "api_key'", "apikey'"),
        # a key-value table's row in a dump: (id,'name','value',...) with a credential's
        # name (WordPress' wp_options ('mailserver_pass','pw'), settings tables)
        r"(?i)\([ \t]*\d{1,12}[ \t]*,[ \t]*'[\w.\-]{0,64}?(?:_pass|password|passwd|secret|token"
        r"|api_?key)'[ \t]*,[ \t]*'(?P<secret>[^'\\\n]{1,256})'",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-directive",
        "generic",
        ("requirepass", "masterauth"),
        # redis.conf's password directives (and `CONFIG SET requirepass pw`)
        r"(?i)(?<![\w-])(?:requirepass|masterauth)[ \t]+(?!-)" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "dsn-password",
        "generic",
        ("@tcp(", "@tcp6(", "@unix(", "@udp("),
        # Go's MySQL driver DSN: user:password@tcp(host:port)/db (no scheme, so not a URL)
        r"(?<![\w.\-:/@])[\w.\-]{1,64}:(?P<secret>[^\s@:/\"'`]{1,256})@(?:tcp6?|unix|udp)\(",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-sensitive-output",
        "generic",
        ('"securestring"',),
        # an SSM SecureString parameter's value as a state file or `aws ssm get-parameter
        # --with-decryption` shows it ("type": "SecureString", then "value")
        # (a URL's password is the URL rule's to judge)
        r'(?i)"type":[ \t]*"SecureString",[ \t]*\r?\n?[^\n"]{0,64}"value":[ \t]*'
        r'"(?![a-z][\w+.\-]{0,32}://)(?P<secret>[^"\\\n]{1,4096})"',
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-env",
        "generic",
        ("environ.get(", "getenv(", "env.fetch(", "env("),
        # a literal default for a credential-named environment lookup: os.environ.get("X",
        # "..."), os.getenv, Ruby's ENV.fetch("X", "..."), django-environ's env("X",
        # default="..."): the fallback is the secret wherever the variable is unset
        r"(?:environ\.get|getenv|ENV\.fetch|(?<![\w.])env)\([ \t]*(?P<nq>['\"])"
        r"(?P<flag>[\w.\-]{0,64}?(?:" + _CRED_NAME + r"|(?i:(?:app|api|admin|master|license"
        r"|signing|encryption)_?key)))(?P<suffix>\w{0,24})(?P=nq)[ \t]*,[ \t]*"
        r"(?:default[ \t]*=[ \t]*)?(?P<q>['\"])(?P<secret>[^'\"\\\n]{1,4096})(?P=q)",
        0.85,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-env",
        "generic",
        ("process.env",),
        # ... and JavaScript's process.env.X || "..." / process.env["X"] ?? "..."
        r"process\.env(?:\.|\[[ \t]*['\"])(?P<flag>[\w]{0,64}?(?:" + _CRED_NAME + r"|(?i:(?:app"
        r"|api|admin|master|license|signing|encryption)_?key)))(?P<suffix>\w{0,24})"
        r"(?:['\"][ \t]*\])?[ \t]*(?:\|\||\?\?)[ \t]*(?P<q>['\"`])(?P<secret>[^'\"`\\\n]{1,4096})"
        r"(?P=q)",
        0.85,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-xml",
        "generic",
        ("<password>", "<passwd>", "<secret>", "<apikey>", "<api-key>", "<api_key>", "<token>"),
        # XML elements named for a credential: <password>pw</password> (Maven settings,
        # Tomcat users, FileZilla, .NET configs)
        r"(?i)<(?P<tag>password|passwd|secret|api[_\-]?key|token)>(?P<secret>[^<\s]{1,256})</",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-env",
        "generic",
        ("env ", "setx "),
        # Dockerfile's `ENV NAME value` and Windows `setx NAME value`, NAME a credential name
        r"(?:(?<![\w-])ENV|(?i:setx))[ \t]+[A-Za-z_]{0,64}?(?i:PASSWORD|PASSWD|_PASS|SECRET|TOKEN"
        r"|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)[A-Za-z0-9_]{0,12}[ \t]+(?!-)" + _VALUE,
        0.85,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-env",
        "generic",
        ("set ",),
        # fish's `set -x NAME VALUE` (-g, -gx, -U, --export, --global...; or plain `set NAME
        # VALUE`), NAME a credential name. Query and erase flags (-q, -e, -n) take no value.
        r"(?<![\w\-.])set(?:[ \t]+(?:-[gxUluf]{1,4}|--(?:export|global|universal|local"
        r"|function)))*[ \t]+(?P<flag>[A-Za-z_]{0,64}?(?i:PASSWORD|PASSWD|_PASS|SECRET|TOKEN"
        r"|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY))(?P<suffix>[A-Za-z0-9_]{0,12})[ \t]+"
        # (an option word is the next option, not the value: `gh secret set NAME --body X`)
        r"(?!-)" + _VALUE,
        0.85,
        check="value",
    ),
    ctx(
        "twitter-credential",
        "twitter",
        "twitter",
        # Named for Twitter/X: consumer (API) keys (25) and secrets (50), access tokens
        # (<user id>-<20..50>) and their secrets (45)
        # and bearer tokens with %-escapes; the value within 40 characters of the word
        r"(?i)twitter[^\n]{0,40}?(?<![A-Za-z0-9%\-])"
        r"(?P<secret>\d{15,25}-[A-Za-z0-9]{20,50}|[A-Za-z0-9]{20,60}(?:%[A-Za-z0-9]{3,60}){1,4}"
        r"[A-Za-z0-9]{0,60}|[A-Za-z0-9]{25,50})(?![A-Za-z0-9%])",
        0.9,
        anchored=False,
        check="token",
    ),
    ctx(
        "twitter-credential",
        "twitter",
        ("consumer-secret", "consumer_secret"),
        # OAuth 1 consumer secrets as options or keys (twurl --consumer-secret S,
        # "consumer_secret": "S"); the consumer key alone is an id and needs "twitter"
        r"(?i)consumer[_\-]secret[\"']?(?:[ \t]*[=:][ \t]*|[ \t]+)[\"']?"
        r"(?P<secret>[A-Za-z0-9]{35,50})(?![A-Za-z0-9])",
        0.9,
        check="token",
    ),
    ctx(
        "credential-define",
        "generic",
        ("define(",),
        # PHP constants: define('DB_PASSWORD', '...'), WordPress' AUTH_KEY / *_SALT
        r"define\([ \t]*(?P<nq>['\"])(?P<name>[A-Z0-9_]{0,40}?(?:PASSWORD|PASSWD|_PASS|SECRET"
        r"|TOKEN|KEY|SALT)[A-Z0-9_]{0,20})(?P=nq)[ \t]*,[ \t]*(?P<q>['\"])"
        r"(?P<secret>[^'\"\n]{1,256})(?P=q)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-define",
        "generic",
        ("setenvironmentvariable(", "setproperty("),
        # .NET's SetEnvironmentVariable("API_KEY", "..."), Java's System.setProperty(
        # "javax.net.ssl.keyStorePassword", "..."): a name ending in a credential word
        r"(?i)(?:SetEnvironmentVariable|setProperty)\([ \t]*\"(?P<name>[\w.\-]{0,60}?"
        r"(?:password|passwd|pass|pwd|secret|token|api[_\-]?key|access[_\-]?key))\"[ \t]*,[ \t]*"
        r"\"(?P<secret>[^\"\n]{1,4096})\"",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "cookie-session",
        "http",
        "cookie",
        # Cookie / Set-Cookie headers and curl's --cookie NAME=VALUE: the value of a session
        # or auth cookie (PHPSESSID, JSESSIONID, connect.sid, session, user_session, ...)
        r"(?i)(?:(?<![\w-])(?:set-)?cookie[\"']?[ \t]*:[ \t]*[\"']?|(?<!\S)--cookie(?:=|[ \t]+))"
        r"(?P<args>[^\n\"'`]{1,4096})",
        0.85,
        anchored=False,
        each=_COOKIE,
        check="cookie",
    ),
    ctx(
        "cookie-session",
        "http",
        ("cookies",),
        # a framework's cookies as a dict or an object (Django's request.COOKIES = {...},
        # Express's req.cookies, a JSON log's "cookies": {...}): the same session and auth
        # cookies as in a Cookie header
        r"(?i)cookies[\"']?[ \t]*[:=][ \t]*\{(?P<args>[^}\n]{1,4096})",
        0.85,
        anchored=False,
        each=_COOKIE_ENTRY,
        check="cookie",
    ),
    ctx(
        "cookie-session",
        "http",
        ("curl",),
        # curl -b 'NAME=VALUE' (a -b without '=' names a cookie file)
        r"curl\s" + _SAME_COMMAND + r"(?<!\S)-b[ \t]*(?P<args>['\"]?[^\s\"'`]{1,4096})",
        0.85,
        anchored=False,
        each=_COOKIE,
        check="cookie",
    ),
    ctx(
        "vault-token",
        "hashicorp",
        ("vault login", "x-vault-token"),
        # `vault login TOKEN`, the X-Vault-Token header: legacy s.<24> tokens too
        r"(?i)(?:vault[ \t]+login(?:[ \t]+-[\w\-]{1,32}(?:=\S{0,64})?){0,4}[ \t]+"
        r"|x-vault-token[\"']?[ \t]*:[ \t]*[\"']?)(?P<secret>(?:hv[sb]|[sb])\.[\w\-.]{20,1024})",
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-flag",
        "generic",
        ("convertto-securestring", "net user", "az login", "> auth "),
        # PowerShell's ConvertTo-SecureString 'pw' -AsPlainText, Windows `net user NAME pw`,
        # `az login --service-principal -u ID -p SECRET`, redis-cli's `> AUTH [user] pw`
        r"(?:(?i:convertto-securestring[ \t]+(?:-String[ \t]+)?(?=['\"])"
        r"|net[ \t]+user[ \t]+[^\s/]{1,64}[ \t]+(?!/)"
        r"|az[ \t]+login\s" + _SAME_COMMAND + r"(?<!\S)-p[ \t]+)"
        r"|(?<=> )AUTH[ \t]+(?:[^\s'\"]{1,64}[ \t]+(?=\S))?(?=[^\s]{1,256}[ \t]*(?:\n|\Z)))"
        + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "generic",
        ("mc alias set", "mc config host add"),
        # MinIO's client: mc alias set NAME URL ACCESS_KEY SECRET_KEY
        r"mc[ \t]+(?:alias[ \t]+set|config[ \t]+host[ \t]+add)[ \t]+\S{1,64}[ \t]+\S{1,512}"
        r"[ \t]+\S{1,128}[ \t]+" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-sensitive-output",
        "generic",
        ('"sensitive": true',),
        # `terraform output -json`: a sensitive output's value (keys are sorted)
        r'"sensitive":[ \t]*true,\s*"type":[ \t]*"[^"\n]{1,64}",\s*"value":[ \t]*'
        r'"(?P<secret>[^"\\\n]{1,4096})"',
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "secrets-set",
        "generic",
        (
            "keyvault secret set",
            "put-parameter",
            "create-secret",
            "put-secret-value",
            "update-secret",
            "encrypt_string",
        ),
        # A value handed to a secret store: az keyvault secret set --value V, aws ssm
        # put-parameter --value V, aws secretsmanager ... --secret-string V, and the
        # plaintext that ansible-vault encrypt_string is given
        r"(?:(?:keyvault[ \t]+secret[ \t]+set|ssm[ \t]+put-parameter|secretsmanager[ \t]+"
        r"(?:create-secret|put-secret-value|update-secret))\s"
        + _SAME_COMMAND
        + r"(?<!\S)--(?:value|secret-string)(?:=|[ \t]+)"
        r"|ansible-vault[ \t]+encrypt_string[ \t]+(?:--?(?:vault-id|vault-password-file"
        r"|encrypt-vault-id|output)(?:=|[ \t]+)\S{1,256}[ \t]+){0,4})(?!-)" + _VALUE,
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-announced",
        "generic",
        (" is:", " is ", " was:"),
        # A program announcing a new credential: "Your new API key is: ...", "Your password
        # is ...", "The access token was: ..."
        r"(?i)(?:api[ _\-]?key|access[ _\-]?token|token|secret(?:[ _\-]?key)?|password)"
        r"[ \t]+(?:is|was)[ \t]*:?[ \t]+" + _VALUE,
        0.85,
        anchored=False,
        check="announced",
    ),
    ctx(
        "credential-userpass",
        "generic",
        ("auth=(", "auth = (", "basicauth("),
        # Basic auth in code: requests/httpx auth=("user", "pw"), HTTPBasicAuth("user", "pw"),
        # aiohttp.BasicAuth("user", "pw"): a quoted user, then the quoted password
        r"(?:(?<![\w.])auth[ \t]*=[ \t]*\(|BasicAuth\()[ \t]*(?P<uq>['\"])[^'\"\n]{1,128}(?P=uq)"
        r"[ \t]*,[ \t]*(?P<q>['\"])(?P<secret>[^'\"\n]{1,256})(?P=q)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-pgpass",
        "generic",
        (".pgpass",),
        # a libpq password file line, host:port:database:user:password, written to ~/.pgpass
        r"(?<![\w.:*\-])[\w.\-*]{1,253}:(?:\d{1,5}|\*):[^\s:]{1,64}:[^\s:]{1,64}:"
        r"(?P<secret>[^\s:'\"]{1,256})(?=['\"]?[^\n]{0,128}\.pgpass)",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-pgpass",
        "generic",
        (".pgpass", "pgpass.conf", "pgpassfile"),
        # a libpq password file printed whole (`cat ~/.pgpass`, `type %APPDATA%\\postgresql\\
        # pgpass.conf`): the fifth field of each line, the rest of the line after four
        r"(?<![\w-])(?:cat|head|tail|less|more|bat|type|(?i:get-content))[ \t]+[^\n|;&]{0,256}?"
        r"(?i:pgpass(?:\.conf)?|\$PGPASSFILE)[ \t]*\r?\n"
        r"(?P<args>(?:[^\n]{0,1024}\n){0,63}[^\n]{0,1024})",
        0.9,
        anchored=False,
        each=re.compile(
            r"(?m)^[\w.\-*:\[\]]{1,253}:(?:\d{1,5}|\*):[^\s:]{1,64}:[^\s:]{1,64}:"
            r"(?P<secret>[^\s'\"]{1,256})[ \t]*\r?$"
        ),
        check="password",
    ),
    ctx(
        "npmrc-auth",
        "npm",
        (":_auth=", "_auth=", "_auth ="),
        # .npmrc's legacy _auth: the base64 of user:password, scoped to a registry
        # (//host/:_auth=) or global (a line of its own)
        r"(?:(?<=:)|(?<!\S))_auth[ \t]*=[ \t]*[\"']?(?P<secret>[A-Za-z0-9+/]{8,1024}={0,2})"
        r"(?![A-Za-z0-9+/=])",
        0.9,
        anchored=False,
    ),
    ctx(
        "ethereum-private-key",
        "ethereum",
        ("private-key", "private_key", "privatekey", "--pk"),
        # An Ethereum account's private key, 32 bytes in hex with or without 0x: Foundry's
        # and cast's --private-key, ethers' and Hardhat's PRIVATE_KEY (the option elsewhere
        # names a file: a path is not 64 hex characters)
        r"(?i)(?<![\w-])(?:--private-keys?|--privatekey|--pk|[\w.]{0,32}private[_\-]?key)[\"']?"
        r"(?:[ \t]*[=:][ \t]*|[ \t]+)[\"']?(?P<secret>(?:0x)?[0-9a-fA-F]{64})(?![0-9A-Za-z])",
        0.9,
        anchored=False,
        check="random-hex",
    ),
    ctx(
        "bip39-mnemonic",
        "bip39",
        (
            "mnemonic",
            "seed phrase",
            "seed_phrase",
            "seed-phrase",
            "seedphrase",
            "recovery phrase",
            "recovery_phrase",
            "phrase:",
            "seed_words",
            "wallet_seed",
        ),
        # A wallet's recovery phrase under a name that says so (MNEMONIC=, --mnemonic,
        # "seedPhrase":, `cast wallet new-mnemonic`'s `Phrase:` line): 12 to 24 words of
        # three to eight lower-case letters, as every word of the BIP-39 lists is. Prose has
        # shorter words (a, of, to) and capitals; the name and the count rule out the rest.
        r"(?i:mnemonic|seed[ _\-]?(?:phrase|words)|wallet[_\-]seed|recovery[ _\-]?phrase"
        r"|(?<![\w-])phrase)[\w\-]{0,24}"
        r"[\"']?(?:[ \t]*[:=][ \t]*|[ \t]+)(?:\r?\n[ \t]*)?[\"']?"
        r"(?P<secret>[a-z]{3,8}(?:[ \t]+[a-z]{3,8}){11,23})(?![ \t]*[a-z])(?![\w-])",
        0.9,
        anchored=False,
        check="mnemonic",
    ),
    ctx(
        "putty-private-key",
        "putty",
        ("putty-user-key-file-",),
        # A PuTTY key file (.ppk, version 2 or 3): the Private-Lines are the private key,
        # in clear when Encryption is none and encrypted with a passphrase otherwise. An
        # encrypted one is reported too, as an encrypted PEM key is: a passphrase can be
        # guessed offline, and the file is the key as far as its holder is concerned.
        r"PuTTY-User-Key-File-\d:[^\n]{0,128}\n(?:[^\n]{0,1024}\n){0,64}?"
        r"Private-Lines:[ \t]*\d{1,4}\r?\n"
        r"(?P<secret>[A-Za-z0-9+/=]{4,1024}(?:\r?\n[A-Za-z0-9+/=]{4,1024}){0,255})",
        0.99,
    ),
    ctx(
        "credential-printed",
        "generic",
        ("value :",),
        # PowerShell's Format-List of an environment variable or a setting (`Get-ChildItem
        # Env:X | Format-List`): a Name line whose value is a credential's name, then the
        # Value line. A value wider than the console goes on in lines indented to the value
        # column (8 spaces after `Value : `): they are more of it.
        r"(?im)^Name[ \t]*:[ \t]*(?P<flag>[\w.\-]{0,64}?" + _CRED_NAME + r"[\w.\-]{0,24})"
        r"[ \t]*\r?\nValue[ \t]*:[ \t]*(?P<secret>\S{1,4096}(?:\r?\n {8}\S{1,4096}){0,32})"
        r"[ \t]*\r?$",
        0.9,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-urlencoded",
        "generic",
        (
            *("password%3", "passwd%3", "secret%3", "token%3", "api_key%3", "apikey%3"),
            *("api-key%3", "access_key%3", "password%22", "secret%22", "token%22", "key%22"),
        ),
        # A credential assignment percent-encoded in a URL or a form body: password%3D…,
        # %22api_key%22%3A%22…%22, access_token%3D… inside an encoded redirect URL
        r"(?i)(?:password|passwd|secret|token|api[_\-]?key|access[_\-]?key)(?:%22)?"
        r"(?:%3D|%3A)(?:%20)*(?:%22)?"
        r"(?P<secret>(?:[A-Za-z0-9._~\-]|%(?!22|26|2C|7D|3D)[0-9A-Fa-f]{2}){6,4096})",
        0.85,
        anchored=False,
        check="token",
    ),
    ctx(
        "twilio-auth-token",
        "twilio",
        "twilio",
        # 32 hex characters after the account SID (-u AC...:token) or named as the auth token.
        r"(?:AC[0-9a-f]{32}:|(?i:auth[_\-]?token)[\"']?\s*[=:]\s*[\"']?)"
        r"(?P<secret>[0-9a-f]{32})(?![0-9A-Za-z])",
        0.95,
        anchored=False,
    ),
    ctx(
        "twilio-auth-token",
        "twilio",
        "",
        # The account SID, then the auth token as the next argument or after a colon, with
        # no "twilio" nearby: Client("AC...", "token"), -u AC...:token, "AC...:token".
        r"AC[0-9a-f]{32}[\"']?(?:[ \t]*,[ \t]*[\"']?|:)(?P<secret>[0-9a-f]{32})(?![0-9A-Za-z])",
        0.9,
        anchored=False,
        needle=r"AC[0-9a-f]{32}",
    ),
    ctx(
        "twilio-auth-token",
        "twilio",
        "",
        # An API key's secret after its SID (SK...), as the next argument or after a colon:
        # Client("SK...", "secret", "AC..."), -u SK...:secret
        r"SK[0-9a-fA-F]{32}[\"']?(?:[ \t]*,[ \t]*[\"']?|:)(?P<secret>[A-Za-z0-9]{32})"
        r"(?![0-9A-Za-z])",
        0.9,
        anchored=False,
        needle=r"SK[0-9a-fA-F]{32}",
        check="random",
    ),
    ctx(
        "twilio-auth-token",
        "twilio",
        ("twilio(", "client("),
        # Twilio's client built in code from a variable holding the SID and the token as a
        # literal: Client(account_sid, "token"), new Twilio(sid, 'token')
        r"(?:Twilio|Client)\([^()\n]{1,80}?,[ \t]*[\"'](?P<secret>[0-9a-f]{32})[\"']",
        0.9,
        anchored=False,
    ),
    ctx(
        "credential-env",
        "generic",
        ("variable",),
        # A Terraform variable named for a credential, with a literal default:
        # variable "secret_key" { default = "..." }
        r"(?i)variable[ \t]+\"(?P<flag>[\w\-]{0,64}?(?:password|passwd|_pass|pwd|secret|token"
        r"|api_?key|access_?key|private_?key|account_?key|auth_?key|credentials?))"
        r"(?P<suffix>[\w]{0,24})\"[ \t]*\{[^{}]{0,256}?(?<![\w])default[ \t]*=[ \t]*"
        r"\"(?P<secret>[^\"\n]{1,4096})\"",
        0.9,
        anchored=False,
        check="value",
    ),
    ctx(
        "credential-stdin",
        "generic",
        ("expect",),
        # An expect script answering a password prompt: expect "password:"; send "pw\r"
        r"(?i)expect[ \t]+(?:-\w{1,8}[ \t]+)?[\"{][^\"}\n]{0,40}?(?:pass(?:word|phrase)?|pin)"
        r"[^\"}\n]{0,20}[\"}][^\n]{0,64}?(?:\r?\n[ \t]*)?(?:[;{][ \t]*)?send[ \t]+(?:--[ \t]+)?"
        # (a Tcl variable or command, $env(PW) or [exec ...], is not the password)
        r"\"(?![$\[])(?P<secret>[^\"\\\n]{1,256})(?:\\[rn])\"",
        0.9,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-printed",
        "generic",
        ("environ[", "environ.get(", "getenv("),
        # A REPL echoing an environment lookup: IPython's `In [4]: os.environ["X_TOKEN"]` then
        # `Out[4]: 'value'`, Python's `>>> os.getenv("X_TOKEN")` then `'value'`
        r"(?:environ\[|environ\.get\(|getenv\()[ \t]*(?P<nq>['\"])(?P<flag>[\w.\-]{0,64}?(?:"
        + _CRED_NAME
        + r"|(?i:(?:app|api|admin|master|license|signing|encryption)_?key)))(?P<suffix>\w{0,24})"
        r"(?P=nq)[ \t]*[\])][ \t]*\r?\n(?:[ \t]*\r?\n)?(?:Out\[\d{1,6}\]:[ \t]*)?"
        r"(?P<q>['\"])(?P<secret>[^'\"\\\s]{8,4096})(?P=q)[ \t]*(?:\r?\n|\Z)",
        0.85,
        anchored=False,
        check="password",
    ),
    ctx(
        "credential-flag",
        "hashicorp",
        ("operator unseal",),
        # `vault operator unseal KEY`: a key share (base64, or hex with -format)
        r"vault[ \t]+operator[ \t]+unseal[ \t]+(?:-[\w\-]{1,32}(?:=\S{0,64})?[ \t]+){0,4}"
        r"(?P<q>['\"])?(?P<secret>[A-Za-z0-9+/]{20,256}={0,2})(?![\w+/=])",
        0.9,
        anchored=False,
        check="random",
    ),
    ctx(
        "credential-printed",
        "hashicorp",
        ("unseal key ",),
        # `vault operator init`'s text output: `Unseal Key 1: <base64>`
        r"Unseal Key \d{1,2}:[ \t]*(?P<secret>[A-Za-z0-9+/]{20,256}={0,2})(?![\w+/=])",
        0.9,
        anchored=False,
    ),
)
