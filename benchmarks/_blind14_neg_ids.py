"""blind14 negatives, part 1: identifiers, request ids, digests, git metadata, version output,
masked values. Everything here is what the same tools print when nothing secret is shown.

Hard cases on purpose: AWS unique ids (AIDA/AROA/ANPA...) share the AKIA key-id shape; Azure
key vault versions are 32 hex; GCP key ids are 40 hex; x-amz-id-2 and npm integrity values are
long base64. None of them authenticates anything.
"""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    BASE32,
    DIGITS,
    HEX,
    LOWNUM,
    UPPER,
    Case,
    b64,
    neg,
    rbytes,
    rs,
    uuid4,
)


def _acct(rng: random.Random) -> str:
    return rs(rng, DIGITS, 12)


def cloud_ids(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        a, t = _acct(rng), i % 13
        if t == 0:
            doc = {"UserId": "AIDA" + rs(rng, BASE32, 17), "Account": a, "Arn": f"arn:aws:iam::{a}:user/{rng.choice(['bob', 'ci'])}"}
            text = f"$ aws sts get-caller-identity\n{json.dumps(doc, indent=4)}"
        elif t == 1:
            sess = rng.choice(["botocore-session-1714", "gha", "jane@example.com"])
            doc = {"UserId": f"AROA{rs(rng, BASE32, 17)}:{sess}", "Account": a, "Arn": f"arn:aws:sts::{a}:assumed-role/deploy/{sess}"}
            text = f"$ aws sts get-caller-identity --profile prod\n{json.dumps(doc, indent=4)}"
        elif t == 2:
            text = f"$ aws iam list-policies --scope Local --query 'Policies[].[PolicyName,PolicyId,Arn]' --output text\nci-deploy\tANPA{rs(rng, BASE32, 17)}\tarn:aws:iam::{a}:policy/ci-deploy\nread-logs\tANPA{rs(rng, BASE32, 17)}\tarn:aws:iam::{a}:policy/read-logs"
        elif t == 3:
            doc2 = {"KeyMetadata": {"AWSAccountId": a, "KeyId": uuid4(rng), "Arn": f"arn:aws:kms:eu-west-1:{a}:key/{uuid4(rng)}", "CreationDate": "2023-11-02T10:00:01.123000+00:00", "Enabled": True, "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS", "KeyManager": "CUSTOMER"}}
            text = f"$ aws kms describe-key --key-id alias/app\n{json.dumps(doc2, indent=4)}"
        elif t == 4:
            doc3 = {"environmentName": "AzureCloud", "homeTenantId": uuid4(rng), "id": uuid4(rng), "isDefault": True, "name": "Prod Subscription", "state": "Enabled", "tenantId": uuid4(rng), "user": {"name": "jane@contoso.com", "type": "user"}}
            text = f"$ az account show\n{json.dumps(doc3, indent=2)}"
        elif t == 5:
            text = f"$ az ad sp list --display-name gh-deployer --query \"[].{{appId:appId, objectId:id}}\" -o tsv\n{uuid4(rng)}\t{uuid4(rng)}"
        elif t == 6:
            sa = f"ci@{rng.choice(['acme-prod', 'infra-core'])}.iam.gserviceaccount.com"
            text = f"$ gcloud iam service-accounts keys list --iam-account={sa}\nKEY_ID                                    CREATED_AT            EXPIRES_AT            DISABLED\n{rs(rng, HEX, 40)}  2024-02-01T10:00:00Z  9999-12-31T23:59:59Z\n{rs(rng, HEX, 40)}  2024-04-11T09:12:44Z  2024-05-11T09:12:44Z"
        elif t == 7:
            text = f"$ gcloud projects describe acme-prod\ncreateTime: '2021-06-01T12:00:00.000Z'\nlifecycleState: ACTIVE\nname: acme-prod\nparent:\n  id: '{rs(rng, DIGITS, 12)}'\n  type: organization\nprojectId: acme-prod\nprojectNumber: '{rs(rng, DIGITS, 12)}'"
        elif t == 8:
            text = f"$ az keyvault secret list-versions --vault-name kv-prod -n db-password --query '[].id' -o tsv\nhttps://kv-prod.vault.azure.net/secrets/db-password/{rs(rng, HEX, 32)}\nhttps://kv-prod.vault.azure.net/secrets/db-password/{rs(rng, HEX, 32)}"
        elif t == 9:
            text = f"$ docker ps --no-trunc --format '{{{{.ID}}}} {{{{.Names}}}}'\n{rs(rng, HEX, 64)} api\n{rs(rng, HEX, 64)} worker"
        elif t == 10:
            text = f"$ kubectl get pod api-7c9d8b6f5-x2kqj -o jsonpath='{{.metadata.uid}} {{.metadata.resourceVersion}}'\n{uuid4(rng)} {rng.randrange(10**6, 10**8)}"
        elif t == 11:
            text = f"$ vault list auth/token/accessors\nKeys\n----\n{rs(rng, ALNUM, 24)}\n{rs(rng, ALNUM, 24)}\n{rs(rng, ALNUM, 24)}"
        else:
            text = f"$ heroku apps:info -a shop-api --json | jq '{{id: .app.id, stack: .app.stack.name, region: .app.region.name}}'\n{{\n  \"id\": \"{uuid4(rng)}\",\n  \"stack\": \"heroku-22\",\n  \"region\": \"eu\"\n}}"
        out.append(neg(text, "cloud_ids", "aws/az/gcloud/kubectl ids"))
    return out


def request_ids(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 8
        if t == 0:
            text = f"$ aws s3api head-object --bucket logs-{_acct(rng)} --key app.log --debug 2>&1 | grep -i 'x-amz'\n'x-amz-id-2': '{b64(rbytes(rng, 57))}'\n'x-amz-request-id': '{rs(rng, UPPER + DIGITS, 16)}'\n'x-amz-server-side-encryption': 'AES256'"
        elif t == 1:
            text = f"An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::{_acct(rng)}:user/ci is not authorized to perform: sts:AssumeRole (Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied; Request ID: {uuid4(rng)}; Proxy: null)"
        elif t == 2:
            text = f"$ curl -sI https://d{rs(rng, LOWNUM, 13)}.cloudfront.net/app.js\nHTTP/2 200\ncontent-type: application/javascript\nx-cache: Hit from cloudfront\nvia: 1.1 {rs(rng, HEX, 32)}.cloudfront.net (CloudFront)\nx-amz-cf-pop: FRA56-P5\nx-amz-cf-id: {b64(rbytes(rng, 42)).replace('+', '-').replace('/', '_')}"
        elif t == 3:
            text = f"(AuthorizationFailed) The client 'jane@contoso.com' with object id '{uuid4(rng)}' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listKeys/action'.\nCode: AuthorizationFailed\nx-ms-request-id: {uuid4(rng)}\nx-ms-correlation-request-id: {uuid4(rng)}"
        elif t == 4:
            text = f"$ gcloud container clusters resize prod --num-nodes 4 --async\nCheck operation [projects/acme-prod/zones/europe-west1-b/operations/operation-{rs(rng, DIGITS, 13)}-{rs(rng, HEX, 8)}] for status."
        elif t == 5:
            text = f"$ curl -sI https://api.github.com/repos/acme/api\nHTTP/2 200\nx-github-request-id: {rs(rng, HEX.upper(), 4)}:{rs(rng, HEX.upper(), 5)}:{rs(rng, HEX.upper(), 7)}:{rs(rng, HEX.upper(), 7)}:{rs(rng, HEX.upper(), 8)}\nx-ratelimit-remaining: 59\netag: W/\"{rs(rng, HEX, 64)}\""
        elif t == 6:
            text = f"$ stripe logs tail\n2024-05-02 10:11:12 [200] POST /v1/payment_intents [req_{rs(rng, ALNUM, 14)}]\n2024-05-02 10:11:14 [402] POST /v1/payment_intents/pi_{rs(rng, ALNUM, 24)}/confirm [req_{rs(rng, ALNUM, 14)}]"
        else:
            text = f"{{\"level\":\"info\",\"ts\":\"2024-05-02T10:11:12.345Z\",\"msg\":\"request done\",\"traceparent\":\"00-{rs(rng, HEX, 32)}-{rs(rng, HEX, 16)}-01\",\"span_id\":\"{rs(rng, HEX, 16)}\",\"status\":200,\"duration_ms\":{rng.randrange(3, 900)}}}"
        out.append(neg(text, "request_ids", "error messages / response headers / logs"))
    return out


def digests(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 9
        if t == 0:
            text = f"$ docker images --digests | head -3\nREPOSITORY   TAG      DIGEST                                                                    IMAGE ID       CREATED       SIZE\nnginx        1.25     sha256:{rs(rng, HEX, 64)}   {rs(rng, HEX, 12)}   2 weeks ago   187MB\npostgres     16       sha256:{rs(rng, HEX, 64)}   {rs(rng, HEX, 12)}   3 weeks ago   431MB"
        elif t == 1:
            text = f"$ aws s3api list-objects-v2 --bucket releases --query 'Contents[].[Key,ETag]' --output text\napp-1.4.2.tgz\t\"{rs(rng, HEX, 32)}\"\napp-1.4.3.tgz\t\"{rs(rng, HEX, 32)}-{rng.randrange(2, 40)}\""
        elif t == 2:
            text = f"$ grep -A3 '\"node_modules/lodash\"' package-lock.json\n    \"node_modules/lodash\": {{\n      \"version\": \"4.17.21\",\n      \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\",\n      \"integrity\": \"sha512-{b64(rbytes(rng, 64))}\""
        elif t == 3:
            text = f"$ cat requirements.txt\nrequests==2.31.0 \\\n    --hash=sha256:{rs(rng, HEX, 64)} \\\n    --hash=sha256:{rs(rng, HEX, 64)}"
        elif t == 4:
            text = f"$ cat .terraform.lock.hcl\nprovider \"registry.terraform.io/hashicorp/aws\" {{\n  version     = \"5.46.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\n    \"h1:{b64(rbytes(rng, 32))}\",\n    \"zh:{rs(rng, HEX, 64)}\",\n  ]\n}}"
        elif t == 5:
            text = f"$ sha256sum dist/*\n{rs(rng, HEX, 64)}  dist/cli-linux-amd64\n{rs(rng, HEX, 64)}  dist/cli-darwin-arm64"
        elif t == 6:
            text = f"$ fly secrets list -a shop-api\nNAME                 DIGEST                  CREATED AT\nDATABASE_URL         {rs(rng, HEX, 16)}        2024-04-02T10:11:12Z\nSTRIPE_SECRET_KEY    {rs(rng, HEX, 16)}        2024-04-02T10:11:12Z"
        elif t == 7:
            text = f"$ git lfs ls-files -l\n{rs(rng, HEX, 64)} * assets/model.bin\n{rs(rng, HEX, 64)} - assets/logo.psd"
        else:
            text = f"$ gsutil hash -h gs://acme-releases/app.tgz\nHashes [hex] for app.tgz:\n\tHash (crc32c):\t\t{rs(rng, HEX, 8)}\n\tHash (md5):\t\t{rs(rng, HEX, 32)}"
        out.append(neg(text, "digests", "image digests / etags / lockfiles / checksums"))
    return out


def git_metadata(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 7
        if t == 0:
            lines = "\n".join(f"{rs(rng, HEX, 7)} {m}" for m in rng.sample(["fix: retry on 503", "chore(deps): bump axios", "feat: add export", "docs: README", "refactor auth middleware", "ci: cache pip"], 4))
            text = f"$ git log --oneline -4\n{lines}"
        elif t == 1:
            text = f"$ git diff package.json\ndiff --git a/package.json b/package.json\nindex {rs(rng, HEX, 7)}..{rs(rng, HEX, 7)} 100644\n--- a/package.json\n+++ b/package.json\n@@ -1,6 +1,6 @@\n {{\n   \"name\": \"web\",\n-  \"version\": \"1.{rng.randrange(9)}.{rng.randrange(9)}\",\n+  \"version\": \"1.{rng.randrange(9)}.{rng.randrange(10, 20)}\",\n   \"private\": true,"
        elif t == 2:
            text = f"$ git show --stat HEAD\ncommit {rs(rng, HEX, 40)}\nMerge: {rs(rng, HEX, 7)} {rs(rng, HEX, 7)}\nAuthor: ci-bot <ci@example.com>\nDate:   Thu May 2 10:11:12 2024 +0000\n\n    Merge pull request #{rng.randrange(100, 999)} from acme/renovate/helm\n\n charts/api/Chart.yaml | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"
        elif t == 3:
            text = f"$ git diff charts/api/values.yaml\n--- a/charts/api/values.yaml\n+++ b/charts/api/values.yaml\n@@ -3,3 +3,3 @@ image:\n   repository: ghcr.io/acme/api\n-  digest: sha256:{rs(rng, HEX, 64)}\n+  digest: sha256:{rs(rng, HEX, 64)}\n   pullPolicy: IfNotPresent"
        elif t == 4:
            text = f"$ git ls-remote origin 'refs/heads/*'\n{rs(rng, HEX, 40)}\trefs/heads/main\n{rs(rng, HEX, 40)}\trefs/heads/release-1.4"
        elif t == 5:
            text = f"$ git log --show-signature -1\ncommit {rs(rng, HEX, 40)}\ngpg: Signature made Thu May  2 10:11:12 2024 UTC\ngpg:                using RSA key {rs(rng, HEX.upper(), 40)}\ngpg: Good signature from \"Jane Doe <jane@example.com>\" [ultimate]\nAuthor: Jane Doe <jane@example.com>"
        else:
            text = "$ git diff deploy/.env.example\n--- a/deploy/.env.example\n+++ b/deploy/.env.example\n@@ -1,3 +1,4 @@\n DATABASE_URL=postgres://app:app@localhost:5432/app\n-REQUEST_TIMEOUT=30\n+REQUEST_TIMEOUT=60\n+STRIPE_SECRET_KEY="
        out.append(neg(text, "git_metadata", "git log / diff without secrets"))
    return out


def versions(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 6
        if t == 0:
            text = f"$ kubectl version -o json | jq .serverVersion\n{{\n  \"major\": \"1\",\n  \"minor\": \"29\",\n  \"gitVersion\": \"v1.29.{rng.randrange(9)}\",\n  \"gitCommit\": \"{rs(rng, HEX, 40)}\",\n  \"gitTreeState\": \"clean\",\n  \"buildDate\": \"2024-03-1{rng.randrange(9)}T11:04:46Z\",\n  \"goVersion\": \"go1.21.8\",\n  \"platform\": \"linux/amd64\"\n}}"
        elif t == 1:
            text = f"$ helm version\nversion.BuildInfo{{Version:\"v3.14.{rng.randrange(9)}\", GitCommit:\"{rs(rng, HEX, 40)}\", GitTreeState:\"clean\", GoVersion:\"go1.21.9\"}}"
        elif t == 2:
            text = f"$ docker version --format '{{{{json .Server}}}}' | jq '{{Version, GitCommit, ApiVersion}}'\n{{\n  \"Version\": \"26.1.{rng.randrange(9)}\",\n  \"GitCommit\": \"{rs(rng, HEX, 7)}\",\n  \"ApiVersion\": \"1.45\"\n}}"
        elif t == 3:
            text = f"$ terraform version -json\n{{\n  \"terraform_version\": \"1.8.{rng.randrange(5)}\",\n  \"platform\": \"linux_amd64\",\n  \"provider_selections\": {{\n    \"registry.terraform.io/hashicorp/aws\": \"5.4{rng.randrange(9)}.0\"\n  }},\n  \"terraform_outdated\": false\n}}"
        elif t == 4:
            text = f"$ aws --version\naws-cli/2.15.{rng.randrange(40)} Python/3.11.8 Linux/6.5.0-1018-aws exe/x86_64.ubuntu.22 prompt/off\n$ gcloud version\nGoogle Cloud SDK 47{rng.randrange(10)}.0.0\nbq 2.1.4\ncore 2024.05.0{rng.randrange(9)}\ngsutil 5.29"
        else:
            text = f"$ vault status\nKey             Value\n---             -----\nSeal Type       shamir\nInitialized     true\nSealed          false\nTotal Shares    5\nThreshold       3\nVersion         1.16.{rng.randrange(9)}\nBuild Date      2024-04-0{rng.randrange(1, 9)}T12:45:00Z\nStorage Type    raft\nCluster Name    vault-cluster-{rs(rng, HEX, 8)}\nCluster ID      {uuid4(rng)}\nHA Enabled      true"
        out.append(neg(text, "versions_timestamps", "tool version / status output"))
    return out
