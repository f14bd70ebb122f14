"""Secret classes the fourteenth blind corpus (what cloud and infrastructure tools print)
missed or flagged wrongly: a value printed alone or in a tool's row (ssm, secretsmanager,
az tsv, argocd, kubeadm, vault), in a tool's JSON (unseal keys, a random_password's result,
1Password's concealed field, Secret Manager's payload), a plan's new value, a value echoed
back after being set, a whole file kept in a Secret, Fly's token list; and the other way: a
CLI skeleton naming its own fields, a non-secret config kept in a Secret, Vault's help example.

A case passes when every occurrence of the secret is covered by one finding.
"""

from __future__ import annotations

import base64
import json

import pytest
from scan_classes import Classes, check_class

PW = "q1mz!Y^8T9hk9#tc0oJv.VcSovL"
HEX = "e453cbbab6225b48ebe3cb9a91b0634b47ed14a8"
B64KEY = "H4kSBHhzQu9MOI5Tv8Ij7eZwpECnQeK5OtTEPmhhUGWa"
DOCKER = base64.b64encode(
    json.dumps(
        {"auths": {"registry.example.com": {"auth": base64.b64encode(b"robot:" + PW.encode()).decode()}}}
    ).encode()
).decode()
CONFIG = base64.b64encode(b'{"logLevel":"info","metrics":{"enabled":true,"port":9090}}').decode()
FLY = "fm2_" + "lJPE6iQn7fAFgr2LnCBazeRnXxm1OtWyMq0iLWXsX6CUeg57gA2IoiKDGU5RH9xvdtkjD78oTKmPUbjSH3AEjx" * 2
FO1 = "fo1_rmh4atP5_NL6MQHvhtlB1CkVd7EJ9T9kSpoYX50u44K"

CLASSES: Classes = {
    "values-printed-alone": (
        [
            (f"$ aws ssm get-parameter --name /a --with-decryption --query Parameter.Value --output text\n{PW}\n", PW),
            (
                "$ aws ssm get-parameter --name /p --with-decryption --output text\n"
                f"PARAMETER\tarn:aws:ssm:us-west-2:755873235242:parameter/p\ttext\t2024-10-05T22:48:01Z\t/p\tSecureString\t{HEX}\t3\n",
                HEX,
            ),
            (
                "$ aws secretsmanager get-secret-value --secret-id svc/api --output text\n"
                f"arn:aws:secretsmanager:eu-central-1:112116946167:secret:svc/api-VXvRyR\t2025-02-11T11:02:35Z\tsvc/api\t{PW}\t51a22e6d-a393-453f-ada0-b3be1507269f\n",
                PW,
            ),
            (f"$ az keyvault secret show --vault-name kv -n redis --query value -o tsv\n{PW}\n", PW),
            (f"$ kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{{.data.password}}' | base64 -d; echo\n{PW}\n", PW),
            ("$ kubeadm token create\nyttbnn.3hbthxw81uwlv45v\n", "yttbnn.3hbthxw81uwlv45v"),
            (
                "$ kubeadm token list\nTOKEN                     TTL   EXPIRES\n"
                "950icl.6len8vp6iqmhz1u1   23h   2024-06-01T10:11:12Z\n",
                "950icl.6len8vp6iqmhz1u1",
            ),
            ("$ vault print token\ns.BS47EGf6Mmt8KEDRERR9B9Hm\n", "s.BS47EGf6Mmt8KEDRERR9B9Hm"),
            ("$ cat ~/.vault-token; echo\ns.8xgaRusiopMrFAjlgbYlWXrb\n", "s.8xgaRusiopMrFAjlgbYlWXrb"),
            (f"$ heroku config:get SECRET_KEY_BASE -a web\n{HEX}6299c16a2f90b119f2\n", HEX + "6299c16a2f90b119f2"),
            (f"$ terraform state pull | jq '.resources[0].instances[0].attributes.result'\n\"{PW}\"\n", PW),
        ],
        ["$ aws ssm get-parameter --name /a --query Parameter.Name --output text\n/app/api_key\n"],
    ),
    "values-in-tools-json": (
        [
            (f'{{\n  "unseal_keys_b64": [\n    "{B64KEY}",\n    "S9ZJ9ED9JaNbLNBl9ocyJ0dk+mte8Pfv4YLw75ixheAw"\n  ]\n}}', B64KEY),
            (f'{{"type": "random_password", "name": "db", "values": {{"id": "none", "result": "{PW}"}}}}', PW),
            (f'{{"id": "credential", "type": "CONCEALED", "label": "credential", "value": "{PW}"}}', PW),
            (f'{{"name": "projects/1/secrets/jwt/versions/4", "payload": {{\n "data": "{base64.b64encode(PW.encode()).decode()}"}}}}', base64.b64encode(PW.encode()).decode()),
            (f'      ~ "SMTP_PASSWORD" = "tg1h80_vPJLsTLKS+f+BmVXRn" -> "{PW}"', PW),
            (f"$ az keyvault secret set --vault-name kv -n api --value '{PW}'\n{{\n  \"value\": \"{PW}\"\n}}", PW),
            (f"apiVersion: v1\nkind: Secret\ndata:\n  .dockerconfigjson: {DOCKER}\n", DOCKER),
            (f"FLY_API_TOKEN=FlyV1 {FLY},{FO1}", f"{FLY},{FO1}"),
        ],
        [
            '{\n  "AccessKeyId": "AccessKeyId",\n  "SecretAccessKey": "SecretAccessKey",\n  "SessionToken": "SessionToken"\n}',
            f"$ kubectl get secret cfg -o jsonpath='{{.data.config\\.json}}'\n{CONFIG}\n",
            f"apiVersion: v1\nkind: Secret\ndata:\n  config.json: {CONFIG}\n",
            "Example:\n\n      $ vault login s.3jnbMAKl1i4YS3QoKdbHzGXq\n",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_covered_and_its_look_alikes_are_not(name: str) -> None:
    check_class(name, *CLASSES[name])
