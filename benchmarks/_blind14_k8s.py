"""blind14 positives: kubectl, kubeconfig files, kubeadm and helm output."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    HEX,
    Case,
    b64,
    bootstrap_token,
    ec_private_pem,
    k8s_sa_jwt,
    password,
    pos,
    rbytes,
    rs,
    rsa_pkcs1_pem,
    uuid4,
)

NS = ["default", "prod", "payments", "monitoring", "argocd", "data"]
SECRETS = ["db-creds", "api-keys", "postgres-auth", "smtp", "redis", "app-env"]


def _cert_b64(rng: random.Random) -> str:
    der = bytes.fromhex("308203") + rbytes(rng, 2) + bytes.fromhex("308202") + rbytes(rng, 700)
    body = b64(der)
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"
    return b64(pem.encode())


def _meta(rng: random.Random, name: str, ns: str) -> str:
    return f"metadata:\n  creationTimestamp: \"2024-0{rng.randrange(1, 9)}-1{rng.randrange(9)}T09:4{rng.randrange(9)}:12Z\"\n  name: {name}\n  namespace: {ns}\n  resourceVersion: \"{rng.randrange(10**5, 10**7)}\"\n  uid: {uuid4(rng)}"


def secret_b64(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        name, ns = rng.choice(SECRETS), rng.choice(NS)
        val = b64(password(rng).encode())
        user = b64(rng.choice([b"app", b"postgres", b"admin", b"svc_orders"]))
        t = i % 5
        if t == 0:
            text = f"$ kubectl get secret {name} -n {ns} -o yaml\napiVersion: v1\ndata:\n  password: {val}\n  username: {user}\nkind: Secret\n{_meta(rng, name, ns)}\ntype: Opaque"
        elif t == 1:
            doc = {"apiVersion": "v1", "data": {"DATABASE_PASSWORD": val, "DATABASE_USER": user}, "kind": "Secret", "metadata": {"name": name, "namespace": ns, "uid": uuid4(rng)}, "type": "Opaque"}
            text = f"$ kubectl get secret {name} -n {ns} -o json\n{json.dumps(doc, indent=4)}"
        elif t == 2:
            text = f"$ kubectl get secret {name} -n {ns} -o jsonpath='{{.data.password}}'; echo\n{val}"
        elif t == 3:
            text = f"$ kubectl create secret generic {name} --from-env-file=.env --dry-run=client -o yaml\napiVersion: v1\ndata:\n  API_TOKEN: {val}\n  LOG_LEVEL: {b64(b'info')}\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: {name}"
        else:
            auth = b64(f"robot$ci:{password(rng)}".encode())
            cfg = json.dumps({"auths": {"registry.example.com": {"username": "robot$ci", "auth": auth}}}).encode()
            val = b64(cfg)
            text = f"$ kubectl get secret regcred -n {ns} -o yaml\napiVersion: v1\ndata:\n  .dockerconfigjson: {val}\nkind: Secret\n{_meta(rng, 'regcred', ns)}\ntype: kubernetes.io/dockerconfigjson"
        out.append(pos(text, val, "k8s_secret_data_b64", "kubectl get secret"))
    return out


def secret_decoded(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        ns, name = rng.choice(NS), rng.choice(SECRETS)
        t = i % 4
        if t == 0:
            val = rs(rng, ALNUM + "-", 16)
            text = f"$ kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath=\"{{.data.password}}\" | base64 -d; echo\n{val}"
        elif t == 1:
            val = password(rng)
            text = f"$ kubectl get secret {name} -n {ns} -o go-template='{{{{range $k,$v := .data}}}}{{{{$k}}}}={{{{$v|base64decode}}}}{{{{\"\\n\"}}}}{{{{end}}}}'\nDB_HOST=postgres.{ns}.svc\nDB_PASSWORD={val}\nDB_USER=app"
        elif t == 2:
            val = password(rng)
            text = f"$ kubectl exec -n {ns} deploy/api -- env | sort\nHOME=/root\nHOSTNAME=api-7c9d8b6f5-x2kqj\nKUBERNETES_SERVICE_HOST=10.96.0.1\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nPOSTGRES_PASSWORD={val}\nPOSTGRES_USER=app"
        else:
            val = password(rng)
            text = f"$ kubectl view-secret {name} -n {ns} --all\npassword='{val}'\nusername='admin'"
        out.append(pos(text, val, "password_k8s_decoded", "kubectl secret decode / exec env"))
    return out


def sa_tokens(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        ns, sa = rng.choice(NS), rng.choice(["deployer", "ci", "prometheus", "argocd-manager", "default"])
        tok = k8s_sa_jwt(rng, ns, sa)
        t = i % 5
        if t == 0:
            text = f"$ kubectl create token {sa} -n {ns} --duration=1h\n{tok}"
        elif t == 1:
            text = f"$ kubectl exec -n {ns} deploy/worker -- cat /var/run/secrets/kubernetes.io/serviceaccount/token\n{tok}"
        elif t == 2:
            text = f"$ kubectl get secret {sa}-token -n {ns} -o jsonpath='{{.data.token}}' | base64 --decode\n{tok}"
        elif t == 3:
            text = f"$ kubectl config view --raw --minify\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {_cert_b64(rng)}\n    server: https://10.0.{rng.randrange(256)}.{rng.randrange(256)}:6443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: {sa}\n  name: prod\ncurrent-context: prod\nkind: Config\npreferences: {{}}\nusers:\n- name: {sa}\n  user:\n    token: {tok}"
        else:
            text = f"$ curl -sk -H \"Authorization: Bearer {tok}\" https://10.96.0.1/api/v1/namespaces/{ns}/pods | jq '.items | length'\n7"
        out.append(pos(text, tok, "k8s_serviceaccount_jwt", "kubectl create token / kubeconfig"))
    return out


def client_keys(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        key = b64((ec_private_pem(rng) if i % 2 else rsa_pkcs1_pem(rng)).encode() + b"\n")
        cert = _cert_b64(rng)
        user = rng.choice(["kubernetes-admin", "kind-dev", "default", "admin@prod"])
        head = ["$ cat ~/.kube/config", "$ kubectl config view --raw", "$ kind get kubeconfig --name dev", "$ sudo cat /etc/rancher/k3s/k3s.yaml"][i % 4]
        text = f"{head}\napiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {_cert_b64(rng)}\n    server: https://127.0.0.1:{rng.choice([6443, 37123, 44221])}\n  name: {user}-cluster\ncontexts:\n- context:\n    cluster: {user}-cluster\n    user: {user}\n  name: {user}@{user}-cluster\ncurrent-context: {user}@{user}-cluster\nkind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}"
        out.append(pos(text, key, "kubeconfig_client_key_data", "kubeconfig"))
    return out


def bootstrap(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = bootstrap_token(rng)
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        h = rs(rng, HEX, 64)
        t = i % 4
        if t == 0:
            text = f"$ kubeadm token create\n{tok}"
        elif t == 1:
            text = f"$ kubeadm token create --print-join-command\nkubeadm join {ip}:6443 --token {tok} --discovery-token-ca-cert-hash sha256:{h}"
        elif t == 2:
            text = f"$ kubeadm token list\nTOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION                                                EXTRA GROUPS\n{tok}   23h         2024-06-0{rng.randrange(1, 9)}T10:11:12Z   authentication,signing   The default bootstrap token generated by 'kubeadm init'.   system:bootstrappers:kubeadm:default-node-token"
        else:
            text = f"Your Kubernetes control-plane has initialized successfully!\n\nThen you can join any number of worker nodes by running the following on each as root:\n\nkubeadm join {ip}:6443 --token {tok} \\\n\t--discovery-token-ca-cert-hash sha256:{h}"
        out.append(pos(text, tok, "k8s_bootstrap_token", "kubeadm token"))
    return out


def helm_values(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        rel, val = rng.choice(["postgresql", "redis", "keycloak", "grafana", "api", "rabbitmq"]), password(rng)
        t = i % 4
        if t == 0:
            text = f"$ helm get values {rel} -n data\nUSER-SUPPLIED VALUES:\nauth:\n  database: app\n  postgresPassword: {val}\n  username: app\nprimary:\n  persistence:\n    size: 20Gi"
        elif t == 1:
            text = f"$ helm get values {rel} -n monitoring -o json\n{json.dumps({'adminPassword': val, 'adminUser': 'admin', 'persistence': {'enabled': True}})}"
        elif t == 2:
            text = f"$ helm get values {rel} --all | grep -A3 auth\nauth:\n  enabled: true\n  password: \"{val}\"\n  sentinel: false"
        else:
            text = f"$ helm get values {rel} -n prod --revision 4\nUSER-SUPPLIED VALUES:\nenv:\n  LOG_LEVEL: info\n  SMTP_PASSWORD: {val}\nimage:\n  tag: v2.{rng.randrange(30)}.{rng.randrange(9)}\nreplicaCount: 3"
        out.append(pos(text, val, "password_helm_values", "helm get values"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return secret_b64(rng) + secret_decoded(rng) + sa_tokens(rng) + client_keys(rng) + bootstrap(rng) + helm_values(rng)
