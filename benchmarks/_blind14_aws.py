"""blind14 positives: what the aws CLI prints (iam, sts, sso, ecr, secretsmanager, ssm,
configure) and the files it reads.

Label choice: an AWS access key id (AKIA.../ASIA...) alone counts as a positive. It is half of
a credential pair, it names the account it belongs to (sts get-access-key-info), and every
mainstream scanner flags it, so redacting it is expected. Only AWS's own documentation examples
(...EXAMPLE) are negatives; those live in the negative modules.
"""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    DIGITS,
    HEX,
    LOWER,
    Case,
    aws_key_id,
    aws_secret,
    aws_session_token,
    b64,
    ecr_password,
    password,
    pos,
    rs,
    uuid4,
)

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ca-central-1"]
USERS = ["ci-deployer", "bob", "terraform", "svc-backup", "jenkins", "alice.ng", "gh-actions"]
ROLES = ["OrganizationAccountAccessRole", "deploy-prod", "ReadOnly", "eks-admin", "s3-sync"]


def acct(rng: random.Random) -> str:
    return rs(rng, DIGITS, 12)


def iso(rng: random.Random, frac: bool = False) -> str:
    s = f"20{rng.randrange(22, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    return s + (f".{rng.randrange(1000):03d}Z" if frac else "Z")


def dumps(obj: object) -> str:
    return json.dumps(obj, indent=4)


def key_ids(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        kid = aws_key_id(rng, "ASIA" if i in (3, 7) else "AKIA")
        user = rng.choice(USERS)
        t = i % 5
        if t == 0:
            meta = {"AccessKeyMetadata": [{"UserName": user, "AccessKeyId": kid, "Status": "Active", "CreateDate": iso(rng)}]}
            text = f"$ aws iam list-access-keys --user-name {user}\n{dumps(meta)}"
        elif t == 1:
            text = f"$ aws iam list-access-keys --user-name {user} --output text\nACCESSKEYMETADATA\t{kid}\t{iso(rng)}\tActive\t{user}"
        elif t == 2:
            text = f"$ aws configure get aws_access_key_id --profile {rng.choice(['prod', 'default', 'ci'])}\n{kid}"
        elif t == 3:
            text = f"$ aws sts get-access-key-info --access-key-id {kid}\n{{\n    \"Account\": \"{acct(rng)}\"\n}}"
        else:
            text = f"$ aws iam update-access-key --access-key-id {kid} --status Inactive --user-name {user}\n$ echo $?\n0"
        out.append(pos(text, kid, "aws_access_key_id", "aws iam/sts/configure"))
    return out


def secret_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(14):
        kid, sec, user = aws_key_id(rng), aws_secret(rng), rng.choice(USERS)
        t = i % 7
        if t == 0:
            doc = {"AccessKey": {"UserName": user, "AccessKeyId": kid, "Status": "Active", "SecretAccessKey": sec, "CreateDate": iso(rng)}}
            text = f"$ aws iam create-access-key --user-name {user}\n{dumps(doc)}"
        elif t == 1:
            text = f"$ aws iam create-access-key --user-name {user} --output text\nACCESSKEY\t{kid}\t{iso(rng)}\t{sec}\tActive\t{user}"
        elif t == 2:
            bar = "-" * 92
            text = (
                f"$ aws iam create-access-key --user-name {user} --output table\n{bar}\n|{'CreateAccessKey':^90}|\n+{bar[:-2]}+\n"
                f"||{'AccessKey':^88}||\n|+{'-' * 22}+{'-' * 65}+|\n|| AccessKeyId          | {kid:<63} ||\n"
                f"|| CreateDate           | {iso(rng):<63} ||\n|| SecretAccessKey      | {sec:<63} ||\n"
                f"|| Status               | {'Active':<63} ||\n|| UserName             | {user:<63} ||\n|+{'-' * 22}+{'-' * 65}+|"
            )
        elif t == 3:
            prof = rng.choice(["default", "prod", "staging"])
            text = f"$ cat ~/.aws/credentials\n[{prof}]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n\n[sandbox]\ncredential_process = /usr/local/bin/aws-vault exec sandbox --json"
        elif t == 4:
            text = f"$ aws configure set aws_secret_access_key {sec} --profile {rng.choice(['ci', 'prod'])}\n$ aws configure set region {rng.choice(REGIONS)}"
        elif t == 5:
            text = f"$ aws configure export-credentials --profile {rng.choice(['prod', 'dev'])} --format env-no-export\nAWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}"
        else:
            doc2 = {"Version": 1, "AccessKeyId": kid, "SecretAccessKey": sec}
            text = f"$ aws configure export-credentials --format process\n{json.dumps(doc2, indent=2)}"
        out.append(pos(text, sec, "aws_secret_access_key", "aws iam/configure"))
    return out


def session_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(12):
        kid, sec, tok = aws_key_id(rng, "ASIA"), aws_secret(rng), aws_session_token(rng)
        a, role = acct(rng), rng.choice(ROLES)
        t = i % 6
        if t == 0:
            doc = {
                "Credentials": {"AccessKeyId": kid, "SecretAccessKey": sec, "SessionToken": tok, "Expiration": iso(rng)},
                "AssumedRoleUser": {"AssumedRoleId": "AROA" + rs(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17) + ":cli-session", "Arn": f"arn:aws:sts::{a}:assumed-role/{role}/cli-session"},
            }
            text = f"$ aws sts assume-role --role-arn arn:aws:iam::{a}:role/{role} --role-session-name cli-session\n{dumps(doc)}"
        elif t == 1:
            text = (
                f"$ aws sts assume-role --role-arn arn:aws:iam::{a}:role/{role} --role-session-name s --output text\n"
                f"ASSUMEDROLEUSER\tarn:aws:sts::{a}:assumed-role/{role}/s\tAROA{rs(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}:s\n"
                f"CREDENTIALS\t{kid}\t{iso(rng)}\t{sec}\t{tok}"
            )
        elif t == 2:
            doc = {"Credentials": {"AccessKeyId": kid, "SecretAccessKey": sec, "SessionToken": tok, "Expiration": iso(rng)}}
            text = f"$ aws sts get-session-token --serial-number arn:aws:iam::{a}:mfa/{rng.choice(USERS)} --token-code {rs(rng, DIGITS, 6)}\n{dumps(doc)}"
        elif t == 3:
            text = (
                f"$ aws configure export-credentials --profile {role}\nexport AWS_ACCESS_KEY_ID={kid}\n"
                f"export AWS_SECRET_ACCESS_KEY={sec}\nexport AWS_SESSION_TOKEN={tok}\nexport AWS_CREDENTIAL_EXPIRATION={iso(rng)}"
            )
        elif t == 4:
            rc = {"accessKeyId": kid, "secretAccessKey": sec, "sessionToken": tok, "expiration": 1700000000000 + rng.randrange(10**9)}
            text = f"$ aws sso get-role-credentials --role-name {role} --account-id {a} --access-token \"$TOKEN\"\n{dumps({'roleCredentials': rc})}"
        else:
            text = f"$ cat ~/.aws/credentials\n[{role}]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\naws_session_token = {tok}"
        out.append(pos(text, tok, "aws_session_token", "aws sts/sso/configure"))
    return out


def ecr(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        a, reg = acct(rng), rng.choice(REGIONS)
        pw = ecr_password(rng)
        host = f"{a}.dkr.ecr.{reg}.amazonaws.com"
        t = i % 3
        if t == 0:
            out.append(pos(f"$ aws ecr get-login-password --region {reg}\n{pw}", pw, "aws_ecr_token", "aws ecr get-login-password"))
        elif t == 1:
            text = f"$ aws ecr get-login-password --region {reg} | tee /tmp/ecr.txt\n{pw}\n$ docker login --username AWS --password-stdin {host} < /tmp/ecr.txt\nLogin Succeeded"
            out.append(pos(text, pw, "aws_ecr_token", "aws ecr get-login-password"))
        else:
            tok = b64(b"AWS:" + pw.encode())
            doc = {"authorizationData": [{"authorizationToken": tok, "expiresAt": f"{iso(rng)[:-1]}+00:00", "proxyEndpoint": f"https://{host}"}]}
            out.append(pos(f"$ aws ecr get-authorization-token\n{dumps(doc)}", tok, "aws_ecr_token", "aws ecr get-authorization-token"))
    return out


def secretsmanager(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(11):
        a, reg = acct(rng), rng.choice(REGIONS)
        name = rng.choice(["prod/db/postgres", "rds!db-" + uuid4(rng), "app/stripe", "staging/redis", "svc/api-creds"])
        arn = f"arn:aws:secretsmanager:{reg}:{a}:secret:{name}-{rs(rng, ALNUM, 6)}"
        pw = password(rng)
        user = rng.choice(["app", "postgres", "admin", "svc_api"])
        inner = json.dumps({"username": user, "password": pw, "engine": "postgres", "host": f"db-{rs(rng, LOWER, 6)}.{rs(rng, LOWER + DIGITS, 12)}.{reg}.rds.amazonaws.com", "port": 5432})
        t = i % 4
        if t == 0:
            doc = {"ARN": arn, "Name": name, "VersionId": uuid4(rng), "SecretString": inner, "VersionStages": ["AWSCURRENT"], "CreatedDate": f"{iso(rng)[:-1]}.{rng.randrange(1000):03d}000+00:00"}
            text = f"$ aws secretsmanager get-secret-value --secret-id {name}\n{dumps(doc)}"
        elif t == 1:
            text = f"$ aws secretsmanager get-secret-value --secret-id {name} --query SecretString --output text\n{inner}"
        elif t == 2:
            doc = {"ARN": arn, "Name": name, "VersionId": uuid4(rng), "SecretString": pw, "VersionStages": ["AWSCURRENT", "AWSPENDING"]}
            text = f"$ aws secretsmanager get-secret-value --secret-id {name} --version-stage AWSPENDING\n{dumps(doc)}"
        else:
            text = f"$ aws secretsmanager get-secret-value --secret-id {name} --output text\n{arn}\t{iso(rng)}\t{name}\t{pw}\t{uuid4(rng)}\nVERSIONSTAGES\tAWSCURRENT"
        out.append(pos(text, pw, "password_aws_secretsmanager", "aws secretsmanager get-secret-value"))
    return out


def ssm(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        a, reg = acct(rng), rng.choice(REGIONS)
        name = rng.choice(["/prod/db/password", "/app/api_key", "/ci/npm/token", "/payments/signing-secret", "/staging/rabbitmq/pass"])
        val = password(rng) if i % 2 else rs(rng, HEX, 40)
        arn = f"arn:aws:ssm:{reg}:{a}:parameter{name}"
        t = i % 4
        if t == 0:
            doc = {"Parameter": {"Name": name, "Type": "SecureString", "Value": val, "Version": rng.randrange(1, 9), "LastModifiedDate": f"{iso(rng)[:-1]}.{rng.randrange(1000):03d}000+00:00", "ARN": arn, "DataType": "text"}}
            text = f"$ aws ssm get-parameter --name {name} --with-decryption\n{dumps(doc)}"
        elif t == 1:
            text = f"$ aws ssm get-parameter --name {name} --with-decryption --query Parameter.Value --output text\n{val}"
        elif t == 2:
            text = f"$ aws ssm get-parameter --name {name} --with-decryption --output text\nPARAMETER\t{arn}\ttext\t{iso(rng)}\t{name}\tSecureString\t{val}\t{rng.randrange(1, 9)}"
        else:
            docs = {"Parameters": [{"Name": name, "Type": "SecureString", "Value": val, "Version": 2, "ARN": arn, "DataType": "text"}, {"Name": name.rsplit("/", 1)[0] + "/host", "Type": "String", "Value": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}", "Version": 1, "ARN": arn + "-host", "DataType": "text"}]}
            text = f"$ aws ssm get-parameters-by-path --path {name.rsplit('/', 1)[0]} --with-decryption\n{dumps(docs)}"
        out.append(pos(text, val, "password_aws_ssm", "aws ssm get-parameter"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return key_ids(rng) + secret_keys(rng) + session_tokens(rng) + ecr(rng) + secretsmanager(rng) + ssm(rng)
