"""Attack round 15: each line ran for real under a bare rule (``[[allow]] command = "NAME"``)
and ran a command, loaded a library or wrote outside the workspace. Each is decided here under
the same minimal policy and must be refused with a stable code; the everyday forms next to them
must still be allowed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from execgate import ExecRequest, Gate, Refused, load_policy
from execgate.policy import Policy, evaluate


def _policy(tmp_path: Path, *programs: str) -> Policy:
    ws = tmp_path / "ws"
    (ws / "deep" / "d1" / "d2").mkdir(parents=True, exist_ok=True)
    rules = "".join(f'[[allow]]\ncommand = "{p}"\n' for p in programs)
    path = tmp_path / "policy.toml"
    path.write_text(
        f'version = 1\n[workspace]\nroot = "{ws}"\n[shell]\noperators = true\n'
        f"write_redirects = true\n{rules}"
    )
    return load_policy(path)


def _decide(policy: Policy, line: str, cwd: str = ".") -> tuple[str, str]:
    where = os.path.join(policy.root, cwd)
    v = evaluate(policy, ExecRequest(command=line, cwd=where), dict(os.environ))
    return v.decision.verdict, v.decision.code


# --- 1. ssh reads its options again after the destination -------------------------------

SSH_AFTER_HOST = [
    "ssh example.invalid -oProxyCommand='sh -c id'",
    "ssh example.invalid -o ProxyCommand=id",
    "ssh example.invalid -F cfg -L 8080:127.0.0.1:22",
    "ssh example.invalid -v -J jump ls",
    "ssh user@example.invalid -qD 1080",
    "ssh -p 22 example.invalid -W x:22",
    "ssh ssh://example.invalid -I lib.so",
]


@pytest.mark.parametrize("line", SSH_AFTER_HOST)
def test_ssh_options_after_the_destination_are_read(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "ssh"), line) == ("deny", "EG-POLICY-FLAG")


@pytest.mark.parametrize(
    "line",
    [
        "ssh example.invalid ls",
        "ssh -p 22 example.invalid ls -la",
        "ssh example.invalid -v ls -la",
        # the remote command's own options, after it or after a `--`
        "ssh example.invalid ls -oProxyCommand=x",
        "ssh example.invalid -- ls -F",
    ],
)
def test_ssh_remote_commands_still_run(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "ssh"), line) == ("allow", "EG-ALLOWED")


# --- 2. scp's -o is read the way getopt and ssh's readconf read it ------------------------

SCP_HIDDEN_OPTIONS = [
    "scp -qoProxyCommand='sh -c id' a example.invalid:b",
    "scp -o ' ProxyCommand=sh -c id' a example.invalid:b",
    "scp -o '\tProxyCommand id' a example.invalid:b",
    "scp -o proxycommand=id a example.invalid:b",
    "scp -o PROXYCOMMAND id a example.invalid:b",
    "scp -o ProxyJump=jump a example.invalid:b",
    "scp -oLocalCommand=id -oPermitLocalCommand=yes a example.invalid:b",
    "scp -o KnownHostsCommand=id a example.invalid:b",
    "scp -o PKCS11Provider=./lib.so a example.invalid:b",
    "scp -o 'Include cfg' a example.invalid:b",
    "scp -o 'Match exec id' a example.invalid:b",
    "scp -o HostName=127.0.0.1 a example.invalid:b",
    "scp -o UserKnownHostsFile=/root/.ssh/x a example.invalid:b",
    "scp -F cfg a example.invalid:b",
    "scp -qF cfg a example.invalid:b",
    "scp -S ./prog a example.invalid:b",
    "scp -J jump a example.invalid:b",
    "scp -vJjump a example.invalid:b",
    "scp -D ./sftp-server a example.invalid:b",
    "scp localhost:.ssh/id_rsa .",
    "scp a root@127.0.0.1:.ssh/authorized_keys",
    "scp '[::1]:.ssh/id_rsa' .",
    "scp scp://localhost/.ssh/id_rsa .",
    "ssh-copy-id -o ProxyCommand=id example.invalid",
]


@pytest.mark.parametrize("line", SCP_HIDDEN_OPTIONS)
def test_scp_options_that_run_programs_are_refused(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "scp", "ssh-copy-id"), line) == ("deny", "EG-POLICY-FLAG")


@pytest.mark.parametrize(
    "line",
    [
        "scp a example.invalid:b",
        "scp -P 2222 -q a user@example.invalid:b",
        "scp example.invalid:b ./c",
        "scp -oStrictHostKeyChecking=no -o BatchMode=yes a example.invalid:b",
        "scp -o UserKnownHostsFile=/dev/null -o 'ConnectTimeout 5' a example.invalid:b",
    ],
)
def test_scp_plain_copies_still_run(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "scp"), line) == ("allow", "EG-ALLOWED")


# --- 3. openssl loads no library: engines (subcommand, options, URIs, -*form), providers ----

OPENSSL_LOADS = [
    "openssl engine dynamic -pre SO_PATH:./evil.so -pre LOAD",
    "openssl engine -t ./evil.so",
    "openssl ENGINE -t ./evil.so",
    "openssl pkey -in org.openssl.engine:./evil.so:k",
    "openssl pkey -in ORG.OpenSSL.Engine:./evil.so:k",
    "openssl x509 -CAstore org.openssl.engine:./evil.so:k -in c.pem",
    "openssl s_client -ssl_client_engine ./evil.so -connect 127.0.0.1:1",
    "openssl req -new -key k -keygen_engine ./evil.so",
    "openssl pkey -engine ./evil.so -in k",
    "openssl pkey --engine=./evil.so -in k",
    "openssl pkey -keyform engine -in k",
    "openssl pkey -keyform e -in k",
    "openssl pkey --keyform=E -in k",
    "openssl x509 -provider-path . -provider evil -in c.pem",
    "openssl x509 --provider=./evil.so -in c.pem",
    "openssl x509 -propquery fips=yes -in c.pem",
    "openssl req -config x.cnf -new -key k",
    "openssl fipsinstall -module ./evil.so -out f.cnf",
]


@pytest.mark.parametrize("line", OPENSSL_LOADS)
def test_openssl_loads_no_library(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "openssl"), line) == ("deny", "EG-POLICY-FLAG")


@pytest.mark.parametrize(
    "line",
    [
        "openssl x509 -in cert.pem -noout -text",
        "openssl pkey -inform PEM -in k -outform DER -out k.der",
        "openssl dgst -sha256 f",
        "openssl rand -hex 16",
    ],
)
def test_openssl_everyday_use_still_runs(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "openssl"), line) == ("allow", "EG-ALLOWED")


# --- 4. rsync's destination-relative directories are checked from the destination -------

RSYNC_FROM_DEST = [
    "rsync -a --backup-dir=../../bk ../../../src/ ../../../dst/",
    "rsync -a --backup-dir ../../bk ../../../src/ ../../../dst/",
    "rsync -a --backup-d=../../bk ../../../src/ ../../../dst/",
    "rsync -a -T ../../tmp ../../../src/ ../../../dst/",
    "rsync -aT../../tmp ../../../src/ ../../../dst/",
    "rsync -a --temp-dir=../../tmp ../../../src/ ../../../dst/",
    "rsync -a --compare-dest=../../cmp ../../../src/ ../../../dst/",
    # a destination that names a file: the receiver works from its parent
    "rsync -a ../../../src/f ../../../dstfile --backup-dir=../bk",
]


@pytest.mark.parametrize("line", RSYNC_FROM_DEST)
def test_rsync_destination_relative_dirs_stay_inside(tmp_path: Path, line: str) -> None:
    policy = _policy(tmp_path, "rsync")
    assert _decide(policy, line, "deep/d1/d2") == ("deny", "EG-PATH-ESCAPE")


@pytest.mark.parametrize(
    "line",
    [
        "rsync -a src/ dst/",
        "rsync -a --backup-dir=../bk src/ dst/",
        "rsync -a -T .tmp --compare-dest=../old src/ dst/",
    ],
)
def test_rsync_copies_inside_still_run(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "rsync"), line, "deep") == ("allow", "EG-ALLOWED")


# --- 5. a suffix appended to each input's name may not climb out ---------------------------

SUFFIX_CLIMBS = [
    "gzip -S .x/../../pwn_gz ../../../ga",
    "gzip -f -S .x/../../clobber_me ../../../ga",
    "gzip -fS.x/../../clobber_me ../../../ga",
    "gzip -kS .x/../../clobber_me ../../../ga",
    "gzip --suffix=.x/../../pwn ../../../ga",
    "gzip --suf .x/../../pwn ../../../ga",
    "xz -S .x/../../pwn ../../../ga",
]


@pytest.mark.parametrize("line", SUFFIX_CLIMBS)
def test_a_suffix_with_a_slash_is_refused(tmp_path: Path, line: str) -> None:
    policy = _policy(tmp_path, "gzip", "xz")
    assert _decide(policy, line, "deep/d1/d2") == ("deny", "EG-POLICY-FLAG")


@pytest.mark.parametrize("line", ["gzip -k f", "gzip -S .gzz -k f", "gzip -d f.gz", "xz -k f"])
def test_compressing_with_plain_suffixes_still_runs(tmp_path: Path, line: str) -> None:
    assert _decide(_policy(tmp_path, "gzip", "xz"), line) == ("allow", "EG-ALLOWED")


@pytest.mark.anyio
async def test_gzip_writes_nothing_outside_through_its_suffix(
    tmp_path: Path, anyio_backend: str
) -> None:
    """Through a real gate, the finding's exact steps: the payload never lands outside."""
    policy = _policy(tmp_path, "gzip", "mkdir", "printf")
    ws = Path(policy.root)
    outside = ws.parent / "pwn_gz"
    cwd = str(ws / "deep" / "d1" / "d2")
    store = f"sqlite:///{tmp_path / 'rec' / 'e.db'}"
    async with Gate.open(policy=policy, store=store) as gate:
        await gate.run(command='printf "gz payload\\n" > ../../../ga', cwd=cwd)
        await gate.run(command="mkdir ../../../ga.x", cwd=cwd)
        with pytest.raises(Refused):
            await gate.run(command="gzip -S .x/../../pwn_gz ../../../ga", cwd=cwd)
        result = await gate.run(command="gzip -k ../../../ga", cwd=cwd)
        assert result.exit_code == 0, result.stderr
    assert not outside.exists()
    assert (ws / "ga.gz").exists()


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("sed --in-place='../*' s/a/b/ deep/f", "deny"),
        ("sed --in-place=bak/* s/a/b/ f", "deny"),
        ("sed -i'../*' s/a/b/ deep/f", "deny"),
        ("sed --in-place=.bak s/a/b/ f", "allow"),
        ("sed -i s/a/b/ f", "allow"),
    ],
)
def test_a_sed_backup_suffix_stays_beside_its_file(tmp_path: Path, line: str, verdict: str) -> None:
    # reachable only where a policy grants -i's SUFFIX: GNU sed resolves a suffix with a
    # '/' from each file's directory, not from the cwd the word is checked from
    policy = _policy(tmp_path, "sed")
    Path(policy.source).write_text(
        Path(policy.source).read_text() + 'allow_flags = ["-i", "--in-place="]\n'
    )
    policy = load_policy(policy.source)
    assert _decide(policy, line)[0] == verdict


# --- also seen: ssh-keygen on the user's own ~/.ssh ---------------------------------------


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("ssh-keygen -F example.invalid", "deny"),
        ("ssh-keygen -R example.invalid", "deny"),
        ("ssh-keygen -H", "deny"),
        ("ssh-keygen -t ed25519 -N ''", "deny"),
        ("ssh-keygen -t ed25519 -Cfoo -N ''", "deny"),  # `f` inside a value is no -f
        ("ssh-keygen -A", "deny"),
        ("ssh-keygen -R example.invalid -f known_hosts", "allow"),
        ("ssh-keygen -t ed25519 -N '' -f ./k", "allow"),
        ("ssh-keygen -lf k.pub", "allow"),
    ],
)
def test_ssh_keygen_names_its_file(tmp_path: Path, line: str, verdict: str) -> None:
    assert _decide(_policy(tmp_path, "ssh-keygen"), line)[0] == verdict
