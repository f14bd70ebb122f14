"""blind13: an independent, labelled secret-scanner corpus built from REAL public text.

Theme. The issue asks for "a negatives set from real public logs, lockfiles and configs". Every
case here is a verbatim excerpt (a few lines to ~40 lines, or 400-1500 characters of minified
JavaScript) of a file in a public GitHub repository, taken from the stored snapshots that the
search tool's ``fetch`` brought onto the machine (read with ``git show HEAD:path``). Each case's
``source`` names ``owner/repo:path#Lstart-Lend``; ``git log`` cases name the repository and the
exact ``git log`` command run on its snapshot. The corpus was written without reading execgate's
scanner, its rules, its tests or its other corpora; the scanner was run once, after the corpus
was finished, to score it.

Sources (about 100 repositories): lockfiles (package-lock.json, yarn.lock berry checksums,
pnpm-lock.yaml, poetry.lock, uv.lock, Cargo.lock, go.sum, Gemfile.lock, composer.lock,
Pipfile.lock, flake.lock, .terraform.lock.hcl, Chart.lock, mix/conan/Podfile/nuget locks);
GitHub Actions workflows (``${{ secrets.X }}``, SHA-pinned actions); docker-compose files
(docker/awesome-compose and self-hosting projects); Kubernetes manifests and Helm templates,
including Secrets that hold placeholder data; Helm values; Terraform modules, example tfstate
and terragrunt fixtures; .env.example / .env.sample files; nginx, Apache, Caddy and Traefik
configs; Ansible playbooks and group_vars; SOPS-encrypted files, Ansible Vault blobs and age
armored files; minified JavaScript; OpenAPI specs; Dockerfiles and entrypoints; Makefiles,
pyproject/setup.cfg, goreleaser, renovate and pre-commit configs; source files that handle
credentials (values read from the environment or from config objects); AWS CLI, boto3, docker
and requests documentation; pytest/pip/npm output from their docs and snapshot tests; stack
traces; kubeconfig test data; certificates and public keys; ``git log`` output; and the
NEGATIVE fixtures of other secret scanners (gitleaks ``fps`` lists, secretlint ``ok.*`` inputs,
ripsecrets ``test/none``, whispers ``compliant:`` sections, detect-secrets and pre-commit-hooks
"no secret" files).

Labelling decisions.
* A negative holds no live-looking credential: placeholders (``changethis``, ``<mypassword>``,
  ``xxx``, ``${VAR}``, ``${{ secrets.X }}``), values equal to the service or user name in demo
  compose files (``POSTGRES_PASSWORD=nextcloud``, ``minioadmin``), vendor documentation example
  keys (``AKIAIOSFODNN7EXAMPLE``, ``wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY``, the published
  Azurite emulator key), masked values, hashes and integrity strings, ids and UUIDs, encrypted
  blobs, public keys and certificates are negatives.
* Excerpts whose real text contained something indistinguishable from a live credential were
  left out (committed test keys in docs, Ceph/Azure example keys, an SA token, a 64-hex test
  SECRET_KEY, scanner fixtures whose "negative" still carries a live-looking body), except two
  committed Laravel APP_KEYs in snipe-it's .env.testing.example and .env.dusk.example, which are
  kept as positives with their real value (format ``laravel_app_key``, not inserted).
* Positives (about a quarter of the cases): a real excerpt where a credential sits (an
  ``${{ secrets.X }}`` expression, an empty or placeholder .env value, a compose environment
  entry, a Kubernetes Secret field, a connection string's password, a docs placeholder such as
  ``sk_test_...`` or ``xoxb-<your-bot-token>``), with that one value replaced by a seeded random
  value in the credential's real format; their ``source`` ends in "(value inserted)". GitHub
  ``ghp_``/``ghs_`` tokens carry the CRC32 base62 checksum; other formats follow the public
  gitleaks/trufflehog patterns (prefixes, lengths, alphabets). The format names the value kind
  (``generic_password``/``generic_secret``/``generic_api_token`` where the slot has no vendor
  format). ``secret`` is exactly the inserted value (for ``password_in_url`` the password part;
  for PEM keys the whole block).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
import sys
from pathlib import Path

from _blind import run

OUT = Path(__file__).resolve().parent.parent / "tests" / "blind13_corpus.json"
SEED = 13_2024
MARK = "@@S@@"

B62 = string.digits + string.ascii_uppercase + string.ascii_letters[:26]
URLSAFE = B62 + "-_"
HEX = "0123456789abcdef"


def _rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _base62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out or "0"


def _gh(rng: random.Random, prefix: str) -> str:
    body = _rs(rng, B62, 30)
    return prefix + body + _base62(binascii.crc32(body.encode())).rjust(6, "0")


def _b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n))).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _password(rng: random.Random, lo: int = 14, hi: int = 22, extra: str = "!#%^*-_+") -> str:
    n = rng.randint(lo, hi)
    while True:
        p = _rs(rng, string.ascii_letters + string.digits + extra, n)
        if (
            p[0].isalnum()
            and any(c.isdigit() for c in p)
            and any(c.isupper() for c in p)
            and any(c.islower() for c in p)
        ):
            return p


def _jwt(rng: random.Random, k8s: bool = False) -> str:
    iat = rng.randint(1_690_000_000, 1_760_000_000)
    if k8s:
        header = {"alg": "RS256", "kid": _rs(rng, URLSAFE, 43)}
        payload = {
            "aud": ["https://kubernetes.default.svc.cluster.local"],
            "exp": iat + 31_536_000,
            "iat": iat,
            "iss": "https://kubernetes.default.svc.cluster.local",
            "kubernetes.io": {"namespace": "limitedns", "serviceaccount": {"name": "limiteduser"}},
            "nbf": iat,
            "sub": "system:serviceaccount:limitedns:limiteduser",
        }
        sig = _rs(rng, URLSAFE, 342)
    else:
        header = {"alg": "HS256", "typ": "JWT"}
        payload = {"sub": _rs(rng, HEX, 24), "iat": iat, "exp": iat + 86_400, "scope": "read write"}
        sig = _rs(rng, URLSAFE, 43)
    def enc(o: object) -> str:
        return str(_b64url(json.dumps(o, separators=(",", ":")).encode()))

    return f"{enc(header)}.{enc(payload)}.{sig}"


def _pem(rng: random.Random, label: str, der_prefix: bytes, n: int, width: int, sep: str) -> str:
    body = base64.b64encode(der_prefix + bytes(rng.getrandbits(8) for _ in range(n))).decode()
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return sep.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


RSA_DER = bytes.fromhex("308204a40201000282010100")
PKCS8_DER = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7")
OPENSSH = b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x003\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 "


def gen(fmt: str, rng: random.Random, indent: str = "") -> str:
    """A seeded random value in the real format of ``fmt``."""
    r = rng
    simple = {
        "github_classic_pat": lambda: _gh(r, "ghp_"),
        "github_app_token": lambda: _gh(r, "ghs_"),
        "github_fine_grained_pat": lambda: (
            "github_pat_11"
            + _rs(r, string.ascii_uppercase + string.digits, 20)
            + "_"
            + _rs(r, B62, 59)
        ),
        "gitlab_pat": lambda: "glpat-" + _rs(r, URLSAFE, 20),
        "aws_access_key_id": lambda: "AKIA" + _rs(r, string.ascii_uppercase + "234567", 16),
        "aws_secret_access_key": lambda: _rs(r, B62 + "+/", 40),
        "aws_session_token": lambda: "IQoJb3JpZ2luX2VjE" + _rs(r, B62 + "+/", 380) + "=",
        "slack_bot_token": lambda: (
            f"xoxb-{_rs(r, string.digits, 12)}-{_rs(r, string.digits, 13)}-{_rs(r, B62, 24)}"
        ),
        "slack_webhook_url": lambda: (
            f"https://hooks.slack.com/services/T{_rs(r, string.ascii_uppercase + string.digits, 8)}/B{_rs(r, string.ascii_uppercase + string.digits, 10)}/{_rs(r, B62, 24)}"
        ),
        "discord_webhook_url": lambda: (
            f"https://discord.com/api/webhooks/{r.randint(10**18, 10**19 - 1)}/{_rs(r, URLSAFE, 68)}"
        ),
        "discord_webhook_token": lambda: _rs(r, URLSAFE, 68),
        "discord_client_secret": lambda: _rs(r, URLSAFE, 32),
        "telegram_bot_token": lambda: (
            f"{r.randint(1_000_000_000, 8_999_999_999)}:AA{_rs(r, URLSAFE, 33)}"
        ),
        "stripe_secret_key": lambda: "sk_live_51" + _rs(r, B62, 97),
        "stripe_webhook_secret": lambda: "whsec_" + _rs(r, B62, 32),
        "openai_api_key": lambda: (
            "sk-proj-" + _rs(r, URLSAFE, 74) + "T3BlbkFJ" + _rs(r, URLSAFE, 74)
        ),
        "anthropic_api_key": lambda: "sk-ant-api03-" + _rs(r, URLSAFE, 93) + "AA",
        "google_api_key": lambda: "AIzaSy" + _rs(r, URLSAFE, 33),
        "google_oauth_client_secret": lambda: "GOCSPX-" + _rs(r, URLSAFE, 28),
        "npm_token": lambda: "npm_" + _rs(r, B62, 36),
        "pypi_token": lambda: "pypi-AgEIcHlwaS5vcmc" + _rs(r, URLSAFE, 160),
        "sendgrid_api_key": lambda: "SG." + _rs(r, URLSAFE, 22) + "." + _rs(r, URLSAFE, 43),
        "twilio_api_key": lambda: "SK" + _rs(r, HEX, 32),
        "twilio_auth_token": lambda: _rs(r, HEX, 32),
        "mailgun_api_key": lambda: "key-" + _rs(r, HEX, 32),
        "resend_api_key": lambda: "re_" + _rs(r, B62, 8) + "_" + _rs(r, B62, 24),
        "hashicorp_vault_token": lambda: "hvs.CAESI" + _rs(r, URLSAFE, 86),
        "huggingface_token": lambda: "hf_" + _rs(r, string.ascii_letters, 34),
        "dockerhub_pat": lambda: "dckr_pat_" + _rs(r, URLSAFE, 27),
        "databricks_token": lambda: "dapi" + _rs(r, HEX, 32),
        "datadog_api_key": lambda: _rs(r, HEX, 32),
        "supabase_access_token": lambda: "sbp_" + _rs(r, HEX, 40),
        "grafana_service_account_token": lambda: "glsa_" + _rs(r, B62, 32) + "_" + _rs(r, HEX, 8),
        "azure_client_secret": lambda: _rs(r, B62, 3) + "8Q~" + _rs(r, B62 + "_.~-", 34),
        "azure_storage_account_key": lambda: _b64(r, 64),
        "generic_api_token": lambda: _rs(r, B62, 40),
        "generic_secret": lambda: (
            _rs(r, HEX, 64)
            if r.random() < 0.5
            else _b64url(bytes(r.getrandbits(8) for _ in range(32)))
        ),
        "generic_password": lambda: _password(r),
        "password_in_url": lambda: _password(r, 14, 22, "-_.~"),
        "laravel_app_key": lambda: "base64:" + _b64(r, 32),
        "k8s_secret_data_base64": lambda: base64.b64encode(_password(r).encode()).decode(),
        "basic_auth_credentials": lambda: base64.b64encode(
            f"{_rs(r, HEX, 32)}:{_rs(r, HEX, 32)}".encode()
        ).decode(),
        "jwt": lambda: _jwt(r),
        "kubernetes_service_account_token": lambda: _jwt(r, k8s=True),
    }
    if fmt in simple:
        return simple[fmt]()
    if fmt == "openssh_private_key":
        return _pem(r, "OPENSSH PRIVATE KEY", OPENSSH, 330, 70, "\n" + indent)
    if fmt == "pkcs8_private_key":
        return _pem(r, "PRIVATE KEY", PKCS8_DER, 1190, 64, "\n" + indent)
    if fmt == "rsa_private_key":
        return _pem(r, "RSA PRIVATE KEY", RSA_DER, 1180, 64, "\\n")
    if fmt == "gcp_service_account_private_key":
        return _pem(r, "PRIVATE KEY", PKCS8_DER, 1190, 64, "\\n")
    raise KeyError(fmt)


# (family, source, text): verbatim excerpts that hold no live-looking credential
NEGATIVES: list[tuple[str, str, str]] = [
    (
        "ansible",
        "ansible/ansible-examples:jboss-standalone/group_vars/all#L1-L22",
        "# Here are variables related to the standalone JBoss installation\n\nhttp_port: 8080\nhttps_port: 8443\n\n# AWS specific variables\nec2_access_key:\nec2_secret_key:\nec2_region: us-east-1\nec2_zone:\nec2_image: ami-6c1e8f04\nec2_instance_type: m1.small\nec2_keypair: djohnson\nec2_security_group: default\nec2_instance_count: 3\nec2_tag: demo\nec2_tag_name_prefix: dj\nec2_hosts: all\nwait_for_port: 22\n\n# This user name will be set by Tower, when run through Tower\ntower_user_name: admin",
    ),
    (
        "ansible",
        "ansible/ansible-examples:lamp_haproxy/aws/group_vars/all#L1-L23",
        "---\n# Variables here are applicable to all host groups\n\nhttpd_port: 80\nntpserver: 192.168.1.2\n\n# AWS specific variables\nec2_access_key:\nec2_secret_key:\nec2_region: us-east-1\nec2_zone:\nec2_image: ami-bc8131d4\nec2_instance_type: m1.small\nec2_keypair: djohnson\nec2_security_group: default\nec2_instance_count: 3\nec2_tag: demo\nec2_tag_name_prefix: dj\nec2_hosts: all\nwait_for_port: 22\n\n# This user name will be set by Tower, when run through Tower\ntower_user_name: admin",
    ),
    (
        "ansible",
        "ansible/ansible-examples:lamp_haproxy/group_vars/all#L1-L5",
        "---\n# Variables here are applicable to all host groups\n\nhttpd_port: 80\nntpserver: 192.168.1.2",
    ),
    (
        "ansible",
        "ansible/ansible-examples:lamp_haproxy/roles/db/tasks/main.yml#L26-L26",
        "  mysql_user: name={{ dbuser }} password={{ upassword }} priv=*.*:ALL host='%' state=present",
    ),
    (
        "ansible",
        "ansible/ansible-examples:lamp_haproxy/roles/web/tasks/main.yml#L1-L3",
        "---\n- name: Copy the code from repository\n  git: repo={{ repository }} version={{ webapp_version }} dest=/var/www/html/",
    ),
    (
        "ansible",
        "ansible/ansible-examples:lamp_simple_rhel7/group_vars/all#L1-L6",
        "---\n# Variables listed here are applicable to all host groups\n\nhttpd_port: 80\nntpserver: 192.168.1.2\nrepository: https://github.com/bennojoy/mywebapp.git",
    ),
    (
        "ansible",
        "ansible/ansible-examples:language_features/vars/CentOS.yml#L1-L3",
        "---\napache: httpd\npackager: yum",
    ),
    (
        "ansible",
        "ansible/ansible-examples:language_features/vars/defaults.yml#L1-L3",
        "---\npackager: apt\napache: apache",
    ),
    (
        "ansible",
        "ansible/ansible-examples:language_features/vars/external_vars.yml#L1-L3",
        "---\nalpha: one\nbeta: two",
    ),
    (
        "ansible",
        "ansible/ansible:lib/ansible/modules/get_url.py#L224-L248",
        'EXAMPLES = r"""\n- name: Download foo.conf\n  ansible.builtin.get_url:\n    url: http://example.com/path/file.conf\n    dest: /etc/foo.conf\n    mode: \'0440\'\n\n- name: Download file and force basic auth\n  ansible.builtin.get_url:\n    url: http://example.com/path/file.conf\n    dest: /etc/foo.conf\n    force_basic_auth: yes\n\n- name: Download file with custom HTTP headers\n  ansible.builtin.get_url:\n    url: http://example.com/path/file.conf\n    dest: /etc/foo.conf\n    headers:\n      key1: one\n      key2: two\n\n- name: Download file with check (sha256)\n  ansible.builtin.get_url:\n    url: http://example.com/path/file.conf\n    dest: /etc/foo.conf',
    ),
    (
        "ansible",
        "ansible/ansible:lib/ansible/modules/uri.py#L255-L279",
        'EXAMPLES = r"""\n- name: Check that you can connect (GET) to a page and it returns a status 200\n  ansible.builtin.uri:\n    url: http://www.example.com\n\n- name: Check that a page returns successfully but fail if the word AWESOME is not in the page contents\n  ansible.builtin.uri:\n    url: http://www.example.com\n    return_content: true\n  register: this\n  failed_when: this is failed or "\'AWESOME\' not in this.content"\n\n- name: Create a JIRA issue\n  ansible.builtin.uri:\n    url: https://your.jira.example.com/rest/api/2/issue/\n    user: your_username\n    password: your_pass\n    method: POST\n    body: "{{ lookup(\'ansible.builtin.file\',\'issue.json\') }}"\n    force_basic_auth: true\n    status_code: 201\n    body_format: json\n\n- name: Login to a form based webpage, then use the returned cookie to access the app in later tasks\n  ansible.builtin.uri:',
    ),
    (
        "ansible",
        "ansible/ansible:lib/ansible/modules/user.py#L324-L348",
        "EXAMPLES = r\"\"\"\n- name: Add the user 'johnd' with a specific uid and a primary group of 'admin'\n  ansible.builtin.user:\n    name: johnd\n    comment: John Doe\n    uid: 1040\n    group: admin\n\n- name: Create a user 'johnd' with a home directory\n  ansible.builtin.user:\n    name: johnd\n    create_home: yes\n\n- name: Add the user 'james' with a bash shell, appending the group 'admins' and 'developers' to the user's groups\n  ansible.builtin.user:\n    name: james\n    shell: /bin/bash\n    groups: admins,developers\n    append: yes\n\n- name: Remove the user 'johnd'\n  ansible.builtin.user:\n    name: johnd\n    state: absent\n    remove: yes",
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:deployments-rolling/playbooks/vars.yml#L1-L4",
        '---\napp_repository: https://github.com/geerlingguy/demo-nodejs-api.git\napp_version: "2.0.0"\napp_directory: /opt/demo-nodejs-api',
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:docker-hubot/roles/hubot-slack/defaults/main.yml#L1-L5",
        "---\nhubot_home: /home/hubot\nhubot_owner: Ansible for DevOps\nhubot_name: a4dbot\nhubot_description: Ansible for DevOps test bot.",
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:drupal/provisioning/vars.yml#L1-L9",
        '---\n# The path where Drupal will be downloaded and installed.\ndrupal_core_path: "/var/www/drupal"\n\n# The resulting domain will be [domain].test (with .test appended).\ndomain: "drupal"\n\n# Your Drupal site name.\ndrupal_site_name: "Drupal Test"',
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:elk/provisioning/elk/vars/main.yml#L1-L30",
        '---\njava_packages:\n  - openjdk-11-jdk\n\nnginx_user: www-data\nnginx_remove_default_vhost: true\nnginx_vhosts:\n  # Kibana proxy.\n  - listen: "80 default_server"\n    filename: kibana.conf\n    server_name: logs.test\n    extra_parameters: |\n      location / {\n          include /etc/nginx/proxy_params;\n          proxy_pass          http://localhost:5601;\n          proxy_set_header   Authorization "";\n          proxy_read_timeout  90s;\n      }\n\nelasticsearch_curator_pip_package: python3-pip\n\nlogstash_ssl_key_file: elk-example.p8\nlogstash_ssl_certificate_file: elk-example.crt\n\nfilebeat_output_logstash_enabled: true\nfilebeat_output_logstash_hosts:\n  - "logs.test:5044"\n\nfilebeat_ssl_key_file: elk-example.p8\nfilebeat_ssl_certificate_file: elk-example.crt',
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:gluster/playbooks/vars.yml#L1-L25",
        "---\n# Firewall configuration.\nfirewall_allowed_tcp_ports:\n  - 22\n  # For Gluster.\n  - 111\n  # Port-mapper for Gluster 3.4+.\n  # - 2049\n  # Gluster Daemon.\n  - 24007\n  # 24009+ for Gluster <= 3.3; 49152+ for Gluster 3.4+ (one port per server).\n  - 24009\n  - 24010\n  - 49152\n  - 49153\n  # Gluster inline NFS server.\n  - 38465\n  - 38466\nfirewall_allowed_udp_ports:\n  - 111\n\n# Gluster configuration.\ngluster_mount_dir: /mnt/gluster\ngluster_brick_dir: /srv/gluster/brick\ngluster_brick_name: gluster",
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:https-letsencrypt/vars/main.yml#L1-L19",
        '---\n# Firewall settings.\nfirewall_allowed_tcp_ports:\n  - "22"\n  - "80"\n  - "443"\n\n# Nginx settings.\nnginx_vhosts: []\nnginx_remove_default_vhost: true\nnginx_ppa_version: stable\nnginx_docroot: /var/www/html\n\n# Let\'s Encrypt certificate settings.\ncertbot_create_if_missing: true\ncertbot_admin_email: "{{ letsencrypt_email }}"\ncertbot_certs:\n  - domains:\n      - "{{ inventory_hostname }}"',
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:https-nginx-proxy/provisioning/vars/main.yml#L1-L19",
        '---\n# Firewall settings.\nfirewall_allowed_tcp_ports:\n  - "22"\n  - "80"\n  - "443"\n\n# Python settings.\npip_install_packages: [\'pyopenssl\']\n\n# Nginx settings.\nnginx_vhosts: []\nnginx_remove_default_vhost: True\nnginx_ppa_version: stable\nnginx_docroot: /var/www/html\n\n# Self-signed certificate settings.\ncertificate_dir: /etc/ssl/private\nserver_hostname: https-proxy.test',
    ),
    (
        "ansible",
        "geerlingguy/ansible-for-devops:https-self-signed/provisioning/vars/main.yml#L1-L19",
        '---\n# Firewall settings.\nfirewall_allowed_tcp_ports:\n  - "22"\n  - "80"\n  - "443"\n\n# Python settings.\npip_install_packages: [\'pyopenssl\']\n\n# Nginx settings.\nnginx_vhosts: []\nnginx_remove_default_vhost: True\nnginx_ppa_version: stable\nnginx_docroot: /var/www/html\n\n# Self-signed certificate settings.\ncertificate_dir: /etc/ssl/private\nserver_hostname: https.test',
    ),
    (
        "build_config",
        "GitGuardian/ggshield:.pre-commit-config.yaml#L93-L115",
        "      - id: ggshield-local\n        name: GitGuardian Shield\n        entry: uv run ggshield secret scan pre-push\n        language: system\n        pass_filenames: false\n        stages: [pre-push]\n\n  - repo: https://github.com/gitguardian/ggshield\n    rev: v1.53.0\n    hooks:\n      - id: ggshield\n        language_version: python3\n        stages: [pre-commit]\n\n  - repo: local\n    hooks:\n      - id: import-linter-config\n        name: Import Linter Config Check\n        entry: uv run ./scripts/check-import-linter-config.sh\n        language: system\n        pass_filenames: false\n        types: [python]\n        stages: [pre-commit]",
    ),
    (
        "build_config",
        "GitGuardian/ggshield:pyproject.toml#L53-L68",
        '    "requests>=2.32.0,<3",\n    "rich~=13.0",\n    "sigstore>=4.0.0,<5",\n    "typing-extensions~=4.14",\n    "urllib3>=2.2.2,<3",\n    "truststore>=0.10.1; python_version >= \\"3.10\\"",\n    "notify-py>=0.3.43",\n    # 25.0 is where `keyring.backends.macOS.api.create_cf` replaced\n    # `create_cfstr`; `_macos_store_token` needs it to set the Keychain ACL that\n    # lets the native hook read the token without a prompt. On 24.x the\n    # AttributeError was swallowed and the ACL silently never applied.\n    "keyring>=25.0.0,<26",\n    "tomli>=2.4.0; python_version < \\"3.11\\"",\n    "tomlkit>=0.13.3,<0.14",\n    "filelock>=3.19.1",\n    "unearth>=0.18.2",',
    ),
    (
        "build_config",
        "argoproj/argo-cd:Makefile#L49-L72",
        "DOCKER_NETWORK ?= default\n\nifneq ($(DOCKER_NETWORK),default)\nDOCKER_NETWORK_ARG := --network $(DOCKER_NETWORK)\nelse\nDOCKER_NETWORK_ARG :=\nendif\n\nARGOCD_PROCFILE?=Procfile\n\n# pointing to python 3.12 to match https://github.com/argoproj/argo-cd/blob/master/.readthedocs.yaml\nMKDOCS_DOCKER_IMAGE?=python:3.12-alpine\nMKDOCS_RUN_ARGS?=\n\n# Configuration for building argocd-test-tools image\nTEST_TOOLS_NAMESPACE?=\nTEST_TOOLS_IMAGE=argocd-test-tools\nTEST_TOOLS_TAG?=latest\nifdef TEST_TOOLS_NAMESPACE\nTEST_TOOLS_PREFIX=${TEST_TOOLS_NAMESPACE}/\nendif\n\n# You can change the ports where ArgoCD components will be listening on by\n# setting the appropriate environment variables before running make.",
    ),
    (
        "build_config",
        "argoproj/argo-cd:renovate.json#L2-L3",
        '  "$schema": "https://docs.renovatebot.com/renovate-schema.json"\n}',
    ),
    (
        "build_config",
        "axios/axios:package.json#L149-L156",
        '  "dependencies": {\n    "follow-redirects": "^1.15.6",\n    "form-data": "^4.0.0",\n    "proxy-from-env": "^1.1.0"\n  },\n  "bundlesize": [\n    {\n      "path": "./dist/axios.min.js",',
    ),
    (
        "build_config",
        "caddyserver/caddy:.goreleaser.yml#L121-L142",
        '      {{- .Arch }}\n      {{- with .Arm }}v{{ . }}{{ end }}\n      {{- with .Mips }}_{{ . }}{{ end }}\n      {{- if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}\n  \n  # package the \'caddy-build\' directory into a tarball,\n  # allowing users to build the exact same set of files as ours.\n  - id: source\n    meta: true\n    name_template: "{{ .ProjectName }}_{{ .Version }}_buildable-artifact"\n    files:\n      - src: LICENSE\n        dst: ./LICENSE\n      - src: README.md\n        dst: ./README.md\n      - src: AUTHORS\n        dst: ./AUTHORS\n      - src: ./caddy-build\n        dst: ./\n\nsource:\n  enabled: true',
    ),
    (
        "build_config",
        "cli/cli:.goreleaser.yml#L91-L97",
        '        dst: "/usr/share/man/man1"\n      - src: "./share/bash-completion/completions/gh"\n        dst: "/usr/share/bash-completion/completions/gh"\n      - src: "./share/fish/vendor_completions.d/gh.fish"\n        dst: "/usr/share/fish/vendor_completions.d/gh.fish"\n      - src: "./share/zsh/site-functions/_gh"\n        dst: "/usr/share/zsh/site-functions/_gh"',
    ),
    (
        "build_config",
        "cli/cli:Makefile#L31-L42",
        "manpages: script/build$(EXE)\n\t@$< $@\n\n.PHONY: completions\ncompletions: bin/gh$(EXE)\n\tmkdir -p ./share/bash-completion/completions ./share/fish/vendor_completions.d ./share/zsh/site-functions\n\tbin/gh$(EXE) completion -s bash > ./share/bash-completion/completions/gh\n\tbin/gh$(EXE) completion -s fish > ./share/fish/vendor_completions.d/gh.fish\n\tbin/gh$(EXE) completion -s zsh > ./share/zsh/site-functions/_gh\n\n# just convenience tasks around `go test`\n.PHONY: test",
    ),
    (
        "build_config",
        "documenso/documenso:.npmrc#L1-L3",
        "legacy-peer-deps = true\nprefer-dedupe = true\nmin-release-age = 7",
    ),
    (
        "build_config",
        "expressjs/express:package.json#L91-L99",
        '  "scripts": {\n    "lint": "eslint .",\n    "lint:fix": "eslint . --fix",\n    "test": "mocha --require test/support/env --reporter spec --check-leaks test/ test/acceptance/",\n    "test-ci": "nyc --exclude examples --exclude test --exclude benchmarks --reporter=lcovonly --reporter=text npm test",\n    "test-cov": "nyc --exclude examples --exclude test --exclude benchmarks --reporter=html --reporter=text npm test",\n    "test-tap": "mocha --require test/support/env --reporter tap --check-leaks test/ test/acceptance/"\n  }\n}',
    ),
    (
        "build_config",
        "fastapi/full-stack-fastapi-template:backend/pyproject.toml#L34-L44",
        'requires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n[tool.mypy]\nstrict = true\nexclude = ["venv", ".venv", "alembic"]\n\n[tool.ruff]\ntarget-version = "py314"\nexclude = ["alembic"]\n',
    ),
    (
        "build_config",
        "getsentry/self-hosted:pyproject.toml#L4-L15",
        'description = "Sentry, feature-complete and packaged up for low-volume deployments and proofs-of-concept."\nreadme = "README.md"\nrequires-python = ">=3.11"\ndependencies = []\n\n[dependency-groups]\ndev = [\n    "beautifulsoup4>=4.7.1",\n    "cryptography>=48.0.1",\n    "httpx>=0.25.2",\n    "pytest>=9.0.3",\n    "pytest-cov>=4.1.0",',
    ),
    (
        "build_config",
        "gitleaks/gitleaks:.gitleaks.toml#L1-L14",
        "# This is NOT the default gitleaks config. The default gitleaks config is located\n# here: https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml\n# This gitleaks config extends the default config and ignores secrets located in the `cmd/generate/config/rules`\n\ntitle = \"Gitleaks development\"\n[extend]\nuseDefault = true\n\n[allowlist]\npaths = [\n  '''(^|/)cmd/generate/config/rules''',\n  '''.*test\\.go''',\n  '''testdata'''\n]",
    ),
    (
        "build_config",
        "helm/helm:Makefile#L115-L133",
        '.PHONY: test-style\ntest-style:\n\t@EXPECTED_VERSION=$$(grep GOLANGCI_LINT_VERSION .github/env | cut -d= -f2); \\\n\tACTUAL_VERSION=$$(golangci-lint --version 2>/dev/null | grep -oE \'[0-9]+\\.[0-9]+\\.[0-9]+\' | head -1); \\\n\tif [ "v$$ACTUAL_VERSION" != "$$EXPECTED_VERSION" ]; then \\\n\t\techo "Warning: golangci-lint version is v$$ACTUAL_VERSION (expected $$EXPECTED_VERSION from CI)"; \\\n\t\techo "To install the correct version, run:"; \\\n\t\techo "  curl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh | sh -s -- -b \\$$(go env GOPATH)/bin $$EXPECTED_VERSION"; \\\n\tfi\n\tgolangci-lint run ./...\n\t@scripts/validate-license.sh\n\n.PHONY: test-source-headers\ntest-source-headers:\n\t@scripts/validate-license.sh\n\n.PHONY: test-acceptance\ntest-acceptance: build\n\t@if [ -d "${ACCEPTANCE_DIR}" ]; then \\',
    ),
    (
        "build_config",
        "hoppscotch/hoppscotch:.npmrc#L1-L2",
        "shamefully-hoist=false\nsave-prefix=''",
    ),
    (
        "build_config",
        "jenkinsci/docker:Makefile#L119-L139",
        "platforms:\n\t@set -x; make platforms-$(bake_default_target)\n\n# List platforms of a specific target\nplatforms-%:\n\t@set -x; make show-$* | jq -r ' .target | to_entries[] | .key as $$name | .value.platforms[] | \"\\($$name):\\(.)\"' | LC_ALL=C sort -u\n\n# Return the list of targets depending on the current OS and architecture\nlist: check-reqs\n\t@set -x; make --silent listarch-$(ARCH)\n\n# Return the list of targets of a specific \"target\" (can be a docker bake group)\nlist-%: check-reqs\n\t@set -x; make --silent show-$* | jq -r '.target | keys[]'\n\n# Return the list of targets depending on the architecture (Linux only, no multiarch for Windows)\nlistarch-%: check-reqs\n\t@set -x; make --silent showarch-$* | jq -r '.target | keys[]'\n\n# Ensure bats exists in the current folder\nbats:",
    ),
    (
        "build_config",
        "localstack/localstack:pyproject.toml#L174-L195",
        ']\n"localstack" = [\n    "aws/**/*.json",\n    "services/**/*.html",\n    "services/**/resource_providers/**/*.schema.json",\n    "utils/kinesis/java/cloud/localstack/*.*",\n    "openapi.yaml",\n    "http/resources/swagger/templates/index.html"\n]\n\n[tool.ruff]\n# Generate code compatible with version defined in .python-version\ntarget-version = "py313"\nline-length = 100\nsrc = ["localstack-core", "tests"]\nexclude = [\n    ".venv*",\n    "venv*",\n    "dist",\n    "build",\n    "target",\n    "*.egg-info",',
    ),
    (
        "build_config",
        "minio/minio:Makefile#L149-L159",
        '\ntest-timeout: install-race ## test multipart\n\t@echo "Test server timeout"\n\t@(env bash $(PWD)/buildscripts/test-timeout.sh)\n\nverify: install-race ## verify minio various setups\n\t@echo "Verifying build with race"\n\t@(env bash $(PWD)/buildscripts/verify-build.sh)\n\nverify-healing: install-race ## verify healing and replacing disks with minio binary\n\t@echo "Verify healing build with race"',
    ),
    (
        "build_config",
        "outline/outline:.yarnrc.yml#L1-L10",
        "nodeLinker: node-modules\n\nenableScripts: false\n\nnpmMinimalAgeGate: 4320\n\nnpmPreapprovedPackages:\n  - outline-icons\n\n# Build-time advisories that don't affect runtime request handling.",
    ),
    (
        "build_config",
        "pallets/flask:pyproject.toml#L167-L188",
        '\n[tool.codespell]\nignore-words-list = "te"\n\n[tool.tox]\nenv_list = [\n    "py3.14", "py3.14t",\n    "py3.13", "py3.12", "py3.11", "py3.10",\n    "pypy3.11",\n    "tests-min", "tests-dev",\n    "style",\n    "typing",\n    "docs",\n]\n\n[tool.tox.env_run_base]\ndescription = "pytest on latest dependency versions"\nrunner = "uv-venv-lock-runner"\npackage = "wheel"\nwheel_build_env = ".pkg"\nconstrain_package_deps = true\nuse_frozen_constraints = true',
    ),
    (
        "build_config",
        "pydantic/pydantic:pyproject.toml#L305-L311",
        "enableExperimentalFeatures = true\n\n[tool.codespell]\nskip = '.git,env*,pydantic/v1/*,uv.lock'\n# `ser` - abbreviation for \"ser\"ialisation\n# `crate` - a rust crate\nignore-words-list = 'gir,ser,crate,deques'",
    ),
    (
        "build_config",
        "python-poetry/poetry:pyproject.toml#L10-L22",
        '    "cleo (>=2.1.0,<3.0.0)",\n    "dulwich (>=0.25.0,<2)",\n    "fastjsonschema (>=2.18.0,<3.0.0)",\n    "installer (>=0.7.0,<2.0.0)",\n    "keyring (>=25.1.0,<26.0.0)",\n    # packaging uses calver, so version is unclamped\n    "packaging (>=24.2)",  # PEP 639 support was added in 24.2\n    "pkginfo (>=1.12,<2.0)",\n    "platformdirs (>=3.0.0,<5)",\n    "pyproject-hooks (>=1.0.0,<2.0.0)",\n    "requests (>=2.26,<3.0)",\n    "requests-toolbelt (>=1.0.0,<2.0.0)",\n    "shellingham (>=1.5,<2.0)",',
    ),
    (
        "build_config",
        "traefik/traefik:Makefile#L4-L14",
        "SHA := $(shell git rev-parse HEAD)\nVERSION_GIT := $(if $(TAG_NAME),$(TAG_NAME),$(SHA))\nVERSION := $(if $(VERSION),$(VERSION),$(VERSION_GIT))\n\nBIN_NAME := traefik\nCODENAME ?= cheddar\n\nDATE := $(shell date -u '+%Y-%m-%d_%I:%M:%S%p')\n\n# Default build target\nGOOS := $(shell go env GOOS)",
    ),
    (
        "build_config",
        "trufflesecurity/trufflehog:Makefile#L67-L70",
        "\tCGO_ENABLED=0 go run . --generate-man-page > docs/man/trufflehog.1\n\ntest-release:\n\tgoreleaser release --clean --skip=publish,sign --snapshot",
    ),
    (
        "build_config",
        "vuejs/core:package.json#L31-L48",
        '    "dev-esm": "node scripts/dev.js -if esm-bundler-runtime",\n    "dev-compiler": "run-p \\"dev template-explorer\\" serve",\n    "dev-sfc": "run-s dev-sfc-prepare dev-sfc-run",\n    "dev-sfc-prepare": "node scripts/pre-dev-sfc.js || npm run build-all-cjs",\n    "dev-sfc-serve": "vite packages-private/sfc-playground --host",\n    "dev-sfc-run": "run-p \\"dev compiler-sfc -f esm-browser\\" \\"dev vue -if esm-bundler-runtime\\" \\"dev vue -ipf esm-browser-runtime\\" \\"dev server-renderer -if esm-bundler\\" dev-sfc-serve",\n    "serve": "serve",\n    "open": "open http://localhost:3000/packages-private/template-explorer/local.html",\n    "build-sfc-playground": "run-s build-all-cjs build-runtime-esm build-browser-esm build-ssr-esm build-sfc-playground-self",\n    "build-all-cjs": "node scripts/build.js vue runtime compiler reactivity shared -af cjs",\n    "build-runtime-esm": "node scripts/build.js runtime reactivity shared -af esm-bundler && node scripts/build.js vue -f esm-bundler-runtime && node scripts/build.js vue -f esm-browser-runtime",\n    "build-browser-esm": "node scripts/build.js runtime reactivity shared -af esm-bundler && node scripts/build.js vue -f esm-bundler && node scripts/build.js vue -f esm-browser",\n    "build-ssr-esm": "node scripts/build.js compiler-sfc server-renderer -f esm-browser",\n    "build-sfc-playground-self": "cd packages-private/sfc-playground && npm run build",\n    "preinstall": "npx only-allow pnpm",\n    "postinstall": "simple-git-hooks"\n  },\n  "simple-git-hooks": {',
    ),
    (
        "certificate_public_key",
        "argoproj/argo-cd:cmd/util/testdata/test.cert.pem#L1-L3",
        "-----BEGIN CERTIFICATE-----\ntest-cert-data\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "argoproj/argo-cd:test/certificates/cert1.pem#L1-L30",
        "-----BEGIN CERTIFICATE-----\nMIIFvTCCA6WgAwIBAgIUGrTmW3qc39zqnE08e3qNDhUkeWswDQYJKoZIhvcNAQEL\nBQAwbjELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAklMMRAwDgYDVQQHDAdDaGljYWdv\nMRQwEgYDVQQKDAtDYXBvbmUsIEluYzEQMA4GA1UECwwHU3BlY09wczEYMBYGA1UE\nAwwPZm9vLmV4YW1wbGUuY29tMB4XDTE5MDcwODEzNTUwNVoXDTIwMDcwNzEzNTUw\nNVowbjELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAklMMRAwDgYDVQQHDAdDaGljYWdv\nMRQwEgYDVQQKDAtDYXBvbmUsIEluYzEQMA4GA1UECwwHU3BlY09wczEYMBYGA1UE\nAwwPZm9vLmV4YW1wbGUuY29tMIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKC\nAgEA3csSO13w7qQXKeSLNcpeuAe6wAjXYbRkRl6ariqzTEDcFTKmy2QiXJTKoEGn\nbvwxq0T91var7rxY88SGL/qi8Zmo0tVSR0XvKSKcghFIkQOTyDmVgMPZGCvixt4q\ngQ7hUVSk4KkFmtcqBVuvnzI1d/DKfZAGKdmGcfRpuAsnVhac3swP0w4Tl1BFrK9U\nvuIkz4KwXG77s5oB8rMUnyuLasLsGNpvpvXhkcQRhp6vpcCO2bS7kOTTelAPIucw\nP37qkOEdZdiWCLrr57dmhg6tmcVlmBMg6JtmfLxn2HQd9ZrCKlkWxMk5NYs6CAW5\nkgbDZUWQTAsnHeoJKbcgtPkIbxDRxNpPukFMtbA4VEWv1EkODXy9FyEKDOI/PV6K\n/80oLkgCIhCkP2mvwSFheU0RHTuZ0o0vVolP5TEOq5iufnDN4wrxqb12o//XLRc0\nRiLqGVVxhFdyKCjVxcLfII9AAp5Tse4PMh6bf6jDfB3OMvGkhMbJWhKXdR2NUTl0\nesKawMPRXIn5g3oBdNm8kyRsTTnvB567pU8uNSmA8j3jxfGCPynI8JdiwKQuW/+P\nWgLIflgxqAfG85dVVOsFmF9o5o24dDslvv9yHnHH102c6ijPCg1EobqlyFzqqxOD\nWf2OPjIkzoTH+O27VRugnY/maIU1nshNO7ViRX5zIxEUtNMCAwEAAaNTMFEwHQYD\nVR0OBBYEFNY4gDLgPBidogkmpO8nq5yAq5g+MB8GA1UdIwQYMBaAFNY4gDLgPBid\nogkmpO8nq5yAq5g+MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggIB\nAJ0WGioNtGNg3m6ywpmxNThorQD5ZvDMlmZlDVk78E2wfNyMhwbVhKhlAnONv0wv\nkmsGjibY75nRZ+EK9PxSJ644841fryQXQ+bli5fhr7DW3uTKwaRsnzETJXRJuljq\n6+c6Zyg1/mqwnyx7YvPgVh3w496DYx/jm6Fm1IEq3BzOmn6H/gGPq3gbURzEqI3h\nP+kC2vJa8RZWrpa05Xk/Q1QUkErDX9vJghb9z3+GgirISZQzqWRghII/znv3NOE6\nzoIgaaWNFn8KPeBVpUoboH+IhpgibsnbTbI0G7AMtFq6qm3kn/4DZ2N2tuh1G2tT\nzR2Fh7hJbU7CrqxANrgnIoHG/nLSvzE24ckLb0Vj69uGQlwnZkn9fz6F7KytU+Az\nNoB2rjufaB0GQi1azdboMvdGSOxhSCAR8otWT5yDrywCqVnEvjw0oxKmuRduNe2/\n6AcG6TtK2/K+LHuhymiAwZM2qE6VD2odvb+tCzDkZOIeoIz/JcVlNpXE9FuVl250\n9NWvugeghq7tUv81iJ8ninBefJ4lUfxAehTPQqX+zXcfxgjvMRCi/ig73nLyhmjx",
    ),
    (
        "certificate_public_key",
        "argoproj/argo-cd:test/certificates/cert2.pem#L1-L30",
        "-----BEGIN CERTIFICATE-----\nMIIF1zCCA7+gAwIBAgIUQdTcSHY2Sxd3Tq/v1eIEZPCNbOowDQYJKoZIhvcNAQEL\nBQAwezELMAkGA1UEBhMCREUxFTATBgNVBAgMDExvd2VyIFNheG9ueTEQMA4GA1UE\nBwwHSGFub3ZlcjEVMBMGA1UECgwMVGVzdGluZyBDb3JwMRIwEAYDVQQLDAlUZXN0\nc3VpdGUxGDAWBgNVBAMMD2Jhci5leGFtcGxlLmNvbTAeFw0xOTA3MDgxMzU2MTda\nFw0yMDA3MDcxMzU2MTdaMHsxCzAJBgNVBAYTAkRFMRUwEwYDVQQIDAxMb3dlciBT\nYXhvbnkxEDAOBgNVBAcMB0hhbm92ZXIxFTATBgNVBAoMDFRlc3RpbmcgQ29ycDES\nMBAGA1UECwwJVGVzdHN1aXRlMRgwFgYDVQQDDA9iYXIuZXhhbXBsZS5jb20wggIi\nMA0GCSqGSIb3DQEBAQUAA4ICDwAwggIKAoICAQCv4mHMdVUcafmaSHVpUM0zZWp5\nNFXfboxA4inuOkE8kZlbGSe7wiG9WqLirdr39Ts+WSAFA6oANvbzlu3JrEQ2CHPc\nCNQm6diPREFwcDPFCe/eMawbwkQAPVSHPts0UoRxnpZox5pn69ghncBR+jtvx+/u\nP6HdwW0qqTvfJnfAF1hBJ4oIk2AXiip5kkIznsAh9W6WRy6nTVCeetmIepDOGe0G\nZJIRn/OfSz7NzKylfDCat2z3EAutyeT/5oXZoWOmGg/8T7pn/pR588GoYYKRQnp+\nYilqCPFX+az09EqqK/iHXnkdZ/Z2fCuU+9M/Zhrnlwlygl3RuVBI6xhm/ZsXtL2E\nGxa61lNy6pyx5+hSxHEFEJshXLtioRd702VdLKxEOuYSXKeJDs1x9o6cJ75S6hko\nMl1L4zCU+xEsMcvb1iQ2n7PZdacqhkFRUVVVmJ56th8aYyX7KNX6M9CD+kMpNm6J\nkKC1li/Iy+RI138bAvaFplajMF551kt44dSvIoJIbTr1LigudzWPqk31QaZXV/4u\nkD1n4p/XMc9HYU/was/CmQBFqmIZedTLTtK7clkuFN6wbwzdo1wmUNgnySQuMacO\ngxhHxxzRWxd24uLyk9Px+9U3BfVPaRLiOPaPoC58lyVOykjSgfpgbus7JS69fCq7\nbEH4Jatp/10zkco+UQIDAQABo1MwUTAdBgNVHQ4EFgQUjXH6PHi92y4C4hQpey86\nr6+x1ewwHwYDVR0jBBgwFoAUjXH6PHi92y4C4hQpey86r6+x1ewwDwYDVR0TAQH/\nBAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAgEAFE4SdKsX9UsLy+Z0xuHSxhTd0jfn\nIih5mtzb8CDNO5oTw4z0aMeAvpsUvjJ/XjgxnkiRACXh7K9hsG2r+ageRWGevyvx\nCaRXFbherV1kTnZw4Y9/pgZTYVWs9jlqFOppz5sStkfjsDQ5lmPJGDii/StENAz2\nXmtiPOgfG9Upb0GAJBCuKnrU9bIcT4L20gd2F4Y14ccyjlf8UiUi192IX6yM9OjT\n+TuXwZgqnTOq6piVgr+FTSa24qSvaXb5z/mJDLlk23npecTouLg83TNSn3R6fYQr\nd/Y9eXuUJ8U7/qTh2Ulz071AO9KzPOmleYPTx4Xty4xAtWi1QE5NHW9/Ajlv5OtO\nOnMNWIs7ssDJBsB7VFC8hcwf79jz7kC0xmQqDfw51Xhhk04kla+v+HZcFW2AO9so\n6ZdVHHQnIbJa7yQJKZ+hK49IOoBR6JgdB5kymoplLLiuqZSYTcwSBZ72FYTm3iAr\njzvt1hxpxVDmXvRnkhRrIRhK4QgJL0jRmirBjDY+PYYd7bdRIjN7WNZLFsgplnS8",
    ),
    (
        "certificate_public_key",
        "caddyserver/caddy:caddytest/a.caddy.localhost.crt#L1-L23",
        "-----BEGIN CERTIFICATE-----\nMIID5zCCAs8CFG4+w/pqR5AZQ+aVB330uRRRKMF0MA0GCSqGSIb3DQEBCwUAMIGv\nMQswCQYDVQQGEwJVUzELMAkGA1UECAwCTlkxGzAZBgNVBAoMEkxvY2FsIERldmVs\nb3BlbWVudDEbMBkGA1UEBwwSTG9jYWwgRGV2ZWxvcGVtZW50MRowGAYDVQQDDBFh\nLmNhZGR5LmxvY2FsaG9zdDEbMBkGA1UECwwSTG9jYWwgRGV2ZWxvcGVtZW50MSAw\nHgYJKoZIhvcNAQkBFhFhZG1pbkBjYWRkeS5sb2NhbDAeFw0yMDAzMTMxODUwMTda\nFw0zMDAzMTExODUwMTdaMIGvMQswCQYDVQQGEwJVUzELMAkGA1UECAwCTlkxGzAZ\nBgNVBAoMEkxvY2FsIERldmVsb3BlbWVudDEbMBkGA1UEBwwSTG9jYWwgRGV2ZWxv\ncGVtZW50MRowGAYDVQQDDBFhLmNhZGR5LmxvY2FsaG9zdDEbMBkGA1UECwwSTG9j\nYWwgRGV2ZWxvcGVtZW50MSAwHgYJKoZIhvcNAQkBFhFhZG1pbkBjYWRkeS5sb2Nh\nbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMd9pC9wF7j0459FndPs\nDeud/rq41jEZFsVOVtjQgjS1A5ct6NfeMmSlq8i1F7uaTMPZjbOHzY6y6hzLc9+y\n/VWNgyUC543HjXnNTnp9Xug6tBBxOxvRMw5mv2nAyzjBGDePPgN84xKhOXG2Wj3u\nfOZ+VPVISefRNvjKfN87WLJ0B0HI9wplG5ASVdPQsWDY1cndrZgt2sxQ/3fjIno4\nVvrgRWC9Penizgps/a0ZcFZMD/6HJoX/mSZVa1LjopwbMTXvyHCpXkth21E+rBt6\nI9DMHerdioVQcX25CqPmAwePxPZSNGEQo/Qu32kzcmscmYxTtYBhDa+yLuHgGggI\nj7ECAwEAATANBgkqhkiG9w0BAQsFAAOCAQEAP/94KPtkpYtkWADnhtzDmgQ6Q1pH\nSubTUZdCwQtm6/LrvpT+uFNsOj4L3Mv3TVUnIQDmKd5VvR42W2MRBiTN2LQptgEn\nC7g9BB+UA9kjL3DPk1pJMjzxLHohh0uNLi7eh4mAj8eNvjz9Z4qMWPQoVS0y7/ZK\ncCBRKh2GkIqKm34ih6pX7xmMpPEQsFoTVPRHYJfYD1SZ8Iui+EN+7WqLuJWPsPXw\nJM1HuZKn7pZmJU2MZZBsrupHGUvNMbBg2mFJcxt4D1VvU+p+a67PSjpFQ6dJG2re\npZoF+N1vMGAFkxe6UqhcC/bXDX+ILVQHJ+RNhzDO6DcWf8dRrC2LaJk3WA==\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "caddyserver/caddy:caddytest/caddy.localhost.crt#L1-L23",
        "-----BEGIN CERTIFICATE-----\nMIID5zCCAs8CFFmAAFKV79uhzxc5qXbUw3oBNsYXMA0GCSqGSIb3DQEBCwUAMIGv\nMQswCQYDVQQGEwJVUzELMAkGA1UECAwCTlkxGzAZBgNVBAoMEkxvY2FsIERldmVs\nb3BlbWVudDEbMBkGA1UEBwwSTG9jYWwgRGV2ZWxvcGVtZW50MRowGAYDVQQDDBEq\nLmNhZGR5LmxvY2FsaG9zdDEbMBkGA1UECwwSTG9jYWwgRGV2ZWxvcGVtZW50MSAw\nHgYJKoZIhvcNAQkBFhFhZG1pbkBjYWRkeS5sb2NhbDAeFw0yMDAzMDIwODAxMTZa\nFw0zMDAyMjgwODAxMTZaMIGvMQswCQYDVQQGEwJVUzELMAkGA1UECAwCTlkxGzAZ\nBgNVBAoMEkxvY2FsIERldmVsb3BlbWVudDEbMBkGA1UEBwwSTG9jYWwgRGV2ZWxv\ncGVtZW50MRowGAYDVQQDDBEqLmNhZGR5LmxvY2FsaG9zdDEbMBkGA1UECwwSTG9j\nYWwgRGV2ZWxvcGVtZW50MSAwHgYJKoZIhvcNAQkBFhFhZG1pbkBjYWRkeS5sb2Nh\nbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJngfeirQkWaU8ihgIC5\nSKpRQX/3koRjljDK/oCbhLs+wg592kIwVv06l7+mn7NSaNBloabjuA1GqyLRsNLL\nptrv0HvXa5qLx28+icsb2Ny3dJnQaj9w9PwjxQ1qZqEJfWRH1D8Vz9AmB+QSV/Gu\n8e8alGFewlYZVfH1kbxoTT6QorF37TeA3bh1fgKFtzsGYKswcaZNdDBBHzLunCKZ\nHU6U6L45hm+yLADj3mmDLafUeiVOt6MRLLoSD1eLRVSXGrNo+brJ87zkZntI9+W1\nJxOBoXtZCwka7k2DlAtLihsrmBZA2ZC9yVeu/SQy3qb3iCNnTFTCyAnWeTCr6Tcq\n6w8CAwEAATANBgkqhkiG9w0BAQsFAAOCAQEAOWfXqpAmD4C3wGiMeZAeaaS4hDAR\n+JmN+avPDA6F6Bq7DB4NJuIwVUlaDL2s07w5VJJtW52aZVKoBlgHR5yG/XUli6J7\nYUJRmdQJvHUSu26cmKvyoOaTrEYbmvtGICWtZc8uTlMf9wQZbJA4KyxTgEQJDXsZ\nB2XFe+wVdhAgEpobYDROi+l/p8TL5z3U24LpwVTcJy5sEZVv7Wfs886IyxU8ORt8\nVZNcDiH6V53OIGeiufIhia/mPe6jbLntfGZfIFxtCcow4IA/lTy1ned7K5fmvNNb\nZilxOQUk+wVK8genjdrZVAnAxsYLHJIb5yf9O7rr6fWciVMF3a0k5uNK1w==\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "caddyserver/caddy:caddytest/leafcert.pem#L1-L15",
        "-----BEGIN CERTIFICATE-----\nMIICUTCCAfugAwIBAgIBADANBgkqhkiG9w0BAQQFADBXMQswCQYDVQQGEwJDTjEL\nMAkGA1UECBMCUE4xCzAJBgNVBAcTAkNOMQswCQYDVQQKEwJPTjELMAkGA1UECxMC\nVU4xFDASBgNVBAMTC0hlcm9uZyBZYW5nMB4XDTA1MDcxNTIxMTk0N1oXDTA1MDgx\nNDIxMTk0N1owVzELMAkGA1UEBhMCQ04xCzAJBgNVBAgTAlBOMQswCQYDVQQHEwJD\nTjELMAkGA1UEChMCT04xCzAJBgNVBAsTAlVOMRQwEgYDVQQDEwtIZXJvbmcgWWFu\nZzBcMA0GCSqGSIb3DQEBAQUAA0sAMEgCQQCp5hnG7ogBhtlynpOS21cBewKE/B7j\nV14qeyslnr26xZUsSVko36ZnhiaO/zbMOoRcKK9vEcgMtcLFuQTWDl3RAgMBAAGj\ngbEwga4wHQYDVR0OBBYEFFXI70krXeQDxZgbaCQoR4jUDncEMH8GA1UdIwR4MHaA\nFFXI70krXeQDxZgbaCQoR4jUDncEoVukWTBXMQswCQYDVQQGEwJDTjELMAkGA1UE\nCBMCUE4xCzAJBgNVBAcTAkNOMQswCQYDVQQKEwJPTjELMAkGA1UECxMCVU4xFDAS\nBgNVBAMTC0hlcm9uZyBZYW5nggEAMAwGA1UdEwQFMAMBAf8wDQYJKoZIhvcNAQEE\nBQADQQA/ugzBrjjK9jcWnDVfGHlk3icNRq0oV7Ri32z/+HQX67aRfgZu7KWdI+Ju\nWm7DCfrPNGVwFWUQOmsPue9rZBgO\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "docker/cli:cli/command/testdata/ca.pem#L1-L18",
        "-----BEGIN CERTIFICATE-----\nMIIC+TCCAeGgAwIBAgIBATANBgkqhkiG9w0BAQsFADAeMQswCQYDVQQGEwJGUjEP\nMA0GA1UEChMGRG9ja2VyMB4XDTE5MDMwMzIzMDAwMFoXDTI0MDMwMTIzMDAwMFow\nHjELMAkGA1UEBhMCRlIxDzANBgNVBAoTBkRvY2tlcjCCASIwDQYJKoZIhvcNAQEB\nBQADggEPADCCAQoCggEBAMkifL8Ne9B9LQ8+pKD20meVuV34Ol/xUcH/OfxbiBMa\nHrlIKsGIaO9GraBLq1DJyaZ6sP6ntfwXqwBYQrAN2fQL1AmwMetqpNjby307XqRa\nGUQekjG710LfAFKsS/yD/R8L944MFmTbYwGyjROExs8ZAA4fkA8SATzRXhM3a8dE\nYcrXacZQqd5dwFFS/UyJQbMoNx7IgzrXySqpt3rV8qD8MAUebgshd2p9CQO6zzoU\nImOJImMc/15LFZymemm2KvzXTM4J9UYdibXZGzpxcnyGNCb4FVV0HF0Ya+NMDwvY\nnNpW5rea64ppS8McejePRCmLS8DxMxKTLB7eW97LuDECAwEAAaNCMEAwDwYDVR0T\nAQH/BAUwAwEB/zAdBgNVHQ4EFgQU6zuJSXHxniajbNcc4SHoM+fatvMwDgYDVR0P\nAQH/BAQDAgE+MA0GCSqGSIb3DQEBCwUAA4IBAQB2l46NnKzoTOCuUjxGmUv3s1np\nrENRWlq0mHjCzoYSocg/IcwY7fz41XkwTVV8O3h/Jm25YGnj4lqaXlEKYJ63W8eI\nwGLcirUAORSspcf+jd7OOjluzYCtuvVtOKR8w22pp5oE/AooGaO5y0ysefZBopr4\nCNUNsEYhDKFg7tfj6Govi6+0PNxvB53we4nU7NhJNMaClhh/pi8zbeaEf67S6eKn\nZ3DFqO+8FW4wEePLwhCftESCTwx6Q24v/WIYnzYOXC5mb2B9MwkyJXJIJxxPIeSs\nPycNQ2kw7gk/TKkLMNQbX4fgFB0zfdofidTAkqOIqFHq/8iD2DYEZQFgCD3v\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "helm/helm:pkg/getter/testdata/ca.crt#L1-L25",
        "-----BEGIN CERTIFICATE-----\nMIIEJDCCAwygAwIBAgIUcGE5xyj7IH7sZLntsHKxZHCd3awwDQYJKoZIhvcNAQEL\nBQAwYTELMAkGA1UEBhMCSU4xDzANBgNVBAgMBktlcmFsYTEOMAwGA1UEBwwFS29j\naGkxGDAWBgNVBAoMD2NoYXJ0bXVzZXVtLmNvbTEXMBUGA1UEAwwOY2hhcnRtdXNl\ndW1fY2EwIBcNMjAxMjA0MDkxMjU4WhgPMjI5NDA5MTkwOTEyNThaMGExCzAJBgNV\nBAYTAklOMQ8wDQYDVQQIDAZLZXJhbGExDjAMBgNVBAcMBUtvY2hpMRgwFgYDVQQK\nDA9jaGFydG11c2V1bS5jb20xFzAVBgNVBAMMDmNoYXJ0bXVzZXVtX2NhMIIBIjAN\nBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqQJi/BRWzaXlkDP48kUAWgaLtD0Y\n72E30WBZDAw3S+BaYulRk1LWK1QM+ALiZQb1a6YgNvuERyywOv45pZaC2xtP6Bju\n+59kwBrEtNCTNa2cSqs0hSw6NCDe+K8lpFKlTdh4c5sAkiDkMBr1R6uu7o4HvfO0\niGMZ9VUdrbf4psZIyPVRdt/sAkAKqbjQfxr6VUmMktrZNND+mwPgrhS2kPL4P+JS\nzpxgpkuSUvg5DvJuypmCI0fDr6GwshqXM1ONHE0HT8MEVy1xZj9rVHt7sgQhjBX1\nPsFySZrq1lSz8R864c1l+tCGlk9+1ldQjc9tBzdvCjJB+nYfTTpBUk/VKwIDAQAB\no4HRMIHOMB0GA1UdDgQWBBSv1IMZGHWsZVqJkJoPDzVLMcUivjCBngYDVR0jBIGW\nMIGTgBSv1IMZGHWsZVqJkJoPDzVLMcUivqFlpGMwYTELMAkGA1UEBhMCSU4xDzAN\nBgNVBAgMBktlcmFsYTEOMAwGA1UEBwwFS29jaGkxGDAWBgNVBAoMD2NoYXJ0bXVz\nZXVtLmNvbTEXMBUGA1UEAwwOY2hhcnRtdXNldW1fY2GCFHBhOcco+yB+7GS57bBy\nsWRwnd2sMAwGA1UdEwQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAI6Fg9F8cjB9\n2jJn1vZPpynSFs7XPlUBVh0YXBt+o6g7+nKInwFBPzPEQ7ZZotz3GIe4I7wYiQAn\nc6TU2nnqK+9TLbJIyv6NOfikLgwrTy+dAW8wrOiu+IIzA8Gdy8z8m3B7v9RUYVhx\nzoNoqCEvOIzCZKDH68PZDJrDVSuvPPK33Ywj3zxYeDNXU87BKGER0vjeVG4oTAcQ\nhKJURh4IRy/eW9NWiFqvNgst7k5MldOgLIOUBh1faaxlWkjuGpfdr/EBAAr491S5\nIPFU7TopsrgANnxldSzVbcgfo2nt0A976T3xZQHy3xpk1rIt55xVzT0W55NRAc7v\n+9NTUOB10so=\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "helm/helm:pkg/provenance/testdata/msgblock.yaml.asc#L1-L22",
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v1\ndescription: Test chart versioning\nname: hashtest\nversion: 1.2.3\n\n...\nfiles:\n  hashtest-1.2.3.tgz: sha256:c6841b3a895f1444a6738b5d04564a57e860ce42f8519c3be807fb6d9bee7888\n-----BEGIN PGP SIGNATURE-----\n\niQFJBAEBCgAzFiEEXmFTibU8o38O5gvThDu/mB/Bh2IFAlyiiDcVHGhlbG0tdGVz\ndGluZ0BoZWxtLnNoAAoJEIQ7v5gfwYdiILAH/2f3GMVh+ZY5a+szOBudcuivjTcz\n0Im1MwWQZfB1po3Yu7smWZbf5tJCzvVpYtvRlfa0nguuIh763MwOh9Q7dBXOLAxm\nVCxqHm3svnNenBNfOpIygaMTgMZKxI4RrsKBgwPOTmlNtKg2lVaCiJAI30TXE6bB\n/DwEYX0wmTssrAcSpTzOOSC+zHnPKew+5A3SY3ms+gAtVAcLepmJjI7RS7RhQxDl\nAG+rWYis5gpDrk3U9OG1EOxqbftOAMqUl/kwI9eu5cPouN85rWwMe5pvHAvuyr/y\ncaYdlXDHTZsXmBuvfiUX6gqXtrpPCyKTCP+RzNf3+bXJM8m3u3gbMjGvKjU=\n=vHcU\n-----END PGP SIGNATURE-----",
    ),
    (
        "certificate_public_key",
        "minio/minio:.github/workflows/root.cert#L1-L9",
        "-----BEGIN CERTIFICATE-----\nMIIBKDCB26ADAgECAhB6vebGMUfKnmBKyqoApRSOMAUGAytlcDAbMRkwFwYDVQQD\nDBByb290QHBsYXkubWluLmlvMB4XDTIwMDQzMDE1MjIyNVoXDTI1MDQyOTE1MjIy\nNVowGzEZMBcGA1UEAwwQcm9vdEBwbGF5Lm1pbi5pbzAqMAUGAytlcAMhALzn735W\nfmSH/ghKs+4iPWziZMmWdiWr/sqvqeW+WwSxozUwMzAOBgNVHQ8BAf8EBAMCB4Aw\nEwYDVR0lBAwwCgYIKwYBBQUHAwIwDAYDVR0TAQH/BAIwADAFBgMrZXADQQDZOrGK\nb2ATkDlu2pTcP3LyhSBDpYh7V4TvjRkBTRgjkacCzwFLm+mh+7US8V4dBpIDsJ4u\nuWoF0y6vbLVGIlkG\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "minio/minio:internal/event/target/testdata/contrib/certs/nats_client_cert.pem#L1-L13",
        "-----BEGIN CERTIFICATE-----\nMIICCjCCAbGgAwIBAgIUKLFyLD0Ze9gR3A2aBxgEiT6MgZUwCgYIKoZIzj0EAwIw\nGDEWMBQGA1UEAwwNTWluaW8gUm9vdCBDQTAeFw0yMDA5MTQxMzI0MzNaFw0zMDA5\nMTIxMzI0MzNaMEIxCzAJBgNVBAYTAkNBMQ4wDAYDVQQKDAVNaW5JTzEPMA0GA1UE\nCwwGQ2xpZW50MRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\nPQMBBwNCAARAhYrQXYbzeKyVSw8nf57gBphwFP1o5S7CjxoGKCfghzdhExKiEmbi\nsK+FSS2YtltU7cM7L7AduLIbuEnGHHYQo4GuMIGrMAkGA1UdEwQCMAAwUwYDVR0j\nBEwwSoAUWN6Fr30E5vvvNOBkuGGkqGzA3SihHKQaMBgxFjAUBgNVBAMMDU1pbmlv\nIFJvb3QgQ0GCFHiTsAON45VvwFb0MxHEdLPeWi95MA4GA1UdDwEB/wQEAwIFoDAd\nBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwGgYDVR0RBBMwEYcEfwAAAYIJ\nbG9jYWxob3N0MAoGCCqGSM49BAMCA0cAMEQCIC7MHOEf0C/zqw/ZOaCffeJIMeFm\niT8ugBfhFbgGkd5YAiBz9FEfV4JMZQ4N29WLmvxxDSxkL8g5e3fnIK8Aa4excw==\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "psf/requests:tests/certs/expired/ca/ca.crt#L1-L22",
        "-----BEGIN CERTIFICATE-----\nMIIDpDCCAoygAwIBAgIUQt0yyZmppkHKNx4aXRrmD5tvjbswDQYJKoZIhvcNAQEL\nBQAwajELMAkGA1UEBhMCVVMxIzAhBgNVBAoMGlB5dGhvbiBTb2Z0d2FyZSBGb3Vu\nZGF0aW9uMRgwFgYDVQQLDA9weXRob24tcmVxdWVzdHMxHDAaBgNVBAMME1NlbGYt\nU2lnbmVkIFJvb3QgQ0EwHhcNMjUwMzI5MTM1MTQ1WhcNNDUwMzI0MTM1MTQ1WjBq\nMQswCQYDVQQGEwJVUzEjMCEGA1UECgwaUHl0aG9uIFNvZnR3YXJlIEZvdW5kYXRp\nb24xGDAWBgNVBAsMD3B5dGhvbi1yZXF1ZXN0czEcMBoGA1UEAwwTU2VsZi1TaWdu\nZWQgUm9vdCBDQTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJ9lSHzZ\n0X+v0Zbz0g3a+o6Iwy6KQgA7dIQjf65IYJ1ZPXcL42esUntcX8PpQbLWa+bwp+FK\ndqlagCS2jI9dJz8Y3MnMLBmiiXvET6ub/S9u7VdtRxByoHydBEvNMKEMga64PwMe\nztuZ6fX2xPmRnLQIippzfzdxDFHxbUWzjzEQEl+4EGbKX5vPi6A9yL3ofgMi4APZ\nC8/YoqAaqzjLIM9KZ/zqT36iQ6wsxBXAacd63L5M8lrAKfZoJeX6uYxNIIfaxQRz\nzVxdpVBjHJ/odqoadwKzU7YzN5Fs+6ATNvkrhlUzg1i0MyTGtCdkUIAt/hc6ZrW6\n/kqHpCgUwUc4Dq0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E\nBAMCAYYwHQYDVR0OBBYEFAhGiD3+10LBrdMW3+j/ceXMXSqcMA0GCSqGSIb3DQEB\nCwUAA4IBAQBRT21cyZ0Jx0JLA2ilYTLvpMsSryGyWrCOXlmRlBt1MAhmxdTRgCmu\nUB3UU2pfnrC16UeMVVS411lhzjowFXkXrjAqSUBRcetUIYHlpnGgDdUl4dV/X5kx\nHxD9VUBx/QwGeyzFhjzjeN89M2v9kPnhU/kkVfcsafwYiHdC6pwN6zeZNz7JP+GS\nrmI+KVpm5C+Nz6ekm3TR8rFgPIsiDTbY3qj/DNYX2+NhpU1DZfm687vhOr3Ekljx\nNHNu9++STEjGpirrI8EqQnK+FP2fRJ5D82YZM0d++8tmHKpY0+FRCr8//459sgun\nCojmhIobDa2NuF81Jx6Cc7lagCPG3/Ts\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "psf/requests:tests/certs/mtls/client/client.pem#L1-L30",
        "-----BEGIN CERTIFICATE-----\nMIIDpjCCAo6gAwIBAgIUTzbDp+B1umRS0Q7rgefxif9Im4IwDQYJKoZIhvcNAQEL\nBQAwajELMAkGA1UEBhMCVVMxIzAhBgNVBAoMGlB5dGhvbiBTb2Z0d2FyZSBGb3Vu\nZGF0aW9uMRgwFgYDVQQLDA9weXRob24tcmVxdWVzdHMxHDAaBgNVBAMME1NlbGYt\nU2lnbmVkIFJvb3QgQ0EwHhcNMjUwMjE3MDAzODIzWhcNMjcwMjE3MDAzODIzWjBs\nMQswCQYDVQQGEwJVUzELMAkGA1UECAwCREUxIzAhBgNVBAoMGlB5dGhvbiBTb2Z0\nd2FyZSBGb3VuZGF0aW9uMRgwFgYDVQQLDA9weXRob24tcmVxdWVzdHMxETAPBgNV\nBAMMCHJlcXVlc3RzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmt2+\n7mS8LLmDrDruBzMROT+7orRQGZ/oy/SWpcKndWjK3l+/pIj849asVXX6biKY17ls\nszslShR+SqSZQuyNNOHuzFUuNbbbq8tJg5ZbLs8D45LBRM0uPJ0XV1rOU950c9h2\naFVKEKbKg53WlQINCfT/hwQD9Zbia3NkiaagJ/+nIAzdcAL1EFxJIlHLA5N7qf0t\njoqjRhRb3hrLYzgKVVuUPGzAN6ZoCwsW5yIqaLneArHgf+Vqt6jynrR2C5uiiIxt\nxzgT1vOnSgml+HvGHAp4m0I0Sk6KTUCKJAhm3CqaSQge+0gajdJntYBBT0SHav67\ncTppKX43Q8xcrhjgmwIDAQABo0IwQDAdBgNVHQ4EFgQU3Ujw+VSuTzPgHqU+KFwO\nT4t2MHswHwYDVR0jBBgwFoAUCEaIPf7XQsGt0xbf6P9x5cxdKpwwDQYJKoZIhvcN\nAQELBQADggEBAEvrKXWHRRDIf26j2fH9hanx0nh+lxvI4jSWYmK0rJXZA3htEvWn\ngcoUspmhmLlgmRMP88lGINMjTsogUubu2j6WF/WuKxAWWvl/hUgK8NzOwOHvByPB\nlhO/rSNGdOWGlnaW1TVO4kI8w6c6LwzOCpY8WvOZLW+v7duLhKUdhaJMR9X77Tbt\nohHkyYm0gV79izaFRpA6mdYoyHOR4gyWAKaj942doU794fT4gqQacRNifl/kUbWI\nlilktTLyLnmBJgrxHVBxcGe8kwnPafA1k3Gb1w7mY5BSoGKglKjutTfqR3uTjAQb\nvskS4SGXmsEIjLrXYWFNHyoC3pCBXWhX6Kc=\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIDlDCCAnygAwIBAgIUG/CTOPIQbH2BI36TyThUChQyR8wwDQYJKoZIhvcNAQEL\nBQAwajELMAkGA1UEBhMCVVMxIzAhBgNVBAoMGlB5dGhvbiBTb2Z0d2FyZSBGb3Vu\nZGF0aW9uMRgwFgYDVQQLDA9weXRob24tcmVxdWVzdHMxHDAaBgNVBAMME1NlbGYt\nU2lnbmVkIFJvb3QgQ0EwHhcNMjUwMjE3MDAzODIyWhcNNDUwMjEyMDAzODIyWjBq\nMQswCQYDVQQGEwJVUzEjMCEGA1UECgwaUHl0aG9uIFNvZnR3YXJlIEZvdW5kYXRp\nb24xGDAWBgNVBAsMD3B5dGhvbi1yZXF1ZXN0czEcMBoGA1UEAwwTU2VsZi1TaWdu\nZWQgUm9vdCBDQTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJ9lSHzZ",
    ),
    (
        "certificate_public_key",
        "pypa/pip:src/pip/_vendor/certifi/cacert.pem#L1-L30",
        '\n# Issuer: CN=COMODO ECC Certification Authority O=COMODO CA Limited\n# Subject: CN=COMODO ECC Certification Authority O=COMODO CA Limited\n# Label: "COMODO ECC Certification Authority"\n# Serial: 41578283867086692638256921589707938090\n# MD5 Fingerprint: 7c:62:ff:74:9d:31:53:5e:68:4a:d5:78:aa:1e:bf:23\n# SHA1 Fingerprint: 9f:74:4e:9f:2b:4d:ba:ec:0f:31:2c:50:b6:56:3b:8e:2d:93:c3:11\n# SHA256 Fingerprint: 17:93:92:7a:06:14:54:97:89:ad:ce:2f:8f:34:f7:f0:b6:6d:0f:3a:e3:a3:b8:4d:21:ec:15:db:ba:4f:ad:c7\n-----BEGIN CERTIFICATE-----\nMIICiTCCAg+gAwIBAgIQH0evqmIAcFBUTAGem2OZKjAKBggqhkjOPQQDAzCBhTEL\nMAkGA1UEBhMCR0IxGzAZBgNVBAgTEkdyZWF0ZXIgTWFuY2hlc3RlcjEQMA4GA1UE\nBxMHU2FsZm9yZDEaMBgGA1UEChMRQ09NT0RPIENBIExpbWl0ZWQxKzApBgNVBAMT\nIkNPTU9ETyBFQ0MgQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkwHhcNMDgwMzA2MDAw\nMDAwWhcNMzgwMTE4MjM1OTU5WjCBhTELMAkGA1UEBhMCR0IxGzAZBgNVBAgTEkdy\nZWF0ZXIgTWFuY2hlc3RlcjEQMA4GA1UEBxMHU2FsZm9yZDEaMBgGA1UEChMRQ09N\nT0RPIENBIExpbWl0ZWQxKzApBgNVBAMTIkNPTU9ETyBFQ0MgQ2VydGlmaWNhdGlv\nbiBBdXRob3JpdHkwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAQDR3svdcmCFYX7deSR\nFtSrYpn1PlILBs5BAH+X4QokPB0BBO490o0JlwzgdeT6+3eKKvUDYEs2ixYjFq0J\ncfRK9ChQtP6IHG4/bC8vCVlbpVsLM5niwz2J+Wos77LTBumjQjBAMB0GA1UdDgQW\nBBR1cacZSBm8nZ3qQUfflMRId5nTeTAOBgNVHQ8BAf8EBAMCAQYwDwYDVR0TAQH/\nBAUwAwEB/zAKBggqhkjOPQQDAwNoADBlAjEA7wNbeqy3eApyt4jf/7VGFAkK+qDm\nfQjGGoe9GKhzvSbKYAydzpmfz1wPMOG+FDHqAjAU9JM8SaczepBGR7NjfRObTrdv\nGDeAU/7dIOA1mjbRxwG55tzd8/8dLDoWV9mSOdY=\n-----END CERTIFICATE-----\n\n# Issuer: CN=NetLock Arany (Class Gold) F\\u0151tan\\xfas\\xedtv\\xe1ny O=NetLock Kft. OU=Tan\\xfas\\xedtv\\xe1nykiad\\xf3k (Certification Services)\n# Subject: CN=NetLock Arany (Class Gold) F\\u0151tan\\xfas\\xedtv\\xe1ny O=NetLock Kft. OU=Tan\\xfas\\xedtv\\xe1nykiad\\xf3k (Certification Services)\n# Label: "NetLock Arany (Class Gold) F\\u0151tan\\xfas\\xedtv\\xe1ny"\n# Serial: 80544274841616\n# MD5 Fingerprint: c5:a1:b7:ff:73:dd:d6:d7:34:32:18:df:fc:3c:ad:88',
    ),
    (
        "certificate_public_key",
        "traefik/traefik:integration/fixtures/acme/ssl/wildcard.crt#L1-L19",
        "-----BEGIN CERTIFICATE-----\nMIIDJDCCAgwCCQCS90TE7NuTqzANBgkqhkiG9w0BAQsFADBUMQswCQYDVQQGEwJG\nUjELMAkGA1UECAwCTVAxETAPBgNVBAcMCFRvdWxvdXNlMRMwEQYDVQQDDAoqLmFj\nbWUud3RmMRAwDgYDVQQLDAdUcmFlZmlrMB4XDTE3MDYyMzE0NTE0MVoXDTI3MDYy\nMTE0NTE0MVowVDELMAkGA1UEBhMCRlIxCzAJBgNVBAgMAk1QMREwDwYDVQQHDAhU\nb3Vsb3VzZTETMBEGA1UEAwwKKi5hY21lLnd0ZjEQMA4GA1UECwwHVHJhZWZpazCC\nASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAODqsVCLhauFZPhPXqZDIKST\nwqoJST+jO5O/WmA7oC4S6JlecRoNsHAXyddd3cQW3yZqB0ryOHrMOpMX0PPXf3jS\nOOXoXA6xsq+RXlR4hDrBkOrj/LR/g62Eiuj2JVO2uy6tKJIetSB/Wzl6OgRkY/um\nEXIc7zQS81/QKg+pg7Z4AYJht5J88nOFHJ3RspUMaH1vJ6LhH3MOUkgFj+I1OiqX\nTnkd7EDWbkYxAJa0xI2qbmY5VYv8dsIUN+IlPFDtBt87Fc2qv5dQkOz11FDYxWnz\n+kxX6+MESLBaTvJjXvG+bzTfh9xCExFQFiN+Us0JuLX8HKQ4MqWL2IiVLsko2osC\nAwEAATANBgkqhkiG9w0BAQsFAAOCAQEAl2jTX2yzUpiufrJ6WtZjKIAH8GF817hS\ndWvt2eyLrBPvllMUj8zqCE5uNVUDVuXQvOhOyx+3zZzfcgfYqbTD8G8amNWcSiRA\nvonoOn1p1pW2OonSi32h3qv5i4gCyh/6cBneYi03lkQ7uLCsJK9+dXTAvoKL6s23\nIXhZGS0Qkvs4vkORA2MX9tyJdyfCCaCx3GpPCGkKrKJ8ePTEvq1ZE2xdhERnV5pz\nL1PRY2QthXXVjMz7AXw0gkHvAbtrKVKR1Tv4ZK34bFBh/kyGAjkcn0zdeFKITqTF\ntCoXWEArmiRqGuXwbqU3mEA9Cv6aMM+0YX89K2InhOnBU80OWs0uMQ==\n-----END CERTIFICATE-----",
    ),
    (
        "certificate_public_key",
        "traefik/traefik:integration/fixtures/https/clientca/ca1.crt#L1-L19",
        "-----BEGIN CERTIFICATE-----\nMIIDFTCCAf2gAwIBAgIUd9ORKqy5CUX4DnPlEEZ/d+IiUvYwDQYJKoZIhvcNAQEL\nBQAwGjEYMBYGA1UEAwwPY2ExLmV4YW1wbGUuY29tMB4XDTIyMDgwODEyNTQwMVoX\nDTMyMDgwNTEyNTQwMVowGjEYMBYGA1UEAwwPY2ExLmV4YW1wbGUuY29tMIIBIjAN\nBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8AxPNLi5i9HrE2EdUgrKNIaLHaZP\n44hVkqbt6eKlTTs2u9TUNQM+DFPOHhZ5vyRCEthNv1gXhIY0K7qcJZd8Ot1+h+Yo\nsEoSU3i4WCeYhG5QWgcRmxPsZ40HGd943HkyFPE3MIAkviZ2oLxoU7Iw3F8Ly2n+\n5oFJOlPrIMKYF4JmMpa5WqHwjAZBkNa9avrjXmNaPHTB0a7DRCeq+qackoaseTJ2\nX0wfFSZsd4d0anyhYKaUlJGe8bSukkyXKzl//15zWf9TBtCf+gi38Iprn5jpr8hj\nWe0o7393UmXwQyKvPZds46p3l4Lx0PRcqf867pBtbpTVJiLVr48G462aPQIDAQAB\no1MwUTAdBgNVHQ4EFgQURvvnzmb0HYP3fSIlUKBTuUljwJ0wHwYDVR0jBBgwFoAU\nRvvnzmb0HYP3fSIlUKBTuUljwJ0wDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0B\nAQsFAAOCAQEAcBY+kp7Rn4pfJXKCusgaLQ21SKuZXecnZeXYUn8TwUgfjL+oNVzh\nftQq6kD+CaYXFwAzYMi43nbJevMULqsH3R14ZTeE2zBKu+u4Q+qYQEPfVV59OfQj\nFxlS9yhmOnQK3FofDNbBXMpV50Zbadgq3uYL+2DiO/bTpZ2zM7jaBJkv6PRhgXM0\nlw9Qg9lhQWShWocMXlSS5QTddNlDBLxWI70GARS1Qj6bjhF4WMV04/aAd+m7tVgD\nygfs3+y3lvfZxloUDoatVs6sM/03MgZFwSPNWryRzMol3162pPnm6B2PtWsCcJvu\nYnXB6GI9cjYqjofBUQL/OgWBqgyghUbtMQ==\n-----END CERTIFICATE-----",
    ),
    (
        "ci_workflow",
        "BurntSushi/ripgrep:.github/workflows/release.yml#L280-L299",
        '      if: ${{ !startsWith(matrix.os, \'windows\') }}\n      run: |\n        tar czf "$ARCHIVE.tar.gz" "$ARCHIVE"\n        shasum -a 256 "$ARCHIVE.tar.gz" > "$ARCHIVE.tar.gz.sha256"\n        echo "ASSET=$ARCHIVE.tar.gz" >> $GITHUB_ENV\n        echo "ASSET_SUM=$ARCHIVE.tar.gz.sha256" >> $GITHUB_ENV\n\n    - name: Attest build provenance\n      uses: actions/attest-build-provenance@977bb373ede98d70efdf65b84cb5f73e068dcc2a # v3.0.0\n      with:\n        subject-path: ${{ env.ASSET }}\n\n    - name: Upload release archive\n      env:\n        GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n      shell: bash\n      run: |\n        version="${{ needs.create-release.outputs.version }}"\n        gh release upload "$version" ${{ env.ASSET }} ${{ env.ASSET_SUM }}\n',
    ),
    (
        "ci_workflow",
        "GitGuardian/ggshield:.github/workflows/ci.yml#L191-L201",
        "    # cmd/secret/scan/ai_hook.py, and pyproject.toml / uv.lock (a pygitguardian\n    # bump can change the wire schema -- that is how the `type` vs `break_type`\n    # bug was found). Enumerating that list is a maintenance burden whose\n    # failure mode is a silent false negative, so the job just always runs.\n    # A few minutes of CI is the cheaper side of that trade.\n    runs-on: ubuntu-22.04\n    steps:\n      - uses: actions/checkout@v7\n\n      - name: Install uv and set the Python version\n        uses: astral-sh/setup-uv@v7",
    ),
    (
        "ci_workflow",
        "GoogleCloudPlatform/microservices-demo:.github/workflows/deploy-pr.yaml#L167-L172",
        "          exit 1\n        fi\n    - name: Comment EXTERNAL_IP\n      timeout-minutes: 5\n      env:\n        GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    ),
    (
        "ci_workflow",
        "aquasecurity/trivy:.github/workflows/canary.yaml#L49-L63",
        "      - name: Upload artifacts (trivy_Linux-ARM64)\n        uses: actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a # v7.0.1\n        with:\n          name: trivy_Linux-ARM64\n          path: dist/trivy_*_Linux-ARM64.tar.gz\n          if-no-files-found: error\n\n      - name: Upload artifacts (trivy_macOS-64bit)\n        uses: actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a # v7.0.1\n        with:\n          name: trivy_macOS-64bit\n          path: dist/trivy_*_macOS-64bit.tar.gz\n          if-no-files-found: error\n\n      - name: Upload artifacts (trivy_macOS-ARM64)",
    ),
    (
        "ci_workflow",
        "argoproj/argo-cd:.github/workflows/ci-build.yaml#L244-L253",
        "      ARGOCD_TEST_PARALLEL: '2'\n      GITLAB_TOKEN: ${{ secrets.E2E_TEST_GITLAB_TOKEN }}\n    steps:\n      - name: Harden the runner (Audit all outbound calls)\n        if: ${{ vars.disable_harden_runner != 'true' }}\n        uses: step-security/harden-runner@05e31511f85b41b11d1cf0ef85d0992719546e2c # v2.21.0\n        with:\n          egress-policy: audit    \n      - name: Create checkout directory\n        run: mkdir -p ~/go/src/github.com/argoproj",
    ),
    (
        "ci_workflow",
        "aws-actions/configure-aws-credentials:README.md#L163-L180",
        '| role-to-assume                | Role for which to fetch credentials. Only required for some authentication types.                                                                                                                                                                                                                                                                                                                                                       | No       |\n| aws-access-key-id             | AWS access key to use. Only required for some authentication types.                                                                                                                                                                                                                                                                                                                                                                     | No       |\n| aws-secret-access-key         | AWS secret key to use. Only required for some authentication types.                                                                                                                                                                                                                                                                                                                                                                     | No       |\n| aws-session-token             | AWS session token to use. Used in uncommon authentication scenarios.                                                                                                                                                                                                                                                                                                                                                                    | No       |\n| role-chaining                 | Use existing credentials from the environment to assume a new role.                                                                                                                                                                                                                                                                                                                                                                     | No       |\n| audience                      | The JWT audience when using OIDC. Used in non-default AWS partitions, like China regions.                                                                                                                                                                                                                                                                                                                                               | No       |\n| http-proxy                    | An HTTP proxy to use for API calls.                                                                                                                                                                                                                                                                                                                                                                                                     | No       |\n| mask-aws-account-id           | AWS account IDs are not considered secret. Setting this will hide account IDs from output anyway.                                                                                                                                                                                                                                                                                                                                       | No       |\n| role-duration-seconds         | The assumed role duration in seconds, if assuming a role. Defaults to 1 hour (3600 seconds). Acceptable values range from 15 minutes (900 seconds) to 12 hours (43200 seconds).                                                                                                                                                                                                                                                         | No       |\n| role-external-id              | The external ID of the role to assume. Only needed if your role requires it.                                                                                                                                                                                                                                                                                                                                                            | No       |\n| role-session-name             | Defaults to "GitHubActions", but may be changed if required.                                                                                                                                                                                                                                                                                                                                                                            | No       |\n| role-skip-session-tagging     | Skips session tagging if set.                                                                                                                                                                                                                                                                                                                                                                                                           | No       |\n| transitive-tag-keys           | Define a list of transitive tag keys to pass when assuming a role.                                                                                                                                                                                                                                                                                                                                                                      | No       |\n| custom-tags                   | Additional tags to apply to the assumed role session. Must be a JSON object provided as a string. Custom tags are not usable with OIDC or web identity token authentication.                                                                                                                                                                                                                                                            | No       |\n| inline-session-policy         | You may further restrict the assumed role policy by defining an inline policy here.                                                                                                                                                                                                                                                                                                                                                     | No       |\n| managed-session-policies      | You may further restrict the assumed role policy by specifying a managed policy here.                                                                                                                                                                                                                                                                                                                                                   | No       |\n| output-credentials            | When set, outputs fetched credentials as action step output. (Outputs aws-access-key-id, aws-secret-access-key, aws-session-token, aws-account-id, authenticated-arn, and aws-expiration). Defaults to false.                                                                                                                                                                                                                           | No       |\n| output-env-credentials        | When set, outputs fetched credentials as environment variables (AWS_REGION, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and AWS_PROFILE (if profile option is used)). Defaults to true when `aws-profile` is not set, and false when `aws-profile` is set. Set to false to avoid setting env variables. (NOTE: Setting to false will prevent aws-account-id from being exported as a step output). | No       |',
    ),
    (
        "ci_workflow",
        "axios/axios:.github/workflows/publish.yml#L82-L84",
        "        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n        run: node ./bin/actions/notify_published.js --tag ${{ github.event.inputs.tag || github.event.release.tag_name }}",
    ),
    (
        "ci_workflow",
        "bitnami-labs/sealed-secrets:.github/workflows/helm-release.yaml#L43-L49",
        "\n      - name: Install Carvel\n        uses: carvel-dev/setup-action@a11507416d8fea298e923fe4356f4e4f4097f15b # v1.3.0\n        with:\n          only: kbld, imgpkg\n          token: ${{ secrets.GITHUB_TOKEN }}\n",
    ),
    (
        "ci_workflow",
        "caddyserver/caddy:.github/workflows/release.yml#L81-L93",
        '        env:\n          signing_keys: ${{ secrets.SIGNING_KEYS }}\n        run: |\n          # Read the string into an array, splitting by IFS\n          IFS=";" read -ra keys_collection <<< "$signing_keys"\n          \n          # ref: https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#example-usage-of-the-runner-context\n          touch "${{ runner.temp }}/allowed_signers"\n\n          # Iterate and print the split elements\n          for item in "${keys_collection[@]}"; do\n          \n            # trim leading whitespaces',
    ),
    (
        "ci_workflow",
        "cli/cli:.github/workflows/deployment.yml#L103-L119",
        "        run: script/release --local \"$TAG_NAME\" --platform macos\n      - name: Notarize macOS archives\n        if: inputs.environment == 'production'\n        env:\n          APPLE_ID: ${{ vars.APPLE_ID }}\n          APPLE_ID_PASSWORD: ${{ secrets.APPLE_ID_PASSWORD }}\n          APPLE_DEVELOPER_ID: ${{ vars.APPLE_DEVELOPER_ID }}\n        run: |\n          shopt -s failglob\n          script/sign dist/gh_*_macOS_*.zip\n      - name: Build universal macOS pkg installer\n        if: inputs.environment != 'production'\n        env:\n          TAG_NAME: ${{ inputs.tag_name }}\n        run: script/pkgmacos \"$TAG_NAME\"\n      - name: Build & notarize universal macOS pkg installer\n        if: inputs.environment == 'production'",
    ),
    (
        "ci_workflow",
        "docker/build-push-action:README.md#L105-L114",
        "so it does not need to be passed. If you want to authenticate against another\nprivate repository, you have to use a [secret](https://docs.docker.com/build/ci/github-actions/secrets)\nnamed `GIT_AUTH_TOKEN` to be able to authenticate against it with Buildx:\n\n```yaml\n      -\n        name: Build and push\n        uses: docker/build-push-action@v7\n        with:\n          push: true",
    ),
    (
        "ci_workflow",
        "documenso/documenso:.github/workflows/publish.yml#L39-L49",
        "        with:\n          registry: ghcr.io\n          username: ${{ github.repository_owner }}\n          password: ${{ secrets.GH_TOKEN }}\n\n      - name: Build the docker image\n        env:\n          BUILD_PLATFORM: ${{ matrix.os == 'warp-ubuntu-latest-arm64-4x' && 'arm64' || 'amd64' }}\n          NEXT_PRIVATE_TELEMETRY_KEY: ${{ secrets.NEXT_PRIVATE_TELEMETRY_KEY }}\n          NEXT_PRIVATE_TELEMETRY_HOST: ${{ secrets.NEXT_PRIVATE_TELEMETRY_HOST }}\n          APP_VERSION: ${{ inputs.tag || '' }}",
    ),
    (
        "ci_workflow",
        "external-secrets/external-secrets:.github/workflows/e2e-reusable.yml#L249-L267",
        "      - name: Checkout\n        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          ref: ${{ env.TARGET_SHA || github.sha }}\n          persist-credentials: false\n\n      - name: Configure AWS Credentials\n        if: env.AWS_OIDC_ROLE_ARN != ''\n        uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n        with:\n          role-to-assume: ${{ env.AWS_OIDC_ROLE_ARN }}\n          aws-region: ${{ env.AWS_REGION }}\n\n      - name: Setup kind\n        uses: engineerd/setup-kind@aa272fe2a7309878ffc2a81c56cfe3ef108ae7d0 # v0.5.0\n        with:\n          version: ${{ env.KIND_VERSION }}\n          wait: 10m\n          image: ${{ env.KIND_IMAGE }}",
    ),
    (
        "ci_workflow",
        "fastapi/full-stack-fastapi-template:.github/workflows/deploy.yml#L42-L47",
        "        run: uv run bash scripts/prestart.sh\n        working-directory: backend\n        env:\n          DATABASE_URL: ${{ secrets.DATABASE_URL }}\n          PROJECT_NAME: ${{ vars.PROJECT_NAME }}\n          SECRET_KEY: ${{ secrets.SECRET_KEY }}",
    ),
    (
        "ci_workflow",
        "getsops/sops:.github/workflows/release.yml#L180-L185",
        "\n    permissions:\n      actions: read # For detecting the Github Actions environment.\n      id-token: write # For creating OIDC tokens for signing.\n      packages: write # For uploading attestations.\n",
    ),
    (
        "ci_workflow",
        "gitleaks/gitleaks:.github/workflows/gitleaks.yml#L9-L17",
        "    if: ${{ github.repository == 'gitleaks/gitleaks' }}\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          fetch-depth: 0\n      - uses: gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e # v3\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          GITLEAKS_LICENSE: ${{ secrets.GITLEAKS_LICENSE}}",
    ),
    (
        "ci_workflow",
        "goreleaser/goreleaser:.github/workflows/release.yml#L137-L153",
        "      - name: ghcr-login\n        if: startsWith(github.ref, 'refs/tags/v')\n        uses: docker/login-action@dbcb813823bdd20940b903addbd779551569679f # v4.6.0\n        with:\n          registry: ghcr.io\n          username: ${{ github.repository_owner }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0\n        with:\n          node-version: \"24\"\n          registry-url: \"https://registry.npmjs.org\"\n      - uses: goreleaser/goreleaser-action@f06c13b6b1a9625abc9e6e439d9c05a8f2190e94 # v7.2.3\n        if: ${{ startsWith(github.ref, 'refs/tags/v') }} # only on tags\n        with:\n          distribution: goreleaser-pro\n          version: nightly\n          args: release --clean --timeout 60m",
    ),
    (
        "ci_workflow",
        "grafana/helm-charts:.github/workflows/update-helm-repo.yaml#L42-L49",
        '        description: GitHub api token to use against the helm-charts repository\n        required: false\n\nenv:\n  CR_CONFIGFILE: "${{ github.workspace }}/source/${{ inputs.cr_configfile }}"\n  CT_CONFIGFILE: "${{ github.workspace }}/source/${{ inputs.ct_configfile }}"\n  CR_INDEX_PATH: "${{ github.workspace }}/.cr-index"\n  CR_PACKAGE_PATH: "${{ github.workspace }}/.cr-release-packages"',
    ),
    (
        "ci_workflow",
        "gruntwork-io/terragrunt:.github/workflows/ci.yml#L152-L164",
        "      - name: Checkout code\n        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v6\n\n      - name: Use mise to install dependencies\n        uses: jdx/mise-action@1648a7812b9aeae629881980618f079932869151 # v4.0.1\n        with:\n          version: 2026.5.12\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n\n      - name: Download test outputs from all jobs\n        uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1\n        with:",
    ),
    (
        "ci_workflow",
        "h5bp/server-configs-nginx:.github/workflows/auto-merge.yml#L21-L32",
        '          github-token: ${{ secrets.GITHUB_TOKEN }}\n\n      - name: Approve a PR\n        if: steps.dependabot-metadata.outputs.update-type != \'version-update:semver-major\'\n        run: gh pr review --approve "$PR_URL"\n        env:\n          PR_URL: ${{ github.event.pull_request.html_url }}\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n\n      - name: Enable auto-merge for Dependabot PRs\n        run: gh pr merge --auto --rebase "$PR_URL"\n        env:',
    ),
    (
        "ci_workflow",
        "hashicorp/vault-helm:.github/workflows/acceptance.yaml#L31-L42",
        "          - ${{ needs.versions.outputs.K8S_3 }}\n          - ${{ needs.versions.outputs.K8S_4 }}\n          - ${{ needs.versions.outputs.K8S_5 }}\n    steps:\n      - uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0\n      - uses: ./.github/actions/acceptance-test\n        name: vault:${{ matrix.vault-version }} kind:${{ matrix.k8s-version }}\n        with:\n          k8s-version: ${{ matrix.k8s-version }}\n          vault-version: ${{ matrix.vault-version }}\n          vault-license: ${{ secrets.VAULT_LICENSE_CI }}\n          vault-enterprise: false",
    ),
    (
        "ci_workflow",
        "helm/helm:.github/workflows/release.yml#L93-L105",
        '        run: cat ".github/env" >> "$GITHUB_ENV"\n\n      - name: Setup Go\n        uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # pin@7.0.0\n        with:\n          go-version: \'${{ env.GOLANG_VERSION }}\'\n          check-latest: true\n\n      - name: Run unit tests\n        run: make test-coverage\n\n      - name: Build Helm Binaries\n        run: |',
    ),
    (
        "ci_workflow",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-desktop.yml#L326-L344",
        "          ${{ env.BUNDLER_PATH }}/target/release/webapp-bundler \\\n            --input ${{ env.WEB_PATH }}/dist \\\n            --output ${{ env.DESKTOP_PATH }}/bundle.zip \\\n            --manifest ${{ env.DESKTOP_PATH }}/manifest.json\n      - name: Build Tauri app with Apple signing\n        if: ${{ inputs.disable_signing != true }}\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          TAURI_SIGNING_PRIVATE_KEY: ${{ secrets.TAURI_PRIVATE_KEY }}\n          TAURI_SIGNING_PRIVATE_KEY_PASSWORD: ${{ secrets.TAURI_KEY_PASSWORD }}\n          APPLE_ID: ${{ secrets.HOPPSCOTCH_APPLE_ID }}\n          APPLE_PASSWORD: ${{ secrets.HOPPSCOTCH_APPLE_PASSWORD }}\n          APPLE_TEAM_ID: ${{ secrets.HOPPSCOTCH_APPLE_TEAM_ID }}\n          APPLE_SIGNING_IDENTITY: ${{ secrets.HOPPSCOTCH_APPLE_SIGNING_IDENTITY }}\n          RUST_LOG: debug\n        run: pnpm --dir ${{ env.DESKTOP_PATH }} tauri build --verbose --target x86_64-apple-darwin\n      - name: Build Tauri app without Apple signing\n        if: ${{ inputs.disable_signing == true }}\n        env:",
    ),
    (
        "ci_workflow",
        "jenkinsci/docker:.github/workflows/updatecli.yaml#L18-L28",
        "    steps:\n      - name: Checkout\n        uses: actions/checkout@v7\n\n      - name: Install Updatecli in the runner\n        uses: updatecli/updatecli-action@v3.5.0\n\n      - name: Run Updatecli in Dry Run mode\n        run: updatecli pipeline diff --config ./updatecli/updatecli.d --values ./updatecli/values.github-action.yaml\n        env:\n          UPDATECLI_GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    ),
    (
        "ci_workflow",
        "localstack/localstack:.github/workflows/aws-tests.yml#L281-L287",
        "               - 'tests/aws/services/cloudformation/**'\n\n      - name: Run Unit Tests\n        timeout-minutes: 20\n        env:\n          # add the GitHub API token to avoid rate limit issues\n          GITHUB_API_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    ),
    (
        "ci_workflow",
        "nektos/act:.github/workflows/release.yml#L10-L29",
        "\njobs:\n  release:\n    name: release\n    runs-on: ubuntu-latest\n    environment: release\n    steps:\n      - uses: actions/checkout@v6\n        with:\n          fetch-depth: 0\n      - uses: actions/setup-go@v6\n        with:\n          go-version-file: go.mod\n      - name: GoReleaser\n        uses: goreleaser/goreleaser-action@ec59f474b9834571250b370d4735c50f8e2d1e29 # v7\n        with:\n          version: '~> v2'\n          args: release --clean\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    ),
    (
        "ci_workflow",
        "nginx-proxy/nginx-proxy:.github/workflows/build-publish.yml#L74-L87",
        "      - name: Set up Docker Buildx\n        uses: docker/setup-buildx-action@v4\n\n      - name: Login to DockerHub\n        uses: docker/login-action@v4\n        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n          password: ${{ secrets.DOCKERHUB_TOKEN }}\n\n      - name: Log in to GitHub Container Registry\n        uses: docker/login-action@v4\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}",
    ),
    (
        "ci_workflow",
        "npm/cli:.github/workflows/release.yml#L195-L204",
        '          fi\n          echo "result=$result" >> $GITHUB_OUTPUT\n      - name: Conclude Check\n        uses: LouisBrunner/checks-action@v1.6.0\n        with:\n          token: ${{ secrets.GITHUB_TOKEN }}\n          conclusion: ${{ steps.conclusion.outputs.result }}\n          check_id: ${{ needs.update.outputs.check-id }}\n\n  post-release:',
    ),
    (
        "ci_workflow",
        "outline/outline:.github/workflows/docker-build.yml#L122-L141",
        "    runs-on: blacksmith-8vcpu-ubuntu-2404\n    needs:\n      - build\n    environment: ${{ inputs.environment }}\n    steps:\n      - name: Download digests\n        uses: actions/download-artifact@v5\n        with:\n          path: ${{ runner.temp }}/digests\n          pattern: digests-*\n          merge-multiple: true\n\n      - name: Login to Docker Hub\n        uses: docker/login-action@v4\n        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n          password: ${{ secrets.DOCKERHUB_TOKEN }}\n\n      - name: Setup Blacksmith Builder\n        uses: useblacksmith/setup-docker-builder@ab5c1da94f53f5cd75c1038092aa276dddfccbba  # v1",
    ),
    (
        "ci_workflow",
        "prometheus-community/helm-charts:.github/workflows/release.yaml#L69-L76",
        '      - name: Run chart-releaser\n        uses: helm/chart-releaser-action@cae68fefc6b5f367a0275617c9f83181ba54714f # v1.7.0\n        with:\n          skip_existing: true\n        env:\n          CR_TOKEN: "${{ secrets.GITHUB_TOKEN }}"\n          CR_GENERATE_RELEASE_NOTES: true\n          CR_SIGN: true',
    ),
    (
        "ci_workflow",
        "pydantic/pydantic:.github/workflows/ci.yml#L288-L302",
        "\n      - run: ls -lh dist/\n        working-directory: pydantic-core\n\n      - uses: actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a # v7.0.1\n        with:\n          name: pydantic_core_pypi_files_pyemscripten_${{ matrix.python-version }}\n          path: pydantic-core/dist\n\n  core-bench:\n    name: core / Run Rust benchmarks\n    runs-on: ubuntu-latest\n\n    steps:\n      - uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 #\xa0v7.0.0",
    ),
    (
        "ci_workflow",
        "pypa/gh-action-pypi-publish:README.md#L209-L228",
        "\n```yml\n   with:\n     verbose: true\n```\n\n### Showing hash values of files to be uploaded\n\nYou may want to verify whether the files on PyPI were automatically uploaded by CI script.\nIt will show SHA256, MD5, BLAKE2-256 values of files to be uploaded.\n\n```yml\n  with:\n    print-hash: true\n```\n\n### Specifying a different username\n\nThe default username value is `__token__`. If you publish to a custom\nregistry that does not provide API tokens, like `devpi`, you may need to",
    ),
    (
        "ci_workflow",
        "pypa/pipenv:.github/workflows/pypi_upload.yml#L62-L67",
        "        user: __token__\n        password: ${{ secrets.PYPI_TOKEN }}\n        packages-dir: dist/\n        verbose: true\n        # Uncomment the following line to publish to Test PyPI instead\n        # repository-url: https://test.pypi.org/legacy/",
    ),
    (
        "ci_workflow",
        "python-poetry/poetry:.github/workflows/docs.yaml#L66-L78",
        "          # Build the static website.\n          npx hugo --minify --logLevel info\n\n      - uses: amondnet/vercel-action@de09aeac2ace6599ec9b11ef87558759a496bac4 # v42.3.0\n        with:\n          vercel-version: 50.44.0\n          vercel-token: ${{ secrets.VERCEL_TOKEN }}\n          github-token: ${{ secrets.GITHUB_TOKEN }}\n          vercel-org-id: ${{ secrets.VERCEL_ORG_ID }}\n          vercel-project-id: ${{ secrets.VERCEL_PROJECT_ID }}\n          scope: python-poetry\n          github-comment: true\n          working-directory: public",
    ),
    (
        "ci_workflow",
        "sirwart/ripsecrets:.github/workflows/release.yml#L51-L66",
        "    needs:\n      - determine-tag\n\n    steps:\n      - uses: actions/checkout@v5\n\n      - name: Install and configure Nix\n        uses: cachix/install-nix-action@v25\n\n      - name: Build the OCI tar.gz\n        run: nix build .#ripsecrets-oci\n\n      - name: Temporarily save the OCI archive\n        uses: actions/upload-artifact@v4\n        with:\n          name: oci-tar-gz-${{ needs.determine-tag.outputs.version }}",
    ),
    (
        "ci_workflow",
        "snipe/snipe-it:.github/workflows/docker-alpine.yml#L57-L63",
        "          username: ${{ secrets.DOCKER_USERNAME }}\n          password: ${{ secrets.DOCKER_ACCESS_TOKEN }}\n\n      ###############################################\n      # Build/Push the 'snipe/snipe-it' image\n      ###############################################\n      # https://github.com/docker/metadata-action",
    ),
    (
        "ci_workflow",
        "sveltejs/svelte:.github/workflows/release.yml#L18-L30",
        "    permissions:\n      contents: write # to create release (changesets/action)\n      id-token: write # OpenID Connect token needed for provenance\n      pull-requests: write # to create pull request (changesets/action)\n    name: Release\n    runs-on: ubuntu-latest\n    steps:\n      - name: Checkout Repo\n        uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6\n        with:\n          # This makes Actions fetch all Git history so that Changesets can generate changelogs with the correct commits\n          fetch-depth: 0\n      - uses: pnpm/action-setup@0e279bb959325dab635dd2c09392533439d90093 # v6.0.8",
    ),
    (
        "ci_workflow",
        "traefik/traefik:.github/workflows/documentation.yaml#L25-L33",
        "    steps:\n      - name: Check out code\n        uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1\n        with:\n          persist-credentials: false\n          fetch-depth: 0\n\n      - name: Login to DockerHub\n        uses: docker/login-action@5e57cd118135c172c3672efd75eb46360885c0ef # v3.6.0",
    ),
    (
        "ci_workflow",
        "trufflesecurity/trufflehog:.github/workflows/release.yml#L35-L41",
        '          username: ${{ github.repository_owner }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - name: Set up Go\n        uses: actions/setup-go@924ae3a1cded613372ab5595356fb5720e22ba16 # v6\n        with:\n          go-version: "1.26"\n      - name: Cosign install',
    ),
    (
        "ci_workflow",
        "vuejs/core:.github/workflows/release.yml#L17-L24",
        "    permissions:\n      contents: write\n      id-token: write\n    # Use Release environment for deployment protection\n    environment: Release\n    steps:\n      - name: Checkout\n        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    ),
    (
        "cli_docs",
        "Azure/Azurite:README.md#L726-L738",
        "\nYou can pass the following connection strings to the [Azure SDKs](https://aka.ms/azsdk) or tools (like Azure CLI 2.0 or Storage Explorer)\n\nThe full connection string is:\n\n```bash\nDefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;\n```\n\nTake blob service only, the full connection string is:\n\n```bash\nDefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/configure/_description.rst#L26-L36",
        "* **aws_session_token** - The session token part of your credentials (session tokens only)\n* **metadata_service_timeout** - The number of seconds to wait until the metadata service\n  request times out.  This is used if you are using an IAM role to provide\n  your credentials.\n* **metadata_service_num_attempts** - The number of attempts to try to retrieve\n  credentials.  If you know for certain you will be using an IAM role on an\n  Amazon EC2 instance, you can set this value to ensure any intermittent\n  failures are retried.  By default this value is 1.\n\nFor more information on configuration options, see `Configuring the AWS Command Line Interface`_ in the *AWS CLI User Guide*.\n",
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/ecr/get-login-password.rst#L1-L10",
        "**To retrieve a password to authenticate to a registry**\n\nThe following ``get-login-password`` displays a password that you can use with a container client of your choice to authenticate to any Amazon ECR registry that your IAM principal has access to. ::\n\n    aws ecr get-login-password\n\nOutput::\n\n    <password>\n",
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/eks/update-kubeconfig.rst#L66-L75",
        "    user:\n    exec:\n        apiVersion: client.authentication.k8s.io/v1beta1\n        args:\n        - --region\n        - us-east-2\n        - eks\n        - get-token\n        - --cluster-name\n        - my-eks-cluster",
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/iam/create-access-key.rst#L1-L22",
        '**To create an access key for an IAM user**\n\nThe following ``create-access-key`` command creates an access key (access key ID and secret access key) for the IAM user named ``Bob``. ::\n\n    aws iam create-access-key \\\n        --user-name Bob\n\nOutput::\n\n    {\n        "AccessKey": {\n            "UserName": "Bob",\n            "Status": "Active",\n            "CreateDate": "2015-03-09T18:39:23.411Z",\n            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",\n            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE"\n        }\n    }\n\nStore the secret access key in a secure location. If it is lost, it cannot be recovered, and you must create a new access key.\n\nFor more information, see `Managing access keys for IAM users <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html>`__ in the *AWS IAM User Guide*.',
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/iam/list-access-keys.rst#L14-L23",
        '                "Status": "Active",\n                "CreateDate": "2013-06-04T18:17:34Z",\n                "AccessKeyId": "AKIAIOSFODNN7EXAMPLE"\n            },\n            {\n                "UserName": "Bob",\n                "Status": "Inactive",\n                "CreateDate": "2013-06-06T20:42:26Z",\n                "AccessKeyId": "AKIAI44QH8DHBEXAMPLE"\n            }',
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/iam/list-users.rst#L1-L26",
        '**To list IAM users**\n\nThe following ``list-users`` command lists the IAM users in the current account. ::\n\n    aws iam list-users\n\nOutput::\n\n    {\n        "Users": [\n            {\n                "UserName": "Adele",\n                "Path": "/",\n                "CreateDate": "2013-03-07T05:14:48Z",\n                "UserId": "AKIAI44QH8DHBEXAMPLE",\n                "Arn": "arn:aws:iam::123456789012:user/Adele"\n            },\n            {\n                "UserName": "Bob",\n                "Path": "/",\n                "CreateDate": "2012-09-21T23:03:13Z",\n                "UserId": "AKIAIOSFODNN7EXAMPLE",\n                "Arn": "arn:aws:iam::123456789012:user/Bob"\n            }\n        ]\n    }',
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/sts/assume-role.rst#L3-L23",
        'The following ``assume-role`` command retrieves a set of short-term credentials for the IAM role ``s3-access-example``. ::\n\n    aws sts assume-role \\\n        --role-arn arn:aws:iam::123456789012:role/xaccounts3access \\\n        --role-session-name s3-access-example\n\nOutput::\n\n    {\n        "AssumedRoleUser": {\n            "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access-example",\n            "Arn": "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example"\n        },\n        "Credentials": {\n            "SecretAccessKey": "9drTJvcXLB89EXAMPLELB8923FB892xMFI",\n            "SessionToken": "AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLEbw/m3hsj8VBTkPORGvr9jM5sgP+w9IZWZnU+LWhmg+a5fDi2oTGUYcdg9uexQ4mtCHIHfi4citgqZTgco40Yqr4lIlo4V2b2Dyauk0eYFNebHtYlFVgAUj+7Indz3LU0aTWk1WKIjHmmMCIoTkyYp/k7kUG7moeEYKSitwQIi6Gjn+nyzM+PtoA3685ixzv0R7i5rjQi0YE0lf1oeie3bDiNHncmzosRM6SFiPzSvp6h/32xQuZsjcypmwsPSDtTPYcs0+YN/8BRi2/IcrxSpnWEXAMPLEXSDFTAQAM6Dl9zR0tXoybnlrZIwMLlMi1Kcgo5OytwU=",\n            "Expiration": "2016-03-15T00:05:07Z",\n            "AccessKeyId": "ASIAJEXAMPLEXEG2JICEA"\n        }\n    }\n',
    ),
    (
        "cli_docs",
        "aws/aws-cli:awscli/examples/sts/get-federation-token.rst#L30-L55",
        '                    "cloudwatch:GetMetricStatistics",\n                    "cloudwatch:Describe*"\n                ],\n                "Resource": "*"\n            },\n            {\n                "Effect": "Allow",\n                "Action": "autoscaling:Describe*",\n                "Resource": "*"\n            }\n        ]\n    }\n\nOutput::\n\n    {\n        "Credentials": {\n            "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",\n            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",\n            "SessionToken": "EXAMPLEpZ2luX2VjEGoaCXVzLXdlc3QtMiJIMEYCIQC/W9pL5ArQyDD5JwFL3/h5+WGopQ24GEXweNctwhi9sgIhAMkg+MZE35iWM8s4r5Lr25f9rSTVPFH98G42QQunWMTfKq0DCOP//////////wEQAxoMNDUyOTI1MTcwNTA3Igxuy3AOpuuoLsk3MJwqgQPg8QOd9HuoClUxq26wnc/nm+eZLjHDyGf2KUAHK2DuaS/nrGSEXAMPLE",\n            "Expiration": "2023-12-20T02:06:07+00:00"\n        },\n        "FederatedUser": {\n            "FederatedUserId": "111122223333:Bob",\n            "Arn": "arn:aws:sts::111122223333:federated-user/Bob"\n        },',
    ),
    (
        "cli_docs",
        "boto/boto3:docs/source/guide/credentials.rst#L320-L342",
        "    aws_secret_access_key=bar\n\n    [profile dev]\n    aws_access_key_id=foo2\n    aws_secret_access_key=bar2\n\n    [profile prod]\n    aws_access_key_id=foo3\n    aws_secret_access_key=bar3\n\nThe reason that section names must start with profile in the ``~/.aws/config`` file is because there are other sections in this file that are permitted that aren't profile configurations.\n\n\nBoto2 configuration file support\n--------------------------------\n\nBoto3 will attempt to load credentials from the Boto2 config file. It first checks the file pointed to by ``BOTO_CONFIG`` if set, otherwise it will check ``/etc/boto.cfg`` and ``~/.boto``. Note that only the ``[Credentials]`` section of the boto config file is used. All other configuration data in the boto config file is ignored.\n\n.. code-block:: ini\n\n    # Example ~/.boto file\n    [Credentials]\n    aws_access_key_id = foo",
    ),
    (
        "cli_docs",
        "boto/boto3:docs/source/guide/credentials.rst#L57-L74",
        "\n\nThe first option for providing credentials to Boto3 is passing them as parameters when creating clients:\n\n.. code-block:: python\n\n    import boto3\n\n    client = boto3.client(\n        's3',\n        aws_access_key_id=ACCESS_KEY,\n        aws_secret_access_key=SECRET_KEY,\n        aws_session_token=SESSION_TOKEN\n    )\n\n\nThe second option for providing credentials to Boto3 is passing them as parameters when creating a ``Session`` object:\n",
    ),
    (
        "cli_docs",
        "boto/boto3:docs/source/guide/credentials.rst#L79-L89",
        "    session = boto3.Session(\n        aws_access_key_id=ACCESS_KEY,\n        aws_secret_access_key=SECRET_KEY,\n        aws_session_token=SESSION_TOKEN\n    )\n\n\n.. warning:: \n\n    ``ACCESS_KEY``, ``SECRET_KEY``, and ``SESSION_TOKEN`` are variables that contain your access key, secret key, and optional session token. Note that the examples above do not have hard coded credentials. We do **not** recommend hard coding credentials in your source code. \n",
    ),
    (
        "cli_docs",
        "cli/cli:docs/multiple-accounts.md#L74-L92",
        'Fetching our username from the API shows that our active token correctly corresponds to `williammartin`:\n\n```\n\u279c gh api /user | jq .login\n"williammartin"\n```\n\nNow we can easily switch accounts using `gh auth switch`, and hitting the API shows that the active token has been\nchanged:\n\n```\n\u279c gh auth switch\n\u2713 Switched active account for github.com to wilmartin_microsoft\n\n\u279c gh api /user | jq .login\n"wilmartin_microsoft"\n```\n\nWe can use `gh auth token --user` to get a specific token for a user (which should be handy for automated switching',
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/image_ls.md#L300-L317",
        '| `.Digest`       | Image digest                             |\n| `.CreatedSince` | Elapsed time since the image was created |\n| `.CreatedAt`    | Time when the image was created          |\n| `.Size`         | Image disk size                          |\n\nWhen using the `--format` option, the `image` command will either\noutput the data exactly as the template declares or, when using the\n`table` directive, will include column headers as well.\n\nThe following example uses a template without headers and outputs the\n`ID` and `Repository` entries separated by a colon (`:`) for all images:\n\n```console\n$ docker images --format "{{.ID}}: {{.Repository}}"\n\n77af4d6b9913: <none>\nb6fa739cedf5: committ\n78a85c484f71: <none>',
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/login.md#L222-L236",
        '\n### <a name="username"></a> Authenticate to a registry with a username and password\n\nTo authenticate to a registry with a username and password, you can use the\n`--username` or `-u` flag. The following example authenticates to Docker Hub\nwith the username `moby`. The password is entered interactively.\n\n```console\n$ docker login -u moby\n```\n\n### <a name="password-stdin"></a> Provide a password using STDIN (--password-stdin)\n\nTo run the `docker login` command non-interactively, you can set the\n`--password-stdin` flag to provide a password through `STDIN`. Using',
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/pull.md#L7-L20",
        "\n`docker image pull`, `docker pull`\n\n### Options\n\n| Name               | Type     | Default | Description                                      |\n|:-------------------|:---------|:--------|:-------------------------------------------------|\n| `-a`, `--all-tags` | `bool`   |         | Download all tagged images in the repository     |\n| `--platform`       | `string` |         | Set platform if server is multi-platform capable |\n| `-q`, `--quiet`    | `bool`   |         | Suppress verbose output                          |\n\n\n<!---MARKER_GEN_END-->\n",
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/push.md#L1-L20",
        "# docker push\n\n<!---MARKER_GEN_START-->\nUpload an image to a registry\n\n### Aliases\n\n`docker image push`, `docker push`\n\n### Options\n\n| Name               | Type     | Default | Description                                                                                                                                                                                                                                          |\n|:-------------------|:---------|:--------|:-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------|\n| `-a`, `--all-tags` | `bool`   |         | Push all tags of an image to the repository                                                                                                                                                                                                          |\n| `--platform`       | `string` |         | Push a platform-specific manifest as a single-platform image to the registry.<br>Image index won't be pushed, meaning that other manifests, including attestations won't be preserved.<br>'os[/arch[/variant]]': Explicit platform (eg. linux/amd64) |\n| `-q`, `--quiet`    | `bool`   |         | Suppress verbose output                                                                                                                                                                                                                              |\n\n\n<!---MARKER_GEN_END-->\n",
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/secret_create.md#L33-L55",
        '```console\n$ printf "my super secret password" | docker secret create my_secret -\n\nonakdyv307se2tl7nl20anokv\n\n$ docker secret ls\n\nID                          NAME                CREATED             UPDATED\nonakdyv307se2tl7nl20anokv   my_secret           6 seconds ago       6 seconds ago\n```\n\n### Create a secret with a file\n\n```console\n$ docker secret create my_secret ./secret.json\n\ndg426haahpi5ezmkkj5kyl3sn\n\n$ docker secret ls\n\nID                          NAME                CREATED             UPDATED\ndg426haahpi5ezmkkj5kyl3sn   my_secret           7 seconds ago       7 seconds ago\n```',
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/secret_inspect.md#L22-L44",
        "\nGo's [text/template](https://pkg.go.dev/text/template) package\ndescribes all the details of the format.\n\nFor detailed information about using secrets, refer to [manage sensitive data with Docker secrets](https://docs.docker.com/engine/swarm/secrets/).\n\n> [!NOTE]\n> This is a cluster management command, and must be executed on a swarm\n> manager node. To learn about managers and workers, refer to the\n> [Swarm mode section](https://docs.docker.com/engine/swarm/) in the\n> documentation.\n\n## Examples\n\n### Inspect a secret by name or ID\n\nYou can inspect a secret, either by its name or ID.\n\nFor example, given the following secret:\n\n```console\n$ docker secret ls\n",
    ),
    (
        "cli_docs",
        "docker/cli:docs/reference/commandline/system_info.md#L70-L86",
        "  driver-type: io.containerd.snapshotter.v1\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: 2\n Plugins:\n  Volume: local\n  Network: bridge host ipvlan macvlan null overlay\n  Log: awslogs fluentd gcplogs gelf journald json-file local splunk syslog\n CDI spec directories:\n  /etc/cdi\n  /var/run/cdi\n Swarm: inactive\n Runtimes: runc io.containerd.runc.v2\n Default Runtime: runc\n Init Binary: docker-init\n containerd version: 71909c1814c544ac47ab91d2e8b84718e517bb99\n runc version: v1.1.11-0-g4bccb38",
    ),
    (
        "cli_docs",
        "localstack/localstack:README.md#L92-L102",
        "\nStart LocalStack inside a Docker container by running:\n\n```bash\n % localstack start -d\n\n     __                     _______ __             __\n    / /   ____  _________ _/ / ___// /_____ ______/ /__\n   / /   / __ \\/ ___/ __ `/ /\\__ \\/ __/ __ `/ ___/ //_/\n  / /___/ /_/ / /__/ /_/ / /___/ / /_/ /_/ / /__/ ,<\n /_____/\\____/\\___/\\__,_/_//____/\\__/\\__,_/\\___/_/|_|",
    ),
    (
        "cli_docs",
        "psf/requests:docs/user/advanced.rst#L500-L518",
        '\nLet\'s pretend that we have a web service that will only respond if the\n``X-Pizza`` header is set to a password value. Unlikely, but just go with it.\n\n::\n\n    from requests.auth import AuthBase\n\n    class PizzaAuth(AuthBase):\n        """Attaches HTTP Pizza Authentication to the given Request object."""\n        def __init__(self, username):\n            # setup any auth-related data here\n            self.username = username\n\n        def __call__(self, r):\n            # modify and return the request\n            r.headers[\'X-Pizza\'] = self.username\n            return r\n',
    ),
    (
        "cli_docs",
        "psf/requests:docs/user/authentication.rst#L148-L155",
        ".. _requests-oauthlib OAuth2 documentation: https://requests-oauthlib.readthedocs.io/en/latest/oauth2_workflow.html\n.. _Web Application Flow: https://requests-oauthlib.readthedocs.io/en/latest/oauth2_workflow.html#web-application-flow\n.. _Mobile Application Flow: https://requests-oauthlib.readthedocs.io/en/latest/oauth2_workflow.html#mobile-application-flow\n.. _Legacy Application Flow: https://requests-oauthlib.readthedocs.io/en/latest/oauth2_workflow.html#legacy-application-flow\n.. _Backend Application Flow: https://requests-oauthlib.readthedocs.io/en/latest/oauth2_workflow.html#backend-application-flow\n.. _Kerberos: https://github.com/requests/requests-kerberos\n.. _NTLM: https://github.com/requests/requests-ntlm\n.. _Requests organization: https://github.com/requests",
    ),
    (
        "cli_docs",
        "psf/requests:docs/user/authentication.rst#L40-L58",
        "attempt to get the authentication credentials for the URL's hostname from the\nuser's netrc file. The netrc file overrides raw HTTP authentication headers\nset with `headers=`.\n\nIf credentials for the hostname are found, the request is sent with HTTP Basic\nAuth.\n\nRequests will search for the netrc file at `~/.netrc`, `~/_netrc`, or at the path\nspecified by the `NETRC` environment variable. `~` denotes the user's home\ndirectory, which is `$HOME` on Unix based systems and `%USERPROFILE%` on Windows.\n\nUsage of netrc file can be disabled by setting `trust_env` to `False` in the\nRequests session::\n\n    >>> s = requests.Session()\n    >>> s.trust_env = False\n    >>> s.get('https://httpbin.org/basic-auth/user/pass')\n\nDigest Authentication",
    ),
    (
        "docker_compose",
        "99designs/aws-vault:contrib/_aws-vault-proxy/docker-compose.yml#L1-L28",
        'version: "2.4"\nnetworks:\n  aws-vault:\n    driver: bridge\n    ipam:\n      config:\n        - subnet: "169.254.170.0/24"\n          gateway: "169.254.170.1"\nservices:\n  aws-vault-proxy:\n    build: .\n    environment:\n     - AWS_CONTAINER_CREDENTIALS_FULL_URI\n     - AWS_CONTAINER_AUTHORIZATION_TOKEN\n    networks:\n      aws-vault:\n        ipv4_address: "169.254.170.2" # This special IP address is recognized by the AWS SDKs and AWS CLI\n    healthcheck:\n      test: pgrep aws-vault-proxy\n  testapp:\n    image: amazon/aws-cli\n    entrypoint: ""\n    command: /bin/bash\n    environment:\n      - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\n    networks:\n      aws-vault: {}\n      default: {}',
    ),
    (
        "docker_compose",
        "bitnami-labs/sealed-secrets:vendor_jsonnet/kube-libsonnet/tests/docker-compose.yaml#L1-L40",
        'version: "3"\nservices:\n  kube-api:\n    image: rancher/k3s:${K3S_VERSION}\n    command: server --disable-agent\n    container_name: k3s-api\n    volumes:\n      - ./tmp-rancher:/.kube\n      - ./tmp-rancher:/.rancher\n      - ./tmp-rancher/etc:/etc/rancher/k3s\n    expose:\n      - 6443\n    user: "${USERID}"\n    environment:\n      - USER=nobody\n      - HOME=/\n  e2e-test:\n    build: .\n    container_name: e2e-test\n    links:\n      - "kube-api:kube-api"\n    depends_on:\n      - kube-api\n    volumes:\n      - ./tmp-rancher:/tmp/rancher\n      - ..:/work\n    working_dir: /work\n    environment:\n      - HOME=/\n    user: "${USERID}"\n    command:\n      - bash\n      - -c\n      - |\n        echo "INFO: Starting tests: unit, lint ..."\n        make -C tests test-srcs\n        export KUBECONFIG=/tmp/kubeconfig\n        echo "INFO: Waiting for kube-api to be available ..."\n        until kubectl get nodes; do\n          sleep 1',
    ),
    (
        "docker_compose",
        "docker/awesome-compose:elasticsearch-logstash-kibana/compose.yaml#L1-L45",
        'services:\n  elasticsearch:\n    image: elasticsearch:7.16.1\n    container_name: es\n    environment:\n      discovery.type: single-node\n      ES_JAVA_OPTS: "-Xms512m -Xmx512m"\n    ports:\n      - "9200:9200"\n      - "9300:9300"\n    healthcheck:\n      test: ["CMD-SHELL", "curl --silent --fail localhost:9200/_cluster/health || exit 1"]\n      interval: 10s\n      timeout: 10s\n      retries: 3\n    networks:\n      - elastic\n  logstash:\n    image: logstash:7.16.1\n    container_name: log\n    environment:\n      discovery.seed_hosts: logstash\n      LS_JAVA_OPTS: "-Xms512m -Xmx512m"\n    volumes:\n      - ./logstash/pipeline/logstash-nginx.config:/usr/share/logstash/pipeline/logstash-nginx.config\n      - ./logstash/nginx.log:/home/nginx.log\n    ports:\n      - "5000:5000/tcp"\n      - "5000:5000/udp"\n      - "5044:5044"\n      - "9600:9600"\n    depends_on:\n      - elasticsearch\n    networks:\n      - elastic\n    command: logstash -f /usr/share/logstash/pipeline/logstash-nginx.config\n  kibana:\n    image: kibana:7.16.1\n    container_name: kib\n    ports:\n      - "5601:5601"\n    depends_on:\n      - elasticsearch\n    networks:\n      - elastic',
    ),
    (
        "docker_compose",
        "docker/awesome-compose:nextcloud-postgres/compose.yaml#L1-L27",
        "services:\n  nc:\n    image: nextcloud:apache\n    environment:\n      - POSTGRES_HOST=db\n      - POSTGRES_PASSWORD=nextcloud\n      - POSTGRES_DB=nextcloud\n      - POSTGRES_USER=nextcloud\n    ports:\n      - 80:80\n    restart: always\n    volumes:\n      - nc_data:/var/www/html\n  db:\n    image: postgres:alpine\n    environment:\n      - POSTGRES_PASSWORD=nextcloud\n      - POSTGRES_DB=nextcloud\n      - POSTGRES_USER=nextcloud\n    restart: always\n    volumes:\n      - db_data:/var/lib/postgresql/data\n    expose:\n      - 5432\nvolumes:\n  db_data:\n  nc_data:",
    ),
    (
        "docker_compose",
        "docker/awesome-compose:nextcloud-redis-mariadb/compose.yaml#L1-L45",
        "services:\n  nc:\n    image: nextcloud:apache\n    restart: always\n    ports:\n      - 80:80\n    volumes:\n      - nc_data:/var/www/html\n    networks:\n      - redisnet\n      - dbnet\n    environment:\n      - REDIS_HOST=redis\n      - MYSQL_HOST=db\n      - MYSQL_DATABASE=nextcloud\n      - MYSQL_USER=nextcloud\n      - MYSQL_PASSWORD=nextcloud\n  redis:\n    image: redis:alpine\n    restart: always\n    networks:\n      - redisnet\n    expose:\n      - 6379\n  db:\n    image: mariadb:10.5\n    command: --transaction-isolation=READ-COMMITTED --binlog-format=ROW\n    restart: always\n    volumes:\n      - db_data:/var/lib/mysql\n    networks:\n      - dbnet\n    environment:\n      - MYSQL_DATABASE=nextcloud\n      - MYSQL_USER=nextcloud\n      - MYSQL_ROOT_PASSWORD=nextcloud\n      - MYSQL_PASSWORD=nextcloud\n    expose:\n      - 3306\nvolumes:\n  db_data:\n  nc_data:\nnetworks:\n  dbnet:\n  redisnet:",
    ),
    (
        "docker_compose",
        "docker/awesome-compose:nginx-golang-postgres/compose.yaml#L1-L45",
        'services:\n  backend:\n    build:\n      context: backend\n      target: builder\n    secrets:\n      - db-password\n    depends_on:\n      db:\n        condition: service_healthy\n\n  db:\n    image: postgres\n    restart: always\n    user: postgres\n    secrets:\n      - db-password\n    volumes:\n      - db-data:/var/lib/postgresql/data\n    environment:\n      - POSTGRES_DB=example\n      - POSTGRES_PASSWORD_FILE=/run/secrets/db-password\n    expose:\n      - 5432\n    healthcheck:\n      test: [ "CMD", "pg_isready" ]\n      interval: 10s\n      timeout: 5s\n      retries: 5\n\n  proxy:\n    image: nginx\n    volumes:\n      - type: bind\n        source: ./proxy/nginx.conf\n        target: /etc/nginx/conf.d/default.conf\n        read_only: true\n    ports:\n      - 80:80\n    depends_on: \n      - backend\n\nvolumes:\n  db-data:\n',
    ),
    (
        "docker_compose",
        "docker/awesome-compose:pihole-cloudflared-DoH/compose.yaml#L1-L45",
        'version: \'3.7\'\nservices:\n  cloudflared:\n    image: visibilityspots/cloudflared\n    container_name: cloudflared\n    ports:\n      - "5054:5054/tcp"\n      - "5054:5054/udp"\n    environment:\n      - TZ=${TIMEZONE}\n      - PORT=5054\n      - ADDRESS=0.0.0.0\n    restart: always\n    networks:\n      dns-net:\n        ipv4_address: 172.20.0.2\n\n  pihole:\n    container_name: pihole\n    image: pihole/pihole:latest\n    ports:\n      - "53:53/tcp"\n      - "53:53/udp"\n      - "67:67/udp"\n      - "8080:80/tcp"\n      - "8443:443/tcp"\n    environment:\n      - TZ=${TIMEZONE}\n      - PIHOLE_DNS_=172.20.0.2#5054;1.1.1.1 # referencing by name results in "Invalid IP detected in PIHOLE_DNS_: cloudflared#5054"\n      - WEBPASSWORD=${PIHOLE_PW}\n      - REV_SERVER=true\n      - REV_SERVER_TARGET=${PIHOLE_ROUTER_IP}\n      - REV_SERVER_DOMAIN=${PIHOLE_NETWORK_DOMAIN}\n      - REV_SERVER_CIDR=${PIHOLE_REVERSE_DNS}\n      - ServerIP=${PIHOLE_HOST_IP}\n      - ServerIPv6=${PIHOLE_HOST_IPV6}\n    #dns:\n      #- 127.0.0.1 # "Sets your container\'s resolve settings to localhost so it can resolve DHCP hostnames [...]" - github.com/pi-hole/docker-pi-hole\n      #- 1.1.1.1 # Backup server\n    volumes: # store your data between container upgrades\n      - "/etc/pihole/:/etc/pihole/"\n      - "/etc/dnsmasq.d/:/etc/dnsmasq.d/"\n    cap_add:\n      - NET_ADMIN # Recommended but not required (DHCP needs NET_ADMIN) https://github.com/pi-hole/docker-pi-hole#note-on-capabilities\n    depends_on:',
    ),
    (
        "docker_compose",
        "docker/awesome-compose:postgresql-pgadmin/compose.yaml#L1-L21",
        'services:\n  postgres:\n    container_name: postgres\n    image: postgres:latest\n    environment:\n      - POSTGRES_USER=${POSTGRES_USER}\n      - POSTGRES_PASSWORD=${POSTGRES_PW}\n      - POSTGRES_DB=${POSTGRES_DB} #optional (specify default database instead of $POSTGRES_DB)\n    ports:\n      - "5432:5432"\n    restart: always\n\n  pgadmin:\n    container_name: pgadmin\n    image: dpage/pgadmin4:latest\n    environment:\n      - PGADMIN_DEFAULT_EMAIL=${PGADMIN_MAIL}\n      - PGADMIN_DEFAULT_PASSWORD=${PGADMIN_PW}\n    ports:\n      - "5050:80"\n    restart: always',
    ),
    (
        "docker_compose",
        "docker/awesome-compose:prometheus-grafana/compose.yaml#L1-L25",
        "services:\n  prometheus:\n    image: prom/prometheus\n    container_name: prometheus\n    command:\n      - '--config.file=/etc/prometheus/prometheus.yml'\n    ports:\n      - 9090:9090\n    restart: unless-stopped\n    volumes:\n      - ./prometheus:/etc/prometheus\n      - prom_data:/prometheus\n  grafana:\n    image: grafana/grafana\n    container_name: grafana\n    ports:\n      - 3000:3000\n    restart: unless-stopped\n    environment:\n      - GF_SECURITY_ADMIN_USER=admin\n      - GF_SECURITY_ADMIN_PASSWORD=grafana\n    volumes:\n      - ./grafana:/etc/grafana/provisioning/datasources\nvolumes:\n  prom_data:",
    ),
    (
        "docker_compose",
        "docker/awesome-compose:react-express-mysql/compose.yaml#L1-L45",
        "services:\n  backend:\n    build:\n      args:\n      - NODE_ENV=development\n      context: backend\n      target: development\n    command: npm run start-watch\n    environment:\n      - DATABASE_DB=example\n      - DATABASE_USER=root\n      - DATABASE_PASSWORD=/run/secrets/db-password\n      - DATABASE_HOST=db\n      - NODE_ENV=development\n    ports:\n      - 80:80\n      - 9229:9229\n      - 9230:9230\n    secrets:\n      - db-password\n    volumes:\n      - ./backend/src:/code/src:ro\n      - ./backend/package.json:/code/package.json\n      - ./backend/package-lock.json:/code/package-lock.json\n      - back-notused:/opt/app/node_modules\n    networks:\n      - public\n      - private\n    depends_on:\n      - db\n  db:\n    # We use a mariadb image which supports both amd64 & arm64 architecture\n    image: mariadb:10.6.4-focal\n    # If you really want to use MySQL, uncomment the following line\n    #image: mysql:8.0.27\n    command: '--default-authentication-plugin=mysql_native_password'\n    restart: always\n    secrets:\n      - db-password\n    volumes:\n      - db-data:/var/lib/mysql\n    networks:\n      - private\n    environment:\n      - MYSQL_DATABASE=example",
    ),
    (
        "docker_compose",
        "docker/awesome-compose:spring-postgres/compose.yaml#L1-L30",
        "services:\n  backend:\n    build: backend\n    ports:\n      - 8080:8080\n    environment:\n      - POSTGRES_DB=example\n    networks:\n      - spring-postgres\n  db:\n    image: postgres\n    restart: always\n    secrets:\n      - db-password\n    volumes:\n      - db-data:/var/lib/postgresql/data\n    networks:\n      - spring-postgres\n    environment:\n      - POSTGRES_DB=example\n      - POSTGRES_PASSWORD_FILE=/run/secrets/db-password\n    expose:\n      - 5432\nvolumes:\n  db-data:\nsecrets:\n  db-password:\n    file: db/password.txt\nnetworks:\n  spring-postgres:",
    ),
    (
        "docker_compose",
        "docker/awesome-compose:wordpress-mysql/compose.yaml#L1-L33",
        "services:\n  db:\n    # We use a mariadb image which supports both amd64 & arm64 architecture\n    image: mariadb:10.6.4-focal\n    # If you really want to use MySQL, uncomment the following line\n    #image: mysql:8.0.27\n    command: '--default-authentication-plugin=mysql_native_password'\n    volumes:\n      - db_data:/var/lib/mysql\n    restart: always\n    environment:\n      - MYSQL_ROOT_PASSWORD=somewordpress\n      - MYSQL_DATABASE=wordpress\n      - MYSQL_USER=wordpress\n      - MYSQL_PASSWORD=wordpress\n    expose:\n      - 3306\n      - 33060\n  wordpress:\n    image: wordpress:latest\n    ports:\n      - 80:80\n    restart: always\n    environment:\n      - WORDPRESS_DB_HOST=db\n      - WORDPRESS_DB_USER=wordpress\n      - WORDPRESS_DB_PASSWORD=wordpress\n      - WORDPRESS_DB_NAME=wordpress\nvolumes:\n  db_data:\n\n  \n    ",
    ),
    (
        "docker_compose",
        "documenso/documenso:docker/development/compose.yml#L1-L40",
        "name: documenso-development\n\nservices:\n  database:\n    image: postgres:15\n    container_name: database\n    volumes:\n      - documenso_database:/var/lib/postgresql/data\n    healthcheck:\n      test: ['CMD-SHELL', 'pg_isready -U $$POSTGRES_USER -d $$POSTGRES_DB']\n      interval: 10s\n      timeout: 5s\n      retries: 5\n    environment:\n      - POSTGRES_USER=documenso\n      - POSTGRES_PASSWORD=password\n      - POSTGRES_DB=documenso\n    ports:\n      - 54320:5432\n\n  inbucket:\n    image: inbucket/inbucket\n    container_name: mailserver\n    ports:\n      - 9000:9000\n      - 2500:2500\n      - 1100:1100\n\n  redis:\n    image: redis:8-alpine\n    container_name: redis\n    ports:\n      - 63790:6379\n    volumes:\n      - redis:/data\n\n  minio:\n    image: minio/minio\n    container_name: minio\n    ports:",
    ),
    (
        "docker_compose",
        "documenso/documenso:docker/production/compose.yml#L21-L33",
        "      database:\n        condition: service_healthy\n    environment:\n      - PORT=${PORT:-3000}\n      - NEXTAUTH_SECRET=${NEXTAUTH_SECRET:?err}\n      - NEXT_PRIVATE_ENCRYPTION_KEY=${NEXT_PRIVATE_ENCRYPTION_KEY:?err}\n      - NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY=${NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY:?err}\n      - NEXT_PRIVATE_GOOGLE_CLIENT_ID=${NEXT_PRIVATE_GOOGLE_CLIENT_ID}\n      - NEXT_PRIVATE_GOOGLE_CLIENT_SECRET=${NEXT_PRIVATE_GOOGLE_CLIENT_SECRET}\n      - NEXT_PUBLIC_WEBAPP_URL=${NEXT_PUBLIC_WEBAPP_URL:?err}\n      - NEXT_PRIVATE_INTERNAL_WEBAPP_URL=${NEXT_PRIVATE_INTERNAL_WEBAPP_URL:-http://localhost:$PORT}\n      - NEXT_PRIVATE_DATABASE_URL=${NEXT_PRIVATE_DATABASE_URL:?err}\n      - NEXT_PRIVATE_DIRECT_DATABASE_URL=${NEXT_PRIVATE_DIRECT_DATABASE_URL:-${NEXT_PRIVATE_DATABASE_URL}}",
    ),
    (
        "docker_compose",
        "documenso/documenso:docker/production/compose.yml#L41-L51",
        "      - NEXT_PRIVATE_SMTP_TRANSPORT=${NEXT_PRIVATE_SMTP_TRANSPORT:?err}\n      - NEXT_PRIVATE_SMTP_HOST=${NEXT_PRIVATE_SMTP_HOST}\n      - NEXT_PRIVATE_SMTP_PORT=${NEXT_PRIVATE_SMTP_PORT}\n      - NEXT_PRIVATE_SMTP_USERNAME=${NEXT_PRIVATE_SMTP_USERNAME}\n      - NEXT_PRIVATE_SMTP_PASSWORD=${NEXT_PRIVATE_SMTP_PASSWORD}\n      - NEXT_PRIVATE_SMTP_APIKEY_USER=${NEXT_PRIVATE_SMTP_APIKEY_USER}\n      - NEXT_PRIVATE_SMTP_APIKEY=${NEXT_PRIVATE_SMTP_APIKEY}\n      - NEXT_PRIVATE_SMTP_SECURE=${NEXT_PRIVATE_SMTP_SECURE}\n      - NEXT_PRIVATE_SMTP_UNSAFE_IGNORE_TLS=${NEXT_PRIVATE_SMTP_UNSAFE_IGNORE_TLS}\n      - NEXT_PRIVATE_SMTP_FROM_NAME=${NEXT_PRIVATE_SMTP_FROM_NAME:?err}\n      - NEXT_PRIVATE_SMTP_FROM_ADDRESS=${NEXT_PRIVATE_SMTP_FROM_ADDRESS:?err}",
    ),
    (
        "docker_compose",
        "fastapi/full-stack-fastapi-template:compose.yml#L50-L68",
        '    image: backend:latest\n    depends_on:\n      db:\n        condition: service_healthy\n        restart: true\n    environment:\n      PROJECT_NAME: ${PROJECT_NAME:?Variable not set}\n      SECRET_KEY: ${SECRET_KEY:?Variable not set}\n      FIRST_SUPERUSER: ${FIRST_SUPERUSER:?Variable not set}\n      FIRST_SUPERUSER_PASSWORD: ${FIRST_SUPERUSER_PASSWORD:?Variable not set}\n      SMTP_HOST: ${SMTP_HOST}\n      SMTP_USER: ${SMTP_USER:-}\n      SMTP_PASSWORD: ${SMTP_PASSWORD:-}\n      EMAILS_FROM_EMAIL: ${EMAILS_FROM_EMAIL}\n      DATABASE_URL: postgresql://postgres:${POSTGRES_PASSWORD:?Variable not set}@db:5432/app\n      SENTRY_DSN: ${SENTRY_DSN:-}\n\n    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:8000/api/v1/utils/health-check/"]',
    ),
    (
        "docker_compose",
        "getsentry/self-hosted:docker-compose.yml#L229-L238",
        '      - "sentry-secrets:/etc/kafka/secrets"\n    healthcheck:\n      <<: *healthcheck_defaults\n      test: ["CMD-SHELL", "nc -z localhost 9092"]\n      interval: 10s\n      timeout: 10s\n      retries: 30\n  clickhouse:\n    <<: [*restart_policy, *pull_policy]\n    image: clickhouse-self-hosted-local',
    ),
    (
        "docker_compose",
        "getsentry/self-hosted:docker-compose.yml#L286-L307",
        '        -volume.readMode=redirect\n        -ip.bind=0.0.0.0\n        -webdav=false\n    environment:\n      <<: *force_no_proxy\n      AWS_ACCESS_KEY_ID: sentry\n      AWS_SECRET_ACCESS_KEY: sentry\n    volumes:\n      - "sentry-seaweedfs:/data"\n    healthcheck:\n      test: [\n          "CMD-SHELL",\n          # Manually override any http_proxy envvar that might be set, because\n          # this wget does not support no_proxy. See:\n          # https://github.com/getsentry/self-hosted/issues/1537\n          "http_proxy=\'\' wget -q -O- http://seaweedfs:9340/healthz http://seaweedfs:9333/cluster/healthz http://seaweedfs:8333/healthz || exit 1",\n      ]\n      interval: 30s\n      timeout: 20s\n      retries: 5\n      start_period: 60s\n  snuba-api:',
    ),
    (
        "docker_compose",
        "hoppscotch/hoppscotch:docker-compose.yml#L149-L166",
        '    ports:\n      - "5432:5432"\n    user: postgres\n    environment:\n      # The default user defined by the docker image\n      POSTGRES_USER: postgres\n      # NOTE: Please UPDATE THIS PASSWORD!\n      POSTGRES_PASSWORD: testpass\n      POSTGRES_DB: hoppscotch\n    healthcheck:\n      test:\n        [\n          "CMD-SHELL",\n          "sh -c \'pg_isready -U $${POSTGRES_USER} -d $${POSTGRES_DB}\'",\n        ]\n      interval: 5s\n      timeout: 5s\n      retries: 10',
    ),
    (
        "docker_compose",
        "localstack/localstack:docker-compose-pro.yml#L1-L17",
        'services:\n  localstack:\n    container_name: "${LOCALSTACK_DOCKER_NAME:-localstack-main}"\n    image: localstack/localstack-pro  # required for Pro\n    ports:\n      - "127.0.0.1:4566:4566"            # LocalStack Gateway\n      - "127.0.0.1:4510-4559:4510-4559"  # external services port range\n      - "127.0.0.1:443:443"              # LocalStack HTTPS Gateway (Pro)\n    environment:\n      # Activate LocalStack Pro: https://docs.localstack.cloud/getting-started/auth-token/\n      - LOCALSTACK_AUTH_TOKEN=${LOCALSTACK_AUTH_TOKEN:?}  # required for Pro\n      # LocalStack configuration: https://docs.localstack.cloud/references/configuration/\n      - DEBUG=${DEBUG:-0}\n      - PERSISTENCE=${PERSISTENCE:-0}\n    volumes:\n      - "${LOCALSTACK_VOLUME_DIR:-./volume}:/var/lib/localstack"\n      - "/var/run/docker.sock:/var/run/docker.sock"',
    ),
    (
        "docker_compose",
        "localstack/localstack:docker-compose.yml#L1-L13",
        'services:\n  localstack:\n    container_name: "${LOCALSTACK_DOCKER_NAME:-localstack-main}"\n    image: localstack/localstack\n    ports:\n      - "127.0.0.1:4566:4566"            # LocalStack Gateway\n      - "127.0.0.1:4510-4559:4510-4559"  # external services port range\n    environment:\n      # LocalStack configuration: https://docs.localstack.cloud/references/configuration/\n      - DEBUG=${DEBUG:-0}\n    volumes:\n      - "${LOCALSTACK_VOLUME_DIR:-./volume}:/var/lib/localstack"\n      - "/var/run/docker.sock:/var/run/docker.sock"',
    ),
    (
        "docker_compose",
        "minio/minio:buildscripts/upgrade-tests/compose.yml#L1-L40",
        '# Settings and configurations that are common for all containers\nx-minio-common: &minio-common\n  image: minio/minio:${MINIO_VERSION}\n  command: server http://minio{1...4}/data{1...3}\n  env_file:\n    - ./minio.env\n  expose:\n    - "9000"\n    - "9001"\n\n# starts 4 docker containers running minio server instances.\n# using nginx reverse proxy, load balancing, you can access\n# it through port 9000.\nservices:\n  minio1:\n    <<: *minio-common\n    hostname: minio1\n    volumes:\n      - data1-1:/data1\n      - data1-2:/data2\n      - data1-3:/data3\n\n  minio2:\n    <<: *minio-common\n    hostname: minio2\n    volumes:\n      - data2-1:/data1\n      - data2-2:/data2\n      - data2-3:/data3\n\n  minio3:\n    <<: *minio-common\n    hostname: minio3\n    volumes:\n      - data3-1:/data1\n      - data3-2:/data2\n      - data3-3:/data3\n\n  minio4:\n    <<: *minio-common',
    ),
    (
        "docker_compose",
        "minio/minio:docs/orchestration/docker-compose/docker-compose.yaml#L3-L21",
        '# Settings and configurations that are common for all containers\nx-minio-common: &minio-common\n  image: quay.io/minio/minio:RELEASE.2025-09-06T17-38-46Z\n  command: server --console-address ":9001" http://minio{1...4}/data{1...2}\n  expose:\n    - "9000"\n    - "9001"\n  # environment:\n    # MINIO_ROOT_USER: minioadmin\n    # MINIO_ROOT_PASSWORD: minioadmin\n  healthcheck:\n    test: ["CMD", "mc", "ready", "local"]\n    interval: 5s\n    timeout: 5s\n    retries: 5\n\n# starts 4 docker containers running minio server instances.\n# using nginx reverse proxy, load balancing, you can access\n# it through port 9000.',
    ),
    (
        "docker_compose",
        "outline/outline:docker-compose.yml#L1-L15",
        'services:\n  redis:\n    image: redis\n    ports:\n      - "127.0.0.1:6379:6379"\n    user: "redis:redis"\n  postgres:\n    image: postgres\n    ports:\n      - "127.0.0.1:5432:5432"\n    environment:\n      POSTGRES_USER: user\n      POSTGRES_PASSWORD: pass\n      POSTGRES_DB: outline\n    user: "postgres:postgres"',
    ),
    (
        "docker_compose",
        "snipe/snipe-it:dev.docker-compose.yml#L9-L24",
        '      dockerfile: Dockerfile.alpine\n    container_name: snipeit\n    ports:\n      - "8000:80"\n    depends_on:\n      redis:\n        # The default needs to be stated.\n        condition: service_started\n      mariadb:\n        condition: service_healthy\n        restart: true\n    env_file:\n      - .env.dev.docker\n\n  mariadb:\n    image: mariadb:11.5.2',
    ),
    (
        "docker_compose",
        "snipe/snipe-it:docker-compose.yml#L1-L37",
        '# Compose file for production.\n\nvolumes:\n  db_data:\n  storage:\n\nservices:\n  app:\n    image: snipe/snipe-it:${APP_VERSION:-latest}\n    restart: unless-stopped\n    volumes:\n      - storage:/var/lib/snipeit\n    ports:\n      - "${APP_PORT:-8000}:80"\n    depends_on:\n      db:\n        condition: service_healthy\n        restart: true\n    env_file:\n      - .env\n\n  db:\n    image: mariadb:11.5.2\n    restart: unless-stopped\n    volumes:\n      - db_data:/var/lib/mysql\n    environment:\n      MYSQL_DATABASE: ${DB_DATABASE}\n      MYSQL_USER: ${DB_USERNAME}\n      MYSQL_PASSWORD: ${DB_PASSWORD}\n      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}\n    healthcheck:\n      # https://mariadb.com/kb/en/using-healthcheck-sh/#compose-file-example\n      test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]\n      interval: 5s\n      timeout: 1s\n      retries: 5',
    ),
    (
        "docker_compose",
        "traefik/traefik:docs/content/user-guides/docker-compose/acme-dns/docker-compose.yml#L1-L30",
        'services:\n\n  traefik:\n    image: "traefik:v3.7"\n    container_name: "traefik"\n    command:\n      #- "--log.level=DEBUG"\n      - "--api.insecure=true"\n      - "--providers.docker=true"\n      - "--providers.docker.exposedbydefault=false"\n      - "--entryPoints.web.address=:80"\n      - "--entryPoints.websecure.address=:443"\n      - "--certificatesresolvers.myresolver.acme.dnschallenge=true"\n      - "--certificatesresolvers.myresolver.acme.dnschallenge.provider=ovh"\n      #- "--certificatesresolvers.myresolver.acme.caserver=https://acme-staging-v02.api.letsencrypt.org/directory"\n      - "--certificatesresolvers.myresolver.acme.email=postmaster@example.com"\n      - "--certificatesresolvers.myresolver.acme.storage=/letsencrypt/acme.json"\n    ports:\n      - "80:80"\n      - "443:443"\n      - "8080:8080"\n    environment:\n      - "OVH_ENDPOINT=xxx"\n      - "OVH_APPLICATION_KEY=xxx"\n      - "OVH_APPLICATION_SECRET=xxx"\n      - "OVH_CONSUMER_KEY=xxx"\n    volumes:\n      - "./letsencrypt:/letsencrypt"\n      - "/var/run/docker.sock:/var/run/docker.sock:ro"\n',
    ),
    (
        "docker_compose",
        "traefik/traefik:docs/content/user-guides/docker-compose/acme-dns/docker-compose_secrets.yml#L26-L44",
        '      - "--certificatesresolvers.myresolver.acme.email=postmaster@example.com"\n      - "--certificatesresolvers.myresolver.acme.storage=/letsencrypt/acme.json"\n    ports:\n      - "80:80"\n      - "443:443"\n      - "8080:8080"\n    secrets:\n      - "ovh_endpoint"\n      - "ovh_application_key"\n      - "ovh_application_secret"\n      - "ovh_consumer_key"\n    environment:\n      - "OVH_ENDPOINT_FILE=/run/secrets/ovh_endpoint"\n      - "OVH_APPLICATION_KEY_FILE=/run/secrets/ovh_application_key"\n      - "OVH_APPLICATION_SECRET_FILE=/run/secrets/ovh_application_secret"\n      - "OVH_CONSUMER_KEY_FILE=/run/secrets/ovh_consumer_key"\n    volumes:\n      - "./letsencrypt:/letsencrypt"\n      - "/var/run/docker.sock:/var/run/docker.sock:ro"',
    ),
    (
        "dockerfile",
        "GitGuardian/ggshield:Dockerfile#L1-L13",
        'FROM python:3.10-slim AS build\n\nLABEL maintainer="GitGuardian SRE Team <support@gitguardian.com>"\n\nENV LC_ALL=C.UTF-8\nENV LANG=C.UTF-8\nENV PYTHONDONTWRITEBYTECODE=1\nENV PYTHONFAULTHANDLER=1\nENV PATH=/app/.venv/bin:$PATH\n\nWORKDIR /app\n\nRUN \\',
    ),
    (
        "dockerfile",
        "argoproj/argo-cd:Dockerfile#L79-L89",
        "    ln -s /app/config/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts\n\nWORKDIR /app/config\nRUN mkdir -p tls && \\\n    mkdir -p gpg/source && \\\n    mkdir -p gpg/keys && \\\n    chown argocd gpg/keys && \\\n    chmod 0700 gpg/keys\n\nENV USER=argocd\n",
    ),
    (
        "dockerfile",
        "docker-library/mysql:8.4/Dockerfile.oracle#L105-L119",
        "\t\techo 'gpgcheck=1'; \\\n\t\techo 'gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-mysql'; \\\n# https://github.com/docker-library/mysql/pull/680#issuecomment-825930524\n\t\techo 'module_hotfixes=true'; \\\n\t} | tee /etc/yum.repos.d/mysql-community-tools.repo\nENV MYSQL_SHELL_VERSION 8.4.10-1.el9\nRUN set -eux; \\\n\tmicrodnf install -y \"mysql-shell-$MYSQL_SHELL_VERSION\"; \\\n\tmicrodnf clean all; \\\n\t\\\n\tmysqlsh --version\n\nVOLUME /var/lib/mysql\n\nCOPY docker-entrypoint.sh /usr/local/bin/",
    ),
    (
        "dockerfile",
        "docker-library/mysql:docker-entrypoint.sh#L254-L272",
        '\t\tset -- --database="$MYSQL_DATABASE" "$@"\n\tfi\n\n\tmysql --defaults-extra-file=<( _mysql_passfile "${passfileArgs[@]}") --protocol=socket -uroot -hlocalhost --socket="${SOCKET}" --comments "$@"\n}\n\n# Initializes database with timezone info and root password, plus optional extra db/user\ndocker_setup_db() {\n\t# Load timezone info into database\n\tif [ -z "$MYSQL_INITDB_SKIP_TZINFO" ]; then\n\t\t# sed is for https://bugs.mysql.com/bug.php?id=20545\n\t\tmysql_tzinfo_to_sql /usr/share/zoneinfo \\\n\t\t\t| sed \'s/Local time zone must be set--see zic manual page/FCTY/\' \\\n\t\t\t| docker_process_sql --dont-use-mysql-root-password --database=mysql\n\t\t\t# tell docker_process_sql to not use MYSQL_ROOT_PASSWORD since it is not set yet\n\tfi\n\t# Generate random root password\n\tif [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then\n\t\tMYSQL_ROOT_PASSWORD="$(openssl rand -base64 24)"; export MYSQL_ROOT_PASSWORD',
    ),
    (
        "dockerfile",
        "docker-library/postgres:17/alpine3.22/Dockerfile#L179-L198",
        '\t\t/usr/local/share/doc \\\n\t\t/usr/local/share/man \\\n\t; \\\n\t\\\n\tpostgres --version\n\n# make the sample config easier to munge (and "correct by default")\nRUN set -eux; \\\n\tcp -v /usr/local/share/postgresql/postgresql.conf.sample /usr/local/share/postgresql/postgresql.conf.sample.orig; \\\n\tsed -ri "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = \'*\'!" /usr/local/share/postgresql/postgresql.conf.sample; \\\n\tgrep -F "listen_addresses = \'*\'" /usr/local/share/postgresql/postgresql.conf.sample\n\nRUN install --verbose --directory --owner postgres --group postgres --mode 3777 /var/run/postgresql\n\nENV PGDATA /var/lib/postgresql/data\n# this 1777 will be replaced by 0700 at runtime (allows semi-arbitrary "--user" values)\nRUN install --verbose --directory --owner postgres --group postgres --mode 1777 "$PGDATA"\nVOLUME /var/lib/postgresql/data\n\nCOPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/',
    ),
    (
        "dockerfile",
        "docker-library/postgres:docker-entrypoint.sh#L1-L25",
        '#!/usr/bin/env bash\nset -Eeo pipefail\n# TODO swap to -Eeuo pipefail above (after handling all potentially-unset variables)\n\n# usage: file_env VAR [DEFAULT]\n#    ie: file_env \'XYZ_DB_PASSWORD\' \'example\'\n# (will allow for "$XYZ_DB_PASSWORD_FILE" to fill in the value of\n#  "$XYZ_DB_PASSWORD" from a file, especially for Docker\'s secrets feature)\nfile_env() {\n\tlocal var="$1"\n\tlocal fileVar="${var}_FILE"\n\tlocal def="${2:-}"\n\tif [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then\n\t\tprintf >&2 \'error: both %s and %s are set (but are exclusive)\\n\' "$var" "$fileVar"\n\t\texit 1\n\tfi\n\tlocal val="$def"\n\tif [ "${!var:-}" ]; then\n\t\tval="${!var}"\n\telif [ "${!fileVar:-}" ]; then\n\t\tval="$(< "${!fileVar}")"\n\tfi\n\texport "$var"="$val"\n\tunset "$fileVar"\n}',
    ),
    (
        "dockerfile",
        "documenso/documenso:docker/Dockerfile#L33-L51",
        '# Check https://github.com/nodejs/docker-node/tree/b4117f9333da4138b03a546ec926ef50a31506c3#nodealpine to understand why libc6-compat might be needed.\nRUN apk add --no-cache libc6-compat\nRUN apk add --no-cache jq\n# Required for node_modules/aws-crt\nRUN apk add --no-cache make cmake g++ openssl bash\n\nWORKDIR /app\n\n# Disable husky from installing hooks\nENV HUSKY 0\nENV DOCKER_OUTPUT 1\nENV NEXT_TELEMETRY_DISABLED 1\n\n# Encryption keys\nARG NEXT_PRIVATE_ENCRYPTION_KEY="CAFEBABE"\nENV NEXT_PRIVATE_ENCRYPTION_KEY="$NEXT_PRIVATE_ENCRYPTION_KEY"\n\nARG NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY="DEADBEEF"\nENV NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY="$NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY"',
    ),
    (
        "dockerfile",
        "fastapi/full-stack-fastapi-template:backend/Dockerfile#L37-L49",
        '# Place executables in the environment at the front of the path\n# Ref: https://docs.astral.sh/uv/guides/integration/docker/#using-the-environment\nENV PATH="/app/.venv/bin:$PATH"\n\n# Install dependencies\n# Ref: https://docs.astral.sh/uv/guides/integration/docker/#intermediate-layers\nRUN --mount=type=cache,target=/root/.cache/uv \\\n    --mount=type=bind,source=uv.lock,target=uv.lock \\\n    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n    uv sync --frozen --no-install-workspace --package app\n\nCOPY ./backend/scripts /app/backend/scripts\n',
    ),
    (
        "dockerfile",
        "getsentry/self-hosted:sentry/Dockerfile#L1-L14",
        'ARG SENTRY_IMAGE\nFROM ${SENTRY_IMAGE}\n\nRUN pip install https://github.com/getsentry/sentry-nodestore-s3/archive/main.zip\n\nCOPY . /usr/src/sentry\n\nRUN if [ -s /usr/src/sentry/enhance-image.sh ]; then \\\n    /usr/src/sentry/enhance-image.sh; \\\n    fi\n\nRUN if [ -s /usr/src/sentry/requirements.txt ]; then \\\n    echo "sentry/requirements.txt is deprecated, use sentry/enhance-image.sh - see https://develop.sentry.dev/self-hosted/#enhance-sentry-image"; \\\n    pip install -r /usr/src/sentry/requirements.txt; \\',
    ),
    (
        "dockerfile",
        "gitleaks/gitleaks:Dockerfile#L1-L13",
        'FROM golang:1.24 AS build\nWORKDIR /go/src/github.com/zricethezav/gitleaks\nCOPY . .\nRUN VERSION=$(git describe --tags --abbrev=0) && \\\nCGO_ENABLED=0 go build -o bin/gitleaks -ldflags "-X=github.com/zricethezav/gitleaks/v8/version.Version=${VERSION}"\n\nFROM alpine:3.22\nRUN apk add --no-cache bash git openssh-client\nCOPY --from=build /go/src/github.com/zricethezav/gitleaks/bin/* /usr/bin/\n\nRUN git config --global --add safe.directory \'*\'\n\nENTRYPOINT ["gitleaks"]',
    ),
    (
        "dockerfile",
        "hoppscotch/hoppscotch:packages/hoppscotch-backend/Dockerfile#L9-L24",
        'COPY pnpm-lock.yaml .\nRUN pnpm fetch\n\nENV APP_PORT=${PORT}\nENV DB_URL=${DATABASE_URL}\n\n# # PNPM package install\nCOPY ./packages/hoppscotch-backend .\nRUN pnpm i --filter hoppscotch-backend\n\n# Prisma bits\nRUN pnpm exec prisma generate\n\nFROM builder AS dev\n\nENV PRODUCTION="false"',
    ),
    (
        "dockerfile",
        "jenkinsci/docker:alpine/hotspot/Dockerfile#L47-L66",
        '\nCOPY jenkins.io-2026.key /war/jenkins-key.pub\n\n# Not using ADD as it does not check Last-Modified header\n# see https://github.com/docker/docker/issues/8331\nRUN curl -fsSL "${WAR_URL}" -o /war/jenkins.war \\\n  && curl -fsSL "${WAR_URL}.asc" -o /war/jenkins.war.asc \\\n  && gpg --import /war/jenkins-key.pub \\\n  && gpg --verify --trust-model direct /war/jenkins.war.asc /war/jenkins.war\n\nFROM alpine:"${ALPINE_TAG}" AS controller\n\nRUN apk add --no-cache \\\n    bash \\\n    coreutils \\\n    curl \\\n    git \\\n    git-lfs \\\n    musl-locales \\\n    musl-locales-lang \\',
    ),
    (
        "dockerfile",
        "localstack/localstack:Dockerfile#L1-L23",
        "#\n# base: Stage which installs necessary runtime dependencies (OS packages, etc.)\n#\nFROM python:3.13.12-slim-trixie@sha256:8bc60ca09afaa8ea0d6d1220bde073bacfedd66a4bf8129cbdc8ef0e16c8a952 AS base\nARG TARGETARCH\n\n# Install runtime OS package dependencies\nRUN --mount=type=cache,target=/var/cache/apt \\\n    apt-get update && \\\n        # Install dependencies to add additional repos\n        apt-get install -y --no-install-recommends \\\n            # Runtime packages (groff-base is necessary for AWS CLI help)\n            ca-certificates curl gnupg git make openssl tar pixz zip unzip groff-base iputils-ping nss-passwords procps iproute2 xz-utils libatomic1 binutils && \\\n        # patch for CVE-2024-45490, CVE-2024-45491, CVE-2024-45492\n        apt-get install --only-upgrade libexpat1\n\n# Install nodejs package from the dist release server. Note: we're installing from dist binaries, and not via\n#  `apt-get`, to avoid installing `python3.11` into the image (which otherwise comes as a dependency of nodejs).\n# See https://github.com/nodejs/docker-node/blob/main/22/trixie/Dockerfile\nRUN ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" \\\n  && case \"${dpkgArch##*-}\" in \\\n    amd64) ARCH='x64';; \\\n    arm64) ARCH='arm64';; \\",
    ),
    (
        "dockerfile",
        "minio/minio:Dockerfile.release#L12-L26",
        "RUN apk add -U --no-cache ca-certificates && \\\n    apk add -U --no-cache curl && \\\n    apk add -U --no-cache bash && \\\n    go install aead.dev/minisign/cmd/minisign@v0.2.1\n\n# Download minio binary and signature files\nRUN curl -s -q https://dl.min.io/server/minio/release/linux-${TARGETARCH}/archive/minio.${RELEASE} -o /go/bin/minio && \\\n    curl -s -q https://dl.min.io/server/minio/release/linux-${TARGETARCH}/archive/minio.${RELEASE}.minisig -o /go/bin/minio.minisig && \\\n    curl -s -q https://dl.min.io/server/minio/release/linux-${TARGETARCH}/archive/minio.${RELEASE}.sha256sum -o /go/bin/minio.sha256sum && \\\n    chmod +x /go/bin/minio\n\n# Download mc binary and signature files\nRUN curl -s -q https://dl.min.io/client/mc/release/linux-${TARGETARCH}/mc -o /go/bin/mc && \\\n    curl -s -q https://dl.min.io/client/mc/release/linux-${TARGETARCH}/mc.minisig -o /go/bin/mc.minisig && \\\n    curl -s -q https://dl.min.io/client/mc/release/linux-${TARGETARCH}/mc.sha256sum -o /go/bin/mc.sha256sum && \\",
    ),
    (
        "dockerfile",
        "nginx-proxy/nginx-proxy:Dockerfile.debian#L1-L15",
        '# syntax=docker/dockerfile:1\nFROM docker.io/nginxproxy/docker-gen:0.17.2-debian AS docker-gen\n\nFROM docker.io/nginxproxy/forego:0.18.8-debian AS forego\n\n# Build the final image\nFROM docker.io/library/nginx:1.31.3\n\nARG NGINX_PROXY_VERSION\n# Add DOCKER_GEN_VERSION environment variable because \n# acme-companion rely on it (but the actual value is not important)\nARG DOCKER_GEN_VERSION="unknown"\nENV NGINX_PROXY_VERSION=${NGINX_PROXY_VERSION} \\\n   DOCKER_GEN_VERSION=${DOCKER_GEN_VERSION} \\\n   DOCKER_HOST=unix:///tmp/docker.sock',
    ),
    (
        "dockerfile",
        "outline/outline:Dockerfile#L24-L49",
        '    adduser --uid 1001 --ingroup nodejs nodejs && \\\n    mkdir -p /var/lib/outline && \\\n    chown -R nodejs:nodejs /var/lib/outline && \\\n    chown -R nodejs:nodejs $APP_PATH\n\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/build ./build\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/server ./server\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/public ./public\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/.sequelizerc ./.sequelizerc\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/node_modules ./node_modules\nCOPY --from=base --chown=nodejs:nodejs $APP_PATH/package.json ./package.json\n# Install wget to healthcheck the server\nRUN  apt-get update \\\n    && apt-get install -y wget \\\n    && rm -rf /var/lib/apt/lists/*\n\nENV FILE_STORAGE_LOCAL_ROOT_DIR=/var/lib/outline/data\nRUN mkdir -p "$FILE_STORAGE_LOCAL_ROOT_DIR" && \\\n    chown -R nodejs:nodejs "$FILE_STORAGE_LOCAL_ROOT_DIR" && \\\n    chmod 1777 "$FILE_STORAGE_LOCAL_ROOT_DIR"\n\nVOLUME /var/lib/outline/data\n\nUSER nodejs\n\nHEALTHCHECK --interval=1m CMD wget -qO- "http://localhost:${PORT:-3000}/_health" | grep -q "OK" || exit 1',
    ),
    (
        "dockerfile",
        "snipe/snipe-it:Dockerfile#L92-L107",
        '\nRUN \\\n\trm -r "/var/www/html/storage/private_uploads" && ln -fs "/var/lib/snipeit/data/private_uploads" "/var/www/html/storage/private_uploads" \\\n      && rm -rf "/var/www/html/public/uploads" && ln -fs "/var/lib/snipeit/data/uploads" "/var/www/html/public/uploads" \\\n      && rm -r "/var/www/html/storage/app/backups" && ln -fs "/var/lib/snipeit/dumps" "/var/www/html/storage/app/backups" \\\n      && mkdir -p "/var/lib/snipeit/keys" && ln -fs "/var/lib/snipeit/keys/oauth-private.key" "/var/www/html/storage/oauth-private.key" \\\n      && ln -fs "/var/lib/snipeit/keys/oauth-public.key" "/var/www/html/storage/oauth-public.key" \\\n      && ln -fs "/var/lib/snipeit/keys/ldap_client_tls.cert" "/var/www/html/storage/ldap_client_tls.cert" \\\n      && ln -fs "/var/lib/snipeit/keys/ldap_client_tls.key" "/var/www/html/storage/ldap_client_tls.key" \\\n      && chown docker "/var/lib/snipeit/keys/" \\\n      && chown -Rh docker "/var/www/html/storage/" \\\n      && chmod +x /var/www/html/artisan \\\n      && echo "Finished setting up application in /var/www/html"\n\n############## DEPENDENCIES via COMPOSER ###################\n',
    ),
    (
        "dockerfile",
        "trufflesecurity/trufflehog:Dockerfile#L1-L10",
        "FROM --platform=${BUILDPLATFORM} golang:bullseye as builder\n\nWORKDIR /build\nCOPY . . \nENV CGO_ENABLED=0\nARG TARGETOS TARGETARCH\nRUN  --mount=type=cache,target=/go/pkg/mod \\\n     --mount=type=cache,target=/root/.cache/go-build \\\n     GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -o trufflehog .\n",
    ),
    (
        "encrypted",
        "FiloSottile/age:cmd/age/testdata/armor.txt#L12-L20",
        "\n-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSA5ODhFNHR6RVg0SGVHZFBM\nclBEclEzZ3NvOGhqVE9tcFZnbTc2c3R5a0Q4ClZjVzBLNjdxRElZV3E0Z3ZpZ255\nT3JWTFBHRFA2cytpWWtkeU45dDRadmcKLS0tIHV3L3hOVmJjL0hMRXBQa05lMlRs\nZW45TndPeE9GcmRNeWFkR3YxeHg0YzQKJBp6KRlFFUE8jbAQUBlcAwaaQcPAflJD\npWGoOjYP33gTxJHNPg==\n-----END AGE ENCRYPTED FILE-----\n",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/encrypted-vault-password#L1-L6",
        "$ANSIBLE_VAULT;1.1;AES256\n34353166613539646338666531633061646161663836373965663032313466613135313130383133\n3634383331386336333436323832356264343033323166370a323737396234376132353731643863\n62386335616635363062613562666561643931626332623464306666636131356134386531363533\n3831323230353333620a616633376363373830346332663733316634663937336663633631326361\n62343638656532393932643530633133326233316134383036316333373962626164",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/files/test_assemble/secret.vault#L1-L7",
        "$ANSIBLE_VAULT;1.1;AES256\n37626439373465656332623633333336353334326531333666363766303339336134313136616165\n6561333963343739386334653636393363396366396338660a663537666561643862343233393265\n33336436633864323935356337623861663631316530336532633932623635346364363338363437\n3365313831366365350a613934313862313538626130653539303834656634353132343065633162\n34316135313837623735653932663139353164643834303534346238386435373832366564646236\n3461333465343434666639373432366139363566303564643066",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/format_1_1_AES256.yml#L1-L6",
        "$ANSIBLE_VAULT;1.1;AES256\n33613463343938323434396164663236376438313435633837336438366530666431643031333734\n6463646538393331333239393363333830613039376562360a396635393636636539346332336364\n35303039353164386461326439346165656463383137663932323930666632326263636266656461\n3232663537653637640a643166666232633936636664376435316664656631633166323237356163\n6138",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/format_1_2_AES256.yml#L1-L6",
        "$ANSIBLE_VAULT;1.2;AES256;test_vault_id\n30383835613535356232333534303264656530633664616233386138396563623939626136366537\n3635323530646538626138383136636437616637616430610a386661346563346136326637656461\n64393364343964633364336666333630383164643662343930663432316333633537353938376437\n6134656262373731390a363166356461376663313532343733326438386632623930313366643038\n6133",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/host_vars/testhost.yml#L1-L7",
        "vaulted_utf8_value: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          39313961356631343234656136636231663539363963386364653436346133366366633031366364\n          3332376636333837333036633662316135383365343335380a393331663434663238666537343163\n          62363561336431623666633735313766613663333736653064373632666131356434336537383336\n          3333343436613232330a643461363831633166333237653530353131316361643465353132616362\n          3461",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/roles/test_vault/vars/main.yml#L1-L9",
        "$ANSIBLE_VAULT;1.1;AES256\n31626536666232643662346539623662393436386162643439643434656231343435653936343235\n6139346364396166336636383734333430373763336434310a303137623539653939336132626234\n64613232396532313731313935333433353330666466646663303233323331636234326464643166\n6538653264636166370a613161313064653566323037393962643032353230396536313865326362\n34396262303130326632623162623230346238633932393938393766313036643835613936356233\n33323730373331386337353339613165373064323134343930333031623036326164353534646631\n31313963666234623731316238656233396638643331306231373539643039383434373035306233\n30386230363730643561",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/roles/test_vault_embedded/vars/main.yml#L1-L17",
        "# If you use normal 'ansible-vault create' or edit, files always have at least one new line\n# so c&p from a vault encrypted that wasn't specifically created sans new line ends up with one.\n# (specifically created, as in 'echo -n \"just one line\" > my_secret.yml'\nvault_encrypted_var: !vault |\n              $ANSIBLE_VAULT;1.1;AES256\n              66386439653236336462626566653063336164663966303231363934653561363964363833313662\n              6431626536303530376336343832656537303632313433360a626438346336353331386135323734\n              62656361653630373231613662633962316233633936396165386439616533353965373339616234\n              3430613539666330390a313736323265656432366236633330313963326365653937323833366536\n              34623731376664623134383463316265643436343438623266623965636363326136\nvault_encrypted_one_line_var: !vault |\n                              $ANSIBLE_VAULT;1.1;AES256\n                              33363965326261303234626463623963633531343539616138316433353830356566396130353436\n                              3562643163366231316662386565383735653432386435610a306664636137376132643732393835\n                              63383038383730306639353234326630666539346233376330303938323639306661313032396437\n                              6233623062366136310a633866373936313238333730653739323461656662303864663666653563\n                              3138",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/roles/test_vault_embedded_ids/vars/main.yml#L1-L25",
        "vault_encrypted_example2_hello: !vault |\n          $ANSIBLE_VAULT;1.2;AES256;example2\n          30383930326535616363383537613266376364323738313835353566633533353364363837383638\n          3737633764613862343666346337353964613138653036610a313663393231386139343835626436\n          66633336303866323335616661366363333463616530326635383836656432396665313338313737\n          6539616630663262650a383762303362356438616261646564303230633930336563373566623235\n          3566\nvault_encrypted_example1_releases: !vault |\n          $ANSIBLE_VAULT;1.2;AES256;example1\n          63643833646565393535303862343135326261343362396234656137313731313864316539616462\n          3333313439353638393963643535633835643035383331340a393639386166313838326336363032\n          65396565616531663839316132646230316561613865333437653666323034396337626431663931\n          3339363233356438350a363734616337306136376139346162376334343537613032633563666361\n          36386437356463616563646336393064626131363963643434376439346331663836663961353533\n          62343663623863663830663531663930636532653165636238636433373835623435313632313030\n          33333734343566393739393661383430623063323132303132306361666433386166633564626434\n          62666361653465616636646335353230373961393863373261633461303233313965346565643434\n          63383633303131643730366233383264373865376562623962636562343732343266636535356362\n          62396635613231336162393630343136663731366665623835303762636161393163373361383634\n          65333739326264346136333337363666396336353065366161316130653738356133646364316130\n          32346636386665633131376662356238386161373565336430623263353036323561633235303135\n          35333031316366373636326665656230343934383334303863643364613364663436383030373237\n          35323964376564313636643633303262633033363633663966393535613064343364313161383061\n          66393733366463393936663033633038653465636539356266353936373162303661613962393662\n          61313534643064366432333166666130663730653333613964316130363135646532303531376537",
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/single_vault_as_string.yml#L1-L15",
        '- hosts: localhost\n  vars:\n    vaulted_value: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          35323961353038346165643738646465376139363061353835303739663538343266303232326635\n          3365353662646236356665323135633630656238316530640a663362363763633436373439663031\n          33663433383037396438656464636433653837376361313638366362333037323961316364363363\n          3835616438623261650a636164376534376661393134326662326362323131373964313961623365\n          3833\n  tasks:\n    - debug:\n        msg: "{{ vaulted_value }}"\n\n    - debug:\n        msg: "{{ vaulted_value|type_debug }}"',
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/test_vaulted_utf8_value.yml#L1-L15",
        '- name: "test that the vaulted_utf8_value decrypts correctly"\n  gather_facts: false\n  hosts: testhost\n  vars:\n    expected: "a\xf6ff\xfc"\n  tasks:\n    - name: decrypt vaulted_utf8_value and show it in debug\n      debug:\n         var: vaulted_utf8_value\n\n    - name: assert decrypted vaulted_utf8_value matches expected\n      assert:\n        that:\n          - "vaulted_utf8_value == expected"\n          - "vaulted_utf8_value == \'a\xf6ff\xfc\'"',
    ),
    (
        "encrypted",
        "ansible/ansible:test/integration/targets/ansible-vault/vars/vaulted.yml#L1-L15",
        "control: 1\nrealpath: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          64343436666664636436363065356463363630653766323230333931366661656262343030386366\n          6536616433353864616132303033623835316430623762360a646234383932656637623439353333\n          36336362616564333663353739313766363333376461353962643531366338633336613565636636\n          3663663664653538620a646132623835666336393333623439363361313934666530646334333765\n          39386364646262396234616666666438313233626336376330366539663765373566\nsymlink:  !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          61656138353366306464386332353938623338336333303831353164633834353437643635343635\n          3461646235303261613766383437623664323032623137350a663934653735316334363832383534\n          33623733346164376430643535616433383331663238383363316634353339326235663461353166\n          3064663735353766660a653963373432383432373365633239313033646466653664346236363635\n          6637",
    ),
    (
        "encrypted",
        "getsops/sops:example.ini#L13-L24",
        "[phoneNumbers]\nhome   = ENC[AES256_GCM,data:wv3pG8J7wmiotVY6,iv:YdX9RKlN9t0PohEu+Dxws0POUf8hjDMi4PJre+4/lsg=,tag:2XadWng1DxnfMituylFC5g==,type:str]\noffice = ENC[AES256_GCM,data:Hu3X626TUgV3Ix7i,iv:P1SBjvZPogJih4KLFLcbxeWeZT2aTNXPBtwlC9yZZ70=,tag:4SOkQZw4ynKfrFwrmre6Lw==,type:str]\n\n[not private]\nnotsecret_unencrypted = hi there!\n\n[sops]\npgp__list_0__map_fp         = FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\npgp__list_1__map_created_at = 2019-12-10T22:45:52Z\npgp__list_1__map_fp         = D7229043384BCC60326C6FB9D8720D957C3D3074\nlastmodified                = 2019-12-10T22:45:52Z",
    ),
    (
        "encrypted",
        "getsops/sops:example.json#L1-L8",
        '{\n\t"firstName": "ENC[AES256_GCM,data:f8++3g==,iv:rYuVzzb+C40QlYgO4Dl2V7atZUx0ITBcyb5fUsftKMo=,tag:krquPqa1HQltZqidzNamrA==,type:str]",\n\t"lastName": "ENC[AES256_GCM,data:94a2Q8c=,iv:c3NC7L80UTtbz7gdvPV5oSUwg30lC3Kg82uvRVs5CZw=,tag:kUXRNerUWmSe44mwD4w5uA==,type:str]",\n\t"age": "ENC[AES256_GCM,data:gjwWkw==,iv:XEWFpsyvEsPwr3qqsOJlfZ+vSZdiA+D6DAc6aoq/BS0=,tag:pcnUyMtYFa9v5DB6sNV15w==,type:float]",\n\t"address": {\n\t\t"city": "ENC[AES256_GCM,data:vSeyQwN1Z9k=,iv:DBmuX4w6w14Z/1b820OE3SM3MPx3oLGAeSoR4CWxdhg=,tag:ClpJZLb4ObIOdDD441clrw==,type:str]",\n\t\t"postalCode": "ENC[AES256_GCM,data:SZadC4tZh106eg==,iv:z/yWCZTd19j+3cFY5mwVkxY8a7i6veTBnwh4fsw5Kbw=,tag:iel9Pqh0jS0KhjxklXeqIg==,type:str]",\n\t\t"state": "ENC[AES256_GCM,data:b0Y=,iv:7Ar/Tb7XCDo5ABZNdSNBqGquaGEQF7dNxd1VvW7Nwak=,tag:uEjmOKwPlkYSq4IV1tQjwQ==,type:str]",',
    ),
    (
        "encrypted",
        "getsops/sops:example.yaml#L29-L35",
        'nested_unencrypted:\n    this:\n        is:\n            all: going to remain in clear text\nsops:\n    lastmodified: "2025-08-06T18:55:05Z"\n    mac: ENC[AES256_GCM,data:GCWOyMJo56xAfC4he5zJUuQr+uYXpSPX61twiGf+bi6E9Mb6JNEWGz8GhnxtlXDNinTPrTrmjeep0H1B9EzhSjxkjXuvTGrIUZmO3paGqpkyszU9pm4APyPtoq6ggCo+rqIMG+EDYFN4wMKPU+Nyn2EjmrorAg1uHq2ORKN40vk=,iv:V1kH6xaXDIb8NHYNm4A5ilTInizW7gw8nWhINZh9OJs=,tag:u+JwZ5osXC6FHdytwvRwvw==,type:str]',
    ),
    (
        "encrypted",
        "getsops/sops:example.yaml#L52-L57",
        '        - created_at: "2019-12-10T22:45:53Z"\n          enc: |-\n            -----BEGIN PGP MESSAGE-----\n\n            wYwDXFUltYFwV4MBBABpm+tFhFhv3A7A/L/p6nL3HXKKhONrgguYgXA/hhSg4/bD\n            1Po5pQhCM4yb3gqWewxgVpGNKFr/Gl+kN9eZ3LXp5nEdhei/aQn7BbWkhph5PKt6',
    ),
    (
        "encrypted",
        "getsops/sops:example.yaml#L6-L14",
        "        #ENC[AES256_GCM,data:uPuUQAahmq1xL5L2B0+a2gHSl7zXucjqa4Kr0AgNKTpgHw3IPx2lCoK+,iv:qYxjRmWMir47YKhmrrHwV0atmGjcJ3Dts+xvQ+6skHQ=,tag:dsj+0DsfiDyJNGUmvZwnHg==,type:comment]\n    key: ENC[AES256_GCM,data:xRjmLiX4BCoSUElToUs5twDq1WNWQNvNMi8yitXly43iGQiwltIs0FsY5u+7fzLepS66oLTGdL0NfWwCGxksYYzUKz5OXRLEatacZP40D71861zu+njmGdXepY0q0q5VOG7ObgIAMMMElVKRIFdjpVgmgUa+/h6R77mEbDztk6lqb28r15XyR6GmdubierTE7aialFzNoC+XO/yk7bnMi0XA/aomj1H5RdZ37LBR2k+rhqXmhkPdGTdJ39t4Ou1Q2Oc4RHRGvgs/EeFqQHcq0AilqXsFIv/PE0bQP564LaOcXK33B+PnoV1D+lXZ7mLOjKlq04c+UojwXjpZeXBr6Ip4H3dAGkPAoQKMtyGwHYzuLCNesxwPv2tPqbxkbVev0AKezGhnPjvCNvRN3S1Y0LPf1atfwzOCBQBhdUTpmXtxCdTNG0cUUZjeIKAyJXDWJooYHlstzDti/dSGMEedOnKq6648Yp7tLNDjAg5CGbDEWjTWehtqgvixUoRdYc2/r/ie3t09XB9h70BzLFDnbNdTNHhg0/aivHeDf8LJ2Co8YvIjLTwlm7GV0mSwzJIoY/2YxXFtw+XFqt+BCt1G8wq3R6OdXZK/+6fUKH/D4EVym5nrGkZIuOCiTB+wpzy09QmZ80Fo+ba0x/1g9ZTMKHk=,iv:ZtzvrO7QSHEOCnKCrIYcaesKnyScV8KaHZr22tUMLlU=,tag:2A3nJBIPF2Q3FlwMYLvG2w==,type:str]\nnumber: ENC[AES256_GCM,data:DX0qiTOWhQvG/w==,iv:ouWsby8JoFwCRj/mLVCnNcYhP2sdyf4h6nwZuGksE7Q=,tag:lPU6AId2JrlquHnYRw+E8Q==,type:float]\nan_array:\n    - ENC[AES256_GCM,data:vyczE8EQr9qHkaM=,iv:sT5jKk3LZ61Zq/neTli5tcnDFxCxY5RuGr2k5oGQWJQ=,tag:1HgaHWfyh6EJLkI1V2kOrw==,type:str]\n    - ENC[AES256_GCM,data:XtBinnYXR7bx1GY=,iv:KvT9smKVmgMNrab+RzfuWscyvJav2r8j1P08ucNmhgQ=,tag:IllAEvIPPeKOfqi1XbmT8w==,type:str]\n    - ENC[AES256_GCM,data:gpZ7nwWTGaI+Ti+lk+CPQOoM0ypwK7UMMBUiZAniQHDNJelipqc8hyhNeV+tpJLNaRt74OHs04EX8g==,iv:mKcwVelqLvwVDPjR8NeyMZ7AhsjRgmnYmyEuwPNPrQ8=,tag:vrkoccUfJs105yLCmXYYCw==,type:str]\n    - ENC[AES256_GCM,data:L9jPh+7+XsdqEpUnFcD4nA==,iv:xyfKjOXVrBDCIQG5786pSu5yvHdl/PK8eVxkIUWoCIw=,tag:Q0wlTV2e2vZeU6eTF5Oacg==,type:str]\nsomebooleans:",
    ),
    (
        "encrypted",
        "getsops/sops:examples/all_in_one/config/secret.enc.json#L15-L24",
        '\t\t\t{\n\t\t\t\t"created_at": "2019-12-10T22:46:40Z",\n\t\t\t\t"enc": "-----BEGIN PGP MESSAGE-----\\n\\nwYwDXFUltYFwV4MBBAA5g2pnnh43zql0b1bOa6zw0S6uMSLioFy5Or4Z+aEhywpe\\n94unRNqABQdqCtowoUpjJ4vEHxQ+dkHPXpYJejolBKPaKpHJHLrdImkC9nb62jJ8\\nthWFitj8ELQnHdmSk+t5kvaNj4nWXSuTTiXd2UodXZcHxH4UI4P7A4aZXKTYytLg\\nAeRHhnSBOBYD0rMvFIWKLcR94SZE4LrgluHLYODT4l6Ln4fg5uX2CzKsP/KD4+jI\\nPDvITr4Sdnh6m6XEctb4whn0OOKXo+Ca5OJ75/+Kb9SzSbA24uXJ1qriELpTt+Hk\\nawA=\\n=SIw4\\n-----END PGP MESSAGE-----",\n\t\t\t\t"fp": "D7229043384BCC60326C6FB9D8720D957C3D3074"\n\t\t\t}\n\t\t],\n\t\t"unencrypted_suffix": "_unencrypted",\n\t\t"version": "3.5.0"\n\t}\n}',
    ),
    (
        "encrypted",
        "getsops/sops:functional-tests/res/comments.enc.yaml#L30-L30",
        "    version: 3.6.1",
    ),
    (
        "encrypted",
        "getsops/sops:functional-tests/res/format.enc.env#L1-L8",
        "foo =ENC[AES256_GCM,data:XBV7lQ==,iv:d1FvB2AftTKfYFDO2XspPuv5IKcRhrljmRNCtbWoj7Q=,tag:pprVAdWf3q4Bb4oRPXZlBQ==,type:str]\nsops_lastmodified=2026-05-22T20:15:29Z\nsops_mac=ENC[AES256_GCM,data:evEAiDYeDG8/wtRoQbbpbjsGYvSct7SGOsFVKnph18e+6xQ9xqV6IwAtkxlfAizUpnkJSYvzebj5ZwI93DEl+lr8gA+JKTxw7YtEr9NejTz6lXaJtjKUZ9dmzqWkUoI/rexbaMncet9SLeKldrpGwA2DNdwjBYGj5FI8nRuN6DU=,iv:fQ864RUZhmoDzyLaYV1ET3faFHnlOszNAtddT1/nAoo=,tag:c98HSPfDpN7abMb66clDWw==,type:str]\nsops_pgp__list_0__map_created_at=2026-05-22T20:15:26Z\nsops_pgp__list_0__map_enc=-----BEGIN PGP MESSAGE-----\\n\\nwcBMAyUpShfNkFB/AQf+M//bb390sj/AhiuF4jDNz5olNzB1+Ha2j7hpCpwmsDFG\\nhO9H7RQ+LJMwPTXPFI6/BDODAGg1/unEt8JNv+NGEInzLpyRhdY4SMBRhch+Drnr\\n/9CK1DgEL+M66S2pydfFs0ZbI8XFRgC2nxt720e5FFlHwUj/LsVyI6zcrb5GsG5Y\\n4TW4Tv8Cod0Mqh0ytqXGCkjDUqj2herl/DNELDSaKQKzlqdkWtOBH9vGLk/bzeHk\\nfa6HOylQLX0sZfkbgHb9Yo14DLNJJoNUC/COWdwFGdWDebRChPcVwUmRe07YG3+5\\nU42SfhukBg2Qjl7sgPuBsQSowSOk3xw5dxCap2emP9JRAbkA0A16YvpTJ2T2ufQz\\noKKANmJ2EZDeZiekm/onGQ48tRcTgA5CuPg9d2766VfR9htoBa8x3HzmbBMzZN4S\\nZ1SkIvqPKtBo2g5JslnH5ApZ\\n=5coz\\n-----END PGP MESSAGE-----\nsops_pgp__list_0__map_fp=FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\nsops_unencrypted_suffix=_unencrypted\nsops_version=3.13.1",
    ),
    (
        "encrypted",
        "getsops/sops:functional-tests/res/format.enc.ini#L5-L11",
        "lastmodified                = 2026-05-22T20:15:58Z\nmac                         = ENC[AES256_GCM,data:sdSDymN65DegskpmhkPMwow83N/k3wspd7oYMMS5dqG2N2ekWkZj9KWQ1W6F5zVFa8oqcjiscJMIZNFIFvcl1UEwhtSTs/Lzkmt8vx2cSgrf0Dr6zuqLHV2ilSDhTZ0cKbf5YzKzGa4H/X/09jLskRBCKIX42YKlSMV6WCFYfDU=,iv:5h0uMZ7mJLXepf9QtT9QSKmdt15TCcawy7cAt4k5rq0=,tag:iQO1nKpJDvpw5vpT44HF4A==,type:str]\npgp__list_0__map_created_at = 2026-05-22T20:15:53Z\npgp__list_0__map_enc        = -----BEGIN PGP MESSAGE-----\\n\\nwcBMAyUpShfNkFB/AQf/daFIlZp0nciQLo/KV21fWPifgq9fyTIZN+ROZGU9HUOk\\nXCnNaM14e7u1jfpvH+7sHytvxX63U7q+8FPujhcHI2thJ5o7iZRykD6f//cAC74d\\nA3FGEhVl0lZsTiPd4m5jI7e5qaQLpUyh6rxx38RTyjPX7OC+hOLVZuLVS7eo39DH\\nrfiP02K0Uj+riceLZ9WLZhgPNdxCUXrTJt24IS4frEh5WKnlkBx+4pqzG+Z5xXpu\\ne1xuyPr/8jQTXQD4zmT4GjOowd9H46wKV/a23+FJl9KCSowPiIeuQ5ZNYg16R0oj\\nxuU7qtdUZqgXNw/iHxub9crG7tdI9r5H9nmGLH2Jq9JRAbo2TdE9b+rTLo6FJG0f\\n2W5rImXsH8THsrw6KyPtrkr3rdECDl0LFCaUm1I2gFev8dvXhdjhymUW0f1Cy+1w\\nNqNfxIqit8lChU9/N6wnAqLM\\n=Axgz\\n-----END PGP MESSAGE-----\npgp__list_0__map_fp         = FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\nunencrypted_suffix          = _unencrypted\nversion                     = 3.13.2",
    ),
    (
        "encrypted",
        "getsops/sops:functional-tests/res/format.enc.yaml#L3-L15",
        '    lastmodified: "2026-05-22T20:16:23Z"\n    mac: ENC[AES256_GCM,data:t5sIFo7psXtfOiPdp9psT3nmgO/sH2GojpOIluWadfDJGPIsucbPrj906LwpVqva/4bq7q1aUKhm7X4RwfkvVsdgRbKr6azww5uvTUFTN58Vi0jxyhSaUh96+aVK02SkPbzx5oSEK0R9M/ZWSKnP8VY6AKTlP6I3I2P8HAEK6xs=,iv:mhrVlCOWU0MnIYxnccGGFDCPAXsNwl9sopIm7f74kT8=,tag:w+XIuL4lhKHlgGOlclR2PA==,type:str]\n    pgp:\n        - created_at: "2026-05-22T20:16:20Z"\n          enc: |-\n            -----BEGIN PGP MESSAGE-----\n\n            wcBMAyUpShfNkFB/AQf/b1Bdb5X/56d4Oe/5ZoEvKmjN68fr5n9c7gK8qW8Y+Q/L\n            vbfY+l/3HDta5fHHe1RIvyHle/Zgrh1PcQELvhPwsp2nW3NSPsCOCvemziNv7b2b\n            c57DjDyt97C2UDG82jBCwMUYp5ekYuXleTcMLTJF2V9GQ5jeGDflpfrrPXoI22bh\n            LJBAGtQp0kQQgoQSdLEQ9fCVAt0UV4MfZ28I9ezUoihrVydLFGtYFqqQCyLdpDfW\n            jXQk2QHM+FUPWJyaCZlFJYv29LYz9AYG0db6FLcUUrVbkujdPZak107va8r6FDFF\n            xwJBfau2I/ocQwkWv99+/+AYCh7+DWkwJ20W8uFBytJRAeL2P3JHSof0YsnpeRDH',
    ),
    (
        "env_example",
        "GitGuardian/ggshield:.env.example#L1-L22",
        "GITGUARDIAN_API_KEY=__________FILL ME__________\nGITGUARDIAN_INSTANCE=https://dashboard.gitguardian.com/\n\n# Used by functional tests for the --ignore-known-secrets feature\n# Set this to a single-match secret known by your dashboard\n# TEST_KNOWN_SECRET=\n# Set this to a single-match secret unknown by your dashboard. Unlike\n# TEST_KNOWN_SECRET, this one has a default value, so you do not have to set\n# it unless the default value does not work for you\n# TEST_UNKNOWN_SECRET=\n\n# You might need to set those 2 vars to run tests\n# - push a valid GitGuardian test token in your workspace\n# (see https://docs.gitguardian.com/secrets-detection/secrets-detection-engine/detectors/specifics/gitguardian_test_token_checked)\n# - set TEST_GG_VALID_TOKEN to this value\n# - and set TEST_GG_VALID_TOKEN_IGNORE_SHA to matching commit sha\n# TEST_GG_VALID_TOKEN=\n# TEST_GG_VALID_TOKEN_IGNORE_SHA=\n\n# Fallback value for the repository remote URL in case it cannot be determined using `git remote -v`\n# This variable is particularly relevant when running ggshield in a git pre-receive hook\n# GITGUARDIAN_GIT_REMOTE_FALLBACK_URL=",
    ),
    (
        "env_example",
        "bitnami-labs/sealed-secrets:versions.env#L1-L2",
        'GO_VERSION=1.26.2\nGO_VERSION_LIST="[\\"$GO_VERSION\\"]"',
    ),
    (
        "env_example",
        "docker/cli:cli/compose/loader/example1.env#L1-L8",
        "# passed through\nFOO=foo_from_env_file\n\n# overridden in example2.env\nBAR=bar_from_env_file\n\n# overridden in full-example.yml\nBAZ=baz_from_env_file",
    ),
    (
        "env_example",
        "documenso/documenso:.env.example#L114-L126",
        '# OPTIONAL: Defines the password to use with the SMTP server.\nNEXT_PRIVATE_SMTP_PASSWORD="password"\n# OPTIONAL: Defines the API key user to use with the SMTP server.\nNEXT_PRIVATE_SMTP_APIKEY_USER=\n# OPTIONAL: Defines the API key to use with the SMTP server.\nNEXT_PRIVATE_SMTP_APIKEY=\n# OPTIONAL: Defines whether to force the use of TLS.\nNEXT_PRIVATE_SMTP_SECURE=\n# OPTIONAL: if this is true and NEXT_PRIVATE_SMTP_SECURE is false then TLS is not used even if the server supports STARTTLS extension\nNEXT_PRIVATE_SMTP_UNSAFE_IGNORE_TLS=\n# REQUIRED: Defines the sender name to use for the from address.\nNEXT_PRIVATE_SMTP_FROM_NAME="Documenso"\n# REQUIRED: Defines the email address to use as the from address.',
    ),
    (
        "env_example",
        "documenso/documenso:.env.example#L182-L193",
        'NEXT_PRIVATE_ALLOWED_SIGNUP_DOMAINS=\n# OPTIONAL: Set to "true" to disable all signin methods (email, Google, Microsoft, OIDC).\nNEXT_PUBLIC_DISABLE_SIGNIN=\n# OPTIONAL: Set to "true" to disable email/password signin only. Also closes /forgot-password and /reset-password.\nNEXT_PUBLIC_DISABLE_EMAIL_PASSWORD_SIGNIN=\n# OPTIONAL: Set to "true" to hide the Google signin button.\nNEXT_PUBLIC_DISABLE_GOOGLE_SIGNIN=\n# OPTIONAL: Set to "true" to hide the Microsoft signin button.\nNEXT_PUBLIC_DISABLE_MICROSOFT_SIGNIN=\n# OPTIONAL: Set to "true" to hide the OIDC signin button.\nNEXT_PUBLIC_DISABLE_OIDC_SIGNIN=\n# OPTIONAL: When OIDC is the only enabled signin transport, /signin auto-redirects',
    ),
    (
        "env_example",
        "documenso/documenso:.env.example#L216-L232",
        '# OPTIONAL: Cloudflare Turnstile site key (public). When configured, Turnstile challenges\n# will be shown on sign-up (visible) and sign-in (invisible) pages.\n# See: https://developers.cloudflare.com/turnstile/\nNEXT_PUBLIC_TURNSTILE_SITE_KEY=\n# OPTIONAL: Cloudflare Turnstile secret key (server-side verification).\nNEXT_PRIVATE_TURNSTILE_SECRET_KEY=\n\n# [[E2E Tests]]\nE2E_TEST_AUTHENTICATE_USERNAME="Test User"\nE2E_TEST_AUTHENTICATE_USER_EMAIL="testuser@mail.com"\nE2E_TEST_AUTHENTICATE_USER_PASSWORD="test_Password123"\n# OPTIONAL: Set to "true" to disable all rate limiting. Only use for E2E tests.\nDANGEROUS_BYPASS_RATE_LIMITS=\n\n# [[LOGGER]]\n# OPTIONAL: The file to save the logger output to. Will disable stdout if provided.\nNEXT_PRIVATE_LOGGER_FILE_PATH=',
    ),
    (
        "env_example",
        "documenso/documenso:.env.example#L75-L88",
        '# OPTIONAL: The OAuth client ID registered with the CSC provider for the csc signing transport.\nNEXT_PRIVATE_SIGNING_CSC_OAUTH_CLIENT_ID=\n# OPTIONAL: The OAuth client secret registered with the CSC provider for the csc signing transport.\nNEXT_PRIVATE_SIGNING_CSC_OAUTH_CLIENT_SECRET=\n# OPTIONAL: Default signature level for envelopes created on a CSC instance when the caller doesn\'t specify one. Available options: AES (default) | QES. Explicit AES/QES requests always pass through unchanged.\nNEXT_PRIVATE_SIGNING_CSC_SIGNATURE_LEVEL=\n# OPTIONAL: Comma-separated list of timestamp authority URLs for PDF signing (enables LTV and archival timestamps).\nNEXT_PRIVATE_SIGNING_TIMESTAMP_AUTHORITY=\n# OPTIONAL: Contact info to embed in PDF signatures. Defaults to the webapp URL.\nNEXT_PUBLIC_SIGNING_CONTACT_INFO=\n# OPTIONAL: Set to "true" to use the legacy adbe.pkcs7.detached subfilter instead of ETSI.CAdES.detached.\nNEXT_PRIVATE_USE_LEGACY_SIGNING_SUBFILTER=\n\n# [[STORAGE]]',
    ),
    (
        "env_example",
        "fastapi/full-stack-fastapi-template:.env#L1-L18",
        '# Enable development behavior for commands that import the app directly\nFASTAPI_ENV=development\n\nPROJECT_NAME="Full Stack FastAPI Project"\n\nSECRET_KEY=changethis\nFIRST_SUPERUSER=admin@example.com\nFIRST_SUPERUSER_PASSWORD=changethis\n\n# Emails\nSMTP_HOST=localhost\nEMAILS_FROM_EMAIL=info@example.com\nSMTP_TLS=False\nSMTP_PORT=1025\n\n# Postgres\nPOSTGRES_PASSWORD=changethis\nDATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/app',
    ),
    (
        "env_example",
        "fastapi/full-stack-fastapi-template:frontend/.env#L1-L2",
        "VITE_API_URL=http://localhost:8000\nMAILPIT_HOST=http://localhost:8025",
    ),
    (
        "env_example",
        "getsentry/self-hosted:.env#L3-L13",
        "# To enable errors monitoring only, set COMPOSE_PROFILES=errors-only\n# See https://develop.sentry.dev/self-hosted/optional-features/errors-only/\nCOMPOSE_PROFILES=feature-complete\nSENTRY_EVENT_RETENTION_DAYS=90\nLAUNCHPAD_RPC_SHARED_SECRET=supersecret\n# You can either use a port number or an IP:PORT combo for SENTRY_BIND\n# See https://docs.docker.com/compose/compose-file/#ports for more\nSENTRY_BIND=9000\n# Set SENTRY_MAIL_HOST to a valid FQDN (host/domain name) to be able to send emails!\n# SENTRY_MAIL_HOST=example.com\n# Parallel taskworker processes (higher values increase memory usage; >32 not recommended)",
    ),
    (
        "env_example",
        "hoppscotch/hoppscotch:.env.example#L1-L24",
        '#-----------------------Backend Config------------------------------#\n# Prisma Config\nDATABASE_URL=postgresql://postgres:testpass@hoppscotch-db:5432/hoppscotch\n\n# Sensitive Data Encryption Key while storing in Database (32 character)\nDATA_ENCRYPTION_KEY=data encryption key with 32 char\n\n# Whitelisted origins for the Hoppscotch App.\n# This list controls which origins can interact with the app through cross-origin comms.\n# - localhost ports (3170, 3000, 3100): app, backend, development servers and services\n# - app://localhost_3200: Bundle server origin identifier\n#   NOTE: `3200` here refers to the bundle server (port 3200) that provides the bundles,\n#   NOT where the app runs. The app itself uses the `app://` protocol with dynamic\n#   bundle names like `app://{bundle-name}/`\nWHITELISTED_ORIGINS=http://localhost:3170,http://localhost:3000,http://localhost:3100,app://localhost_3200,app://hoppscotch\n\n# Optional: Default proxy URL offered to clients when proxying is enabled.\n# Clients control whether requests are proxied via the in-app toggle; this only\n# sets which URL they default to. Remove the variable to configure it solely\n# from the admin dashboard.\nPROXY_APP_URL="https://proxy.hoppscotch.io"\n\n# If true, the client\u2019s IP address is understood as the left-most entry in the X-Forwarded-For header\nTRUST_PROXY=false',
    ),
    (
        "env_example",
        "laravel/laravel:.env.example#L1-L65",
        'APP_NAME=Laravel\nAPP_ENV=local\nAPP_KEY=\nAPP_DEBUG=true\nAPP_URL=http://localhost\n\nAPP_LOCALE=en\nAPP_FALLBACK_LOCALE=en\nAPP_FAKER_LOCALE=en_US\n\nAPP_MAINTENANCE_DRIVER=file\n# APP_MAINTENANCE_STORE=database\n\n# PHP_CLI_SERVER_WORKERS=4\n\nBCRYPT_ROUNDS=12\n\nLOG_CHANNEL=stack\nLOG_STACK=single\nLOG_DEPRECATIONS_CHANNEL=null\nLOG_LEVEL=debug\n\nDB_CONNECTION=sqlite\n# DB_HOST=127.0.0.1\n# DB_PORT=3306\n# DB_DATABASE=laravel\n# DB_USERNAME=root\n# DB_PASSWORD=\n\nSESSION_DRIVER=database\nSESSION_LIFETIME=120\nSESSION_ENCRYPT=false\nSESSION_PATH=/\nSESSION_DOMAIN=null\n\nBROADCAST_CONNECTION=log\nFILESYSTEM_DISK=local\nQUEUE_CONNECTION=database\n\nCACHE_STORE=database\n# CACHE_PREFIX=\n\nMEMCACHED_HOST=127.0.0.1\n\nREDIS_CLIENT=phpredis\nREDIS_HOST=127.0.0.1\nREDIS_PASSWORD=null\nREDIS_PORT=6379\n\nMAIL_MAILER=log\nMAIL_SCHEME=null\nMAIL_HOST=127.0.0.1\nMAIL_PORT=2525\nMAIL_USERNAME=null\nMAIL_PASSWORD=null\nMAIL_FROM_ADDRESS="hello@example.com"\nMAIL_FROM_NAME="${APP_NAME}"\n\nAWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY=\nAWS_DEFAULT_REGION=us-east-1\nAWS_BUCKET=\nAWS_USE_PATH_STYLE_ENDPOINT=false\n\nVITE_APP_NAME="${APP_NAME}"',
    ),
    (
        "env_example",
        "minio/minio:buildscripts/upgrade-tests/minio.env#L1-L3",
        "MINIO_ACCESS_KEY=minioadmin\nMINIO_SECRET_KEY=minioadmin\nMINIO_BROWSER=off",
    ),
    (
        "env_example",
        "nektos/act:pkg/runner/testdata/secrets/.env#L1-L2",
        'HELLO=WORLD\nMULTILINE_ENV="foo\\nbar\\nbaz"',
    ),
    (
        "env_example",
        "outline/outline:.env.sample#L189-L202",
        "\n# Generic OIDC provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/oidc-8CPBm6uC0I\nOIDC_CLIENT_ID=\nOIDC_CLIENT_SECRET=\nOIDC_AUTH_URI=\nOIDC_TOKEN_URI=\nOIDC_USERINFO_URI=\nOIDC_LOGOUT_URI=\n\n# Specify which claims to derive user information from\n# Supports any valid JSON path with the JWT payload\nOIDC_USERNAME_CLAIM=preferred_username\n",
    ),
    (
        "env_example",
        "outline/outline:.env.sample#L242-L261",
        "\n\n# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\n# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013  INTEGRATIONS  \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\n# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\n\n# GitHub integration allows previewing issue and pull request links\n# DOCS: https://docs.getoutline.com/s/hosting/doc/github-GchT3NNxI9\nGITHUB_CLIENT_ID=\nGITHUB_CLIENT_SECRET=\nGITHUB_WEBHOOK_SECRET=\nGITHUB_APP_NAME=\nGITHUB_APP_ID=\nGITHUB_APP_PRIVATE_KEY=\n\n# The GitLab integration allows previewing issue and merge request links\n# DOCS: \nGITLAB_CLIENT_ID=\nGITLAB_CLIENT_SECRET=\n",
    ),
    (
        "env_example",
        "outline/outline:.env.sample#L267-L280",
        "# following configs are also needed in addition to Slack authentication:\n# DOCS: https://docs.getoutline.com/s/hosting/doc/slack-G2mc8DOJHk\nSLACK_VERIFICATION_TOKEN=your_token\nSLACK_APP_ID=A0XXXXXXX\nSLACK_MESSAGE_ACTIONS=true\n\n# Figma integration allows previewing design files as rich mentions\nFIGMA_CLIENT_ID=\nFIGMA_CLIENT_SECRET=\n\n# For Dropbox integration, follow these instructions to get the key https://www.dropbox.com/developers/embedder#setup\n# and do not forget to whitelist your domain name in the app settings\nDROPBOX_APP_KEY=\n",
    ),
    (
        "env_example",
        "outline/outline:.env.sample#L40-L56",
        "WEB_CONCURRENCY=1\n\n# Generate a hex-encoded 32-byte random key. Use `openssl rand -hex 32` in your\n# terminal to generate a random value.\nSECRET_KEY=generate_a_new_key\n\n# Generate a unique random key. The format is not important but you could still use\n# `openssl rand -hex 32` in your terminal to generate a random value.\nUTILS_SECRET=generate_a_new_key\n\n# The default interface language. See translate.getoutline.com for a list of\n# available language codes and their rough percentage translated.\nDEFAULT_LANGUAGE=en_US\n\n\n# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\n# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013  DATABASE  \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013",
    ),
    (
        "env_example",
        "outline/outline:.env.sample#L7-L16",
        "# Any environment variable read by Outline can be loaded from a file by\n# appending _FILE to the variable name and setting the value to the path of the\n# file. This is useful for Docker secrets and other file-based secret\n# management systems.\n#\n# For example, instead of:\n#   SECRET_KEY=your_secret_key\n# You can use:\n#   SECRET_KEY_FILE=/run/secrets/outline_secret_key\n#",
    ),
    (
        "env_example",
        "snipe/snipe-it:.env.example#L158-L172",
        "# OPTIONAL: AWS Settings\n# --------------------------------------------\nAWS_ACCESS_KEY_ID=null\nAWS_SECRET_ACCESS_KEY=null\nAWS_DEFAULT_REGION=null\n\n# --------------------------------------------\n# OPTIONAL: LOGIN THROTTLING\n# --------------------------------------------\nLOGIN_MAX_ATTEMPTS=5\nLOGIN_LOCKOUT_DURATION=60\nLOGIN_AUTOCOMPLETE=false\n\n# --------------------------------------------\n# OPTIONAL: FORGOTTEN PASSWORD SETTINGS",
    ),
    (
        "env_example",
        "snipe/snipe-it:.env.example#L17-L32",
        "\n#PRIVATE_FILESYSTEM_DISK=s3_private\n#PUBLIC_FILESYSTEM_DISK=s3_public\n\n\n# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=null\nDB_USERNAME=null\nDB_PASSWORD=null\nDB_PREFIX=null\nDB_DUMP_PATH='/usr/bin'",
    ),
    (
        "env_example",
        "snipe/snipe-it:.env.example#L174-L188",
        "RESET_PASSWORD_LINK_EXPIRES=15\nPASSWORD_CONFIRM_TIMEOUT=10800\nPASSWORD_RESET_MAX_ATTEMPTS_PER_MIN=50\n\n# --------------------------------------------\n# OPTIONAL: MISC\n# --------------------------------------------\nLOG_CHANNEL=single\nLOG_DEPRECATIONS=false\nLOG_MAX_DAYS=10\nAPP_LOCKED=false\nAPP_CIPHER=AES-256-CBC\nAPP_FORCE_TLS=false\nAPP_ALLOW_INSECURE_HOSTS=false\nGOOGLE_MAPS_API=",
    ),
    (
        "env_example",
        "snipe/snipe-it:.env.example#L97-L110",
        "ENCRYPT=false\nCOOKIE_NAME=snipeit_session\nPASSPORT_COOKIE_NAME='snipeit_passport_token'\nCOOKIE_DOMAIN=null\nSECURE_COOKIES=false\nAPI_TOKEN_EXPIRATION_YEARS=15\nBS_TABLE_STORAGE=localStorage\nBS_TABLE_DEEPLINK=true\n\n# --------------------------------------------\n# OPTIONAL: SECURITY HEADER SETTINGS\n# --------------------------------------------\nAPP_TRUSTED_PROXIES=192.168.1.1,10.0.0.1\nALLOW_IFRAMING=false",
    ),
    (
        "env_example",
        "snipe/snipe-it:docker/docker-secrets.env#L1-L40",
        "# --------------------------------------------\n# REQUIRED: BASIC APP SETTINGS\n# --------------------------------------------\n#APP_ENV=develop\n#APP_DEBUG=false\n#APP_KEY=Change_this_key_or_snipe_will_get_ya\n#APP_URL=http://127.0.0.1:32782\n#APP_TIMEZONE=US/Pacific\n#APP_LOCALE=en\n\n\n# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_PREFIX=null\nDB_DUMP_PATH='/usr/bin'\n\n\n# --------------------------------------------\n# REQUIRED: OUTGOING MAIL SERVER SETTINGS\n# --------------------------------------------\nMAIL_MAILER=smtp\nMAIL_TLS_VERIFY_PEER=${MAIL_TLS_VERIFY_PEER}\nMAIL_FROM_ADDR=${MAIL_ENV_FROM_ADDR}\nMAIL_FROM_NAME=${MAIL_ENV_FROM_NAME}\nMAIL_REPLYTO_ADDR=${MAIL_ENV_FROM_ADDR}\nMAIL_REPLYTO_NAME=${MAIL_ENV_FROM_NAME}\n\n\n# --------------------------------------------\n# REQUIRED: IMAGE LIBRARY\n# This should be gd or imagick\n# --------------------------------------------\nIMAGE_LIB=gd\n\n\n# --------------------------------------------\n# OPTIONAL: SESSION SETTINGS\n# --------------------------------------------",
    ),
    (
        "env_example",
        "snipe/snipe-it:docker/docker.env#L12-L26",
        "# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_HOST=${MYSQL_PORT_3306_TCP_ADDR}\nDB_PORT=${MYSQL_PORT_3306_TCP_PORT}\nDB_DATABASE=${MYSQL_DATABASE}\nDB_USERNAME=${MYSQL_USER}\nDB_PASSWORD=${MYSQL_PASSWORD}\nDB_PREFIX=null\nDB_DUMP_PATH='/usr/bin'\n\n\n# --------------------------------------------\n# REQUIRED: OUTGOING MAIL SERVER SETTINGS",
    ),
    (
        "env_example",
        "snipe/snipe-it:docker/docker.env#L32-L42",
        "MAIL_PASSWORD=${MAIL_ENV_PASSWORD}\nMAIL_TLS_VERIFY_PEER=${MAIL_TLS_VERIFY_PEER}\nMAIL_FROM_ADDR=${MAIL_ENV_FROM_ADDR}\nMAIL_FROM_NAME=${MAIL_ENV_FROM_NAME}\nMAIL_REPLYTO_ADDR=${MAIL_ENV_FROM_ADDR}\nMAIL_REPLYTO_NAME=${MAIL_ENV_FROM_NAME}\n\n\n# --------------------------------------------\n# REQUIRED: IMAGE LIBRARY\n# This should be gd or imagick",
    ),
    (
        "env_example",
        "traefik/traefik:webui/.env.sample#L1-L2",
        "VITE_APP_BASE_API_URL=/api\nVITE_APP_BASE_URL=",
    ),
    (
        "git_log",
        "BurntSushi/ripgrep (git log -n 6 of the fetched snapshot)",
        "$ git log -n 6\ncommit 3fce3b5bb0236da2df6d99672afb8a719642eca7\nAuthor: Andrew Gallant <jamslam@gmail.com>\nDate:   Tue Aug 4 10:00:08 2026 -0400\n\n    ignore-0.4.33\n\ncommit 5055264ae021b5d0e01e55f723622d638ea877f0\nAuthor: Andrew Gallant <jamslam@gmail.com>\nDate:   Tue Aug 4 09:59:57 2026 -0400\n\n    globset-0.4.20\n\ncommit 020687a77d13146923333f0beb274eeabd54a270\nAuthor: Andrew Gallant <jamslam@gmail.com>\nDate:   Tue Aug 4 07:46:42 2026 -0400\n\n    ignore,globset: increase pool capacity\n    \n    When do matching inside of `ignore` or `globset`, we sometimes need a\n    reusable mutable scratch space for matching. To do this, we use a `Pool`\n    abstraction from `regex-automata` to do this heavy lifting for us.\n    \n    It turns out that this can be a limiting factor in some scenarios when\n    gitignore matching dominates. For example, in my checkout of the\n    Chromium repository:\n    \n    ```\n    $ hyperfine 'rg-master -j32 --files' 'rg-bigger-pool -j32 --files' 'rg-master -j32 --files --no-ignore'\n    Benchmark 1: rg-master -j32 --files\n      Time (mean \xb1 \u03c3):     156.3 ms \xb1   5.5 ms    [User: 2356.4 ms, System: 380.8 ms]\n      Range (min \u2026 max):   147.6 ms \u2026 164.5 ms    19 runs\n    \n    Benchmark 2: rg-bigger-pool -j32 --files\n      Time (mean \xb1 \u03c3):     131.6 ms \xb1   2.1 ms    [User: 1628.2 ms, System: 310.1 ms]\n      Range (min \u2026 max):   128.8 ms \u2026 136.3 ms    22 runs\n    \n    Benchmark 3: rg-master -j32 --files --no-ignore\n      Time (mean \xb1 \u03c3):     107.4 ms \xb1   1.0 ms    [User: 664.7 ms, System: 304.7 ms]\n      Range (min \u2026 max):   104.9 ms \u2026 109.6 ms    28 runs\n    ",
    ),
    (
        "git_log",
        "FiloSottile/age (git log -n 3 --format=fuller of the fetched snapshot)",
        "$ git log -n 3 --format=fuller\ncommit 10561a774f9f6de47c8d23ddc58537b6a18b083d\nAuthor:     Filippo Valsorda <hi@filippo.io>\nAuthorDate: Wed Jan 21 18:56:32 2026 +0100\nCommit:     Filippo Valsorda <hi@filippo.io>\nCommitDate: Wed Jan 21 18:56:39 2026 +0100\n\n    .github/workflows: remove one-off darwin/amd64 backfill workflow\n    \n    Updates #676\n\ncommit c918a2c1136eb04bd8a28f1d50403473437b4098\nAuthor:     Filippo Valsorda <hi@filippo.io>\nAuthorDate: Wed Jan 21 18:49:12 2026 +0100\nCommit:     Filippo Valsorda <hi@filippo.io>\nCommitDate: Wed Jan 21 18:49:52 2026 +0100\n\n    .github/workflows: add darwin/amd64 backfill workflow\n    \n    Updates #676\n\ncommit beb5dfa28cc3f6f74843c946ca267ec7443297ee\nAuthor:     Filippo Valsorda <hi@filippo.io>\nAuthorDate: Wed Jan 21 18:48:27 2026 +0100\nCommit:     Filippo Valsorda <hi@filippo.io>\nCommitDate: Wed Jan 21 18:49:46 2026 +0100\n\n    .github/workflows: add darwin/amd64 build target\n    \n    Closes #676",
    ),
    (
        "git_log",
        "Yelp/detect-secrets (git log -n 6 of the fetched snapshot)",
        '$ git log -n 6\ncommit 5e141933554a0b74e7341841f318be21e895339c\nAuthor: yelp-atlantis <48361883+yelp-atlantis@users.noreply.github.com>\nDate:   Thu Apr 2 10:10:40 2026 -0700\n\n    Add security review workflow\n\ncommit 50119d658ab48021cad234fc5c8d3253263b2ec0\nAuthor: csteiner <47841949+clintonsteiner@users.noreply.github.com>\nDate:   Mon Jan 6 14:58:21 2025 -0600\n\n    update: add python 3.13 support (#900)\n    \n    * update: add python 3.13 support\n    \n    * tox: add in python 3.13\n    \n    * ci: add in fixes causing failing ci\n    \n    * requirements: remove typed-ast as EOL as of python 3.7\n    \n    * pre-commit: bump to work with new python version\n    \n    * pre-commit: other fixes\n    \n    * pre-commit: remove add trailing comma - conflicts with autopep8\n    \n    * pre-commit: fix duplicated autopep8 repo\n    \n    * Revert "pre-commit: remove add trailing comma - conflicts with autopep8"\n    \n    This reverts commit 853c465ad10d6f9c15a05b880a357c443becefb0.\n\ncommit b31a086470ffc19d79b3a54939f13dd2a9220922\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Fri Dec 20 17:17:39 2024 -0500\n\n    Bump pycodestyle from 2.11.1 to 2.12.1 (#872)\n    \n    * Bump pycodestyle from 2.11.1 to 2.12.1\n    ',
    ),
    (
        "git_log",
        "axios/axios (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\n23a25af0 2025-02-18 fix(utils): replace getRandomValues with crypto module (#6788)\n32c7bcc0 2025-02-12 feat: Add config for ignoring absolute URLs (#5902) (#6192)\n4a3e26cf 2025-02-09 chore(config): adjust rollup config to preserve license header to minified JavaScript (#6777)\n30966a79 2025-02-02 docs(type): fix typo in index.ts (#6030)\ne7a9cbe3 2025-02-02 test(transform): add test case for issue 5853 on response type to 'json' (#5901)\n51c1d7ba 2025-01-31 chore(docs): typo in README (#6771)\nb5b063e4 2025-01-31 docs(readme): fix Request Config options code highlight (#6480)\n896f9af1 2025-01-31 chore(docs): remove SECURITY.md (#6312)\n8889dc03 2025-01-31 chore(docs): fix documentation for usage of interceptors in axios (#6116)\n45d0baa6 2025-01-31 chore(docs): split long lines, easier for reading (#6129)",
    ),
    (
        "git_log",
        "caddyserver/caddy (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\n0cf03d32f 2026-08-22 caddyhttp: mitigate slowloris via idle read/write deadlines (#7913)\n45ba3278b 2026-08-19 fastcgi: fix HTTPoxy vulnerability (#7934)\n0bbda5c72 2026-08-16 fix: close resources on error paths (#7940)\n789f60e33 2026-08-15 caddyhttp: fix url_pattern authorization bypass via encoded-slash traversal (#7941)\n50e54ee27 2026-08-13 logging: add set_cookie log filter for Set-Cookie response headers (#7888)\n6584c7599 2026-08-12 reverseproxy: isolate active health-check state per distinct check config (#7916)\n1fed03223 2026-08-12 caddyhttp: shield specific hostnames from a covering wildcard's client auth (#7920)\nd6f7f18b0 2026-08-11 Merge commit from fork\n947087cad 2026-08-11 Merge commit from fork\n63f4e387c 2026-08-11 caddyhttp: allocate the request UUID lazily instead of on every request (#7936)",
    ),
    (
        "git_log",
        "cli/cli (git log -n 4 --stat of the fetched snapshot)",
        "$ git log -n 4 --stat\ncommit 44ee17760709bedf1cad7e452e61751489b81a33\nMerge: 2a2adfed0 366aea95e\nAuthor: Kynan Ware <47394200+BagToad@users.noreply.github.com>\nDate:   Thu Oct 24 10:47:44 2024 -0600\n\n    Merge pull request #9813 from cli/wm/update-acceptance-test-redaction\n    \n    Note token redaction in Acceptance test README\n\ncommit 2a2adfed0fa40da591d562b0e6fa8f75c5e71d2b\nMerge: 0880dc4d7 2b480daf7\nAuthor: William Martin <williammartin@github.com>\nDate:   Thu Oct 24 18:42:31 2024 +0200\n\n    Merge pull request #9787 from cli/jtmcg/testscripts-auth\n    \n    Add acceptance tests for `gh auth` commands\n\ncommit 366aea95ebb4e76c1bc4b32dc4ed245492e83340\nAuthor: William Martin <williammartin@github.com>\nDate:   Thu Oct 24 18:35:30 2024 +0200\n\n    Note token redaction in Acceptance test README\n\n acceptance/README.md | 4 +++-\n 1 file changed, 3 insertions(+), 1 deletion(-)\n\ncommit 0880dc4d798109a537150b3f7cdc1015bf168698\nMerge: d4c70009b f72a82db9\nAuthor: William Martin <williammartin@github.com>\nDate:   Thu Oct 24 18:30:47 2024 +0200\n\n    Merge pull request #9812 from cli/wm-kw/ssh-key-and-org-testscripts.txtar\n    \n    Add acceptance tests for `org` and `ssh-key` commands",
    ),
    (
        "git_log",
        "composer/composer (git log -n 8 --format=%H %an <%ae> %s of the fetched snapshot)",
        "$ git log -n 8 --format=%H %an <%ae> %s\neba7baa59eb1b59246cf9800b0120fe78915b6ac Ey\xfcp Can Akman <eyupcanakman@gmail.com> Fix `Url::getOrigin` prefix-matching a host against `gitlab-domains` (#12988)\n5e9f655ba7089e6b8d87f4639ec831087ca9654e Jordi Boggiano <j.boggiano@seld.be> Include the failed URL in max-file-size and content-length errors (#13041)\nf600f9a1c5e0986b056a47a4065b28775132691e dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump actions/attest from 4.2.1 to 4.2.2 (#13033)\nab70897ec30bce33b11adfd2e79c43f5b3622135 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump zizmorcore/zizmor-action from 0.6.1 to 0.6.2 (#13032)\n6987fe5a4daa888cedf098fc217cd2a04063175b Lazizbek Ergashev <lazerg2@gmail.com> Replace deprecated spl_object_hash with spl_object_id, fixes #13027 (#13028)\nc435d285c9120efdca35696769c72ea9fdcc0466 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump actions/attest from 4.2.0 to 4.2.1 (#13020)\n7f3245b35a83483a228f6bdf73e01e70261db524 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump actions/stale from 10.4.0 to 11.0.0 (#13019)\n6ffc1177404d0c50119c22dde6564a380f4a82c9 Thomas Kr\xe4ftner <thomas@kraftner.com> Update `composer-plugin-api` to 2.9.0 in documentation (#13016)",
    ),
    (
        "git_log",
        "documenso/documenso (git log -n 3 --format=fuller of the fetched snapshot)",
        '$ git log -n 3 --format=fuller\ncommit 75330166cc00b29c14399bc2e391e4b4d8080c00\nAuthor:     Lucas Smith <me@lucasjamessmith.me>\nAuthorDate: Wed Aug 19 20:34:18 2026 +1000\nCommit:     Lucas Smith <me@lucasjamessmith.me>\nCommitDate: Wed Aug 19 20:34:18 2026 +1000\n\n    v2.17.0\n\ncommit d42254ff52cd6257380f076022c41152b08ef60e\nAuthor:     Ephraim Duncan <55143799+ephraimduncan@users.noreply.github.com>\nAuthorDate: Wed Aug 19 09:28:55 2026 +0000\nCommit:     GitHub <noreply@github.com>\nCommitDate: Wed Aug 19 09:28:55 2026 +0000\n\n    docs(api): document cancel endpoint and fix get-many body shape (#3135)\n    \n    ## Description\n    \n    Documents API page: adds the missing Cancel Document section and fixes a\n    fabricated request body on get-many that would fail schema validation\n    for anyone copying the docs.\n    \n    ## Changes Made\n    \n    - Added a `## Cancel Document` section: `POST /envelope/cancel` with `{\n    envelopeId, reason? }`, PENDING-only (400 otherwise), not idempotent,\n    two-stage access (404 if not visible, 401 without owner/MANAGER+), fires\n    `DOCUMENT_CANCELLED` webhook, emails only SENT/OPENED non-CC\n    non-rejected recipients.\n    - Replaced the fabricated `envelopeIds: [...]` get-many body with the\n    real nested selector: `{ "ids": { "type": "envelopeId" | "documentId" |\n    "templateId", "ids": [...] } }` (string[] for envelopeId, number[]\n    otherwise, 1\u201320 IDs).\n    - Added the missing `### Response` for get-many (`{ "data": [...] }`)\n    and documented silent filtering of inaccessible IDs (no 404).\n    - Added `CANCELLED` to the status table, mermaid state diagram,\n    transitions prose, and filter values.\n    - Removed the nonexistent `source: "API"` value (real enum: `DOCUMENT |\n    TEMPLATE | TEMPLATE_DIRECT_LINK`).\n    - Fixed fabricated `pagination` wrappers to the real flat shape `{ data,',
    ),
    (
        "git_log",
        "encode/httpx (git log -n 6 of the fetched snapshot)",
        "$ git log -n 6\ncommit ae1b9f66238f75ced3ced5e4485408435de10768\nAuthor: Josh Cannon <joshdcannon@gmail.com>\nDate:   Wed Dec 10 08:58:48 2025 -0600\n\n    Expose `FunctionAuth` in `__all__` (#3699)\n    \n    Co-authored-by: Kar Petrosyan <92274156+karpetrosyan@users.noreply.github.com>\n    Co-authored-by: Kar Petrosyan <kar.petrosyanpy@gmail.com>\n\ncommit ca097c96f97d8d2a5da09b8ca736c7e78a2467f6\nAuthor: Riccardo Magliocchetti <riccardo.magliocchetti@gmail.com>\nDate:   Wed Dec 10 15:47:31 2025 +0100\n\n    docs/ssl: fix typo (#3703)\n\ncommit def4778d622e8bf49a9fea4dda78cca4cf666d8a\nAuthor: ZProger <81753080+Zproger@users.noreply.github.com>\nDate:   Thu Oct 16 11:04:38 2025 +0200\n\n    Fixed a syntax error in the file upload example (#3692)\n\ncommit 435e1dac899adeb0c156c00721ecbb1124d75842\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Sat Oct 4 18:38:23 2025 +0100\n\n    Bump actions/setup-python from 5 to 6 (#3677)\n    \n    Signed-off-by: dependabot[bot] <support@github.com>\n    Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\n\ncommit 4b23574cf83307ce27d3b14b4a425dc58c57d28d\nAuthor: Kim Christie <tom@tomchristie.com>\nDate:   Tue Sep 16 14:23:31 2025 +0100\n\n    Update dependencies (#3665)\n\ncommit 652f051feaf1ab2828e1812eb0c48f9046a8b5ce\nAuthor: Tobias Fischer <30701667+tobb10001@users.noreply.github.com>\nDate:   Thu Sep 11 10:59:20 2025 +0000\n",
    ),
    (
        "git_log",
        "expressjs/express (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\na3714473 2026-07-27 build(deps-dev): bump hbs from 4.2.0 to 4.2.1 (#7152)\nae6dd376 2026-07-12 feat: allow conditional revalidation for QUERY requests (#7366)\nba006766 2026-07-06 build(deps-dev): bump morgan from 1.10.1 to 1.11.0 (#7353)\n5175d2f3 2026-07-06 build(deps): bump actions/checkout from 6.0.2 to 7.0.0 (#7345)\n66878d3e 2026-07-05 docs: use the new logo (#7316)\n18e5985b 2026-06-16 fix(res.send): add Content-Length header only if Transfer-Encoding is not present (#4893)\n59e205a5 2026-06-15 Upgrade `content-disposition` (#7233)\nb3004cb8 2026-06-15 build(deps): bump github/codeql-action from 4.35.2 to 4.36.0 (#7297)\n9d8223d9 2026-06-16 fix: replace deprecated trimRight() with trimEnd() (#7265)\n90ec6206 2026-06-16 Improve error logging by logging full error object (#6464)",
    ),
    (
        "git_log",
        "getsops/sops (git log --oneline -n 15 of the fetched snapshot)",
        "$ git log --oneline -n 15\n15e36f97a Merge pull request #2232 from felixfontein/release-3.13.2\n0d49dff18 Add changelog for 3.13.2.\n72d9f5a88 Bump version to 3.13.2.\n8a6294585 Merge pull request #2236 from getsops/dependabot/github_actions/ci-35246068e4\n59d36c6a0 build(deps): Bump the ci group with 2 updates\ned14c0be3 Merge pull request #2233 from getsops/dependabot/go_modules/github.com/opencontainers/runc-1.3.6\nff43b27de build(deps): Bump github.com/opencontainers/runc from 1.2.8 to 1.3.6\n1c13f0672 Merge pull request #2231 from felixfontein/deps\n818f7d9b4 Update all dependencies.\nbb4f688ce Merge pull request #2206 from felixfontein/mdl2\n75df533bf Shorten .md lines.\ncec1d701b Merge pull request #2230 from sabre1041/fix-user-exec\n4698ee762 Fix issue when changing user in exec subcommands\n724c3a33e Merge pull request #2228 from getsops/dependabot/github_actions/ci-2217aebe03\na0d8c5875 build(deps): Bump actions/checkout from 6.0.3 to 7.0.0 in the ci group",
    ),
    (
        "git_log",
        "gin-gonic/gin (git log -n 6 of the fetched snapshot)",
        "$ git log -n 6\ncommit dcaa4296d111981ffb31ac3eba90bb63e1eb5ab9\nAuthor: Amirhf <amirhacking85@gmail.com>\nDate:   Sat Aug 15 09:14:19 2026 +0330\n\n    docs(path): fix malformed comment in cleanPath (#4723)\n\ncommit 8dd20118ba9a9dfa18ebba99e33d6a59b0090436\nAuthor: Gaurav Patil <159000263+GP-09@users.noreply.github.com>\nDate:   Sat Aug 15 11:13:07 2026 +0530\n\n    fix(deps): bump golang.org/x/net and golang.org/x/text to patched versions (#4807)\n    \n    The scheduled Trivy scan has been failing on master with two HIGH\n    findings, and it fails every pull request along with it:\n    \n    - CVE-2026-56852, golang.org/x/text, denial of service, fixed in 0.39.0\n    - CVE-2026-46600, golang.org/x/net/dns/dnsmessage, denial of service,\n      fixed in 0.56.0\n    \n    Bump both to the first patched release. golang.org/x/crypto and\n    golang.org/x/sys move with them as transitive requirements of x/net.\n    \n    Verified with the same settings the workflow uses:\n    \n      trivy fs --scanners vuln --severity CRITICAL,HIGH,MEDIUM \\\n        --ignore-unfixed --exit-code 1 .\n    \n    which now exits 0. go build ./... and go test ./... pass.\n    \n    Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n    Co-authored-by: Bo-Yi Wu <appleboy.tw@gmail.com>\n\ncommit 00cfe5aac2604e0632ee674b69a1e652a2461923\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Sat Aug 15 13:42:11 2026 +0800\n\n    chore(deps): bump the actions group across 1 directory with 4 updates (#4787)\n    \n    Bumps the actions group with 4 updates in the / directory: [actions/checkout](https://github.com/actions/checkout), [actions/setup-go](https://github.com/actions/setup-go), [actions/cache](https://github.com/actions/cache) and [codecov/codecov-action](https://github.com/codecov/codecov-action).\n    ",
    ),
    (
        "git_log",
        "gitleaks/gitleaks (git log -n 4 --stat of the fetched snapshot)",
        "$ git log -n 4 --stat\ncommit b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b\nMerge: c3333150 e18d0da1\nAuthor: Bryan Beverly <bryan.beverly@trufflesec.com>\nDate:   Wed Jul 22 09:50:33 2026 -0700\n\n    Merge pull request #2197 from gitleaks/dependabot/github_actions/actions-26c4f860fb\n    \n    build(deps): bump the actions group with 2 updates\n\ncommit e18d0da14bec0164c0ec89d74f126c6cf85e2238\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Wed Jul 22 04:15:03 2026 +0000\n\n    build(deps): bump the actions group with 2 updates\n    \n    Bumps the actions group with 2 updates: [actions/checkout](https://github.com/actions/checkout) and [actions/setup-go](https://github.com/actions/setup-go).\n    \n    \n    Updates `actions/checkout` from 7.0.0 to 7.0.1\n    - [Release notes](https://github.com/actions/checkout/releases)\n    - [Changelog](https://github.com/actions/checkout/blob/main/CHANGELOG.md)\n    - [Commits](https://github.com/actions/checkout/compare/9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0...3d3c42e5aac5ba805825da76410c181273ba90b1)\n    \n    Updates `actions/setup-go` from 6.5.0 to 7.0.0\n    - [Release notes](https://github.com/actions/setup-go/releases)\n    - [Commits](https://github.com/actions/setup-go/compare/924ae3a1cded613372ab5595356fb5720e22ba16...b7ad1dad31e06c5925ef5d2fc7ad053ef454303e)\n    \n    ---\n    updated-dependencies:\n    - dependency-name: actions/checkout\n      dependency-version: 7.0.1\n      dependency-type: direct:production\n      update-type: version-update:semver-patch\n      dependency-group: actions\n    - dependency-name: actions/setup-go\n      dependency-version: 7.0.0\n      dependency-type: direct:production\n      update-type: version-update:semver-major\n      dependency-group: actions\n    ...",
    ),
    (
        "git_log",
        "goreleaser/goreleaser (git log -n 6 of the fetched snapshot)",
        '$ git log -n 6\ncommit cd616d2c080b205bfe0833396e6f2d208253095e\nAuthor: Carlos Alexandro Becker <caarlos0@users.noreply.github.com>\nDate:   Sat Aug 22 09:52:31 2026 -0300\n\n    chore: schema update\n    \n    Signed-off-by: Carlos Alexandro Becker <caarlos0@users.noreply.github.com>\n\ncommit f420a91408fd62fbeafb4fac35fa03241eca60e3\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Sat Aug 22 12:13:46 2026 +0000\n\n    chore(deps): bump the gomod group across 1 directory with 4 updates (#6805)\n    \n    Bumps the gomod group with 4 updates in the / directory:\n    [github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager](https://github.com/aws/aws-sdk-go-v2),\n    [github.com/slack-go/slack](https://github.com/slack-go/slack),\n    [github.com/stretchr/testify](https://github.com/stretchr/testify) and\n    [golang.org/x/tools](https://github.com/golang/tools).\n    \n    Updates `github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager` from\n    0.3.12 to 0.3.14\n    <details>\n    <summary>Commits</summary>\n    <ul>\n    <li><a\n    href="https://github.com/aws/aws-sdk-go-v2/commit/215a9507629ad19862795af99b30b7587d6f9305"><code>215a950</code></a>\n    Release 2026-08-18</li>\n    <li><a\n    href="https://github.com/aws/aws-sdk-go-v2/commit/79141584be7cdf1a1936e9d258c28d714941a290"><code>7914158</code></a>\n    Regenerated Clients</li>\n    <li><a\n    href="https://github.com/aws/aws-sdk-go-v2/commit/256e396ea287ddfb65bef3cd65f8b90d814ec306"><code>256e396</code></a>\n    Update API model</li>\n    <li><a\n    href="https://github.com/aws/aws-sdk-go-v2/commit/aaa3547c0e43e9069e5f88793b99bc7ea59fdd5e"><code>aaa3547</code></a>\n    Close each file after its transfer finished during directory\n    upload/download ...</li>\n    <li><a\n    href="https://github.com/aws/aws-sdk-go-v2/commit/7a7d0a5a3198a7ae8cdb979e769ff525c63eb990"><code>7a7d0a5</code></a>',
    ),
    (
        "git_log",
        "hashicorp/terraform (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\n883c7221ee 2026-08-21 Adding state migrate-specific methods to state migrate's JSON view - Part 2 (#39023)\n454c5ff859 2026-08-21 Adding state migrate-specific methods to state migrate's JSON view - Part 1 (#39022)\n33375beada 2026-08-21 Adding provider installation methods to state migrate's JSON view - Part 3 (#39021)\n33c379955a 2026-08-21 Adding provider installation methods to state migrate's JSON view - Part 2 (#39017)\ncce0b66498 2026-08-21 test: Add tests defining how partial configuration interacts with the PSS feature. (#39027)\n137cba0aea 2026-08-19 plan: Introduce `-minimal-refresh` flag to only refresh resources that have proposed changes (#38953)\ne7da909e04 2026-08-19 Fix panic when import identity references sensitive value (#39035)\n70ab189d0b 2026-08-19 deps: Bump github.com/hashicorp/go-slug@v0.18.3 (#39036)\n68d315f24e 2026-08-18 Adding provider installation methods to state migrate's JSON view - Part 1 (#39016)\nb6dfc39e26 2026-08-18 test: Optional ephemeral values do not have to be set at plan (#39011)",
    ),
    (
        "git_log",
        "heartcombo/devise (git log -n 8 --format=%H %an <%ae> %s of the fetched snapshot)",
        "$ git log -n 8 --format=%H %an <%ae> %s\n7ca7ed9c174525a4d36167441b35af4a0991b6af Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Add GHSA link to the v5.0.3 sec fix changelog entry [ci skip]\n605de86174c26b9f5b2618470249db2c225327d4 Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Update links to https [ci skip]\n5e3a8bf3a01cc556185dbde47ecf3bb20c41b150 Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Bundle update\n5d202775d75ccee8c36a9ed72062f627202e29e2 Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Cleanup old Rails.version check for db migration path\n4ffb0b7e88b627ac0575e475b279e0cc474b4ded Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Fix Gemfile for Rails 7.2, incorrectly testing against 7.1\n2f809205b2a9112767e68e1a5666c649a42609c6 Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Release v5.0.3\n53347074021b38590653b95523f9b7113e5dcfdc Carlos Antonio da Silva <carlosantoniodasilva@gmail.com> Add CVE to changelog [ci skip]\n02527772bd9adbc3357d9c62fbc16e73e438121d Grant Cox <grantc@ynab.com> Fix race condition vulnerability, by ensuring the `unconfirmed_email` is always saved (#5784)",
    ),
    (
        "git_log",
        "helm/helm (git log -n 3 --format=fuller of the fetched snapshot)",
        "$ git log -n 3 --format=fuller\ncommit e9b85e4de16ad45805843fb121748018cf89094b\nAuthor:     dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nAuthorDate: Thu Aug 20 15:58:20 2026 -0600\nCommit:     GitHub <noreply@github.com>\nCommitDate: Thu Aug 20 15:58:20 2026 -0600\n\n    chore(deps): bump github.com/stretchr/testify from 1.12.0 to 1.12.1 (#32562)\n    \n    Bumps [github.com/stretchr/testify](https://github.com/stretchr/testify) from 1.12.0 to 1.12.1.\n    - [Release notes](https://github.com/stretchr/testify/releases)\n    - [Commits](https://github.com/stretchr/testify/compare/v1.12.0...v1.12.1)\n    \n    ---\n    updated-dependencies:\n    - dependency-name: github.com/stretchr/testify\n      dependency-version: 1.12.1\n      dependency-type: direct:production\n      update-type: version-update:semver-patch\n    ...\n    \n    Signed-off-by: dependabot[bot] <support@github.com>\n    Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\n\ncommit 9b447b40484b9557fdb14de4a235084a1e4e202f\nMerge: fa9e77c0c e92316751\nAuthor:     George Jenkins <gvjenkins@gmail.com>\nAuthorDate: Wed Aug 19 18:26:47 2026 -0700\nCommit:     GitHub <noreply@github.com>\nCommitDate: Wed Aug 19 18:26:47 2026 -0700\n\n    Merge pull request #32485 from Mentigen/fix/stamp-mod-times-normalize\n    \n    fix(chart): normalize StampModTimes timestamp to UTC/truncate + Chart.lock reproducibility test\n\ncommit fa9e77c0c38b77d573a34491ca9d2103aa8b4d8d\nMerge: c000a408b fd4ed4952\nAuthor:     Matt Farina <matt.farina@suse.com>\nAuthorDate: Tue Aug 18 16:15:33 2026 -0400\nCommit:     GitHub <noreply@github.com>\nCommitDate: Tue Aug 18 16:15:33 2026 -0400",
    ),
    (
        "git_log",
        "kubernetes/examples (git log -n 8 --format=%H %an <%ae> %s of the fetched snapshot)",
        "$ git log -n 8 --format=%H %an <%ae> %s\n279e8e4fe314f6cb7bc55fa3fbc21bbeaa48c0ea Kubernetes Prow Robot <20407524+k8s-ci-robot@users.noreply.github.com> Merge pull request #583 from sorcerer-ares/update-redis-deployment\nf3f0d0b9f0e0e507a13b5301b213df645f0128cf sorcerer-ares <vanshsimar14@gmail.com> Modernize redis-master manifest: replace ReplicationController with Deployment\n0b0f2ebcdc615d6481a6c86c14ae10baa2871c22 Kubernetes Prow Robot <20407524+k8s-ci-robot@users.noreply.github.com> Merge pull request #582 from seans3/container-image-fix\na0ed769c631c761858263ee99a681f652e68ede6 Sean Sullivan <seans@google.com> vllm container image fixes\n929f82b73222ef693b7eeb2578981a388230c0e4 Kubernetes Prow Robot <20407524+k8s-ci-robot@users.noreply.github.com> Merge pull request #570 from seans3/hpa-example\n289fdef1b9098439909fd22735a886f5e44d8229 Sean Sullivan <seans@google.com> hpa recipe for ai inference using gpu custom metrics\nfbb2da731322274b9395a3ea72254a574f47f903 Kubernetes Prow Robot <20407524+k8s-ci-robot@users.noreply.github.com> Merge pull request #577 from seans3/vllm-namespace\n45c5bf3e4af2c7913368950e9f7cba495444d41b Sean Sullivan <seans@google.com> Deploy to separate namespace",
    ),
    (
        "git_log",
        "nektos/act (git log -n 6 of the fetched snapshot)",
        "$ git log -n 6\ncommit bd86152165b976e89c24093ceb039d732b5ed95f\nAuthor: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\nDate:   Wed Apr 8 21:38:41 2026 +0000\n\n    build(deps): bump go.opentelemetry.io/otel/sdk from 1.40.0 to 1.43.0 (#6070)\n    \n    Bumps [go.opentelemetry.io/otel/sdk](https://github.com/open-telemetry/opentelemetry-go) from 1.40.0 to 1.43.0.\n    - [Release notes](https://github.com/open-telemetry/opentelemetry-go/releases)\n    - [Changelog](https://github.com/open-telemetry/opentelemetry-go/blob/main/CHANGELOG.md)\n    - [Commits](https://github.com/open-telemetry/opentelemetry-go/compare/v1.40.0...v1.43.0)\n    \n    ---\n    updated-dependencies:\n    - dependency-name: go.opentelemetry.io/otel/sdk\n      dependency-version: 1.43.0\n      dependency-type: indirect\n    ...\n    \n    Signed-off-by: dependabot[bot] <support@github.com>\n    Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>\n\ncommit 36add66f6520c77c15dfce4715ba6c689d427981\nAuthor: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\nDate:   Wed Apr 1 03:09:55 2026 +0000\n\n    chore: bump VERSION to 0.2.87\n\ncommit 828d488e470fa37980566ad78205d8839921c2e1\nAuthor: dagecko <cnyhuis@vigilantnow.com>\nDate:   Thu Mar 26 17:01:38 2026 -0400\n\n    fix: pin 11 unpinned action(s) (#6042)\n    \n    Automated security fixes applied by Runner Guard (https://github.com/Vigilant-LLC/runner-guard).\n    \n    Changes:\n     .github/workflows/checks.yml    | 14 +++++++-------\n     .github/workflows/codespell.yml |  2 +-\n     .github/workflows/promote.yml   |  2 +-\n     .github/workflows/release.yml   |  4 ++--",
    ),
    (
        "git_log",
        "outline/outline (git log -n 3 --format=fuller of the fetched snapshot)",
        "$ git log -n 3 --format=fuller\ncommit d77dcdf853868c5d5fe125c895c9b71f0eff5c68\nAuthor:     Tom Moor <tom@getoutline.com>\nAuthorDate: Sat Aug 22 11:23:51 2026 -0400\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sat Aug 22 15:23:51 2026 +0000\n\n    fix: Document update rejected when preferences are null (#13525)\n    \n    The client serializes all @Field properties on save, so documents created\n    before the preferences column existed post `preferences: null`, which the\n    update and create schemas rejected.\n\ncommit da13eb5de2ed7f925a953a6b1359781a2f522a85\nAuthor:     Tom Moor <tom@getoutline.com>\nAuthorDate: Sat Aug 22 11:16:23 2026 -0400\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sat Aug 22 15:16:23 2026 +0000\n\n    fix: Treat unreadable request stream as a client closed request (#13524)\n    \n    raw-body throws a 500 'stream is not readable' when the request stream is\n    already destroyed at parse time, which means the client went away. Map it to\n    ClientClosedRequestError so it reports 499 and is not sent to the bug tracker.\n\ncommit 41616f73cca164ae4e4377572fdb8ad434fce9e5\nAuthor:     Tom Moor <tom@getoutline.com>\nAuthorDate: Sat Aug 22 10:47:32 2026 -0400\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sat Aug 22 10:47:32 2026 -0400\n\n    feat: Filter DSL for `users.list` (#13456)\n    \n    * feat: Filter DSL for users.list\n    \n    Add the structured filter expression language already used by documents.list\n    and documents.search to users.list, over an allowlist of id, name, email,\n    role, createdAt, updatedAt, lastActiveAt and suspendedAt.\n    \n    Supersedes the ad-hoc ids, emails, role and filter parameters, which are now\n    deprecated and translated into the DSL so a single path builds the query. The",
    ),
    (
        "git_log",
        "pallets/flask (git log -n 8 --format=%H %an <%ae> %s of the fetched snapshot)",
        "$ git log -n 8 --format=%H %an <%ae> %s\n2ac89889f4cc330eabd50f295dcef02828522c69 David Lord <davidism@gmail.com> Merge branch 'stable'\n689362089edd09b6d68f7cfe99075e1345e0fede David Lord <davidism@gmail.com> fix typo\n258d68b6ff5e2244386540f48b48bab90d6ab827 David Lord <davidism@gmail.com> Merge branch 'stable'\na31e6b73469cb2bf7eb8f70b5ff21f710fd2e23c David Lord <davidism@gmail.com> remove werkzeug host tests\ne4e4bf6543ac1f132afddb1ffd0bf02bea4c93f7 David Lord <davidism@gmail.com> Merge branch 'stable'\nb21425d6df207fec0c47e9563faa10a2819984ca David Lord <davidism@gmail.com> reduce venv size\n83dbcb222a65a87741c9d96bb183f34528149269 David Lord <davidism@gmail.com> update dev dependencies\n7ef2946fb5151b745df30201b8c27790cac53875 David Lord <davidism@gmail.com> remove unicode host test (#5962)",
    ),
    (
        "git_log",
        "psf/requests (git log -n 8 --format=%H %an <%ae> %s of the fetched snapshot)",
        "$ git log -n 8 --format=%H %an <%ae> %s\n1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump https://github.com/astral-sh/ruff-pre-commit (#7598)\n414f0513c33883adf6f2b46901d4f0b38a455851 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump the actions group with 2 updates (#7596)\nded32878c0090f6b7b32a008176df6cecf36481f dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump https://github.com/astral-sh/ruff-pre-commit (#7597)\n69f84847045bef7a849cc994a26fe7ba8a169e95 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump the actions group with 3 updates (#7591)\nb17c61b618b1824f1f5d9edcacaf16801343a295 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump https://github.com/astral-sh/ruff-pre-commit (#7590)\nf361ead047be5cb873174218582f7d8b9fcd9f49 dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump https://github.com/astral-sh/ruff-pre-commit (#7562)\nd38495c90653496c3c81f31e8f9bef162b400b44 Yamac <32689837+yamac-kurtulus@users.noreply.github.com> Fix link to AI Policy in CONTRIBUTING.md (#7576)\n4c800e9aea2059660b8306b0fc8f9e9a4232cb3e dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com> Bump actions/setup-python from 6.2.0 to 6.3.0 in the actions group (#7561)",
    ),
    (
        "git_log",
        "pydantic/pydantic (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\n2151025aa 2026-08-18 Improve performance of `GenerateSchema.generate_schema()` dispatching (#13614)\n41b1a85dd 2026-08-18 Allow any `CoreSchema`\xa0to be used as serialization (#13680)\n59af43ad3 2026-08-18 Fix Unix timestamp typo (#13679)\naeeefbeab 2026-08-17 Use config of `TypeAdapter` in JSON Schema generation (#13676)\nf00275901 2026-08-17 Refactor type references logic (#13643)\n7c85e07e1 2026-08-17 Fix third-party tests (#13674)\n77760be77 2026-08-17 Exclude computed fields with `exclude_if` from JSON Schema required fields (#13563)\n99a31fb8d 2026-08-17 Fix V1.10 documentation link in README (#13673)\n31edf22f1 2026-08-17 Return `NotImplemented` from URL equality comparisons with foreign types (#13635)\nce84b307d 2026-08-17 Respect runtime alias validation configuration when wrap validators are present (#13668)",
    ),
    (
        "git_log",
        "pypa/pipenv (git log -n 10 --pretty=format:%h %ad %s --date=short of the fetched snapshot)",
        "$ git log -n 10 --pretty=format:%h %ad %s --date=short\n3f1b272ab 2026-08-20 Resolve first-party Code Quality standard findings (#6714)\n2a37cdbe8 2026-08-20 Release v2026.8.0\n2b855a440 2026-08-20 Bumped version to 2026.8.0.\n200082a01 2026-08-20 Merge pull request #6668 from pypa/maintenance/code-cleanup-phase5-perf-2026-06\n5cdd812a4 2026-08-20 Address final Phase V review feedback\nd1248c217 2026-08-20 Document best-effort cache cleanup\nf798b2e52 2026-08-20 Address additional resolver code quality feedback\nc610fb93f 2026-08-20 Adapt truststore test to lazy imports\n0fa2c1990 2026-08-20 Address manifest cache test review feedback\n6c1f520bb 2026-08-03 fix(tests): validate prefetch source hostnames structurally",
    ),
    (
        "git_log",
        "python-poetry/poetry (git log -n 3 --format=fuller of the fetched snapshot)",
        "$ git log -n 3 --format=fuller\ncommit f46702336862f30050d5c641d5ed6f7568ded793\nAuthor:     mshzy <156560471+mshzy@users.noreply.github.com>\nAuthorDate: Sun Jun 21 21:46:41 2026 +0800\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sun Jun 21 15:46:41 2026 +0200\n\n    docs: update http links to https in documentation (#10938)\n\ncommit 6fee9f42bd6391a58293071005e14e86ef1d52c1\nAuthor:     Yijian Liu <lyijian86@gmail.com>\nAuthorDate: Sun Jun 21 21:43:03 2026 +0800\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sun Jun 21 13:43:03 2026 +0000\n\n    test: cover utility helper edge cases (#10926)\n\ncommit 648abab852d25d16aaa669fdd833e5ff9decfb3c\nAuthor:     Miro <natsubeloud@gmail.com>\nAuthorDate: Sun Jun 21 15:12:33 2026 +0200\nCommit:     GitHub <noreply@github.com>\nCommitDate: Sun Jun 21 15:12:33 2026 +0200\n\n    Document package sources for self update (#10923)\n    \n    Co-authored-by: Randy D\xf6ring <30527984+radoering@users.noreply.github.com>",
    ),
    (
        "helm_values",
        "GoogleCloudPlatform/microservices-demo:helm-chart/values.yaml#L107-L125",
        '  create: true\n  name: emailservice\n  resources:\n    requests:\n      cpu: 100m\n      memory: 64Mi\n    limits:\n      cpu: 200m\n      memory: 128Mi\n\nfrontend:\n  create: true\n  name: frontend\n  externalService: true\n  cymbalBranding: false\n  # One of: local, gcp, aws, azure, onprem, alibaba. When not set, defaults to "local" unless running in GKE, otherwise auto-sets to gcp.\n  platform: local\n  singleSharedSession: false\n  virtualService:',
    ),
    (
        "helm_values",
        "bitnami-labs/sealed-secrets:helm/sealed-secrets/values.yaml#L31-L47",
        "## Sealed Secrets image\n## ref: https://hub.docker.com/r/bitnami/sealed-secrets-controller/tags\n## @param image.registry Sealed Secrets image registry\n## @param image.repository Sealed Secrets image repository\n## @param image.tag Sealed Secrets image tag (immutable tags are recommended)\n## @param image.pullPolicy Sealed Secrets image pull policy\n## @param image.pullSecrets [array]  Sealed Secrets image pull secrets\n##\nimage:\n  registry: docker.io\n  repository: bitnami/sealed-secrets-controller\n  tag: 0.36.6\n  ## Specify a imagePullPolicy\n  ## Defaults to 'Always' if image tag is 'latest', else set to 'IfNotPresent'\n  ## ref: http://kubernetes.io/docs/user-guide/images/#pre-pulling-images\n  ##\n  pullPolicy: IfNotPresent",
    ),
    (
        "helm_values",
        "external-secrets/external-secrets:deploy/charts/external-secrets/values.yaml#L60-L70",
        "  # -- If true, create CRDs for Cluster External Secret. If set to false you must also set processClusterExternalSecret: false.\n  createClusterExternalSecret: true\n  # -- If true, create CRDs for Cluster Secret Store. If set to false you must also set processClusterStore: false.\n  createClusterSecretStore: true\n  # -- If true, create CRDs for Secret Store. If set to false you must also set processSecretStore: false.\n  createSecretStore: true\n  # -- If true, create CRDs for Cluster Generator. If set to false you must also set processClusterGenerator: false.\n  createClusterGenerator: true\n  # -- If true, create CRDs for Cluster Push Secret. If set to false you must also set processClusterPushSecret: false.\n  createClusterPushSecret: true\n  # -- If true, create CRDs for Push Secret. If set to false you must also set processPushSecret: false.",
    ),
    (
        "helm_values",
        "grafana/helm-charts:charts/enterprise-metrics/values.yaml#L24-L32",
        "serviceAccount:\n  create: true\n  name:\n  annotations: {}\n\nuseExternalConfig: false\nexternalConfigSecretName: 'enterprise-metrics-config'\nexternalConfigVersion: '0'\n",
    ),
    (
        "helm_values",
        "grafana/helm-charts:charts/enterprise-metrics/values.yaml#L33-L41",
        "# In order to use Grafana Enterprise Metrics features, you will need to provide the contents of your Grafana Enterprise Metrics\n# license, either by providing the contents of the license.jwt, or the name Kubernetes Secret that contains your license.jwt.\n# To set the license contents, use the flag `--set-file 'license.contents=./license.jwt'`\n# To use your own Kubernetes Secret, `--set license.external=true`.\nuseExternalLicense: false\nlicense:\n  contents: \"NOTAVALIDLICENSE\"\n  external: false\n  secretName: 'enterprise-metrics-license'",
    ),
    (
        "helm_values",
        "grafana/helm-charts:charts/loki-canary/ci/with-basic-auth-values.yaml#L3-L6",
        "basicAuth:\n  enabled: true\n  username: user\n  password: pass",
    ),
    (
        "helm_values",
        "grafana/helm-charts:charts/loki-stack/values.yaml#L99-L111",
        '          #password => "test"\n        }\n        # stdout { codec => rubydebug }\n      }\n\n# proxy is currently only used by loki test pod\n# Note: If http_proxy/https_proxy are set, then no_proxy should include the\n# loki service name, so that tests are able to communicate with the loki\n# service.\nproxy:\n  http_proxy: ""\n  https_proxy: ""\n  no_proxy: ""',
    ),
    (
        "helm_values",
        "hashicorp/vault-helm:values.yaml#L1234-L1242",
        '    annotations: {}\n    # Provider host path (must match the CSI provider\'s path)\n    providersDir: "/var/run/secrets-store-csi-providers"\n    # Kubelet host path\n    kubeletRootDir: "/var/lib/kubelet"\n    # Extra labels to attach to the vault-csi-provider daemonSet\n    # This should be a YAML map of the labels to apply to the csi provider daemonSet\n    extraLabels: {}\n    # Security context for the pod template and container in the csi provider',
    ),
    (
        "helm_values",
        "hashicorp/vault-helm:values.yaml#L234-L255",
        '  webhookAnnotations: {}\n\n  certs:\n    # secretName is the name of the secret that has the TLS certificate and\n    # private key to serve the injector webhook. If this is null, then the\n    # injector will default to its automatic management mode that will assign\n    # a service account to the injector to generate its own certificates.\n    secretName: null\n\n    # caBundle is a base64-encoded PEM-encoded certificate bundle for the CA\n    # that signed the TLS certificate that the webhook serves. This must be set\n    # if secretName is non-null unless an external service like cert-manager is\n    # keeping the caBundle updated.\n    caBundle: ""\n\n    # certName and keyName are the names of the files within the secret for\n    # the TLS cert and private key, respectively. These have reasonable\n    # defaults but can be customized if necessary.\n    certName: tls.crt\n    keyName: tls.key\n\n  # Security context for the pod template and the injector container',
    ),
    (
        "helm_values",
        "minio/minio:helm/minio/values.yaml#L125-L143",
        'pools: 1\n\n## TLS Settings for MinIO\ntls:\n  enabled: false\n  ## Create a secret with private.key and public.crt files and pass that here. Ref: https://github.com/minio/minio/tree/master/docs/tls/kubernetes#2-create-kubernetes-secret\n  certSecret: ""\n  publicCrt: public.crt\n  privateKey: private.key\n\n## Trusted Certificates Settings for MinIO. Ref: https://docs.min.io/community/minio-object-store/operations/network-encryption.html#third-party-certificate-authorities\n## Bundle multiple trusted certificates into one secret and pass that here. Ref: https://github.com/minio/minio/tree/master/docs/tls/kubernetes#2-create-kubernetes-secret\n## When using self-signed certificates, remember to include MinIO\'s own certificate in the bundle with key public.crt.\n## If certSecret is left empty and tls is enabled, this chart installs the public certificate from .Values.tls.certSecret.\ntrustedCertsSecret: ""\n\n## Enable persistence using Persistent Volume Claims\n## ref: http://kubernetes.io/docs/user-guide/persistent-volumes/\n##',
    ),
    (
        "helm_values",
        "minio/minio:helm/minio/values.yaml#L16-L36",
        '  repository: quay.io/minio/minio\n  tag: RELEASE.2024-12-18T13-15-44Z\n  pullPolicy: IfNotPresent\n\nimagePullSecrets: []\n# - name: "image-pull-secret"\n\n## Set default image, imageTag, and imagePullPolicy for the `mc` (the minio\n## client used to create a default bucket).\n##\nmcImage:\n  repository: quay.io/minio/mc\n  tag: RELEASE.2024-11-21T17-21-54Z\n  pullPolicy: IfNotPresent\n\n## minio mode, i.e. standalone or distributed\nmode: distributed ## other supported values are "standalone"\n\n## Additional labels to include with deployment or statefulset\nadditionalLabels: {}\n',
    ),
    (
        "helm_values",
        "minio/minio:helm/minio/values.yaml#L527-L544",
        '\n## OpenID Identity Management\n## The following section documents environment variables for enabling external identity management using an OpenID Connect (OIDC)-compatible provider.\n## See https://docs.min.io/community/minio-object-store/operations/external-iam/configure-openid-external-identity-management.html for a tutorial on using these variables.\noidc:\n  enabled: false\n  configUrl: "https://identity-provider-url/.well-known/openid-configuration"\n  clientId: "minio"\n  clientSecret: ""\n  # Provide existing client secret from the Kubernetes Secret resource, existing secret will have priority over `clientId` and/or `clientSecret``\n  existingClientSecretName: ""\n  existingClientIdKey: ""\n  existingClientSecretKey: ""\n  claimName: "policy"\n  scopes: "openid,profile,email"\n  redirectUri: "https://console-endpoint-url/oauth_callback"\n  # Can leave empty\n  claimPrefix: ""',
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/alertmanager/values.yaml#L156-L171",
        '  interval: ""\n  scrapeTimeout: ""\n  path: /metrics\n  scheme: ""\n  tlsConfig: {}\n  bearerTokenFile: ""\n  basicAuth: {}\n  honorLabels: false\n  metricRelabelings: []\n  relabelings: []\n\ningress:\n  enabled: false\n  className: ""\n  labels: {}\n  annotations: {}',
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/kube-prometheus-stack/values.yaml#L2422-L2440",
        "\n    ## Additional labels\n    ##\n    additionalLabels: {}\n    #  foo: bar\n\n    ## defines the labels which are transferred from the associated Kubernetes Service object onto the ingested metrics.\n    ## https://github.com/prometheus-operator/prometheus-operator/blob/main/Documentation/api-reference/api.md#servicemonitor\n    targetLabels: []\n\n    ## File containing bearer token to be used when scraping targets\n    ## Empty value do not send any bearer token.\n    ##\n    bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n\n## Component scraping kube scheduler\n##\nkubeScheduler:\n  enabled: true",
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/kube-prometheus-stack/values.yaml#L4420-L4427",
        "    ##\n    nodeSelector: {}\n\n    ## Secrets is a list of Secrets in the same namespace as the Prometheus object, which shall be mounted into the Prometheus Pods.\n    ## The Secrets are mounted into /etc/prometheus/secrets/. Secrets changes after initial creation of a Prometheus object are not\n    ## reflected in the running Pods. To change the secrets mounted into the Prometheus Pods, the object must be deleted and recreated\n    ## with the new list of secrets.\n    ##",
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/kube-prometheus-stack/values.yaml#L5643-L5661",
        '    ## but the server serves requests under a different route prefix. For example for use with kubectl proxy.\n    ##\n    routePrefix: /\n\n    ## ObjectStorageConfig configures object storage in Thanos\n    objectStorageConfig:\n      # use existing secret, if configured, objectStorageConfig.secret will not be used\n      existingSecret: {}\n        # name: ""\n        # key: ""\n      # will render objectStorageConfig secret data and configure it to be used by Thanos Ruler custom resource, ignored when objectStorageConfig.existingSecret is set\n      # https://thanos.io/tip/thanos/storage.md/#s3\n      secret: {}\n        # type: S3\n        # config:\n        #   bucket: ""\n        #   endpoint: ""\n        #   region: ""\n        #   access_key: ""',
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/prometheus-postgres-exporter/values.yaml#L180-L192",
        "config:\n  ## The datasource properties on config are passed through helm tpl function.\n  ## ref: https://helm.sh/docs/developing_charts/#using-the-tpl-function\n  datasource:\n    # Specify one of both datasource or datasourceSecret\n    host: ''\n    user: postgres\n    # Specify userFile if DB username is stored in a file.\n    # For example, to use with vault-injector from Hashicorp\n    userFile: ''\n    userSecret: {}\n    # Secret name\n    #  name:",
    ),
    (
        "helm_values",
        "prometheus-community/helm-charts:charts/prometheus-postgres-exporter/values.yaml#L197-L214",
        "    # Specify passwordFile if DB password is stored in a file.\n    # For example, to use with vault-injector from Hashicorp\n    passwordFile: ''\n    # Specify passwordSecret if DB password is stored in secret.\n    passwordSecret: {}\n    # Secret name\n    #  name:\n    # Password key inside secret\n    #  key:\n    pgpassfile: ''\n    # If pgpassfile is set, it is used to initialize the PGPASSFILE environment variable.\n    # See https://www.postgresql.org/docs/14/libpq-pgpass.html for more info.\n    port: \"5432\"\n    database: ''\n    sslmode: disable\n    extraParams: ''\n  datasourceSecret: {}\n    # Specifies if datasource should be sourced from secret value in format: postgresql://login:password@hostname:port/dbname?sslmode=disable",
    ),
    (
        "k8s_manifest",
        "GoogleCloudPlatform/microservices-demo:helm-chart/templates/cartservice.yaml#L32-L61",
        '  namespace: {{ .Release.Namespace }}\n  labels:\n    app: {{ .Values.cartService.name }}\nspec:\n  selector:\n    matchLabels:\n      app: {{ .Values.cartService.name }}\n  template:\n    metadata:\n      {{- if .Values.cartDatabase.externalRedisTlsOrigination.enable }}\n      annotations:\n        sidecar.istio.io/userVolumeMount: \'[{"name": "{{ .Values.cartDatabase.externalRedisTlsOrigination.name }}", "mountPath": "/etc/certs", "readonly": true}]\'\n        sidecar.istio.io/userVolume: \'[{"name": "{{ .Values.cartDatabase.externalRedisTlsOrigination.name }}", "secret": {"secretName": "{{ .Values.cartDatabase.externalRedisTlsOrigination.name }}"}}]\'\n        proxy.istio.io/config: \'{"holdApplicationUntilProxyStarts": true}\'\n      {{- end }}\n      labels:\n        app: {{ .Values.cartService.name }}\n    spec:\n      {{- if .Values.serviceAccounts.create }}\n      serviceAccountName: {{ .Values.cartService.name }}\n      {{- else }}\n      serviceAccountName: default\n      {{- end }}\n      terminationGracePeriodSeconds: 5\n      {{- if .Values.securityContext.enable }}\n      securityContext:\n        fsGroup: 1000\n        runAsGroup: 1000\n        runAsNonRoot: true\n        runAsUser: 1000',
    ),
    (
        "k8s_manifest",
        "GoogleCloudPlatform/microservices-demo:kubernetes-manifests/cartservice.yaml#L13-L31",
        "# limitations under the License.\n\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  labels:\n    app: cartservice\nspec:\n  selector:\n    matchLabels:\n      app: cartservice\n  template:\n    metadata:\n      labels:\n        app: cartservice\n    spec:\n      serviceAccountName: cartservice\n      terminationGracePeriodSeconds: 5",
    ),
    (
        "k8s_manifest",
        "GoogleCloudPlatform/microservices-demo:kubernetes-manifests/frontend.yaml#L101-L129",
        "            requests:\n              cpu: 100m\n              memory: 64Mi\n            limits:\n              cpu: 200m\n              memory: 128Mi\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\n  labels:\n    app: frontend\nspec:\n  type: ClusterIP\n  selector:\n    app: frontend\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: frontend-external\n  labels:\n    app: frontend\nspec:",
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:docs/operator-manual/argocd-cm.yaml#L397-L409",
        '  # configured OIDC provider (either external or the bundled Dex instance). Setting this to "true" will cause JWT\n  # token verification to pass despite the OIDC provider having an invalid certificate. Only set to "true" if you\n  # understand the risks.\n  oidc.tls.insecure.skip.verify: "false"\n\n  # Add Deep Links to ArgoCD UI\n  # sample project level links\n  project.links: |\n    - url: https://myaudit-system.com?project={{.metadata.name}}\n      title: Audit\n      description: system audit logs\n      icon.class: "fa-book"\n  # sample application level links',
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:docs/operator-manual/argocd-repo-creds.yaml#L1-L29",
        "# Repository credentials, for using the same credentials in multiple repositories.\napiVersion: v1\nkind: Secret\nmetadata:\n  name: argoproj-https-creds\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repo-creds\nstringData:\n  url: https://github.com/argoproj\n  type: helm\n  password: my-password\n  username: my-username\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: argoproj-ssh-creds\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repo-creds\nstringData:\n  url: git@github.com:argoproj-labs\n  type: helm\n  sshPrivateKey: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    ...\n    -----END OPENSSH PRIVATE KEY-----\n---",
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:docs/operator-manual/argocd-repositories.yaml#L20-L38",
        '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: my-private-ssh-repo\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repository\nstringData:\n  url: ssh://git@github.com/argoproj/argocd-example-apps\n  sshPrivateKey: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    ...\n    -----END OPENSSH PRIVATE KEY-----\n  insecure: "true" # Do not perform a host key check for the server. Defaults to "false"\n  enableLfs: "true" # Enable git-lfs for this repository. Defaults to "false"\n---\napiVersion: v1\nkind: Secret',
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:docs/operator-manual/argocd-secret.yaml#L14-L42",
        "  tls.key:\n\n  # bcrypt hash of the admin password and its last modified time (required).\n  # Autogenerated to be the name of the argocd-server pod when missing.\n  admin.password:\n  admin.passwordMtime:\n\n  # random server signature key for session validation (required).\n  # Autogenerated when missing.\n  server.secretkey:\n\n  # Shared secrets for authenticating GitHub, GitLab, BitBucket webhook events (optional).\n  # See https://github.com/argoproj/argo-cd/blob/master/docs/operator-manual/webhook.md for additional details.\n  # github webhook secret\n  webhook.github.secret: shhhh! it's a github secret\n  # gitlab webhook secret\n  webhook.gitlab.secret: shhhh! it's a gitlab secret\n  # bitbucket webhook secret\n  webhook.bitbucket.uuid: your-bitbucket-uuid\n  # bitbucket server webhook secret\n  webhook.bitbucketserver.secret: shhhh! it's a bitbucket server secret\n  # gogs server webhook secret\n  webhook.gogs.secret: shhhh! it's a gogs server secret\n  # azure devops webhook username\n  webhook.azuredevops.username: shhhh! it's an azure devops secret\n  # azure devops webhook password\n  webhook.azuredevops.password: shhhh! it's an azure devops secret\n  # harbor webhook secret\n  webhook.harbor.secret: shhhh! it's a harbor secret",
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:docs/operator-manual/notifications/argocd-notifications-secret.yaml#L1-L10",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: argocd-notifications-secret\nstringData:\n  slack-token: <my-slack-token>\n  email-username: <myemail>@gmail.com\n  email-password: <mypassword>\n\ntype: Opaque",
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:resource_customizations/bitnami.com/SealedSecret/testdata/healthy.yaml#L1-L24",
        'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  labels:\n    app.kubernetes.io/instance: sealed-secrets\n  name: test\n  namespace: test\nspec:\n  encryptedData:\n    .dockerconfigjson: xyz\n  template:\n    metadata:\n      creationTimestamp: null\n      name: test\n      namespace: test\n    type: kubernetes.io/dockerconfigjson\nstatus:\n  conditions:\n  - lastTransitionTime: "2021-02-11T15:56:29Z"\n    lastUpdateTime: "2021-02-11T15:57:37Z"\n    message: ""\n    status: "True"\n    type: Synced\n  observedGeneration: 1',
    ),
    (
        "k8s_manifest",
        "argoproj/argo-cd:test/e2e/testdata/secrets/secrets.yaml#L1-L17",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: test-secret\nstringData:\n  username: test-username\ndata:\n  password: dGVzdC1wYXNzd29yZA==\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: test-secret2\nstringData:\n  username: test-username",
    ),
    (
        "k8s_manifest",
        "bitnami-labs/sealed-secrets:docs/examples/config-template/sealedsecret.yaml#L1-L30",
        '--- \napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: example\nspec:\n  encryptedData:\n    server1: "AgA+dujiBo..."\n    server2: "AgCC4/FvhZ..."\n    database1: "AgBtYQzl3T..."\n  template:\n    metadata:\n      creationTimestamp: null\n      name: example\n      namespace: default\n    data:\n      myconfig.json: |\n        {\n               "Server": [{\n                               "host": "foobar",\n                               "ip": "10.10.10.12",\n                               "port": "22",\n                               "env": "SOME_ENV",\n                               "user": "myuser",\n                               "password": {{ toJson .server1 }},\n                               "role": "foo"\n                       },{\n                               "host": "barfoo",\n                               "ip": "10.10.10.11",\n                               "port": "22",',
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/1password-connect-server-secret.yaml#L1-L10",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: connect-server-credentials\ntype: Opaque\nstringData:\n  # NOTE: This secret value must be base64 encoded after it becomes the OP_SESSION env var in the Connect Server Deployment, that means double base64 encoded here. (Or single w/ stringData.)\n  1password-credentials.json: |-\n    eyJ2ZXJpZmllciI6eyJzYWx0IjoiZXhhbXBsZSIsImxvY2FsSGFzaCI6ImV4YW1wbGUifSwiZW5jQ3JlZGVudGlhbHMiOnsia2lkIjoiZXhhbXBsZSIsImVuYyI6ImV4YW1wbGUiLCJjdHkiOiJleGFtcGxlIiwiaXYiOiJleGFtcGxlIiwiZGF0YSI6ImV4YW1wbGUifSwidmVyc2lvbiI6IjIiLCJkZXZpY2VVdWlkIjoiZXhhbXBsZSIsInVuaXF1ZUtleSI6eyJhbGciOiJleGFtcGxlIiwiZXh0Ijp0cnVlLCJrIjoiZXhhbXBsZSIsImtleV9vcHMiOlsiZW5jcnlwdCIsImRlY3J5cHQiXSwia3R5Ijoib2N0Iiwia2lkIjoiZXhhbXBsZSJ9fQ==",
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/1password-token-secret.yaml#L1-L8",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: onepassword-connect-token-staging\ntype: Opaque\nstringData:\n  token: my-token",
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/azkv-credentials-secret.yaml#L1-L8",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: azure-secret-sp\ntype: Opaque\ndata:\n  ClientID: bXktc2VydmljZS1wcmluY2lwbGUtY2xpZW50LWlkCg==  #service-principal-ID\n  ClientSecret: bXktc2VydmljZS1wcmluY2lwbGUtY2xpZW50LXNlY3JldAo= #service-principal-secret",
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/fake-provider-secret.yaml#L1-L8",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-to-be-created\n  namespace: default\ndata:\n  foo_bar: SEVMTE8x # HELLO1  (via data)\n  john: ZG9l #doe (via dataFrom)",
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/generator-webhook.yaml#L1-L28",
        '{% raw %}\napiVersion: generators.external-secrets.io/v1alpha1\nkind: Webhook\nmetadata:\n  name: webhook\nspec:\n  url: "http://httpbin.org/get?parameter={{ .auth.param }}"\n  result:\n    jsonPath: "$.args"\n  headers:\n    Content-Type: application/json\n    Authorization: Basic {{ print .auth.username ":" .auth.password | b64enc }}\n  secrets:\n  - name: auth\n    secretRef:\n      name: webhook-credentials\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: webhook-credentials\n  labels:\n    external-secrets.io/type: webhook #Needed to allow webhook to use this secret\ndata:\n  username: dGVzdA== # "test"\n  password: dGVzdA== # "test"\n  param: dGVzdA== # "test"\n{% endraw %}',
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/gitlab-credentials-secret.yaml#L1-L9",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: gitlab-secret\n  labels: \n    type: gitlab\ntype: Opaque \nstringData:\n  token: "**access token goes here**"',
    ),
    (
        "k8s_manifest",
        "external-secrets/external-secrets:docs/snippets/vault-pushsecret.yaml#L1-L32",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: source-secret\n  namespace: default\nstringData:\n  source-key1: "{\\"foo\\":\\"bar\\"}" # Needs to be a JSON\n  source-key2: bar  # Could be a plain string\n---\napiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata:\n  name: pushsecret-example\n  namespace: default\nspec:\n  refreshInterval: 1h0m0s\n  secretStoreRefs:\n    - name: vault-secretstore\n      kind: SecretStore\n  selector:\n    secret:\n      name: source-secret\n  data:\n    - match:\n        secretKey: source-key1\n        remoteRef:\n          remoteKey: vault/secret1\n    - match:\n        secretKey: source-key2\n        remoteRef:\n          remoteKey: vault/secret2\n          property: foo',
    ),
    (
        "k8s_manifest",
        "hashicorp/vault-helm:templates/injector-certs-secret.yaml#L1-L19",
        '{{/*\nCopyright IBM Corp. 2018, 2025\nSPDX-License-Identifier: MPL-2.0\n*/}}\n\n{{- template "vault.injectorEnabled" . -}}\n{{- if .injectorEnabled -}}\n{{- if and (eq (.Values.injector.leaderElector.enabled | toString) "true") (gt (.Values.injector.replicas | int) 1) }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: vault-injector-certs\n  namespace: {{ include "vault.namespace" . }}\n  labels:\n    app.kubernetes.io/name: {{ include "vault.name" . }}-agent-injector\n    app.kubernetes.io/instance: {{ .Release.Name }}\n    app.kubernetes.io/managed-by: {{ .Release.Service }}\n{{- end }}\n{{- end }}',
    ),
    (
        "k8s_manifest",
        "hashicorp/vault-helm:templates/server-statefulset.yaml#L133-L151",
        '              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.labels[\'topology.kubernetes.io/zone\']\n            {{- end }}\n            - name: HOME\n              value: "/home/vault"\n            {{- if .Values.server.logLevel }}\n            - name: VAULT_LOG_LEVEL\n              value: "{{ .Values.server.logLevel }}"\n            {{- end }}\n            {{- if .Values.server.logFormat }}\n            - name: VAULT_LOG_FORMAT\n              value: "{{ .Values.server.logFormat }}"\n            {{- end }}\n            {{- if (and .Values.server.enterpriseLicense.secretName .Values.server.enterpriseLicense.secretKey) }}\n            - name: VAULT_LICENSE_PATH\n              value: /vault/license/{{ .Values.server.enterpriseLicense.secretKey }}\n            {{- end }}\n            {{ template "vault.envs" . }}',
    ),
    (
        "k8s_manifest",
        "hashicorp/vault-helm:templates/server-statefulset.yaml#L239-L247",
        '            {{- end }}\n        {{- if .Values.server.extraContainers }}\n          {{ toYaml .Values.server.extraContainers | nindent 8}}\n        {{- end }}\n      {{- include "imagePullSecrets" . | nindent 6 }}\n  {{ template "vault.volumeclaims" . }}\n{{ end }}\n{{ end }}\n{{ end }}',
    ),
    (
        "k8s_manifest",
        "helm/helm:pkg/cmd/testdata/testcharts/chart-with-secret/templates/secret.yaml#L1-L6",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: test-secret\nstringData:\n  foo: bar",
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/newrelic-infrastructure/newrelic-config-template.yaml#L1-L7",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: newrelic-config\ntype: Opaque\ndata:\n  config: {{config_data}}",
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/newrelic/newrelic-config.yaml#L1-L10",
        "# This file should be overwritten by ./config-to-secret.sh\n# This file is in place to satisfy the kubernetes documentation tests.\n\n# apiVersion: v1\n# kind: Secret\n# metadata:\n#   name: newrelic-config\n# type: Opaque\n# data:\n#   config: base64 encoded",
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/persistent-volume-provisioning/glusterfs/glusterfs-secret.yaml#L1-L9",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: heketi-secret\n  namespace: default\ndata:\n  # base64 encoded password. E.g.: echo -n "mypassword" | base64\n  key: bXlwYXNzd29yZA==\ntype: kubernetes.io/glusterfs',
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml#L1-L9",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: quobyte-admin-secret\ntype: "kubernetes.io/quobyte"\ndata:\n  password: cXVvYnl0ZQ==\n  user: YWRtaW4=\ntype: kubernetes.io/quobyte',
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/volumes/iscsi/chap-secret.yaml#L1-L15",
        '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: chap-secret\ntype: "kubernetes.io/iscsi-chap"\ndata:\n  discovery.sendtargets.auth.username: dXNlcg==\n  discovery.sendtargets.auth.password: ZGVtbw==\n  discovery.sendtargets.auth.username_in: bXVzZXI=\n  discovery.sendtargets.auth.password_in: bXBhc3M=\n  node.session.auth.username: dXNlcm5hbWU=\n  node.session.auth.password: cGFzc3dvcmQ=\n  node.session.auth.username_in: bXVzZXIy\n  node.session.auth.password_in: bXBhc3My',
    ),
    (
        "k8s_manifest",
        "kubernetes/examples:_archived/volumes/storageos/storageos-secret.yaml#L1-L9",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: storageos-secret\ntype: "kubernetes.io/storageos"\ndata:\n  apiAddress: dGNwOi8vMTI3LjAuMC4xOjU3MDU=\n  apiUsername: c3RvcmFnZW9z\n  apiPassword: c3RvcmFnZW9z',
    ),
    (
        "k8s_manifest",
        "minio/minio:helm/minio/templates/secrets.yaml#L1-L21",
        '{{- if not .Values.existingSecret }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ template "minio.secretName" . }}\n  labels:\n    app: {{ template "minio.name" . }}\n    chart: {{ template "minio.chart" . }}\n    release: {{ .Release.Name }}\n    heritage: {{ .Release.Service }}\ntype: Opaque\ndata:\n  rootUser: {{ include "minio.root.username" . | b64enc | quote }}\n  rootPassword: {{ include "minio.root.password" . | b64enc | quote }}\n  {{- if .Values.etcd.clientCert }}\n  etcd_client.crt: {{ .Values.etcd.clientCert | toString | b64enc | quote }}\n  {{- end }}\n  {{- if .Values.etcd.clientCertKey }}\n  etcd_client.key: {{ .Values.etcd.clientCertKey | toString | b64enc | quote }}\n  {{- end }}\n{{- end }}',
    ),
    (
        "k8s_manifest",
        "prometheus-community/helm-charts:charts/kube-prometheus-stack/templates/alertmanager/secret.yaml#L1-L29",
        '{{- if and (.Values.alertmanager.enabled) (not .Values.alertmanager.alertmanagerSpec.useExistingSecret) }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: alertmanager-{{ template "kube-prometheus-stack.alertmanager.crname" . }}\n  namespace: {{ template "kube-prometheus-stack-alertmanager.namespace" . }}\n{{- if .Values.alertmanager.secret.annotations }}\n  annotations:\n{{ toYaml .Values.alertmanager.secret.annotations | indent 4 }}\n{{- end }}\n  labels:\n    app: {{ template "kube-prometheus-stack.name" . }}-alertmanager\n{{ include "kube-prometheus-stack.labels" . | indent 4 }}\ndata:\n{{- if .Values.alertmanager.tplConfig }}\n{{- if .Values.alertmanager.stringConfig }}\n  alertmanager.yaml: {{ tpl (.Values.alertmanager.stringConfig) . | b64enc | quote }}\n{{- else if eq (typeOf .Values.alertmanager.config) "string" }}\n  alertmanager.yaml: {{ tpl (.Values.alertmanager.config) . | b64enc | quote }}\n{{- else }}\n  alertmanager.yaml: {{ tpl (toYaml .Values.alertmanager.config) . | b64enc | quote }}\n{{- end }}\n{{- else }}\n  alertmanager.yaml: {{ toYaml .Values.alertmanager.config | b64enc | quote }}\n{{- end }}\n{{- range $key, $val := .Values.alertmanager.templateFiles }}\n  {{ $key }}: {{ $val | b64enc | quote }}\n{{- end }}\n{{- end }}',
    ),
    (
        "k8s_manifest",
        "prometheus-community/helm-charts:charts/kube-state-metrics/templates/kubeconfig-secret.yaml#L1-L12",
        '{{- if .Values.kubeconfig.enabled -}}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ template "kube-state-metrics.fullname" . }}-kubeconfig\n  namespace: {{ template "kube-state-metrics.namespace" . }}\n  labels:\n    {{- include "kube-state-metrics.labels" . | indent 4 }}\ntype: Opaque\ndata:\n  config: \'{{ .Values.kubeconfig.secret }}\'\n{{- end -}}',
    ),
    (
        "k8s_manifest",
        "prometheus-community/helm-charts:charts/prometheus-mysql-exporter/templates/secret.yaml#L1-L12",
        '{{- if and ( .Values.cloudsqlproxy.enabled ) ( not .Values.cloudsqlproxy.credentialsSecret ) ( not .Values.cloudsqlproxy.workloadIdentity.enabled ) }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name:  {{ template "prometheus-mysql-exporter.cloudsqlsecret" . }}\n  namespace: {{ include "prometheus-mysql-exporter.namespace" . }}\n  labels:\n    {{- include "prometheus-mysql-exporter.labels" . | nindent 4 }}\ntype: Opaque\ndata:\n  credentials.json: {{ .Values.cloudsqlproxy.credentials | b64enc }}\n{{- end }}',
    ),
    (
        "k8s_manifest",
        "prometheus-community/helm-charts:charts/prometheus-pingdom-exporter/templates/secret.yaml#L1-L15",
        '{{- if not .Values.existingSecret.name -}}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include "prometheus-pingdom-exporter.secretName" . }}\n  {{- if .Values.secret.annotations }}\n  annotations:\n    {{- toYaml .Values.secret.annotations | nindent 4 }}\n  {{- end }}\n  labels:\n    {{- include "prometheus-pingdom-exporter.labels" . | nindent 4 }}\ntype: Opaque\ndata:\n  apiToken: {{ .Values.pingdom.apiToken | b64enc }}\n{{- end }}',
    ),
    (
        "k8s_manifest",
        "prometheus-community/helm-charts:charts/prometheus-postgres-exporter/templates/secrets.yaml#L1-L13",
        '{{- if not (or .Values.config.datasource.passwordSecret .Values.config.datasourceSecret .Values.config.datasource.passwordFile ) -}}\n{{ $_ := required "config.datasource.password is required when not using config.datasource.passwordSecret, config.datasource.passwordFile, or config.datasourceSecret" .Values.config.datasource.password }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ template "prometheus-postgres-exporter.fullname" . }}\n  namespace: {{ include "prometheus-postgres-exporter.namespace" . }}\n  labels:\n    {{- include "prometheus-postgres-exporter.labels" . | nindent 4 }}\ntype: Opaque\ndata:\n  data_source_password: {{ tpl .Values.config.datasource.password . | b64enc }}\n{{- end -}}',
    ),
    (
        "k8s_manifest",
        "traefik/traefik:docs/content/reference/dynamic-configuration/kubernetes-crd-resource.yml#L147-L163",
        "    - match: HostSNI(`example.com`)\n      services:\n        - name: whoamitcp\n          port: 8080\n          serversTransport: mytransporttcp\n      middlewares:\n        - name: ipallowlist\n  tls:\n    secretName: foosecret\n    passthrough: false\n    options:\n      name: my-tls-option\n      namespace: default\n\n---\napiVersion: traefik.io/v1alpha1\nkind: IngressRouteUDP",
    ),
    (
        "k8s_manifest",
        "traefik/traefik:pkg/provider/kubernetes/crd/fixtures/basic_auth_secrets.yml#L1-L23",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: basic-auth-secret\n  namespace: default\ntype: kubernetes.io/basic-auth\ndata:\n  username: dXNlcg== # username: user\n  password: cGFzc3dvcmQ= # password: password\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: auth-secret\n  namespace: default\n\ndata:\n  # test:test -> test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/\n  # test2:test2 -> test2:$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0\n  users: |2\n    dGVzdDokYXByMSRINnVza2trVyRJZ1hMUDZld1RyU3VCa1RycUU4d2ovCnRlc3QyOiRhcHIxJGQ5\n    aHI5SEJCJDRIeHdnVWlyM0hQNEVzZ2dQL1FObzAK",
    ),
    (
        "k8s_manifest",
        "traefik/traefik:pkg/provider/kubernetes/crd/fixtures/with_auth.yml#L1-L34",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: authsecret\n  namespace: default\n\ndata:\n  users: |2\n    dGVzdDokYXByMSRINnVza2trVyRJZ1hMUDZld1RyU3VCa1RycUU4d2ovCnRlc3QyOiRhcHIxJGQ5\n    aHI5SEJCJDRIeHdnVWlyM0hQNEVzZ2dQL1FObzAK\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: casecret\n  namespace: default\n\ndata:\n  ca: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0=\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: tlssecret\n  namespace: default\n\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0=\n  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0=\n\n---\napiVersion: traefik.io/v1alpha1",
    ),
    (
        "k8s_manifest",
        "traefik/traefik:pkg/provider/kubernetes/ingress-nginx/fixtures/secrets.yml#L1-L19",
        "kind: Secret\napiVersion: v1\nmetadata:\n  namespace: default\n  name: whoami-tls\n\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n  tls.key: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n\n---\nkind: Secret\napiVersion: v1\nmetadata:\n  namespace: default\n  name: ca-secret\n\ndata:\n  ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    ),
    (
        "kubeconfig",
        "ahmetb/kubectx:internal/kubeconfig/kubeconfig_test.go#L69-L88",
        'func TestParse_MultiFile(t *testing.T) {\n\tcfg1 := testutil.KC().WithCurrentCtx("ctx1").WithCtxs(testutil.Ctx("ctx1")).ToYAML(t)\n\tcfg2 := testutil.KC().WithCurrentCtx("ctx2").WithCtxs(testutil.Ctx("ctx2")).ToYAML(t)\n\ttl := WithMockMultiKubeconfigLoader(cfg1, cfg2)\n\tkc := new(Kubeconfig).WithLoader(tl)\n\tdefer kc.Close()\n\tif err := kc.Parse(); err != nil {\n\t\tt.Fatal(err)\n\t}\n}\n\nfunc TestSave_MultiFile(t *testing.T) {\n\tcfg1 := testutil.KC().WithCurrentCtx("ctx1").WithCtxs(testutil.Ctx("ctx1")).ToYAML(t)\n\tcfg2 := testutil.KC().WithCtxs(testutil.Ctx("ctx2")).ToYAML(t)\n\ttl := WithMockMultiKubeconfigLoader(cfg1, cfg2)\n\tkc := new(Kubeconfig).WithLoader(tl)\n\tdefer kc.Close()\n\tif err := kc.Parse(); err != nil {\n\t\tt.Fatal(err)\n\t}',
    ),
    (
        "kubeconfig",
        "ahmetb/kubectx:internal/proxy/kubeconfig_test.go#L9-L24",
        "const sampleKubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: dGVzdC1jYS1kYXRh\n    server: https://my-cluster.example.com:6443\n  name: my-cluster\ncontexts:\n- context:\n    cluster: my-cluster\n    user: my-user\n  name: my-context\ncurrent-context: my-context\nusers:\n- name: my-user\n  user:",
    ),
    (
        "kubeconfig",
        "aquasecurity/trivy:integration/testdata/fixtures/k8s/kube-config-template#L1-L18",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {{CA}}\n    server: {{URL}}\n  name: kind-kind-test\ncontexts:\n- context:\n    cluster: kind-kind-test\n    namespace: limitedns\n    user: limiteduser\n  name: limitedcontext\nkind: Config\npreferences: {}\nusers:\n- name: limiteduser\n  user:\n    token: {{TOKEN}}",
    ),
    (
        "kubeconfig",
        "argoproj/argo-cd:docs/user-guide/commands/argocd_admin_cluster_kubeconfig.md#L24-L37",
        "#Generate a Kubeconfig for a Cluster with TLS Verification Disabled\nargocd admin cluster kubeconfig https://cluster-api-url:6443 /path/to/output/kubeconfig.yaml --insecure-skip-tls-verify\n```\n\n### Options\n\n```\n      --as string                      Username to impersonate for the operation\n      --as-group stringArray           Group to impersonate for the operation, this flag can be repeated to specify multiple groups.\n      --as-uid string                  UID to impersonate for the operation\n      --certificate-authority string   Path to a cert file for the certificate authority\n      --client-certificate string      Path to a client certificate file for TLS\n      --client-key string              Path to a client key file for TLS\n      --cluster string                 The name of the kubeconfig cluster to use",
    ),
    (
        "kubeconfig",
        "aws/aws-cli:tests/functional/eks/testdata/output_combined#L1-L40",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATA=\n    server: https://existingEndpoint.eks.amazonaws.com\n  name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tDQpWR1Z6ZEdsdVp5QkVZWFJoRFFwVVpYTjBhVzVuSUVSaGRHRU5DbFJsYzNScGJtY2dSR0YwWVEwS2EzVmlaWEp1WlhSbGN6QWVGdzBLVkdWemRHbHVaeUJFWVhSaERRcFVaWE4wYVc1bklFUmhkR0ZWQkFNVERRcHJkV0psY201bGRHVnpNQUVpTUEwS1ZHVnpkR2x1WnlCRVlYUmhEUXBVWlhOMGFXNW5JRVJoZEdFTkNsUmxjM1JwYm1jZ1JHRjBZY3UvR1FnbmFTcDNZaHBDTWhGVVpYTjBhVzVuSUVSaGRHRXl3clZqeEpWNjNwNFVHRmpZdHdGR1drUldJVkV1VkdWemRHbHVaeUJFWVhSaGJzT0MxSVJiTDhPd0lpMVhiWGg2VkdWemRHbHVaeUJFWVhSaFpXVndTTk9VVUZKNmN5QWJaaFpnWVNkTUV3MEtGMVJsYzNScGJtY2dSR0YwWVFZRFZSMFBBUUVFQkFNQ0FsUmxjM1JwYm1jZ1JHRjBZUUV3RFFvR0NTcElEUXBVWlhOMGFXNW5JRVJoZEdGcEgxc1pPRTNMa3lrMU9DWUNHUloyTEZjM3paOCtHell3WEZSbGMzUnBibWNnUkdGMFlYMUR5NjFNMVlGV1AxWVRIMVJsYzNScGJtY2dSR0YwWVd0aE5oMVphM2dWUDBGaGNSWjdKaW9oZVc4N1JsUmxjM1JwYm1jZ1JHRjBZUVpIVHd4NE9IdzZmZz09DQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0t\n    server: https://endpoint.amazonaws.com\n  name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\ncontexts:\n- context:\n    cluster: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n    user: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n  name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n- context:\n    cluster: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n    user: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n  name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\ncurrent-context: arn:aws:eks:region:111222333444:cluster/ExampleCluster\nkind: Config\npreferences: {}\nusers:\n- name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - --region\n      - us-west-2\n      - eks\n      - get-token\n      - --cluster-name\n      - Existing\n      - --output\n      - json\n      command: aws\n- name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n  user:\n    exec:",
    ),
    (
        "kubeconfig",
        "aws/aws-cli:tests/functional/eks/testdata/output_single#L1-L29",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tDQpWR1Z6ZEdsdVp5QkVZWFJoRFFwVVpYTjBhVzVuSUVSaGRHRU5DbFJsYzNScGJtY2dSR0YwWVEwS2EzVmlaWEp1WlhSbGN6QWVGdzBLVkdWemRHbHVaeUJFWVhSaERRcFVaWE4wYVc1bklFUmhkR0ZWQkFNVERRcHJkV0psY201bGRHVnpNQUVpTUEwS1ZHVnpkR2x1WnlCRVlYUmhEUXBVWlhOMGFXNW5JRVJoZEdFTkNsUmxjM1JwYm1jZ1JHRjBZY3UvR1FnbmFTcDNZaHBDTWhGVVpYTjBhVzVuSUVSaGRHRXl3clZqeEpWNjNwNFVHRmpZdHdGR1drUldJVkV1VkdWemRHbHVaeUJFWVhSaGJzT0MxSVJiTDhPd0lpMVhiWGg2VkdWemRHbHVaeUJFWVhSaFpXVndTTk9VVUZKNmN5QWJaaFpnWVNkTUV3MEtGMVJsYzNScGJtY2dSR0YwWVFZRFZSMFBBUUVFQkFNQ0FsUmxjM1JwYm1jZ1JHRjBZUUV3RFFvR0NTcElEUXBVWlhOMGFXNW5JRVJoZEdGcEgxc1pPRTNMa3lrMU9DWUNHUloyTEZjM3paOCtHell3WEZSbGMzUnBibWNnUkdGMFlYMUR5NjFNMVlGV1AxWVRIMVJsYzNScGJtY2dSR0YwWVd0aE5oMVphM2dWUDBGaGNSWjdKaW9oZVc4N1JsUmxjM1JwYm1jZ1JHRjBZUVpIVHd4NE9IdzZmZz09DQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0t\n    server: https://endpoint.amazonaws.com\n  name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\ncontexts:\n- context:\n    cluster: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n    user: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n  name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\ncurrent-context: arn:aws:eks:region:111222333444:cluster/ExampleCluster\nkind: Config\npreferences: {}\nusers:\n- name: arn:aws:eks:region:111222333444:cluster/ExampleCluster\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - --region\n      - region\n      - eks\n      - get-token\n      - --cluster-name\n      - ExampleCluster\n      - --output\n      - json\n      command: aws",
    ),
    (
        "kubeconfig",
        "aws/aws-cli:tests/functional/eks/testdata/valid_existing#L1-L30",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATADATA=\n    server: https://existingEndpoint.eks.amazonaws.com\n  name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\ncontexts:\n- context:\n    cluster: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n    user: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n  name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\ncurrent-context: arn:aws:eks:us-west-2:111222333444:cluster/Existing\nkind: Config\npreferences: {}\nusers:\n- name: arn:aws:eks:us-west-2:111222333444:cluster/Existing\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - --region\n      - us-west-2\n      - eks\n      - get-token\n      - --cluster-name\n      - Existing\n      - --output\n      - json\n      command: aws\n",
    ),
    (
        "kubeconfig",
        "aws/aws-cli:tests/functional/eks/testdata/valid_simple#L1-L10",
        "apiVersion: v1\nclusters:\n- cluster:\n    server: simple\n  name: simple\ncontexts:\ncurrent-context: simple\nkind: Config\npreferences: {}\nusers:",
    ),
    (
        "kubeconfig",
        "kubernetes-sigs/kind:pkg/cluster/internal/kubeconfig/internal/kubeconfig/merge_test.go#L311-L324",
        '\t// ensure the output matches expected\n\tf, err := os.Open(existingConfigPath)\n\tif err != nil {\n\t\tt.Fatalf("Failed to open merged kubeconfig: %v", err)\n\t}\n\tcontents, err := io.ReadAll(f)\n\tif err != nil {\n\t\tt.Fatalf("Failed to read merged kubeconfig: %v", err)\n\t}\n\texpected := `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: definitelyacert\n    server: https://192.168.9.4:6443',
    ),
    (
        "kubeconfig",
        "kubernetes-sigs/kind:pkg/cluster/internal/kubeconfig/internal/kubeconfig/read_test.go#L45-L70",
        '    user: kubernetes-admin\n  name: kubernetes-admin@kind\ncurrent-context: kubernetes-admin@kind\nkind: Config\npreferences: {}\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: seemslegit\n    client-key-data: yep\n`\n\t\tserver := "https://127.0.0.1:6443"\n\t\texpected := &Config{\n\t\t\tClusters: []NamedCluster{\n\t\t\t\t{\n\t\t\t\t\tName: "kind-kind",\n\t\t\t\t\tCluster: Cluster{\n\t\t\t\t\t\tServer: server,\n\t\t\t\t\t\tOtherFields: map[string]interface{}{\n\t\t\t\t\t\t\t"certificate-authority-data": "definitelyacert",\n\t\t\t\t\t\t},\n\t\t\t\t\t},\n\t\t\t\t},\n\t\t\t},\n\t\t\tContexts: []NamedContext{\n\t\t\t\t{',
    ),
    (
        "kubeconfig",
        "kubernetes/examples:_archived/sharing-clusters/README.md#L36-L60",
        "```yaml\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: REDACTED\n    server: https://146.148.25.221\n  name: <clustername_eu>\n- cluster:\n    certificate-authority-data: REDACTED\n    server: https://104.197.84.16\n  name: <clustername_us>\n...\ncurrent-context: kubernetesdev_eu\n...\n```\n\nAnd kubectl get nodes should agree:\n\n```\n$ kubectl get nodes\nNAME             LABELS                                  STATUS\neu-node-0n61     kubernetes.io/hostname=eu-node-0n61     Ready\neu-node-79ua     kubernetes.io/hostname=eu-node-79ua     Ready\neu-node-7wz7     kubernetes.io/hostname=eu-node-7wz7     Ready\neu-node-loh2     kubernetes.io/hostname=eu-node-loh2     Ready",
    ),
    (
        "lockfile",
        "BurntSushi/ripgrep:Cargo.lock#L359-L374",
        ']\n\n[[package]]\nname = "quote"\nversion = "1.0.47"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "1fbf4db142a473a8d80c26bbf18454ed458bf8d26c8219c331daecfdbd079001"\ndependencies = [\n "proc-macro2",\n]\n\n[[package]]\nname = "r-efi"\nversion = "6.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "f8dcc9c7d52a811697d2151c701e0d08956f92b0e24136cf4cf27b57a6a0d9bf"',
    ),
    (
        "lockfile",
        "BurntSushi/ripgrep:Cargo.lock#L484-L492",
        '\n[[package]]\nname = "shlex"\nversion = "2.0.1"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "f8fadd59c855ef2080decdef8ff161eb6661b86933c9d82e5ba29dc602a55aba"\n\n[[package]]\nname = "syn"',
    ),
    (
        "lockfile",
        "FiloSottile/age:go.sum#L4-L15",
        "filippo.io/edwards25519 v1.1.0/go.mod h1:BxyFTGdWcka3PhytdK4V28tE5sGfRvvvRV7EaN4VDT4=\nfilippo.io/hpke v0.4.0 h1:p575VVQ6ted4pL+it6M00V/f2qTZITO0zgmdKCkd5+A=\nfilippo.io/hpke v0.4.0/go.mod h1:EmAN849/P3qdeK+PCMkDpDm83vRHM5cDipBJ8xbQLVY=\nfilippo.io/nistec v0.0.4 h1:F14ZHT5htWlMnQVPndX9ro9arf56cBhQxq4LnDI491s=\nfilippo.io/nistec v0.0.4/go.mod h1:PK/lw8I1gQT4hUML4QGaqljwdDaFcMyFKSXN7kjrtKI=\ngithub.com/rogpeppe/go-internal v1.14.1 h1:UQB4HGPB6osV0SQTLymcB4TgvyWu6ZyliaW0tI/otEQ=\ngithub.com/rogpeppe/go-internal v1.14.1/go.mod h1:MaRKkUm5W0goXpeCfT7UZI6fk/L7L7so1lCWt35ZSgc=\ngolang.org/x/crypto v0.45.0 h1:jMBrvKuj23MTlT0bQEOBcAE0mjg8mK9RXFhRH6nyF3Q=\ngolang.org/x/crypto v0.45.0/go.mod h1:XTGrrkGJve7CYK7J8PEww4aY7gM3qMCElcJQ8n8JdX4=\ngolang.org/x/sys v0.38.0 h1:3yZWxaJjBmCWXqhN1qh02AkOnCQ1poK6oF+a7xWL6Gc=\ngolang.org/x/sys v0.38.0/go.mod h1:OgkHotnGiDImocRcuBABYBEXf8A9a87e/uXjp9XT3ks=\ngolang.org/x/term v0.37.0 h1:8EGAD0qCmHYZg6J17DvsMy9/wJ7/D/4pV/wfnld5lTU=",
    ),
    (
        "lockfile",
        "GoogleCloudPlatform/microservices-demo:src/paymentservice/package-lock.json#L2865-L2872",
        '      "resolved": "https://registry.npmjs.org/@grpc/grpc-js/-/grpc-js-1.14.4.tgz",\n      "integrity": "sha512-k9Dj3DV/itK9D06Y8f190Qgop7/Ui+D0njFV3LHMPwPT75DpXLQohE9Wmz0QElrJnzsjB7KPWiKJbOl7IPDArQ==",\n      "requires": {\n        "@grpc/proto-loader": "^0.8.0",\n        "@js-sdsl/ordered-map": "^4.4.2"\n      }\n    },\n    "@grpc/proto-loader": {',
    ),
    (
        "lockfile",
        "GoogleCloudPlatform/microservices-demo:src/paymentservice/package-lock.json#L436-L452",
        '      },\n      "peerDependencies": {\n        "@opentelemetry/api": "^1.3.0"\n      }\n    },\n    "node_modules/@opentelemetry/exporter-otlp-grpc": {\n      "version": "0.26.0",\n      "resolved": "https://registry.npmjs.org/@opentelemetry/exporter-otlp-grpc/-/exporter-otlp-grpc-0.26.0.tgz",\n      "integrity": "sha512-64VPck7CbGhI7c2bj54xaGGHCy4mP+rMnrKBAruNBmUUnN9OgihddNcMsIiHyddUcyC1I+hXS3JLW1G6AvlAmg==",\n      "deprecated": "Please use trace and metric specific exporters @opentelemetry/exporter-trace-otlp-grpc and @opentelemetry/exporter-metrics-otlp-grpc",\n      "dependencies": {\n        "@grpc/grpc-js": "^1.3.7",\n        "@grpc/proto-loader": "^0.6.4",\n        "@opentelemetry/core": "1.0.0",\n        "@opentelemetry/exporter-otlp-http": "0.26.0",\n        "@opentelemetry/resources": "1.0.0",\n        "@opentelemetry/sdk-metrics-base": "0.26.0",',
    ),
    (
        "lockfile",
        "OAI/OpenAPI-Specification:yarn.lock#L2242-L2256",
        '    mdast-util-to-markdown: "npm:^2.0.0"\n  checksum: 10c0/128af47c503a53bd1c79f20642561e54a510ad5e2db1e418d28fefaf1294ab839e6c838e341aef5d7e404f9170b9ca3d1d89605f234efafde93ee51174a6e31e\n  languageName: node\n  linkType: hard\n\n"mdast-util-gfm-task-list-item@npm:^2.0.0":\n  version: 2.0.0\n  resolution: "mdast-util-gfm-task-list-item@npm:2.0.0"\n  dependencies:\n    "@types/mdast": "npm:^4.0.0"\n    devlop: "npm:^1.0.0"\n    mdast-util-from-markdown: "npm:^2.0.0"\n    mdast-util-to-markdown: "npm:^2.0.0"\n  checksum: 10c0/258d725288482b636c0a376c296431390c14b4f29588675297cb6580a8598ed311fc73ebc312acfca12cc8546f07a3a285a53a3b082712e2cbf5c190d677d834\n  languageName: node',
    ),
    (
        "lockfile",
        "OAI/OpenAPI-Specification:yarn.lock#L824-L832",
        '  checksum: 10c0/99a4b0f0e7991796b1e7e3f52dceb9137cae2a9dfc8fc0784a550dc4c558e15ab32ed70b14b21b52beb2679b4892b41a0aa44249bcb996f01e125d58477c6976\n  languageName: node\n  linkType: hard\n\n"character-entities-legacy@npm:^3.0.0":\n  version: 3.0.0\n  resolution: "character-entities-legacy@npm:3.0.0"\n  checksum: 10c0/ec4b430af873661aa754a896a2b55af089b4e938d3d010fad5219299a6b6d32ab175142699ee250640678cd64bdecd6db3c9af0b8759ab7b155d970d84c4c7d1\n  languageName: node',
    ),
    (
        "lockfile",
        "aquasecurity/trivy:integration/testdata/fixtures/repo/mixlock/mix.lock#L10-L12",
        '  "plug_crypto": {:hex, :plug_crypto, "1.2.3", "8f77d13aeb32bfd9e654cb68f0af517b371fb34c56c9f2b58fe3df1235c1251a", [:mix], [], "hexpm", "b5672099c6ad5c202c45f5a403f21a3411247f164e4a8fab056e5cd8a290f4a2"},\n  "telemetry": {:hex, :telemetry, "1.1.0", "a589817034a27eab11144ad24d5c0f9fab1f58173274b1e9bae7074af9cbee51", [:rebar3], [], "hexpm", "b727b2a1f75614774cff2d7565b64d0dfa5bd52ba517f16543e6fc7efcc0df48"},\n}',
    ),
    (
        "lockfile",
        "aquasecurity/trivy:integration/testdata/fixtures/repo/nuget/packages.lock.json#L14-L19",
        '                "resolved": "5.7.0",\n                "contentHash": "7Q/wUoB3jCBcq9zoBOBGHFhe78C13jViPmvjvzTwthVV8DAjMfpXnqAYtgwdaRLJMkTXrtdLxfPBIFFhmlsnIQ==",\n                "dependencies": {\n                    "Newtonsoft.Json": "12.0.3"\n                }\n            }',
    ),
    (
        "lockfile",
        "argoproj/argo-cd:.github/aw/actions-lock.json#L6-L14",
        '      "sha": "3a2844b7e9c422d3c10d287c895573f7108da1b3"\n    },\n    "github/gh-aw-actions/setup@v0.81.6": {\n      "repo": "github/gh-aw-actions/setup",\n      "version": "v0.81.6",\n      "sha": "ba6380cc6e5be5d21677bebe04d52fb48e3abec7"\n    }\n  }\n}',
    ),
    (
        "lockfile",
        "argoproj/argo-cd:ui/pnpm-lock.yaml#L2124-L2141",
        "  '@types/react@19.2.14':\n    resolution: {integrity: sha512-ilcTH/UniCkMdtexkoCN0bI7pMcJDvmQFPvuPvmEaYA/NSfFTAgdUSLAoVjaRJm7+6PvcM+q1zYOwS4wTYMF9w==}\n\n  '@types/retry@0.12.2':\n    resolution: {integrity: sha512-XISRgDJ2Tc5q4TRqvgJtzsRkFYNJzZrhTdtMoGVBttwzzQJkPnS3WWTFc7kuDRoPtPakl+T+OfdEUjYJj7Jbow==}\n\n  '@types/send@0.17.6':\n    resolution: {integrity: sha512-Uqt8rPBE8SY0RK8JB1EzVOIZ32uqy8HwdxCnoCOsYrvnswqmFZ/k+9Ikidlk/ImhsdvBsloHbAlewb2IEBV/Og==}\n\n  '@types/send@1.2.1':\n    resolution: {integrity: sha512-arsCikDvlU99zl1g69TcAB3mzZPpxgw0UQnaHeC1Nwb015xp8bknZv5rIfri9xTOcMuaVgvabfIRA7PSZVuZIQ==}\n\n  '@types/serve-index@1.9.4':\n    resolution: {integrity: sha512-qLpGZ/c2fhSs5gnYsQxtDEq3Oy8SXPClIXkW5ghvAvsNuVSA8k+gCONcUCS/UjLEYvYps+e8uBtfgXgvhwfNug==}\n\n  '@types/serve-static@1.15.10':\n    resolution: {integrity: sha512-tRs1dB+g8Itk72rlSI2ZrW6vZg0YrLI81iQSTkMmOqnqCaNr/8Ek4VwWcN5vZgCYWbg/JJSGBlUaYGAOP73qBw==}\n",
    ),
    (
        "lockfile",
        "aws-actions/configure-aws-credentials:package-lock.json#L3000-L3013",
        '      "license": "MIT",\n      "engines": {\n        "node": ">= 14"\n      }\n    },\n    "node_modules/ansi-colors": {\n      "version": "4.1.3",\n      "resolved": "https://registry.npmjs.org/ansi-colors/-/ansi-colors-4.1.3.tgz",\n      "integrity": "sha512-/6w/C21Pm1A7aZitlI5Ni/2J6FFQN8i1Cvz3kHABAAbw93v/NlvKdVOqz7CCWz/3iv/JplRSEEZ83XION15ovw==",\n      "dev": true,\n      "license": "MIT",\n      "engines": {\n        "node": ">=6"\n      }',
    ),
    (
        "lockfile",
        "aws-actions/configure-aws-credentials:package-lock.json#L8107-L8116",
        '      "dev": true,\n      "license": "MIT",\n      "optional": true\n    },\n    "node_modules/semver": {\n      "version": "7.7.4",\n      "resolved": "https://registry.npmjs.org/semver/-/semver-7.7.4.tgz",\n      "integrity": "sha512-vFKC2IEtQnVhpT78h1Yp8wzwrf8CM+MzKMHGJZfBtzhZNycRFnXsHk6E5TxIkkMsgNS7mdX3AGB7x2QM2di4lA==",\n      "dev": true,\n      "license": "ISC",',
    ),
    (
        "lockfile",
        "axios/axios:package-lock.json#L7946-L7958",
        '        "is-stream": "^1.1.0",\n        "seek-bzip": "^1.0.5",\n        "unbzip2-stream": "^1.0.9"\n      },\n      "engines": {\n        "node": ">=4"\n      }\n    },\n    "node_modules/decompress-tarbz2/node_modules/file-type": {\n      "version": "6.2.0",\n      "resolved": "https://registry.npmjs.org/file-type/-/file-type-6.2.0.tgz",\n      "integrity": "sha512-YPcTBDV+2Tm0VqjybVd32MHdlEGAtuxS3VAYsumFokDSMG+ROT5wawGlnHDoz7bfMcMDt9hxuXvXwoKUx2fkOg==",\n      "dev": true,',
    ),
    (
        "lockfile",
        "axios/axios:package-lock.json#L9142-L9152",
        '        "node": ">=6"\n      },\n      "funding": {\n        "url": "https://github.com/sponsors/sindresorhus"\n      }\n    },\n    "node_modules/dtslint/node_modules/p-locate": {\n      "version": "4.1.0",\n      "resolved": "https://registry.npmjs.org/p-locate/-/p-locate-4.1.0.tgz",\n      "integrity": "sha512-R79ZZ/0wAxKGu3oYMlz8jy/kbhsNrS7SKZ7PxEHBgJ5+F2mtFW2fK2cOtBh1cHYkQsbzFV7I+EoRKe6Yt0oK7A==",\n      "dev": true,',
    ),
    (
        "lockfile",
        "bitnami-labs/sealed-secrets:jsonnetfile.lock.json#L1-L10",
        '{\n    "dependencies": [\n        {\n            "name": "kube-libsonnet",\n            "source": {\n                "git": {\n                    "remote": "https://github.com/bitnami-labs/kube-libsonnet",\n                    "subdir": ""\n                }\n            },',
    ),
    (
        "lockfile",
        "caddyserver/caddy:go.sum#L301-L318",
        "github.com/schollz/jsonstore v1.1.0 h1:WZBDjgezFS34CHI+myb4s8GGpir3UMpy7vWoCeO0n6E=\ngithub.com/schollz/jsonstore v1.1.0/go.mod h1:15c6+9guw8vDRyozGjN3FoILt0wpruJk9Pi66vjaZfg=\ngithub.com/shopspring/decimal v1.4.0 h1:bxl37RwXBklmTi0C79JfXCEBD1cqqHt0bbgBAGFp81k=\ngithub.com/shopspring/decimal v1.4.0/go.mod h1:gawqmDU56v4yIKSwfBSFip1HdCCXN8/+DMd9qYNcwME=\ngithub.com/shurcooL/sanitized_anchor_name v1.0.0 h1:PdmoCO6wvbs+7yrJyMORt4/BmY5IYyJwS/kOiWx8mHo=\ngithub.com/shurcooL/sanitized_anchor_name v1.0.0/go.mod h1:1NzhyTcUVG4SuEtjjoZeVRXNmyL/1OwPU0+IJeTBvfc=\ngithub.com/sirupsen/logrus v1.9.4 h1:TsZE7l11zFCLZnZ+teH4Umoq5BhEIfIzfRDZ1Uzql2w=\ngithub.com/sirupsen/logrus v1.9.4/go.mod h1:ftWc9WdOfJ0a92nsE2jF5u5ZwH8Bv2zdeOC42RjbV2g=\ngithub.com/slackhq/nebula v1.10.3 h1:EstYj8ODEcv6T0R9X5BVq1zgWZnyU5gtPzk99QF1PMU=\ngithub.com/slackhq/nebula v1.10.3/go.mod h1:IL5TUQm4x9IFx2kCKPYm1gP47pwd5b8QGnnBH2RHnvs=\ngithub.com/smallstep/assert v0.0.0-20200723003110-82e2b9b3b262 h1:unQFBIznI+VYD1/1fApl1A+9VcBk+9dcqGfnePY87LY=\ngithub.com/smallstep/assert v0.0.0-20200723003110-82e2b9b3b262/go.mod h1:MyOHs9Po2fbM1LHej6sBUT8ozbxmMOFG+E+rx/GSGuc=\ngithub.com/smallstep/certificates v0.30.2 h1:1G3xBi8sJ740iA1mMPW2Svv7EIZKJ4Zf/iQtA5QlN0Y=\ngithub.com/smallstep/certificates v0.30.2/go.mod h1:oyaE/aEYUGDr+YiCZLAxxP22bOQqcSHTeDgp8Vv2rlY=\ngithub.com/smallstep/cli-utils v0.12.2 h1:lGzM9PJrH/qawbzMC/s2SvgLdJPKDWKwKzx9doCVO+k=\ngithub.com/smallstep/cli-utils v0.12.2/go.mod h1:uCPqefO29goHLGqFnwk0i8W7XJu18X3WHQFRtOm/00Y=\ngithub.com/smallstep/go-attestation v0.4.4-0.20260603212853-e1a87a0b07d9 h1:n+X1wnMKJMcCRd98YKAo/56tMRSPUg+qjAvNNS1EZeM=\ngithub.com/smallstep/go-attestation v0.4.4-0.20260603212853-e1a87a0b07d9/go.mod h1:vNAduivU014fubg6ewygkAvQC0IQVXqdc8vaGl/0er4=",
    ),
    (
        "lockfile",
        "caddyserver/caddy:go.sum#L364-L368",
        "github.com/urfave/cli v1.22.17 h1:SYzXoiPfQjHBbkYxbew5prZHS1TOLT3ierW8SYLqtVQ=\ngithub.com/urfave/cli v1.22.17/go.mod h1:b0ht0aqgH/6pBYzzxURyrM4xXNgsoT/n2ZzwQiEhNVo=\ngithub.com/x448/float16 v0.8.4 h1:qLwI1I70+NjRFUR3zs1JPUCgaCXSh3SW62uAKT1mSBM=\ngithub.com/x448/float16 v0.8.4/go.mod h1:14CWIYCyZA/cWjXOioeEpHeN/83MdbZDRQHoFcYsOfg=\ngithub.com/xordataexchange/crypt v0.0.3-0.20170626215501-b2862e3d0a77/go.mod h1:aYKd//L2LvnjZzWKhF00oedf4jCCReLcmhLdhm1A27Q=",
    ),
    (
        "lockfile",
        "cli/cli:go.sum#L270-L284",
        "github.com/inconshreveable/mousetrap v1.1.0/go.mod h1:vpF70FUmC8bwa3OWnCshd2FqLfsEA9PFc4w1p2J65bw=\ngithub.com/itchyny/gojq v0.12.15 h1:WC1Nxbx4Ifw5U2oQWACYz32JK8G9qxNtHzrvW4KEcqI=\ngithub.com/itchyny/gojq v0.12.15/go.mod h1:uWAHCbCIla1jiNxmeT5/B5mOjSdfkCq6p8vxWg+BM10=\ngithub.com/itchyny/timefmt-go v0.1.5 h1:G0INE2la8S6ru/ZI5JecgyzbbJNs5lG1RcBqa7Jm6GE=\ngithub.com/itchyny/timefmt-go v0.1.5/go.mod h1:nEP7L+2YmAbT2kZ2HfSs1d8Xtw9LY8D2stDBckWakZ8=\ngithub.com/jedisct1/go-minisign v0.0.0-20211028175153-1c139d1cc84b h1:ZGiXF8sz7PDk6RgkP+A/SFfUD0ZR/AgG6SpRNEDKZy8=\ngithub.com/jedisct1/go-minisign v0.0.0-20211028175153-1c139d1cc84b/go.mod h1:hQmNrgofl+IY/8L+n20H6E6PWBBTokdsv+q49j0QhsU=\ngithub.com/jellydator/ttlcache/v3 v3.2.0 h1:6lqVJ8X3ZaUwvzENqPAobDsXNExfUJd61u++uW8a3LE=\ngithub.com/jellydator/ttlcache/v3 v3.2.0/go.mod h1:hi7MGFdMAwZna5n2tuvh63DvFLzVKySzCVW6+0gA2n4=\ngithub.com/jmespath/go-jmespath v0.4.0 h1:BEgLn5cpjn8UN1mAw4NjwDrS35OdebyEtFe+9YPoQUg=\ngithub.com/jmespath/go-jmespath v0.4.0/go.mod h1:T8mJZnbsbmF+m6zOOFylbeCJqk5+pHWvzYPziyZiYoo=\ngithub.com/jmhodges/clock v1.2.0 h1:eq4kys+NI0PLngzaHEe7AmPT90XMGIEySD1JfV1PDIs=\ngithub.com/jmhodges/clock v1.2.0/go.mod h1:qKjhA7x7u/lQpPB1XAqX1b1lCI/w3/fNuYpI/ZjLynI=\ngithub.com/joho/godotenv v1.5.1 h1:7eLL/+HRGLY0ldzfGMeQkb7vMd0as4CfYvUVzLqw0N0=\ngithub.com/joho/godotenv v1.5.1/go.mod h1:f4LDr5Voq0i2e/R5DDNOoa2zzDfwtkZa6DnEwAbqwq4=",
    ),
    (
        "lockfile",
        "cli/cli:go.sum#L482-L487",
        "go.uber.org/goleak v1.3.0/go.mod h1:CoHD4mav9JJNrW/WLlf7HGZPjdw8EucARQHekz1X6bE=\ngo.uber.org/multierr v1.11.0 h1:blXXJkSxSSfBVBlC76pxqeO+LN3aDfLQo+309xJstO0=\ngo.uber.org/multierr v1.11.0/go.mod h1:20+QtiLqy0Nd6FdQB9TLXag12DsQkrbs3htMFfDN80Y=\ngo.uber.org/zap v1.27.0 h1:aJMhYGrd5QSmlpLMr2MftRKl7t8J8PTZPA732ud/XR8=\ngo.uber.org/zap v1.27.0/go.mod h1:GB2qFLM7cTU87MWRP2mPIjqfIDnGu+VIO4V/SdhGo2E=\ngolang.org/x/crypto v0.0.0-20190308221718-c2843e01d9a2/go.mod h1:djNgcEr1/C05ACkg1iLfiJU5Ep61QUkGW8qpdssI0+w=",
    ),
    (
        "lockfile",
        "composer/composer:composer.lock#L1550-L1564",
        '        },\n        {\n            "name": "symfony/polyfill-mbstring",\n            "version": "v1.38.2",\n            "source": {\n                "type": "git",\n                "url": "https://github.com/symfony/polyfill-mbstring.git",\n                "reference": "d3d318bad5e7a1bfbd026009c8bfb8d8f99ae6b6"\n            },\n            "dist": {\n                "type": "zip",\n                "url": "https://api.github.com/repos/symfony/polyfill-mbstring/zipball/d3d318bad5e7a1bfbd026009c8bfb8d8f99ae6b6",\n                "reference": "d3d318bad5e7a1bfbd026009c8bfb8d8f99ae6b6",\n                "shasum": ""\n            },',
    ),
    (
        "lockfile",
        "composer/composer:composer.lock#L1643-L1650",
        '            },\n            "dist": {\n                "type": "zip",\n                "url": "https://api.github.com/repos/symfony/polyfill-php73/zipball/0f68c03565dcaaf25a890667542e8bd75fe7e5bb",\n                "reference": "0f68c03565dcaaf25a890667542e8bd75fe7e5bb",\n                "shasum": ""\n            },\n            "require": {',
    ),
    (
        "lockfile",
        "docker/build-push-action:yarn.lock#L5597-L5606",
        '  languageName: node\n  linkType: hard\n\n"strip-ansi@npm:^6.0.0":\n  version: 6.0.0\n  resolution: "strip-ansi@npm:6.0.0"\n  dependencies:\n    ansi-regex: "npm:^5.0.0"\n  checksum: 10/fb33042c065e35dd33f82daf780252c855c520250bf2cc9257718e2868efbfd93f0712e0efc5e90750a0f806ad73971c1ac67785b532563df18aad4fddfde74d\n  languageName: node',
    ),
    (
        "lockfile",
        "documenso/documenso:package-lock.json#L16700-L16706",
        '        "node": ">=0.1.90"\n      }\n    },\n    "node_modules/combined-stream": {\n      "version": "1.0.8",\n      "resolved": "https://registry.npmjs.org/combined-stream/-/combined-stream-1.0.8.tgz",\n      "integrity": "sha512-FQN4MRfuJeHf7cBbBMJFXhKSDq+2kAArBlmRBvcvFE5BB1HZKXtSFASDhdlz9zOYwxh8lDdnvmMOe/+5cdoEdg==",',
    ),
    (
        "lockfile",
        "fastapi/full-stack-fastapi-template:uv.lock#L1121-L1131",
        '\n[[package]]\nname = "rignore"\nversion = "0.7.6"\nsource = { registry = "https://pypi.org/simple" }\nsdist = { url = "https://files.pythonhosted.org/packages/e5/f5/8bed2310abe4ae04b67a38374a4d311dd85220f5d8da56f47ae9361be0b0/rignore-0.7.6.tar.gz", hash = "sha256:00d3546cd793c30cb17921ce674d2c8f3a4b00501cb0e3dd0e82217dbeba2671", size = 57140, upload-time = "2025-11-05T21:41:21.968Z" }\nwheels = [\n    { url = "https://files.pythonhosted.org/packages/9a/b9/1f5bd82b87e5550cd843ceb3768b4a8ef274eb63f29333cf2f29644b3d75/rignore-0.7.6-cp314-cp314-macosx_10_12_x86_64.whl", hash = "sha256:8e41be9fa8f2f47239ded8920cc283699a052ac4c371f77f5ac017ebeed75732", size = 882632, upload-time = "2025-11-05T20:42:44.063Z" },\n    { url = "https://files.pythonhosted.org/packages/e9/6b/07714a3efe4a8048864e8a5b7db311ba51b921e15268b17defaebf56d3db/rignore-0.7.6-cp314-cp314-macosx_11_0_arm64.whl", hash = "sha256:6dc1e171e52cefa6c20e60c05394a71165663b48bca6c7666dee4f778f2a7d90", size = 820760, upload-time = "2025-11-05T20:42:27.885Z" },\n    { url = "https://files.pythonhosted.org/packages/ac/0f/348c829ea2d8d596e856371b14b9092f8a5dfbb62674ec9b3f67e4939a9d/rignore-0.7.6-cp314-cp314-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", hash = "sha256:0ce2268837c3600f82ab8db58f5834009dc638ee17103582960da668963bebc5", size = 899044, upload-time = "2025-11-05T20:40:55.336Z" },\n    { url = "https://files.pythonhosted.org/packages/f0/30/2e1841a19b4dd23878d73edd5d82e998a83d5ed9570a89675f140ca8b2ad/rignore-0.7.6-cp314-cp314-manylinux_2_17_armv7l.manylinux2014_armv7l.whl", hash = "sha256:690a3e1b54bfe77e89c4bacb13f046e642f8baadafc61d68f5a726f324a76ab6", size = 874144, upload-time = "2025-11-05T20:41:10.195Z" },',
    ),
    (
        "lockfile",
        "getsentry/self-hosted:uv.lock#L86-L92",
        '    { url = "https://files.pythonhosted.org/packages/cb/0e/02ceeec9a7d6ee63bb596121c2c8e9b3a9e150936f4fbef6ca1943e6137c/cffi-2.0.0-cp313-cp313-win_arm64.whl", hash = "sha256:256f80b80ca3853f90c21b23ee78cd008713787b1b1e93eae9f3d6a7134abd91", size = 177780, upload-time = "2025-09-08T23:23:16.761Z" },\n    { url = "https://files.pythonhosted.org/packages/92/c4/3ce07396253a83250ee98564f8d7e9789fab8e58858f35d07a9a2c78de9f/cffi-2.0.0-cp314-cp314-macosx_10_13_x86_64.whl", hash = "sha256:fc33c5141b55ed366cfaad382df24fe7dcbc686de5be719b207bb248e3053dc5", size = 185320, upload-time = "2025-09-08T23:23:18.087Z" },\n    { url = "https://files.pythonhosted.org/packages/59/dd/27e9fa567a23931c838c6b02d0764611c62290062a6d4e8ff7863daf9730/cffi-2.0.0-cp314-cp314-macosx_11_0_arm64.whl", hash = "sha256:c654de545946e0db659b3400168c9ad31b5d29593291482c43e3564effbcee13", size = 181487, upload-time = "2025-09-08T23:23:19.622Z" },\n    { url = "https://files.pythonhosted.org/packages/d6/43/0e822876f87ea8a4ef95442c3d766a06a51fc5298823f884ef87aaad168c/cffi-2.0.0-cp314-cp314-manylinux2014_aarch64.manylinux_2_17_aarch64.whl", hash = "sha256:24b6f81f1983e6df8db3adc38562c83f7d4a0c36162885ec7f7b77c7dcbec97b", size = 220049, upload-time = "2025-09-08T23:23:20.853Z" },\n    { url = "https://files.pythonhosted.org/packages/b4/89/76799151d9c2d2d1ead63c2429da9ea9d7aac304603de0c6e8764e6e8e70/cffi-2.0.0-cp314-cp314-manylinux2014_ppc64le.manylinux_2_17_ppc64le.whl", hash = "sha256:12873ca6cb9b0f0d3a0da705d6086fe911591737a59f28b7936bdfed27c0d47c", size = 207793, upload-time = "2025-09-08T23:23:22.08Z" },\n    { url = "https://files.pythonhosted.org/packages/bb/dd/3465b14bb9e24ee24cb88c9e3730f6de63111fffe513492bf8c808a3547e/cffi-2.0.0-cp314-cp314-manylinux2014_s390x.manylinux_2_17_s390x.whl", hash = "sha256:d9b97165e8aed9272a6bb17c01e3cc5871a594a446ebedc996e2397a1c1ea8ef", size = 206300, upload-time = "2025-09-08T23:23:23.314Z" },\n    { url = "https://files.pythonhosted.org/packages/47/d9/d83e293854571c877a92da46fdec39158f8d7e68da75bf73581225d28e90/cffi-2.0.0-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", hash = "sha256:afb8db5439b81cf9c9d0c80404b60c3cc9c3add93e114dcae767f1477cb53775", size = 219244, upload-time = "2025-09-08T23:23:24.541Z" },',
    ),
    (
        "lockfile",
        "gin-gonic/gin:go.sum#L72-L78",
        "github.com/twitchyliquid64/golang-asm v0.15.1 h1:SU5vSMR7hnwNxj24w34ZyCi/FmDZTkS4MhqMhdFk5YI=\ngithub.com/twitchyliquid64/golang-asm v0.15.1/go.mod h1:a1lVb/DtPvCB8fslRZhAngC2+aY1QWCk3Cedj/Gdt08=\ngithub.com/ugorji/go/codec v1.3.1 h1:waO7eEiFDwidsBN6agj1vJQ4AG7lh2yqXyOXqhgQuyY=\ngithub.com/ugorji/go/codec v1.3.1/go.mod h1:pRBVtBSKl77K30Bv8R2P+cLSGaTtex6fsA2Wjqmfxj4=\ngo.mongodb.org/mongo-driver/v2 v2.5.0 h1:yXUhImUjjAInNcpTcAlPHiT7bIXhshCTL3jVBkF3xaE=\ngo.mongodb.org/mongo-driver/v2 v2.5.0/go.mod h1:yOI9kBsufol30iFsl1slpdq1I0eHPzybRWdyYUs8K/0=\ngo.uber.org/mock v0.6.0 h1:hyF9dfmbgIX5EfOdasqLsWD6xqpNZlXblLB/Dbnwv3Y=",
    ),
    (
        "lockfile",
        "gruntwork-io/terragrunt:docs/src/fixtures/terralith-to-terragrunt/walkthrough/step-2-refactoring/live/.terraform.lock.hcl#L12-L28",
        '    "h1:3fSBwoUdMWy5bkzzlt38c3t2oehD8RGC+zmzFjLly0Q=",\n    "h1:48sjPpD0FP6TkRRdQiwzIbb9TC7/RCnc9UwZWpaFMIg=",\n    "h1:EoQDYEyKtxn8l6L6GJyoDAJcQ9jzG2afMB4x4zUX+2g=",\n    "h1:JsnLwJMWNwFM5bJVTs+sCn+nCbmgGFXHHjhaOLqU76A=",\n    "h1:OzyJEpEhKzbd6MrlOuXl0044PaHtN1yZt8pwmvvd36o=",\n    "h1:X5lyNLD4cRQLFQ4D7RZ8CHev7MNgxI04jiTaYiVbD/A=",\n    "h1:Xcz3FJq9rr9tydyRdNC115+nfjb+DhYI0minfttYCt4=",\n    "h1:Yo/FedZZFpeiJKuRV0kY8a4VrgXxo/9FaHEWL1LC1zg=",\n    "h1:fvDkPtOpGmppQVwEWWxG06aw+9x/cin45AXuzfreaLA=",\n    "h1:g/0wLy+9gp88CgU3NYAKtooRMex58Z/QKrHfo7QZCXI=",\n    "h1:vqJG9VI7EksPt0YsEc2RmgGwUCcDrdw3v484NIxqvkk=",\n    "zh:0df287675010e67011cd830a69fb8c81eb81b8cc82ec21f806bf5b70ffacb94c",\n    "zh:1b0a431e4a51be43b77dc5f790906567a0a6a9e683b442be0cd2758f1e1d5637",\n    "zh:1c58a0335198d558cb2ea83a42ef043b89f817c5e67a54a3746d3a47344ba602",\n    "zh:1ce5a623d2a2d9c006e0009fa67a9d486984abd3084648fcdd7997b7fc022233",\n    "zh:2380bc878d1127d75155df23f8fad4b64fe21db4856070dc084fcde80b856ca9",\n    "zh:51d77a6f1847fbf97874c976cf134b105abce8fce0beba38fc169ab5cfb7de66",',
    ),
    (
        "lockfile",
        "hashicorp/terraform:go.sum#L533-L541",
        "github.com/mitchellh/iochan v1.0.0/go.mod h1:JwYml1nuB7xOzsp52dPpHFffvOCDupsG0QubkSMEySY=\ngithub.com/mitchellh/mapstructure v1.4.3/go.mod h1:bFUtVrKA4DC2yAKiSyO/QUcy7e+RRV2QTWOzhPopBRo=\ngithub.com/mitchellh/mapstructure v1.5.0 h1:jeMsZIYE/09sWLaz43PL7Gy6RuMjD2eJVyuac5Z2hdY=\ngithub.com/mitchellh/mapstructure v1.5.0/go.mod h1:bFUtVrKA4DC2yAKiSyO/QUcy7e+RRV2QTWOzhPopBRo=\ngithub.com/mitchellh/reflectwalk v1.0.2 h1:G2LzWKi524PWgd3mLHV8Y5k7s6XUvT0Gef6zxSIeXaQ=\ngithub.com/mitchellh/reflectwalk v1.0.2/go.mod h1:mSTlrgnPZtwu0c4WaC2kGObEpuNDbx0jmZXqmk4esnw=\ngithub.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421/go.mod h1:6dJC0mAP4ikYIbvyc7fijjWJddQyLn8Ig3JB5CqoB9Q=\ngithub.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd h1:TRLaZ9cD/w8PVh93nsPXa1VrQ6jlwL5oN8l14QlcNfg=\ngithub.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd/go.mod h1:6dJC0mAP4ikYIbvyc7fijjWJddQyLn8Ig3JB5CqoB9Q=",
    ),
    (
        "lockfile",
        "heartcombo/devise:Gemfile.lock#L1-L18",
        "GIT\n  remote: https://github.com/mongodb/mongoid.git\n  revision: 0623af687a234392ed4b8872f474a9208b908500\n  branch: 9.0-stable\n  specs:\n    mongoid (9.0.10)\n      activemodel (>= 5.1, < 8.2, != 7.0.0)\n      concurrent-ruby (>= 1.0.5, < 2.0)\n      mongo (>= 2.18.0, < 3.0.0)\n\nPATH\n  remote: .\n  specs:\n    devise (5.0.3)\n      bcrypt (~> 3.0)\n      orm_adapter (~> 0.1)\n      railties (>= 7.0)\n      responders",
    ),
    (
        "lockfile",
        "helm/helm:pkg/action/testdata/charts/chart-with-lock/Chart.lock#L1-L3",
        'dependencies: []\ndigest: sha256:0000000000000000000000000000000000000000000000000000000000000\ngenerated: "2016-01-01T00:00:00Z"',
    ),
    (
        "lockfile",
        "hoppscotch/hoppscotch:devenv.lock#L43-L49",
        '        "lastModified": 1774273680,\n        "narHash": "sha256-a++tZ1RQsDb1I0NHrFwdGuRlR5TORvCEUksM459wKUA=",\n        "owner": "NixOS",\n        "repo": "nixpkgs",\n        "rev": "fdc7b8f7b30fdbedec91b71ed82f36e1637483ed",\n        "type": "github"\n      },',
    ),
    (
        "lockfile",
        "moment/moment:package-lock.json#L4725-L4741",
        '            },\n            "engines": {\n                "node": ">=10"\n            },\n            "optionalDependencies": {\n                "istanbul": "0.4.5"\n            }\n        },\n        "node_modules/node-releases": {\n            "version": "2.0.14",\n            "resolved": "https://registry.npmjs.org/node-releases/-/node-releases-2.0.14.tgz",\n            "integrity": "sha512-y10wOWt8yZpqXmOgRo77WaHEmhYQYGNA6y421PKsKYWEK8aW+cqAphborZDhqfyKrbZEN92CN1X2KbafY2s7Yw==",\n            "dev": true\n        },\n        "node_modules/node-watch": {\n            "version": "0.7.3",\n            "resolved": "https://registry.npmjs.org/node-watch/-/node-watch-0.7.3.tgz",',
    ),
    (
        "lockfile",
        "npm/cli:package-lock.json#L2673-L2677",
        '      "version": "18.1.1",\n      "resolved": "https://registry.npmjs.org/@octokit/openapi-types/-/openapi-types-18.1.1.tgz",\n      "integrity": "sha512-VRaeH8nCDtF5aXWnjPuEMIYf1itK/s3JYyJcWFJT8X9pSNnBtriDf7wlEWsGuhPLl4QIH4xM8fqTXDwJ3Mu6sw==",\n      "dev": true,\n      "license": "MIT"',
    ),
    (
        "lockfile",
        "outline/outline:yarn.lock#L8290-L8302",
        '  peerDependencies:\n    "@babel/core": ^7.4.0 || ^8.0.0-0 <8.0.0\n  checksum: 10c0/32f70442f142d0f5607f4b57c121c573b106e09da8659c0f03108a85bf1d09ba5bdc89595a82b34ff76c19f1faf3d1c831b56166f03babf69c024f36da77c3bf\n  languageName: node\n  linkType: hard\n\n"babel-plugin-polyfill-regenerator@npm:^0.6.5, babel-plugin-polyfill-regenerator@npm:^0.6.6":\n  version: 0.6.8\n  resolution: "babel-plugin-polyfill-regenerator@npm:0.6.8"\n  dependencies:\n    "@babel/helper-define-polyfill-provider": "npm:^0.6.8"\n  peerDependencies:\n    "@babel/core": ^7.4.0 || ^8.0.0-0 <8.0.0',
    ),
    (
        "lockfile",
        "pallets/flask:uv.lock#L1265-L1279",
        '    { name = "pygments", marker = "python_full_version >= \'3.11\'" },\n    { name = "requests", marker = "python_full_version >= \'3.11\'" },\n    { name = "roman-numerals-py", marker = "python_full_version >= \'3.11\'" },\n    { name = "snowballstemmer", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-applehelp", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-devhelp", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-htmlhelp", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-jsmath", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-qthelp", marker = "python_full_version >= \'3.11\'" },\n    { name = "sphinxcontrib-serializinghtml", marker = "python_full_version >= \'3.11\'" },\n]\nsdist = { url = "https://files.pythonhosted.org/packages/38/ad/4360e50ed56cb483667b8e6dadf2d3fda62359593faabbe749a27c4eaca6/sphinx-8.2.3.tar.gz", hash = "sha256:398ad29dee7f63a75888314e9424d40f52ce5a6a87ae88e7071e80af296ec348", size = 8321876, upload-time = "2025-03-02T22:31:59.658Z" }\nwheels = [\n    { url = "https://files.pythonhosted.org/packages/31/53/136e9eca6e0b9dc0e1962e2c908fbea2e5ac000c2a2fbd9a35797958c48b/sphinx-8.2.3-py3-none-any.whl", hash = "sha256:4405915165f13521d875a8c29c8970800a0141c14cc5416a38feca4ea5d9b9c3", size = 3589741, upload-time = "2025-03-02T22:31:56.836Z" },\n]',
    ),
    (
        "lockfile",
        "prometheus-community/helm-charts:charts/prometheus/Chart.lock#L1-L15",
        'dependencies:\n- name: alertmanager\n  repository: https://prometheus-community.github.io/helm-charts\n  version: 1.42.0\n- name: kube-state-metrics\n  repository: https://prometheus-community.github.io/helm-charts\n  version: 8.4.0\n- name: prometheus-node-exporter\n  repository: https://prometheus-community.github.io/helm-charts\n  version: 4.56.1\n- name: prometheus-pushgateway\n  repository: https://prometheus-community.github.io/helm-charts\n  version: 3.8.0\ndigest: sha256:5d788dab0bb3fe083870a3ca91fe0a930bbcedda7cd202844f6afdab0a3e6d0b\ngenerated: "2026-08-18T19:54:25.385159732Z"',
    ),
    (
        "lockfile",
        "pydantic/pydantic:uv.lock#L1006-L1012",
        '    { url = "https://files.pythonhosted.org/packages/ad/c9/c7761084fa822f07dac38ac29f841d4587570dd211e2262544aa0b791d21/frozenlist-1.5.0-cp311-cp311-manylinux_2_17_ppc64le.manylinux2014_ppc64le.whl", hash = "sha256:a2fe128eb4edeabe11896cb6af88fca5346059f6c8d807e3b910069f39157869", size = 287516, upload-time = "2024-10-23T09:46:45.369Z" },\n    { url = "https://files.pythonhosted.org/packages/a1/ff/cd7479e703c39df7bdab431798cef89dc75010d8aa0ca2514c5b9321db27/frozenlist-1.5.0-cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x.whl", hash = "sha256:1a8ea951bbb6cacd492e3948b8da8c502a3f814f5d20935aae74b5df2b19cf3d", size = 283131, upload-time = "2024-10-23T09:46:46.654Z" },\n    { url = "https://files.pythonhosted.org/packages/59/a0/370941beb47d237eca4fbf27e4e91389fd68699e6f4b0ebcc95da463835b/frozenlist-1.5.0-cp311-cp311-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl", hash = "sha256:de537c11e4aa01d37db0d403b57bd6f0546e71a82347a97c6a9f0dcc532b3a45", size = 261320, upload-time = "2024-10-23T09:46:47.825Z" },\n    { url = "https://files.pythonhosted.org/packages/b8/5f/c10123e8d64867bc9b4f2f510a32042a306ff5fcd7e2e09e5ae5100ee333/frozenlist-1.5.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:9c2623347b933fcb9095841f1cc5d4ff0b278addd743e0e966cb3d460278840d", size = 274877, upload-time = "2024-10-23T09:46:48.989Z" },\n    { url = "https://files.pythonhosted.org/packages/fa/79/38c505601ae29d4348f21706c5d89755ceded02a745016ba2f58bd5f1ea6/frozenlist-1.5.0-cp311-cp311-musllinux_1_2_aarch64.whl", hash = "sha256:cee6798eaf8b1416ef6909b06f7dc04b60755206bddc599f52232606e18179d3", size = 269592, upload-time = "2024-10-23T09:46:50.235Z" },\n    { url = "https://files.pythonhosted.org/packages/19/e2/39f3a53191b8204ba9f0bb574b926b73dd2efba2a2b9d2d730517e8f7622/frozenlist-1.5.0-cp311-cp311-musllinux_1_2_i686.whl", hash = "sha256:f5f9da7f5dbc00a604fe74aa02ae7c98bcede8a3b8b9666f9f86fc13993bc71a", size = 265934, upload-time = "2024-10-23T09:46:51.829Z" },\n    { url = "https://files.pythonhosted.org/packages/d5/c9/3075eb7f7f3a91f1a6b00284af4de0a65a9ae47084930916f5528144c9dd/frozenlist-1.5.0-cp311-cp311-musllinux_1_2_ppc64le.whl", hash = "sha256:90646abbc7a5d5c7c19461d2e3eeb76eb0b204919e6ece342feb6032c9325ae9", size = 283859, upload-time = "2024-10-23T09:46:52.947Z" },',
    ),
    (
        "lockfile",
        "pypa/pipenv:Pipfile.lock#L521-L529",
        '                "sha256:0cef0cdec915d11254a7f549c1170afecce708d30610c6abdded1f74e581666d",\n                "sha256:0e223ce4b4ed47f065bfb123687686512e37629be25cc63728557ae7db261422",\n                "sha256:0e3c426ffc4cd952f54ee9ffbdd10345709ecc78a3ecfd796a57236bfad0b9b8",\n                "sha256:0ecf12ecb326fe2c339d93fc131816f3a7367d223db37817208905c89bded911",\n                "sha256:10a0c37f0b646eaff7cce1874c31d1f1ccb297688d4c747291f4f4c70741cc8b",\n                "sha256:145ede53ccbafb297c1c9287f788d1bc3efd6c900da23bf6931b09eafc931587",\n                "sha256:1b11eef33edeae9d142f9b4358edb76273b3bfd30bc3df9a4f95d0e49caf94e8",\n                "sha256:1b88c69c8ef5d4b6fe7dea66d6636056a0f6a7527c440e890cf9259011f5e606",\n                "sha256:258354455f4e86e3e9d0d17571d522e13b4e1e19bf0f8596bcf9476d61e7d8a9",',
    ),
    (
        "lockfile",
        "python-poetry/poetry:poetry.lock#L706-L711",
        'python-versions = ">=3.8"\ngroups = ["test"]\nfiles = [\n    {file = "execnet-2.1.2-py3-none-any.whl", hash = "sha256:67fba928dd5a544b783f6056f449e5e3931a5c378b128bc18501f7ea79e296ec"},\n    {file = "execnet-2.1.2.tar.gz", hash = "sha256:63d83bfdd9a23e35b9c6a3261412324f964c2ec8dcd8d3c6916ee9373e0befcd"},\n]',
    ),
    (
        "lockfile",
        "sharkdp/bat:flake.lock#L4-L18",
        '      "locked": {\n        "lastModified": 1769789167,\n        "narHash": "sha256-kKB3bqYJU5nzYeIROI82Ef9VtTbu4uA3YydSk/Bioa8=",\n        "owner": "NixOS",\n        "repo": "nixpkgs",\n        "rev": "62c8382960464ceb98ea593cb8321a2cf8f9e3e5",\n        "type": "github"\n      },\n      "original": {\n        "owner": "NixOS",\n        "ref": "nixos-unstable",\n        "repo": "nixpkgs",\n        "type": "github"\n      }\n    },',
    ),
    (
        "lockfile",
        "snipe/snipe-it:composer.lock#L11090-L11094",
        '                "type": "zip",\n                "url": "https://api.github.com/repos/tabuna/breadcrumbs/zipball/1d9047306f67e7fcc86fc7e608f1432f247636da",\n                "reference": "1d9047306f67e7fcc86fc7e608f1432f247636da",\n                "shasum": ""\n            },',
    ),
    (
        "lockfile",
        "spf13/cobra:go.sum#L3-L12",
        "github.com/inconshreveable/mousetrap v1.1.0 h1:wN+x4NVGpMsO7ErUn/mUI3vEoE6Jt13X2s0bqwp9tc8=\ngithub.com/inconshreveable/mousetrap v1.1.0/go.mod h1:vpF70FUmC8bwa3OWnCshd2FqLfsEA9PFc4w1p2J65bw=\ngithub.com/russross/blackfriday/v2 v2.1.0 h1:JIOH55/0cWyOuilr9/qlrm0BSXldqnqwMsf35Ld67mk=\ngithub.com/russross/blackfriday/v2 v2.1.0/go.mod h1:+Rmxgy9KzJVeS9/2gXHxylqXiyQDYRxCVz55jmeOWTM=\ngithub.com/spf13/pflag v1.0.9 h1:9exaQaMOCwffKiiiYk6/BndUBv+iRViNW+4lEMi0PvY=\ngithub.com/spf13/pflag v1.0.9/go.mod h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=\ngo.yaml.in/yaml/v3 v3.0.4 h1:tfq32ie2Jv2UxXFdLJdh3jXuOzWiL1fo0bu/FbuKpbc=\ngo.yaml.in/yaml/v3 v3.0.4/go.mod h1:DhzuOOF2ATzADvBadXxruRBLzYTpT36CKvDb3+aBEFg=\ngopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405 h1:yhCVgyC4o1eVCa2tZl7eS0r+SDo693bJlVdllGtEeKM=\ngopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405/go.mod h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=",
    ),
    (
        "lockfile",
        "sveltejs/svelte:pnpm-lock.yaml#L1726-L1738",
        "    engines: {node: '>= 4'}\n\n  immutable@4.3.8:\n    resolution: {integrity: sha512-d/Ld9aLbKpNwyl0KiM2CT1WYvkitQ1TSvmRtkcV8FKStiDoA7Slzgjmb/1G2yhKM1p0XeNOieaTbFZmU1d3Xuw==}\n\n  imurmurhash@0.1.4:\n    resolution: {integrity: sha512-JmXMZ6wuvDmLiHEml9ykzqO6lwFbof0GG4IkcGaENdCRDDmMVnny7s5HsIgHCbaq0w2MyPhDqkhTUgS2LU2PHA==}\n    engines: {node: '>=0.8.19'}\n\n  is-binary-path@2.1.0:\n    resolution: {integrity: sha512-ZMERYes6pDydyuGidse7OsHxtbI7WVeUEozgR/g7rd0xUimYNlvZRE/K2MgZTjWy725IfelLeVcEM97mmtRGXw==}\n    engines: {node: '>=8'}\n",
    ),
    (
        "lockfile",
        "traefik/traefik:flake.lock#L19-L29",
        '        "narHash": "sha256-mz05b1VyLWoTkNg8iJr3yXFJF7HDlwIUKI3ln39RacY=",\n        "owner": "NixOS",\n        "repo": "nixpkgs",\n        "rev": "80d901ec0377e19ac3f7bb8c035201e2e098cc97",\n        "type": "github"\n      },\n      "original": {\n        "owner": "NixOS",\n        "repo": "nixpkgs",\n        "rev": "80d901ec0377e19ac3f7bb8c035201e2e098cc97",\n        "type": "github"',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/audit.js.test.cjs#L174-L183",
        "audited 1 package in xxx\n\n1 package has a verified registry signature\n`\n\nexports[`test/lib/commands/audit.js TAP audit signatures third-party registry with sub-path > must match snapshot 1`] = `\naudited 1 package in xxx\n\n1 package has a verified registry signature\n`",
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/audit.js.test.cjs#L88-L108",
        '      "name": "sigstore",\n      "registry": "https://registry.npmjs.org/",\n      "resolved": "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz",\n      "signature": "MEYCIQD10kAn3lC/1rJvXBtSDckbqkKEmz369gPDKb4lG4zMKQIhAP1+RhbMcASsfXhxpXKNCAjJb+3Av3Br95eKD7VL/BEB",\n      "predicateType": "https://slsa.dev/provenance/v0.2",\n      "type": "dependencies",\n      "version": "1.0.0"\n    }\n  ],\n  "missing": []\n}\n`\n\nexports[`test/lib/commands/audit.js TAP audit signatures json output with invalid signatures > must match snapshot 1`] = `\n{\n  "invalid": [\n    {\n      "code": "EINTEGRITYSIGNATURE",\n      "message": "kms-demo@1.0.0 has an invalid registry signature with keyid: SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA and signature: bogus",\n      "integrity": "sha512-QqZ7VJ/8xPkS9s2IWB7Shj3qTJdcRyeXKbPQnsZjsPEwvutGv0EGeVchPcauoiDFJlGbZMFq5GDCurAGNSghJQ==",\n      "keyid": "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA",',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/config.js.test.cjs#L175-L188",
        '\n_auth = (protected)\naccess = null\nall = false\nallow-same-version = false\nalso = null\naudit = true\naudit-level = null\nauth-type = "web"\nbefore = null\nbin-links = true\nbrowser = null\nca = null\n; cache = "{CACHE}" ; overridden by cli',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/install.js.test.cjs#L11-L30",
        'silly config load:file:{CWD}/home/.npmrc\nsilly config load:file:{CWD}/global/etc/npmrc\nverbose title npm\nverbose argv "--fetch-retries" "0" "--cache" "{CWD}/cache" "--loglevel" "silly" "--color" "false"\nverbose logfile logs-max:10 dir:{CWD}/cache/_logs/{DATE}-\nverbose logfile {CWD}/cache/_logs/{DATE}-debug-0.log\nsilly logfile done cleaning log files\nwarn EBADDEVENGINES The developer of this package has specified the following through devEngines\nwarn EBADDEVENGINES Invalid engine "runtime"\nwarn EBADDEVENGINES Invalid semver version "0.0.1" does not match "v1337.0.0" for "runtime"\nwarn EBADDEVENGINES {\nwarn EBADDEVENGINES   current: { name: \'node\', version: \'v1337.0.0\' },\nwarn EBADDEVENGINES   required: { name: \'node\', version: \'0.0.1\', onFail: \'warn\' }\nwarn EBADDEVENGINES }\nsilly packumentCache heap:{heap} maxSize:{maxSize} maxEntrySize:{maxEntrySize}\nsilly idealTree buildDeps\nsilly reify moves {}\nsilly audit report null\n\nup to date, audited 1 package in {TIME}',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/ls.js.test.cjs#L59-L76",
        "\nexports[`test/lib/commands/ls.js TAP ls --dev > should output tree containing dev deps 1`] = `\ntest-npm-ls@1.0.0 {CWD}/prefix\n\\`-- dev-dep@1.0.0\n  \\`-- foo@1.0.0\n    \\`-- dog@1.0.0\n`\n\nexports[`test/lib/commands/ls.js TAP ls --link > should output tree containing linked deps 1`] = `\ntest-npm-ls@1.0.0 {CWD}/prefix\n\\`-- linked-dep@1.0.0 -> ./linked-dep\n`\n\nexports[`test/lib/commands/ls.js TAP ls --long --depth=0 > should output tree containing top-level deps with descriptions 1`] = `\ntest-npm-ls@1.0.0\n| {CWD}/prefix\n| \n+-- chai@1.0.0",
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/outdated.js.test.cjs#L65-L88",
        '    "wanted": "1.0.1",\n    "latest": "1.0.1",\n    "dependent": "prefix",\n    "location": "{CWD}/prefix/node_modules/cat"\n  },\n  "chai": {\n    "current": "1.0.0",\n    "wanted": "1.0.1",\n    "latest": "1.0.1",\n    "dependent": "prefix",\n    "location": "{CWD}/prefix/node_modules/chai"\n  },\n  "dog": {\n    "current": "1.0.1",\n    "wanted": "1.0.1",\n    "latest": "2.0.0",\n    "dependent": "prefix",\n    "location": "{CWD}/prefix/node_modules/dog"\n  },\n  "theta": {\n    "wanted": "1.0.1",\n    "latest": "1.0.1",\n    "dependent": "prefix"\n  }',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/publish.js.test.cjs#L299-L310",
        '  "Tarball Details",\n  "name: @npm/test-package",\n  "version: 1.0.0",\n  "filename: npm-test-package-1.0.0.tgz",\n  "package size: {size}",\n  "unpacked size: 55 B",\n  "shasum: {sha}",\n  "integrity: {integrity}\n  "total files: 1",\n  "Publishing to https://registry.npmjs.org/ with tag latest and restricted access",\n]\n`',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/publish.js.test.cjs#L76-L95",
        '`\n\nexports[`test/lib/commands/publish.js TAP ignore-scripts > new package version 1`] = `\n+ test-package@1.0.0\n`\n\nexports[`test/lib/commands/publish.js TAP json > must match snapshot 1`] = `\nArray [\n  "Publishing to https://registry.npmjs.org/ with tag latest and default access",\n]\n`\n\nexports[`test/lib/commands/publish.js TAP json > new package json 1`] = `\n{\n  "id": "test-package@1.0.0",\n  "name": "test-package",\n  "version": "1.0.0",\n  "size": "{size}",\n  "unpackedSize": 87,\n  "shasum": "{sha}",',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/commands/view.js.test.cjs#L524-L544",
        '  },\n  "error": {\n    "missing-package": {\n      "code": "E404",\n      "summary": "404",\n      "detail": ""\n    }\n  }\n}\n`\n\nexports[`test/lib/commands/view.js TAP workspaces 404 workspaces json with package named error > must match snapshot 1`] = `\nwarn overwriting existing error on json output\n{\n  "error": {\n    "missing-package": {\n      "code": "E404",\n      "summary": "404",\n      "detail": ""\n    }\n  }',
    ),
    (
        "log",
        "npm/cli:tap-snapshots/test/lib/utils/error-message.js.test.cjs#L1285-L1294",
        '  "detail": Array [\n    Array [\n      "typeerror",\n      String(\n        This is an error with npm itself. Please report this error at:\n          https://github.com/npm/cli/issues\n      ),\n    ],\n  ],\n  "summary": Array [',
    ),
    (
        "log",
        "pypa/pip:docs/html/cli/pip_download.rst#L124-L147",
        "      .. code-block:: shell\n\n         python -m pip download \\\n            --only-binary=:all: \\\n            --platform linux_x86_64 \\\n            --python-version 3 \\\n            --implementation cp \\\n            --abi cp34m \\\n            SomePackage\n\n   .. tab:: Windows\n\n      .. code-block:: shell\n\n         py -m pip download ^\n            --only-binary=:all: ^\n            --platform linux_x86_64 ^\n            --python-version 3 ^\n            --implementation cp ^\n            --abi cp34m ^\n            SomePackage\n\n#. Force platform, implementation, and abi agnostic deps.\n",
    ),
    (
        "log",
        "pypa/pip:docs/html/cli/pip_hash.rst#L55-L72",
        "         Saved ./pip_downloads/SomePackage-2.2.tar.gz\n      Successfully downloaded SomePackage\n      $ python -m pip hash ./pip_downloads/SomePackage-2.2.tar.gz\n      ./pip_downloads/SomePackage-2.2.tar.gz:\n      --hash=sha256:93e62e05c7ad3da1a233def6731e8285156701e3419a5fe279017c429ec67ce0\n\n.. tab:: Windows\n\n   .. code-block:: console\n\n      C:\\> py -m pip download SomePackage\n      Collecting SomePackage\n         Downloading SomePackage-2.2.tar.gz\n         Saved ./pip_downloads/SomePackage-2.2.tar.gz\n      Successfully downloaded SomePackage\n      C:\\> py -m pip hash ./pip_downloads/SomePackage-2.2.tar.gz\n      ./pip_downloads/SomePackage-2.2.tar.gz:\n      --hash=sha256:93e62e05c7ad3da1a233def6731e8285156701e3419a5fe279017c429ec67ce0",
    ),
    (
        "log",
        "pypa/pip:docs/html/cli/pip_inspect.rst#L18-L28",
        '\n   .. pip-command-usage:: inspect "py -m pip"\n\n\nDescription\n===========\n\n.. pip-command-description:: inspect\n\nThe format of the JSON output is described in :doc:`../reference/inspect-report`.\n',
    ),
    (
        "log",
        "pypa/pip:docs/html/cli/pip_install.rst#L228-L244",
        "This is now covered in :doc:`../topics/https-certificates`.\n\n.. _`0-caching`:\n.. rubric:: Caching\n\nThis is now covered in :doc:`../topics/caching`.\n\n.. _`0-wheel-cache`:\n.. rubric:: Wheel Cache\n\nThis is now covered in :doc:`../topics/caching`.\n\n.. _`0-hash-checking-mode`:\n.. rubric:: Hash checking mode\n\nThis is now covered in :doc:`../topics/secure-installs`.\n",
    ),
    (
        "log",
        "pypa/pip:docs/html/cli/pip_list.rst#L2-L13",
        "\n========\npip list\n========\n\n\n\nUsage\n=====\n\n.. tab:: Unix/macOS\n",
    ),
    (
        "log",
        "pypa/pip:docs/html/topics/authentication.md#L3-L12",
        "## Basic HTTP authentication\n\nPip supports basic HTTP-based authentication credentials. This is done by\nproviding the username (and optionally password) in the URL:\n\n```\nhttps://username:password@pypi.company.com/simple\n```\n\nFor indexes that only require single-part authentication tokens, provide the",
    ),
    (
        "log",
        "pypa/pip:docs/html/topics/secure-installs.md#L12-L24",
        "## Hash-checking Mode\n\n```{versionadded} 8.0\n\n```\n\nThis mode uses local hashes, embedded in a requirements.txt file, to protect against remote tampering and network issues. These hashes are specified using a `--hash` [per requirement option](per-requirement-options).\n\nNote that hash-checking is an all-or-nothing proposition. Specifying `--hash` against _any_ requirement will activate this mode globally.\n\nTo add hashes for a package, add them to line as follows:\n\n```",
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/getting-started.rst#L175-L193",
        "            assert self.value == 1\n\n        def test_two(self):\n            assert self.value == 1\n\n\n.. code-block:: pytest\n\n    $ pytest -k TestClassDemoInstance -q\n    .F                                                                   [100%]\n    ================================= FAILURES =================================\n    ______________________ TestClassDemoInstance.test_two ______________________\n\n    self = <test_class_demo.TestClassDemoInstance object at 0xdeadbeef0002>\n\n        def test_two(self):\n    >       assert self.value == 1\n    E       assert 0 == 1\n    E        +  where 0 = <test_class_demo.TestClassDemoInstance object at 0xdeadbeef0002>.value",
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/assert.rst#L426-L437",
        "    FAILED test_assert2.py::test_set_comparison - AssertionError: assert {'0'...\n    ============================ 1 failed in 0.12s =============================\n\nSpecial comparisons are done for a number of cases:\n\n* comparing long strings: a context diff is shown\n* comparing long sequences: first failing indices\n* comparing dicts: different entries\n\nSee the :ref:`reporting demo <tbreportdemo>` for many more examples.\n\nDefining your own explanation for failed assertions",
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/cache.rst#L89-L106",
        '    platform linux -- Python 3.x.y, pytest-9.x.y, pluggy-1.x.y\n    rootdir: /home/sweet/project\n    collected 2 items\n    run-last-failure: rerun previous 2 failures\n\n    test_50.py FF                                                        [100%]\n\n    ================================= FAILURES =================================\n    _______________________________ test_num[17] _______________________________\n\n    i = 17\n\n        @pytest.mark.parametrize("i", range(50))\n        def test_num(i):\n            if i in (17, 25):\n    >           pytest.fail("bad luck")\n    E           Failed: bad luck\n',
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/failures.rst#L1-L27",
        ".. _how-to-handle-failures:\n\nHow to handle test failures\n=============================\n\n.. _maxfail:\n\nStopping after the first (or N) failures\n---------------------------------------------------\n\nTo stop the testing process after the first (N) failures:\n\n.. code-block:: bash\n\n    pytest -x           # stop after first failure\n    pytest --maxfail=2  # stop after two failures\n\n\n.. _pdb-option:\n\nUsing :doc:`python:library/pdb` with pytest\n-------------------------------------------\n\nDropping to :doc:`pdb <python:library/pdb>` on failures\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n\nPython comes with a builtin Python debugger called :doc:`pdb <python:library/pdb>`.  ``pytest``",
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/fixtures.rst#L759-L780",
        '\n    @pytest.fixture\n    def fix_w_yield1():\n        yield\n        print("after_yield_1")\n\n\n    @pytest.fixture\n    def fix_w_yield2():\n        yield\n        print("after_yield_2")\n\n\n.. code-block:: pytest\n\n    $ pytest -s test_finalizers.py\n    =========================== test session starts ============================\n    platform linux -- Python 3.x.y, pytest-9.x.y, pluggy-1.x.y\n    rootdir: /home/sweet/project\n    collected 1 item\n\n    test_finalizers.py test_bar',
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/output.rst#L214-L241",
        "* ``test_numbers_fail`` now shows a text diff of the two dictionaries, truncated.\n* ``test_long_text_fail`` no longer truncates the right hand side of the ``in`` statement, because the internal\n  threshold for truncation is larger now (2400 characters currently).\n\nNow if we increase verbosity even more:\n\n.. code-block:: pytest\n\n    $ pytest --no-header -vv\n    =========================== test session starts ============================\n    collecting ... collected 4 items\n\n    test_verbosity_example.py::test_ok PASSED                            [ 25%]\n    test_verbosity_example.py::test_words_fail FAILED                    [ 50%]\n    test_verbosity_example.py::test_numbers_fail FAILED                  [ 75%]\n    test_verbosity_example.py::test_long_text_fail FAILED                [100%]\n\n    ================================= FAILURES =================================\n    _____________________________ test_words_fail ______________________________\n\n        def test_words_fail():\n            fruits1 = [\"banana\", \"apple\", \"grapes\", \"melon\", \"kiwi\"]\n            fruits2 = [\"banana\", \"apple\", \"orange\", \"melon\", \"kiwi\"]\n    >       assert fruits1 == fruits2\n    E       AssertionError: assert ['banana', 'apple', 'grapes', 'melon', 'kiwi'] == ['banana', 'apple', 'orange', 'melon', 'kiwi']\n    E\n    E         At index 2 diff: 'grapes' != 'orange'\n    E",
    ),
    (
        "log",
        "pytest-dev/pytest:doc/en/how-to/skipping.rst#L370-L384",
        "Running it with the report-on-xfail option gives this output:\n\n.. FIXME: Use $ instead of ! again to re-enable regendoc once it's fixed:\n   https://github.com/pytest-dev/pytest/issues/8807\n\n.. code-block:: pytest\n\n    ! pytest -rx xfail_demo.py\n    =========================== test session starts ============================\n    platform linux -- Python 3.x.y, pytest-6.x.y, py-1.x.y, pluggy-1.x.y\n    cachedir: $PYTHON_PREFIX/.pytest_cache\n    rootdir: $REGENDOC_TMPDIR/example\n    collected 7 items\n\n    xfail_demo.py xxxxxxx                                                [100%]",
    ),
    (
        "minified_js",
        "axios/axios:dist/axios.min.js",
        'ey),n)}}function y(e,t,r){return t&&v(e.prototype,t),r&&v(e,r),Object.defineProperty(e,"prototype",{writable:!1}),e}function m(e,t,r){return(t=c(t))in e?Object.defineProperty(e,t,{value:r,enumerable:!0,configurable:!0,writable:!0}):e[t]=r,e}function b(e,t){return w(e)||function(e,t){var r=null==e?null:"undefined"!=typeof Symbol&&e[Symbol.iterator]||e["@@iterator"];if(null!=r){var n,o,i,a,u=[],s=!0,c=!1;try{if(i=(r=r.call(e)).next,0===t){if(Object(r)!==r)return;s=!1}else for(;!(s=(n=i.call(r)).done)&&(u.push(n.value),u.length!==t);s=!0);}catch(e){c=!0,o=e}finally{try{if(!s&&null!=r.return&&(a=r.return(),Object(a)!==a))return}finally{if(c)throw o}}return u}}(e,t)||O(e,t)||x()}function g(e){return function(e){if(Array.isArray(e))return S(e)}(e)||E(e)||O(e)||function(){throw new TypeError("Invalid attempt to spread non-iterable instance.\\nIn order to be iterable, non-array objects must have a [Symbol.iterator]() method.")}()}function w(e){if(Array.isArray(e))return e}function E(e){if("undefined"!=typeof Symbol&&null!=e[Symbol.iterator]||null!=e["@@iterator"])return Array.from(e)}function O(e,t){if(e){if("string"==typeof e)return',
    ),
    (
        "minified_js",
        "moment/moment:min/locales.min.js",
        '","\\u09e8":"2","\\u09e9":"3","\\u09ea":"4","\\u09eb":"5","\\u09ec":"6","\\u09ed":"7","\\u09ee":"8","\\u09ef":"9","\\u09e6":"0"},Z=(e.defineLocale("bn-bd",{months:"\\u099c\\u09be\\u09a8\\u09c1\\u09df\\u09be\\u09b0\\u09bf_\\u09ab\\u09c7\\u09ac\\u09cd\\u09b0\\u09c1\\u09df\\u09be\\u09b0\\u09bf_\\u09ae\\u09be\\u09b0\\u09cd\\u099a_\\u098f\\u09aa\\u09cd\\u09b0\\u09bf\\u09b2_\\u09ae\\u09c7_\\u099c\\u09c1\\u09a8_\\u099c\\u09c1\\u09b2\\u09be\\u0987_\\u0986\\u0997\\u09b8\\u09cd\\u099f_\\u09b8\\u09c7\\u09aa\\u09cd\\u099f\\u09c7\\u09ae\\u09cd\\u09ac\\u09b0_\\u0985\\u0995\\u09cd\\u099f\\u09cb\\u09ac\\u09b0_\\u09a8\\u09ad\\u09c7\\u09ae\\u09cd\\u09ac\\u09b0_\\u09a1\\u09bf\\u09b8\\u09c7\\u09ae\\u09cd\\u09ac\\u09b0".split("_"),monthsShort:"\\u099c\\u09be\\u09a8\\u09c1_\\u09ab\\u09c7\\u09ac\\u09cd\\u09b0\\u09c1_\\u09ae\\u09be\\u09b0\\u09cd\\u099a_\\u098f\\u09aa\\u09cd\\u09b0\\u09bf\\u09b2_\\u09ae\\u09c7_\\u099c\\u09c1\\u09a8_\\u099c\\u09c1\\u09b2\\u09be\\u0987_\\u0986\\u0997\\u09b8\\u09cd\\u099f_\\u09b8\\u09c7\\u09aa\\u09cd\\u099f_\\u0985\\u0995\\u09cd\\u099f\\u09cb_\\u09a8\\u09ad\\u09c7_\\u09a1\\u09bf\\u09b8\\u09c7".split("_"),weekdays:"\\u09b0\\u09ac\\u09bf\\u09ac\\u09be\\u09b0_\\u09b8\\u09cb\\u09ae\\u09ac\\u09be\\u09b0_\\u09ae\\u0999\\u09cd\\u0997\\u09b2\\u09ac\\u09be\\u09b0_\\u09ac\\u09c1\\u09a7\\u09ac\\u09be\\u09b0_\\u09ac\\u09c3\\u09b9\\u09b8\\u09cd\\u09aa\\u09a4\\u09bf\\u09ac\\u09be\\u09b0_\\u09b6\\u09c1\\u0995\\u09cd\\u09b0\\u09ac\\u09be\\u09b0_\\u09b6\\u09a8\\u09bf\\u09ac\\u09be\\u09b0".split("_"),weekdaysShort:"\\u09b0\\u09ac\\u09bf_\\u09b8\\u09cb\\u09ae_\\u09ae\\u0999\\u09cd\\u0997\\u09b2_\\u09ac\\u09c1\\u09a7_\\u09ac\\u09c3\\u09b9\\u09b8\\u0',
    ),
    (
        "minified_js",
        "moment/moment:min/locales.min.js",
        '\\u0646\\u064a\\u0629"],m:["\\u0623\\u0642\\u0644 \\u0645\\u0646 \\u062f\\u0642\\u064a\\u0642\\u0629","\\u062f\\u0642\\u064a\\u0642\\u0629 \\u0648\\u0627\\u062d\\u062f\\u0629",["\\u062f\\u0642\\u064a\\u0642\\u062a\\u0627\\u0646","\\u062f\\u0642\\u064a\\u0642\\u062a\\u064a\\u0646"],"%d \\u062f\\u0642\\u0627\\u0626\\u0642","%d \\u062f\\u0642\\u064a\\u0642\\u0629","%d \\u062f\\u0642\\u064a\\u0642\\u0629"],h:["\\u0623\\u0642\\u0644 \\u0645\\u0646 \\u0633\\u0627\\u0639\\u0629","\\u0633\\u0627\\u0639\\u0629 \\u0648\\u0627\\u062d\\u062f\\u0629",["\\u0633\\u0627\\u0639\\u062a\\u0627\\u0646","\\u0633\\u0627\\u0639\\u062a\\u064a\\u0646"],"%d \\u0633\\u0627\\u0639\\u0627\\u062a","%d \\u0633\\u0627\\u0639\\u0629","%d \\u0633\\u0627\\u0639\\u0629"],d:["\\u0623\\u0642\\u0644 \\u0645\\u0646 \\u064a\\u0648\\u0645","\\u064a\\u0648\\u0645 \\u0648\\u0627\\u062d\\u062f",["\\u064a\\u0648\\u0645\\u0627\\u0646","\\u064a\\u0648\\u0645\\u064a\\u0646"],"%d \\u0623\\u064a\\u0627\\u0645","%d \\u064a\\u0648\\u0645\\u064b\\u0627","%d \\u064a\\u0648\\u0645"],M:["\\u0623\\u0642\\u0644 \\u0645\\u0646 \\u0634\\u0647\\u0631","\\u0634\\u0647\\u0631 \\u0648\\u0627\\u062d\\u062f",["\\u0634\\u0647\\u0631\\u0627\\u0646","\\u0634\\u0647\\u0631\\u064a\\u0646"],"%d \\u0623\\u0634\\u0647\\u0631","%d \\u0634\\u0647\\u0631\\u0627","%d \\u0634\\u0647\\u0631"],y:["\\u0623\\u0642\\u0644 \\u0645\\u0646 \\u0639\\u0627\\u0645","\\u0639\\u0627\\u0645 \\u0648\\u0627\\u062d\\u062f",["\\u0639\\u0627\\u0645\\u0627\\u0646","\\u0639\\u0627\\u0645\\u064a\\u0646"],"%d \\u0623\\u0639\\u0648\\u0627\\u06',
    ),
    (
        "minified_js",
        "moment/moment:min/locales.min.js",
        '2d59\\u2d30\\u2d4f",M:"\\u2d30\\u2d62o\\u2d53\\u2d54",MM:"%d \\u2d49\\u2d62\\u2d62\\u2d49\\u2d54\\u2d4f",y:"\\u2d30\\u2d59\\u2d33\\u2d30\\u2d59",yy:"%d \\u2d49\\u2d59\\u2d33\\u2d30\\u2d59\\u2d4f"},week:{dow:6,doy:12}}),e.defineLocale("ug-cn",{months:"\\u064a\\u0627\\u0646\\u06cb\\u0627\\u0631_\\u0641\\u06d0\\u06cb\\u0631\\u0627\\u0644_\\u0645\\u0627\\u0631\\u062a_\\u0626\\u0627\\u067e\\u0631\\u06d0\\u0644_\\u0645\\u0627\\u064a_\\u0626\\u0649\\u064a\\u06c7\\u0646_\\u0626\\u0649\\u064a\\u06c7\\u0644_\\u0626\\u0627\\u06cb\\u063a\\u06c7\\u0633\\u062a_\\u0633\\u06d0\\u0646\\u062a\\u06d5\\u0628\\u0649\\u0631_\\u0626\\u06c6\\u0643\\u062a\\u06d5\\u0628\\u0649\\u0631_\\u0646\\u0648\\u064a\\u0627\\u0628\\u0649\\u0631_\\u062f\\u06d0\\u0643\\u0627\\u0628\\u0649\\u0631".split("_"),monthsShort:"\\u064a\\u0627\\u0646\\u06cb\\u0627\\u0631_\\u0641\\u06d0\\u06cb\\u0631\\u0627\\u0644_\\u0645\\u0627\\u0631\\u062a_\\u0626\\u0627\\u067e\\u0631\\u06d0\\u0644_\\u0645\\u0627\\u064a',
    ),
    (
        "minified_js",
        "moment/moment:min/moment.min.js",
        'cond()}),s(0,["SSSSS",5],0,function(){return 100*this.millisecond()}),s(0,["SSSSSS",6],0,function(){return 1e3*this.millisecond()}),s(0,["SSSSSSS",7],0,function(){return 1e4*this.millisecond()}),s(0,["SSSSSSSS",8],0,function(){return 1e5*this.millisecond()}),s(0,["SSSSSSSSS",9],0,function(){return 1e6*this.millisecond()}),h("S",ye,de),h("SS",ye,t),h("SSS",ye,he),ln="SSSS";ln.length<=9;ln+="S")h(ln,pe);function dn(e,t){t[Te]=M(1e3*("0."+e))}for(ln="S";ln.length<=9;ln+="S")v(ln,dn);fe=Re("Milliseconds",!1),s("z",0,0,"zoneAbbr"),s("zz",0,0,"zoneName");u=$.prototype;function hn(e){return e}u.add=Fe,u.calendar=function(e,t){1===arguments.length&&(arguments[0]?Jt(arguments[0])?(e=arguments[0],t=void 0):function(e){for(var t=F(e)&&!L(e),n=!1,s=["sameDay","nextDay","lastDay","nextWeek","lastWeek","sameElse"],i=0;i<s.length;i+=1)n=n||c(e,s[i]);return t&&n}(arguments[0])&&(t=arguments[0],e=void 0):t=e=void 0);var e=e||R(),n=Gt(e,this).startOf("day"),n=_.calendarFormat(this,n)||"sameElse",t=t&&(a(t[n])?t[n].call(this,e):t[n]);return this.format(t||this.localeData().calendar(n,this,R(e)))},u.clone=functio',
    ),
    (
        "minified_js",
        "moment/moment:min/moment.min.js",
        "t.bigHour),null!=Object.isFrozen&&Object.isFrozen(e)?s:(e._isValid=s,e._isValid)}function I(e){var t=l(NaN);return null!=e?E(p(t),e):p(t).userInvalidated=!0,t}var j=Array.prototype.some||function(e){for(var t=Object(this),n=t.length>>>0,s=0;s<n;s++)if(s in t&&e.call(this,t[s],s,t))return!0;return!1},Z=_.momentProperties=[],z=!1;function q(e,t){var n,s,i,r=Z.length;if(g(t._isAMomentObject)||(e._isAMomentObject=t._isAMomentObject),g(t._i)||(e._i=t._i),g(t._f)||(e._f=t._f),g(t._l)||(e._l=t._l),g(t._strict)||(e._strict=t._strict),g(t._tzm)||(e._tzm=t._tzm),g(t._isUTC)||(e._isUTC=t._isUTC),g(t._offset)||(e._offset=t._offset),g(t._pf)||(e._pf=p(t)),g(t._locale)||(e._locale=t._locale),0<r)for(n=0;n<r;n++)g(i=t[s=Z[n]])||(e[s]=i);return e}function $(e){q(this,e),this._d=new Date(null!=e._d?e._d.getTime():NaN),this.isValid()||(this._d=new Date(NaN))",
    ),
    (
        "minified_js",
        "moment/moment:min/moment.min.js",
        ',n.milliseconds=+t-+e.clone().add(n.months,"M"),n}function qt(s,i){return function(e,t){var n;return null===t||isNaN(+t)||(Q(i,"moment()."+i+"(period, number) is deprecated. Please use moment()."+i+"(number, period). See http://momentjs.com/guides/#/warnings/add-inverted-param/ for more info."),n=e,e=t,t=n),$t(this,C(e,t),s),this}}function $t(e,t,n,s){var i=t._milliseconds,r=Ht(t._days),t=Ht(t._months);e.isValid()&&(s=null==s||s,t&&Ae(e,Ce(e,"Month")+t*n),r&&Ue(e,"Date",Ce(e,"Date")+r*n),i&&e._d.setTime(e._d.valueOf()+i*n),s)&&_.updateOffset(e,r||t)}C.fn=Ct.prototype,C.invalid=function(){return C(NaN)};Fe=qt(1,"add"),Qe=qt(-1,"subtract");function Bt(e){return"string"==typeof e||e instanceof String}function Jt(e){return k(e)||V(e)||Bt(e)||w(e)||function(t){var',
    ),
    (
        "minified_js",
        "moment/moment:min/moment.min.js",
        'n u[s];break;case"NNNN":if(r===e)return u[s];break;case"NNNNN":if(o===e)return u[s];break}else if(0<=[r,a,o].indexOf(e))return u[s]},d.erasConvertYear=function(e,t){var n=e.since<=e.until?1:-1;return void 0===t?_(e.since).year():_(e.since).year()+(t-e.offset)*n},d.erasAbbrRegex=function(e){return c(this,"_erasAbbrRegex")||an.call(this),e?this._erasAbbrRegex:this._erasRegex},d.erasNameRegex=function(e){return c(this,"_erasNameRegex")||an.call(this),e?this._erasNameRegex:this._erasRegex},d.erasNarrowRegex=function(e){return c(this,"_erasNarrowRegex")||an.call(this),e?this._erasNarrowRegex:this._erasRegex},d.months=fun',
    ),
    (
        "minified_js",
        "moment/moment:min/moment.min.js",
        '1),s("z",0,0,"zoneAbbr"),s("zz",0,0,"zoneName");u=$.prototype;function hn(e){return e}u.add=Fe,u.calendar=function(e,t){1===arguments.length&&(arguments[0]?Jt(arguments[0])?(e=arguments[0],t=void 0):function(e){for(var t=F(e)&&!L(e),n=!1,s=["sameDay","nextDay","lastDay","nextWeek","lastWeek","sameElse"],i=0;i<s.length;i+=1)n=n||c(e,s[i]);return t&&n}(arguments[0])&&(t=arguments[0],e=void 0):t=e=void 0);var e=e||R(),n=Gt(e,this).startOf("day"),n=_.calendarFormat(this,n)||"sameElse",t=t&&(a(t[n])?t[n].call(this,e):t[n]);return this.format(t||this.localeData().calendar(n,this,R(e)))},u.clone=function(){return new $(this)},u.diff=function(e,t,n){var s,i,r;if(!this.isValid())return NaN;if(!(s=Gt(e,this)).isValid())return NaN;switch(i=6e4*(s.',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/FileSaver.min.js",
        'load"in r,a=function(e){var t=new MouseEvent("click");e.dispatchEvent(t)},i=/constructor/i.test(e.HTMLElement)||e.safari,f=/CriOS\\/[\\d]+/.test(navigator.userAgent),u=function(t){(e.setImmediate||e.setTimeout)(function(){throw t},0)},s="application/octet-stream",d=1e3*40,c=function(e){var t=function(){if(typeof e==="string"){n().revokeObjectURL(e)}else{e.remove()}};setTimeout(t,d)},l=function(e,t,n){t=[].concat(t);var r=t.length;while(r--){var o=e["on"+t[r]];if(typeof o==="function"){try{o.call(e,n||e)}catch(a){u(a)}}}},p=function(e){if(/^\\s*(?:text\\/\\S*|application\\/xml|\\S*\\/\\S*\\+xml)\\s*;.*charset\\s*=\\s*utf-8/i.test(e.type)){return new Blob([String.fromCharCode(65279),e],{type:e.type})}return e},v=function(t,u,d){if(!d){t=p(t)}var v=this,w=t.type,m=w===s,y,h=function(){l(v,"writestart progress write writeend".split(" "))},S=function(){if((f||m&&i)&&e.FileReader){var r=new FileReader;r.onloadend=function(){var t=f?r.result:r.result.replace(/^data:[^;]*;/,"data:attachment/file;");var n=e.open(t,"_blank");if(!n)e.location.href=t;t=undefined;v.readyState=v.DONE;h()};r.readAsDataURL(t);v.readyState=v.INIT;return}if(!y){y=n().createObjectURL(t)}if(m){e.location.href=y}else{var o=e.open(y,"_blank");if(!o){e.location.href=y}}v.readyState=v.DONE;h();c(y)};v.readyState=v.INIT;if(o){y=n().createObjectURL(t);setTimeout(function(){r.href=y;r.download=u;a(r);h();c(y);v.readyState=v.DONE});return}S()},w=v.prototype,m=function(e,t,n){return new v(e,t||e',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/extensions/angular/bootstrap-table-angular.min.js",
        '/*\n* bootstrap-table - v1.9.1 - 2015-10-25\n* https://github.com/wenzhixin/bootstrap-table\n* Copyright (c) 2015 zhixin wen\n* Licensed MIT License\n*/\n!function(){"undefined"!=typeof angular&&angular.module("bsTable",[]).directive("bsTableControl",function(){function a(a){var b;return $.each(f,function(d,e){return e.$el.closest(c).has(a).length?(b=e,!0):void 0}),b}function b(){var a=this,b=a.$s.bsTableControl.state;a.$s.$applyAsync(function(){b.scroll=a.$el.bootstrapTable("getScrollPosition")})}var c=".bootstrap-table",d=".fixed-table-body",e=".search input",f={};return $(window).resize(function(){$.each(f,function(a,b){b.$el.bootstrapTable("resetView")})}),$(document).on("post-header.bs.table",c+" table",function(e){var f=a(e.target);f&&f.$el.closest(c).find(d).on("scroll",b.bind(f))}).on("sort.bs.table",c+" table",function(b,c,d){var e=a(b.target);if(e){var f=e.$s.bsTableControl.state;e.$s.$applyAsync(function(){f.sortName=c,f.sortOrder=d})}}).on("page-change.bs.table",c+" table",function(b,c,d){var e=a(b.target);if(e){var f=e.$s.bsTableControl.state;e.$s.$applyAsync(function(){f.pageNumber=c,f.pageSize=d})}}).on("search.bs.table",c+" table",function(b,c){var d=a(b.target);if(d){var e=d.$s.bsTableControl.state;d.$s.$applyAsync(function(){e.searchText=c})}}).on("focus blur",c+" "+e,function(b){var c=a(b.target);if(c){var d=c.$s.bsTableControl.state;c.$s.$applyAsync(function(){d.searchHasFocus=$(b.target).is(":focus")})}',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/extensions/export/tableExport.min.js",
        'ring(0,m.length-1);0<m.length&&(0<I.length&&(I+="\\n"),I+=m);l++});return b.length};U+=ha(c(v).find("thead").first().find(a.theadSelector),"th,td",U);C(c(v),"tbody").each(function(){U+=ha(D(c(this),a.tbodySelector),"td,th",U)});a.tfootSelector.length&&ha(c(v).find("tfoot").first().find(a.tfootSelector),"td,th",U);I+="\\n";!0===a.consoleLog&&console.log(I);if("string"===a.outputMode)return I;if("base64"===\n            a.outputMode)return L(I);if("window"===a.outputMode){H(!1,"data:text/"+("csv"==a.type?"csv":"plain")+";charset=utf-8,",I);return}try{var A=new Blob([I],{type:"text/"+("csv"==a.type?"csv":"plain")+";charset=utf-8"});saveAs(A,a.fileName+"."+a.type,"csv"!=a.',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/extensions/filter-control/bootstrap-table-filter-control.min.js",
        'ldren().children(),function(b,c){return c=a(c),c.data("field")===i.field?(c.find(".fht-cell").append(g.join("")),!1):void 0}),void 0!==i.filterData&&"column"!==i.filterData.toLowerCase()){var j=i.filterData.substring(0,3),k=i.filterData.substring(4,i.filterData.length),l=a("."+i.field);switch(c(l,"",""),j){case"url":a.ajax({url:k,dataType:"json",success:function(b){a.each(b,function(a,b){c(l,a,b)})}});break;case"var":var m=window[k];for(var n in m)c(l,n,m[n])}}}}),h?(e.off("keyup","input").on("keyup","input",function(a){clearTimeout(i),i=setTimeout(function(){d.onColumnSearch(a)},d.options.searchTimeOut)}),e.off("change","select").on("change","select",function(a){clearTimeout(i),i=setTimeout(funct',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/plugins/flot/jquery.flot.image.min.js",
        "(x2-x1)/(img.width-1);x1-=tmp;x2+=tmp;tmp=.5*(y2-y1)/(img.height-1);y1-=tmp;y2+=tmp}if(x1==x2||y1==y2||x1>=xaxis.max||x2<=xaxis.min||y1>=yaxis.max||y2<=yaxis.min)continue;var sx1=0,sy1=0,sx2=img.width,sy2=img.height;if(x1<xaxis.min){sx1+=(sx2-sx1)*(xaxis.min-x1)/(x2-x1);x1=xaxis.min}if(x2>xaxis.max){sx2+=(sx2-sx1)*(xaxis.max-x2)/(x2-x1);x2=xaxis.max}if(y1<yaxis.min){sy2+=(sy1-sy2)*(yaxis.min-y1)/(y2-y1);y1=yaxis.min}if(y2>yaxis.max){sy1+=(sy1-sy2)*(yaxis.max-y2)/(y2-y1);y2=yaxis.max}x1=xaxis.p2c(x1);x2=xaxis.p2c(x2);y1=yaxis.p2c(y1);y2=yaxis.p2c(y2);if(x1>x2){tmp=x2;x2=x1;x1=tmp}if(y1>y2){tmp=y2;y2=y1;y1=tmp}tmp=ctx.globalAlpha;ctx.globalAlpha*=series.images.alpha;ctx.drawImage(img,sx1,sy1,sx2-sx1,sy2-sy1,x1+plotOffset.left,y1+plotOffset.top,x2-x1,y2-y1);ctx.globalAlpha=tmp}}function processRawData(plot,series,data,datapoints){if(!series.images.show)return;datapoints.format=[{required:true},{x:true,number:true,required:true},{y:true,number:true,required:true},{x:true,number:true,required:true},{y:true,number:true,required:true}]}function init(plot){plot.hooks.processRawData.push(processRawData);plot.hooks.drawSeries.push(drawSeries)}$.plot.plugins.push({",
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/plugins/flot/jquery.flot.threshold.min.js",
        'w)p=threspoints;else p=newpoints;if(addCrossingPoints&&prevp!=p&&x!=null&&i>0&&origpoints[i-ps]!=null){var interx=x+(below-y)*(x-origpoints[i-ps])/(y-origpoints[i-ps+1]);prevp.push(interx);prevp.push(below);for(m=2;m<ps;++m)prevp.push(origpoints[i+m]);p.push(null);p.push(null);for(m=2;m<ps;++m)p.push(origpoints[i+m]);p.push(interx);p.push(below);for(m=2;m<ps;++m)p.push(origpoints[i+m])}p.push(x);p.push(y);for(m=2;m<ps;++m)p.push(origpoints[i+m])}datapoints.points=newpoints;thresholded.datapoints.points=threspoints;if(thresholded.datapoints.points.length>0){var origIndex=$.inArray(s,plot.getData());plot.getData().splice(origIndex+1,0,thresholded)}}function processThresholds(plot,s,datapoints){if(!s.threshold)return;if(s.threshold instanceof Array){s.threshold.sort(function(a,b){return a.below-b.below});$(s.threshold).each(function(i,th){thresholdData(plot,s,datapoints,th.below,th.color)})}else{thresholdData(plot,s,datapoints,s.threshold.below,s.threshold.color)}}plot.hooks.processDatapoints.push(processThresholds)}$.plot.plugins.push({init:init,options:options,name:"threshold",version:"1.2"})})(jQuery)',
    ),
    (
        "minified_js",
        "snipe/snipe-it:public/js/plugins/fullcalendar/fullcalendar.min.js",
        'ybe&&(i=I(t,e.maybe),i.match(/[1-9]/))?i:""}function j(t,e,n,i,r){var s;return t=De.moment.parseZone(t),e=De.moment.parseZone(e),s=(t.localeData||t.lang).call(t),n=s.longDateFormat(n)||n,i=i||" - ",X(t,e,U(n),i,r)}function X(t,e,n,i,r){var s,o,l,a,u="",d="",c="",h="",f="";for(o=0;n.length>o&&(s=$(t,e,n[o]),s!==!1);o++)u+=s;for(l=n.length-1;l>o&&(s=$(t,e,n[l]),s!==!1);l--)d=s+d;for(a=o;l>=a;a++)c+=W(t,n[a]),h+=W(e,n[a]);return(c||h)&&(f=r?h+i+c:c+i+h),u+f+d}function $(t,e,n){var i,r;return"string"==typeof n?n:(i=n.token)&&(r=Ne[i.charAt(0)],r&&t.isSame(e,r))?B(t,i):',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v2.0/schema.json#L1171-L1181",
        '      "patternProperties": {\n        "^x-": {\n          "$ref": "#/definitions/vendorExtension"\n        }\n      }\n    },\n    "security": {\n      "type": "array",\n      "items": {\n        "$ref": "#/definitions/securityRequirement"\n      },',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v2.0/schema.json#L1246-L1260",
        '      "type": "object",\n      "additionalProperties": {\n        "oneOf": [\n          {\n            "$ref": "#/definitions/basicAuthenticationSecurity"\n          },\n          {\n            "$ref": "#/definitions/apiKeySecurity"\n          },\n          {\n            "$ref": "#/definitions/oauth2ImplicitSecurity"\n          },\n          {\n            "$ref": "#/definitions/oauth2PasswordSecurity"\n          },',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/api-with-examples.yaml#L1-L24",
        'openapi: "3.0.0"\ninfo:\n  title: Simple API overview\n  version: 2.0.0\npaths:\n  /:\n    get:\n      operationId: listVersionsv2\n      summary: List API versions\n      responses:\n        \'200\':\n          description: |-\n            200 response\n          content:\n            application/json:\n              examples: \n                foo:\n                  value:\n                    {\n                      "versions": [\n                        {\n                            "status": "CURRENT",\n                            "updated": "2011-01-21T11:33:21Z",\n                            "id": "v2.0",',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/api-with-examples.yaml#L132-L154",
        '            203 response\n          content:\n            application/json: \n              examples:\n                foo:\n                  value:\n                    {\n                      "version": {\n                        "status": "CURRENT",\n                        "updated": "2011-01-21T11:33:21Z",\n                        "media-types": [\n                          {\n                              "base": "application/xml",\n                              "type": "application/vnd.openstack.compute+xml;version=2"\n                          },\n                          {\n                              "base": "application/json",\n                              "type": "application/vnd.openstack.compute+json;version=2"\n                          }\n                        ],\n                        "id": "v2.0",\n                        "links": [\n                          {',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/callback-example.yaml#L1-L13",
        "openapi: 3.0.0\ninfo:\n  title: Callback Example\n  version: 1.0.0\npaths:\n  /streams:\n    post:\n      description: subscribes a client to receive out-of-band data\n      parameters:\n        - name: callbackUrl\n          in: query\n          required: true\n          description: |",
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/callback-example.yaml#L19-L29",
        "            example: https://tonys-server.com\n      responses:\n        '201':\n          description: subscription successfully created\n          content:\n            application/json:\n              schema:\n                description: subscription information\n                required:\n                  - subscriptionId\n                properties:",
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/link-example.yaml#L1-L15",
        "openapi: 3.0.0\ninfo: \n  title: Link Example\n  version: 1.0.0\npaths: \n  /2.0/users/{username}: \n    get: \n      operationId: getUserByName\n      parameters: \n      - name: username\n        in: path\n        required: true\n        schema:\n          type: string\n      responses: ",
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/link-example.yaml#L192-L203",
        "          $ref: '#/components/schemas/user'\n    pullrequest: \n      type: object\n      properties: \n        id: \n          type: integer\n        title: \n          type: string\n        repository: \n          $ref: '#/components/schemas/repository'\n        author: \n          $ref: '#/components/schemas/user'",
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/petstore-expanded.yaml#L1-L11",
        'openapi: "3.0.0"\ninfo:\n  version: 1.0.0\n  title: Swagger Petstore\n  description: A sample API that uses a petstore as an example to demonstrate features in the OpenAPI 3.0 specification\n  termsOfService: http://swagger.io/terms/\n  contact:\n    name: Swagger API Team\n    email: apiteam@swagger.io\n    url: http://swagger.io\n  license:',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/petstore.yaml#L32-L41",
        '                type: string\n          content:\n            application/json:    \n              schema:\n                $ref: "#/components/schemas/Pets"\n        default:\n          description: unexpected error\n          content:\n            application/json:\n              schema:',
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/petstore.yaml#L62-L80",
        "                $ref: \"#/components/schemas/Error\"\n  /pets/{petId}:\n    get:\n      summary: Info for a specific pet\n      operationId: showPetById\n      tags:\n        - pets\n      parameters:\n        - name: petId\n          in: path\n          required: true\n          description: The id of the pet to retrieve\n          schema:\n            type: string\n      responses:\n        '200':\n          description: Expected response to a valid request\n          content:\n            application/json:",
    ),
    (
        "openapi_spec",
        "OAI/OpenAPI-Specification:_archive_/schemas/v3.0/pass/uspto.yaml#L51-L65",
        '                    {\n                      "apiKey": "oa_citations",\n                      "apiVersionNumber": "v1",\n                      "apiUrl": "https://developer.uspto.gov/ds-api/oa_citations/v1/fields",\n                      "apiDocumentationUrl": "https://developer.uspto.gov/ds-api-docs/index.html?url=https://developer.uspto.gov/ds-api/swagger/docs/oa_citations.json"\n                    },\n                    {\n                      "apiKey": "cancer_moonshot",\n                      "apiVersionNumber": "v1",\n                      "apiUrl": "https://developer.uspto.gov/ds-api/cancer_moonshot/v1/fields",\n                      "apiDocumentationUrl": "https://developer.uspto.gov/ds-api-docs/index.html?url=https://developer.uspto.gov/ds-api/swagger/docs/cancer_moonshot.json"\n                    }\n                  ]\n                }\n  /{dataset}/{version}/fields:',
    ),
    (
        "openapi_spec",
        "bitnami-labs/sealed-secrets:docs/developer/swagger.yml#L18-L27",
        "              schema:\n                type: string\n                format: binary\n        500:\n          description: Internal Server Error\n        default:\n          description: Unexpected error\n  /verify:\n    post:\n      summary: Validate Sealed Secrets object",
    ),
    (
        "openapi_spec",
        "stripe/stripe-python:tests/openapi/README.md#L1-L9",
        "## Using custom OpenAPI specification and fixtures files\n\nYou can place custom OpenAPI specification and fixtures files in this\ndirectory. The files must be in JSON format, and must be named `spec3.json`\nand `fixtures3.json` respectively.\n\nIf those files are present, the test suite will start its own stripe-mock\nprocess on a random available port. In order for this to work, `stripe-mock`\nmust be on the `PATH` in the environment used to run the test suite.",
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/falsepositive.yml#L1-L16",
        'compliant:\n  passenger: "ok1"\n  passwordForPassenger: "ok2"\n  passthrough: "ok3"\n  passwordPassthrough: "ok4"\n  secretary: "ok5"\n  secretSecretary: "ok6"\n  PasswordResetUrl: "ok7"\n  publicKey: "ok8"\n  bucket_key: s3://{{ s3().master_bucket }}/{{ macros.s3().raw_prefix}}/sessions\n  write_key: \'s3://{bucket}/deduped_events/schema_type={schema}/dt={date}\'\n  webhookApiSecret: ZENDESK_WEBHOOK_API_SECRET\n  S3_ARCHIVE_ACCESS_KEY: "Get this from elsewhere"\n  UserData: \n    - "gpgkey=https://artifacts.elastic.co/GPG-KEY-elasticsearch\\n"\n  PolicyName: SandboxConfigurationS3BucketAccessPolicy',
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/java.properties#L1-L7",
        "# Compliant\nbaseDN=LDAP\nusername=admin\npassword=\nsonar.jdbc.password=\napi.key=\n",
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/jdbc.xml#L1-L18",
        '<realms>\n    <compliant>\n        <Realm className="org.apache.catalina.realm.JDBCRealm"\n            driverName="org.gjt.mm.mysql.Driver"\n        connectionURL="jdbc:mysql://localhost/authority?user=dbuser&amp;password="\n            userTable="users" userNameCol="user_name" userCredCol="user_pass"\n        userRoleTable="user_roles" roleNameCol="role_name"/>\n        <Realm className="org.apache.catalina.realm.JDBCRealm"\n            driverName="org.gjt.mm.mysql.Driver"\n        connectionURL="jdbc:mysql://localhost/authority?user=dbuser&amp;password=$password"\n            userTable="users" userNameCol="user_name" userCredCol="user_pass"\n        userRoleTable="user_roles" roleNameCol="role_name"/>\n        <Realm className="org.apache.catalina.realm.JDBCRealm"\n            driverName="org.gjt.mm.mysql.Driver"\n        connectionURL="jdbc:mysql://localhost/authority?user=dbuser&amp;password={{pwd}}"\n            userTable="users" userNameCol="user_name" userCredCol="user_pass"\n        userRoleTable="user_roles" roleNameCol="role_name"/>\n    </compliant>',
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/language.go#L1-L15",
        'package main\n\nfunc main() {\n\t// Compliant\n\tvar variable_password1, variable_password2 string = password, "$password"\n\tconst variable_password3 string = "${password}"\n\tvariable_password4 := "{{ password }}"\n\tvar variable_password5 = "{{ THIS_IS_A_VERY_LONG_A_PLACEHOLDER_FOR_PASSWORD }}"\n\tvar variable_password6 = "{password}"\n\tvar variable_password7 = "{ password }"\n\tvar variable_password8 = aFunctionCall()\n\tmsg := "Here is a long, compliant string of text"\n\tvar1, var2 := justOneFunction()\n\tvar1, var2 := "mismatched key-value lengths"\n',
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/language.js#L1-L11",
        '// Compliant\nvariable_password0 = password;\nvariable_password1 = $password;\nlet variable_password2 = "$password";\nvar variable_password3 = "${password}";\nconst variable_password4 = "{{ password }}";\nvariable_password5 = "{{ THIS_IS_A_VERY_LONG_A_PLACEHOLDER_FOR_PASSWORD }}";\nvariable_password6 = "{password}";\nvariable_password7 = "{ password }";\nvariable_password8 = "obj.aFunctionCall()";\n',
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/paths.yml#L1-L4",
        "compliant:\n    notpath1: not_a_path_necessarily\n    notpath2: th1s/c0uldb3/ap4assw0rd\n    notpath3: hardcoded01",
    ),
    (
        "scanner_fixture_negative",
        "Skyscanner/whispers:tests/fixtures/placeholders.yml#L1-L8",
        "compliant:\n  password: password\n  environment:\n    - DB_PASSWORD=DB_PASSWORD\n  MasterUserPassword: <% PASSWORD_HERE %>\n  TRAVEL_API_KEY: TRAVEL_API_KEY\n  Symfony_DB_Key: '%env(DB_SECRET_VALUE)%'\n  Generic_Key: '%DB_SECRET_VALUE%'",
    ),
    (
        "scanner_fixture_negative",
        "Yelp/detect-secrets:test_data/files/file_with_no_secrets.py#L1-L10",
        "#!/usr/bin/python\nREGULAR_VALUE = 'this is just a long string, like a user facing error message'\n\n\ndef main():\n    print('Hello world!')\n\n\nif __name__ == '__main__':\n    main()",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/1password.go (fps)",
        "A3-xXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/artifactory.go (fps)",
        "lowEntropy := cmVmdXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/aws.go (fps)",
        "bedrock-api-key-",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/aws.go (fps)",
        "key = AKIAXXXXXXXXXXXXXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/beamer.go (fps)",
        "\u2502\xa0\xa0 \u251c\u2500\u2500 R21A-A-V010SP13RC181024R16900-CN-B_250K-Release-OTA-97B6C6C59241976086FABDC41472150C.bfu",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/clickhouse.go (fps)",
        "key = 4b1dXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (fps)",
        "curl --user neo4j:[PASSWORD] http://[IP]:7474/db/data/",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (fps)",
        'curl -XGET -i -u "${{needs.vault.outputs.account_id}}:${{needs.vault.outputs.account_password}}"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (fps)",
        'curl -u "${_username}:${_password}"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/discord.go (fps)",
        "discord=000000000000000000",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/flyio.go (fps)",
        'resource "doppler_integration_flyio" "prod" {\n  name    = "TF Fly.io"\n  api_key = "fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n}',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        "monkeys-audio:mx64-uwp=fail",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        '<key tag="SecurityIdentifier" name="SecurityIdentifier" type="STRING" />',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        '                                "key_name": "prod5zyxlmy-cmk",',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        "key_length = XSalsa20.key_length",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        "MantleAPI_version=9a038989604e8da62ecddbe2094b16ce1b778be1",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        "import { chain_Anvil1_Key, chain_Anvil2_Key } from '../blockchain-tests/pallets/supported-chains/consts';",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        'clientId = "73082700-1f09-405b-80d0-3131bfd6272d"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        'AVEncVideoMaxKeyframeDistance, "2987123a-ba93-4704-b489-ec1e5f25292c"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/generic.go (fps)",
        "withCredentials([usernamePassword(credentialsId: '29f63271-dc2f-4734-8221-5b31b5169bac', usernameVariable: 'USERNAME', passwordVariable: 'PASSWORD')]) {",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/gitlab.go (fps)",
        "glpat-XXXXXXXXXXX-XXXXXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/gitlab.go (fps)",
        "glptt-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/huggingface.go (fps)",
        "+HWI-ST565_0092:4:1101:5508:5860#ACTTGA/1\n\t\tbb_eeeeegfgffhiiiiiiiiiiihiiiiicgafhf_eefghihhiiiifhifhhdhifhiiiihifdgdhggf\\bbceceedbcd\n\t\t@HWI-ST565_0092:4:1101:7621:5770#ACTTGA/1",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/huggingface.go (fps)",
        "const api_org_controller = require('../../controllers/api/index').organizations;",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/huggingface.go (fps)",
        "                            _kHMSymptomhf_generatedByHomeAppForDebuggingPurposesKey,",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/infracost.go (fps)",
        "ico-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/okta.go (fps)",
        "oktaKey = 00000000000000000000000000000000000TUVWXYZ",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/openshift.go (fps)",
        '--set kraken.kubeconfig.token.token="sha256~XXXXXXXXXX_PUT_YOUR_TOKEN_HERE_XXXXXXXXXXXX" \\',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/openshift.go (fps)",
        "oc login --token=sha256~_xxxxxx_xxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxx-X \\\n    --server=https://api.${zone}.appuio.cloud:6443",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/readme.go (fps)",
        "const API_KEY = 'rdme_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        "https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        '"token2": "xoxp-XXXXXXXXXX-XXXXXXXXXX-XXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        "xoxb-12345-abcd234",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        '"token4": "xoxp-572370529330-573807301142-572331691188-####################"',
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/slack.go (fps)",
        "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/square.go (fps)",
        "aws-cli@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/sumologic.go (fps)",
        ".si-sumologic.si--color::before { color: #000099; }",
    ),
    (
        "scanner_fixture_negative",
        "gitleaks/gitleaks:cmd/generate/config/rules/sumologic.go (fps)",
        "- (NSInteger)sumOfValuesInRange:(NSRange)range;",
    ),
    (
        "scanner_fixture_negative",
        "pre-commit/pre-commit-hooks:testing/resources/aws_config_without_secrets.ini#L1-L3",
        "# file with an AWS access key id but no AWS secret access key\n[production]\naws_access_key_id = AKIASLARTIBARTFAST11",
    ),
    (
        "scanner_fixture_negative",
        "pre-commit/pre-commit-hooks:testing/resources/aws_config_without_secrets_with_spaces.ini#L1-L4",
        "# file with an AWS access key id but no valid AWS secret access key only space characters\n[production]\naws_access_key_id = AKIASLARTARGENTINA86\naws_secret_access_key =",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-1password/test/snapshots/ok.valid/input.txt",
        "THIS IS OK",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-anthropic/test/snapshots/ok.valid/input.txt",
        '# These should NOT be detected as API keys\nexport const EXAMPLE_URL = "https://api.anthropic.com";\nexport const EXAMPLE_MODEL = "claude-3-opus-20240229";\n\n# Fat-fingered secret (should not be detected due to double \'s\')\nssk-ant-api04-NotARealKeyButLooksLikeOne\n\n# OpenAI key (different format)\nsk-openai-123456\n\n# Incomplete Anthropic key\nsk-ant-api02-notarealkey\n\n# Wrong API version\nsk-ant-api05-alsonotreal',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-basicauth/test/snapshots/ok.database-urls-not-detected/input.txt",
        '# Database connection strings should NOT be detected by basic-auth rule\n\n# MongoDB connections\nconst MONGO_URI = "mongodb://user:password@db.example.com:27017/mydb";\nconst MONGO_SRV = "mongodb+srv://user:password@cluster.mongodb.net/db";\n\n# MySQL connections  \nconst MYSQL_URI = "mysql://dbuser:secret@mysql.server.com:3306/database";\nconst JDBC_MYSQL = "jdbc:mysql://admin:pass@localhost:3306/mydb";\n\n# PostgreSQL connections\nconst POSTGRES_URI = "postgresql://user:password@postgres.example.com:5432/db";\nconst POSTGRES_SHORT = "postgres://user:password@localhost/mydb";\n\n# These should be properly handled by database-connection-string rule instead',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-basicauth/test/snapshots/ok.false-positives-prevented/input.txt",
        '# Test false positive prevention for basic auth rule\n\n# Variable patterns should NOT be detected\nconst API_URL = "https://${username}:${password}@api.example.com/v1";\nconst CONFIG_URL = "https://{{user}}:{{pass}}@config.example.com";\nconst TEMPLATE_URL = "https://{USER}:{PASS}@template.example.com";\n\n# Common placeholders should NOT be detected\nconst TEMPLATE_URL2 = "https://username:password@example.com/api";\nconst GUIDE_URL = "https://username:mypassword@test.com/endpoint";\nconst LOCAL_URL = "https://dbuser:password@127.0.0.1:3000/";\n\n# Placeholder documentation URLs should NOT be detected\nconst DOC_URL = "https://YOUR_USERNAME:YOUR_PASSWORD@api.service.com";\nconst GUIDE_URL2 = "https://username:REPLACE_WITH_PASSWORD@example.org";\n\n# Short or low-entropy passwords should NOT be detected\nconst SHORT_URL = "https://user:abc@api.com/v1";\nconst REPETITIVE_URL = "https://user:1111@service.com/api";\nconst SIMPLE_URL = "https://testuser:xxxx@demo.com";',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-cloudflare/test/snapshots/ok.valid/input.txt",
        "# These should NOT be detected as Cloudflare API tokens\n\n# Too short (fewer than 48 chars after prefix)\ncfat_tooshort\n\n# Wrong prefix\ncf_aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStT03fa099b\nxcfat_aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStT03fa099b\n\n# Too long (extra char after checksum, trailing boundary check)\ncfat_aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStT03fa099bZ\n\n# Valid Cloudflare URL (not a token)\nhttps://api.cloudflare.com/client/v4/zones",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-database-connection-string/test/snapshots/ok.valid/input.txt",
        '# Valid database connection strings that should NOT be detected (false positives)\n\n# Template/placeholder patterns\nconst MONGO_TEMPLATE = "mongodb://username:password@localhost:27017/database";\nconst MYSQL_TEMPLATE = "mysql://user:${PASSWORD}@example.com:3306/db";\nconst PG_TEMPLATE = "postgresql://{username}:{password}@{{host}}:5432/{database}";\n\n# Connection strings without credentials\nconst MONGO_NO_AUTH = "mongodb://localhost:27017/database";\nconst MYSQL_NO_AUTH = "mysql://db.example.com:3306/app";\nconst PG_NO_AUTH = "postgresql://db.server.com:5432/production";\n\n# Connection strings with obvious placeholders\nconst CONFIG_EXAMPLE = "mongodb://YOUR_USERNAME:YOUR_PASSWORD@cluster.mongodb.net/test";\nconst DOC_EXAMPLE = "mysql://admin:REPLACE_WITH_PASSWORD@mysql.server.com:3306/database";\n\n# Identical username and password\nconst MONGO_IDENTICAL_CREDENTIALS = "mongodb://mongodb:mongodb@localhost:27017/database";\nconst MYSQL_IDENTICAL_CREDENTIALS = "mysql://mysql:mysql@localhost:3306/database";\nconst POSTGRES_IDENTICAL_CREDENTIALS = "postgres://postgres:postgres@localhost:5432/database";\n\n# Bash default value pattern (${VAR:-default})\npostgres="postgres://postgres@${POSTGRES_HOST:-localhost}:${POSTGRES_PORT:-5432}/$dbname?sslmode=disable"\n\n# Makefile variable patterns ($(VAR))\nDB_URL = postgres://$(PGUSER):$(PGPASSWORD)@$(PGHOST)/$(PGDATABASE)\nMYSQL_URL = mysql://$(DB_USER):$(DB_PASS)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)\nMONGO_URI = mongodb://$(MONGO_USER):$(MONGO_PASSWORD)@$(MONGO_HOST):$(MONGO_PORT)/$(MONGO_DB)',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-databricks/test/snapshots/ok.valid/input.txt",
        "# These should NOT be detected as Databricks tokens\n\n# Too short (only 4 hex chars after dapi)\ndapi1234\n\n# Too long (body exceeds the expected 32 hex chars after dapi)\ndapiABCDEF1234567890ABCDEF1234567890AB\n\n# Mid-word / variable name (letter boundary)\nmydapi1234567890abcdef1234567890abcdef\n\n# Unrelated prefix\napi1234567890abcdef1234567890abcdef\n\n# Databricks docs URL (not a token)\nhttps://docs.databricks.com/aws/en/dev-tools/auth/pat",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-docker/test/snapshots/ok.valid/input.txt",
        "DOCKER_TOKEN=not_a_real_token\ndckr_pat_tooshort\ndckr_pat_",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-gcp/test/snapshots/ok.valid-json/input.json",
        '{\n  "private_key_id": "DUMMY",\n  "private_key": "DUMMY"\n}',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-gitlab/test/snapshots/ok.too_short/input.txt",
        "glpat-abc",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-groq/test/snapshots/ok.valid/input.txt",
        '# These should NOT be detected as Groq API keys\nexport const EXAMPLE_URL = "https://api.groq.com";\n\n# Too short (less than 52 chars after prefix)\ngsk_abc123\n\n# Prefix inside another word (should not match due to negative lookbehind)\nwordgsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrstuv\n\n# Too long (more than 52 chars after prefix, should not match due to negative lookahead)\ngsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrstuvWXYZ\n\n# Wrong prefix\nsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrstuv\n\n# Contains invalid character (dash)\ngsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrs-uv',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-huggingface/test/snapshots/ok.valid/input.txt",
        "# These should NOT be detected as Hugging Face tokens\n\n# Too short\nhf_abc\n\n# Contains digits in body\nhf_FakeFakeFake1FakeFakeFakeFakeFakeFa\n\n# Body is 33 alphabetic characters (one short)\nhf_FakeFakeFakeFakeFakeFakeFakeFakeF\n\n# Body is 35 alphabetic characters (one too many)\nhf_FakeFakeFakeFakeFakeFakeFakeFakeFak\n\n# Preceded by another letter (boundary check)\nxhf_FakeFakeFakeFakeFakeFakeFakeFakeFa\n\n# Hugging Face URL, not a token\nhttps://huggingface.co/models",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-no-k8s-kind-secret/test/snapshots/ok.valid/input.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: my-nginx-svc\n  labels:\n    app: nginx\nspec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n  selector:\n    app: nginx\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: my-nginx\n  labels:\n    app: nginx\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n        - name: nginx\n          image: nginx:1.14.2\n          ports:\n            - containerPort: 80",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-notion/test/snapshots/ok.valid/input.txt",
        "# These should NOT be detected as Notion integration tokens\n\n# Too short\nntn_abc\n\n# Legacy secret_ prefix is intentionally excluded\nsecret_abc123\n\n# Only 10 digits after prefix (one short)\nntn_1234567890aBcDeFgHiJkLmNoPqRsT1234567890abcdef\n\n# 34 alphanumerics after digits (one short)\nntn_12345678901aBcDeFgHiJkLmNoPqRsT1234567890abcd\n\n# 36 alphanumerics after digits (one extra; trailing lookahead fails)\nntn_12345678901aBcDeFgHiJkLmNoPqRsT1234567890abcdef\n\n# Uppercase prefix is not the documented format\nNTN_12345678901aBcDeFgHiJkLmNoPqRsT1234567890abcde\n\n# Preceded by letters (not a standalone token)\nxntn_12345678901aBcDeFgHiJkLmNoPqRsT1234567890abcde\n\n# Notion API URL (not a token)\nhttps://api.notion.com/v1/databases",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-secp256k1-privatekey/test/snapshots/ok.dotenvx_public_key/input.txt",
        '#/-------------------[DOTENV_PUBLIC_KEY]--------------------/\n#/            public-key encryption for .env files          /\n#/       [how it works](https://dotenvx.com/encryption)     /\n#/----------------------------------------------------------/\nDOTENV_PUBLIC_KEY="037cfbfc90234cfdab7eb54050566293789efaa1a35dc420749662db400dc9c4b2"\n\n# .env\nHELLO="encrypted:BLAH"',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-secp256k1-privatekey/test/snapshots/ok.packagemanager_sha512/input.txt",
        '{\n    "name": "example",\n    "packageManager": "pnpm@10.4.1+sha512.0a31fc7ee2cca8f25aacafb0fae1c5d27e8c4d3ecbf3eea76e9c4be73f6d4f3b27c00fc99e83c8cae0a6e7e4ce6c2a8b9e5b7d6e5d62e35f50e3a85a8b3d4d4"\n}',
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-stripe/test/snapshots/ok.valid/input.txt",
        "# These should NOT be detected as Stripe API keys\n\n# Publishable keys (pk_) are not secrets\npk_live_AAAAAAAAAAAAAAAAAAAAAAAA\npk_test_BBBBBBBBBBBBBBBBBBBBBBBB\n\n# Too short (fewer than 24 chars after prefix)\nsk_live_short\nsk_test_abc\nrk_live_x\nrk_test_y\nsk_live_AAAAAAAAAAAAAAAAAAAAAAA\nsk_test_BBBBBBBBBBBBBBBBBBBBBBB\n\n# Wrong prefix / mid-word boundary\nxsk_live_AAAAAAAAAAAAAAAAAAAAAAAA\nfoosk_test_BBBBBBBBBBBBBBBBBBBBBBBB\n\n# Different product names that share the prefix\nSKILLS_inventory\nRKLIST_value\n\n# Stripe documentation URL (not a key)\nhttps://docs.stripe.com/keys",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-tailscale/test/snapshots/ok.boundary-letter/input.txt",
        "xtskey-api-AAAAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBB\nabctskey-api-AAAAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBB",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-tailscale/test/snapshots/ok.valid/input.txt",
        "This is just regular text without any Tailscale keys.\nA short string like tskey-foo is not a key.\nRandom tokens like abc-def-ghi should not match.",
    ),
    (
        "scanner_fixture_negative",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-vercel/test/snapshots/ok.valid/input.txt",
        "THIS IS OK\nvcp_abc",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L10-L10",
        "project_key = PROJECT_NAME_ALIAS",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L11-L11",
        "postgresql://user:user@no_connection/no_db",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L2-L2",
        'secret = "asdfasdfasdfasdfasdfasdfasdfasdfasdfasdfasdfasdf"',
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L3-L3",
        "-----BEGIN PRIVATE KEY-----this is not a private key-----END PRIVATE KEY-----",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L4-L4",
        "CLIENT_SECRET = settings.GITHUB_API_SECRET",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L5-L5",
        "ACCESS_TOKEN_URL = ASANA_TOKEN_EXCHANGE_URL",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L6-L6",
        "return keyJob.start() # can look like a JWT due to containing eyJ",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L7-L7",
        "WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF, IGNORE_DUP_KEY = OFF, ALLOW_ROW_LOCKS = ON, ALLOW_PAGE_LOCKS = ON)",
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L8-L8",
        'req.POST = {"head_long": "v999", "url": "http://example.com", "user": "wrong@example.com"}',
    ),
    (
        "scanner_fixture_negative",
        "sirwart/ripsecrets:test/none#L9-L9",
        "http://public:secret@example.com/1",
    ),
    (
        "source_code",
        "99designs/aws-vault:cli/exec.go#L79-L89",
        '\t\tShort(\'n\').\n\t\tBoolVar(&input.NoSession)\n\n\tcmd.Flag("region", "The AWS region").\n\t\tStringVar(&input.Config.Region)\n\n\tcmd.Flag("mfa-token", "The MFA token to use").\n\t\tShort(\'t\').\n\t\tStringVar(&input.Config.MfaToken)\n\n\tcmd.Flag("json", "Output credentials in JSON that can be used by credential_process").',
    ),
    (
        "source_code",
        "99designs/aws-vault:vault/credentialkeyring.go#L39-L60",
        '}\n\nfunc (ck *CredentialKeyring) Get(credentialsName string) (creds aws.Credentials, err error) {\n\titem, err := ck.Keyring.Get(credentialsName)\n\tif err != nil {\n\t\treturn creds, err\n\t}\n\tif err = json.Unmarshal(item.Data, &creds); err != nil {\n\t\treturn creds, fmt.Errorf("Invalid data in keyring: %v", err)\n\t}\n\treturn creds, err\n}\n\nfunc (ck *CredentialKeyring) Set(credentialsName string, creds aws.Credentials) error {\n\tbytes, err := json.Marshal(creds)\n\tif err != nil {\n\t\treturn err\n\t}\n\n\treturn ck.Keyring.Set(keyring.Item{\n\t\tKey:   credentialsName,\n\t\tLabel: fmt.Sprintf("aws-vault (%s)", credentialsName),',
    ),
    (
        "source_code",
        "FiloSottile/age:scrypt.go#L87-L108",
        "\n\treturn []*Stanza{l}, nil\n}\n\n// WrapWithLabels implements [age.RecipientWithLabels], returning a random\n// label. This ensures a ScryptRecipient can't be mixed with other recipients\n// (including other ScryptRecipients).\n//\n// Users reasonably expect files encrypted to a passphrase to be [authenticated]\n// by that passphrase, i.e. for it to be impossible to produce a file that\n// decrypts successfully with a passphrase without knowing it. If a file is\n// encrypted to other recipients, those parties can produce different files that\n// would break that expectation.\n//\n// [authenticated]: https://words.filippo.io/dispatches/age-authentication/\nfunc (r *ScryptRecipient) WrapWithLabels(fileKey []byte) (stanzas []*Stanza, labels []string, err error) {\n\tstanzas, err = r.Wrap(fileKey)\n\n\trandom := make([]byte, 16)\n\tif _, err := rand.Read(random); err != nil {\n\t\treturn nil, nil, err\n\t}",
    ),
    (
        "source_code",
        "GitGuardian/ggshield:ggshield/core/config/auth_config.py#L7-L23",
        "import marshmallow_dataclass\nfrom pygitguardian.models_utils import FromDictMixin, ToDictMixin\n\nfrom ggshield.core.config.token_store import (\n    KEYRING_SENTINEL,\n    TokenStore,\n    get_token_store,\n)\nfrom ggshield.core.config.utils import (\n    get_auth_config_filepath,\n    load_yaml_dict,\n    replace_dash_in_keys,\n    save_yaml_dict,\n)\nfrom ggshield.core.errors import (\n    AuthExpiredError,\n    MissingTokenError,",
    ),
    (
        "source_code",
        "argoproj/argo-cd:util/git/creds.go#L65-L76",
        '\tbearerAuthHeaderEnv       = "ARGOCD_GIT_BEARER_AUTH_HEADER"\n\t// This is the resource id of the OAuth application of Azure Devops.\n\tazureDevopsEntraResourceId = "499b84ac-1321-427f-aa17-267ca6975798/.default"\n)\n\nfunc init() {\n\tgithubAppCredsExp := common.GithubAppCredsExpirationDuration\n\tif exp := os.Getenv(common.EnvGithubAppCredsExpirationDuration); exp != "" {\n\t\tif qps, err := strconv.Atoi(exp); err == nil {\n\t\t\tgithubAppCredsExp = time.Duration(qps) * time.Minute\n\t\t}\n\t}',
    ),
    (
        "source_code",
        "argoproj/argo-cd:util/git/creds.go#L92-L110",
        '\t// oauth2.TokenSource handles fetching new Tokens once they are expired. The oauth2.TokenSource itself does not expire.\n\tgoogleCloudTokenSource = gocache.New(gocache.NoExpiration, 0)\n\tazureTokenCache = gocache.New(gocache.NoExpiration, 0)\n\tgithubInstallationIdCache = gocache.New(60*time.Minute, 60*time.Minute)\n\tazureServicePrincipalTokenCache = gocache.New(azureServicePrincipalCredsExp, 1*time.Minute)\n}\n\ntype NoopCredsStore struct{}\n\nfunc (d NoopCredsStore) Add(_ string, _ string) string {\n\treturn ""\n}\n\nfunc (d NoopCredsStore) Remove(_ string) {\n}\n\nfunc (d NoopCredsStore) Environ(_ string) []string {\n\treturn []string{}\n}',
    ),
    (
        "source_code",
        "aws-actions/configure-aws-credentials:src/index.ts#L217-L227",
        "    if (AccessKeyId || roleChaining) {\n      // Validate that the credentials the action will use actually work, and resolve their identity.\n      const resolutionCredentials =\n        outputEnvCredentials || !AccessKeyId\n          ? undefined\n          : toCredentialIdentity({ AccessKeyId, SecretAccessKey, SessionToken });\n      const identity = await withRetry(\n        () => credentialsClient.validateCredentials(resolutionCredentials, AccessKeyId, roleChaining),\n        'validateCredentials',\n      );\n      // Enforce the allowed-account-ids guardrail unless a role will be assumed (the final account is",
    ),
    (
        "source_code",
        "aws-actions/configure-aws-credentials:src/index.ts#L242-L252",
        "    }\n\n    // Get role credentials if configured to do so\n    if (roleToAssume) {\n      let roleCredentials: AssumeRoleCommandOutput;\n      do {\n        roleCredentials = await withRetry(async () => {\n          return assumeRole({\n            credentialsClient,\n            sourceAccountId,\n            roleToAssume,",
    ),
    (
        "source_code",
        "axios/axios:lib/adapters/http.js#L376-L387",
        "    let auth = undefined;\n    if (config.auth) {\n      const username = config.auth.username || '';\n      const password = config.auth.password || '';\n      auth = username + ':' + password;\n    }\n\n    if (!auth && parsed.username) {\n      const urlUsername = parsed.username;\n      const urlPassword = parsed.password;\n      auth = urlUsername + ':' + urlPassword;\n    }",
    ),
    (
        "source_code",
        "boto/boto3:boto3/session.py#L395-L406",
        "\n        :type aws_access_key_id: string\n        :param aws_access_key_id: The access key to use when creating\n            the client.  This is entirely optional, and if not provided,\n            the credentials configured for the session will automatically\n            be used.  You only need to provide this argument if you want\n            to override the credentials used for this specific client.\n\n        :type aws_secret_access_key: string\n        :param aws_secret_access_key: The secret key to use when creating\n            the client.  Same semantics as aws_access_key_id above.\n",
    ),
    (
        "source_code",
        "boto/botocore:botocore/credentials.py#L1048-L1055",
        '\n        The default implementation does nothing, assuming the user has set the\n        ``access_key/secret_key/token`` themselves.\n\n        :returns: Whether credentials were found & set\n        :rtype: Credentials\n        """\n        return True',
    ),
    (
        "source_code",
        "boto/botocore:botocore/credentials.py#L2102-L2121",
        "            expiry_time=_parse_if_needed(creds['expiry_time']),\n            refresh_using=fetcher,\n            account_id=creds.get('account_id'),\n        )\n\n    def _build_headers(self):\n        auth_token = None\n        if self.ENV_VAR_AUTH_TOKEN_FILE in self._environ:\n            auth_token_file_path = self._environ[self.ENV_VAR_AUTH_TOKEN_FILE]\n            with open(auth_token_file_path) as token_file:\n                auth_token = token_file.read()\n        elif self.ENV_VAR_AUTH_TOKEN in self._environ:\n            auth_token = self._environ[self.ENV_VAR_AUTH_TOKEN]\n        if auth_token is not None:\n            self._validate_auth_token(auth_token)\n            return {'Authorization': auth_token}\n\n    def _validate_auth_token(self, auth_token):\n        if \"\\r\" in auth_token or \"\\n\" in auth_token:\n            raise ValueError(\"Auth token value is not a legal header value\")",
    ),
    (
        "source_code",
        "cli/cli:pkg/cmd/auth/login/login.go#L53-L62",
        '\tvar tokenStdin bool\n\n\tcmd := &cobra.Command{\n\t\tUse:   "login",\n\t\tArgs:  cobra.ExactArgs(0),\n\t\tShort: "Log in to a GitHub account",\n\t\tLong: heredoc.Docf(`\n\t\t\tAuthenticate with a GitHub host.\n\n\t\t\tThe default hostname is %[1]sgithub.com%[1]s. This can be overridden using the %[1]s--hostname%[1]s',
    ),
    (
        "source_code",
        "cli/cli:pkg/cmd/auth/shared/git_credential.go#L55-L73",
        '\t\t//\n\t\t// Refs:\n\t\t//  * https://git-scm.com/docs/git-config#_description\n\t\t//  * https://github.com/cli/cli/pull/4109\n\t\tvar errNotInstalled *git.NotInstalled\n\t\tif errors.As(configuredHelperErr, &errNotInstalled) {\n\t\t\treturn configuredHelperErr\n\t\t}\n\n\t\t// On the other hand, if the user has requested setup we\'ll additionally request the workflow\n\t\t// scope to ensure that git push operations that include workflow changes succeed.\n\t\tflow.scopes = append(flow.scopes, "workflow")\n\t}\n\n\treturn nil\n}\n\nfunc (flow *GitCredentialFlow) Scopes() []string {\n\treturn flow.scopes',
    ),
    (
        "source_code",
        "docker/cli:cli/config/configfile/file.go#L393-L406",
        '// getConfiguredCredentialStore returns the credential helper configured for the\n// given registry, the default credsStore, or the empty string if neither are\n// configured.\nfunc getConfiguredCredentialStore(c *ConfigFile, registryHostname string) string {\n\tif c.CredentialHelpers != nil && registryHostname != "" {\n\t\tif helper, exists := c.CredentialHelpers[registryHostname]; exists {\n\t\t\treturn helper\n\t\t}\n\t}\n\treturn c.CredentialsStore\n}\n\n// GetAllCredentials returns all of the credentials stored in all of the\n// configured credential stores.',
    ),
    (
        "source_code",
        "docker/cli:cli/config/configfile/file.go#L68-L90",
        '\tSecretFormat         string                       `json:"secretFormat,omitempty"`\n\tConfigFormat         string                       `json:"configFormat,omitempty"`\n\tNodesFormat          string                       `json:"nodesFormat,omitempty"`\n\tPruneFilters         []string                     `json:"pruneFilters,omitempty"`\n\tProxies              map[string]ProxyConfig       `json:"proxies,omitempty"`\n\tCurrentContext       string                       `json:"currentContext,omitempty"`\n\tCLIPluginsExtraDirs  []string                     `json:"cliPluginsExtraDirs,omitempty"`\n\tPlugins              map[string]map[string]string `json:"plugins,omitempty"`\n\tAliases              map[string]string            `json:"aliases,omitempty"`\n\tFeatures             map[string]string            `json:"features,omitempty"`\n}\n\ntype configEnvAuth struct {\n\tAuth string `json:"auth"`\n}\n\ntype configEnv struct {\n\tAuthConfigs map[string]configEnvAuth `json:"auths"`\n}\n\n// DockerEnvConfigKey is an environment variable that contains a JSON encoded\n// credential config. It only supports storing the credentials as a base64\n// encoded string in the format base64("username:pat").',
    ),
    (
        "source_code",
        "documenso/documenso:packages/lib/constants/crypto.ts#L3-L17",
        "export const DOCUMENSO_ENCRYPTION_KEY = env('NEXT_PRIVATE_ENCRYPTION_KEY');\n\nexport const DOCUMENSO_ENCRYPTION_SECONDARY_KEY = env('NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY');\n\n// if (typeof window === 'undefined') {\n//   if (!DOCUMENSO_ENCRYPTION_KEY || !DOCUMENSO_ENCRYPTION_SECONDARY_KEY) {\n//     throw new Error('Missing DOCUMENSO_ENCRYPTION_KEY or DOCUMENSO_ENCRYPTION_SECONDARY_KEY keys');\n//   }\n\n//   if (DOCUMENSO_ENCRYPTION_KEY === DOCUMENSO_ENCRYPTION_SECONDARY_KEY) {\n//     throw new Error(\n//       'DOCUMENSO_ENCRYPTION_KEY and DOCUMENSO_ENCRYPTION_SECONDARY_KEY cannot be equal',\n//     );\n//   }\n// }",
    ),
    (
        "source_code",
        "encode/httpx:httpx/_auth.py#L27-L41",
        '    the `.auth_flow()` method.\n\n    If the authentication scheme does I/O such as disk access or network calls, or uses\n    synchronization primitives such as locks, you should override `.sync_auth_flow()`\n    and/or `.async_auth_flow()` instead of `.auth_flow()` to provide specialized\n    implementations that will be used by `Client` and `AsyncClient` respectively.\n    """\n\n    requires_request_body = False\n    requires_response_body = False\n\n    def auth_flow(self, request: Request) -> typing.Generator[Request, Response, None]:\n        """\n        Execute the authentication flow.\n',
    ),
    (
        "source_code",
        "encode/httpx:httpx/_urls.py#L11-L18",
        '\n__all__ = ["URL", "QueryParams"]\n\n\nclass URL:\n    """\n    url = httpx.URL("HTTPS://jo%40email.com:a%20secret@m\xfcller.de:1234/pa%20th?search=ab#anchorlink")\n',
    ),
    (
        "source_code",
        "expressjs/express:lib/response.js#L752-L766",
        "  }\n\n  var val = typeof value === 'object'\n    ? 'j:' + JSON.stringify(value)\n    : String(value);\n\n  if (signed) {\n    val = 's:' + sign(val, secret);\n  }\n\n  if (opts.maxAge != null) {\n    var maxAge = opts.maxAge - 0\n\n    if (!isNaN(maxAge)) {\n      opts.expires = new Date(Date.now() + maxAge)",
    ),
    (
        "source_code",
        "external-secrets/external-secrets:providers/v1/vault/client.go#L118-L134",
        "\t\t\ttransport.TLSClientConfig.Certificates = []tls.Certificate{cert}\n\t\t}\n\t}\n\treturn nil\n}\n\nfunc (c *client) Close(ctx context.Context) error {\n\t// Revoke the token if we have one set, it wasn't sourced from a TokenSecretRef,\n\t// and token caching isn't enabled\n\tif !enableCache && c.client.Token() != \"\" && c.store.Auth != nil && c.store.Auth.TokenSecretRef == nil {\n\t\terr := revokeTokenIfValid(ctx, c.client)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t}\n\treturn nil\n}",
    ),
    (
        "source_code",
        "fastapi/full-stack-fastapi-template:backend/app/core/config.py#L76-L89",
        '            else:\n                raise ValueError(message)\n\n    @model_validator(mode="after")\n    def _enforce_non_default_secrets(self) -> Self:\n        self._check_default_secret("SECRET_KEY", self.SECRET_KEY)\n        for host in self.DATABASE_URL.hosts():\n            self._check_default_secret("DATABASE_URL password", host["password"])\n        self._check_default_secret(\n            "FIRST_SUPERUSER_PASSWORD", self.FIRST_SUPERUSER_PASSWORD\n        )\n\n        return self\n',
    ),
    (
        "source_code",
        "fastapi/full-stack-fastapi-template:backend/app/core/security.py#L21-L30",
        '\ndef create_access_token(subject: str | Any, expires_delta: timedelta) -> str:\n    expire = datetime.now(UTC) + expires_delta\n    to_encode = {"exp": expire, "sub": str(subject)}\n    encoded_jwt = jwt.encode(to_encode, settings.SECRET_KEY, algorithm=ALGORITHM)\n    return encoded_jwt\n\n\ndef verify_password(\n    plain_password: str, hashed_password: str',
    ),
    (
        "source_code",
        "getsops/sops:cmd/sops/main.go#L105-L116",
        "   (you need valid credentials in ~/.aws/credentials or in your env)\n\n   To encrypt or decrypt a document with GCP KMS, specify the\n   GCP KMS resource ID in the --gcp-kms flag or in the SOPS_GCP_KMS_IDS\n   environment variable.\n   (You need to setup Google application default credentials. See\n    https://developers.google.com/identity/protocols/application-default-credentials)\n\n   To encrypt or decrypt a document with HuaweiCloud KMS, specify the\n   HuaweiCloud KMS key ID (format: region:key-uuid) in the --hckms flag or in the\n   SOPS_HUAWEICLOUD_KMS_IDS environment variable.\n   (You need to setup HuaweiCloud credentials via environment variables:",
    ),
    (
        "source_code",
        "getsops/sops:kms/keysource.go#L215-L236",
        "\t\t}\n\t\tbuilder.WriteString(key)\n\t\tbuilder.WriteByte(':')\n\t\tbuilder.WriteString(*in[key])\n\t}\n\treturn builder.String()\n}\n\n// CredentialsProvider is a wrapper around aws.CredentialsProvider used for\n// authentication towards AWS KMS.\ntype CredentialsProvider struct {\n\tprovider aws.CredentialsProvider\n}\n\n// NewCredentialsProvider returns a CredentialsProvider object with the provided\n// aws.CredentialsProvider.\nfunc NewCredentialsProvider(cp aws.CredentialsProvider) *CredentialsProvider {\n\treturn &CredentialsProvider{\n\t\tprovider: cp,\n\t}\n}\n",
    ),
    (
        "source_code",
        "hashicorp/terraform:internal/command/cliconfig/credentials.go#L278-L288",
        "// CredentialsFilePath returns the full path to the local credentials\n// configuration file, so that a caller can mention this path in order to\n// be transparent about where credentials will be stored.\n//\n// This file will be used for writes only if HostCredentialsLocation for the\n// relevant host returns CredentialsInPrimaryFile or CredentialsNotAvailable.\n//\n// The credentials file path is found relative to the current user's home\n// directory, so this function will return an error in the unlikely event that\n// we cannot determine a suitable home directory to resolve relative to.\nfunc (s *CredentialsSource) CredentialsFilePath() (string, error) {",
    ),
    (
        "source_code",
        "helm/helm:pkg/registry/client.go#L121-L142",
        '\tif client.authorizer == nil {\n\t\tauthorizer := auth.Client{\n\t\t\tClient: client.httpClient,\n\t\t}\n\t\tauthorizer.SetUserAgent(version.GetUserAgent())\n\n\t\tif client.username != "" && client.password != "" {\n\t\t\tauthorizer.Credential = func(_ context.Context, _ string) (auth.Credential, error) {\n\t\t\t\treturn auth.Credential{Username: client.username, Password: client.password}, nil\n\t\t\t}\n\t\t} else {\n\t\t\tauthorizer.Credential = credentials.Credential(client.credentialsStore)\n\t\t}\n\n\t\tif client.enableCache {\n\t\t\tauthorizer.Cache = auth.NewCache()\n\t\t}\n\t\tclient.authorizer = &authorizer\n\t}\n\n\treturn client, nil\n}',
    ),
    (
        "source_code",
        "hoppscotch/hoppscotch:packages/hoppscotch-backend/src/auth/auth.service.ts#L312-L322",
        "        statusCode: tokens.left.statusCode,\n      });\n\n    const deletedPasswordlessToken =\n      await this.deleteMagicLinkVerificationTokens(passwordlessTokens.value);\n    if (E.isLeft(deletedPasswordlessToken))\n      return E.left({\n        message: deletedPasswordlessToken.left,\n        statusCode: HttpStatus.NOT_FOUND,\n      });\n",
    ),
    (
        "source_code",
        "localstack/localstack:localstack-core/localstack/aws/accounts.py#L63-L75",
        '    # If AWS_ACCESS_KEY_ID has a 12-digit integer value, use it as the account ID\n    if re.match(r"\\d{12}", access_key_id):\n        return access_key_id\n\n    elif len(access_key_id) >= 20:\n        if not config.PARITY_AWS_ACCESS_KEY_ID:\n            # If AWS_ACCESS_KEY_ID has production AWS credentials, ignore them\n            if access_key_id.startswith("ASIA") or access_key_id.startswith("AKIA"):\n                LOG.debug(\n                    "Ignoring production AWS credentials provided to LocalStack. Falling back to default account ID."\n                )\n\n            elif access_key_id.startswith("LSIA") or access_key_id.startswith("LKIA"):',
    ),
    (
        "source_code",
        "minio/minio:cmd/config-current.go#L397-L414",
        "\t\t}\n\tcase config.PolicyOPASubSys:\n\t\t// In case legacy OPA config is being set, we treat it as if the\n\t\t// AuthZPlugin is being set.\n\t\tsubSys = config.PolicyPluginSubSys\n\t\tfallthrough\n\tcase config.PolicyPluginSubSys:\n\t\tif ppargs, err := polplugin.LookupConfig(s, GetDefaultConnSettings(), xhttp.DrainBody); err != nil {\n\t\t\treturn err\n\t\t} else if ppargs.URL == nil {\n\t\t\t// Check if legacy opa is configured.\n\t\t\tif _, err := opa.LookupConfig(s[config.PolicyOPASubSys][config.Default],\n\t\t\t\tNewHTTPTransport(), xhttp.DrainBody); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n\t\t}\n\tcase config.BrowserSubSys:\n\t\tif _, err := browser.LookupConfig(s[config.BrowserSubSys][config.Default]); err != nil {",
    ),
    (
        "source_code",
        "npm/cli:lib/utils/auth.js#L81-L101",
        "      } else {\n        throw err\n      }\n    }\n  }\n\n  // auth type !== web or ENYI error w/ web login\n  if (!res) {\n    const username = await read.username('Username:', creds.username)\n    const password = await read.password('Password:', creds.password)\n    res = await otplease(npm, opts, (reqOpts) => loginCouch(username, password, reqOpts))\n  }\n\n  // We don't know the username if it was a web login, all we can reliably log is scope and registry\n  const message = `Logged in${opts.scope ? ` to scope ${opts.scope}` : ''} on ${opts.registry}.`\n\n  log.info('login', message)\n\n  return {\n    message,\n    newCreds: { token: res.token },",
    ),
    (
        "source_code",
        "outline/outline:server/env.ts#L507-L530",
        '   * A Google Analytics tracking ID, supports v3 or v4 properties.\n   */\n  @Public\n  @IsOptional()\n  public GOOGLE_ANALYTICS_ID = this.toOptionalString(\n    environment.GOOGLE_ANALYTICS_ID\n  );\n\n  /**\n   * A DataDog API key for tracking server metrics.\n   */\n  public DD_API_KEY = environment.DD_API_KEY;\n\n  /**\n   * The name of the service to use in DataDog.\n   */\n  public DD_SERVICE = environment.DD_SERVICE ?? "outline";\n\n  /**\n   * A string representing the version of the software.\n   *\n   * SOURCE_COMMIT is used by Docker Hub\n   * SOURCE_VERSION is used by Heroku\n   */',
    ),
    (
        "source_code",
        "pallets/flask:src/flask/sessions.py#L296-L314",
        '    key_derivation = "hmac"\n    #: A python serializer for the payload.  The default is a compact\n    #: JSON derived serializer with support for some extra Python types\n    #: such as datetime objects or tuples.\n    serializer = session_json_serializer\n    session_class = SecureCookieSession\n\n    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:\n        if not app.secret_key:\n            return None\n\n        keys: list[str | bytes] = []\n\n        if fallbacks := app.config["SECRET_KEY_FALLBACKS"]:\n            keys.extend(fallbacks)\n\n        keys.append(app.secret_key)  # itsdangerous expects current key at top\n        return URLSafeTimedSerializer(\n            keys,  # type: ignore[arg-type]',
    ),
    (
        "source_code",
        "psf/requests:src/requests/auth.py#L63-L78",
        '    # -- End Removal --\n\n    if isinstance(username, str):\n        username = username.encode("latin1")\n\n    if isinstance(password, str):\n        password = password.encode("latin1")\n\n    authstr = "Basic " + to_native_string(\n        b64encode(b":".join((username, password))).strip()\n    )\n\n    return authstr\n\n\nclass AuthBase:',
    ),
    (
        "source_code",
        "pypa/pip:src/pip/_internal/network/auth.py#L439-L452",
        '\n        if username is not None or password is not None:\n            # Convert the username and password if they\'re None, so that\n            # this netloc will show up as "cached" in the conditional above.\n            # Further, HTTPBasicAuth doesn\'t accept None, so it makes sense to\n            # cache the value that is going to be used.\n            username = username or ""\n            password = password or ""\n\n            # Store any acquired credentials.\n            self.passwords[netloc] = (username, password)\n\n        assert (\n            # Credentials were found',
    ),
    (
        "source_code",
        "pypa/pipenv:pipenv/utils/internet.py#L220-L240",
        '    HTTP basic auth for an index host.\n\n    Existing user netrc entries are preserved by appending the contents of\n    the user\'s netrc to the temporary file, so unrelated machines remain\n    authenticatable.\n\n    Returns the absolute path to the netrc file, or ``None`` when no\n    credentialed sources were supplied.\n    """\n    if not sources:\n        return None\n\n    machine_blocks = []\n    seen_hosts = set()\n    for source in sources:\n        url = source.get("url") if isinstance(source, dict) else None\n        if not url:\n            continue\n        _, creds = _strip_credentials_from_url(url)\n        if creds is None:\n            continue',
    ),
    (
        "source_code",
        "python-poetry/poetry:src/poetry/utils/authenticator.py#L191-L211",
        '        return url\n\n    def request(\n        self, method: str, url: str, raise_for_status: bool = True, **kwargs: Any\n    ) -> requests.Response:\n        headers = kwargs.get("headers")\n        credential = self.get_credentials_for_url(url)\n\n        auth = None\n        if credential.username is not None or credential.password is not None:\n            auth = requests.auth.HTTPBasicAuth(\n                credential.username or "", credential.password or ""\n            )\n\n        request = requests.Request(method, url, headers=headers, auth=auth)\n\n        session = self.get_session(url=url)\n        prepared_request = session.prepare_request(request)\n\n        proxies: dict[str, str] = kwargs.get("proxies", {})\n        stream: bool | None = kwargs.get("stream")',
    ),
    (
        "source_code",
        "snipe/snipe-it:config/database.php#L113-L130",
        "            'driver'   => 'pgsql',\n            'host'     => env('DB_HOST', 'localhost'),\n            'port'     => env('DB_PORT', '5432'),\n            'database' => env('DB_DATABASE', 'forge'),\n            'username' => env('DB_USERNAME', 'forge'),\n            'password' => env('DB_PASSWORD', ''),\n            'charset'  => 'utf8',\n            'prefix'   => '',\n            'schema'   => 'public',\n        ],\n\n        'sqlsrv' => [\n            'driver'   => 'sqlsrv',\n            'host'     => env('DB_HOST', 'localhost'),\n            'database' => env('DB_DATABASE', 'forge'),\n            'username' => env('DB_USERNAME', 'forge'),\n            'password' => env('DB_PASSWORD', ''),\n            'charset'  => 'utf8',",
    ),
    (
        "source_code",
        "stripe/stripe-python:stripe/_api_requestor.py#L350-L368",
        '        # this property to distinguish between OAuth and API errors.\n        if isinstance(error_data, str):\n            err = self.specific_oauth_error(\n                rbody, rcode, resp, rheaders, error_data\n            )\n\n        if err is None:\n            err = (\n                self.specific_v2_api_error(\n                    rbody, rcode, resp, rheaders, error_data\n                )\n                if api_mode == "V2"\n                else self.specific_v1_api_error(\n                    rbody, rcode, resp, rheaders, error_data\n                )\n            )\n\n        raise err\n',
    ),
    (
        "source_code",
        "traefik/traefik:pkg/middlewares/auth/basic_auth.go#L96-L106",
        '\t\tobservability.SetStatusErrorf(req.Context(), "Authentication failed")\n\n\t\tb.auth.RequireAuth(rw, req)\n\t\treturn\n\t}\n\n\tlogger.Debug().Msg("Authentication succeeded")\n\treq.URL.User = url.User(user)\n\n\tif b.headerField != "" {\n\t\t// TODO Deprecated we should add the header with canonical key.',
    ),
    (
        "stack_trace",
        "localstack/localstack:tests/aws/services/lambda_/test_lambda.snapshot.json#L254-L274",
        '          "ResponseMetadata": {\n            "HTTPHeaders": {},\n            "HTTPStatusCode": 201\n          }\n        }\n      },\n      "invoke-result": {\n        "ExecutedVersion": "$LATEST",\n        "FunctionError": "Unhandled",\n        "Payload": {\n          "errorType": "Sandbox.Timedout",\n          "errorMessage": "RequestId: <timeout_error_msg> Error: Task timed out after 1.00 seconds"\n        },\n        "StatusCode": 200,\n        "ResponseMetadata": {\n          "HTTPHeaders": {},\n          "HTTPStatusCode": 200\n        }\n      }\n    }\n  },',
    ),
    (
        "stack_trace",
        "localstack/localstack:tests/aws/services/lambda_/test_lambda.snapshot.json#L3331-L3343",
        '          "HTTPStatusCode": 404\n        }\n      }\n    }\n  },\n  "tests/aws/services/lambda_/test_lambda.py::TestLambdaErrors::test_lambda_runtime_error": {\n    "recorded-date": "24-11-2025, 23:12:34",\n    "recorded-content": {\n      "invocation_error": {\n        "ExecutedVersion": "$LATEST",\n        "FunctionError": "Unhandled",\n        "Payload": {\n          "errorMessage": "Runtime startup fails",',
    ),
    (
        "stack_trace",
        "localstack/localstack:tests/aws/services/lambda_/test_lambda_destinations.snapshot.json#L461-L477",
        '            "functionArn": "arn:<partition>:lambda:<region>:111111111111:function:<resource:1>:$LATEST",\n            "condition": "EventAgeExceeded",\n            "approximateInvokeCount": 2\n          },\n          "requestPayload": {\n            "message": "<test-msg-id>"\n          },\n          "responseContext": {\n            "statusCode": 200,\n            "executedVersion": "$LATEST",\n            "functionError": "Unhandled"\n          },\n          "responsePayload": {\n            "errorMessage": "intentional failure",\n            "errorType": "Exception",\n            "requestId": "<uuid:3>",\n            "stackTrace": [',
    ),
    (
        "stack_trace",
        "npm/cli:tap-snapshots/test/lib/commands/install.js.test.cjs#L129-L142",
        'verbose title npm\nverbose argv "--fetch-retries" "0" "--cache" "{CWD}/cache" "--loglevel" "silly" "--color" "false"\nverbose logfile logs-max:10 dir:{CWD}/cache/_logs/{DATE}-\nverbose logfile {CWD}/cache/_logs/{DATE}-debug-0.log\nsilly logfile done cleaning log files\nverbose stack Error: The developer of this package has specified the following through devEngines\nverbose stack Invalid engine "runtime"\nverbose stack Invalid name "nondescript" does not match "node" for "runtime"\nverbose stack     at Install.checkDevEngines ({CWD}/lib/base-cmd.js:182:27)\nverbose stack     at MockNpm.#exec ({CWD}/lib/npm.js:251:7)\nverbose stack     at MockNpm.exec ({CWD}/lib/npm.js:207:9)\nerror code EBADDEVENGINES\nerror EBADDEVENGINES The developer of this package has specified the following through devEngines\nerror EBADDEVENGINES Invalid engine "runtime"',
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/parametrize.rst#L467-L489",
        "        }\n\n        def test_equals(self, a, b):\n            assert a == b\n\n        def test_zerodivision(self, a, b):\n            with pytest.raises(ZeroDivisionError):\n                a / b\n\nOur test generator looks up a class-level definition which specifies which\nargument sets to use for each test function.  Let's run it:\n\n.. code-block:: pytest\n\n    $ pytest -q\n    F..                                                                  [100%]\n    ================================= FAILURES =================================\n    ________________________ TestClass.test_equals[1-2] ________________________\n\n    self = <test_parametrize.TestClass object at 0xdeadbeef0002>, a = 1, b = 2\n\n        def test_equals(self, a, b):\n    >       assert a == b",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L268-L286",
        '\n    failure_demo.py:90: AssertionError\n    _________ TestSpecialisedExplanations.test_not_in_text_single_long _________\n\n    self = <failure_demo.TestSpecialisedExplanations object at 0xdeadbeef0014>\n\n        def test_not_in_text_single_long(self):\n            text = "head " * 50 + "foo " + "tail " * 20\n    >       assert "foo" not in text\n    E       AssertionError: assert \'foo\' not in \'head head h...l tail tail \'\n    E\n    E         \'foo\' is contained here:\n    E           head head foo tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail tail\n    E         ?           +++\n\n    failure_demo.py:94: AssertionError\n    ______ TestSpecialisedExplanations.test_not_in_text_single_long_term _______\n\n    self = <failure_demo.TestSpecialisedExplanations object at 0xdeadbeef0015>',
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L337-L355",
        "            left = Foo(1, \"b\")\n            right = Foo(1, \"c\")\n    >       assert left == right\n    E       AssertionError: assert Foo(a=1, b='b') == Foo(a=1, b='c')\n    E\n    E         Omitting 1 identical items, use -vv to show\n    E         Differing attributes:\n    E         ['b']\n    E\n    E         Drill down into differing attribute b:\n    E           b: 'b' != 'c'\n    E           - c\n    E           + b\n\n    failure_demo.py:122: AssertionError\n    ______________________________ test_attribute ______________________________\n\n        def test_attribute():\n            class Foo:",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L411-L424",
        "    E        +    where <failure_demo.test_attribute_multiple.<locals>.Foo object at 0xdeadbeef001b> = <class 'failure_demo.test_attribute_multiple.<locals>.Foo'>()\n    E        +  and   2 = <failure_demo.test_attribute_multiple.<locals>.Bar object at 0xdeadbeef001c>.b\n    E        +    where <failure_demo.test_attribute_multiple.<locals>.Bar object at 0xdeadbeef001c> = <class 'failure_demo.test_attribute_multiple.<locals>.Bar'>()\n\n    failure_demo.py:158: AssertionError\n    __________________________ TestRaises.test_raises __________________________\n\n    self = <failure_demo.TestRaises object at 0xdeadbeef001d>\n\n        def test_raises(self):\n            s = \"qwe\"\n    >       raises(TypeError, int, s)\n    E       ValueError: invalid literal for int() with base 10: 'qwe'\n",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L446-L461",
        '    self = <failure_demo.TestRaises object at 0xdeadbeef0020>\n\n        def test_tupleerror(self):\n    >       a, b = [1]  # noqa: F841\n            ^^^^\n    E       ValueError: not enough values to unpack (expected 2, got 1)\n\n    failure_demo.py:177: ValueError\n    ______ TestRaises.test_reinterpret_fails_with_print_for_the_fun_of_it ______\n\n    self = <failure_demo.TestRaises object at 0xdeadbeef0021>\n\n        def test_reinterpret_fails_with_print_for_the_fun_of_it(self):\n            items = [1, 2, 3]\n            print(f"items is {items!r}")\n    >       a, b = items.pop()',
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L535-L558",
        "\n    failure_demo.py:219: ValueError\n    ____________________ TestMoreErrors.test_z2_type_error _____________________\n\n    self = <failure_demo.TestMoreErrors object at 0xdeadbeef0025>\n\n        def test_z2_type_error(self):\n            items = 3\n    >       a, b = items\n            ^^^^\n    E       TypeError: cannot unpack non-iterable int object\n\n    failure_demo.py:223: TypeError\n    ______________________ TestMoreErrors.test_startswith ______________________\n\n    self = <failure_demo.TestMoreErrors object at 0xdeadbeef0026>\n\n        def test_startswith(self):\n            s = \"123\"\n            g = \"456\"\n    >       assert s.startswith(g)\n    E       AssertionError: assert False\n    E        +  where False = <built-in method startswith of str object at 0xdeadbeef0027>('456')\n    E        +    where <built-in method startswith of str object at 0xdeadbeef0027> = '123'.startswith",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L629-L642",
        "                a = 1\n\n            b = 2\n    >       assert A.a == b, \"A.a appears not to be b\"\n    E       AssertionError: A.a appears not to be b\n    E       assert 1 == 2\n    E        +  where 1 = <class 'failure_demo.TestCustomAssertMsg.test_single_line.<locals>.A'>.a\n\n    failure_demo.py:263: AssertionError\n    ____________________ TestCustomAssertMsg.test_multiline ____________________\n\n    self = <failure_demo.TestCustomAssertMsg object at 0xdeadbeef002f>\n\n        def test_multiline(self):",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/reportingdemo.rst#L85-L103",
        "    E         + spam\n\n    failure_demo.py:46: AssertionError\n    _____________ TestSpecialisedExplanations.test_eq_similar_text _____________\n\n    self = <failure_demo.TestSpecialisedExplanations object at 0xdeadbeef0008>\n\n        def test_eq_similar_text(self):\n    >       assert \"foo 1 bar\" == \"foo 2 bar\"\n    E       AssertionError: assert 'foo 1 bar' == 'foo 2 bar'\n    E\n    E         - foo 2 bar\n    E         ?     ^\n    E         + foo 1 bar\n    E         ?     ^\n\n    failure_demo.py:49: AssertionError\n    ____________ TestSpecialisedExplanations.test_eq_multiline_text ____________\n",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/simple.rst#L850-L870",
        '    E       assert 0\n\n    test_module.py:2: AssertionError\n    ________________________________ test_fail2 ________________________________\n\n        def test_fail2():\n    >       assert 0\n    E       assert 0\n\n    test_module.py:6: AssertionError\n    ========================= short test summary info ==========================\n    FAILED test_module.py::test_fail1 - assert 0\n    FAILED test_module.py::test_fail2 - assert 0\n    ============================ 2 failed in 0.12s =============================\n\nyou will have a "failures" file which contains the failing test ids:\n\n.. code-block:: bash\n\n    $ cat failures\n    test_module.py::test_fail1 (PYTEST_TMPDIR/test_fail10)',
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/example/simple.rst#L973-L994",
        "    test_module.py:15: AssertionError\n    ________________________________ test_fail2 ________________________________\n\n        def test_fail2():\n    >       assert 0\n    E       assert 0\n\n    test_module.py:19: AssertionError\n    ========================= short test summary info ==========================\n    FAILED test_module.py::test_call_fails - assert 0\n    FAILED test_module.py::test_fail2 - assert 0\n    ERROR test_module.py::test_setup_fails - assert 0\n    ======================== 2 failed, 1 error in 0.12s ========================\n\nYou'll see that the fixture finalizers could use the precise reporting\ninformation.\n\n.. _pytest current test env:\n\n``PYTEST_CURRENT_TEST`` environment variable\n--------------------------------------------\n",
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/how-to/capture-warnings.rst#L401-L411",
        '    >>> with warns(UserWarning, match=r"must be \\d+$"):\n    ...     warnings.warn("this is not here", UserWarning)\n    ...\n    Traceback (most recent call last):\n      ...\n    Failed: Regex pattern did not match any of the 1 warnings emitted.\n     Regex: ...\n     Emitted warnings: ...UserWarning...\n\n    >>> with warns(UserWarning, match=re.escape("issue with foo() func")):\n    ...     warnings.warn("issue with foo() func")',
    ),
    (
        "stack_trace",
        "pytest-dev/pytest:doc/en/how-to/doctest.rst#L119-L136",
        ".. tab:: ini\n\n    .. code-block:: ini\n\n        [pytest]\n        doctest_optionflags = NORMALIZE_WHITESPACE IGNORE_EXCEPTION_DETAIL\n\nAlternatively, options can be enabled by an inline comment in the doc test\nitself:\n\n.. code-block:: rst\n\n    >>> something_that_raises()  # doctest: +IGNORE_EXCEPTION_DETAIL\n    Traceback (most recent call last):\n    ValueError: ...\n\npytest also introduces new options:\n",
    ),
    (
        "terraform",
        "gruntwork-io/terragrunt:test/fixtures/assume-role/flag-env-creds/terragrunt.hcl#L1-L13",
        'remote_state {\n  backend = "s3"\n  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite_terragrunt"\n  }\n  config = {\n    bucket  = "__FILL_IN_BUCKET_NAME__"\n    key     = "${path_relative_to_include()}/terraform.tfstate"\n    region  = "__FILL_IN_REGION__"\n    encrypt = true\n  }\n}',
    ),
    (
        "terraform",
        "gruntwork-io/terragrunt:test/fixtures/assume-role/iam-role-attr-env-creds/.terraform.lock.hcl#L1-L27",
        '# This file is maintained automatically by "tofu init".\n# Manual edits may be lost in future updates.\n\nprovider "registry.opentofu.org/hashicorp/local" {\n  version     = "2.6.1"\n  constraints = "2.6.1"\n  hashes = [\n    "h1:+XfQ7VmNtYMp0eOnoQH6cZpSMk12IP1X6tEkMoMGQ/A=",\n    "h1:/+kH/83i8qMcwVzJIxeB+SvUEH2EIW69qwrSoCxMiYg=",\n    "h1:Dd5MP04TnE9qaFD8BQkJYkluiJCOsL7fwUTJx26KIP0=",\n    "h1:QH/Ay/SWVoOLgvFacjcvQcrw2WfEktZHxCcIQG0A9/w=",\n    "h1:R+vBQV89rxRk4aUDiVvYmVRB7OFYq5xczMdekhRPGF0=",\n    "h1:XiN9d3xRg1Xy//8c7j5b7s7/SHqKJM/iKhtXYQhdaQw=",\n    "h1:daBdyjOru1A6DZzjMfIg2o/3oOk0135tNUk9klcN5Rs=",\n    "h1:dhy8EXPk8bfoDPjS2lQiHIWp7imC6sn189fPXjtqnU4=",\n    "h1:vU6J/kywp/JfQdwwYjx84UiwKsVX79uPGZyRMkU61Rs=",\n    "zh:0416d7bf0b459a995cf48f202af7b7ffa252def7d23386fc05b34f67347a22ba",\n    "zh:24743d559026b59610eb3d9fa9ec7fbeb06399c0ef01272e46fe5c313eb5c6ff",\n    "zh:2561cdfbc90090fee7f844a5cb5cbed8472ce264f5d505acb18326650a5b563f",\n    "zh:3ebc3f2dc7a099bd83e5c4c2b6918e5b56ec746766c58a31a3f5d189cb837db5",\n    "zh:490e0ce925fc3848027e10017f960e9e19e7f9c3b620524f67ce54217d1c6390",\n    "zh:bf08934295877f831f2e5f17a0b3ebb51dd608b2509077f7b22afa7722e28950",\n    "zh:c298c0f72e1485588a73768cb90163863b6c3d4c71982908c219e9b87904f376",\n    "zh:cedbaed4967818903ef378675211ed541c8243c4597304161363e828c7dc3d36",\n    "zh:edda76726d7874128cf1e182640c332c5a5e6a66a053c0aa97e2a0e4267b3b92",\n  ]\n}',
    ),
    (
        "terraform",
        "gruntwork-io/terragrunt:test/fixtures/assume-role/iam-role-attr-env-creds/main.tf#L1-L13",
        'terraform {\n  required_providers {\n    local = {\n      source  = "hashicorp/local"\n      version = "2.6.1"\n    }\n  }\n}\n\nresource "local_file" "test_file" {\n  content  = "test_file"\n  filename = "${path.module}/test_file.txt"\n}',
    ),
    (
        "terraform",
        "gruntwork-io/terragrunt:test/fixtures/assume-role/iam-role-attr-env-creds/terragrunt.hcl#L1-L15",
        'iam_role = "__FILL_IN_ASSUME_ROLE__"\n\nremote_state {\n  backend = "s3"\n  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite_terragrunt"\n  }\n  config = {\n    bucket  = "__FILL_IN_BUCKET_NAME__"\n    key     = "${path_relative_to_include()}/terraform.tfstate"\n    region  = "__FILL_IN_REGION__"\n    encrypt = true\n  }\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/builtin/providers/terraform/testdata/basic.tfstate#L1-L12",
        '{\n    "version": 4,\n    "terraform_version": "0.13.0",\n    "serial": 0,\n    "lineage": "",\n    "outputs": {\n        "foo": {\n            "value": "bar",\n            "type": "string"\n        }\n    }\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/e2etest/testdata/initialized-directory-with-state-store-fs/states/default/terraform.tfstate#L1-L35",
        '{\n    "version": 4,\n    "terraform_version": "1.15.0",\n    "serial": 1,\n    "lineage": "9e13d881-e480-7a63-d47a-b4f5224e6743",\n    "outputs": {\n        "greeting": {\n            "value": "hello world",\n            "type": "string"\n        }\n    },\n    "resources": [\n        {\n            "mode": "managed",\n            "type": "terraform_data",\n            "name": "my-data",\n            "provider": "provider[\\"terraform.io/builtin/terraform\\"]",\n            "instances": [\n                {\n                    "schema_version": 0,\n                    "attributes": {\n                        "id": "d71fb368-2ba1-fb4c-5bd9-6a2b7f05d60c",\n                        "input": {\n                            "value": "hello world",\n                            "type": "string"\n                        },\n                        "output": {\n                            "value": "hello world",\n                            "type": "string"\n                        },\n                        "triggers_replace": null\n                    },\n                    "sensitive_attributes": [],\n                    "identity_schema_version": 0\n                }',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/apply-sensitive-output/main.tf#L1-L12",
        'variable "input" {\n  default = "Hello world"\n}\n\noutput "notsensitive" {\n  value = "${var.input}"\n}\n\noutput "sensitive" {\n  sensitive = true\n  value = "${var.input}"\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/apply-sensitive-variable/main.tf#L1-L9",
        'variable "shadow" {\n  type = string\n  sensitive = true\n}\n\noutput "foo" {\n  value = var.shadow\n  sensitive = true\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/backend-change-multi-to-no-default-with-default/.terraform/terraform.tfstate#L1-L22",
        '{\n    "version": 3,\n    "serial": 0,\n    "lineage": "666f9301-7e65-4b19-ae23-71184bb19b03",\n    "backend": {\n        "type": "local",\n        "config": {\n            "path": "local-state.tfstate"\n        },\n        "hash": 9073424445967744180\n    },\n    "modules": [\n        {\n            "path": [\n                "root"\n            ],\n            "outputs": {},\n            "resources": {},\n            "depends_on": []\n        }\n    ]\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/backend-from-state/terraform.tfstate#L1-L10",
        '{\n    "version": 3,\n    "terraform_version": "0.12.0",\n    "serial": 7,\n    "lineage": "configured",\n    "backend": {\n        "type": "inmem",\n        "config": {}\n    }\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/backend-new-migrate/terraform.tfstate#L1-L12",
        '{\n    "version": 4,\n    "terraform_version": "0.14.0",\n    "serial": 8,\n    "lineage": "backend-new-migrate",\n    "outputs": {\n        "foo": {\n            "type": "string",\n            "value": "bar"\n        }\n    }\n}',
    ),
    (
        "terraform",
        "hashicorp/terraform:internal/command/testdata/query/with-sensitive-variables/main.tf#L1-L13",
        'terraform {\n  required_providers {\n    test = {\n      source = "hashicorp/test"\n    }\n  }\n}\n\nprovider "test" {}\n\nresource "test_instance" "example" {\n  ami = "ami-12345"\n}',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:examples/complete-mysql/main.tf#L150-L163",
        '  tags = local.tags\n}\n\nmodule "security_group" {\n  source  = "terraform-aws-modules/security-group/aws"\n  version = "~> 5.0"\n\n  name        = local.name\n  description = "Complete MySQL example security group"\n  vpc_id      = module.vpc.vpc_id\n\n  # ingress\n  ingress_with_cidr_blocks = [\n    {',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:examples/complete-oracle/outputs.tf#L74-L96",
        '  value       = module.db.db_subnet_group_arn\n}\n\noutput "db_parameter_group_id" {\n  description = "The db parameter group id"\n  value       = module.db.db_parameter_group_id\n}\n\noutput "db_parameter_group_arn" {\n  description = "The ARN of the db parameter group"\n  value       = module.db.db_parameter_group_arn\n}\n\noutput "db_instance_cloudwatch_log_groups" {\n  description = "Map of CloudWatch log groups created and their attributes"\n  value       = module.db.db_instance_cloudwatch_log_groups\n}\n\noutput "db_instance_master_user_secret_arn" {\n  description = "The ARN of the master user secret (Only available when manage_master_user_password is set to true)"\n  value       = module.db.db_instance_master_user_secret_arn\n}\n',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:examples/complete-postgres/main.tf#L53-L75",
        '  # automatic rotation and rotation will be handled by RDS.\n  # manage_master_user_password_rotation allows users to configure\n  # a non-default schedule and is not meant to disable rotation\n  # when initially creating / enabling the password management feature\n  manage_master_user_password_rotation              = true\n  master_user_password_rotate_immediately           = false\n  master_user_password_rotation_schedule_expression = "rate(15 days)"\n\n  multi_az               = true\n  db_subnet_group_name   = module.vpc.database_subnet_group\n  vpc_security_group_ids = [module.security_group.security_group_id]\n\n  maintenance_window              = "Mon:00:00-Mon:03:00"\n  backup_window                   = "03:00-06:00"\n  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]\n  create_cloudwatch_log_group     = true\n\n  backup_retention_period = 1\n  skip_final_snapshot     = true\n  deletion_protection     = false\n\n  performance_insights_enabled          = true\n  performance_insights_retention_period = 7',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:main.tf#L88-L111",
        '  domain_dns_ips                      = var.domain_dns_ips\n  domain_fqdn                         = var.domain_fqdn\n  domain_iam_role_name                = var.domain_iam_role_name\n  domain_ou                           = var.domain_ou\n  iam_database_authentication_enabled = var.iam_database_authentication_enabled\n  custom_iam_instance_profile         = var.custom_iam_instance_profile\n  manage_master_user_password         = var.manage_master_user_password\n  master_user_secret_kms_key_id       = var.master_user_secret_kms_key_id\n\n  manage_master_user_password_rotation                   = var.manage_master_user_password_rotation\n  master_user_password_rotate_immediately                = var.master_user_password_rotate_immediately\n  master_user_password_rotation_automatically_after_days = var.master_user_password_rotation_automatically_after_days\n  master_user_password_rotation_duration                 = var.master_user_password_rotation_duration\n  master_user_password_rotation_schedule_expression      = var.master_user_password_rotation_schedule_expression\n\n  vpc_security_group_ids    = var.vpc_security_group_ids\n  customer_owned_ip_enabled = var.customer_owned_ip_enabled\n  db_subnet_group_name      = local.db_subnet_group_name\n  parameter_group_name      = local.parameter_group_name_id\n  option_group_name         = var.engine != "postgres" ? local.option_group : null\n  network_type              = var.network_type\n\n  availability_zone      = var.availability_zone\n  multi_az               = var.multi_az',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:modules/db_instance/main.tf#L56-L77",
        "  domain_ou                           = var.domain_ou\n  iam_database_authentication_enabled = var.iam_database_authentication_enabled\n  custom_iam_instance_profile         = var.custom_iam_instance_profile\n  manage_master_user_password         = !local.is_replica && var.manage_master_user_password ? var.manage_master_user_password : null\n  master_user_secret_kms_key_id       = !local.is_replica && var.manage_master_user_password ? var.master_user_secret_kms_key_id : null\n\n  vpc_security_group_ids    = var.vpc_security_group_ids\n  customer_owned_ip_enabled = var.customer_owned_ip_enabled\n  db_subnet_group_name      = var.db_subnet_group_name\n  parameter_group_name      = var.parameter_group_name\n  option_group_name         = var.option_group_name\n  network_type              = var.network_type\n\n  availability_zone      = var.availability_zone\n  multi_az               = var.multi_az\n  iops                   = var.iops\n  storage_throughput     = var.storage_throughput\n  publicly_accessible    = var.publicly_accessible\n  ca_cert_identifier     = var.ca_cert_identifier\n  dedicated_log_volume   = var.dedicated_log_volume\n  upgrade_storage_config = var.upgrade_storage_config\n",
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:outputs.tf#L166-L181",
        '\n################################################################################\n# DB Instance Role Association\n################################################################################\n\noutput "db_instance_role_associations" {\n  description = "A map of DB Instance Identifiers and IAM Role ARNs separated by a comma"\n  value       = module.db_instance_role_association\n}\n\n################################################################################\n# Managed Secret Rotation\n################################################################################\n\noutput "db_instance_secretsmanager_secret_rotation_enabled" {\n  description = "Specifies whether automatic rotation is enabled for the secret"',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-rds:variables.tf#L172-L193",
        '  ephemeral   = true\n  default     = null\n}\n\nvariable "password_wo_version" {\n  description = "Used together with password_wo to trigger an update. Increment this value when an update to password_wo is required."\n  type        = number\n  default     = null\n}\n\nvariable "manage_master_user_password" {\n  description = "Set to true to allow RDS to manage the master user password in Secrets Manager"\n  type        = bool\n  default     = true\n}\n\nvariable "master_user_secret_kms_key_id" {\n  description = <<EOF\n  The key ARN, key ID, alias ARN or alias name for the KMS key to encrypt the master user password secret in Secrets Manager.\n  If not specified, the default KMS key for your Amazon Web Services account is used.\n  EOF\n  type        = string',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-vpc:examples/complete/main.tf#L98-L113",
        '    }\n  }\n\n  endpoints = {\n    s3 = {\n      service             = "s3"\n      private_dns_enabled = true\n      dns_options = {\n        private_dns_only_for_inbound_resolver_endpoint = false\n      }\n      tags = { Name = "s3-vpc-endpoint" }\n    },\n    dynamodb = {\n      service         = "dynamodb"\n      service_type    = "Gateway"\n      route_table_ids = flatten([module.vpc.intra_route_table_ids, module.vpc.private_route_table_ids, module.vpc.public_route_table_ids])',
    ),
    (
        "terraform",
        "terraform-aws-modules/terraform-aws-vpc:variables.tf#L597-L611",
        '  ]\n}\n\nvariable "database_outbound_acl_rules" {\n  description = "Database subnets outbound network ACL rules"\n  type        = list(map(string))\n  default = [\n    {\n      rule_number = 100\n      rule_action = "allow"\n      from_port   = 0\n      to_port     = 0\n      protocol    = "-1"\n      cidr_block  = "0.0.0.0/0"\n    },',
    ),
    (
        "web_server_config",
        "caddyserver/caddy:caddytest/integration/caddyfile_adapt/acme_dns_configured.caddyfiletest#L1-L30",
        '{\n\tacme_dns mock foo\n}\n\nexample.com {\n\trespond "Hello World"\n}\n----------\n{\n\t"apps": {\n\t\t"http": {\n\t\t\t"servers": {\n\t\t\t\t"srv0": {\n\t\t\t\t\t"listen": [\n\t\t\t\t\t\t":443"\n\t\t\t\t\t],\n\t\t\t\t\t"routes": [\n\t\t\t\t\t\t{\n\t\t\t\t\t\t\t"match": [\n\t\t\t\t\t\t\t\t{\n\t\t\t\t\t\t\t\t\t"host": [\n\t\t\t\t\t\t\t\t\t\t"example.com"\n\t\t\t\t\t\t\t\t\t]\n\t\t\t\t\t\t\t\t}\n\t\t\t\t\t\t\t],\n\t\t\t\t\t\t\t"handle": [\n\t\t\t\t\t\t\t\t{\n\t\t\t\t\t\t\t\t\t"handler": "subroute",\n\t\t\t\t\t\t\t\t\t"routes": [\n\t\t\t\t\t\t\t\t\t\t{',
    ),
    (
        "web_server_config",
        "caddyserver/caddy:caddytest/integration/caddyfile_adapt/acme_dns_naked_without_dns.caddyfiletest#L1-L9",
        "{\n\tacme_dns\n}\n\nexample.com {\n\trespond \"Hello World\"\n}\n----------\nacme_dns specified without DNS provider config, but no provider specified with 'dns' global option",
    ),
    (
        "web_server_config",
        "caddyserver/caddy:caddytest/integration/caddyfile_adapt/acme_server_lifetime.caddyfiletest#L1-L30",
        '{\n\tpki {\n\t\tca internal {\n\t\t\tname "Internal"\n\t\t\troot_cn "Internal Root Cert"\n\t\t\tintermediate_cn "Internal Intermediate Cert"\n\t\t}\n\t\tca internal-long-lived {\n\t\t\tname "Long-lived"\n\t\t\troot_cn "Internal Root Cert 2"\n\t\t\tintermediate_cn "Internal Intermediate Cert 2"\n\t\t}\n\t}\n}\n\nacme-internal.example.com {\n\tacme_server {\n\t\tca internal\n\t}\n}\n\nacme-long-lived.example.com {\n\tacme_server {\n\t\tca internal-long-lived\n\t\tlifetime 7d\n\t}\n}\n----------\n{\n\t"apps": {',
    ),
    (
        "web_server_config",
        "caddyserver/caddy:caddytest/integration/caddyfile_adapt/acme_server_multi_custom_challenges.caddyfiletest#L1-L30",
        '{\n\tpki {\n\t\tca custom-ca {\n\t\t\tname "Custom CA"\n\t\t}\n\t}\n}\n\nacme.example.com {\n\tacme_server {\n\t\tca custom-ca\n\t\tchallenges dns-01 http-01\n\t}\n}\n----------\n{\n\t"apps": {\n\t\t"http": {\n\t\t\t"servers": {\n\t\t\t\t"srv0": {\n\t\t\t\t\t"listen": [\n\t\t\t\t\t\t":443"\n\t\t\t\t\t],\n\t\t\t\t\t"routes": [\n\t\t\t\t\t\t{\n\t\t\t\t\t\t\t"match": [\n\t\t\t\t\t\t\t\t{\n\t\t\t\t\t\t\t\t\t"host": [\n\t\t\t\t\t\t\t\t\t\t"acme.example.com"\n\t\t\t\t\t\t\t\t\t]',
    ),
    (
        "web_server_config",
        "caddyserver/caddy:caddytest/integration/caddyfile_adapt/acme_server_policy-allow.caddyfiletest#L1-L30",
        '{\n\tpki {\n\t\tca custom-ca {\n\t\t\tname "Custom CA"\n\t\t}\n\t}\n}\n\nacme.example.com {\n\tacme_server {\n\t\tca custom-ca\n\t\tallow {\n\t\t\tdomains host-1.internal.example.com host-2.internal.example.com\n\t\t}\n\t}\n}\n----------\n{\n\t"apps": {\n\t\t"http": {\n\t\t\t"servers": {\n\t\t\t\t"srv0": {\n\t\t\t\t\t"listen": [\n\t\t\t\t\t\t":443"\n\t\t\t\t\t],\n\t\t\t\t\t"routes": [\n\t\t\t\t\t\t{\n\t\t\t\t\t\t\t"match": [\n\t\t\t\t\t\t\t\t{\n\t\t\t\t\t\t\t\t\t"host": [',
    ),
    (
        "web_server_config",
        "h5bp/server-configs-apache:h5bp/cross-origin/images.conf#L1-L13",
        '# ----------------------------------------------------------------------\n# | Cross-origin images                                                |\n# ----------------------------------------------------------------------\n\n# Send the CORS header for images when browsers request it.\n#\n# https://developer.mozilla.org/en-US/docs/Web/HTML/CORS_enabled_image\n# https://blog.chromium.org/2011/07/using-cross-domain-images-in-webgl-and.html\n\n<IfModule mod_setenvif.c>\n    <IfModule mod_headers.c>\n        <FilesMatch "\\.(avifs?|bmp|cur|gif|ico|jpe?g|jxl|a?png|svgz?|webp)$">\n            SetEnvIf Origin ":" IS_CORS',
    ),
    (
        "web_server_config",
        "h5bp/server-configs-apache:h5bp/cross-origin/requests.conf#L1-L15",
        "# ----------------------------------------------------------------------\n# | Cross-origin requests                                              |\n# ----------------------------------------------------------------------\n\n# Allow cross-origin requests.\n#\n# https://developer.mozilla.org/en-US/docs/Web/HTTP/Access_control_CORS\n# https://enable-cors.org/\n# https://www.w3.org/TR/cors/\n\n# (!) Do not use this without understanding the consequences.\n#     This will permit access from any other website.\n#     Instead of using this file, consider using a specific rule such as\n#     allowing access based on (sub)domain:\n#",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-apache:h5bp/cross-origin/resource_timing.conf#L1-L17",
        '# ----------------------------------------------------------------------\n# | Cross-origin resource timing                                       |\n# ----------------------------------------------------------------------\n\n# Allow cross-origin access to the timing information for all resources.\n#\n# If a resource isn\'t served with a `Timing-Allow-Origin` header that would\n# allow its timing information to be shared with the document, some of the\n# attributes of the `PerformanceResourceTiming` object will be set to zero.\n#\n# https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Timing-Allow-Origin\n# https://www.w3.org/TR/resource-timing/\n# https://www.stevesouders.com/blog/2014/08/21/resource-timing-practical-tips/\n\n<IfModule mod_headers.c>\n    Header set Timing-Allow-Origin: "*"\n</IfModule>',
    ),
    (
        "web_server_config",
        "h5bp/server-configs-apache:h5bp/cross-origin/web_fonts.conf#L7-L13",
        '# https://developers.google.com/fonts/docs/troubleshooting\n\n<IfModule mod_headers.c>\n    <FilesMatch "\\.(eot|otf|tt[cf]|woff2?)$">\n        Header set Access-Control-Allow-Origin "*"\n    </FilesMatch>\n</IfModule>',
    ),
    (
        "web_server_config",
        "h5bp/server-configs-apache:h5bp/rewrites/rewrite_engine.conf#L18-L30",
        "#\n#     https://httpd.apache.org/docs/current/misc/perf-tuning.html#symlinks\n#\n# (4) Some cloud hosting services will require you set `RewriteBase`.\n#\n#     https://www.rackspace.com/knowledge_center/frequently-asked-question/why-is-modrewrite-not-working-on-my-site\n#     https://httpd.apache.org/docs/current/mod/mod_rewrite.html#rewritebase\n#\n# (5) Depending on how your server is set up, you may also need to use the\n#     `RewriteOptions` directive to enable some options for the rewrite engine.\n#\n#     https://httpd.apache.org/docs/current/mod/mod_rewrite.html#rewriteoptions\n",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-nginx:conf.d/templates/example.com.conf#L20-L37",
        "  include h5bp/tls/policy_balanced.conf;\n\n  return 301 $scheme://example.com$request_uri;\n}\n\n\nserver {\n  # listen [::]:443 ssl http2 accept_filter=dataready;  # for FreeBSD\n  # listen 443 ssl http2 accept_filter=dataready;  # for FreeBSD\n  listen [::]:443 ssl http2;\n  listen 443 ssl http2;\n\n  # The host name to respond to\n  server_name example.com;\n\n  include h5bp/tls/ssl_engine.conf;\n  include h5bp/tls/certificate_files.conf;\n  include h5bp/tls/policy_balanced.conf;",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-nginx:h5bp/security/content-security-policy.conf#L22-L28",
        "# https://www.w3.org/TR/CSP/\n# https://owasp.org/www-project-secure-headers/#content-security-policy\n# https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy\n# https://developers.google.com/web/fundamentals/security/csp\n# https://content-security-policy.com/\n\nadd_header Content-Security-Policy $content_security_policy always;",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-nginx:h5bp/tls/ocsp_stapling.conf#L10-L20",
        "# https://wiki.mozilla.org/Security/Server_Side_TLS#OCSP_Stapling\n# https://tools.ietf.org/html/rfc6066#section-8\n# https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_stapling\n#\n# (1) Use Cloudflare 1.1.1.1 DNS resolver\n#     https://developers.cloudflare.com/1.1.1.1/setting-up-1.1.1.1/\n#\n# (2) Use Google 8.8.8.8 DNS resolver\n#     https://developers.google.com/speed/public-dns/docs/using\n#\n# (3) Use OpenDNS resolver",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-nginx:h5bp/tls/policy_balanced.conf#L3-L16",
        "# ----------------------------------------------------------------------\n\n# For services that need to support a wide range of clients, this configuration\n# is reasonably balanced.\n#\n# (1) The NIST curves (prime256v1, secp384r1, secp521r1) are known to be weak\n#     and potentially vulnerable but are required to support Microsoft Edge\n#     and Safari.\n#     https://safecurves.cr.yp.to/\n#\n# https://wiki.mozilla.org/Security/Server_Side_TLS#Recommended_configurations\n# https://nginx.org/en/docs/http/ngx_http_ssl_module.html\n\nssl_protocols TLSv1.2;",
    ),
    (
        "web_server_config",
        "h5bp/server-configs-nginx:nginx.conf#L166-L186",
        '  }\n  # Cross-Origin-Resource-Policy\n  map $sent_http_content_type $corp_policy {\n    ~*text/(html|javascript)|application/pdf|xml "same-origin";\n  }\n\n  # Add Access-Control-Allow-Origin.\n  # h5bp/cross-origin/requests.conf\n  map $sent_http_content_type $cors {\n    # Images\n    ~*image/                        "*";\n\n    # Web fonts\n    ~*font/                         "*";\n    ~*application/vnd.ms-fontobject "*";\n    ~*application/x-font-ttf        "*";\n    ~*application/font-woff         "*";\n    ~*application/x-font-woff       "*";\n    ~*application/font-woff2        "*";\n  }\n',
    ),
    (
        "web_server_config",
        "minio/minio:docs/orchestration/docker-compose/nginx.conf#L1-L45",
        'user  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log warn;\npid        /var/run/nginx.pid;\n\nevents {\n    worker_connections  4096;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n\n    log_format  main  \'$remote_addr - $remote_user [$time_local] "$request" \'\n                      \'$status $body_bytes_sent "$http_referer" \'\n                      \'"$http_user_agent" "$http_x_forwarded_for"\';\n\n    access_log  /var/log/nginx/access.log  main;\n    sendfile        on;\n    keepalive_timeout  65;\n\n    # include /etc/nginx/conf.d/*.conf;\n\n    upstream minio {\n        server minio1:9000;\n        server minio2:9000;\n        server minio3:9000;\n        server minio4:9000;\n    }\n\n    upstream console {\n        ip_hash;\n        server minio1:9001;\n        server minio2:9001;\n        server minio3:9001;\n        server minio4:9001;\n    }\n\n    server {\n        listen       9000;\n        listen  [::]:9000;\n        server_name  localhost;\n\n        # To allow special characters in headers',
    ),
    (
        "web_server_config",
        "nginx-proxy/nginx-proxy:nginx.tmpl#L189-L206",
        '         * This ssl_ciphers directive is not used but necessary to get TLSv1.3 only.\n         * see https://serverfault.com/questions/1023766/nginx-with-only-tls1-3-cipher-suites\n         */}}\n    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384;\n    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;\n    ssl_prefer_server_ciphers off;\n    {{- else if eq .ssl_policy "Mozilla-Intermediate" }}\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers \'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305\';\n    ssl_prefer_server_ciphers off;\n    {{- else if eq .ssl_policy "Mozilla-Old" }}\n    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n    ssl_ciphers \'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA:@SECLEVEL=0\';\n    ssl_prefer_server_ciphers on;\n    {{- else if eq .ssl_policy "AWS-TLS13-1-3-2021-06" }}\n    ssl_protocols TLSv1.3;\n    {{- /*\n         * This ssl_ciphers directive is not used but necessary to get TLSv1.3 only.',
    ),
    (
        "web_server_config",
        "nginx-proxy/nginx-proxy:nginx.tmpl#L19-L30",
        '{{- $_ := set $config "external_https_port" ($globals.Env.HTTPS_PORT | default "443") }}\n{{- $_ := set $config "sha1_upstream_name" ($globals.Env.SHA1_UPSTREAM_NAME | default "false" | parseBool) }}\n{{- $_ := set $config "default_root_response" ($globals.Env.DEFAULT_ROOT | default "404") }}\n{{- $_ := set $config "trust_default_cert" ($globals.Env.TRUST_DEFAULT_CERT | default "true") }}\n{{- $_ := set $config "trust_downstream_proxy" ($globals.Env.TRUST_DOWNSTREAM_PROXY | default "true" | parseBool) }}\n{{- $_ := set $config "enable_access_log" ($globals.Env.DISABLE_ACCESS_LOGS | default "false" | parseBool | not) }}\n{{- $_ := set $config "enable_ipv6" ($globals.Env.ENABLE_IPV6 | default "false" | parseBool) }}\n{{- $_ := set $config "prefer_ipv6_network" ($globals.Env.PREFER_IPV6_NETWORK | default "false" | parseBool) }}\n{{- $_ := set $config "ssl_policy" ($globals.Env.SSL_POLICY | default "Mozilla-Intermediate") }}\n{{- $_ := set $config "enable_debug_endpoint" ($globals.Env.DEBUG_ENDPOINT | default "false") }}\n{{- $_ := set $config "hsts" ($globals.Env.HSTS | default "max-age=31536000") }}\n{{- $_ := set $config "acme_http_challenge" ($globals.Env.ACME_HTTP_CHALLENGE_LOCATION | default "true") }}',
    ),
    (
        "web_server_config",
        "nginx-proxy/nginx-proxy:nginx.tmpl#L243-L251",
        "    ssl_prefer_server_ciphers on;\n    {{- else if eq .ssl_policy \"AWS-FS-1-2-2019-08\" }}\n    ssl_protocols TLSv1.2;\n    ssl_ciphers 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA';\n    ssl_prefer_server_ciphers on;\n    {{- else if eq .ssl_policy \"AWS-FS-1-1-2019-08\" }}\n    ssl_protocols TLSv1.1 TLSv1.2;\n    ssl_ciphers 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0';\n    ssl_prefer_server_ciphers on;",
    ),
    (
        "web_server_config",
        "nginx-proxy/nginx-proxy:nginx.tmpl#L919-L938",
        '    # No default certificate found, so reject SSL handshake;\n    ssl_reject_handshake on;\n        {{- end }}\n\n        {{- if $globals.config.acme_http_challenge_accept_unknown_host }}\n    location ^~ /.well-known/acme-challenge/ {\n        auth_basic off;\n        auth_request off;\n        allow all;\n        root /usr/share/nginx/html;\n        try_files $uri =404;\n        break;\n    }\n        {{- end }}\n\n        {{- if (exists "/usr/share/nginx/html/errors/50x.html") }}\n    error_page 500 502 503 504 /50x.html;\n    location /50x.html {\n        root /usr/share/nginx/html/errors;\n        internal;',
    ),
    (
        "web_server_config",
        "traefik/traefik:docs/content/https/ref-acme.toml#L10-L29",
        '  # File or key used for certificates storage.\n  #\n  # Required\n  #\n  storage = "acme.json"\n\n  # CA server to use.\n  # Uncomment the line to use Let\'s Encrypt\'s staging server,\n  # leave commented to go to prod.\n  #\n  # Optional\n  # Default: "https://acme-v02.api.letsencrypt.org/directory"\n  #\n  # caServer = "https://acme-staging-v02.api.letsencrypt.org/directory"\n\n  # The certificates\' duration in hours.\n  # It defaults to 2160 (90 days) to follow Let\'s Encrypt certificates\' duration.\n  #\n  # Optional\n  # Default: 2160',
    ),
    (
        "web_server_config",
        "traefik/traefik:docs/content/reference/dynamic-configuration/docker-labels.yml#L56-L66",
        '- "traefik.http.middlewares.middleware11.grpcweb.alloworigins=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolallowcredentials=true"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolallowheaders=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolallowmethods=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolalloworiginlist=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolalloworiginlistregex=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolexposeheaders=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.accesscontrolmaxage=42"\n- "traefik.http.middlewares.middleware12.headers.addvaryheader=true"\n- "traefik.http.middlewares.middleware12.headers.allowedhosts=foobar, foobar"\n- "traefik.http.middlewares.middleware12.headers.browserxssfilter=true"',
    ),
    (
        "web_server_config",
        "traefik/traefik:docs/content/reference/dynamic-configuration/file.toml#L221-L240",
        '      [http.middlewares.Middleware11.grpcWeb]\n        allowOrigins = ["foobar", "foobar"]\n    [http.middlewares.Middleware12]\n      [http.middlewares.Middleware12.headers]\n        accessControlAllowCredentials = true\n        accessControlAllowHeaders = ["foobar", "foobar"]\n        accessControlAllowMethods = ["foobar", "foobar"]\n        accessControlAllowOriginList = ["foobar", "foobar"]\n        accessControlAllowOriginListRegex = ["foobar", "foobar"]\n        accessControlExposeHeaders = ["foobar", "foobar"]\n        accessControlMaxAge = 42\n        addVaryHeader = true\n        allowedHosts = ["foobar", "foobar"]\n        hostsProxyHeaders = ["foobar", "foobar"]\n        stsSeconds = 42\n        stsIncludeSubdomains = true\n        stsPreload = true\n        forceSTSHeader = true\n        frameDeny = true\n        customFrameOptionsValue = "foobar"',
    ),
    (
        "web_server_config",
        "traefik/traefik:docs/content/reference/dynamic-configuration/file.toml#L332-L341",
        '            excludedIPs = ["foobar", "foobar"]\n            ipv6Subnet = 42\n        [http.middlewares.Middleware18.rateLimit.redis]\n          endpoints = ["foobar", "foobar"]\n          username = "foobar"\n          password = "foobar"\n          db = 42\n          poolSize = 42\n          minIdleConns = 42\n          maxActiveConns = 42',
    ),
    (
        "web_server_config",
        "traefik/traefik:docs/content/reference/dynamic-configuration/file.yaml#L248-L259",
        "          name0: foobar\n          name1: foobar\n        customResponseHeaders:\n          name0: foobar\n          name1: foobar\n        accessControlAllowCredentials: true\n        accessControlAllowHeaders:\n          - foobar\n          - foobar\n        accessControlAllowMethods:\n          - foobar\n          - foobar",
    ),
]

# (format, source, template, indent): real excerpts with MARK where the seeded value goes
TEMPLATES: list[tuple[str, str, str, str]] = [
    (
        "anthropic_api_key",
        "pypa/pipenv:.github/workflows/changelog.yml#L26-L39 (value inserted)",
        "        id: generate\n        uses: mistricky/ccc@v0.2.6\n        with:\n          github_token: ${{ secrets.GITHUB_TOKEN }}\n          anthropic_api_key: @@S@@\n          model: claude-sonnet-4-6\n\n      - name: Create GitHub Release\n        uses: softprops/action-gh-release@v3\n        with:\n          tag_name: ${{ github.ref_name }}\n          name: Release ${{ github.ref_name }}\n          body: |\n            ## \U0001f916 AI-Generated Changelog",
        "",
    ),
    (
        "aws_secret_access_key",
        "aws-actions/configure-aws-credentials:README.md#L249-L266 (value inserted)",
        "specify the profile name as an environment variable in the job step:\n\n```yaml\n- name: Configure AWS Credentials\n  uses: aws-actions/configure-aws-credentials@v6.2.3\n  with:\n    aws-region: us-east-1\n    role-to-assume: arn:aws:iam::123456789100:role/my-role\n    aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n    aws-secret-access-key: @@S@@\n    aws-profile: MyProfile1\n    role-chaining: true\n  env:\n    AWS_PROFILE: MyProfile1\n```\n\nIf you are using one role to assume another while using profiles, the subsequent\nsteps must set `role-chaining: true` and specify the prior profile's name as",
        "",
    ),
    (
        "aws_secret_access_key",
        "documenso/documenso:.env.example#L143-L155 (value inserted)",
        "NEXT_PUBLIC_DOCUMENT_SIZE_UPLOAD_LIMIT=5\n\n# [[EE ONLY]]\n# OPTIONAL: The AWS SES API KEY to verify email domains with.\nNEXT_PRIVATE_SES_ACCESS_KEY_ID=\nNEXT_PRIVATE_SES_SECRET_ACCESS_KEY=@@S@@\nNEXT_PRIVATE_SES_REGION=\n\n# [[STRIPE]]\nNEXT_PRIVATE_STRIPE_API_KEY=\nNEXT_PRIVATE_STRIPE_WEBHOOK_SECRET=\n\n# [[BACKGROUND JOBS]]",
        "",
    ),
    (
        "aws_access_key_id",
        "ansible/ansible-examples:windows/wamp_haproxy/group_vars/all#L1-L5 (value inserted)",
        "---\nec2_access_key: @@S@@\nec2_secret_key: \nec2_region: us-east-1 \nec2_zone: ",
        "",
    ),
    (
        "aws_secret_access_key",
        "snipe/snipe-it:.env.example#L156-L165 (value inserted)",
        "\n# --------------------------------------------\n# OPTIONAL: AWS Settings\n# --------------------------------------------\nAWS_ACCESS_KEY_ID=null\nAWS_SECRET_ACCESS_KEY=@@S@@\nAWS_DEFAULT_REGION=null\n\n# --------------------------------------------\n# OPTIONAL: LOGIN THROTTLING",
        "",
    ),
    (
        "aws_secret_access_key",
        "snipe/snipe-it:.env.docker#L146-L158 (value inserted)",
        "PUBLIC_AWS_BUCKET_ROOT=null\n\n# --------------------------------------------\n# OPTIONAL: PRIVATE S3 Settings\n# --------------------------------------------\nPRIVATE_AWS_ACCESS_KEY_ID=null\nPRIVATE_AWS_SECRET_ACCESS_KEY=@@S@@\nPRIVATE_AWS_DEFAULT_REGION=null\nPRIVATE_AWS_BUCKET=null\nPRIVATE_AWS_URL=null\nPRIVATE_AWS_BUCKET_ROOT=null\n\n# --------------------------------------------",
        "",
    ),
    (
        "aws_secret_access_key",
        "localstack/localstack:.github/workflows/tests-pro-integration.yml#L296-L302 (value inserted)",
        '          DNS_ADDRESS: 0\n          LAMBDA_EXECUTOR: "local"\n          LOCALSTACK_AUTH_TOKEN: "test"\n          AWS_SECRET_ACCESS_KEY: "@@S@@"\n          AWS_ACCESS_KEY_ID: "test"\n          AWS_DEFAULT_REGION: "us-east-1"\n          JUNIT_REPORTS_FILE: "pytest-junit-community-${{ matrix.group }}.xml"',
        "",
    ),
    (
        "aws_access_key_id",
        "ansible/ansible-examples:jboss-standalone/group_vars/all#L1-L12 (value inserted)",
        "# Here are variables related to the standalone JBoss installation\n\nhttp_port: 8080\nhttps_port: 8443\n\n# AWS specific variables\nec2_access_key: @@S@@\nec2_secret_key:\nec2_region: us-east-1\nec2_zone:\nec2_image: ami-6c1e8f04\nec2_instance_type: m1.small",
        "",
    ),
    (
        "aws_secret_access_key",
        "getsentry/self-hosted:docker-compose.yml#L284-L297 (value inserted)",
        '        -volume.index=leveldbLarge\n        -volume.preStopSeconds=8\n        -volume.readMode=redirect\n        -ip.bind=0.0.0.0\n        -webdav=false\n    environment:\n      <<: *force_no_proxy\n      AWS_ACCESS_KEY_ID: sentry\n      AWS_SECRET_ACCESS_KEY: @@S@@\n    volumes:\n      - "sentry-seaweedfs:/data"\n    healthcheck:\n      test: [\n          "CMD-SHELL",',
        "",
    ),
    (
        "aws_secret_access_key",
        "aws/aws-cli:README.rst#L178-L196 (value inserted)",
        "   $ export AWS_SHARED_CREDENTIALS_FILE=/path/to/shared_credentials_file\n\nTo use a config file, create an INI formatted file like this:\n\n::\n\n   [default]\n   aws_access_key_id=<default access key>\n   aws_secret_access_key=@@S@@\n   # Optional, to define default region for this profile.\n   region=us-west-1\n\n   [profile testing]\n   aws_access_key_id=<testing access key>\n   aws_secret_access_key=<testing secret key>\n   region=us-west-2\n\nand place it in ``~/.aws/config`` (or in ``%UserProfile%\\.aws\\config``\non Windows). If you wish to place the config file in a different",
        "",
    ),
    (
        "aws_secret_access_key",
        "ansible/ansible-examples:lamp_haproxy/aws/group_vars/all#L7-L17 (value inserted)",
        "# AWS specific variables\nec2_access_key:\nec2_secret_key: @@S@@\nec2_region: us-east-1\nec2_zone:\nec2_image: ami-bc8131d4\nec2_instance_type: m1.small\nec2_keypair: djohnson\nec2_security_group: default\nec2_instance_count: 3\nec2_tag: demo",
        "",
    ),
    (
        "aws_secret_access_key",
        "getsentry/self-hosted:docker-compose.yml#L703-L716 (value inserted)",
        '      - feature-complete\n  vroom:\n    <<: [*restart_policy, *pull_policy]\n    image: "$VROOM_IMAGE"\n    environment:\n      SENTRY_KAFKA_BROKERS_PROFILING: "kafka:9092"\n      SENTRY_KAFKA_BROKERS_OCCURRENCES: "kafka:9092"\n      SENTRY_BUCKET_PROFILES: "s3://profiles?region=us-east-1&endpoint=seaweedfs:8333&s3ForcePathStyle=true&disableSSL=true"\n      AWS_ACCESS_KEY: "sentry"\n      AWS_SECRET_KEY: "@@S@@"\n      SENTRY_SNUBA_HOST: "http://snuba-api:1218"\n    volumes:\n      - sentry-vroom:/var/vroom/sentry-profiles\n    healthcheck:',
        "",
    ),
    (
        "aws_secret_access_key",
        "prometheus-community/helm-charts:charts/prometheus-yet-another-cloudwatch-exporter/values.yaml#L143-L153 (value inserted)",
        "  # security_token\n  secret:\n    name:\n    includesSessionToken: false\n\n  # Note: Do not specify the aws_access_key_id and aws_secret_access_key if you specified role or secret.name before\n  aws_access_key_id:\n  aws_secret_access_key: @@S@@\n\nserviceMonitor:\n  # When set true then use a ServiceMonitor to configure scraping",
        "",
    ),
    (
        "aws_secret_access_key",
        "ansible/ansible-examples:windows/wamp_haproxy/group_vars/all#L1-L7 (value inserted)",
        "---\nec2_access_key: \nec2_secret_key: @@S@@\nec2_region: us-east-1 \nec2_zone: \nec2_image: ami-bc8131d4 \nec2_instance_type: m1.small ",
        "",
    ),
    (
        "aws_secret_access_key",
        "prometheus-community/helm-charts:charts/prometheus-cloudwatch-exporter/values.yaml#L72-L84 (value inserted)",
        "  # aws_secret_access_key is assumed to be in a field called secret_key, and the\n  # session token, if it exists, is assumed to be in a field called\n  # security_token\n  secret:\n    name:\n    includesSessionToken: false\n\n  # Note: Do not specify the aws_access_key_id and aws_secret_access_key if you specified role or secret.name before\n  aws_access_key_id:\n  aws_secret_access_key: @@S@@\n\nserviceAccount:\n  # Specifies whether a ServiceAccount should be created",
        "",
    ),
    (
        "azure_client_secret",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-desktop.yml#L239-L251 (value inserted)",
        "          AZURE_TENANT_ID: ${{ secrets.AZURE_TENANT_ID }}\n          AZURE_CLIENT_ID: ${{ secrets.AZURE_CLIENT_ID }}\n          AZURE_CLIENT_SECRET: @@S@@\n          RUST_LOG: debug\n        run: pnpm --dir ${{ env.DESKTOP_PATH }} tauri build --verbose -b msi -b updater\n      - name: Build Tauri app without Azure signing\n        if: ${{ inputs.disable_signing == true }}\n        shell: powershell\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          TAURI_SIGNING_PRIVATE_KEY: ${{ secrets.TAURI_PRIVATE_KEY }}\n          TAURI_SIGNING_PRIVATE_KEY_PASSWORD: ${{ secrets.TAURI_KEY_PASSWORD }}\n          RUST_LOG: debug",
        "",
    ),
    (
        "azure_client_secret",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-agent.yml#L497-L507 (value inserted)",
        "          TAURI_SIGNING_PRIVATE_KEY_PASSWORD: ${{ secrets.AGENT_TAURI_SIGNING_PASSWORD }}\n          AZURE_TENANT_ID: ${{ secrets.AZURE_TENANT_ID }}\n          AZURE_CLIENT_ID: ${{ secrets.AZURE_CLIENT_ID }}\n          AZURE_CLIENT_SECRET: @@S@@\n        run: |\n          cd packages/hoppscotch-agent\n          pnpm tauri build --verbose -b msi -b updater\n      - name: Prepare artifacts\n        shell: bash\n        run: |\n          mkdir -p artifacts/{sigs,shas}",
        "",
    ),
    (
        "azure_client_secret",
        "external-secrets/external-secrets:.github/workflows/e2e.yml#L36-L51 (value inserted)",
        "      GCP_GSA_NAME: ${{ secrets.GCP_GSA_NAME }}\n      GCP_KSA_NAME: ${{ secrets.GCP_KSA_NAME }}\n      GCP_FED_PROJECT_ID: ${{ secrets.GCP_FED_PROJECT_ID }}\n      AWS_OIDC_ROLE_ARN: ${{ secrets.AWS_OIDC_ROLE_ARN }}\n      AWS_SA_NAME: ${{ secrets.AWS_SA_NAME }}\n      AWS_SA_NAMESPACE: ${{ secrets.AWS_SA_NAMESPACE }}\n      TFC_AZURE_CLIENT_ID: ${{ secrets.TFC_AZURE_CLIENT_ID }}\n      TFC_AZURE_CLIENT_SECRET: @@S@@\n      TFC_AZURE_TENANT_ID: ${{ secrets.TFC_AZURE_TENANT_ID }}\n      TFC_AZURE_SUBSCRIPTION_ID: ${{ secrets.TFC_AZURE_SUBSCRIPTION_ID }}\n      TFC_VAULT_URL: ${{ secrets.TFC_VAULT_URL }}\n      SCALEWAY_API_URL: ${{ secrets.SCALEWAY_API_URL }}\n      SCALEWAY_REGION: ${{ secrets.SCALEWAY_REGION }}\n      SCALEWAY_PROJECT_ID: ${{ secrets.SCALEWAY_PROJECT_ID }}\n      SCALEWAY_ACCESS_KEY: ${{ secrets.SCALEWAY_ACCESS_KEY }}\n      SCALEWAY_SECRET_KEY: ${{ secrets.SCALEWAY_SECRET_KEY }}",
        "",
    ),
    (
        "azure_client_secret",
        "gruntwork-io/terragrunt:.github/workflows/integration-test.yml#L253-L266 (value inserted)",
        "          GOOGLE_CLOUD_PROJECT: ${{ secrets.GOOGLE_CLOUD_PROJECT }}\n          GOOGLE_COMPUTE_ZONE: ${{ secrets.GOOGLE_COMPUTE_ZONE }}\n          GOOGLE_IDENTITY_EMAIL: ${{ secrets.GOOGLE_IDENTITY_EMAIL }}\n          GOOGLE_PROJECT_ID: ${{ secrets.GOOGLE_PROJECT_ID }}\n          GCLOUD_SERVICE_KEY_IMPERSONATOR: ${{ secrets.GCLOUD_SERVICE_KEY_IMPERSONATOR }}\n          AWS_TEST_S3_ASSUME_ROLE: ${{ secrets.AWS_TEST_S3_ASSUME_ROLE }}\n          AZURE_CLIENT_ID: ${{ secrets.AZURE_CLIENT_ID }}\n          AZURE_CLIENT_SECRET: @@S@@\n          AZURE_TENANT_ID: ${{ secrets.AZURE_TENANT_ID }}\n          TG_AZURE_TEST_STORAGE_ACCOUNT: ${{ secrets.TG_AZURE_TEST_STORAGE_ACCOUNT }}\n          TG_AZURE_TEST_SUBSCRIPTION_ID: ${{ secrets.TG_AZURE_TEST_SUBSCRIPTION_ID }}\n          TG_AZURE_TEST_RESOURCE_GROUP: ${{ secrets.TG_AZURE_TEST_RESOURCE_GROUP }}\n          ARM_CLIENT_ID: ${{ secrets.ARM_CLIENT_ID }}\n          ARM_CLIENT_SECRET: ${{ secrets.ARM_CLIENT_SECRET }}",
        "",
    ),
    (
        "datadog_api_key",
        "sendgrid/sendgrid-python:.github/workflows/test-and-deploy.yml#L71-L83 (value inserted)",
        "        uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          user: __token__\n          password: ${{ secrets.PYPI_TOKEN }}\n\n      - name: Submit metric to Datadog\n        uses: sendgrid/dx-automator/actions/datadog-release-metric@main\n        env:\n          DD_API_KEY: @@S@@\n\n  notify-on-failure:\n    name: Slack notify on failure\n    if: failure() && github.event_name != 'pull_request' && (github.ref == 'refs/heads/main' || github.ref_type == 'tag')",
        "",
    ),
    (
        "datadog_api_key",
        "twilio/twilio-python:.github/workflows/test-and-deploy.yml#L108-L123 (value inserted)",
        "        with:\n          user: __token__\n          password: ${{ secrets.PYPI_TOKEN }}\n\n      - name: Submit metric to Datadog\n        uses: sendgrid/dx-automator/actions/datadog-release-metric@main\n        env:\n          DD_API_KEY: @@S@@\n\n  notify-on-failure:\n    name: Slack notify on failure\n    if: failure() && github.event_name != 'pull_request' && (github.ref == 'refs/heads/main' || github.ref_type == 'tag')\n    needs: [ test, deploy ]\n    runs-on: ubuntu-latest\n    steps:\n      - uses: rtCamp/action-slack-notify@v2",
        "",
    ),
    (
        "discord_client_secret",
        "outline/outline:.env.sample#L179-L196 (value inserted)",
        "AZURE_CLIENT_ID=\nAZURE_CLIENT_SECRET=\nAZURE_RESOURCE_APP_ID=\n\n# Discord sign-in provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/discord-g4JdWFFub6\nDISCORD_CLIENT_ID=\nDISCORD_CLIENT_SECRET=@@S@@\nDISCORD_SERVER_ID=\nDISCORD_SERVER_ROLES=\n\n# Generic OIDC provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/oidc-8CPBm6uC0I\nOIDC_CLIENT_ID=\nOIDC_CLIENT_SECRET=\nOIDC_AUTH_URI=\nOIDC_TOKEN_URI=\nOIDC_USERINFO_URI=",
        "",
    ),
    (
        "discord_webhook_token",
        "goreleaser/goreleaser:.github/workflows/release.yml#L153-L167 (value inserted)",
        "          args: release --clean --timeout 60m\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          GH_PAT: ${{ secrets.GH_PAT }}\n          MASTODON_CLIENT_ID: ${{ secrets.MASTODON_CLIENT_ID }}\n          MASTODON_CLIENT_SECRET: ${{ secrets.MASTODON_CLIENT_SECRET }}\n          MASTODON_ACCESS_TOKEN: ${{ secrets.MASTODON_ACCESS_TOKEN }}\n          FURY_TOKEN: ${{ secrets.FURY_TOKEN }}\n          DISCORD_WEBHOOK_ID: ${{ secrets.DISCORD_WEBHOOK_ID }}\n          DISCORD_WEBHOOK_TOKEN: @@S@@\n          AUR_KEY: ${{ secrets.AUR_KEY }}\n          MACOS_SIGN_P12: ${{ secrets.MACOS_SIGN_P12 }}\n          MACOS_SIGN_PASSWORD: ${{ secrets.MACOS_SIGN_PASSWORD }}\n          MACOS_NOTARY_ISSUER_ID: ${{ secrets.MACOS_NOTARY_ISSUER_ID }}\n          MACOS_NOTARY_KEY_ID: ${{ secrets.MACOS_NOTARY_KEY_ID }}",
        "",
    ),
    (
        "discord_webhook_url",
        "eslint/eslint:.github/workflows/ecosystem-tests.yml#L112-L121 (value inserted)",
        "\n            - name: Notify Discord\n              if: steps.check_previous.outputs.conclusion == 'success'\n              env:\n                  DISCORD_WEBHOOK: @@S@@\n              uses: Ilshidur/action-discord@d2594079a10f1d6739ee50a2471f0ca57418b554 # 0.4.0\n              with:\n                  args: |\n                      \U0001f6a8 **Ecosystem tests failed!**\n                      Failed plugins: ${{ steps.summary.outputs.failed_list }}",
        "",
    ),
    (
        "dockerhub_pat",
        "localstack/localstack:.github/workflows/aws-tests.yml#L918-L934 (value inserted)",
        "    needs: build\n    env:\n      PLATFORM: 'amd64'\n    steps:\n      - name: Login to Docker Hub\n        # login to DockerHub to avoid rate limiting issues on custom runners\n        if: github.repository_owner == 'localstack' && env.DOCKER_PULL_SECRET_AVAILABLE == 'true'\n        uses: docker/login-action@v3\n        with:\n          username: ${{ secrets.DOCKERHUB_PULL_USERNAME }}\n          password: @@S@@\n\n      - name: Checkout\n        uses: actions/checkout@v6\n        with:\n          # setuptools_scm requires the git history (at least until the last tag) to determine the version\n          fetch-depth: 0",
        "",
    ),
    (
        "dockerhub_pat",
        "docker/build-push-action:README.md#L63-L70 (value inserted)",
        "      -\n        name: Login to Docker Hub\n        uses: docker/login-action@v4\n        with:\n          username: ${{ vars.DOCKERHUB_USERNAME }}\n          password: @@S@@\n      -\n        name: Set up QEMU",
        "",
    ),
    (
        "dockerhub_pat",
        "stripe/stripe-cli:.github/workflows/release.yml#L86-L92 (value inserted)",
        '      -\n        name: Docker Login\n        env:\n          DOCKER_USERNAME: ${{ secrets.DOCKER_USERNAME }}\n          DOCKER_PASSWORD: @@S@@\n        run: |\n          echo "${DOCKER_PASSWORD}" | docker login --username "${DOCKER_USERNAME}" --password-stdin',
        "",
    ),
    (
        "dockerhub_pat",
        "hoppscotch/hoppscotch:.github/workflows/release-push-docker.yml#L32-L43 (value inserted)",
        "\n      - name: Log in to Docker Hub\n        uses: docker/login-action@v2\n        with:\n          username: ${{ secrets.DOCKER_USERNAME }}\n          password: @@S@@\n\n      - name: Build and push the backend container by digest\n        id: backend-build\n        uses: docker/build-push-action@v4\n        with:\n          context: .",
        "",
    ),
    (
        "dockerhub_pat",
        "snipe/snipe-it:.github/workflows/docker-alpine.yml#L54-L62 (value inserted)",
        "        if: github.event_name != 'pull_request'\n        uses: docker/login-action@v3\n        with:\n          username: ${{ secrets.DOCKER_USERNAME }}\n          password: @@S@@\n\n      ###############################################\n      # Build/Push the 'snipe/snipe-it' image\n      ###############################################",
        "",
    ),
    (
        "dockerhub_pat",
        "supabase/cli:.github/workflows/cli-go-pg-prove.yml#L45-L55 (value inserted)",
        "    steps:\n      - run: docker context create builders\n      - uses: docker/setup-buildx-action@4d04d5d9486b7bd6fa91e7baf45bbb4f8b9deedd # v4.0.0\n        with:\n          endpoint: builders\n      - uses: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0\n        with:\n          username: ${{ secrets.DOCKER_USERNAME }}\n          password: @@S@@\n      - id: build\n        uses: docker/build-push-action@bcafcacb16a39f128d818304e6c9c0c18556b85f # v7.1.0",
        "",
    ),
    (
        "dockerhub_pat",
        "snipe/snipe-it:.github/workflows/dockerhub-description.yml#L15-L22 (value inserted)",
        "\n      - name: Docker Hub Description\n        uses: grokability/dockerhub-description@7ea9d275c7cdbe2b676a093a0308c50665e3b8b4\n        with:\n          username: ${{ secrets.DOCKER_USERNAME }}\n          password: @@S@@\n          repository: snipe/snipe-it\n          readme-filepath: ./README.md",
        "",
    ),
    (
        "dockerhub_pat",
        "nginx-proxy/nginx-proxy:.github/workflows/build-publish.yml#L77-L90 (value inserted)",
        "      - name: Login to DockerHub\n        uses: docker/login-action@v4\n        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n          password: @@S@@\n\n      - name: Log in to GitHub Container Registry\n        uses: docker/login-action@v4\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n\n      - name: Build and push the image",
        "",
    ),
    (
        "github_classic_pat",
        "cli/cli:.github/workflows/prauto.yml#L16-L22 (value inserted)",
        "        env:\n          GH_REPO: ${{ github.repository }}\n          GH_TOKEN: @@S@@\n          PRID: ${{ github.event.pull_request.node_id }}\n          PRBODY: ${{ github.event.pull_request.body }}\n          PRNUM: ${{ github.event.pull_request.number }}\n          PRHEAD: ${{ github.event.pull_request.head.label }}",
        "",
    ),
    (
        "generic_api_token",
        "bitnami-labs/sealed-secrets:.github/workflows/helm-vib.yaml#L8-L19 (value inserted)",
        "       - 'helm/**'\n\npermissions:\n  contents: read\n\nenv:\n  CSP_API_URL: https://console.tanzu.broadcom.com\n  CSP_API_TOKEN: @@S@@\n  VIB_PUBLIC_URL: https://cp.app-catalog.vmware.com\n\njobs:\n  # verify chart in multiple target platforms",
        "",
    ),
    (
        "generic_api_token",
        "testcontainers/testcontainers-java:.github/workflows/ci.yml#L75-L86 (value inserted)",
        "        uses: atomicjar/testcontainers-cloud-setup-action@main\n        with:\n          token: @@S@@\n          args: --max-concurrency=4\n      - name: Test using Testcontainers Cloud with Turbo Mode enabled\n        working-directory: ./smoke-test/\n        run: |\n          ./gradlew check --no-daemon --continue --scan --info\n      - uses: ./.github/actions/setup-junit-report\n\n  find_gradle_jobs:\n    needs: [core]",
        "",
    ),
    (
        "github_classic_pat",
        "helm/helm:.github/workflows/scorecards.yml#L34-L50 (value inserted)",
        '\n      - name: "Run analysis"\n        uses: ossf/scorecard-action@2d1146689b8cda280b9bc96326124645441f03bc # v2.4.4\n        with:\n          results_file: results.sarif\n          results_format: sarif\n          # (Optional) "write" PAT token. Uncomment the `repo_token` line below if:\n          # - you want to enable the Branch-Protection check on a *public* repository, or\n          # - you are installing Scorecard on a *private* repository\n          # To create the PAT, follow the steps in https://github.com/ossf/scorecard-action?tab=readme-ov-file#authentication-with-fine-grained-pat-optional.\n          # repo_token: @@S@@\n\n          # Public repositories:\n          #   - Publish results to OpenSSF REST API for easy access by consumers\n          #   - Allows the repository to include the Scorecard badge.\n          #   - See https://github.com/ossf/scorecard-action#publishing-results.\n          # For private repositories:',
        "",
    ),
    (
        "generic_api_token",
        "localstack/localstack:.github/workflows/update-test-durations.yml#L21-L26 (value inserted)",
        "      repository-name: localstack\n      test-durations-file-path: .test_durations\n      publish-method: ${{ inputs.publish-method || 'CREATE_PR' }}\n    secrets:\n      gh-token: ${{ secrets.GITHUB_TOKEN }}\n      pr-token: @@S@@",
        "",
    ),
    (
        "supabase_access_token",
        "supabase/cli:.github/workflows/cli-go-ci.yml#L114-L127 (value inserted)",
        "        with:\n          go-version-file: apps/cli-go/go.mod\n          cache: true\n      - run: go build main.go\n      - run: ./main link\n        env:\n          SUPABASE_ACCESS_TOKEN: @@S@@\n          SUPABASE_PROJECT_ID: ${{ secrets.SUPABASE_PROJECT_ID }}\n\n  codegen:\n    name: Codegen\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2",
        "",
    ),
    (
        "generic_api_token",
        "argoproj/argo-cd:.github/workflows/image.yaml#L159-L175 (value inserted)",
        "      contents: write # for git to push upgrade commit if not already deployed\n      packages: write # for pushing packages to GHCR, which is used by cd.apps.argoproj.io to avoid polluting Quay with tags\n    if: ${{ github.repository == 'argoproj/argo-cd' && github.event_name == 'push' }}\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          persist-credentials: false\n      - run: git clone \"https://$TOKEN@github.com/argoproj/argoproj-deployments\"\n        env:\n          TOKEN: @@S@@\n      - run: |\n          docker run -u $(id -u):$(id -g) -v $(pwd):/src -w /src --rm -t ghcr.io/argoproj/argo-cd/argocd:${NEEDS_SET_VARS_OUTPUTS_IMAGE_TAG} kustomize edit set image quay.io/argoproj/argocd=ghcr.io/argoproj/argo-cd/argocd:${NEEDS_SET_VARS_OUTPUTS_IMAGE_TAG}\n          git config --global user.email 'ci@argoproj.com'\n          git config --global user.name 'CI'\n          git diff --exit-code && echo 'Already deployed' || (git commit -am \"Upgrade argocd to ${NEEDS_SET_VARS_OUTPUTS_IMAGE_TAG}\" && git push)\n        working-directory: argoproj-deployments/argocd",
        "",
    ),
    (
        "generic_api_token",
        "localstack/localstack:.github/workflows/tests-pro-integration.yml#L259-L278 (value inserted)",
        '          enable-cache: ${{ inputs.disableCaching != true }}\n\n      - name: Install Python Dependencies for Pro\n        working-directory: localstack-pro\n        run: make install-ci\n\n      - name: Test Pro Startup\n        env:\n          DEBUG: 1\n          DNS_ADDRESS: 0\n          LOCALSTACK_AUTH_TOKEN: "@@S@@"\n        working-directory: localstack-pro\n        run: |\n          source localstack-pro-core/.venv/bin/activate\n          bin/test_localstack_pro.sh\n\n      - name: Determine Test Selection\n        if: ${{ env.TESTSELECTION_PYTEST_ARGS }}\n        working-directory: localstack\n        run: |',
        "",
    ),
    (
        "generic_api_token",
        "goreleaser/goreleaser:.github/workflows/release.yml#L157-L165 (value inserted)",
        "          MASTODON_CLIENT_ID: ${{ secrets.MASTODON_CLIENT_ID }}\n          MASTODON_CLIENT_SECRET: ${{ secrets.MASTODON_CLIENT_SECRET }}\n          MASTODON_ACCESS_TOKEN: ${{ secrets.MASTODON_ACCESS_TOKEN }}\n          FURY_TOKEN: @@S@@\n          DISCORD_WEBHOOK_ID: ${{ secrets.DISCORD_WEBHOOK_ID }}\n          DISCORD_WEBHOOK_TOKEN: ${{ secrets.DISCORD_WEBHOOK_TOKEN }}\n          AUR_KEY: ${{ secrets.AUR_KEY }}\n          MACOS_SIGN_P12: ${{ secrets.MACOS_SIGN_P12 }}\n          MACOS_SIGN_PASSWORD: ${{ secrets.MACOS_SIGN_PASSWORD }}",
        "",
    ),
    (
        "generic_password",
        "external-secrets/external-secrets:.github/workflows/e2e.yml#L50-L61 (value inserted)",
        "      SCALEWAY_ACCESS_KEY: ${{ secrets.SCALEWAY_ACCESS_KEY }}\n      SCALEWAY_SECRET_KEY: ${{ secrets.SCALEWAY_SECRET_KEY }}\n      DELINEA_TLD: ${{ secrets.DELINEA_TLD }}\n      DELINEA_URL_TEMPLATE: ${{ secrets.DELINEA_URL_TEMPLATE }}\n      DELINEA_TENANT: ${{ secrets.DELINEA_TENANT }}\n      DELINEA_CLIENT_ID: ${{ secrets.DELINEA_CLIENT_ID }}\n      DELINEA_CLIENT_SECRET: ${{ secrets.DELINEA_CLIENT_SECRET }}\n      SECRETSERVER_USERNAME: ${{ secrets.SECRETSERVER_USERNAME }}\n      SECRETSERVER_PASSWORD: @@S@@\n      SECRETSERVER_URL: ${{ secrets.SECRETSERVER_URL }}\n      GRAFANA_URL: ${{ secrets.GRAFANA_URL }}\n      GRAFANA_TOKEN: ${{ secrets.GRAFANA_TOKEN }}",
        "",
    ),
    (
        "generic_password",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-desktop.yml#L333-L344 (value inserted)",
        "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          TAURI_SIGNING_PRIVATE_KEY: ${{ secrets.TAURI_PRIVATE_KEY }}\n          TAURI_SIGNING_PRIVATE_KEY_PASSWORD: @@S@@\n          APPLE_ID: ${{ secrets.HOPPSCOTCH_APPLE_ID }}\n          APPLE_PASSWORD: ${{ secrets.HOPPSCOTCH_APPLE_PASSWORD }}\n          APPLE_TEAM_ID: ${{ secrets.HOPPSCOTCH_APPLE_TEAM_ID }}\n          APPLE_SIGNING_IDENTITY: ${{ secrets.HOPPSCOTCH_APPLE_SIGNING_IDENTITY }}\n          RUST_LOG: debug\n        run: pnpm --dir ${{ env.DESKTOP_PATH }} tauri build --verbose --target x86_64-apple-darwin\n      - name: Build Tauri app without Apple signing\n        if: ${{ inputs.disable_signing == true }}\n        env:",
        "",
    ),
    (
        "generic_password",
        "goreleaser/goreleaser:.github/workflows/nightly-oss.yml#L83-L95 (value inserted)",
        "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          GORELEASER_KEY: ${{ secrets.GORELEASER_KEY }}\n          MACOS_SIGN_P12: ${{ secrets.MACOS_SIGN_P12 }}\n          MACOS_SIGN_PASSWORD: @@S@@\n          MACOS_NOTARY_ISSUER_ID: ${{ secrets.MACOS_NOTARY_ISSUER_ID }}\n          MACOS_NOTARY_KEY_ID: ${{ secrets.MACOS_NOTARY_KEY_ID }}\n          MACOS_NOTARY_KEY: ${{ secrets.MACOS_NOTARY_KEY }}\n      - uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2\n        with:\n          subject-checksums: ./dist/checksums.txt\n      - uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2\n        with:\n          subject-checksums: ./dist/digests.txt",
        "",
    ),
    (
        "generic_password",
        "outline/outline:.env.sample#L217-L222 (value inserted)",
        "# DOCS: https://docs.getoutline.com/s/hosting/doc/smtp-cqCJyZGMIB\nSMTP_SERVICE=\nSMTP_USERNAME=\nSMTP_PASSWORD=@@S@@\nSMTP_FROM_EMAIL=\n",
        "",
    ),
    (
        "generic_password",
        "snipe/snipe-it:.env.testing-ci#L12-L27 (value inserted)",
        "# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=sqlite\nDB_HOST=localhost\nDB_PORT=3306\nDB_DATABASE='sqlite_testing'\nDB_USERNAME=root\nDB_PASSWORD=@@S@@\n\n# --------------------------------------------\n# REQUIRED: OUTGOING MAIL SERVER SETTINGS\n# --------------------------------------------\nMAIL_MAILER=log\n\n",
        "",
    ),
    (
        "generic_password",
        "docker/awesome-compose:postgresql-pgadmin/.env#L1-L4 (value inserted)",
        "POSTGRES_USER=yourUser\nPOSTGRES_PW=@@S@@\nPOSTGRES_DB=postgres\nPGADMIN_MAIL=your@email.com",
        "",
    ),
    (
        "generic_password",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-agent.yml#L203-L221 (value inserted)",
        '      - name: Install dependencies\n        timeout-minutes: 15\n        run: |\n          cd packages/hoppscotch-agent\n          pnpm install --filter hoppscotch-agent\n      - name: Build Tauri app\n        timeout-minutes: 30\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          TAURI_SIGNING_PRIVATE_KEY: ${{ secrets.AGENT_TAURI_SIGNING_PRIVATE_KEY }}\n          TAURI_SIGNING_PRIVATE_KEY_PASSWORD: @@S@@\n          APPLE_ID: ${{ secrets.HOPPSCOTCH_APPLE_ID }}\n          APPLE_PASSWORD: ${{ secrets.HOPPSCOTCH_APPLE_PASSWORD }}\n          APPLE_TEAM_ID: ${{ secrets.HOPPSCOTCH_APPLE_TEAM_ID }}\n          APPLE_SIGNING_IDENTITY: ${{ secrets.HOPPSCOTCH_APPLE_SIGNING_IDENTITY }}\n        run: |\n          cd packages/hoppscotch-agent\n          echo "Starting ARM64 build..."\n          pnpm tauri build --verbose --target aarch64-apple-darwin',
        "",
    ),
    (
        "generic_password",
        "snipe/snipe-it:.env.testing.example#L12-L19 (value inserted)",
        "# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=null\nDB_USERNAME=null\nDB_PASSWORD=@@S@@",
        "",
    ),
    (
        "generic_password",
        "getsentry/self-hosted:docker-compose.yml#L127-L139 (value inserted)",
        '    volumes:\n      - "sentry-smtp:/var/spool/exim4"\n      - "sentry-smtp-log:/var/log/exim4"\n    environment:\n      MAILNAME: ${SENTRY_MAIL_HOST:-}\n      # Refer to https://develop.sentry.dev/self-hosted/configuration/email/#as-aws-ses-relay\n      SES_USER:\n      SES_PASSWORD: @@S@@\n      SES_REGION:\n  memcached:\n    <<: *restart_policy\n    image: "memcached:1.6.45-alpine"\n    command: ["-I", "${SENTRY_MAX_EXTERNAL_SOURCEMAP_SIZE:-1M}"]',
        "",
    ),
    (
        "generic_password",
        "outline/outline:.github/workflows/ci.yml#L117-L122 (value inserted)",
        "        env:\n          POSTGRES_USER: postgres\n          POSTGRES_PASSWORD: @@S@@\n          POSTGRES_DB: outline_test\n        ports:\n          - 5432:5432",
        "",
    ),
    (
        "generic_password",
        "gruntwork-io/terragrunt:.github/workflows/sign-windows.yml#L108-L117 (value inserted)",
        "      SM_HOST: https://clientauth.one.digicert.com\n      SM_API_KEY: ${{ secrets.WINDOWS_SIGNING_API_KEY }}\n      SM_CLIENT_CERT_PASSWORD: @@S@@\n      SM_KEYPAIR_ALIAS: ${{ secrets.WINDOWS_SIGNING_KEYPAIR_ALIAS }}\n      WINDOWS_SIGNING_P12_BASE64: ${{ secrets.WINDOWS_SIGNING_P12_BASE64 }}\n\n    steps:\n      - name: Checkout code\n        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v6\n",
        "",
    ),
    (
        "generic_password",
        "bitnami-labs/sealed-secrets:.github/workflows/release.yaml#L149-L157 (value inserted)",
        '          TAG_CURRENT: ${{ steps.meta_controller.outputs.tags }}\n          COSIGN_REPOSITORY: ${{ env.controller_ghcr_image_name }}/signs\n      - name: Sign kubeseal image with a key in GHCR\n        run: |\n          echo -n "$COSIGN_PASSWORD" | cosign sign --key /tmp/cosign.key --yes $TAG_CURRENT\n        env:\n          COSIGN_PASSWORD: @@S@@\n          TAG_CURRENT: ${{ steps.meta_kubeseal.outputs.tags }}\n          COSIGN_REPOSITORY: ${{ env.kubeseal_ghcr_image_name }}/signs',
        "",
    ),
    (
        "generic_password",
        "documenso/documenso:docker/testing/compose.yml#L40-L53 (value inserted)",
        '      - NEXT_PRIVATE_DATABASE_URL=postgres://documenso:password@database:5432/documenso\n      - NEXT_PRIVATE_DIRECT_DATABASE_URL=postgres://documenso:password@database:5432/documenso\n      - NEXT_PUBLIC_UPLOAD_TRANSPORT=database\n      - NEXT_PRIVATE_SMTP_TRANSPORT=smtp-auth\n      - NEXT_PRIVATE_SMTP_HOST=inbucket\n      - NEXT_PRIVATE_SMTP_PORT=2500\n      - NEXT_PRIVATE_SMTP_USERNAME=documenso\n      - NEXT_PRIVATE_SMTP_PASSWORD=@@S@@\n      - NEXT_PRIVATE_SMTP_FROM_NAME="No Reply @ Documenso"\n      - NEXT_PRIVATE_SMTP_FROM_ADDRESS=noreply@documenso.com\n      - NEXT_PRIVATE_SIGNING_LOCAL_FILE_PATH=/opt/documenso/cert.p12\n    ports:\n      - 3000:3000\n    volumes:',
        "",
    ),
    (
        "generic_secret",
        "grafana/helm-charts:charts/enterprise-logs/values.yaml#L601-L616 (value inserted)",
        "# Configuration for `minio` child chart\n# -------------------------------------\nminio:\n  enabled: true\n  accessKey: enterprise-logs\n  secretKey: @@S@@\n  buckets:\n    - name: enterprise-logs-tsdb\n      policy: none\n      purge: false\n    - name: enterprise-logs-admin\n      policy: none\n      purge: false\n    - name: enterprise-logs-ruler\n      policy: none\n      purge: false",
        "",
    ),
    (
        "laravel_app_key",
        "snipe/snipe-it:.env.example#L1-L11 (value inserted)",
        "# --------------------------------------------\n# REQUIRED: BASIC APP SETTINGS\n# --------------------------------------------\nAPP_ENV=production\nAPP_DEBUG=false\nAPP_KEY=@@S@@\nAPP_URL=null\nAPP_TIMEZONE='UTC'\nAPP_LOCALE='en-US'\nMAX_RESULTS=500\n",
        "",
    ),
    (
        "generic_secret",
        "outline/outline:.env.sample#L190-L199 (value inserted)",
        "# Generic OIDC provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/oidc-8CPBm6uC0I\nOIDC_CLIENT_ID=\nOIDC_CLIENT_SECRET=@@S@@\nOIDC_AUTH_URI=\nOIDC_TOKEN_URI=\nOIDC_USERINFO_URI=\nOIDC_LOGOUT_URI=\n\n# Specify which claims to derive user information from",
        "",
    ),
    (
        "generic_secret",
        "slackapi/bolt-python:examples/google_cloud_functions/.env.yaml.oauth-sample#L1-L4 (value inserted)",
        "SLACK_CLIENT_ID: '1111.222'\nSLACK_CLIENT_SECRET: '@@S@@'\nSLACK_SIGNING_SECRET: 'yyy'\nSLACK_SCOPES: 'app_mentions:read,chat:write,commands'",
        "",
    ),
    (
        "generic_secret",
        "slackapi/bolt-python:examples/google_cloud_functions/.env.yaml.sample#L1-L2 (value inserted)",
        "SLACK_SIGNING_SECRET: @@S@@\nSLACK_BOT_TOKEN: xoxb-xxx",
        "",
    ),
    (
        "generic_secret",
        "docker/build-push-action:.github/workflows/ci.yml#L465-L476 (value inserted)",
        "          context: .\n          file: ./test/secret.Dockerfile\n          secret-files: |\n            MYSECRET=./test/secret.txt\n            INVALID_SECRET=@@S@@\n\n  secret-envs:\n    runs-on: ubuntu-latest\n    steps:\n      -\n        name: Checkout\n        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0",
        "",
    ),
    (
        "generic_secret",
        "documenso/documenso:.env.example#L20-L31 (value inserted)",
        '# https://docs.documenso.com/developers/self-hosting/setting-up-oauth-providers#microsoft-oauth-azure-ad\nNEXT_PRIVATE_MICROSOFT_CLIENT_ID=""\nNEXT_PRIVATE_MICROSOFT_CLIENT_SECRET=""\n\nNEXT_PRIVATE_OIDC_WELL_KNOWN=""\nNEXT_PRIVATE_OIDC_CLIENT_ID=""\nNEXT_PRIVATE_OIDC_CLIENT_SECRET="@@S@@"\nNEXT_PRIVATE_OIDC_PROVIDER_LABEL="OIDC"\nNEXT_PRIVATE_OIDC_SKIP_VERIFY=""\n# Specifies the prompt to use for OIDC signin, explicitly setting\n# an empty string will omit the prompt parameter.\n# See: https://www.cerberauth.com/blog/openid-connect-oauth2-prompts/',
        "",
    ),
    (
        "github_app_token",
        "gruntwork-io/terragrunt:.github/workflows/ci.yml#L157-L163 (value inserted)",
        "        with:\n          version: 2026.5.12\n        env:\n          GITHUB_TOKEN: @@S@@\n\n      - name: Download test outputs from all jobs\n        uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1",
        "",
    ),
    (
        "github_app_token",
        "ahmetb/kubectx:.github/workflows/release.yml#L45-L50 (value inserted)",
        "        args: release --clean\n      env:\n        GITHUB_TOKEN: @@S@@\n    - name: Update new version for plugin 'ctx' in krew-index\n      uses: rajatjindal/krew-release-bot@v0.0.51\n      with:",
        "",
    ),
    (
        "github_app_token",
        "vitest-dev/vitest:.github/workflows/issue-labeled.yml#L81-L86 (value inserted)",
        "          ref: main\n      - uses: ./.github/actions/send-ai-bot-comment\n        with:\n          token: @@S@@\n          pr-number: ${{ github.event.pull_request.number }}\n          login: ${{ github.event.pull_request.user.login }}",
        "",
    ),
    (
        "github_app_token",
        "snipe/snipe-it:.github/workflows/stale.yml#L17-L24 (value inserted)",
        "          ascending: true\n          operations-per-run: 1000 # just while we're debugging\n          repo-token: @@S@@\n          days-before-stale: 60\n          days-before-close: 7\n          exempt-all-milestones: true\n          stale-issue-message: >\n            Is this still relevant? We haven't heard from anyone in a bit. If so,",
        "",
    ),
    (
        "github_app_token",
        "GoogleCloudPlatform/microservices-demo:.github/workflows/deploy-pr.yaml#L168-L175 (value inserted)",
        '        fi\n    - name: Comment EXTERNAL_IP\n      timeout-minutes: 5\n      env:\n        GITHUB_TOKEN: @@S@@\n      run: |\n        if [[ -n "$PR_NUMBER" && -n "$EXTERNAL_IP" ]]; then\n          gh pr comment "$PR_NUMBER" --repo "${{ github.repository }}" --body "\U0001f6b2 PR staged at http://${EXTERNAL_IP}"',
        "",
    ),
    (
        "github_app_token",
        "supabase/cli:.github/workflows/cli-go-mirror-image.yml#L40-L52 (value inserted)",
        "          aws-region: us-east-1\n      - uses: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0\n        with:\n          registry: public.ecr.aws\n      - uses: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: @@S@@\n      - uses: akhilerm/tag-push-action@f35ff2cb99d407368b5c727adbcc14a2ed81d509 # v2.2.0\n        with:\n          src: docker.io/${{ github.event.client_payload.image || inputs.image }}\n          dst: |",
        "",
    ),
    (
        "github_app_token",
        "testcontainers/testcontainers-java:.github/workflows/ci-windows.yml#L101-L119 (value inserted)",
        "              state: 'success',\n              target_url: `https://github.com/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`,\n              context: 'CI - Windows',\n            })\n\n      - name: Create failure status\n        uses: actions/github-script@v9\n        if: failure()\n        with:\n          github-token: @@S@@\n          script: |\n            github.rest.repos.createCommitStatus({\n              owner: context.repo.owner,\n              repo: context.repo.repo,\n              sha: context.payload.client_payload.pull_request.head.sha,\n              state: 'failure',\n              target_url: `https://github.com/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`,\n              context: 'CI - Windows',\n            })",
        "",
    ),
    (
        "github_app_token",
        "goreleaser/goreleaser:.github/workflows/release.yml#L174-L185 (value inserted)",
        "        if: ${{ !startsWith(github.ref, 'refs/tags/v') }} # on main\n        run: |\n          go build .\n          ./goreleaser release --clean --timeout 60m --snapshot\n        env:\n          GITHUB_TOKEN: @@S@@\n      - uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2\n        if: ${{ always() }}\n        with:\n          subject-checksums: ./dist/checksums.txt\n      - uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2\n        if: ${{ always() && startsWith(github.ref, 'refs/tags/v') }} # snapshots won't push docker images",
        "",
    ),
    (
        "github_app_token",
        "gruntwork-io/terragrunt:.github/workflows/precommit.yml#L13-L29 (value inserted)",
        '        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v6\n\n      - name: Use mise to install dependencies\n        uses: jdx/mise-action@1648a7812b9aeae629881980618f079932869151 # v4.0.1\n        with:\n          version: 2026.5.12\n        env:\n          # Adding token here to reduce the likelihood of hitting rate limit issues.\n          GITHUB_TOKEN: @@S@@\n\n      - id: go-cache-paths\n        run: |\n          echo "go-build=$(go env GOCACHE)" >> "$GITHUB_OUTPUT"\n          echo "go-mod=$(go env GOMODCACHE)" >> "$GITHUB_OUTPUT"\n\n      - name: Go Build Cache\n        uses: actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v5',
        "",
    ),
    (
        "github_app_token",
        "goreleaser/goreleaser:.github/workflows/build.yml#L91-L103 (value inserted)",
        "        # them without sudo; only download on a cache miss.\n        if: matrix.os == 'ubuntu-latest' && steps.cache-flatpak.outputs.cache-hit != 'true'\n        run: |\n          flatpak remote-add --if-not-exists --user flathub https://dl.flathub.org/repo/flathub.flatpakrepo\n          flatpak install -y --user --noninteractive flathub org.freedesktop.Platform/x86_64/24.08 org.freedesktop.Sdk/x86_64/24.08 org.freedesktop.Platform/aarch64/24.08 org.freedesktop.Sdk/aarch64/24.08\n      - uses: cachix/install-nix-action@13d8dd58da0234aa297dedd986986ccb8e7f3e24 # v31.11.1\n        if: matrix.os == 'ubuntu-latest'\n        with:\n          github_access_token: @@S@@\n      - run: nix profile add nixpkgs#pkgs.nixfmt nixpkgs#alejandra\n        if: matrix.os == 'ubuntu-latest'\n      - uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0\n        with:",
        "",
    ),
    (
        "generic_api_token",
        "getsops/sops:.github/workflows/release.yml#L204-L214 (value inserted)",
        "\n    strategy:\n      matrix: ${{ fromJSON(needs.release.outputs.container-subjects) }}\n\n    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0\n    with:\n      image: quay.io/${{ matrix.image }}\n      digest: ${{ matrix.digest }}\n    secrets:\n      registry-username: ${{ secrets.QUAY_BOT_USERNAME }}\n      registry-password: @@S@@",
        "",
    ),
    (
        "github_classic_pat",
        "documenso/documenso:.github/workflows/translations-pull.yml#L46-L56 (value inserted)",
        "          pull_request_title: 'chore: add translations'\n\n        env:\n          # A classic GitHub Personal Access Token with the 'repo' scope selected (the user should have write access to the repository).\n          GITHUB_TOKEN: @@S@@\n\n          # A numeric ID, found at https://crowdin.com/project/<projectName>/tools/api\n          CROWDIN_PROJECT_ID: ${{ secrets.CROWDIN_PROJECT_ID }}\n\n          # Visit https://crowdin.com/settings#api-key to create this token\n          CROWDIN_PERSONAL_TOKEN: ${{ secrets.CROWDIN_PERSONAL_TOKEN }}",
        "",
    ),
    (
        "telegram_bot_token",
        "python-telegram-bot/python-telegram-bot:.github/workflows/release_pypi.yml#L161-L171 (value inserted)",
        '      - name: Publish to Telegram Channel\n        env:\n          TAG: ${{ needs.build.outputs.TAG }}\n          # This secret is configured only for the `pypi-release` branch\n          BOT_TOKEN: @@S@@\n        run: >-\n          sed "s/{tag}/$TAG/g" .github/workflows/assets/release_template.html |\n          curl\n          -X POST "https://api.telegram.org/bot$BOT_TOKEN/sendMessage"\n          -d "chat_id=@pythontelegrambotchannel"\n          -d "parse_mode=HTML"',
        "",
    ),
    (
        "github_classic_pat",
        "goreleaser/goreleaser:.github/workflows/generate.yml#L12-L23 (value inserted)",
        "    permissions:\n      contents: read\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          token: @@S@@\n      - uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0\n        with:\n          go-version-file: go.mod\n          cache: true\n      - uses: go-task/setup-task@a00fbb05ce67b35648be3c78cbc9fd85354c757e # v2.2.0",
        "",
    ),
    (
        "github_classic_pat",
        "hoppscotch/hoppscotch:.github/workflows/build-hoppscotch-agent.yml#L349-L358 (value inserted)",
        "    steps:\n      - name: Checkout hoppscotch/hoppscotch\n        uses: actions/checkout@v3\n        with:\n          repository: hoppscotch/hoppscotch\n          ref: ${{ inputs.branch }}\n          token: @@S@@\n      - name: Setup Node.js\n        uses: actions/setup-node@v3\n        with:",
        "",
    ),
    (
        "generic_api_token",
        "localstack/localstack:.github/workflows/aws-main.yml#L133-L147 (value inserted)",
        "          run: |\n            source .venv/bin/activate\n            cd target/coverage\n            ls -la\n            coverage combine\n            mv .coverage ../../\n\n        - name: Report coverage statistics\n          env:\n            COVERALLS_REPO_TOKEN: @@S@@\n            GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          run: |\n            source .venv/bin/activate\n            coverage report || true\n            coverage html || true",
        "",
    ),
    (
        "github_classic_pat",
        "nektos/act:.github/workflows/release.yml#L35-L48 (value inserted)",
        "          token: ${{ secrets.WINGET_TOKEN }}\n      - name: Chocolatey\n        uses: ./.github/actions/choco\n        with:\n          version: ${{ github.ref }}\n          apiKey: ${{ secrets.CHOCO_APIKEY }}\n          push: true\n      - name: GitHub CLI extension\n        uses: actions/github-script@v7\n        with:\n          github-token: @@S@@\n          script: |\n            const mainRef = (await github.rest.git.getRef({\n              owner: 'nektos',",
        "",
    ),
    (
        "github_classic_pat",
        "documenso/documenso:.github/workflows/translations-force-pull.yml#L43-L50 (value inserted)",
        "\n        env:\n          # A classic GitHub Personal Access Token with the 'repo' scope selected (the user should have write access to the repository).\n          GITHUB_TOKEN: @@S@@\n\n          # A numeric ID, found at https://crowdin.com/project/<projectName>/tools/api\n          CROWDIN_PROJECT_ID: ${{ secrets.CROWDIN_PROJECT_ID }}\n",
        "",
    ),
    (
        "github_classic_pat",
        "goreleaser/goreleaser:.github/workflows/release.yml#L20-L26 (value inserted)",
        '        uses: benc-uk/workflow-dispatch@31e2b3319479a63f0ab15bf800eff9e913504e26 # v1.3.2\n        with:\n          token: @@S@@\n          repo: goreleaser/goreleaser-cross\n          ref: master\n          workflow: goreleaser-bump\n          inputs: \'{ "tag" : "${{ env.RELEASE_TAG }}" }\'',
        "",
    ),
    (
        "gitlab_pat",
        "external-secrets/external-secrets:.github/workflows/e2e.yml#L174-L178 (value inserted)",
        "      AKEYLESS_ACCESS_TYPE: ${{ secrets.AKEYLESS_ACCESS_TYPE }}\n      AKEYLESS_ACCESS_TYPE_PARAM: ${{ secrets.AKEYLESS_ACCESS_TYPE_PARAM }}\n      GITLAB_TOKEN: @@S@@\n      GITLAB_PROJECT_ID: ${{ secrets.GITLAB_PROJECT_ID }}\n      GITLAB_ENVIRONMENT: ${{ secrets.GITLAB_ENVIRONMENT }}",
        "",
    ),
    (
        "gitlab_pat",
        "argoproj/argo-cd:.github/workflows/ci-build.yaml#L241-L252 (value inserted)",
        "      - changes\n    env:\n      GITHUB_TOKEN: ${{ secrets.E2E_TEST_GITHUB_TOKEN || secrets.GITHUB_TOKEN }}\n      ARGOCD_TEST_PARALLEL: '2'\n      GITLAB_TOKEN: @@S@@\n    steps:\n      - name: Harden the runner (Audit all outbound calls)\n        if: ${{ vars.disable_harden_runner != 'true' }}\n        uses: step-security/harden-runner@05e31511f85b41b11d1cf0ef85d0992719546e2c # v2.21.0\n        with:\n          egress-policy: audit    \n      - name: Create checkout directory",
        "",
    ),
    (
        "google_api_key",
        "snipe/snipe-it:.env.dev.docker#L164-L176 (value inserted)",
        "RESET_PASSWORD_LINK_EXPIRES=900\n\n# --------------------------------------------\n# OPTIONAL: MISC\n# --------------------------------------------\nLOG_CHANNEL=single\nLOG_MAX_DAYS=10\nAPP_LOCKED=false\nAPP_CIPHER=AES-256-CBC\nAPP_FORCE_TLS=false\nGOOGLE_MAPS_API=@@S@@\nLDAP_MEM_LIM=500M\nLDAP_TIME_LIM=600",
        "",
    ),
    (
        "google_api_key",
        "snipe/snipe-it:.env.example#L186-L194 (value inserted)",
        "APP_FORCE_TLS=false\nAPP_ALLOW_INSECURE_HOSTS=false\nGOOGLE_MAPS_API=@@S@@\nLDAP_MEM_LIM=500M\nLDAP_TIME_LIM=600\nIMPORT_TIME_LIMIT=600\nIMPORT_MEMORY_LIMIT=500M\nREPORT_TIME_LIMIT=12000\nREQUIRE_SAML=false",
        "",
    ),
    (
        "google_api_key",
        "documenso/documenso:.env.example#L210-L217 (value inserted)",
        'GOOGLE_VERTEX_LOCATION="global"\n# OPTIONAL: API key for Google Vertex AI (Gemini). Get your key from:\n# https://console.cloud.google.com/vertex-ai/studio/settings/api-keys\nGOOGLE_VERTEX_API_KEY="@@S@@"\n\n# [[CLOUDFLARE TURNSTILE]]\n# OPTIONAL: Cloudflare Turnstile site key (public). When configured, Turnstile challenges\n# will be shown on sign-up (visible) and sign-in (invisible) pages.',
        "",
    ),
    (
        "google_oauth_client_secret",
        "documenso/documenso:.env.example#L12-L22 (value inserted)",
        'NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY="DEADBEEF"\n\n# [[AUTH OPTIONAL]]\n# Find documentation on setting up Google OAuth here:\n# https://docs.documenso.com/developers/self-hosting/setting-up-oauth-providers#google-oauth-gmail\nNEXT_PRIVATE_GOOGLE_CLIENT_ID=""\nNEXT_PRIVATE_GOOGLE_CLIENT_SECRET="@@S@@"\n# Find documentation on setting up Microsoft OAuth here:\n# https://docs.documenso.com/developers/self-hosting/setting-up-oauth-providers#microsoft-oauth-azure-ad\nNEXT_PRIVATE_MICROSOFT_CLIENT_ID=""\nNEXT_PRIVATE_MICROSOFT_CLIENT_SECRET=""',
        "",
    ),
    (
        "google_oauth_client_secret",
        "outline/outline:.env.sample#L168-L185 (value inserted)",
        "# DOCS: https://docs.getoutline.com/s/hosting/doc/slack-sgMujR8J9J\nSLACK_CLIENT_ID=get_a_key_from_slack\nSLACK_CLIENT_SECRET=get_the_secret_of_above_key\n\n# Google sign-in provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/google-hOuvtCmTqQ\nGOOGLE_CLIENT_ID=\nGOOGLE_CLIENT_SECRET=@@S@@\n\n# Microsoft Entra / Azure AD sign-in provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/microsoft-entra-UVz6jsIOcv\nAZURE_CLIENT_ID=\nAZURE_CLIENT_SECRET=\nAZURE_RESOURCE_APP_ID=\n\n# Discord sign-in provider\n# DOCS: https://docs.getoutline.com/s/hosting/doc/discord-g4JdWFFub6\nDISCORD_CLIENT_ID=",
        "",
    ),
    (
        "grafana_service_account_token",
        "external-secrets/external-secrets:.github/workflows/e2e.yml#L58-L67 (value inserted)",
        "      SECRETSERVER_PASSWORD: ${{ secrets.SECRETSERVER_PASSWORD }}\n      SECRETSERVER_URL: ${{ secrets.SECRETSERVER_URL }}\n      GRAFANA_URL: ${{ secrets.GRAFANA_URL }}\n      GRAFANA_TOKEN: @@S@@\n      AKEYLESS_ACCESS_ID: ${{ secrets.AKEYLESS_ACCESS_ID }}\n      AKEYLESS_ACCESS_TYPE: ${{ secrets.AKEYLESS_ACCESS_TYPE }}\n      AKEYLESS_ACCESS_TYPE_PARAM: ${{ secrets.AKEYLESS_ACCESS_TYPE_PARAM }}\n      GITLAB_TOKEN: ${{ secrets.GITLAB_TOKEN }}\n      GITLAB_PROJECT_ID: ${{ secrets.GITLAB_PROJECT_ID }}\n      GITLAB_ENVIRONMENT: ${{ secrets.GITLAB_ENVIRONMENT }}",
        "",
    ),
    (
        "generic_secret",
        "outline/outline:.env.sample#L254-L269 (value inserted)",
        "GITHUB_APP_ID=\nGITHUB_APP_PRIVATE_KEY=\n\n# The GitLab integration allows previewing issue and merge request links\n# DOCS: \nGITLAB_CLIENT_ID=\nGITLAB_CLIENT_SECRET=\n\n# Linear integration allows previewing issue links as rich mentions\nLINEAR_CLIENT_ID=\nLINEAR_CLIENT_SECRET=@@S@@\n\n# For a complete Slack integration with search and posting to channels the\n# following configs are also needed in addition to Slack authentication:\n# DOCS: https://docs.getoutline.com/s/hosting/doc/slack-G2mc8DOJHk\nSLACK_VERIFICATION_TOKEN=your_token",
        "",
    ),
    (
        "password_in_url",
        "hoppscotch/hoppscotch:.github/workflows/tests.yml#L37-L45 (value inserted)",
        '\n      - name: Install dependencies\n        run: pnpm install\n        env:\n          DATABASE_URL: postgresql://postgres:@@S@@@localhost:5432/hoppscotch\n          DATA_ENCRYPTION_KEY: "12345678901234567890123456789012"\n\n      - name: Run tests\n        run: pnpm test',
        "",
    ),
    (
        "password_in_url",
        "hoppscotch/hoppscotch:docker-compose.yml#L194-L199 (value inserted)",
        '    environment:\n      # Edit the below line to match your PostgresDB URL if you have an outside DB (make sure to update the .env file as well)\n      - DATABASE_URL=postgresql://postgres:@@S@@@hoppscotch-db:5432/hoppscotch?connect_timeout=300\n      - PORT=3000\n    volumes:\n      # Uncomment the line below when modifying code. Only applicable when using the "dev" target.',
        "",
    ),
    (
        "password_in_url",
        "slackapi/python-slack-sdk:.github/workflows/ci-build.yml#L153-L162 (value inserted)",
        "      - name: Run sync tests (PostgreSQL)\n        env:\n          TEST_DATABASE_URL: postgresql://test_user:@@S@@@localhost/test\n        run: |\n          PYTHONPATH=$PWD:$PYTHONPATH pytest -s tests/slack_sdk/oauth/installation_store/test_sqlalchemy.py\n          PYTHONPATH=$PWD:$PYTHONPATH pytest -s tests/slack_sdk/oauth/state_store/test_sqlalchemy.py\n      - name: Run async tests (PostgreSQL)\n        env:\n          ASYNC_TEST_DATABASE_URL: postgresql+asyncpg://test_user:password@localhost/test\n        run: |",
        "",
    ),
    (
        "password_in_url",
        "psf/requests:docs/user/advanced.rst#L627-L645 (value inserted)",
        "    $ python\n    >>> import requests\n    >>> requests.get('http://example.org')\n\nTo use HTTP Basic Auth with your proxy, use the `http://user:password@host/`\nsyntax in any of the above configuration entries::\n\n    $ export HTTPS_PROXY=\"http://user:pass@10.10.1.10:1080\"\n\n    $ python\n    >>> proxies = {'http': 'http://user:@@S@@@10.10.1.10:3128/'}\n\n.. warning:: Storing sensitive username and password information in an\n   environment variable or a version-controlled file is a security risk and is\n   highly discouraged.\n\nTo give a proxy for a specific scheme and host, use the\n`scheme://hostname` form for the key.  This will match for\nany request to the given scheme and exact hostname.",
        "",
    ),
    (
        "password_in_url",
        "docker/awesome-compose:wasmedge-mysql-nginx/README.md#L44-L50 (value inserted)",
        "        - wasi/wasm32\n    ports:\n      - 8080:8080\n    environment:\n      DATABASE_URL: mysql://root:@@S@@@db:3306/mysql\n      RUST_BACKTRACE: full\n    restart: unless-stopped",
        "",
    ),
    (
        "password_in_url",
        "python-websockets/websockets:docs/topics/proxies.rst#L24-L39 (value inserted)",
        "   environment variable, only for ``ws://`` connections.\n\nFinally, if no proxy is found, websockets connects directly.\n\nWhile environment variables are case-insensitive, the lower-case spelling is the\nmost common, for `historical reasons`_, and recommended.\n\n.. _historical reasons: https://unix.stackexchange.com/questions/212894/\n\nwebsockets authenticates automatically when the address of the proxy includes\ncredentials e.g. ``http://user:@@S@@@proxy:8080/``.\n\n.. admonition:: Any environment variable can configure a SOCKS proxy or an HTTP proxy.\n    :class: tip\n\n    For example, ``https_proxy=socks5h://proxy:1080/`` configures a SOCKS proxy",
        "",
    ),
    (
        "password_in_url",
        "Azure/Azurite:README.md#L546-L563 (value inserted)",
        "\n### Customized Metadata Storage by External Database (Preview)\n\nBy default, Azurite leverages [loki](https://github.com/techfort/LokiJS) as metadata database.\nHowever, as an in-memory database, loki limits Azurite's scalability and data persistency.\nSet environment variable `AZURITE_DB=dialect://[username][:password][@]host:port/database` to make Azurite blob service switch to a SQL database based metadata storage, like MySql, SqlServer.\n\nFor example, connect to MySql or SqlServer by set environment variables:\n\n```bash\nset AZURITE_DB=mysql://username:@@S@@@localhost:3306/azurite_blob\nset AZURITE_DB=mssql://username:password@localhost:1024/azurite_blob\n```\n\nWhen Azurite starts with above environment variable, it connects to the configured database, and creates tables if not exist.\nThis feature is in preview, when Azurite changes database table schema, you need to drop existing tables and let Azurite regenerate database tables.\n\n> Note. Need to manually create database before starting Azurite instance.",
        "",
    ),
    (
        "password_in_url",
        "minio/minio:docs/bucket/replication/README.md#L203-L216 (value inserted)",
        'mc replicate add myminio/srcbucket/Tax --priority 1 --remote-bucket `remote-target` --tags "Year=2019&Company=AcmeCorp" --storage-class "STANDARD" --replicate "delete,delete-marker"\nReplication configuration applied successfully to myminio/srcbucket.\n```\n\n> NOTE: In mc versions `RELEASE.2022-12-24T15-21-38Z` and above `remote-target`  should be of the format `https://accessKey:@@S@@@replica-endpoint:9000/destbucket` which earlier used to be set during `mc admin bucket remote add`. For older releases, use the arn generated with `mc admin bucket remote add` command - e.g."arn:minio:replication:us-east-1:c5be6b16-769d-432a-9ef1-4567081f3566:destbucket" as the `remote-target`.\n\nAlso note that `mc` version `RELEASE.2021-09-02T09-21-27Z` or older supports only a single remote target per bucket. To take advantage of multiple destination replication, use the latest version of `mc`\n\nStatus of delete marker replication can be viewed by doing a GET/HEAD on the object version - it will return a `X-Minio-Replication-DeleteMarker-Status` header and http response code of `405`. In the case of permanent deletes, if the delete replication is pending or failed to propagate to the target cluster, GET/HEAD will return additional `X-Minio-Replication-Delete-Status` header and a http response code of `405`.\n\n![delete](https://raw.githubusercontent.com/minio/minio/master/docs/bucket/replication/DELETE_bucket_replication.png)\n\nThe status of replication can be monitored by configuring event notifications on the source and target buckets using `mc event add`.On the source side, the `s3:PutObject`, `s3:Replication:OperationCompletedReplication` and `s3:Replication:OperationFailedReplication` events show the status of replication in the `X-Amz-Replication-Status` metadata.\n',
        "",
    ),
    (
        "password_in_url",
        "documenso/documenso:.env.example#L42-L51 (value inserted)",
        '# OPTIONAL: The port the server will listen on. Defaults to 3000.\nPORT=3000\n\n# [[DATABASE]]\nNEXT_PRIVATE_DATABASE_URL="postgres://documenso:@@S@@@127.0.0.1:54320/documenso"\n# Defines the URL to use for the database when running migrations and other commands that won\'t work with a connection pool.\nNEXT_PRIVATE_DIRECT_DATABASE_URL="postgres://documenso:password@127.0.0.1:54320/documenso"\n\n# [[SIGNING]]\n# The transport to use for document signing. Available options: local (default) | gcloud-hsm | csc',
        "",
    ),
    (
        "password_in_url",
        "documenso/documenso:docker/testing/compose.yml#L32-L50 (value inserted)",
        '      inbucket:\n        condition: service_started\n    env_file:\n      - ../../.env.example\n    environment:\n      - NEXTAUTH_SECRET=secret\n      - NEXT_PRIVATE_ENCRYPTION_KEY=CAFEBABE\n      - NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY=DEADBEEF\n      - NEXT_PRIVATE_DATABASE_URL=postgres://documenso:password@database:5432/documenso\n      - NEXT_PRIVATE_DIRECT_DATABASE_URL=postgres://documenso:@@S@@@database:5432/documenso\n      - NEXT_PUBLIC_UPLOAD_TRANSPORT=database\n      - NEXT_PRIVATE_SMTP_TRANSPORT=smtp-auth\n      - NEXT_PRIVATE_SMTP_HOST=inbucket\n      - NEXT_PRIVATE_SMTP_PORT=2500\n      - NEXT_PRIVATE_SMTP_USERNAME=documenso\n      - NEXT_PRIVATE_SMTP_PASSWORD=password\n      - NEXT_PRIVATE_SMTP_FROM_NAME="No Reply @ Documenso"\n      - NEXT_PRIVATE_SMTP_FROM_ADDRESS=noreply@documenso.com\n      - NEXT_PRIVATE_SIGNING_LOCAL_FILE_PATH=/opt/documenso/cert.p12',
        "",
    ),
    (
        "password_in_url",
        "minio/minio:docs/bucket/notifications/README.md#L96-L112 (value inserted)",
        "\nOr environment variables\n\n```\nKEY:\nnotify_amqp[:name]  publish bucket notifications to AMQP endpoints\n\nARGS:\nMINIO_NOTIFY_AMQP_ENABLE*        (on|off)    enable notify_amqp target, default is 'off'\nMINIO_NOTIFY_AMQP_URL*           (url)       AMQP server endpoint e.g. `amqp://myuser:@@S@@@localhost:5672`\nMINIO_NOTIFY_AMQP_EXCHANGE       (string)    name of the AMQP exchange\nMINIO_NOTIFY_AMQP_EXCHANGE_TYPE  (string)    AMQP exchange type\nMINIO_NOTIFY_AMQP_ROUTING_KEY    (string)    routing key for publishing\nMINIO_NOTIFY_AMQP_MANDATORY      (on|off)    quietly ignore undelivered messages when set to 'off', default is 'on'\nMINIO_NOTIFY_AMQP_DURABLE        (on|off)    persist queue across broker restarts when set to 'on', default is 'off'\nMINIO_NOTIFY_AMQP_NO_WAIT        (on|off)    non-blocking message delivery when set to 'on', default is 'off'\nMINIO_NOTIFY_AMQP_INTERNAL       (on|off)    set to 'on' for exchange to be not used directly by publishers, but only when bound to other exchanges",
        "",
    ),
    (
        "password_in_url",
        "prometheus-community/helm-charts:charts/prometheus-elasticsearch-exporter/values.yaml#L224-L242 (value inserted)",
        "#  - name: csi-volume\n#    mountPath: /csi/volume\n#    readOnly: true\n\nes:\n  ## Address (host and port) of the Elasticsearch node we should connect to.\n  ## This could be a local node (localhost:9200, for instance), or the address\n  ## of a remote Elasticsearch server. When basic auth is needed,\n  ## specify as: <proto>://<user>:<password>@<host>:<port>. e.g., http://admin:@@S@@@localhost:9200.\n  ##\n  uri: http://localhost:9200\n\n  ## If true, query stats for all nodes in the cluster, rather than just the\n  ## node we connect to.\n  ##\n  all: true\n\n  ## If true, query stats for all indices in the cluster.\n  ##",
        "",
    ),
    (
        "pypi_token",
        "pypa/gh-action-pypi-publish:README.md#L153-L163 (value inserted)",
        "The action invocation in this case would look like:\n```yml\n- name: Publish package to TestPyPI\n  uses: pypa/gh-action-pypi-publish@release/v1\n  with:\n    password: @@S@@\n    repository-url: https://test.pypi.org/legacy/\n```\n\n### Customizing target package dists directory\n",
        "",
    ),
    (
        "pypi_token",
        "latchset/jwcrypto:.github/workflows/publish-to-pypi.yml#L29-L37 (value inserted)",
        "          python setup.py sdist\n          python setup.py bdist_wheel\n      - name: Publish on pypi (only for tag pushes)\n        if: startsWith(github.ref, 'refs/tags')\n        uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          user: __token__\n          password: @@S@@\n          skip-existing: true",
        "",
    ),
    (
        "pypi_token",
        "pypa/pipenv:.github/workflows/pypi_upload.yml#L54-L67 (value inserted)",
        "    # And add a publisher with:\n    #   - Provider: GitHub\n    #   - Owner: pypa\n    #   - Repository: pipenv\n    #   - Workflow filename: pypi_upload.yml\n    - name: Publish a Python distribution to PyPI\n      uses: pypa/gh-action-pypi-publish@release/v1\n      with:\n        user: __token__\n        password: @@S@@\n        packages-dir: dist/\n        verbose: true\n        # Uncomment the following line to publish to Test PyPI instead\n        # repository-url: https://test.pypi.org/legacy/",
        "",
    ),
    (
        "pypi_token",
        "encode/httpx:.github/workflows/publish.yml#L23-L29 (value inserted)",
        '      - name: "Build package & docs"\n        run: "scripts/build"\n      - name: "Publish to PyPI & deploy docs"\n        run: "scripts/publish"\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: @@S@@',
        "",
    ),
    (
        "pypi_token",
        "sendgrid/sendgrid-python:.github/workflows/test-and-deploy.yml#L65-L76 (value inserted)",
        "        with:\n          footer: '**[pypi](https://pypi.org/project/sendgrid/${version})**'\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n\n      - name: Publish package to PyPI\n        uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          user: __token__\n          password: @@S@@\n\n      - name: Submit metric to Datadog",
        "",
    ),
    (
        "resend_api_key",
        "documenso/documenso:.env.example#L122-L141 (value inserted)",
        '# OPTIONAL: if this is true and NEXT_PRIVATE_SMTP_SECURE is false then TLS is not used even if the server supports STARTTLS extension\nNEXT_PRIVATE_SMTP_UNSAFE_IGNORE_TLS=\n# REQUIRED: Defines the sender name to use for the from address.\nNEXT_PRIVATE_SMTP_FROM_NAME="Documenso"\n# REQUIRED: Defines the email address to use as the from address.\nNEXT_PRIVATE_SMTP_FROM_ADDRESS="noreply@documenso.com"\n# OPTIONAL: Defines the service for nodemailer\nNEXT_PRIVATE_SMTP_SERVICE=\n# OPTIONAL: The API key to use for Resend.com\nNEXT_PRIVATE_RESEND_API_KEY=@@S@@\n# OPTIONAL: The API key to use for MailChannels.\nNEXT_PRIVATE_MAILCHANNELS_API_KEY=\n# OPTIONAL: The endpoint to use for the MailChannels API if using a proxy.\nNEXT_PRIVATE_MAILCHANNELS_ENDPOINT=\n# OPTIONAL: The domain to use for DKIM signing.\nNEXT_PRIVATE_MAILCHANNELS_DKIM_DOMAIN=\n# OPTIONAL: The selector to use for DKIM signing.\nNEXT_PRIVATE_MAILCHANNELS_DKIM_SELECTOR=\n# OPTIONAL: The private key to use for DKIM signing.\nNEXT_PRIVATE_MAILCHANNELS_DKIM_PRIVATE_KEY=',
        "",
    ),
    (
        "generic_api_token",
        "outline/outline:.env.sample#L262-L272 (value inserted)",
        "# Linear integration allows previewing issue links as rich mentions\nLINEAR_CLIENT_ID=\nLINEAR_CLIENT_SECRET=\n\n# For a complete Slack integration with search and posting to channels the\n# following configs are also needed in addition to Slack authentication:\n# DOCS: https://docs.getoutline.com/s/hosting/doc/slack-G2mc8DOJHk\nSLACK_VERIFICATION_TOKEN=@@S@@\nSLACK_APP_ID=A0XXXXXXX\nSLACK_MESSAGE_ACTIONS=true\n",
        "",
    ),
    (
        "slack_webhook_url",
        "slackapi/bolt-js:.github/workflows/ci-build.yml#L46-L60 (value inserted)",
        "  notifications:\n    name: Regression notifications\n    runs-on: ubuntu-latest\n    needs: build\n    if: ${{ !success() && github.ref == 'refs/heads/main' && github.event_name != 'workflow_dispatch' }}\n    steps:\n      - name: Send notifications of failing tests\n        uses: slackapi/slack-github-action@dcb1066f776dd043e64d0e8ba94ca15cc7e1875d # v4.0.0\n        with:\n          errors: true\n          webhook: @@S@@\n          webhook-type: webhook-trigger\n          payload: |\n            action_url: \"${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}\"\n            repository: \"${{ github.repository }}\"",
        "",
    ),
    (
        "slack_webhook_url",
        "supabase/cli:.github/workflows/release.yml#L223-L229 (value inserted)",
        "      needs.plan.outputs.channel == 'stable'\n    uses: ./.github/workflows/slack-notify.yml\n    with:\n      version: ${{ needs.plan.outputs.version }}\n      channel: ${{ needs.plan.outputs.channel }}\n    secrets:\n      SLACK_RELEASE_WEBHOOK: @@S@@",
        "",
    ),
    (
        "slack_webhook_url",
        "supabase/cli:.github/workflows/slack-notify.yml#L27-L35 (value inserted)",
        "          VERSION: ${{ inputs.version }}\n          CHANNEL: ${{ inputs.channel }}\n          REPO: ${{ github.repository }}\n          RUN_ID: ${{ github.run_id }}\n          SHA: ${{ github.sha }}\n          SLACK_WEBHOOK: @@S@@\n        run: |\n          set -euo pipefail\n",
        "",
    ),
    (
        "slack_webhook_url",
        "twilio/twilio-python:.github/workflows/test-and-deploy.yml#L123-L133 (value inserted)",
        "      - uses: rtCamp/action-slack-notify@v2\n        env:\n          SLACK_COLOR: failure\n          SLACK_ICON_EMOJI: ':github:'\n          SLACK_MESSAGE: ${{ format('Test *{0}*, Deploy *{1}*, {2}/{3}/actions/runs/{4}', needs.test.result, needs.deploy.result, github.server_url, github.repository, github.run_id) }}\n          SLACK_TITLE: Action Failure - ${{ github.repository }}\n          SLACK_USERNAME: GitHub Actions\n          SLACK_MSG_AUTHOR: twilio-dx\n          SLACK_FOOTER: Posted automatically using GitHub Actions\n          SLACK_WEBHOOK: @@S@@\n          MSG_MINIMAL: true",
        "",
    ),
    (
        "slack_webhook_url",
        "slackapi/bolt-js:.github/workflows/samples.yml#L92-L97 (value inserted)",
        "        uses: slackapi/slack-github-action@dcb1066f776dd043e64d0e8ba94ca15cc7e1875d # v4.0.0\n        with:\n          errors: true\n          webhook: @@S@@\n          webhook-type: webhook-trigger\n          payload: |",
        "",
    ),
    (
        "slack_webhook_url",
        "gruntwork-io/terragrunt:.github/workflows/coverage-weekly.yml#L154-L167 (value inserted)",
        "        with:\n          name: timing-comparison.json\n          path: timing-comparison.json\n          retention-days: 90\n\n      - name: Notify Slack\n        if: always() && hashFiles('comparison-report.json') != '' && hashFiles('timing-comparison.json') != '' && env.COVERAGE_SLACK_WEBHOOK_URL != ''\n        env:\n          COVERAGE_SLACK_WEBHOOK_URL: @@S@@\n          CURRENT_SHA: ${{ steps.refs.outputs.current_sha }}\n          CURRENT_DATE: ${{ steps.refs.outputs.current_date }}\n          PREVIOUS_SHA: ${{ steps.refs.outputs.previous_sha }}\n          PREVIOUS_DATE: ${{ steps.refs.outputs.previous_date }}\n          REPO: ${{ github.repository }}",
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-cli:.github/workflows/canary-test.yml#L96-L102 (value inserted)",
        '           (github.event_name == \'workflow_call\' && inputs.run_api_tests))\n        run: go test -v -timeout 15m ./canary/... -run "TestAPI"\n        shell: bash\n        env:\n          STRIPE_CLI_BINARY: ${{ github.workspace }}/${{ matrix.binary }}\n          STRIPE_API_KEY: @@S@@\n          STRIPE_CLI_TELEMETRY_OPTOUT: "1"',
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-cli:.github/workflows/release.yml#L16-L29 (value inserted)",
        '    permissions:\n      contents: read\n    with:\n      run_api_tests: true\n    secrets:\n      STRIPE_TEST_API_KEY: @@S@@\n\n  approve-release:\n    needs: [canary-tests]\n    runs-on: ubuntu-latest\n    environment: release\n    permissions: {}\n    steps:\n      - run: echo "Release approved, proceeding."',
        "",
    ),
    (
        "stripe_secret_key",
        "documenso/documenso:.env.example#L146-L158 (value inserted)",
        '# OPTIONAL: The AWS SES API KEY to verify email domains with.\nNEXT_PRIVATE_SES_ACCESS_KEY_ID=\nNEXT_PRIVATE_SES_SECRET_ACCESS_KEY=\nNEXT_PRIVATE_SES_REGION=\n\n# [[STRIPE]]\nNEXT_PRIVATE_STRIPE_API_KEY=@@S@@\nNEXT_PRIVATE_STRIPE_WEBHOOK_SECRET=\n\n# [[BACKGROUND JOBS]]\n# Available options: local (default) | inngest | bullmq\nNEXT_PRIVATE_JOBS_PROVIDER="local"\nNEXT_PRIVATE_INNGEST_EVENT_KEY=',
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-node:examples/webhook-signing/.env.example#L1-L3 (value inserted)",
        "# Stripe keys\nSTRIPE_SECRET_KEY=@@S@@\nSTRIPE_WEBHOOK_SECRET=whsec_0000000000000000000000000000000000000000000000000000000000000000",
        "",
    ),
    (
        "stripe_webhook_secret",
        "documenso/documenso:.env.example#L150-L158 (value inserted)",
        '\n# [[STRIPE]]\nNEXT_PRIVATE_STRIPE_API_KEY=\nNEXT_PRIVATE_STRIPE_WEBHOOK_SECRET=@@S@@\n\n# [[BACKGROUND JOBS]]\n# Available options: local (default) | inngest | bullmq\nNEXT_PRIVATE_JOBS_PROVIDER="local"\nNEXT_PRIVATE_INNGEST_EVENT_KEY=',
        "",
    ),
    (
        "telegram_bot_token",
        "goreleaser/goreleaser:.github/workflows/release.yml#L163-L180 (value inserted)",
        "          AUR_KEY: ${{ secrets.AUR_KEY }}\n          MACOS_SIGN_P12: ${{ secrets.MACOS_SIGN_P12 }}\n          MACOS_SIGN_PASSWORD: ${{ secrets.MACOS_SIGN_PASSWORD }}\n          MACOS_NOTARY_ISSUER_ID: ${{ secrets.MACOS_NOTARY_ISSUER_ID }}\n          MACOS_NOTARY_KEY_ID: ${{ secrets.MACOS_NOTARY_KEY_ID }}\n          MACOS_NOTARY_KEY: ${{ secrets.MACOS_NOTARY_KEY }}\n          SNAPCRAFT_STORE_CREDENTIALS: ${{ secrets.SNAPCRAFT_STORE_CREDENTIALS }}\n          GORELEASER_KEY: ${{ secrets.GORELEASER_KEY }}\n          OPENCOLLECTIVE_TOKEN: ${{ secrets.OPENCOLLECTIVE_TOKEN }}\n          TELEGRAM_TOKEN: @@S@@\n      - name: goreleaser-snapshot\n        if: ${{ !startsWith(github.ref, 'refs/tags/v') }} # on main\n        run: |\n          go build .\n          ./goreleaser release --clean --timeout 60m --snapshot\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n      - uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2",
        "",
    ),
    (
        "telegram_bot_token",
        "goreleaser/goreleaser:.github/workflows/generate.yml#L75-L87 (value inserted)",
        "      - docs\n    permissions:\n      contents: read\n    if: ${{ failure() }}\n    steps:\n      - name: Notify\n        uses: appleboy/telegram-action@214f06cfa3d3a588c1472116889437e7c6fd29b1 # v1.1.1\n        with:\n          to: ${{ secrets.TELEGRAM_NIGHTLY_CHAT_ID }}\n          token: @@S@@\n          disable_web_page_preview: true\n          message: |\n            generate job failed, this may cause goreleaser-action to fail, please check:",
        "",
    ),
    (
        "openai_api_key",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (value inserted)",
        '$ curl -X POST "http://localhost:8000/v1/chat/completions" \\\n    -H "Content-Type: application/json" \\\n    -H "Authorization: Bearer @@S@@" \\\n    -d \'{\n        "model": "chatglm3-6b-32k",\n        "messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello!"}]\n    }\'',
        "",
    ),
    (
        "openai_api_key",
        "supabase/cli:apps/cli-go/pkg/config/templates/config.toml#L95-L105 (value inserted)",
        'enabled = true\n# Port to use for Supabase Studio.\nport = 54323\n# External URL of the API server that frontend connects to.\napi_url = "http://127.0.0.1"\n# OpenAI API Key to use for Supabase AI in the Supabase Studio.\nopenai_api_key = "@@S@@"\n\n# Email testing server. Emails sent with the local dev setup are not actually sent - rather, they\n# are monitored, and you can view the emails that would have been sent from the web interface.\n[inbucket]',
        "",
    ),
    (
        "openai_api_key",
        "supabase/cli:docs/environments-management.md#L187-L201 (value inserted)",
        '\nFor values the platform doesn\'t know about \u2014 third-party service keys, application-specific config, custom feature flags \u2014 the user explicitly references environment variables using the `env()` syntax in config:\n\n```\n{\n  "functions": {\n    "my-function": {\n      "env": {\n        "OPENAI_API_KEY": "@@S@@",\n        "FEATURE_FLAG_V2": "env(FEATURE_FLAG_V2)"\n      }\n    }\n  }\n}\n```',
        "",
    ),
    (
        "anthropic_api_key",
        "supabase/cli:apps/cli-go/pkg/config/testdata/config.toml#L92-L98 (value inserted)",
        '# External URL of the API server that frontend connects to.\napi_url = "http://127.0.0.1"\n# OpenAI API Key to use for Supabase AI in the Supabase Studio.\nopenai_api_key = "@@S@@"\n\n# Email testing server. Emails sent with the local dev setup are not actually sent - rather, they\n# are monitored, and you can view the emails that would have been sent from the web interface.',
        "",
    ),
    (
        "npm_token",
        "Azure/Azurite:.npmrc#L1-L2 (value inserted)",
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=@@S@@",
        "",
    ),
    (
        "npm_token",
        "Skyscanner/whispers:tests/fixtures/.npmrc#L1-L4 (value inserted)",
        "//registry.npmjs.org/:_authToken=$NPM_TOKEN\n//registry.npmjs.org/:_authToken=@@S@@\n//registry.npmjs.org/:_authToken={NPM_TOKEN}\n//registry.npmjs.org/:_authToken={}",
        "",
    ),
    (
        "npm_token",
        "nektos/act:pkg/runner/testdata/actions/node20/node_modules/universal-user-agent/.github/workflows/release.yml#L19-L27 (value inserted)",
        "      - uses: actions/checkout@v3\n      - uses: actions/setup-node@v3\n        with:\n          node-version: lts/*\n      - run: npm ci\n      - run: npx semantic-release\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          NPM_TOKEN: @@S@@",
        "",
    ),
    (
        "npm_token",
        "npm/cli:tap-snapshots/test/lib/commands/config.js.test.cjs#L173-L182 (value inserted)",
        'exports[`test/lib/commands/config.js TAP config list --long > output matches snapshot 1`] = `\n; "default" config from default values\n\n_auth = @@S@@\naccess = null\nall = false\nallow-same-version = false\nalso = null\naudit = true\naudit-level = null',
        "",
    ),
    (
        "hashicorp_vault_token",
        "getsops/sops:.github/workflows/cli.yml#L22-L34 (value inserted)",
        '        go-version: [\'1.25\', \'1.26\']\n        exclude:\n          - os: windows\n            arch: arm64\n    env:\n      VAULT_VERSION: "1.14.0"\n      VAULT_TOKEN: "@@S@@"\n      VAULT_ADDR: "http://127.0.0.1:8200"\n    steps:\n      - name: Check out code into the Go module directory\n        uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0\n        with:\n          persist-credentials: false',
        "",
    ),
    (
        "hashicorp_vault_token",
        "external-secrets/external-secrets:docs/snippets/gitops/secret-token.yaml#L1-L8 (value inserted)",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vault-token-global\n  namespace: external-secrets\nstringData:\n  # This token must be patched by overlays. Not here for security reasons\n  token: @@S@@",
        "",
    ),
    (
        "hashicorp_vault_token",
        "external-secrets/external-secrets:e2e/k8s/vault-config/configure-vault.sh#L1-L12 (value inserted)",
        "#!/bin/sh\nset -euxo pipefail;\n\nexport VAULT_TOKEN=@@S@@\n\n# ------------------\n#   SECRET BACKENDS\n# ------------------\nvault secrets enable -path=secret -version=2 kv\nvault secrets enable -path=secret_v1 -version=1 kv\n\n# ------------------",
        "",
    ),
    (
        "sendgrid_api_key",
        "sendgrid/sendgrid-python:.env_sample#L1-L1 (value inserted)",
        "export SENDGRID_API_KEY='@@S@@'",
        "",
    ),
    (
        "sendgrid_api_key",
        "supabase/cli:apps/cli-go/pkg/config/testdata/config.toml#L224-L234 (value inserted)",
        '# Use a production-ready SMTP server\n[auth.email.smtp]\nenabled = true\nhost = "smtp.sendgrid.net"\nport = 587\nuser = "apikey"\npass = "@@S@@"\nadmin_email = "admin@email.com"\nsender_name = "Admin"\n\n# Uncomment to customize email template',
        "",
    ),
    (
        "huggingface_token",
        "kubernetes/examples:AI/vllm-deployment/README.md#L45-L55 (value inserted)",
        "2. Ensure Hugging Face permissions to retrieve model:\n\n```bash\n# Env var HF_TOKEN contains hugging face account token\n# Make sure to use the same namespace as in the previous step\nkubectl create secret generic hf-secret -n vllm-example \\\n  --from-literal=hf_token=@@S@@\n```\n\n\n3. Apply vLLM server:",
        "",
    ),
    (
        "kubernetes_service_account_token",
        "aquasecurity/trivy:integration/testdata/fixtures/k8s/kube-config-template#L2-L18 (value inserted)",
        "clusters:\n- cluster:\n    certificate-authority-data: {{CA}}\n    server: {{URL}}\n  name: kind-kind-test\ncontexts:\n- context:\n    cluster: kind-kind-test\n    namespace: limitedns\n    user: limiteduser\n  name: limitedcontext\nkind: Config\npreferences: {}\nusers:\n- name: limiteduser\n  user:\n    token: @@S@@",
        "",
    ),
    (
        "jwt",
        "argoproj/argo-cd:docs/developer-guide/api-docs.md#L11-L23 (value inserted)",
        '{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1Njc4MTIzODcsImlzcyI6ImFyZ29jZCIsIm5iZiI6MTU2NzgxMjM4Nywic3ViIjoiYWRtaW4ifQ.ejyTgFxLhuY9mOBtKhcnvobg3QZXJ4_RusN_KIdVwao"} \n```\n\nThen pass using the HTTP `Authorization` header, prefixing it with `Bearer `:\n\n```bash\n$ curl $ARGOCD_SERVER/api/v1/applications -H "Authorization: Bearer @@S@@" \n{"metadata":{"selfLink":"/apis/argoproj.io/v1alpha1/namespaces/argocd/applications","resourceVersion":"37755"},"items":...}\n```\n\n## Services\n\n### Applications API',
        "",
    ),
    (
        "jwt",
        "ansible/ansible:test/integration/targets/uri/tasks/use_netrc.yml#L6-L22 (value inserted)",
        "      login foo\n      password bar\n\n- name: Test with netrc forced Basic auth\n  uri:\n    url: https://{{ httpbin_host }}/basic-auth/foo/bar\n    return_content: yes\n    headers:\n      Authorization: Bearer @@S@@\n  environment:\n    NETRC: \"{{ remote_tmp_dir }}/netrc\"\n  register: response\n\n- name: assert Test with netrc forced Basic auth\n  assert:\n    that:\n     - response.json.user == 'foo'",
        "",
    ),
    (
        "jwt",
        "composer/composer:doc/06-config.md#L1047-L1059 (value inserted)",
        'More info can be found [here](articles/authentication-for-private-packages.md#http-basic).\n\n## bearer\n\nA list of domain names and tokens to authenticate against them. For example using\n`{"example.org": "foo"}` as the value of this option will let Composer authenticate\nagainst example.org using an `Authorization: Bearer @@S@@` header.\n\n## platform\n\nLets you fake platform packages (PHP and extensions) so that you can emulate a\nproduction env or define your target platform in the config. Example: `{"php":\n"7.0.3", "ext-something": "4.0.3"}`.',
        "",
    ),
    (
        "generic_api_token",
        "argoproj/argo-cd:docs/operator-manual/applicationset/Generators-Plugin.md#L211-L221 (value inserted)",
        '\nExecute getparams with curl :\n\n```\ncurl http://localhost:4355/api/v1/getparams.execute -H "Authorization: Bearer @@S@@" -d \\\n\'{\n  "applicationSetName": "fake-appset",\n  "input": {\n    "parameters": {\n      "param1": "value1"\n    }',
        "",
    ),
    (
        "jwt",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (value inserted)",
        'curl -X GET \\\n     -H "apikey: @@S@@" \\\n     -H "Accept: $FORMAT" \\\n"$API_URL/rest/v1/stats_derniere_labellisation"',
        "",
    ),
    (
        "openssh_private_key",
        "argoproj/argo-cd:docs/operator-manual/argocd-repositories.yaml#L21-L36 (value inserted)",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-private-ssh-repo\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repository\nstringData:\n  url: ssh://git@github.com/argoproj/argocd-example-apps\n  sshPrivateKey: |\n    @@S@@\n  insecure: "true" # Do not perform a host key check for the server. Defaults to "false"\n  enableLfs: "true" # Enable git-lfs for this repository. Defaults to "false"\n---',
        "    ",
    ),
    (
        "openssh_private_key",
        "argoproj/argo-cd:docs/operator-manual/argocd-repo-creds.yaml#L16-L31 (value inserted)",
        "kind: Secret\nmetadata:\n  name: argoproj-ssh-creds\n  namespace: argocd\n  labels:\n    argocd.argoproj.io/secret-type: repo-creds\nstringData:\n  url: git@github.com:argoproj-labs\n  type: helm\n  sshPrivateKey: |\n    @@S@@\n---\napiVersion: v1\nkind: Secret",
        "    ",
    ),
    (
        "pkcs8_private_key",
        "external-secrets/external-secrets:docs/snippets/vault-cert-store.yaml#L5-L21 (value inserted)",
        "  namespace: external-secrets\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n    <your-client-certificate>\n    -----END CERTIFICATE-----\n  tls.key: |\n    @@S@@\n---\napiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: vault-cert-auth\nspec:",
        "    ",
    ),
    (
        "gcp_service_account_private_key",
        "external-secrets/external-secrets:docs/snippets/gcpsm-sa-credentials-secret.yaml#L3-L20 (value inserted)",
        'metadata:\n  name: gcp-sa-secret\n  namespace: demo\ntype: Opaque\nstringData:\n  secret-access-credentials: |-\n    {\n      "type": "service_account",\n      "project_id": "external-secrets-operator",\n      "private_key_id": "",\n      "private_key": "@@S@@\\n",\n      "client_email": "test-service-account@external-secrets-operator.iam.gserviceaccount.com",\n      "client_id": "client ID",\n      "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n      "token_uri": "https://oauth2.googleapis.com/token",\n      "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",\n      "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/test-service-account%40external-secrets-operator.iam.gserviceaccount.com"\n    }',
        "",
    ),
    (
        "rsa_private_key",
        "outline/outline:.env.sample#L249-L259 (value inserted)",
        "# DOCS: https://docs.getoutline.com/s/hosting/doc/github-GchT3NNxI9\nGITHUB_CLIENT_ID=\nGITHUB_CLIENT_SECRET=\nGITHUB_WEBHOOK_SECRET=\nGITHUB_APP_NAME=\nGITHUB_APP_ID=\nGITHUB_APP_PRIVATE_KEY=@@S@@\n\n# The GitLab integration allows previewing issue and merge request links\n# DOCS: \nGITLAB_CLIENT_ID=",
        "",
    ),
    (
        "laravel_app_key",
        "laravel/laravel:.env.example#L1-L11 (value inserted)",
        "APP_NAME=Laravel\nAPP_ENV=local\nAPP_KEY=@@S@@\nAPP_DEBUG=true\nAPP_URL=http://localhost\n\nAPP_LOCALE=en\nAPP_FALLBACK_LOCALE=en\nAPP_FAKER_LOCALE=en_US\n\nAPP_MAINTENANCE_DRIVER=file",
        "",
    ),
    (
        "laravel_app_key",
        "snipe/snipe-it:docker/docker.env#L2-L12 (value inserted)",
        "# REQUIRED: BASIC APP SETTINGS\n# --------------------------------------------\n#APP_ENV=develop\n#APP_DEBUG=false\n#APP_KEY=@@S@@\n#APP_URL=http://127.0.0.1:32782\n#APP_TIMEZONE=US/Pacific\n#APP_LOCALE=en\n\n\n# --------------------------------------------",
        "",
    ),
    (
        "basic_auth_credentials",
        "gitleaks/gitleaks:cmd/generate/config/rules/curl.go (value inserted)",
        'curl -X POST https://accounts.spotify.com/api/token -d grant_type=client_credentials --header "Authorization: Basic @@S@@"',
        "",
    ),
    (
        "k8s_secret_data_base64",
        "kubernetes/examples:_archived/persistent-volume-provisioning/glusterfs/glusterfs-secret.yaml#L1-L9 (value inserted)",
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: heketi-secret\n  namespace: default\ndata:\n  # base64 encoded password. E.g.: echo -n "mypassword" | base64\n  key: @@S@@\ntype: kubernetes.io/glusterfs',
        "",
    ),
    (
        "k8s_secret_data_base64",
        "kubernetes/examples:_archived/volumes/iscsi/chap-secret.yaml#L1-L15 (value inserted)",
        '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: chap-secret\ntype: "kubernetes.io/iscsi-chap"\ndata:\n  discovery.sendtargets.auth.username: dXNlcg==\n  discovery.sendtargets.auth.password: ZGVtbw==\n  discovery.sendtargets.auth.username_in: bXVzZXI=\n  discovery.sendtargets.auth.password_in: bXBhc3M=\n  node.session.auth.username: dXNlcm5hbWU=\n  node.session.auth.password: @@S@@\n  node.session.auth.username_in: bXVzZXIy\n  node.session.auth.password_in: bXBhc3My',
        "",
    ),
    (
        "k8s_secret_data_base64",
        "argoproj/argo-cd:test/e2e/testdata/secrets/secrets.yaml#L1-L17 (value inserted)",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: test-secret\nstringData:\n  username: test-username\ndata:\n  password: @@S@@\n\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: test-secret2\nstringData:\n  username: test-username",
        "",
    ),
    (
        "k8s_secret_data_base64",
        "traefik/traefik:pkg/provider/kubernetes/crd/fixtures/basic_auth_secrets.yml#L1-L12 (value inserted)",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: basic-auth-secret\n  namespace: default\ntype: kubernetes.io/basic-auth\ndata:\n  username: dXNlcg== # username: user\n  password: @@S@@\n\n---\napiVersion: v1",
        "",
    ),
    (
        "azure_storage_account_key",
        "Azure/Azurite:README.md#L728-L736 (value inserted)",
        "\nThe full connection string is:\n\n```bash\nDefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=@@S@@;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;\n```\n\nTake blob service only, the full connection string is:\n",
        "",
    ),
    (
        "azure_storage_account_key",
        "helm/helm:.github/workflows/release.yml#L58-L70 (value inserted)",
        '          echo "${LATEST_VERSION}" > _dist_versions/helm-latest-version\n          echo "${LATEST_VERSION}" > _dist_versions/helm4-latest-version\n\n      - name: Upload Binaries\n        uses: bacongobbler/azure-blob-storage-upload@50f7d898b7697e864130ea04c303ca38b5751c50 # pin@3.0.0\n        env:\n          AZURE_STORAGE_CONNECTION_STRING: "@@S@@"\n          AZURE_STORAGE_CONTAINER_NAME: "${{ secrets.AZURE_STORAGE_CONTAINER_NAME }}"\n        with:\n          source_dir: _dist\n          container_name: ${{ secrets.AZURE_STORAGE_CONTAINER_NAME }}\n          connection_string: ${{ secrets.AZURE_STORAGE_CONNECTION_STRING }}\n          extra_args: \'--pattern helm-*\'',
        "",
    ),
    (
        "aws_session_token",
        "boto/boto3:docs/source/guide/credentials.rst#L63-L73 (value inserted)",
        "    import boto3\n\n    client = boto3.client(\n        's3',\n        aws_access_key_id=ACCESS_KEY,\n        aws_secret_access_key=SECRET_KEY,\n        aws_session_token=@@S@@\n    )\n\n\nThe second option for providing credentials to Boto3 is passing them as parameters when creating a ``Session`` object:",
        "",
    ),
    (
        "aws_session_token",
        "aws/aws-cli:awscli/examples/sts/assume-role.rst#L10-L24 (value inserted)",
        '\n    {\n        "AssumedRoleUser": {\n            "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access-example",\n            "Arn": "arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example"\n        },\n        "Credentials": {\n            "SecretAccessKey": "9drTJvcXLB89EXAMPLELB8923FB892xMFI",\n            "SessionToken": "@@S@@",\n            "Expiration": "2016-03-15T00:05:07Z",\n            "AccessKeyId": "ASIAJEXAMPLEXEG2JICEA"\n        }\n    }\n\nThe output of the command contains an access key, secret key, and session token that you can use to authenticate to AWS.',
        "",
    ),
    (
        "aws_access_key_id",
        "slackapi/bolt-js:docs/english/deployments/aws-lambda.md#L47-L59 (value inserted)",
        "You can use the AWS CLI to configure a profile that stores your access key pair on your local machine. This profile is used by the CLI and other tools to access AWS.\n\nThe quickest way to [configure your profile](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-config) is to run this command and follow the prompts:\n\n```zsh\naws configure\n# AWS Access Key ID [None]: @@S@@\n# AWS Secret Access Key [None]: <your-aws-secret>\n# Default region name [None]: us-east-1\n# Default output format [None]: json\n```\n\n:::tip[Customize the [region](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-region) and [output format](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-format) best for you.]",
        "",
    ),
    (
        "aws_secret_access_key",
        "slackapi/bolt-js:docs/english/deployments/aws-lambda.md#L48-L60 (value inserted)",
        "\nThe quickest way to [configure your profile](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-config) is to run this command and follow the prompts:\n\n```zsh\naws configure\n# AWS Access Key ID [None]: <your-aws-access-key>\n# AWS Secret Access Key [None]: @@S@@\n# Default region name [None]: us-east-1\n# Default output format [None]: json\n```\n\n:::tip[Customize the [region](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-region) and [output format](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-quickstart.html#cli-configure-quickstart-format) best for you.]\n",
        "",
    ),
    (
        "aws_access_key_id",
        "boto/boto3:docs/source/guide/credentials.rst#L63-L71 (value inserted)",
        "    import boto3\n\n    client = boto3.client(\n        's3',\n        aws_access_key_id=@@S@@,\n        aws_secret_access_key=SECRET_KEY,\n        aws_session_token=SESSION_TOKEN\n    )\n",
        "",
    ),
    (
        "aws_secret_access_key",
        "aws/aws-cli:awscli/examples/iam/create-access-key.rst#L5-L21 (value inserted)",
        '    aws iam create-access-key \\\n        --user-name Bob\n\nOutput::\n\n    {\n        "AccessKey": {\n            "UserName": "Bob",\n            "Status": "Active",\n            "CreateDate": "2015-03-09T18:39:23.411Z",\n            "SecretAccessKey": "@@S@@",\n            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE"\n        }\n    }\n\nStore the secret access key in a secure location. If it is lost, it cannot be recovered, and you must create a new access key.\n',
        "",
    ),
    (
        "databricks_token",
        "secretlint/secretlint:packages/@secretlint/secretlint-rule-databricks/README.md#L30-L40 (value inserted)",
        '\nDatabricks personal access tokens start with the literal prefix `dapi`, followed by a 32-character hexadecimal string, with an optional `-<digit>` suffix. The rule matches hex characters case-insensitively.\n\n**NG** examples:\n\n```\nDATABRICKS_TOKEN=@@S@@\ntoken: "dapi0123456789ABCDEF0123456789ABCDEF-3"\n```\n\n## Options',
        "",
    ),
    (
        "twilio_auth_token",
        "sendgrid/sendgrid-python:use_cases/twilio-setup.md#L14-L26 (value inserted)",
        'echo "export TWILIO_API_KEY=\'YOUR_TWILIO_API_KEY\'" > twilio.env\necho "export TWILIO_API_SECRET=\'YOUR_TWILIO_API_SECRET\'" >> twilio.env\n\n# or\n\necho "export TWILIO_ACCOUNT_SID=\'YOUR_TWILIO_ACCOUNT_SID\'" > twilio.env\necho "export TWILIO_AUTH_TOKEN=\'@@S@@\'" >> twilio.env\n```\n\nThen:\n\n```bash\necho "twilio.env" >> .gitignore',
        "",
    ),
    (
        "twilio_auth_token",
        "supabase/cli:apps/cli-go/pkg/config/testdata/config.toml#L281-L291 (value inserted)",
        '# Configure one of the supported SMS providers: `twilio`, `twilio_verify`, `messagebird`, `textlocal`, `vonage`.\n[auth.sms.twilio]\nenabled = true\naccount_sid = "account_sid"\nmessage_service_sid = "message_service_sid"\n# DO NOT commit your Twilio auth token to git. Use environment variable substitution instead:\nauth_token = "@@S@@"\n\n# Multi-factor-authentication is available to Supabase Pro plan.\n[auth.mfa]\nmax_enrolled_factors = 10',
        "",
    ),
    (
        "slack_bot_token",
        "slackapi/bolt-js:docs/english/getting-started.md#L158-L170 (value inserted)",
        '\n![OAuth Tokens](/img/bolt-js/bot-token.png "Bot OAuth Token")\n\n3. Copy the bot token beginning with `xoxb` from the **OAuth & Permissions page** and then store it in a new environment variable:\n\n```sh\n$ export SLACK_BOT_TOKEN=@@S@@\n```\n\nAfter saving tokens for the app you created, it is time to run it:\n\n```sh\n$ npm run start',
        "",
    ),
    (
        "slack_bot_token",
        "slackapi/bolt-python:README.md#L48-L60 (value inserted)",
        "```\n\n## Running an app\n\n```bash\nexport SLACK_SIGNING_SECRET=***\nexport SLACK_BOT_TOKEN=@@S@@\npython app.py\n\n# in another terminal\nngrok http 3000\n```\n",
        "",
    ),
    (
        "slack_bot_token",
        "slackapi/bolt-js:docs/english/deployments/heroku.md#L176-L188 (value inserted)",
        "### 3. Set environment variables on Heroku\n\nNow you'll need to add your Slack app credentials to your Heroku app:\n\n```shell\nheroku config:set SLACK_SIGNING_SECRET=<your-signing-secret>\nheroku config:set SLACK_BOT_TOKEN=@@S@@\n```\n\n:::info\n\nIf you don't know where to find your credentials, please read about [exporting your signing secret and token](/tools/bolt-js/creating-an-app/#preparing-receive-events) in the Building an app guide.\n",
        "",
    ),
    (
        "github_fine_grained_pat",
        "gruntwork-io/terragrunt:.github/scripts/release/README.md#L139-L151 (value inserted)",
        "- `GH_TOKEN`: GitHub token for authentication\n- `GITHUB_OUTPUT`: Path to GitHub output file\n\n**Usage:**\n```bash\nexport VERSION=v0.93.4\nexport GH_TOKEN=@@S@@\n.github/scripts/release/check-release-exists.sh\n```\n\n### `verify-binaries-downloaded.sh`\nVerifies all expected binaries were downloaded from build artifacts.\n",
        "",
    ),
    (
        "github_fine_grained_pat",
        "cli/cli:acceptance/testdata/auth/auth-login-logout.txtar#L3-L17 (value inserted)",
        "# overrides are happening\n\n# Copy $GH_TOKEN to a new env var\nenv LOGIN_TOKEN=$GH_TOKEN\n\n# Remove GH_TOKEN env var so we don't fall back to it\nenv GH_TOKEN='@@S@@'\n\n# Login to the host by feeding the token to stdin\nexec echo $LOGIN_TOKEN\nstdin stdout\nexec gh auth login --hostname=$GH_HOST --with-token --insecure-storage\n\n# Check that we are logged in\nexec gh auth status --hostname $GH_HOST",
        "",
    ),
    (
        "mailgun_api_key",
        "mailgun/mailgun-js:README.md#L29-L43 (value inserted)",
        "```sh\nnpm install mailgun.js\n```\n\n## Setup Client\n\nNext, require the module and instantiate a mailgun client by calling `new Mailgun(formData)` and then using `mailgun.client` setup the client with basic auth credentials `(username: 'api', key: '@@S@@')`.\n\nNOTE: starting from version 3.0 you need to pass FormData (we need this to keep library universal). For node.js you can use `form-data` library.\n\n```js\nconst formData = require('form-data');\nconst Mailgun = require('mailgun.js');\nconst mailgun = new Mailgun(formData);\nconst mg = mailgun.client({username: 'api', key: process.env.MAILGUN_API_KEY || 'key-yourkeyhere'});",
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-python:README.md#L49-L63 (value inserted)",
        "\nThe library needs to be configured with your account's secret key which is\navailable in your [Stripe Dashboard][api-keys]. Set `stripe.api_key` to its\nvalue:\n\n```python\nfrom stripe import StripeClient\n\nclient = StripeClient(\"@@S@@\")\n\n# list customers\ncustomers = client.v1.customers.list()\n\n# print the first customer's email\nprint(customers.data[0].email)",
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-python:examples/webhooks.py#L11-L27 (value inserted)",
        'app = Flask(__name__)\n\n\n@app.route("/webhooks", methods=["POST"])\ndef webhooks():\n    payload = request.data.decode("utf-8")\n    received_sig = request.headers.get("Stripe-Signature", None)\n\n    try:\n        event = Webhook.construct_event(\n            payload, received_sig, webhook_secret, api_key="@@S@@"\n        )\n    except ValueError:\n        print("Error while decoding event!")\n        return "Bad payload", 400\n    except SignatureVerificationError:\n        print("Invalid signature!")',
        "",
    ),
    (
        "password_in_url",
        "pypa/pip:docs/html/topics/authentication.md#L5-L17 (value inserted)",
        'Pip supports basic HTTP-based authentication credentials. This is done by\nproviding the username (and optionally password) in the URL:\n\n```\nhttps://username:@@S@@@pypi.company.com/simple\n```\n\nFor indexes that only require single-part authentication tokens, provide the\ntoken as the "username" and do not provide a password:\n\n```\nhttps://0123456789abcdef@pypi.company.com/simple\n```',
        "",
    ),
    (
        "password_in_url",
        "outline/outline:.env.sample#L57-L66 (value inserted)",
        "# \u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\u2013\n\n# The database URL for your production database, including username, password, and database name.\nDATABASE_URL=postgres://user:@@S@@@postgres:5432/outline\n\n# The in-memory database pool per-process settings. Ensure that the pool size that will not exceed\n# the maximum number of connections allowed by your database. Defaults to 0 and 5.\nDATABASE_CONNECTION_POOL_MIN=\nDATABASE_CONNECTION_POOL_MAX=\n",
        "",
    ),
    (
        "generic_password",
        "psf/requests:docs/user/authentication.rst#L18-L28 (value inserted)",
        "\nMaking requests with HTTP Basic Auth is very simple::\n\n    >>> from requests.auth import HTTPBasicAuth\n    >>> basic = HTTPBasicAuth('user', '@@S@@')\n    >>> requests.get('https://httpbin.org/basic-auth/user/pass', auth=basic)\n    <Response [200]>\n\nIn fact, HTTP Basic Auth is so common that Requests provides a handy shorthand\nfor using it::\n",
        "",
    ),
    (
        "generic_password",
        "docker/awesome-compose:wordpress-mysql/compose.yaml#L4-L20 (value inserted)",
        "    image: mariadb:10.6.4-focal\n    # If you really want to use MySQL, uncomment the following line\n    #image: mysql:8.0.27\n    command: '--default-authentication-plugin=mysql_native_password'\n    volumes:\n      - db_data:/var/lib/mysql\n    restart: always\n    environment:\n      - MYSQL_ROOT_PASSWORD=@@S@@\n      - MYSQL_DATABASE=wordpress\n      - MYSQL_USER=wordpress\n      - MYSQL_PASSWORD=wordpress\n    expose:\n      - 3306\n      - 33060\n  wordpress:\n    image: wordpress:latest",
        "",
    ),
    (
        "generic_password",
        "terraform-aws-modules/terraform-aws-rds:examples/complete-mssql/main.tf#L141-L152 (value inserted)",
        '\nresource "aws_directory_service_directory" "demo" {\n  name     = "corp.demo.com"\n  password = "@@S@@"\n  edition  = "Standard"\n  type     = "MicrosoftAD"\n\n  vpc_settings {\n    vpc_id = module.vpc.vpc_id\n    # Only 2 subnets, must be in different AZs\n    subnet_ids = slice(tolist(module.vpc.database_subnets), 0, 2)\n  }',
        "",
    ),
    (
        "generic_password",
        "prometheus-community/helm-charts:charts/kube-prometheus-stack/values.yaml#L1464-L1476 (value inserted)",
        '  defaultDashboardsInterval: 1m\n\n  # Administrator credentials when not using an existing secret (see below)\n  adminUser: admin\n  # adminPassword: @@S@@\n\n  # Use an existing secret for the admin user.\n  admin:\n    ## Name of the secret. Can be templated.\n    existingSecret: ""\n    userKey: admin-user\n    passwordKey: admin-password\n',
        "",
    ),
    (
        "generic_password",
        "grafana/helm-charts:charts/loki-canary/ci/with-basic-auth-values.yaml#L2-L6 (value inserted)",
        "\nbasicAuth:\n  enabled: true\n  username: user\n  password: @@S@@",
        "",
    ),
    (
        "generic_password",
        "traefik/traefik:docs/content/reference/dynamic-configuration/file.toml#L333-L343 (value inserted)",
        '            ipv6Subnet = 42\n        [http.middlewares.Middleware18.rateLimit.redis]\n          endpoints = ["foobar", "foobar"]\n          username = "foobar"\n          password = "@@S@@"\n          db = 42\n          poolSize = 42\n          minIdleConns = 42\n          maxActiveConns = 42\n          readTimeout = "42s"\n          writeTimeout = "42s"',
        "",
    ),
    (
        "generic_password",
        "ansible/ansible-examples:mongodb/group_vars/all#L15-L25 (value inserted)",
        "# The interface where the mongodb process should listen on.\n# Defaults to the first interface. Change this to:\n# \n#  iface: eth1\n#\n# ...to override.\n# \niface: '{{ ansible_default_ipv4.interface }}'\n\n# The password for admin user\nmongo_admin_pass: @@S@@",
        "",
    ),
    (
        "generic_secret",
        "fastapi/full-stack-fastapi-template:.env#L2-L12 (value inserted)",
        'FASTAPI_ENV=development\n\nPROJECT_NAME="Full Stack FastAPI Project"\n\nSECRET_KEY=@@S@@\nFIRST_SUPERUSER=admin@example.com\nFIRST_SUPERUSER_PASSWORD=changethis\n\n# Emails\nSMTP_HOST=localhost\nEMAILS_FROM_EMAIL=info@example.com',
        "",
    ),
    (
        "generic_secret",
        "getsentry/self-hosted:.env#L3-L13 (value inserted)",
        "# To enable errors monitoring only, set COMPOSE_PROFILES=errors-only\n# See https://develop.sentry.dev/self-hosted/optional-features/errors-only/\nCOMPOSE_PROFILES=feature-complete\nSENTRY_EVENT_RETENTION_DAYS=90\nLAUNCHPAD_RPC_SHARED_SECRET=@@S@@\n# You can either use a port number or an IP:PORT combo for SENTRY_BIND\n# See https://docs.docker.com/compose/compose-file/#ports for more\nSENTRY_BIND=9000\n# Set SENTRY_MAIL_HOST to a valid FQDN (host/domain name) to be able to send emails!\n# SENTRY_MAIL_HOST=example.com\n# Parallel taskworker processes (higher values increase memory usage; >32 not recommended)",
        "",
    ),
    (
        "generic_secret",
        "argoproj/argo-cd:docs/operator-manual/argocd-secret.yaml#L22-L34 (value inserted)",
        "  # Autogenerated when missing.\n  server.secretkey:\n\n  # Shared secrets for authenticating GitHub, GitLab, BitBucket webhook events (optional).\n  # See https://github.com/argoproj/argo-cd/blob/master/docs/operator-manual/webhook.md for additional details.\n  # github webhook secret\n  webhook.github.secret: @@S@@\n  # gitlab webhook secret\n  webhook.gitlab.secret: shhhh! it's a gitlab secret\n  # bitbucket webhook secret\n  webhook.bitbucket.uuid: your-bitbucket-uuid\n  # bitbucket server webhook secret\n  webhook.bitbucketserver.secret: shhhh! it's a bitbucket server secret",
        "",
    ),
    (
        "generic_secret",
        "hoppscotch/hoppscotch:.env.example#L3-L12 (value inserted)",
        "DATABASE_URL=postgresql://postgres:testpass@hoppscotch-db:5432/hoppscotch\n\n# Sensitive Data Encryption Key while storing in Database (32 character)\nDATA_ENCRYPTION_KEY=@@S@@\n\n# Whitelisted origins for the Hoppscotch App.\n# This list controls which origins can interact with the app through cross-origin comms.\n# - localhost ports (3170, 3000, 3100): app, backend, development servers and services\n# - app://localhost_3200: Bundle server origin identifier\n#   NOTE: `3200` here refers to the bundle server (port 3200) that provides the bundles,",
        "",
    ),
    (
        "generic_password",
        "getsentry/sentry-dart:.github/workflows/testflight.yml#L44-L58 (value inserted)",
        "      - name: Bump, Build & Upload App to TestFlight\n        working-directory: ./packages/flutter/example/ios\n        env:\n          APP_STORE_CONNECT_KEY_ID: ${{ secrets.APP_STORE_CONNECT_KEY_ID }}\n          APP_STORE_CONNECT_ISSUER_ID: ${{ secrets.APP_STORE_CONNECT_ISSUER_ID }}\n          APP_STORE_CONNECT_KEY: ${{ secrets.APP_STORE_CONNECT_KEY }}\n          FASTLANE_BUNDLE_VERSION: ${{ github.run_number }}\n          FASTLANE_KEYCHAIN_PASSWORD: @@S@@\n          MATCH_GIT_PRIVATE_KEY: ${{ secrets.MATCH_GIT_PRIVATE_KEY }}\n          MATCH_PASSWORD: ${{ secrets.MATCH_PASSWORD }}\n          MATCH_USERNAME: ${{ secrets.MATCH_USERNAME }}\n          SENTRY_AUTH_TOKEN: ${{ secrets.SENTRY_AUTH_TOKEN }}\n          SENTRY_LOG_LEVEL: DEBUG\n        run: |\n          bundle exec fastlane bump_build_number",
        "",
    ),
    (
        "github_app_token",
        "external-secrets/external-secrets:.github/workflows/helm.yml#L130-L138 (value inserted)",
        "          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: @@S@@\n\n      - name: Install cosign\n        uses: sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6 # v4.1.2\n        with:\n          cosign-release: 'v3.0.2'\n",
        "",
    ),
    (
        "github_classic_pat",
        "terraform-aws-modules/terraform-aws-vpc:.github/workflows/release.yml#L36-L45 (value inserted)",
        "            @semantic-release/changelog@6.0.3 \\\n            @semantic-release/git@10.0.1 \\\n            conventional-changelog-conventionalcommits@9.1.0\n\n      - name: Release\n        uses: cycjimmy/semantic-release-action@v5\n        with:\n          semantic_version: 25.0.0\n        env:\n          GITHUB_TOKEN: @@S@@",
        "",
    ),
    (
        "stripe_secret_key",
        "stripe/stripe-cli:.github/workflows/sync-openapi-artifacts.yml#L28-L39 (value inserted)",
        "      # Previously tibdex/github-app-token, whose repository is now archived and\n      # therefore receives no security updates. actions/create-github-app-token\n      # is GitHub's maintained equivalent and exposes the same `token` output.\n      - name: Fetch app installation token\n        uses: actions/create-github-app-token@bcd2ba49218906704ab6c1aa796996da409d3eb1 # v3.2.0\n        id: gh-api-token\n        with:\n          app-id: ${{ secrets.GH_APP_STRIPE_OPENAPI_APP_ID }}\n          private-key: @@S@@\n          owner: stripe\n          repositories: stripe-cli\n          permission-contents: write",
        "",
    ),
    (
        "generic_api_token",
        "getsentry/sentry-dart:.github/workflows/isar.yml#L41-L51 (value inserted)",
        "      - uses: ./.github/actions/coverage\n        if: matrix.target == 'linux' && matrix.sdk == 'stable'\n        with:\n          token: @@S@@\n          directory: packages/isar\n          coverage: sentry_isar\n          min-coverage: 55\n\n      - uses: ./.github/actions/test-results\n        if: ${{ !cancelled() }}\n        with:",
        "",
    ),
    (
        "github_app_token",
        "terraform-aws-modules/terraform-aws-vpc:.github/workflows/pr-title.yml#L15-L21 (value inserted)",
        "      # Please look up the latest version from\n      # https://github.com/amannn/action-semantic-pull-request/releases\n      - uses: amannn/action-semantic-pull-request@v6.1.1\n        env:\n          GITHUB_TOKEN: @@S@@\n        with:\n          # Configure which types are allowed.",
        "",
    ),
    (
        "generic_password",
        "snipe/snipe-it:.github/workflows/tests-postgres.yml#L10-L17 (value inserted)",
        "      postgresql:\n        image: postgres\n        env:\n          POSTGRES_DB: snipeit\n          POSTGRES_USER: snipeit\n          POSTGRES_PASSWORD: @@S@@\n        ports:\n          - 5432:5432",
        "",
    ),
    (
        "generic_api_token",
        "snipe/snipe-it:.github/workflows/crowdin-upload.yml#L19-L21 (value inserted)",
        "          download_translations: false\n          project_id: ${{ secrets.CROWDIN_PROJECT_ID }}\n          token: @@S@@",
        "",
    ),
    (
        "generic_password",
        "docker/awesome-compose:official-documentation-samples/rails/README.md#L73-L83 (value inserted)",
        "  db:\n    image: postgres\n    volumes:\n      - ./tmp/db:/var/lib/postgresql/data\n    environment:\n      POSTGRES_PASSWORD: @@S@@\n  web:\n    build: .\n    command: bash -c \"rm -f tmp/pids/server.pid && bundle exec rails s -p 3000 -b '0.0.0.0'\"\n    volumes:\n      - .:/myapp",
        "",
    ),
    (
        "github_app_token",
        "documenso/documenso:.github/workflows/pr-labeler.yml#L16-L21 (value inserted)",
        "    timeout-minutes: 10\n    steps:\n      - uses: actions/labeler@v4\n        with:\n          repo-token: @@S@@\n          sync-labels: ''",
        "",
    ),
    (
        "generic_api_token",
        "localstack/localstack:.github/workflows/sync-labels.yml#L9-L15 (value inserted)",
        "jobs:\n  sync-labels:\n    uses: localstack/meta/.github/workflows/sync-labels.yml@main\n    with:\n        categories: status,aws,semver,docs,notes\n    secrets:\n      github-token: @@S@@",
        "",
    ),
    (
        "generic_password",
        "grafana/helm-charts:charts/promtail/README.md#L342-L351 (value inserted)",
        "\n```yaml\nconfig:\n  clients:\n    - url: http://loki.server/loki/api/v1/push\n      tenant_id: 1\n      basic_auth:\n        username: loki\n        password: @@S@@\n```",
        "",
    ),
    (
        "generic_password",
        "aquasecurity/trivy:helm/trivy/values.yaml#L84-L96 (value inserted)",
        '  #\n  # TRIVY_USERNAME\n  registryUsername: ""\n  # TRIVY_PASSWORD\n  registryPassword: "@@S@@"\n  #\n  # Or\n  # From an existing secret\n  #\n  # The secret must be Opaque and just contain "TRIVY_USERNAME: your_user" and "TRIVY_PASSWORD: your_password" as k/v pairs.\n  # NOTE: When this is set the previous parameters are ignored.\n  #\n  # registryCredentialsExistingSecret: name-of-existing-secret',
        "",
    ),
    (
        "dockerhub_pat",
        "documenso/documenso:.github/workflows/publish.yml#L26-L41 (value inserted)",
        "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ inputs.tag || github.ref }}\n          fetch-tags: true\n\n      - name: Login to DockerHub\n        uses: docker/login-action@v3\n        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n          password: @@S@@\n\n      - name: Login to GitHub Container Registry\n        uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.repository_owner }}",
        "",
    ),
    (
        "password_in_url",
        "docker/awesome-compose:wasmedge-mysql-nginx/compose.yml#L15-L20 (value inserted)",
        "      - 8080:8080\n    environment:\n      DATABASE_URL: mysql://root:@@S@@@db:3306/mysql\n      RUST_BACKTRACE: full\n    restart: unless-stopped\n    runtime: io.containerd.wasmedge.v1",
        "",
    ),
    (
        "generic_password",
        "gruntwork-io/terragrunt:.github/workflows/sign-macos.yml#L138-L149 (value inserted)",
        "        run: .github/scripts/release/install-gon.sh ${{ env.GON_VERSION }}\n\n      - name: Verify gon installation\n        run: gon --version\n\n      - name: Sign MacOS Binaries\n        env:\n          AC_PASSWORD: @@S@@\n          AC_PROVIDER: ${{ secrets.MACOS_AC_PROVIDER }}\n          AC_USERNAME: ${{ secrets.MACOS_AC_LOGIN }}\n          MACOS_CERTIFICATE: ${{ secrets.MACOS_CERTIFICATE }}\n          MACOS_CERTIFICATE_PASSWORD: ${{ secrets.MACOS_CERTIFICATE_PASSWORD }}",
        "",
    ),
    (
        "slack_webhook_url",
        "hashicorp/vault-helm:.github/workflows/update-helm-charts-index.yml#L31-L40 (value inserted)",
        '            --ref main \\\n            -f SOURCE_TAG="${{ github.ref_name }}" \\\n            -f SOURCE_REPO="${{ github.repository }}"\n      - uses: hashicorp/actions-slack-status@v2\n        if: ${{always()}}\n        with:\n          success-message: "vault-helm charts index update triggered successfully. View the run <https://github.com/hashicorp/helm-charts/actions/workflows/publish-charts.yml|here>."\n          failure-message: "vault-helm charts index update trigger failed."\n          status: ${{job.status}}\n          slack-webhook-url: @@S@@',
        "",
    ),
    (
        "github_classic_pat",
        "terraform-aws-modules/terraform-aws-rds:.github/workflows/release.yml#L37-L45 (value inserted)",
        "            @semantic-release/git@10.0.1 \\\n            conventional-changelog-conventionalcommits@9.1.0\n\n      - name: Release\n        uses: cycjimmy/semantic-release-action@v5\n        with:\n          semantic_version: 25.0.0\n        env:\n          GITHUB_TOKEN: @@S@@",
        "",
    ),
    (
        "password_in_url",
        "outline/outline:.env.development#L1-L11 (value inserted)",
        "URL=https://local.outline.dev:3000\n\nDATABASE_URL=postgres://user:@@S@@@127.0.0.1:5432/outline\nREDIS_URL=redis://127.0.0.1:6379\n\nSMTP_FROM_EMAIL=hello@example.com\n\n# Enable unsafe-inline in script-src CSP directive\n# Setting it to true allows React dev tools add-on in Firefox to successfully detect the project\nDEVELOPMENT_UNSAFE_INLINE_CSP=true\n",
        "",
    ),
    (
        "github_classic_pat",
        "eslint/eslint:.github/workflows/ecosystem-updates.yml#L20-L31 (value inserted)",
        '              with:\n                  node-version: "lts/*"\n            - run: npm install\n            - run: npm run test:ecosystem:update\n            - uses: peter-evans/create-pull-request@5f6978faf089d4d20b00c7766989d076bb2fc7f1 # v8\n              with:\n                  token: @@S@@\n                  commit-message: "chore: update ecosystem plugins"\n                  title: "chore: update ecosystem plugins"\n                  branch: update-ecosystem-plugins\n                  branch-suffix: timestamp\n                  body: |',
        "",
    ),
    (
        "slack_webhook_url",
        "aquasecurity/trivy:.github/workflows/spdx-cron.yaml#L34-L39 (value inserted)",
        "        if: steps.exceptions_check.outputs.send_notify == 'true'\n        with:\n          webhook: @@S@@\n          webhook-type: incoming-webhook\n          payload: |\n            text: \":warning: SPDX license IDs and/or exceptions are out of date \u2014 <${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}|view run>\"",
        "",
    ),
    (
        "dockerhub_pat",
        "sirwart/ripsecrets:.github/workflows/release.yml#L77-L92 (value inserted)",
        "    steps:\n      - name: Log in to Docker Hub\n        uses: docker/login-action@v2\n        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n          password: @@S@@\n\n      - name: Retrieve OCI archive\n        uses: actions/download-artifact@v3\n        with:\n          name: oci-tar-gz-${{ needs.determine-tag.outputs.version }}\n          path: .\n\n      - name: Docker load\n        run: |\n          docker load --input result",
        "",
    ),
    (
        "password_in_url",
        "minio/minio:docs/site-replication/README.md#L40-L45 (value inserted)",
        "or\n\n```sh\nexport MC_HOST_minio1=https://adminuser:@@S@@@minio1.example.com\nexport MC_HOST_minio2=https://adminuser:adminpassword@minio2.example.com\nexport MC_HOST_minio3=https://adminuser:adminpassword@minio3.example.com",
        "",
    ),
    (
        "generic_secret",
        "GitGuardian/ggshield:.github/workflows/ci.yml#L161-L173 (value inserted)",
        "          make functest\n        env:\n          FUNCTEST_ARGS: '-m \"uses_gitguardian_api\"'\n          GITGUARDIAN_API_KEY: ${{ secrets.GITGUARDIAN_API_KEY }}\n          GITGUARDIAN_API_URL: ${{ secrets.GITGUARDIAN_API_URL }}\n          TEST_KNOWN_SECRET: @@S@@\n          TEST_GG_VALID_TOKEN: ${{ secrets.TEST_GG_VALID_TOKEN }}\n          TEST_GG_VALID_TOKEN_IGNORE_SHA: ${{ secrets.TEST_GG_VALID_TOKEN_IGNORE_SHA }}\n          TEST_UNKNOWN_SECRET: ${{ secrets.TEST_UNKNOWN_SECRET }}\n\n  ai_hook_equivalence:\n    name: AI hook equivalence (Rust/Python)\n    # `rust` is a second, native implementation of",
        "",
    ),
    (
        "generic_secret",
        "fastapi/full-stack-fastapi-template:.github/workflows/deploy-docker-compose.yml#L18-L27 (value inserted)",
        "    timeout-minutes: 30\n    env:\n      DOMAIN: ${{ vars.DOMAIN }}\n      PROJECT_NAME: ${{ vars.PROJECT_NAME }}\n      SECRET_KEY: @@S@@\n      FIRST_SUPERUSER: ${{ vars.FIRST_SUPERUSER }}\n      FIRST_SUPERUSER_PASSWORD: ${{ secrets.FIRST_SUPERUSER_PASSWORD }}\n      SMTP_HOST: ${{ vars.SMTP_HOST }}\n      SMTP_USER: ${{ vars.SMTP_USER }}\n      SMTP_PASSWORD: ${{ secrets.SMTP_PASSWORD }}",
        "",
    ),
    (
        "password_in_url",
        "prometheus-community/helm-charts:charts/prometheus-pgbouncer-exporter/values.yaml#L137-L156 (value inserted)",
        '    # Secret name\n    #  name:\n    # Password key inside secret\n    #  key:\n    port: "5432"\n    database: \'pgbouncer\'\n    sslmode: disable\n    extraParams: \'\'\n  datasourceSecret: {}\n    # Specifies if datasource should be sourced from secret value in format: postgresql://login:@@S@@@hostname:port/dbname?sslmode=disable\n    # Multiple Postgres databases can be configured by comma separated postgres connection strings\n    # Secret name\n    #  name:\n    # Connection string key inside secret\n    #  key:\n  constantLabels: {}\n  # possible values debug, info, warn, error, fatal\n  logLevel: ""\n  # possible values logfmt, json\n  logFormat: "json"',
        "",
    ),
    (
        "generic_secret",
        "traefik/traefik:docs/content/user-guides/docker-compose/acme-dns/docker-compose.yml#L18-L29 (value inserted)",
        '    ports:\n      - "80:80"\n      - "443:443"\n      - "8080:8080"\n    environment:\n      - "OVH_ENDPOINT=xxx"\n      - "OVH_APPLICATION_KEY=xxx"\n      - "OVH_APPLICATION_SECRET=@@S@@"\n      - "OVH_CONSUMER_KEY=xxx"\n    volumes:\n      - "./letsencrypt:/letsencrypt"\n      - "/var/run/docker.sock:/var/run/docker.sock:ro"',
        "",
    ),
    (
        "generic_secret",
        "stripe/stripe-cli:.github/workflows/test-snapshot.yml#L52-L55 (value inserted)",
        "          args: release -f .goreleaser/linux.yml --clean --snapshot\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          ARTIFACTORY_SECRET: @@S@@",
        "",
    ),
    (
        "aws_access_key_id",
        "gruntwork-io/terragrunt:.github/workflows/oidc-integration-test.yml#L56-L60 (value inserted)",
        "          SECRETS: ${{ join(matrix.integration.secrets, ' ') }}\n          GHA_DEPLOY_KEY: ${{ secrets.GHA_DEPLOY_KEY }}\n          AWS_ACCESS_KEY_ID: @@S@@\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          AWS_TEST_OIDC_ROLE_ARN: ${{ secrets.AWS_TEST_OIDC_ROLE_ARN }}",
        "",
    ),
    (
        "aws_access_key_id",
        "testcontainers/testcontainers-java:.github/workflows/release.yml#L1-L10 (value inserted)",
        "name: Release\n\non:\n  release:\n    types: [published]\n\nenv:\n  AWS_ACCESS_KEY_ID: @@S@@\n  AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n",
        "",
    ),
    (
        "password_in_url",
        "stripe/stripe-ruby:README.md#L135-L143 (value inserted)",
        "\n### Configuring a proxy\n\nA proxy can be configured with `Stripe.proxy`:\n\n```ruby\nStripe.proxy = 'https://user:@@S@@@example.com:1234'\n```\n",
        "",
    ),
    (
        "aws_access_key_id",
        "localstack/localstack:.github/workflows/update-cfn-resources.yml#L38-L47 (value inserted)",
        '          echo "boto3_version=$BOTO3_VERSION" >> "$GITHUB_OUTPUT"\n          echo "botocore_version=$BOTOCORE_VERSION" >> "$GITHUB_OUTPUT"\n\n      - name: Run CloudFormation resource updater\n        id: run-script\n        env:\n          AWS_ACCESS_KEY_ID: @@S@@\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          AWS_DEFAULT_REGION: us-east-1\n        run: |',
        "",
    ),
    (
        "password_in_url",
        "hoppscotch/hoppscotch:docker-compose.deploy.yml#L23-L33 (value inserted)",
        "    container_name: hoppscotch-aio\n    build:\n      dockerfile: prod.Dockerfile\n      context: .\n      target: aio\n    environment:\n      # DATABASE_URL is read from the .env file to allow the backend to connect with an external database.\n      # This allows the backend to retain existing data and prevents database resets during deployments.\n      # - DATABASE_URL=postgresql://postgres:@@S@@@hoppscotch-db:5432/hoppscotch\n      - ENABLE_SUBPATH_BASED_ACCESS=true\n    env_file:",
        "",
    ),
    (
        "azure_client_secret",
        "external-secrets/external-secrets:.github/workflows/e2e-managed.yml#L260-L269 (value inserted)",
        "    env:\n      TFC_AZURE_CLIENT_ID: ${{ secrets.TFC_AZURE_CLIENT_ID }}\n      TFC_AZURE_CLIENT_SECRET: @@S@@\n      TFC_AZURE_TENANT_ID: ${{ secrets.TFC_AZURE_TENANT_ID }}\n      TFC_AZURE_SUBSCRIPTION_ID: ${{ secrets.TFC_AZURE_SUBSCRIPTION_ID }}\n      TFC_VAULT_URL: ${{ secrets.TFC_VAULT_URL }}\n    steps:\n      - uses: step-security/harden-runner@b09bb98e06d4d774595224525879c09bc6e98c40 # v2.20.1\n        with:\n          egress-policy: audit",
        "",
    ),
    (
        "password_in_url",
        "mailgun/documentation:source/samples/email_preview/create-test.rst#L65-L75 (value inserted)",
        '.. code-block:: rb\n\n def create_email_previews\n   data = { subject: "test", url: "url" }\n   RestClient.post("https://api:@@S@@@api.mailgun.net/v1/preview/tests",\n                   fields_hash.merge(data))\n end\n\n.. code-block:: csharp\n\n using System;',
        "",
    ),
]

# (format, source, text, secret): real files whose committed value is itself credential-looking
REAL_POSITIVES: list[tuple[str, str, str, str]] = [
    (
        "laravel_app_key",
        "snipe/snipe-it:.env.testing.example (committed test key, not inserted)",
        "# --------------------------------------------\n# REQUIRED: BASIC APP SETTINGS\n# --------------------------------------------\nAPP_ENV=testing\nAPP_DEBUG=true\nAPP_KEY=base64:glJpcM7BYwWiBggp3SQ/+NlRkqsBQMaGEOjemXqJzOU=\nAPP_URL=http://localhost:8000\nAPP_TIMEZONE='UTC'\nAPP_LOCALE='en-US'\n\n# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=null\nDB_USERNAME=null\nDB_PASSWORD=null",
        "base64:glJpcM7BYwWiBggp3SQ/+NlRkqsBQMaGEOjemXqJzOU=",
    ),
    (
        "laravel_app_key",
        "snipe/snipe-it:.env.dusk.example#L1-L30 (committed key, not inserted)",
        "# --------------------------------------------\n# REQUIRED: BASIC APP SETTINGS\n# --------------------------------------------\nAPP_ENV=local\nAPP_DEBUG=false\nAPP_KEY=base64:hTUIUh9CP6dQx+6EjSlfWTgbaMaaRvlpEwk45vp+xmk=\nAPP_URL=http://127.0.0.1:8000\nAPP_TIMEZONE='US/Eastern'\nAPP_LOCALE=en-US\nAPP_LOCKED=false\nMAX_RESULTS=200\n\n# --------------------------------------------\n# REQUIRED: UPLOADED FILE STORAGE SETTINGS\n# --------------------------------------------\nPRIVATE_FILESYSTEM_DISK=local\nPUBLIC_FILESYSTEM_DISK=local_public\n\n# --------------------------------------------\n# REQUIRED: DATABASE SETTINGS\n# --------------------------------------------\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=null\nDB_USERNAME=null\nDB_PASSWORD=null\nDB_PREFIX=null\n#DB_DUMP_PATH=\n",
        "base64:hTUIUh9CP6dQx+6EjSlfWTgbaMaaRvlpEwk45vp+xmk=",
    ),
]


def build() -> dict[str, object]:
    rng = random.Random(SEED)
    cases: list[dict[str, object]] = []
    for fam, source, text in NEGATIVES:
        cases.append({"text": text, "secret": None, "format": f"neg:{fam}", "source": source})
    for fmt, source, template, indent in TEMPLATES:
        assert template.count(MARK) == 1, source
        value = gen(fmt, rng, indent)
        text = template.replace(MARK, value)
        cases.append({"text": text, "secret": value, "format": fmt, "source": source})
    for fmt, source, text, secret in REAL_POSITIVES:
        assert secret in text, source
        cases.append({"text": text, "secret": secret, "format": fmt, "source": source})
    return {
        "about": (
            "blind13: real public text (lockfiles, CI workflows, compose/k8s/Helm/Terraform, "
            ".env examples, web-server configs, Ansible, SOPS/Vault/age ciphertext, minified JS, "
            "OpenAPI, Dockerfiles, build configs, source, docs, logs, stack traces, kubeconfigs, "
            "certificates, git log, other scanners' negative fixtures) from ~100 public "
            "repositories; positives are real excerpts with a seeded value inserted where a "
            "credential sits. Written blind to execgate's scanner."
        ),
        "cases": cases,
    }


if __name__ == "__main__":
    sys.exit(run(sys.argv, build, OUT))
