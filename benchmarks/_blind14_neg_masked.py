"""blind14 negatives, part 2: masked and redacted values, template placeholders and
references, vendor documentation examples, and terraform's sensitive markers.

The vendor examples are published on purpose (AWS's ...EXAMPLE keys, the Azurite emulator's
fixed development key, jwt.io's sample token, Docker's ``username:password`` sample): they are
quoted in docs and READMEs an agent reads, and they authenticate nothing private.
"""

from __future__ import annotations

import random

from _blind14_gen import ALNUM, DIGITS, LOWER, Case, neg, rs, uuid4


def masked(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t = i % 13
        tail = rs(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 4)
        if t == 0:
            text = f"$ aws configure list\n      Name                    Value             Type    Location\n      ----                    -----             ----    --------\n   profile                <not set>             None    None\naccess_key     ****************{tail} shared-credentials-file\nsecret_key     ****************{rs(rng, ALNUM, 4)} shared-credentials-file\n    region                eu-west-1      config-file    ~/.aws/config"
        elif t == 1:
            text = "$ gh auth status\ngithub.com\n  ✓ Logged in to github.com account mona (keyring)\n  - Active account: true\n  - Git operations protocol: https\n  - Token: gho_************************************\n  - Token scopes: 'gist', 'read:org', 'repo'"
        elif t == 2:
            text = "$ npm config list\n; \"user\" config from /home/dev/.npmrc\n\n//registry.npmjs.org/:_authToken = (protected)\n@acme:registry = \"https://npm.pkg.github.com\"\n\n; node bin location = /usr/bin/node\n; cwd = /workspace\n; HOME = /home/dev"
        elif t == 3:
            iid = rs(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 26)
            text = f"$ op item get \"Prod DB\"\nID:          {iid}\nTitle:       Prod DB\nVault:       Infra\nCategory:    LOGIN\nFields:\n  username:    postgres\n  password:    [use 'op item get {iid} --reveal' to reveal]"
        elif t == 4:
            text = "$ kubectl config view --minify\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATA+OMITTED\n    server: https://10.0.0.10:6443\n  name: prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: DATA+OMITTED\n    client-key-data: DATA+OMITTED\n    token: REDACTED"
        elif t == 5:
            ts = f"2024-05-0{rng.randrange(1, 9)}T10:11:12.{rs(rng, DIGITS, 7)}Z"
            text = f"{ts} ##[group]Run aws-actions/configure-aws-credentials@v4\n{ts} with:\n{ts}   aws-access-key-id: ***\n{ts}   aws-secret-access-key: ***\n{ts}   aws-region: eu-west-1\n{ts} ##[endgroup]\n{ts} + docker login -u *** -p *** ghcr.io"
        elif t == 6:
            text = "$ echo \"deploying with $DEPLOY_TOKEN to $KUBE_URL\"\ndeploying with [MASKED] to https://k8s.internal:6443\n$ helm upgrade --install api ./chart --set image.tag=$CI_COMMIT_SHORT_SHA --set db.password=[MASKED]"
        elif t == 7:
            doc = f"[\n  {{\n    \"customKeyIdentifier\": null,\n    \"displayName\": \"rbac\",\n    \"endDateTime\": \"2025-05-02T10:11:12Z\",\n    \"hint\": \"{rs(rng, ALNUM, 3)}\",\n    \"keyId\": \"{uuid4(rng)}\",\n    \"secretText\": null,\n    \"startDateTime\": \"2024-05-02T10:11:12Z\"\n  }}\n]"
            text = f"$ az ad app credential list --id {uuid4(rng)}\n{doc}"
        elif t == 8:
            text = "$ netlify env:list\n.---------------------------------------------------.\n|           Environment variables                   |\n|---------------------------------------------------|\n|        Key         |            Value             |\n|--------------------|------------------------------|\n| DATABASE_URL       | **************************** |\n| STRIPE_SECRET_KEY  | **************************** |\n'---------------------------------------------------'\n? Show values? No"
        elif t == 9:
            text = "$ heroku config:get STRIPE_SECRET_KEY -a shop-api --shell | sed 's/=.*/=<redacted>/'\nSTRIPE_SECRET_KEY=<redacted>"
        elif t == 10:
            text = "$ doppler secrets --only-names\n┌──────────────────────┐\n│ NAME                 │\n├──────────────────────┤\n│ DB_PASSWORD          │\n│ STRIPE_SECRET_KEY    │\n│ SENTRY_DSN           │\n└──────────────────────┘"
        elif t == 11:
            text = f"$ kubectl describe secret db-creds -n prod\nName:         db-creds\nNamespace:    prod\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  {rng.randrange(12, 40)} bytes\nusername:  3 bytes"
        else:
            text = f"$ stripe config --list\n[default]\n  device_name = 'dev-laptop'\n  display_name = 'Acme Inc'\n  test_mode_api_key = 'rk_test_*****************************************************************************************{rs(rng, ALNUM, 4)}'\n  test_mode_key_expires_at = '2024-08-0{rng.randrange(1, 9)}'"
        out.append(neg(text, "masked", "masked / redacted tool output"))
    return out


def placeholders(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(26):
        t = i % 13
        if t == 0:
            text = "$ cat .github/workflows/deploy.yml | sed -n '18,24p'\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          aws-region: eu-west-1"
        elif t == 1:
            text = "$ cat templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"api.fullname\" . }}\ntype: Opaque\ndata:\n  password: {{ .Values.db.password | b64enc | quote }}"
        elif t == 2:
            text = "$ cat .env.example\n# copy to .env and fill in\nSTRIPE_SECRET_KEY=sk_test_...\nOPENAI_API_KEY=sk-...\nGITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\nDATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB"
        elif t == 3:
            text = "$ cat app.env.tpl\nDB_PASSWORD=op://Infra/Prod DB/password\nSTRIPE_KEY=op://Infra/Stripe/credential\n$ op inject -i app.env.tpl -o app.env\n/workspace/app.env"
        elif t == 4:
            text = "$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=${GITHUB_PACKAGES_TOKEN}"
        elif t == 5:
            text = "$ cat variables.tf\nvariable \"db_password\" {\n  type      = string\n  sensitive = true\n}\n\nresource \"aws_db_instance\" \"main\" {\n  password = var.db_password\n}"
        elif t == 6:
            text = "$ aws cloudformation get-template --stack-name app --query 'TemplateBody.Resources.DB.Properties'\n{\n    \"MasterUsername\": \"app\",\n    \"MasterUserPassword\": \"{{resolve:secretsmanager:prod/db:SecretString:password}}\"\n}"
        elif t == 7:
            text = f"$ aws ecs describe-task-definition --task-definition api --query 'taskDefinition.containerDefinitions[0].secrets'\n[\n    {{\n        \"name\": \"DB_PASSWORD\",\n        \"valueFrom\": \"arn:aws:ssm:eu-west-1:{rs(rng, DIGITS, 12)}:parameter/prod/db/password\"\n    }}\n]"
        elif t == 8:
            text = "$ kubectl get deploy api -o jsonpath='{.spec.template.spec.containers[0].env}' | jq .\n[\n  {\n    \"name\": \"DB_PASSWORD\",\n    \"valueFrom\": {\n      \"secretKeyRef\": {\n        \"key\": \"password\",\n        \"name\": \"db-creds\"\n      }\n    }\n  }\n]"
        elif t == 9:
            text = "$ cat vault-agent.hcl | grep -A4 template\ntemplate {\n  destination = \"/etc/app/db.env\"\n  contents    = <<EOT\nDB_PASSWORD={{ with secret \"secret/data/app/prod\" }}{{ .Data.data.password }}{{ end }}\nEOT\n}"
        elif t == 10:
            text = "$ cat README.md | sed -n '40,46p'\n```bash\nexport AWS_ACCESS_KEY_ID=<your-access-key-id>\nexport AWS_SECRET_ACCESS_KEY=<your-secret-access-key>\nexport VAULT_TOKEN=<token-from-vault-login>\n```"
        elif t == 11:
            text = "$ cat charts/postgresql/values.yaml | grep -B1 -A3 'auth:'\nauth:\n  enablePostgresUser: true\n  postgresPassword: \"\"\n  password: \"\"\n  existingSecret: \"\""
        else:
            text = "$ cat docker-compose.yml | grep -A3 environment\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}\n      REDIS_URL: redis://:${REDIS_PASSWORD}@redis:6379/0\n      API_KEY: $$ESCAPED_FOR_RUNTIME"
        out.append(neg(text, "placeholders", "templates / references / examples"))
    return out


def vendor_examples(rng: random.Random) -> list[Case]:
    ak, sk = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    azurite = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    jwtio = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    texts = [
        f"$ aws configure\nAWS Access Key ID [None]: {ak}\nAWS Secret Access Key [None]: {sk}\nDefault region name [None]: us-west-2\nDefault output format [None]: json",
        f"$ cat docs/aws-setup.md\n[default]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}",
        "$ aws iam create-access-key --generate-cli-skeleton output\n{\n    \"AccessKey\": {\n        \"UserName\": \"Bob\",\n        \"AccessKeyId\": \"AKIAI44QH8DHBEXAMPLE\",\n        \"Status\": \"Active\",\n        \"SecretAccessKey\": \"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\"\n    }\n}",
        f"$ grep -n EXAMPLE awscli/examples/sts/assume-role.rst\n23:        \"AccessKeyId\": \"ASIAIOSFODNN7EXAMPLE\"\n24:        \"SecretAccessKey\": \"{sk}\"\n25:        \"SessionToken\": \"AQoDYXdzEJr...<remainder of session token>\"",
        f"$ export AWS_ACCESS_KEY_ID={ak}\n$ export AWS_SECRET_ACCESS_KEY={sk}\n$ aws s3 ls --endpoint-url http://localhost:4566\n2024-05-02 10:11:12 test-bucket",
        f"$ docker run -d -p 10000:10000 mcr.microsoft.com/azure-storage/azurite\n$ export AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={azurite};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\"",
        f"$ cat local.settings.json\n{{\n  \"Values\": {{\n    \"AzureWebJobsStorage\": \"UseDevelopmentStorage=true\",\n    \"AccountKey\": \"{azurite}\"\n  }}\n}}",
        f"$ curl -s localhost:8080/api/me -H 'Authorization: Bearer {jwtio}'\n{{\"error\":\"invalid signature\"}}",
        f"$ grep -rn 'eyJ' docs/auth.md\n12:Example token (from jwt.io): `{jwtio}`",
        "$ cat docs/registry.md | sed -n '5,12p'\n```json\n{\n  \"auths\": {\n    \"https://index.docker.io/v1/\": {\n      \"auth\": \"dXNlcm5hbWU6cGFzc3dvcmQ=\"\n    }\n  }\n}\n```",
        "$ kubeadm token create --help | grep -A1 Example\nExamples:\n  # Create a token with a specific value\n  kubeadm token create abcdef.0123456789abcdef",
        "$ vault server -dev\n==> Vault server configuration:\n...\nThe unseal key and root token are displayed below in case you want to\nseal/unseal the Vault or re-authenticate.\n\nUnseal Key: (dev mode, in-memory)\nRoot Token: root\n\nDevelopment mode should NOT be used in production installations!",
        "$ cat tests/fixtures/aws.json\n{\"UserId\": \"AIDACKCEVSQ6C2EXAMPLE\", \"Account\": \"123456789012\", \"Arn\": \"arn:aws:iam::123456789012:user/JohnDoe\"}",
        "$ aws sts get-session-token --generate-cli-skeleton output | jq .Credentials\n{\n  \"AccessKeyId\": \"AccessKeyId\",\n  \"SecretAccessKey\": \"SecretAccessKey\",\n  \"SessionToken\": \"SessionToken\",\n  \"Expiration\": \"1970-01-01T00:00:00\"\n}",
    ]
    out = [neg(t, "vendor_examples", "vendor documentation examples") for t in texts]
    for i in range(12):
        t = i % 4
        if t == 0:
            text = f"$ aws s3 ls --profile docs-{i}\n# credentials from docs: {ak} / {sk}\nAn error occurred (InvalidAccessKeyId) when calling the ListBuckets operation: The AWS Access Key Id you provided does not exist in our records."
        elif t == 1:
            text = f"$ env | grep -i azurite\nAZURITE_ACCOUNTS=devstoreaccount1:{azurite}"
        elif t == 2:
            text = f"$ cat moto_test_{i}.py | head -5\nimport boto3\nfrom moto import mock_aws\n\nos.environ[\"AWS_ACCESS_KEY_ID\"] = \"{ak}\"\nos.environ[\"AWS_SECRET_ACCESS_KEY\"] = \"{sk}\""
        else:
            text = f"$ echo '{jwtio}' | cut -d. -f2 | base64 -d 2>/dev/null\n{{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"iat\":1516239022}}"
        out.append(neg(text, "vendor_examples", "vendor documentation examples"))
    return out


def terraform_sensitive(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(25):
        t = i % 7
        name = rng.choice(["db_password", "api_token", "admin_password", "client_secret", "private_key"])
        if t == 0:
            text = f"$ terraform output\ndb_endpoint = \"orders.{rs(rng, LOWER, 12)}.eu-west-1.rds.amazonaws.com\"\n{name} = <sensitive>"
        elif t == 1:
            text = f"  # aws_db_instance.main will be updated in-place\n  ~ resource \"aws_db_instance\" \"main\" {{\n        id       = \"db-{rs(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 26)}\"\n      ~ password = (sensitive value)\n        # (48 unchanged attributes hidden)\n    }}\n\nPlan: 0 to add, 1 to change, 0 to destroy."
        elif t == 2:
            text = f"  # random_password.{name} will be created\n  + resource \"random_password\" \"{name}\" {{\n      + bcrypt_hash = (sensitive value)\n      + id          = (known after apply)\n      + length      = {rng.choice([24, 32, 40, 48])}\n      + min_upper   = {rng.randrange(1, 4)}\n      + result      = (sensitive value)\n      + special     = true\n    }}"
        elif t == 3:
            text = f"$ terraform show\n# azuread_service_principal_password.ci:\nresource \"azuread_service_principal_password\" \"ci\" {{\n    display_name         = \"ci\"\n    end_date             = \"2026-05-02T10:11:12Z\"\n    id                   = \"{uuid4(rng)}/password/{uuid4(rng)}\"\n    key_id               = \"{uuid4(rng)}\"\n    service_principal_id = \"{uuid4(rng)}\"\n    value                = (sensitive value)\n}}"
        elif t == 4:
            text = f"$ terraform output -json {name}\n╷\n│ Error: Output \"{name}\" not found\n│\n│ The output variable requested could not be found in the state file.\n╵"
        elif t == 5:
            text = f"╷\n│ Error: Output refers to sensitive values\n│\n│   on outputs.tf line {rng.randrange(3, 40)}:\n│   {rng.randrange(3, 40)}: output \"{name}\" {{\n│\n│ To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n╵"
        else:
            text = f"$ terraform state show kubernetes_secret.app\n# kubernetes_secret.app:\nresource \"kubernetes_secret\" \"app\" {{\n    data = (sensitive value)\n    id   = \"prod/app-secrets\"\n    type = \"Opaque\"\n\n    metadata {{\n        name      = \"app-secrets\"\n        namespace = \"prod\"\n        uid       = \"{uuid4(rng)}\"\n    }}\n}}"
        out.append(neg(text, "terraform_sensitive", "terraform plan / show / output"))
    return out
