"""Fake credential generators built from the providers' documented token formats.

Every function takes a `random.Random` and returns a string that has the documented shape of a
real credential (prefix, length, alphabet and, where the provider documents one, checksum) but
was never issued by anyone. The lookalike helpers at the end build values that are *almost* valid
(wrong checksum, wrong length, wrong alphabet) for use as hard negatives.

Standard library only; nothing here is read from any scanner's rules or test data.
"""

import base64
import hashlib
import json
import string
import struct
import zlib

DIGITS = string.digits
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
LETTERS = string.ascii_letters
B62 = DIGITS + UPPER + LOWER  # GitHub/npm base62 dictionary order
ALNUM = B62
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
UPNUM = UPPER + DIGITS
LOWNUM = LOWER + DIGITS


def rs(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def rbytes(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def b64(data):
    return base64.b64encode(data).decode()


def b64url_nopad(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def uuid4(r):
    n = r.getrandbits(128)
    n &= ~(0xF000 << 64)
    n |= 0x4000 << 64
    n &= ~(0xC000 << 48)
    n |= 0x8000 << 48
    h = "%032x" % n
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def digits(r, n):
    return str(r.randint(1, 9)) + rs(r, DIGITS, n - 1)


def base62_encode(num, width):
    out = ""
    while num:
        num, rem = divmod(num, 62)
        out = B62[rem] + out
    return out.rjust(width, "0")


# --------------------------------------------------------------------------------------------
# Code hosting and CI
# --------------------------------------------------------------------------------------------


def crc_base62_token(r, prefix, body_len=30):
    """GitHub (2021) / npm (2021) format: prefix + 30 base62 chars + base62(CRC32(body)) in 6."""
    body = rs(r, B62, body_len)
    return prefix + body + base62_encode(zlib.crc32(body.encode()), 6)


def github_classic(r, kind="ghp"):
    return crc_base62_token(r, kind + "_")


def github_fine_grained(r):
    # github_pat_ + 22 chars (id part) + '_' + 59 chars: 93 characters in all.
    head = "11" + rs(r, UPNUM, 7) + "0" + rs(r, B62, 12)
    return "github_pat_" + head + "_" + rs(r, B62, 59)


def base36(num, width):
    out = ""
    while num or len(out) < width:
        out = (DIGITS + LOWER)[num % 36] + out
        num //= 36
    return out


def gitlab_routable(r, prefix):
    """GitLab's routable token (routable_tokens design document): prefix + unpadded base64url of
    random bytes + routing payload + a length byte, then `.01.`, the payload's length in 2 base36
    digits and the CRC32 of everything before in 7."""
    routing = "o:%s\nu:%s" % (base36(r.randrange(1, 10**5), 1), base36(r.randrange(1, 10**7), 1))
    n = r.randrange(16, 33)
    payload = b64url_nopad(rbytes(r, n) + routing.encode() + bytes([n]))
    body = prefix + payload + ".01." + base36(len(payload), 2)
    return body + base36(zlib.crc32(body.encode()), 7)


def gitlab_token(r, prefix):
    if r.random() < 0.5:
        return gitlab_routable(r, prefix)
    return prefix + rs(r, ALNUM + "-_", 20)


def gitlab_pat(r):
    return gitlab_token(r, "glpat-")


def gitlab_deploy(r):
    return gitlab_token(r, "gldt-")


def gitlab_runner(r):
    return gitlab_token(r, "glrt-")


def gitlab_trigger(r):
    return "glptt-" + rs(r, HEX, 40)


def bitbucket_app_password(r):
    # ATBB + 32 characters, the last 8 an upper-case hex check value (algorithm undocumented).
    return "ATBB" + rs(r, ALNUM, 24) + rs(r, HEXU, 8)


def atlassian_api_token(r):
    # ATATT3xFfGF0 + base64url body + "=" + 8 upper-case hex check value (algorithm undocumented).
    return "ATATT3xFfGF0" + rs(r, ALNUM + "-_", 171) + "=" + rs(r, HEXU, 8)


def circleci_pat(r):
    return "CCIPAT_" + rs(r, ALNUM, 22) + "_" + rs(r, HEX, 40)


def buildkite_token(r):
    return "bkua_" + rs(r, HEX, 40)


def sonarqube_user_token(r):
    return "squ_" + rs(r, HEX, 40)


def terraform_cloud(r):
    return rs(r, ALNUM, 14) + ".atlasv1." + rs(r, ALNUM, 67)


def pulumi_token(r):
    return "pul-" + rs(r, HEX, 40)


def doppler_personal(r):
    return "dp.pt." + rs(r, ALNUM, 43)


def doppler_service(r):
    return "dp.st." + r.choice(["prd", "stg", "dev"]) + "." + rs(r, ALNUM, 40)


def vault_root_token(r):
    # Root tokens printed by `vault operator init` / dev mode: hvs. + 24 characters.
    return "hvs." + rs(r, ALNUM, 24)


def vault_service_long(r):
    # Vault >= 1.10 service token: hvs. + base64url(protobuf{1: 1, 2: 32 random bytes,
    # 3: {1: "hvs." + 24 chars, 2: varint}}).
    inner = b"hvs." + rs(r, ALNUM, 24).encode()
    f3 = b"\x0a" + bytes([len(inner)]) + inner + b"\x10" + bytes([r.randint(1, 127)])
    msg = b"\x08\x01\x12\x20" + rbytes(r, 32) + b"\x1a" + bytes([len(f3)]) + f3
    return "hvs." + b64url_nopad(msg)


def databricks_token(r):
    return "dapi" + rs(r, HEX, 32) + r.choice(["", "-2", "-3"])


# --------------------------------------------------------------------------------------------
# Package registries
# --------------------------------------------------------------------------------------------


def npm_token(r):
    return crc_base62_token(r, "npm_")


def pypi_token(r):
    # A real macaroon v2 serialisation: location "pypi.org", identifier, one caveat, signature.
    ident = ("%s" % uuid4(r)).encode()
    caveat = json.dumps({"version": 1, "permissions": {"projects": [rs(r, LOWER, 8)]}}).encode()
    data = b"\x02\x01\x08pypi.org\x02" + bytes([len(ident)]) + ident + b"\x00"
    data += b"\x02" + bytes([len(caveat)]) + caveat + b"\x00\x00\x06\x20" + rbytes(r, 32)
    return "pypi-" + b64url_nopad(data)


def rubygems_token(r):
    return "rubygems_" + rs(r, HEX, 48)


def nuget_key(r):
    return "oy2" + rs(r, LOWNUM, 43)


def crates_token(r):
    return "cio" + rs(r, ALNUM, 32)


def dockerhub_pat(r):
    return "dckr_pat_" + rs(r, ALNUM + "-_", 27)


def jfrog_api_key(r):
    return "AKCp8" + rs(r, ALNUM, 68)


# --------------------------------------------------------------------------------------------
# Cloud
# --------------------------------------------------------------------------------------------

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def aws_key_id(r, prefix="AKIA"):
    # 16 base32 characters encoding 10 bytes; bits 46..7 of the first 6 bytes carry the
    # account id. Modern ids have the top bit set (first character Q-Z or 2-7).
    account = r.randint(100000000000, 999999999999)
    head = (1 << 47) | (account << 7) | r.getrandbits(7)
    raw = head.to_bytes(6, "big") + rbytes(r, 4)
    return prefix + base64.b32encode(raw).decode()


def aws_secret_key(r):
    while True:
        s = rs(r, B64, 40)
        if s[0] not in "+/" and "EXAMPLE" not in s.upper():
            return s


def aws_session_token(r):
    return "IQoJb3JpZ2luX2Vj" + b64(rbytes(r, 300))


def gcp_api_key(r):
    return "AIzaSy" + rs(r, B64URL, 33)


def gcp_oauth_client_secret(r):
    return "GOCSPX-" + rs(r, B64URL, 28)


def azure_storage_key(r):
    return b64(rbytes(r, 64))


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def marvin32(data, seed):
    """Marvin32 (the .NET string hash), folded to 32 bits: the checksum of Azure identifiable keys."""
    p0, p1 = seed & 0xFFFFFFFF, seed >> 32

    def mix(p0, p1):
        p1 ^= p0
        p0 = _rotl(p0, 20)
        p0 = (p0 + p1) & 0xFFFFFFFF
        p1 = _rotl(p1, 9)
        p1 ^= p0
        p0 = _rotl(p0, 27)
        p0 = (p0 + p1) & 0xFFFFFFFF
        p1 = _rotl(p1, 19)
        return p0, p1

    n = len(data) // 4 * 4
    for i in range(0, n, 4):
        p0 = (p0 + int.from_bytes(data[i:i + 4], "little")) & 0xFFFFFFFF
        p0, p1 = mix(p0, p1)
    rest = data[n:]
    last = 0x80 << (8 * len(rest))
    for i, b in enumerate(rest):
        last |= b << (8 * i)
    p0 = (p0 + last) & 0xFFFFFFFF
    p0, p1 = mix(p0, p1)
    p0, p1 = mix(p0, p1)
    return p0 ^ p1


def _seed(name):
    return int.from_bytes(name.encode(), "big")


def azure_identifiable(r, signature, nbytes, seed_name):
    """An identifiable Azure key: base64 text with a 4-character signature 10 characters from the
    end, zero bits up to the checksum, and the Marvin32 checksum of the data in the last 4 bytes."""
    text_len = -(-8 * nbytes // 6)
    chars = rs(r, B62, text_len - 10) + signature
    bits = "".join(format(B64.index(c), "06b") for c in chars)
    bits = bits[: 8 * (nbytes - 4)].ljust(8 * (nbytes - 4), "0")
    data = int(bits, 2).to_bytes(nbytes - 4, "big")
    data += marvin32(data, _seed(seed_name)).to_bytes(4, "little")
    return b64(data)


def azure_storage_identifiable(r):
    return azure_identifiable(r, "+ASt", 64, "Default0")


def azure_servicebus_identifiable(r):
    return azure_identifiable(r, "+ASb", 32, r.choice(["Send0000", "Listen00", "Manage00"]))


def azure_cask(r, provider):
    """A common annotated security key: 52 random characters, JQQJ99, date, reserved fields, the
    provider signature and the base62 Marvin32 checksum of the first 60 bytes."""
    head = rs(r, B62, 52) + "JQQJ99" + "B" + r.choice("ABCDEFGHIJKL") + "A" * 16 + provider
    sum_le = marvin32(base64.b64decode(head), _seed("Default0")).to_bytes(4, "little")
    n = int.from_bytes(sum_le, "big")
    digits = ""
    while n:
        digits = B62[n % 62] + digits
        n //= 62
    zeros = min(3, len(sum_le) - len(sum_le.lstrip(b"\0")))
    return head + ("0" * zeros + digits).ljust(6, "0")[:4]


def azure_openai_key(r):
    return azure_cask(r, "ACOG")


def azure_ad_client_secret(r):
    return rs(r, ALNUM, 3) + r.choice("78") + "Q~" + rs(r, ALNUM + "_~.-", 34)


def digitalocean_pat(r):
    return "dop_v1_" + rs(r, HEX, 64)


def alibaba_key_id(r):
    return "LTAI5t" + rs(r, ALNUM, 18)


def alibaba_secret(r):
    return rs(r, ALNUM, 30)


def cloudflare_api_token(r):
    return rs(r, ALNUM + "_-", 40)


def cloudflare_global_key(r):
    return rs(r, HEX, 37)


def cloudflare_origin_ca(r):
    return "v1.0-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 146)


def heroku_key(r):
    return uuid4(r)


def supabase_token(r):
    return "sbp_" + rs(r, HEX, 40)


def planetscale_token(r):
    return "pscale_tkn_" + rs(r, ALNUM + "_-", 43)


def planetscale_password(r):
    return "pscale_pw_" + rs(r, ALNUM + "_-", 43)


def vercel_token(r):
    return rs(r, ALNUM, 24)


def tailscale_auth_key(r):
    return "tskey-auth-k" + rs(r, ALNUM, 10) + "CNTRL-" + rs(r, ALNUM, 33)


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32_encode(hrp, data_bytes):
    acc, bits, data = 0, 0, []
    for b in data_bytes:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expand = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    poly = _bech32_polymod(expand + data + [0] * 6) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in data + checksum)


def age_secret_key(r):
    return bech32_encode("age-secret-key-", rbytes(r, 32)).upper()


# --------------------------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------------------------


def stripe_secret(r, prefix="sk_live_"):
    if r.random() < 0.5:
        return prefix + rs(r, ALNUM, 24)
    return prefix + "51" + rs(r, ALNUM, 97)


def stripe_restricted(r):
    return stripe_secret(r, "rk_live_")


def stripe_webhook_secret(r):
    return "whsec_" + rs(r, ALNUM, 32)


def square_access_token(r):
    return "EAAA" + rs(r, ALNUM + "-_", 60)


def square_app_secret(r):
    return "sq0csp-" + rs(r, ALNUM + "-_", 43)


def braintree_token(r):
    return "access_token$production$" + rs(r, LOWNUM, 16) + "$" + rs(r, HEX, 32)


def shopify_access_token(r):
    return r.choice(["shpat_", "shpca_", "shppa_"]) + rs(r, HEX, 32)


def shopify_shared_secret(r):
    return "shpss_" + rs(r, HEX, 32)


def flutterwave_secret(r):
    return "FLWSECK-" + rs(r, HEX, 32) + "-X"


def paystack_secret(r):
    return "sk_live_" + rs(r, HEX, 40)


# --------------------------------------------------------------------------------------------
# Messaging and email
# --------------------------------------------------------------------------------------------


def slack_bot(r):
    return "xoxb-%s-%s-%s" % (digits(r, r.choice([10, 11, 12])), digits(r, 13), rs(r, ALNUM, 24))


def slack_user(r):
    return "xoxp-%s-%s-%s-%s" % (digits(r, 11), digits(r, 12), digits(r, 13), rs(r, HEX, 32))


def slack_app(r):
    return "xapp-1-A%s-%s-%s" % (rs(r, UPNUM, 10), digits(r, 13), rs(r, HEX, 64))


def slack_webhook(r):
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (
        rs(r, UPNUM, r.choice([8, 10])), rs(r, UPNUM, r.choice([8, 10])), rs(r, ALNUM, 24))


def discord_bot_token(r):
    # First part: base64 of the bot's user id (a snowflake: 17-19 digits; 19-digit ids of today
    # start with "1"), then a base64 timestamp, then the HMAC part.
    user_id = r.choice([digits(r, 18), "1" + str(r.randint(0, 3)) + rs(r, DIGITS, 17)])
    first = b64url_nopad(user_id.encode())
    stamp = b64url_nopad(struct.pack(">I", r.randint(0x60000000, 0x68000000)))
    return "%s.%s.%s" % (first, stamp, rs(r, ALNUM + "_-", 38))


def discord_webhook(r):
    return "https://discord.com/api/webhooks/%s/%s" % (digits(r, 19), rs(r, ALNUM + "_-", 68))


def telegram_bot_token(r):
    return "%s:AA%s" % (digits(r, 10), rs(r, ALNUM + "_-", 33))


def twilio_api_key_sid(r):
    return "SK" + rs(r, HEX, 32)


def twilio_auth_token(r):
    return rs(r, HEX, 32)


def twilio_account_sid(r):
    return "AC" + rs(r, HEX, 32)


def sendgrid_key(r):
    return "SG." + rs(r, B64URL, 22) + "." + rs(r, B64URL, 43)


def mailgun_key(r):
    if r.random() < 0.5:
        return "key-" + rs(r, HEX, 32)
    return rs(r, HEX, 32) + "-" + rs(r, HEX, 8) + "-" + rs(r, HEX, 8)


def mailchimp_key(r):
    return rs(r, HEX, 32) + "-us" + str(r.randint(1, 21))


def brevo_key(r):
    return "xkeysib-" + rs(r, HEX, 64) + "-" + rs(r, ALNUM, 16)


def postmark_token(r):
    return uuid4(r)


def teams_webhook(r):
    return "https://%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s" % (
        r.choice(["acmecorp", "contoso", "initech"]), uuid4(r), uuid4(r), rs(r, HEX, 32), uuid4(r))


# --------------------------------------------------------------------------------------------
# AI
# --------------------------------------------------------------------------------------------


def openai_project(r):
    return "sk-proj-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74)


def openai_service_account(r):
    return "sk-svcacct-" + rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74)


def openai_legacy(r):
    return "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20)


def anthropic_key(r):
    return "sk-ant-api03-" + rs(r, B64URL, 93) + "AA"


def anthropic_admin_key(r):
    return "sk-ant-admin01-" + rs(r, B64URL, 93) + "AA"


def huggingface_token(r):
    return "hf_" + rs(r, LETTERS, 34)


def groq_key(r):
    return "gsk_" + rs(r, ALNUM, 52)


def replicate_token(r):
    return "r8_" + rs(r, ALNUM, 37)


def perplexity_key(r):
    return "pplx-" + rs(r, ALNUM, 48)


def xai_key(r):
    return "xai-" + rs(r, ALNUM, 80)


def openrouter_key(r):
    return "sk-or-v1-" + rs(r, HEX, 64)


def langsmith_key(r):
    return "lsv2_" + r.choice(["pt", "sk"]) + "_" + rs(r, HEX, 32) + "_" + rs(r, HEX, 10)


def cohere_key(r):
    return rs(r, ALNUM, 40)


def mistral_key(r):
    return rs(r, ALNUM, 32)


def deepseek_key(r):
    return "sk-" + rs(r, HEX, 32)


# --------------------------------------------------------------------------------------------
# Observability
# --------------------------------------------------------------------------------------------


def datadog_api_key(r):
    return rs(r, HEX, 32)


def datadog_app_key(r):
    return rs(r, HEX, 40)


def newrelic_user_key(r):
    return "NRAK-" + rs(r, UPNUM, 27)


def newrelic_license_key(r):
    return rs(r, HEX, 36) + "NRAL"


def sentry_user_token(r):
    return "sntryu_" + rs(r, HEX, 64)


def sentry_org_token(r):
    org = r.choice(["acme", "initech", "globex", "umbrella"])
    payload = {"iat": r.randint(1700000000, 1760000000) + r.randint(0, 999999) / 1e6,
               "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": org}
    return "sntrys_" + b64(json.dumps(payload, separators=(",", ":")).encode()) + "_" + rs(r, ALNUM + "+/", 43)


def grafana_service_account(r):
    # Grafana satokengen: "gl" + "sa" + "_" + 32 alphanumerics + "_" + hex of the little-endian
    # bytes of CRC32-IEEE over everything before the last underscore.
    body = "glsa_" + rs(r, ALNUM, 32)
    return body + "_" + struct.pack("<I", zlib.crc32(body.encode())).hex()


def grafana_cloud_token(r):
    payload = {"o": str(r.randint(100000, 999999)), "n": "stack-%d-%s" % (r.randint(100000, 999999), r.choice(["metrics", "logs", "deploy"])),
               "k": rs(r, ALNUM, 24), "m": {"r": r.choice(["us", "eu", "prod-us-east-0"])}}
    return "glc_" + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=")


def dynatrace_token(r):
    return "dt0c01." + rs(r, UPNUM, 24) + "." + rs(r, UPNUM, 64)


# --------------------------------------------------------------------------------------------
# SaaS
# --------------------------------------------------------------------------------------------


def notion_token(r):
    return "secret_" + rs(r, ALNUM, 43)


def linear_key(r):
    return "lin_api_" + rs(r, ALNUM, 40)


def airtable_pat(r):
    return "pat" + rs(r, ALNUM, 14) + "." + rs(r, HEX, 64)


def figma_token(r):
    return "figd_" + rs(r, ALNUM + "_-", 40)


def hubspot_token(r):
    return "pat-" + r.choice(["na1", "eu1"]) + "-" + uuid4(r)


def postman_key(r):
    return "PMAK-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 34)


def okta_token(r):
    return "00" + rs(r, ALNUM + "_-", 40)


def mapbox_secret(r):
    payload = {"u": r.choice(["acme-maps", "geo-team", "fleetops"]), "a": "cl" + rs(r, LOWNUM, 23)}
    return "sk." + b64url_nopad(json.dumps(payload, separators=(",", ":")).encode()) + "." + rs(r, ALNUM + "_-", 22)


def contentful_pat(r):
    return "CFPAT-" + rs(r, ALNUM + "_-", 43)


def onepassword_sa_token(r):
    payload = {
        "signInAddress": "my.1password.com",
        "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": b64url_nopad(rbytes(r, 16))},
        "email": rs(r, LOWNUM, 13) + "@1passwordserviceaccounts.com",
        "srpX": rs(r, HEX, 64),
        "muk": {"alg": "A256GCM", "ext": True, "k": b64url_nopad(rbytes(r, 32)), "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"},
        "secretKey": "A3-" + "-".join(rs(r, UPNUM, n) for n in (6, 6, 5, 5, 5, 5)),
        "throttleSecret": {"seed": rs(r, HEX, 64), "uuid": rs(r, UPNUM, 26)},
        "deviceUuid": rs(r, LOWNUM, 26),
    }
    return "ops_" + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=")


def algolia_admin_key(r):
    return rs(r, HEX, 32)


def jwt_token(r, role=None):
    alg = r.choice(["HS256", "RS256"])
    header = {"alg": alg, "typ": "JWT"}
    iat = r.randint(1700000000, 1760000000)
    payload = {"sub": uuid4(r), "iat": iat, "exp": iat + r.choice([3600, 86400 * 365 * 10])}
    if role:
        payload["role"] = role
        payload["iss"] = "supabase"
    else:
        payload["scope"] = r.choice(["read:orders write:orders", "admin", "deploy"])
        payload["iss"] = r.choice(["https://auth.acme.io/", "billing-service"])
    sig = rbytes(r, 32 if alg == "HS256" else 256)
    return ".".join(b64url_nopad(json.dumps(x, separators=(",", ":")).encode()) for x in (header, payload)) + "." + b64url_nopad(sig)


def kube_bootstrap_token(r):
    return rs(r, LOWNUM, 6) + "." + rs(r, LOWNUM, 16)


# --------------------------------------------------------------------------------------------
# Passwords and generic secrets
# --------------------------------------------------------------------------------------------

PW_SYMBOLS = "!%^*_-+=.?"


def password(r, n=None):
    n = n or r.randint(14, 22)
    alphabet = LETTERS + DIGITS + PW_SYMBOLS
    while True:
        p = rs(r, alphabet, n)
        if (any(c.isupper() for c in p) and any(c.islower() for c in p) and any(c.isdigit() for c in p)
                and p[0] not in "-=!*?." and not any(w in p.lower() for w in ("test", "pass", "exam", "xxx", "abc", "123"))):
            return p


def url_password(r):
    # Safe in URLs without percent-encoding.
    while True:
        p = rs(r, LETTERS + DIGITS + "_-.~", r.randint(16, 24))
        if any(c.isdigit() for c in p) and any(c.isupper() for c in p) and p[0].isalnum():
            return p


def generic_secret(r):
    k = r.randrange(4)
    if k == 0:
        return rs(r, HEX, 64)
    if k == 1:
        return b64(rbytes(r, 32))
    if k == 2:
        return rs(r, LOWER + DIGITS + "!@%^*(-_=+)", 50)
    return rs(r, ALNUM, 40)


# --------------------------------------------------------------------------------------------
# Private keys
# --------------------------------------------------------------------------------------------


def wrap(s, n=64):
    return [s[i:i + n] for i in range(0, len(s), n)]


def pem(label, der):
    return ["-----BEGIN %s-----" % label] + wrap(b64(der)) + ["-----END %s-----" % label]


def rsa_pkcs1_der(r):
    body = b"\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(r, 256) + b"\x02\x03\x01\x00\x01\x02\x82\x01\x00" + rbytes(r, 256)
    rest = 0x4A4 - len(body)
    body += rbytes(r, rest)
    return b"\x30\x82\x04\xa4" + body


def rsa_private_pem(r):
    return pem("RSA PRIVATE KEY", rsa_pkcs1_der(r))


def pkcs8_private_pem(r):
    inner = rsa_pkcs1_der(r)
    algo = bytes.fromhex("300d06092a864886f70d0101010500")
    body = b"\x02\x01\x00" + algo + b"\x04\x82" + struct.pack(">H", len(inner)) + inner
    return pem("PRIVATE KEY", b"\x30\x82" + struct.pack(">H", len(body)) + body)


def ec_private_pem(r):
    der = (b"\x30\x77\x02\x01\x01\x04\x20" + rbytes(r, 32) + bytes.fromhex("a00a06082a8648ce3d030107a144034200")
           + b"\x04" + rbytes(r, 64))
    return pem("EC PRIVATE KEY", der)


def _sshstr(b):
    return struct.pack(">I", len(b)) + b


def openssh_private(r):
    pub = rbytes(r, 32)
    seed = rbytes(r, 32)
    pubblob = _sshstr(b"ssh-ed25519") + _sshstr(pub)
    check = rbytes(r, 4)
    comment = ("%s@%s" % (r.choice(["deploy", "ci", "jenkins", "ops"]), r.choice(["build-01", "bastion", "laptop"]))).encode()
    priv = check + check + _sshstr(b"ssh-ed25519") + _sshstr(pub) + _sshstr(seed + pub) + _sshstr(comment)
    i = 1
    while len(priv) % 8:
        priv += bytes([i])
        i += 1
    blob = b"openssh-key-v1\x00" + _sshstr(b"none") + _sshstr(b"none") + _sshstr(b"") + struct.pack(">I", 1)
    blob += _sshstr(pubblob) + _sshstr(priv)
    return ["-----BEGIN OPENSSH PRIVATE KEY-----"] + wrap(b64(blob), 70) + ["-----END OPENSSH PRIVATE KEY-----"]


def _crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_private(r):
    body = bytes([0xC5, 0xC1, 0x98, 0x04]) + struct.pack(">I", r.randint(1500000000, 1700000000)) + b"\x16" + rbytes(r, 600)
    crc = b64(_crc24(body).to_bytes(3, "big"))
    return (["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""] + wrap(b64(body)) + ["=" + crc,
            "-----END PGP PRIVATE KEY BLOCK-----"])


def private_key_lines(r):
    return r.choice([rsa_private_pem, pkcs8_private_pem, ec_private_pem, openssh_private, pgp_private])(r)


# Public material (hard negatives) -----------------------------------------------------------


def public_key_pem(r):
    der = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + rbytes(r, 256) + b"\x02\x03\x01\x00\x01"
    return pem("PUBLIC KEY", der)


def certificate_pem(r):
    der = b"\x30\x82\x03\x5a\x30\x82\x02\x42\xa0\x03\x02\x01\x02\x02\x14" + rbytes(r, 20) + rbytes(r, 800)
    return pem("CERTIFICATE", der)


def ssh_public_key(r):
    if r.random() < 0.5:
        blob = _sshstr(b"ssh-ed25519") + _sshstr(rbytes(r, 32))
        return "ssh-ed25519 " + b64(blob) + " " + r.choice(["alice@laptop", "deploy@ci", "bob@workstation"])
    blob = _sshstr(b"ssh-rsa") + _sshstr(b"\x01\x00\x01") + _sshstr(b"\x00" + rbytes(r, 256))
    return "ssh-rsa " + b64(blob) + " " + r.choice(["carol@desk", "ops@bastion"])


# Lookalikes (hard negatives) ----------------------------------------------------------------


def gitlab_routable_bad_crc(r):
    tok = gitlab_routable(r, "glpat-")
    last = tok[-1]
    return tok[:-1] + ("0" if last != "0" else "1")


def azure_identifiable_bad_checksum(r):
    key = azure_storage_identifiable(r)
    i = 80  # a checksum character
    return key[:i] + ("A" if key[i] != "A" else "B") + key[i + 1:]


def github_bad_crc(r):
    good = github_classic(r, r.choice(["ghp", "gho", "ghs"]))
    last = good[-1]
    return good[:-1] + r.choice([c for c in B62 if c != last])


def npm_bad_crc(r):
    good = npm_token(r)
    last = good[-1]
    return good[:-1] + r.choice([c for c in B62 if c != last])


def grafana_bad_crc(r):
    good = grafana_service_account(r)
    last = good[-1]
    return good[:-1] + r.choice([c for c in HEX if c != last])


def md5_hex(r):
    return hashlib.md5(rbytes(r, 16)).hexdigest()


def sha1_hex(r):
    return hashlib.sha1(rbytes(r, 16)).hexdigest()


def sha256_hex(r):
    return hashlib.sha256(rbytes(r, 16)).hexdigest()


def sri_sha512(r):
    return "sha512-" + b64(hashlib.sha512(rbytes(r, 16)).digest())


def png_base64(r, n=600):
    return "iVBORw0KGgoAAAANSUhEUgAA" + b64(rbytes(r, n))
