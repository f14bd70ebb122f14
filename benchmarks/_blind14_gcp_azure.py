"""blind14 positives: what gcloud, firebase and az print, and the files they keep."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    B64URL,
    DIGITS,
    HEX,
    LOWER,
    LOWNUM,
    Case,
    acr_password,
    azure_client_secret,
    azure_storage_key,
    b64,
    gcp_access_token,
    gcp_api_key,
    google_refresh_token,
    password,
    pos,
    rs,
    rsa_pkcs8_pem,
    sas_signature,
    uuid4,
)

PROJECTS = ["acme-prod-4821", "data-lake-dev", "billing-svc-312", "ml-sandbox-77", "infra-core"]
SAS = ["ci-deployer", "terraform", "gke-workload", "backup-runner", "firebase-adminsdk-x3k9p"]


def _proj(rng: random.Random) -> str:
    return rng.choice(PROJECTS)


def access_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        tok, p = gcp_access_token(rng), _proj(rng)
        t = i % 5
        if t == 0:
            text = f"$ gcloud auth print-access-token\n{tok}"
        elif t == 1:
            sa = f"{rng.choice(SAS)}@{p}.iam.gserviceaccount.com"
            text = f"$ gcloud auth print-access-token --impersonate-service-account={sa}\nWARNING: This command is using service account impersonation. All API calls will be executed as [{sa}].\n{tok}"
        elif t == 2:
            text = f"$ curl -s -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token\n{json.dumps({'access_token': tok, 'expires_in': rng.randrange(1800, 3600), 'token_type': 'Bearer'})}"
        elif t == 3:
            doc = {"configuration": {"active_configuration": "default", "properties": {"core": {"account": f"dev{rng.randrange(99)}@example.com", "project": p}}}, "credential": {"access_token": tok, "token_expiry": f"2025-0{rng.randrange(1, 9)}-1{rng.randrange(9)}T10:{rng.randrange(10, 59)}:00Z"}, "sentinels": {"config_sentinel": "/home/dev/.config/gcloud/config_sentinel"}}
            text = f"$ gcloud config config-helper --format=json\n{json.dumps(doc, indent=2)}"
        else:
            text = f"$ curl -sv -H \"Authorization: Bearer $(gcloud auth application-default print-access-token)\" https://storage.googleapis.com/storage/v1/b?project={p} 2>&1 | grep -i '^> '\n> GET /storage/v1/b?project={p} HTTP/2\n> Host: storage.googleapis.com\n> user-agent: curl/8.5.0\n> accept: */*\n> authorization: Bearer {tok}"
        out.append(pos(text, tok, "gcp_oauth_access_token", "gcloud auth / metadata server"))
    return out


def sa_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        p, sa = _proj(rng), rng.choice(SAS)
        email = f"{sa}@{p}.iam.gserviceaccount.com"
        pem = rsa_pkcs8_pem(rng)
        kid = rs(rng, HEX, 40)
        doc = {
            "type": "service_account",
            "project_id": p,
            "private_key_id": kid,
            "private_key": pem + "\n",
            "client_email": email,
            "client_id": rs(rng, DIGITS, 21),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email.replace('@', '%40')}",
            "universe_domain": "googleapis.com",
        }
        body = json.dumps(doc, indent=2)
        secret = json.dumps(pem)[1:-1]
        t = i % 3
        if t == 0:
            text = f"$ gcloud iam service-accounts keys create key.json --iam-account={email}\ncreated key [{kid}] of type [json] as [key.json] for [{email}]\n$ cat key.json\n{body}"
        elif t == 1:
            text = f"$ kubectl get secret {sa}-key -o jsonpath='{{.data.key\\.json}}' | base64 -d\n{body}"
        else:
            text = f"$ echo \"$GOOGLE_CREDENTIALS\" | jq .\n{body}"
        out.append(pos(text, secret, "gcp_service_account_private_key", "gcloud iam service-accounts keys"))
    return out


def refresh_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        tok = google_refresh_token(rng)
        t = i % 4
        if t == 0:
            text = f"$ firebase login:ci --no-localhost\n\n✔  Success! Use this token to login on a CI server:\n\n{tok}\n\nExample: firebase deploy --token \"$FIREBASE_TOKEN\""
        elif t == 1:
            doc = {"account": "", "client_id": rs(rng, DIGITS, 12) + "-" + rs(rng, LOWNUM, 32) + ".apps.googleusercontent.com", "client_secret": "GOCSPX-" + rs(rng, B64URL, 28), "quota_project_id": _proj(rng), "refresh_token": tok, "type": "authorized_user", "universe_domain": "googleapis.com"}
            text = f"$ cat ~/.config/gcloud/application_default_credentials.json\n{json.dumps(doc, indent=2)}"
        elif t == 2:
            doc2 = {"user": {"email": f"dev{rng.randrange(99)}@example.com"}, "tokens": {"expires_at": 1700000000000 + rng.randrange(10**9), "refresh_token": tok, "scope": "email openid https://www.googleapis.com/auth/cloudplatformprojects.readonly https://www.googleapis.com/auth/firebase https://www.googleapis.com/auth/cloud-platform", "token_type": "Bearer"}}
            text = f"$ cat ~/.config/configstore/firebase-tools.json\n{json.dumps(doc2, indent=2)}"
        else:
            tokdoc = json.dumps({"access_token": gcp_access_token(rng), "token_type": "Bearer", "refresh_token": tok, "expiry": f"2025-03-0{rng.randrange(1, 9)}T12:44:01.123456+01:00"})
            text = f"$ rclone config show gdrive\n[gdrive]\ntype = drive\nscope = drive\ntoken = {tokdoc}\nteam_drive = "
        out.append(pos(text, tok, "google_oauth_refresh_token", "firebase / gcloud ADC / rclone"))
    return out


def api_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        key, p = gcp_api_key(rng), _proj(rng)
        kid = uuid4(rng)
        t = i % 4
        if t == 0:
            text = f"$ gcloud services api-keys get-key-string projects/{rs(rng, DIGITS, 12)}/locations/global/keys/{kid}\nkeyString: {key}"
        elif t == 1:
            doc = {"done": True, "name": f"operations/akmf.p7-{rs(rng, DIGITS, 12)}-{uuid4(rng)}", "response": {"@type": "type.googleapis.com/google.api.apikeys.v2.Key", "createTime": "2024-05-02T09:13:55.511Z", "displayName": "maps-backend", "keyString": key, "name": f"projects/{rs(rng, DIGITS, 12)}/locations/global/keys/{kid}", "uid": kid}}
            text = f"$ gcloud services api-keys create --display-name=maps-backend --format=json\n{json.dumps(doc, indent=2)}"
        elif t == 2:
            text = f"$ curl -s \"https://generativelanguage.googleapis.com/v1beta/models?key={key}\" | jq '.models[0].name'\n\"models/embedding-gecko-001\""
        else:
            text = f"$ printenv | grep -i google\nGOOGLE_CLOUD_PROJECT={p}\nGOOGLE_API_KEY={key}"
        out.append(pos(text, key, "gcp_api_key", "gcloud services api-keys"))
    return out


def gcloud_secrets(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        val, name = password(rng), rng.choice(["db-password", "stripe-key", "smtp-pass", "jwt-signing"])
        t = i % 3
        if t == 0:
            out.append(pos(f"$ gcloud secrets versions access latest --secret={name}\n{val}", val, "password_gcloud_secrets", "gcloud secrets versions access"))
        elif t == 1:
            text = f"$ gcloud secrets versions access 3 --secret={name} --project={_proj(rng)}; echo\n{val}\n"
            out.append(pos(text, val, "password_gcloud_secrets", "gcloud secrets versions access"))
        else:
            enc = b64(val.encode())
            doc = {"name": f"projects/{rs(rng, DIGITS, 12)}/secrets/{name}/versions/{rng.randrange(1, 7)}", "payload": {"data": enc, "dataCrc32c": str(rng.randrange(10**9, 4 * 10**9))}}
            text = f"$ gcloud secrets versions access latest --secret={name} --format=json\n{json.dumps(doc, indent=2)}"
            out.append(pos(text, enc, "password_gcloud_secrets", "gcloud secrets versions access --format=json"))
    return out


def storage_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        k1, k2, acct = azure_storage_key(rng), azure_storage_key(rng), rs(rng, LOWNUM, rng.randrange(8, 16))
        t = i % 5
        if t == 0:
            rows = [{"creationTime": "2024-02-11T08:14:53.417951+00:00", "keyName": n, "permissions": "FULL", "value": v} for n, v in (("key1", k1), ("key2", k2))]
            text = f"$ az storage account keys list -g rg-prod -n {acct}\n{json.dumps(rows, indent=2)}"
        elif t == 1:
            text = f"$ az storage account keys list -g rg-data -n {acct} --query '[0].value' -o tsv\n{k1}"
        elif t == 2:
            text = f"$ az storage account keys list -n {acct} -o table\nCreationTime                      KeyName    Permissions    Value\n--------------------------------  ---------  -------------  {'-' * 88}\n2024-01-03T10:22:41.118402+00:00  key1       FULL           {k1}\n2024-01-03T10:22:41.118402+00:00  key2       FULL           {k2}"
        elif t == 3:
            cs = f"DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net;AccountName={acct};AccountKey={k1};BlobEndpoint=https://{acct}.blob.core.windows.net/;FileEndpoint=https://{acct}.file.core.windows.net/;QueueEndpoint=https://{acct}.queue.core.windows.net/;TableEndpoint=https://{acct}.table.core.windows.net/"
            text = f"$ az storage account show-connection-string -n {acct}\n{json.dumps({'connectionString': cs}, indent=2)}"
        else:
            text = f"$ env | grep AZURE_STORAGE\nAZURE_STORAGE_ACCOUNT={acct}\nAZURE_STORAGE_KEY={k1}"
        out.append(pos(text, k1, "azure_storage_account_key", "az storage account keys"))
    return out


def client_secrets(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        sec, app, ten, sub = azure_client_secret(rng), uuid4(rng), uuid4(rng), uuid4(rng)
        t = i % 4
        if t == 0:
            doc = {"appId": app, "displayName": f"azure-cli-2024-0{rng.randrange(1, 9)}-1{rng.randrange(9)}-0{rng.randrange(9)}-1{rng.randrange(9)}-33", "password": sec, "tenant": ten}
            text = f"$ az ad sp create-for-rbac --role Contributor --scopes /subscriptions/{sub}\nCreating 'Contributor' role assignment under scope '/subscriptions/{sub}'\nThe output includes credentials that you must protect. Be sure that you do not include these credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            doc = {"appId": app, "password": sec, "tenant": ten}
            text = f"$ az ad app credential reset --id {app} --append\nThe output includes credentials that you must protect. Be sure that you do not include these credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli\n{json.dumps(doc, indent=2)}"
        elif t == 2:
            doc2 = {"clientId": app, "clientSecret": sec, "subscriptionId": sub, "tenantId": ten, "activeDirectoryEndpointUrl": "https://login.microsoftonline.com", "resourceManagerEndpointUrl": "https://management.azure.com/"}
            text = f"$ cat azure-credentials.json\n{json.dumps(doc2, indent=2)}"
        else:
            text = f"$ printenv | grep ^AZURE_\nAZURE_CLIENT_ID={app}\nAZURE_TENANT_ID={ten}\nAZURE_CLIENT_SECRET={sec}\nAZURE_SUBSCRIPTION_ID={sub}"
        out.append(pos(text, sec, "azure_client_secret", "az ad sp / app credential"))
    return out


def acr(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        reg = rs(rng, LOWER, 1) + rs(rng, LOWNUM, rng.randrange(6, 12))
        p1, p2 = acr_password(rng), acr_password(rng)
        t = i % 4
        if t == 0:
            doc = {"passwords": [{"name": "password", "value": p1}, {"name": "password2", "value": p2}], "username": reg}
            text = f"$ az acr credential show -n {reg}\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            text = f"$ az acr credential show -n {reg} --query 'passwords[0].value' -o tsv\n{p1}"
        elif t == 2:
            text = f"$ docker login {reg}.azurecr.io -u {reg} -p {p1}\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded"
        else:
            doc = {"passwords": [{"name": "password", "value": p1}, {"name": "password2", "value": p2}], "username": reg}
            text = f"$ az acr credential renew -n {reg} --password-name password\n{json.dumps(doc, indent=2)}"
        out.append(pos(text, p1, "azure_acr_password", "az acr credential"))
    return out


def sas(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        sig, acct = sas_signature(rng), rs(rng, LOWNUM, 10)
        token = f"se=2025-0{rng.randrange(1, 9)}-2{rng.randrange(9)}T00%3A00Z&sp={rng.choice(['rl', 'racwdl', 'r'])}&sv=2022-11-02&sr={rng.choice(['c', 'b'])}&sig={sig}"
        t = i % 4
        if t == 0:
            text = f"$ az storage container generate-sas --account-name {acct} -n backups --permissions rl --expiry 2025-06-01 --auth-mode key\n\"{token}\""
        elif t == 1:
            text = f"$ az storage blob generate-sas --account-name {acct} -c releases -n app.tar.gz --permissions r --expiry 2025-06-01 --full-uri\n\"https://{acct}.blob.core.windows.net/releases/app.tar.gz?{token}\""
        elif t == 2:
            text = f"$ azcopy copy ./dist \"https://{acct}.blob.core.windows.net/$web?{token}\" --recursive\nINFO: Scanning...\nJob {uuid4(rng)} has started"
        else:
            text = f"$ env | grep SAS\nAZURE_STORAGE_SAS_TOKEN=?{token}"
        out.append(pos(text, sig, "azure_sas_signature", "az storage generate-sas"))
    return out


def keyvault(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        val, vault, name = password(rng), "kv-" + rs(rng, LOWNUM, 8), rng.choice(["db-password", "api-key", "sql-admin", "redis-primary"])
        ver = rs(rng, HEX, 32)
        doc = {"attributes": {"created": "2024-03-04T11:20:10+00:00", "enabled": True, "expires": None, "notBefore": None, "recoverableDays": 90, "recoveryLevel": "Recoverable", "updated": "2024-03-04T11:20:10+00:00"}, "contentType": None, "id": f"https://{vault}.vault.azure.net/secrets/{name}/{ver}", "kid": None, "managed": None, "name": name, "tags": {}, "value": val}
        t = i % 3
        if t == 0:
            text = f"$ az keyvault secret show --vault-name {vault} -n {name}\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            text = f"$ az keyvault secret show --vault-name {vault} -n {name} --query value -o tsv\n{val}"
        else:
            text = f"$ az keyvault secret set --vault-name {vault} -n {name} --value '{val}'\n{json.dumps(doc, indent=2)}"
        out.append(pos(text, val, "password_azure_keyvault", "az keyvault secret"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return (
        access_tokens(rng) + sa_keys(rng) + refresh_tokens(rng) + api_keys(rng) + gcloud_secrets(rng)
        + storage_keys(rng) + client_secrets(rng) + acr(rng) + sas(rng) + keyvault(rng)
    )
