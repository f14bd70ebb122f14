"""blind14 positives: heroku, stripe, supabase, netlify, cloudflare/wrangler, fly, doppler
and 1Password CLI output."""

from __future__ import annotations

import json
import random

from _blind14_gen import (
    ALNUM,
    B64URL,
    LOWER,
    Case,
    doppler_token,
    fly_token,
    heroku_key,
    op_service_token,
    password,
    pos,
    rs,
    stripe_key,
    supabase_jwt,
    supabase_secret,
    uuid4,
)


def heroku(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(9):
        key = heroku_key(rng) if i % 3 else uuid4(rng)
        email = f"{rng.choice(['dev', 'ops', 'jane'])}@example.com"
        t = i % 4
        if t == 0:
            text = f"$ cat ~/.netrc\nmachine api.heroku.com\n  login {email}\n  password {key}\nmachine git.heroku.com\n  login {email}\n  password {key}"
        elif t == 1:
            text = f"$ heroku auth:token\n \u203a   Warning: token will expire 0{rng.randrange(1, 9)}/1{rng.randrange(9)}/2025\n \u203a   Use heroku authorizations:create to generate a long-term token\n{key}"
        elif t == 2:
            text = f"$ heroku authorizations:create -d \"ci deploys\"\nCreating OAuth Authorization... done\nClient:      <none>\nID:          {uuid4(rng)}\nDescription: ci deploys\nScope:       global\nToken:       {key}\nUpdated at:  Tue Mar 05 2024 10:11:12 GMT+0000 (Coordinated Universal Time) (less than a minute ago)"
        else:
            text = f"$ env | grep HEROKU\nHEROKU_APP=shop-api-prod\nHEROKU_API_KEY={key}"
        out.append(pos(text, key, "heroku_api_key", "heroku auth / netrc"))
    return out


def stripe(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(10):
        t = i % 5
        if t == 0:
            key = stripe_key(rng, "rk", "test")
            text = f"$ stripe config --list\n[default]\n  device_name = 'dev-laptop'\n  display_name = 'Acme Inc'\n  test_mode_api_key = '{key}'\n  test_mode_key_expires_at = '2024-06-0{rng.randrange(1, 9)}'\n  test_mode_pub_key = 'pk_test_{rs(rng, ALNUM, 24)}'"
        elif t == 1:
            key = stripe_key(rng, "sk", "live")
            text = f"$ heroku config -a shop-api\n=== shop-api Config Vars\nDATABASE_URL:      postgres://{rs(rng, LOWER, 14)}@ec2-3-1-2-3.compute-1.amazonaws.com:5432/d{rs(rng, LOWER, 10)}\nSTRIPE_SECRET_KEY: {key}\nWEB_CONCURRENCY:   2"
        elif t == 2:
            key = stripe_key(rng, "sk", "test")
            text = f"$ curl https://api.stripe.com/v1/charges -u {key}: -d limit=1\n{{\n  \"object\": \"list\",\n  \"data\": [],\n  \"has_more\": false,\n  \"url\": \"/v1/charges\"\n}}"
        elif t == 3:
            key = stripe_key(rng, "rk", "live")
            text = f"$ stripe config --list --project-name acme-prod\n[acme-prod]\n  account_id = 'acct_{rs(rng, ALNUM, 16)}'\n  live_mode_api_key = '{key}'\n  live_mode_key_expires_at = '2024-09-0{rng.randrange(1, 9)}'"
        else:
            key = stripe_key(rng, "sk", "live")
            text = f"$ printenv STRIPE_API_KEY\n{key}"
        out.append(pos(text, key, "stripe_secret_key", "stripe config / env"))
    return out


def stripe_whsec(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        sec = "whsec_" + (rs(rng, ALNUM, 32) if i % 2 else rs(rng, "0123456789abcdef", 64))
        t = i % 3
        if t == 0:
            text = f"$ stripe listen --forward-to localhost:4242/webhook\n> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is {sec} (^C to quit)"
        elif t == 1:
            text = f"$ cat .env\nSTRIPE_PUBLISHABLE_KEY=pk_test_{rs(rng, ALNUM, 24)}\nSTRIPE_WEBHOOK_SECRET={sec}"
        else:
            text = f"$ stripe listen --print-secret\n{sec}"
        out.append(pos(text, sec, "stripe_webhook_secret", "stripe listen"))
    return out


def _supa_status(rng: random.Random, anon: str, srv: str, sec: str) -> str:
    return (
        f"$ supabase status\n         API URL: http://127.0.0.1:54321\n     GraphQL URL: http://127.0.0.1:54321/graphql/v1\n"
        f"  S3 Storage URL: http://127.0.0.1:54321/storage/v1/s3\n          DB URL: postgresql://postgres:postgres@127.0.0.1:54322/postgres\n"
        f"      Studio URL: http://127.0.0.1:54323\n    Inbucket URL: http://127.0.0.1:54324\n"
        f" Publishable key: sb_publishable_{rs(rng, B64URL, 22)}_{rs(rng, B64URL, 8)}\n      Secret key: {sec}\n"
        f"        anon key: {anon}\nservice_role key: {srv}"
    )


def supabase(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(16):
        anon, srv, sec = supabase_jwt(rng, "anon"), supabase_jwt(rng), supabase_secret(rng)
        ref = rs(rng, LOWER, 20)
        t = i % 4
        if t == 0:
            text = _supa_status(rng, anon, srv, sec)
        elif t == 1:
            text = f"$ supabase projects api-keys --project-ref {ref}\n\n  \n  NAME         | KEY VALUE\n  -------------|---------------------------------------------\n  anon         | {anon}\n  service_role | {srv}\n  default      | {sec}\n"
        elif t == 2:
            text = f"$ cat .env.local\nNEXT_PUBLIC_SUPABASE_URL=https://{ref}.supabase.co\nNEXT_PUBLIC_SUPABASE_ANON_KEY={anon}\nSUPABASE_SERVICE_ROLE_KEY={srv}\nSUPABASE_SECRET_KEY={sec}"
        else:
            text = f"$ supabase status -o env\nAPI_URL=\"http://127.0.0.1:54321\"\nANON_KEY=\"{anon}\"\nSECRET_KEY=\"{sec}\"\nSERVICE_ROLE_KEY=\"{srv}\"\nSTUDIO_URL=\"http://127.0.0.1:54323\""
        if i < 8:
            out.append(pos(text, srv, "supabase_service_role_jwt", "supabase status / api-keys"))
        else:
            out.append(pos(text, sec, "supabase_secret_key", "supabase status / api-keys"))
    return out


def netlify(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = "nfp_" + rs(rng, ALNUM, 36) if i % 2 else rs(rng, B64URL, 43)
        uid = rs(rng, "0123456789abcdef", 24)
        t = i % 4
        if t == 0:
            doc = {"telemetryDisabled": False, "cliId": uuid4(rng), "userId": uid, "users": {uid: {"id": uid, "name": "Jane Doe", "email": "jane@example.com", "auth": {"token": tok, "github": {}}}}}
            text = f"$ cat ~/.config/netlify/config.json\n{json.dumps(doc, indent=2)}"
        elif t == 1:
            text = f"$ env | grep NETLIFY\nNETLIFY_SITE_ID={uuid4(rng)}\nNETLIFY_AUTH_TOKEN={tok}"
        elif t == 2:
            text = f"$ netlify deploy --prod --auth {tok} --dir dist\nDeploy path: /home/runner/work/site/dist\nDeploying to main site URL...\n✔ Finished hashing 41 files"
        else:
            text = f"$ curl -s -H \"Authorization: Bearer {tok}\" https://api.netlify.com/api/v1/sites | jq '.[].name'\n\"acme-docs\"\n\"acme-web\""
        out.append(pos(text, tok, "netlify_token", "netlify config / env"))
    return out


def cloudflare(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = rs(rng, B64URL, 40)
        t = i % 4
        if t == 0:
            text = f"$ env | grep CLOUDFLARE\nCLOUDFLARE_ACCOUNT_ID={rs(rng, '0123456789abcdef', 32)}\nCLOUDFLARE_API_TOKEN={tok}"
        elif t == 1:
            text = f"$ curl -s \"https://api.cloudflare.com/client/v4/user/tokens/verify\" -H \"Authorization: Bearer {tok}\"\n{{\"result\":{{\"id\":\"{rs(rng, '0123456789abcdef', 32)}\",\"status\":\"active\"}},\"success\":true,\"errors\":[],\"messages\":[{{\"code\":10000,\"message\":\"This API Token is valid and active\",\"type\":null}}]}}"
        elif t == 2:
            text = f"$ cat .dev.vars\nCF_API_TOKEN={tok}\nENVIRONMENT=dev"
        else:
            text = f"$ echo \"$CLOUDFLARE_API_TOKEN\" | wrangler secret put CF_TOKEN --env production\n$ printenv CLOUDFLARE_API_TOKEN\n{tok}"
        out.append(pos(text, tok, "cloudflare_api_token", "wrangler / cloudflare env"))
    return out


def fly(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = fly_token(rng)
        t = i % 4
        if t == 0:
            text = f"$ fly tokens create deploy -a shop-api -x 720h\nFlyV1 {tok}"
        elif t == 1:
            text = f"$ cat ~/.fly/config.yml\naccess_token: FlyV1 {tok}\nlast_login: 2024-05-0{rng.randrange(1, 9)}T10:12:13Z\nmetrics_token: \"\"\nsend_metrics: true\nwire_guard_state: {{}}"
        elif t == 2:
            text = f"$ flyctl auth token\nDEPRECATED: Shows the authentication token that is currently in use by flyctl.\nFlyV1 {tok}"
        else:
            text = f"$ env | grep FLY\nFLY_APP_NAME=shop-api\nFLY_API_TOKEN=FlyV1 {tok}"
        out.append(pos(text, tok, "fly_api_token", "flyctl tokens / config"))
    return out


def doppler(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        tok = doppler_token(rng)
        t = i % 4
        if t == 0:
            text = f"$ doppler configure get token --plain\n{tok}"
        elif t == 1:
            text = f"$ doppler configs tokens create ci-deploy --project api --config prd --plain\n{tok}"
        elif t == 2:
            text = f"$ doppler configure --all\n┌───────┬──────────────────────────────────────────────────────┬───────────┐\n│ NAME  │ VALUE                                                │ SCOPE     │\n├───────┼──────────────────────────────────────────────────────┼───────────┤\n│ token │ {tok} │ /         │\n└───────┴──────────────────────────────────────────────────────┴───────────┘"
        else:
            text = f"$ env | grep DOPPLER\nDOPPLER_PROJECT=api\nDOPPLER_CONFIG=prd\nDOPPLER_TOKEN={tok}"
        out.append(pos(text, tok, "doppler_token", "doppler configure / tokens"))
    return out


def doppler_values(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(8):
        val = password(rng)
        t = i % 4
        if t == 0:
            doc = {"DB_PASSWORD": val, "DOPPLER_CONFIG": "prd", "DOPPLER_ENVIRONMENT": "prd", "DOPPLER_PROJECT": "api", "LOG_LEVEL": "info"}
            text = f"$ doppler secrets download --no-file --format json\n{json.dumps(doc)}"
        elif t == 1:
            text = f"$ doppler secrets get SMTP_PASSWORD --plain\n{val}"
        elif t == 2:
            text = f"$ doppler secrets download --no-file --format env\nDB_PASSWORD=\"{val}\"\nDOPPLER_CONFIG=\"dev\"\nDOPPLER_ENVIRONMENT=\"dev\"\nDOPPLER_PROJECT=\"api\""
        else:
            text = f"$ doppler run -- printenv REDIS_PASSWORD\n{val}"
        out.append(pos(text, val, "password_doppler_secrets", "doppler secrets"))
    return out


def onepassword(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for i in range(16):
        if i < 8:
            tok = op_service_token(rng)
            if i % 2:
                text = f"$ op service-account create \"CI\" --vault Prod:read_items\nService account created successfully!\nService account UUID: {rs(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 26)}\nService account token: {tok}\n\nTo start using this service account, run the following command:\n\nexport OP_SERVICE_ACCOUNT_TOKEN={tok}"
            else:
                text = f"$ env | grep ^OP_\nOP_SERVICE_ACCOUNT_TOKEN={tok}"
            out.append(pos(text, tok, "op_service_account_token", "op service-account"))
            continue
        val, iid = password(rng), rs(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 26)
        t = i % 3
        if t == 0:
            text = f"$ op item get \"Prod DB\" --reveal\nID:          {iid}\nTitle:       Prod DB\nVault:       Infra ({rs(rng, LOWER, 26)})\nCreated:     3 months ago\nUpdated:     2 weeks ago by Jane Doe\nFavorite:    false\nVersion:     4\nCategory:    LOGIN\nFields:\n  username:    postgres\n  password:    {val}\nURLs:\n  website: https://db.internal (primary)"
        elif t == 1:
            text = f"$ op read \"op://Infra/Prod DB/password\"\n{val}"
        else:
            doc = {"id": iid, "title": "Stripe", "category": "API_CREDENTIAL", "fields": [{"id": "credential", "type": "CONCEALED", "label": "credential", "value": val, "reference": "op://Infra/Stripe/credential"}]}
            text = f"$ op item get Stripe --format json\n{json.dumps(doc, indent=2)}"
        out.append(pos(text, val, "password_op_item", "op item get / op read"))
    return out


def cases(rng: random.Random) -> list[Case]:
    return heroku(rng) + stripe(rng) + stripe_whsec(rng) + supabase(rng) + netlify(rng) + cloudflare(rng) + fly(rng) + doppler(rng) + doppler_values(rng) + onepassword(rng)
