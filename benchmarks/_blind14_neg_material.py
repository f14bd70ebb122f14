"""blind14 negatives, part 3: public keys and certificates, encrypted or sealed values, secret
names and paths, configs that point at a credential helper instead of holding a secret."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    BECH32,
    DIGITS,
    HEX,
    LOWNUM,
    Case,
    b64,
    b64url,
    neg,
    rbytes,
    rs,
    uuid4,
)


def _wrap(body: str, n: int = 64) -> str:
    return "\n".join(body[i : i + n] for i in range(0, len(body), n))


def _cert(rng: random.Random) -> str:
    der = bytes.fromhex("30820301308201e9a00302010202") + rbytes(rng, 740)
    return "-----BEGIN CERTIFICATE-----\n" + _wrap(b64(der)) + "\n-----END CERTIFICATE-----"


def public_material(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t = i % 9
        if t == 0:
            text = f"$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(rbytes(rng, 33))[:43]} jane@laptop"
        elif t == 1:
            text = f"$ ssh-keyscan github.com 2>/dev/null | head -2\ngithub.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{b64(rbytes(rng, 380))}\ngithub.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{b64(rbytes(rng, 64))}"
        elif t == 2:
            text = f"$ kubectl get secret api-tls -n prod -o jsonpath='{{.data.tls\\.crt}}' | base64 -d\n{_cert(rng)}"
        elif t == 3:
            ca = b64((_cert(rng) + "\n").encode())
            text = f"$ kubectl get cm kube-root-ca.crt -n default -o yaml\napiVersion: v1\ndata:\n  ca.crt: |\n    {_cert(rng).replace(chr(10), chr(10) + '    ')}\nkind: ConfigMap\n# cluster ca bundle (base64): {ca[:180]}"
        elif t == 4:
            text = f"$ aws ec2 describe-key-pairs --include-public-key --query 'KeyPairs[0].[KeyName,KeyFingerprint,PublicKey]' --output text\ndeploy\tSHA256:{b64(rbytes(rng, 32)).rstrip('=')}\tssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{b64(rbytes(rng, 256))} deploy"
        elif t == 5:
            text = f"$ age-keygen -y ~/.config/sops/age/keys.txt\nage1{rs(rng, BECH32.lower(), 58)}\n$ cat .sops.yaml\ncreation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1{rs(rng, BECH32.lower(), 58)}"
        elif t == 6:
            text = f"$ curl -s https://login.microsoftonline.com/common/discovery/v2.0/keys | jq '.keys[0] | {{kid, kty, use, e, n: .n[:120]}}'\n{{\n  \"kid\": \"{b64url(rbytes(rng, 20))}\",\n  \"kty\": \"RSA\",\n  \"use\": \"sig\",\n  \"e\": \"AQAB\",\n  \"n\": \"{b64url(rbytes(rng, 90))}\"\n}}"
        elif t == 7:
            text = f"$ gpg --armor --export jane@example.com\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{_wrap(b64(bytes.fromhex('98330465') + rbytes(rng, 300)))}\n={b64(rbytes(rng, 3))}\n-----END PGP PUBLIC KEY BLOCK-----"
        else:
            text = f"$ openssl x509 -in ca.crt -noout -text | sed -n '1,14p'\nCertificate:\n    Data:\n        Version: 3 (0x2)\n        Serial Number:\n            {':'.join(rs(rng, HEX, 2) for _ in range(16))}\n        Signature Algorithm: sha256WithRSAEncryption\n        Issuer: CN = kubernetes\n        Subject Public Key Info:\n            Public Key Algorithm: rsaEncryption\n                Public-Key: (2048 bit)\n                Modulus:\n                    00:{':'.join(rs(rng, HEX, 2) for _ in range(15))}:\n                    {':'.join(rs(rng, HEX, 2) for _ in range(15))}:\n                Exponent: 65537 (0x10001)"
        out.append(neg(text, "public_material", "public keys / certificates"))
    return out


def encrypted(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t = i % 9
        if t == 0:
            enc = f"ENC[AES256_GCM,data:{b64(rbytes(rng, rng.randrange(12, 30)))},iv:{b64(rbytes(rng, 32))},tag:{b64(rbytes(rng, 16))},type:str]"
            text = f"$ cat secrets/prod.enc.yaml\ndb_password: {enc}\nsops:\n    age:\n        - recipient: age1{rs(rng, BECH32.lower(), 58)}\n    lastmodified: \"2024-05-02T10:11:12Z\"\n    mac: ENC[AES256_GCM,data:{b64(rbytes(rng, 32))},iv:{b64(rbytes(rng, 32))},tag:{b64(rbytes(rng, 16))},type:str]\n    version: 3.8.1"
        elif t == 1:
            text = f"$ kubeseal --format yaml < secret.yaml\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db-creds\n  namespace: prod\nspec:\n  encryptedData:\n    password: AgB{b64(rbytes(rng, 380))}\n  template:\n    metadata:\n      name: db-creds"
        elif t == 2:
            text = f"$ aws kms encrypt --key-id alias/app --plaintext fileb://pw.txt --output text --query CiphertextBlob\nAQICAHh{b64(rbytes(rng, 150))}"
        elif t == 3:
            lines = "\n".join(rs(rng, HEX, 80) for _ in range(5))
            text = f"$ cat group_vars/prod/vault.yml\n$ANSIBLE_VAULT;1.1;AES256\n{lines}"
        elif t == 4:
            text = f"$ age -r age1{rs(rng, BECH32.lower(), 58)} -a secrets.env\n-----BEGIN AGE ENCRYPTED FILE-----\n{_wrap(b64(b'age-encryption.org/v1' + rbytes(rng, 220)))}\n-----END AGE ENCRYPTED FILE-----"
        elif t == 5:
            text = f"$ vault write -format=json transit/encrypt/orders plaintext=$(base64 <<< 'card')\n{json.dumps({'request_id': uuid4(rng), 'data': {'ciphertext': 'vault:v1:' + b64(rbytes(rng, 40)), 'key_version': 1}}, indent=2)}"
        elif t == 6:
            text = f"$ gpg --armor --encrypt -r ops@example.com db.txt && cat db.txt.asc\n-----BEGIN PGP MESSAGE-----\n\n{_wrap(b64(bytes.fromhex('8c0d04') + rbytes(rng, 200)))}\n={b64(rbytes(rng, 3))}\n-----END PGP MESSAGE-----"
        elif t == 7:
            doc = {"_public_key": rs(rng, HEX, 64), "database_password": f"EJ[1:{b64(rbytes(rng, 32))}:{b64(rbytes(rng, 24))}:{b64(rbytes(rng, 30))}]"}
            text = f"$ cat config/secrets.ejson\n{json.dumps(doc, indent=2)}"
        else:
            text = f"$ gcloud kms encrypt --key app --keyring prod --location global --plaintext-file pw.txt --ciphertext-file - | base64 -w0\nCiQA{b64(rbytes(rng, 90))}"
        out.append(neg(text, "encrypted", "sops / sealed-secrets / kms / vault transit"))
    return out


def secret_names(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t, a = i % 9, rs(rng, DIGITS, 12)
        if t == 0:
            doc = {"SecretList": [{"ARN": f"arn:aws:secretsmanager:eu-west-1:{a}:secret:prod/db/postgres-{rs(rng, ALNUM, 6)}", "Name": "prod/db/postgres", "LastChangedDate": "2024-04-02T10:11:12.345000+00:00", "SecretVersionsToStages": {uuid4(rng): ["AWSCURRENT"]}}]}
            text = f"$ aws secretsmanager list-secrets\n{json.dumps(doc, indent=4)}"
        elif t == 1:
            text = "$ aws ssm describe-parameters --query 'Parameters[].[Name,Type,LastModifiedDate]' --output text\n/prod/db/password\tSecureString\t2024-03-01T10:11:12.123000+00:00\n/prod/stripe/secret_key\tSecureString\t2024-02-11T09:00:00.000000+00:00"
        elif t == 2:
            text = "$ gcloud secrets list\nNAME            CREATED              REPLICATION_POLICY  LOCATIONS\ndb-password     2024-01-10T10:11:12  automatic           -\nstripe-api-key  2024-02-03T08:00:00  automatic           -"
        elif t == 3:
            text = "$ az keyvault secret list --vault-name kv-prod --query '[].{name:name, enabled:attributes.enabled}' -o table\nName            Enabled\n--------------  ---------\ndb-password     True\nsql-admin       True\nsendgrid-key    False"
        elif t == 4:
            text = f"$ kubectl get secrets -n prod\nNAME                  TYPE                             DATA   AGE\napi-tls               kubernetes.io/tls                2      41d\ndb-creds              Opaque                           2      41d\nregcred               kubernetes.io/dockerconfigjson   1      97d\nsh.helm.release.v1.api.v{rng.randrange(2, 40)}   helm.sh/release.v1               1      2d"
        elif t == 5:
            text = "$ npx wrangler secret list\n[\n  {\n    \"name\": \"STRIPE_SECRET_KEY\",\n    \"type\": \"secret_text\"\n  },\n  {\n    \"name\": \"DATABASE_URL\",\n    \"type\": \"secret_text\"\n  }\n]"
        elif t == 6:
            text = "$ vault kv list secret/app\nKeys\n----\nprod\nstaging\nci/\n$ vault kv metadata get secret/app/prod | head -4\n====== Metadata Path ======\nsecret/metadata/app/prod"
        elif t == 7:
            text = f"$ gh secret list -R acme/api\nNAME                   UPDATED\nAWS_ACCESS_KEY_ID      about 2 months ago\nAWS_SECRET_ACCESS_KEY  about 2 months ago\nNPM_TOKEN              {rng.randrange(2, 9)} days ago"
        else:
            text = "$ heroku config -a shop-api --json | jq 'keys'\n[\n  \"DATABASE_URL\",\n  \"REDIS_URL\",\n  \"SECRET_KEY_BASE\",\n  \"STRIPE_SECRET_KEY\"\n]"
        out.append(neg(text, "secret_names", "secret listings (names, paths, arns)"))
    return out


def credless_config(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t = i % 9
        if t == 0:
            text = f"$ cat ~/.aws/config\n[profile prod]\nsso_session = corp\nsso_account_id = {rs(rng, DIGITS, 12)}\nsso_role_name = AdministratorAccess\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access"
        elif t == 1:
            text = "$ cat ~/.aws/credentials\n[default]\ncredential_process = /opt/bin/aws-vault export --format=json default\n\n[ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nsource_profile = default"
        elif t == 2:
            text = "$ cat ~/.docker/config.json\n{\n\t\"auths\": {\n\t\t\"ghcr.io\": {},\n\t\t\"https://index.docker.io/v1/\": {}\n\t},\n\t\"credsStore\": \"desktop\",\n\t\"currentContext\": \"desktop-linux\"\n}"
        elif t == 3:
            text = f"$ kubectl config view --minify -o jsonpath='{{.users[0].user}}' | jq .\n{{\n  \"exec\": {{\n    \"apiVersion\": \"client.authentication.k8s.io/v1beta1\",\n    \"args\": [\"--region\", \"eu-west-1\", \"eks\", \"get-token\", \"--cluster-name\", \"prod-{rs(rng, LOWNUM, 4)}\", \"--output\", \"json\"],\n    \"command\": \"aws\",\n    \"interactiveMode\": \"IfAvailable\"\n  }}\n}}"
        elif t == 4:
            text = "$ git config --global --list\nuser.name=Jane Doe\nuser.email=jane@example.com\ncredential.helper=store\ncredential.https://dev.azure.com.usehttppath=true\ninit.defaultbranch=main\npull.rebase=true"
        elif t == 5:
            text = "$ cat ~/.config/gh/hosts.yml\ngithub.com:\n    git_protocol: https\n    users:\n        mona:\n    user: mona"
        elif t == 6:
            text = "$ gcloud config list\n[core]\naccount = jane@example.com\ndisable_usage_reporting = True\nproject = acme-prod\n\nYour active configuration is: [default]"
        elif t == 7:
            text = "$ rclone config show s3\n[s3]\ntype = s3\nprovider = AWS\nenv_auth = true\nregion = eu-west-1\nacl = private"
        else:
            text = "$ cat ~/.kube/config | sed -n '/users:/,$p'\nusers:\n- name: gke_acme-prod_europe-west1_prod\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: gke-gcloud-auth-plugin\n      installHint: Install gke-gcloud-auth-plugin for use with kubectl\n      provideClusterInfo: true"
        out.append(neg(text, "credless_config", "configs delegating to helpers / sso"))
    return out
