#!/usr/bin/env python3
"""Generate a labelled, repository-like accuracy corpus for secret scanners.

    python3 benches/accuracy/gen.py OUTDIR [--seed N] [--files N]

Writes a tree of realistic files under OUTDIR with FAKE credentials built from the providers'
documented token formats (see tokens.py) planted in realistic contexts, plus hard negatives
(placeholders, hashes, identifiers, public keys, lookalikes with a bad checksum or length, ...).
OUTDIR/labels.json lists every planted secret (kind "positive") and every hard negative (kind
"negative"). The output is a pure function of --seed and --files.

Standard library only. Nothing here is taken from any scanner's rules or test data.
"""

import argparse
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokens as T  # noqa: E402

# ================================================================================================
# Providers
# ================================================================================================


class P:
    """One kind of credential.

    family: label family; kind: sub-kind; gen(r) -> value or (value, secret-part);
    envs: environment-variable names; parent/child: nested-config spelling (parent key carries the
    provider name, child is generic); header: HTTP header template; api: URL used in curl lines;
    keyword: True when the value has no distinctive prefix and needs the name for context;
    shape: "token" | "url" | "pem".
    """

    def __init__(self, family, kind, gen, envs, parent, child="api_key", header=None, api=None,
                 keyword=False, shape="token", param=None):
        self.family, self.kind, self.gen = family, kind, gen
        self.envs, self.parent, self.child = envs, parent, child
        self.header, self.api, self.keyword, self.shape, self.param = header, api, keyword, shape, param

    @property
    def id(self):
        return self.family + "/" + self.kind


def _db_url(r):
    pw = T.url_password(r)
    scheme, user, host, port, db = r.choice([
        ("postgres", "app", "orders-db.c9akciq32.eu-west-1.rds.amazonaws.com", 5432, "orders"),
        ("postgresql", "billing_rw", "10.20.3.14", 5432, "billing"),
        ("mysql", "wp_admin", "mysql-primary.internal", 3306, "wordpress"),
        ("mongodb+srv", "svc-catalog", "cluster0.x7k2p.mongodb.net", None, "catalog"),
        ("redis", "default", "cache-prod.internal", 6379, "0"),
        ("amqp", "events", "rabbitmq.prod.svc.cluster.local", 5672, "prod"),
        ("mssql", "sa", "sqlsrv-02.corp.internal", 1433, "reporting"),
    ])
    hostport = host if port is None else "%s:%d" % (host, port)
    return ("%s://%s:%s@%s/%s" % (scheme, user, pw, hostport, db), pw)


def _basic_url(r):
    pw = T.url_password(r)
    user, host, path = r.choice([
        ("elastic", "es-logs.internal:9200", "/_cluster/health"),
        ("deploy", "nexus.corp.internal", "/repository/maven-releases/"),
        ("ci-bot", "registry.internal.acme.io", "/v2/"),
        ("admin", "grafana.ops.internal:3000", "/api/dashboards"),
        ("svc_jenkins", "jenkins.build.internal", "/job/release/build"),
    ])
    return ("https://%s:%s@%s%s" % (user, pw, host, path), pw)


def _azure_conn(r):
    key = T.azure_storage_key(r)
    acct = r.choice(["acmeprodstorage", "billingexports01", "mediaassetsweu"])
    return ("DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (acct, key), key)


def _telegram_url(r):
    tok = T.telegram_bot_token(r)
    return ("https://api.telegram.org/bot%s/sendMessage" % tok, tok)


def _pem(r):
    lines = T.private_key_lines(r)
    return (lines, None)


PROVIDERS = [
    # ---- code hosting / CI ----
    P("github", "pat-classic", lambda r: T.github_classic(r, "ghp"), ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"], "github", "token",
      "Authorization: token {}", "https://api.github.com/user/repos"),
    P("github", "oauth", lambda r: T.github_classic(r, "gho"), ["GITHUB_OAUTH_TOKEN"], "github", "oauth_token",
      "Authorization: Bearer {}", "https://api.github.com/user"),
    P("github", "app-installation", lambda r: T.github_classic(r, "ghs"), ["GITHUB_APP_TOKEN"], "github_app", "installation_token",
      "Authorization: Bearer {}", "https://api.github.com/repos/acme/api/issues"),
    P("github", "user-to-server", lambda r: T.github_classic(r, "ghu"), ["GH_USER_TOKEN"], "github", "user_token"),
    P("github", "refresh", lambda r: T.github_classic(r, "ghr"), ["GITHUB_REFRESH_TOKEN"], "github", "refresh_token"),
    P("github", "fine-grained", T.github_fine_grained, ["GITHUB_TOKEN", "GH_PAT"], "github", "token",
      "Authorization: Bearer {}", "https://api.github.com/repos/acme/web/contents"),
    P("gitlab", "pat", T.gitlab_pat, ["GITLAB_TOKEN", "GL_TOKEN", "CI_PUSH_TOKEN"], "gitlab", "private_token",
      "PRIVATE-TOKEN: {}", "https://gitlab.com/api/v4/projects"),
    P("gitlab", "deploy", T.gitlab_deploy, ["GITLAB_DEPLOY_TOKEN"], "gitlab", "deploy_token"),
    P("gitlab", "runner", T.gitlab_runner, ["RUNNER_TOKEN", "CI_SERVER_TOKEN"], "gitlab_runner", "token"),
    P("gitlab", "trigger", T.gitlab_trigger, ["GITLAB_TRIGGER_TOKEN"], "gitlab", "trigger_token"),
    P("bitbucket", "app-password", T.bitbucket_app_password, ["BITBUCKET_APP_PASSWORD"], "bitbucket", "app_password"),
    P("atlassian", "api-token", T.atlassian_api_token, ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"], "jira", "api_token"),
    P("circleci", "pat", T.circleci_pat, ["CIRCLECI_TOKEN", "CIRCLE_TOKEN"], "circleci", "token",
      "Circle-Token: {}", "https://circleci.com/api/v2/me"),
    P("buildkite", "api-token", T.buildkite_token, ["BUILDKITE_API_TOKEN"], "buildkite", "api_token",
      "Authorization: Bearer {}", "https://api.buildkite.com/v2/organizations"),
    P("sonarqube", "user-token", T.sonarqube_user_token, ["SONAR_TOKEN"], "sonar", "token"),
    P("terraform-cloud", "api-token", T.terraform_cloud, ["TFE_TOKEN", "TF_API_TOKEN"], "terraform_cloud", "token",
      "Authorization: Bearer {}", "https://app.terraform.io/api/v2/organizations"),
    P("pulumi", "access-token", T.pulumi_token, ["PULUMI_ACCESS_TOKEN"], "pulumi", "access_token"),
    P("doppler", "personal", T.doppler_personal, ["DOPPLER_TOKEN"], "doppler", "token"),
    P("doppler", "service", T.doppler_service, ["DOPPLER_TOKEN"], "doppler", "service_token"),
    P("vault", "root-token", T.vault_root_token, ["VAULT_TOKEN"], "vault", "token",
      "X-Vault-Token: {}", "https://vault.internal:8200/v1/secret/data/app"),
    P("vault", "service", T.vault_service_long, ["VAULT_TOKEN"], "vault", "token",
      "X-Vault-Token: {}", "https://vault.internal:8200/v1/auth/token/lookup-self"),
    P("databricks", "pat", T.databricks_token, ["DATABRICKS_TOKEN"], "databricks", "token",
      "Authorization: Bearer {}", "https://dbc-4f2a91c7-1e2b.cloud.databricks.com/api/2.0/clusters/list"),
    # ---- registries ----
    P("npm", "access-token", T.npm_token, ["NPM_TOKEN", "NODE_AUTH_TOKEN"], "npm", "auth_token"),
    P("pypi", "api-token", T.pypi_token, ["PYPI_TOKEN", "TWINE_PASSWORD", "PYPI_API_TOKEN"], "pypi", "token"),
    P("rubygems", "api-key", T.rubygems_token, ["GEM_HOST_API_KEY", "RUBYGEMS_API_KEY"], "rubygems", "api_key"),
    P("nuget", "api-key", T.nuget_key, ["NUGET_API_KEY"], "nuget", "api_key"),
    P("crates-io", "token", T.crates_token, ["CARGO_REGISTRY_TOKEN"], "crates_io", "token"),
    P("dockerhub", "pat", T.dockerhub_pat, ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"], "dockerhub", "token"),
    P("jfrog", "api-key", T.jfrog_api_key, ["ARTIFACTORY_API_KEY", "JFROG_API_KEY"], "artifactory", "api_key",
      "X-JFrog-Art-Api: {}", "https://acme.jfrog.io/artifactory/api/repositories"),
    # ---- cloud ----
    P("aws", "access-key-id", T.aws_key_id, ["AWS_ACCESS_KEY_ID"], "aws", "access_key_id"),
    P("aws", "secret-access-key", T.aws_secret_key, ["AWS_SECRET_ACCESS_KEY"], "aws", "secret_access_key", keyword=True),
    P("aws", "temp-access-key-id", lambda r: T.aws_key_id(r, "ASIA"), ["AWS_ACCESS_KEY_ID"], "aws", "access_key_id"),
    P("aws", "session-token", T.aws_session_token, ["AWS_SESSION_TOKEN"], "aws", "session_token"),
    P("gcp", "api-key", T.gcp_api_key, ["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY"], "google", "api_key",
      api="https://maps.googleapis.com/maps/api/geocode/json?address=Berlin", param="key"),
    P("gcp", "oauth-client-secret", T.gcp_oauth_client_secret, ["GOOGLE_CLIENT_SECRET"], "google_oauth", "client_secret"),
    P("azure", "storage-connection-string", _azure_conn, ["AZURE_STORAGE_CONNECTION_STRING"], "azure_storage", "connection_string"),
    P("azure", "storage-key", T.azure_storage_key, ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY"], "azure_storage", "account_key", keyword=True),
    P("azure", "ad-client-secret", T.azure_ad_client_secret, ["AZURE_CLIENT_SECRET"], "azure_ad", "client_secret"),
    P("azure", "identifiable-storage-key", T.azure_storage_identifiable, ["AZURE_STORAGE_KEY", "STORAGE_ACCOUNT_KEY"], "azure_storage", "account_key"),
    P("azure", "identifiable-servicebus-key", T.azure_servicebus_identifiable, ["SERVICEBUS_KEY", "AZURE_SERVICEBUS_SHARED_ACCESS_KEY"], "azure_servicebus", "shared_access_key"),
    P("azure", "openai-key", T.azure_openai_key, ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY"], "azure_openai", "api_key"),
    P("digitalocean", "pat", T.digitalocean_pat, ["DIGITALOCEAN_TOKEN", "DO_API_TOKEN"], "digitalocean", "token",
      "Authorization: Bearer {}", "https://api.digitalocean.com/v2/droplets"),
    P("alibaba", "access-key-id", T.alibaba_key_id, ["ALIBABA_CLOUD_ACCESS_KEY_ID"], "alicloud", "access_key_id"),
    P("alibaba", "access-key-secret", T.alibaba_secret, ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"], "alicloud", "access_key_secret", keyword=True),
    P("cloudflare", "api-token", T.cloudflare_api_token, ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"], "cloudflare", "api_token",
      "Authorization: Bearer {}", "https://api.cloudflare.com/client/v4/user/tokens/verify", keyword=True),
    P("cloudflare", "global-api-key", T.cloudflare_global_key, ["CLOUDFLARE_API_KEY", "CF_API_KEY"], "cloudflare", "api_key",
      "X-Auth-Key: {}", "https://api.cloudflare.com/client/v4/zones", keyword=True),
    P("cloudflare", "origin-ca-key", T.cloudflare_origin_ca, ["CF_ORIGIN_CA_KEY"], "cloudflare", "origin_ca_key"),
    P("heroku", "api-key", T.heroku_key, ["HEROKU_API_KEY"], "heroku", "api_key",
      "Authorization: Bearer {}", "https://api.heroku.com/apps", keyword=True),
    P("supabase", "access-token", T.supabase_token, ["SUPABASE_ACCESS_TOKEN"], "supabase", "access_token"),
    P("supabase", "service-role-jwt", lambda r: T.jwt_token(r, "service_role"), ["SUPABASE_SERVICE_ROLE_KEY"], "supabase", "service_role_key"),
    P("planetscale", "service-token", T.planetscale_token, ["PLANETSCALE_SERVICE_TOKEN"], "planetscale", "service_token"),
    P("planetscale", "password", T.planetscale_password, ["PLANETSCALE_DB_PASSWORD"], "planetscale", "password"),
    P("vercel", "token", T.vercel_token, ["VERCEL_TOKEN"], "vercel", "token",
      "Authorization: Bearer {}", "https://api.vercel.com/v9/projects", keyword=True),
    P("tailscale", "auth-key", T.tailscale_auth_key, ["TS_AUTHKEY", "TAILSCALE_AUTH_KEY"], "tailscale", "auth_key"),
    P("age", "secret-key", T.age_secret_key, ["SOPS_AGE_KEY", "AGE_SECRET_KEY"], "sops", "age_key"),
    # ---- payments ----
    P("stripe", "secret-key", T.stripe_secret, ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], "stripe", "secret_key",
      "Authorization: Bearer {}", "https://api.stripe.com/v1/charges"),
    P("stripe", "restricted-key", T.stripe_restricted, ["STRIPE_RESTRICTED_KEY"], "stripe", "restricted_key"),
    P("stripe", "webhook-secret", T.stripe_webhook_secret, ["STRIPE_WEBHOOK_SECRET"], "stripe", "webhook_secret"),
    P("square", "access-token", T.square_access_token, ["SQUARE_ACCESS_TOKEN"], "square", "access_token",
      "Authorization: Bearer {}", "https://connect.squareup.com/v2/locations"),
    P("square", "application-secret", T.square_app_secret, ["SQUARE_APPLICATION_SECRET"], "square", "application_secret"),
    P("braintree", "access-token", T.braintree_token, ["BRAINTREE_ACCESS_TOKEN"], "braintree", "access_token"),
    P("shopify", "access-token", T.shopify_access_token, ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_ADMIN_TOKEN"], "shopify", "access_token",
      "X-Shopify-Access-Token: {}", "https://acme-store.myshopify.com/admin/api/2024-01/orders.json"),
    P("shopify", "shared-secret", T.shopify_shared_secret, ["SHOPIFY_API_SECRET"], "shopify", "shared_secret"),
    P("flutterwave", "secret-key", T.flutterwave_secret, ["FLW_SECRET_KEY"], "flutterwave", "secret_key"),
    P("paystack", "secret-key", T.paystack_secret, ["PAYSTACK_SECRET_KEY"], "paystack", "secret_key"),
    # ---- messaging / email ----
    P("slack", "bot-token", T.slack_bot, ["SLACK_BOT_TOKEN", "SLACK_TOKEN"], "slack", "bot_token",
      "Authorization: Bearer {}", "https://slack.com/api/chat.postMessage"),
    P("slack", "user-token", T.slack_user, ["SLACK_USER_TOKEN"], "slack", "user_token"),
    P("slack", "app-token", T.slack_app, ["SLACK_APP_TOKEN"], "slack", "app_token"),
    P("slack", "webhook", T.slack_webhook, ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK"], "slack", "webhook_url", shape="url"),
    P("discord", "bot-token", T.discord_bot_token, ["DISCORD_BOT_TOKEN", "DISCORD_TOKEN"], "discord", "bot_token",
      "Authorization: Bot {}", "https://discord.com/api/v10/users/@me"),
    P("discord", "webhook", T.discord_webhook, ["DISCORD_WEBHOOK_URL"], "discord", "webhook_url", shape="url"),
    P("telegram", "bot-token", T.telegram_bot_token, ["TELEGRAM_BOT_TOKEN", "TG_BOT_TOKEN"], "telegram", "bot_token"),
    P("telegram", "bot-url", _telegram_url, ["TELEGRAM_NOTIFY_URL"], "telegram", "notify_url", shape="url"),
    P("twilio", "api-key", T.twilio_api_key_sid, ["TWILIO_API_KEY"], "twilio", "api_key"),
    P("twilio", "auth-token", T.twilio_auth_token, ["TWILIO_AUTH_TOKEN"], "twilio", "auth_token", keyword=True),
    P("sendgrid", "api-key", T.sendgrid_key, ["SENDGRID_API_KEY"], "sendgrid", "api_key",
      "Authorization: Bearer {}", "https://api.sendgrid.com/v3/mail/send"),
    P("mailgun", "api-key", T.mailgun_key, ["MAILGUN_API_KEY"], "mailgun", "api_key", keyword=True),
    P("mailchimp", "api-key", T.mailchimp_key, ["MAILCHIMP_API_KEY"], "mailchimp", "api_key", keyword=True),
    P("brevo", "api-key", T.brevo_key, ["BREVO_API_KEY", "SENDINBLUE_API_KEY"], "brevo", "api_key",
      "api-key: {}", "https://api.brevo.com/v3/smtp/email"),
    P("postmark", "server-token", T.postmark_token, ["POSTMARK_SERVER_TOKEN", "POSTMARK_API_TOKEN"], "postmark", "server_token",
      "X-Postmark-Server-Token: {}", "https://api.postmarkapp.com/email", keyword=True),
    P("msteams", "webhook", T.teams_webhook, ["TEAMS_WEBHOOK_URL"], "teams", "webhook_url", shape="url"),
    # ---- AI ----
    P("openai", "project-key", T.openai_project, ["OPENAI_API_KEY"], "openai", "api_key",
      "Authorization: Bearer {}", "https://api.openai.com/v1/chat/completions"),
    P("openai", "service-account-key", T.openai_service_account, ["OPENAI_API_KEY"], "openai", "api_key"),
    P("openai", "legacy-key", T.openai_legacy, ["OPENAI_API_KEY", "OPENAI_KEY"], "openai", "api_key"),
    P("anthropic", "api-key", T.anthropic_key, ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"], "anthropic", "api_key",
      "x-api-key: {}", "https://api.anthropic.com/v1/messages"),
    P("anthropic", "admin-key", T.anthropic_admin_key, ["ANTHROPIC_ADMIN_KEY"], "anthropic", "admin_key"),
    P("huggingface", "token", T.huggingface_token, ["HF_TOKEN", "HUGGINGFACE_HUB_TOKEN"], "huggingface", "token",
      "Authorization: Bearer {}", "https://huggingface.co/api/whoami-v2"),
    P("groq", "api-key", T.groq_key, ["GROQ_API_KEY"], "groq", "api_key"),
    P("replicate", "api-token", T.replicate_token, ["REPLICATE_API_TOKEN"], "replicate", "api_token"),
    P("perplexity", "api-key", T.perplexity_key, ["PERPLEXITY_API_KEY", "PPLX_API_KEY"], "perplexity", "api_key"),
    P("xai", "api-key", T.xai_key, ["XAI_API_KEY", "GROK_API_KEY"], "xai", "api_key"),
    P("openrouter", "api-key", T.openrouter_key, ["OPENROUTER_API_KEY"], "openrouter", "api_key"),
    P("langsmith", "api-key", T.langsmith_key, ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"], "langsmith", "api_key"),
    P("cohere", "api-key", T.cohere_key, ["COHERE_API_KEY", "CO_API_KEY"], "cohere", "api_key",
      "Authorization: Bearer {}", "https://api.cohere.com/v1/chat", keyword=True),
    P("mistral", "api-key", T.mistral_key, ["MISTRAL_API_KEY"], "mistral", "api_key",
      "Authorization: Bearer {}", "https://api.mistral.ai/v1/chat/completions", keyword=True),
    P("deepseek", "api-key", T.deepseek_key, ["DEEPSEEK_API_KEY"], "deepseek", "api_key",
      "Authorization: Bearer {}", "https://api.deepseek.com/chat/completions", keyword=True),
    # ---- observability ----
    P("datadog", "api-key", T.datadog_api_key, ["DD_API_KEY", "DATADOG_API_KEY"], "datadog", "api_key",
      "DD-API-KEY: {}", "https://api.datadoghq.com/api/v1/validate", keyword=True),
    P("datadog", "app-key", T.datadog_app_key, ["DD_APP_KEY", "DATADOG_APP_KEY"], "datadog", "app_key",
      "DD-APPLICATION-KEY: {}", "https://api.datadoghq.com/api/v1/dashboard", keyword=True),
    P("newrelic", "user-key", T.newrelic_user_key, ["NEW_RELIC_API_KEY", "NEWRELIC_USER_KEY"], "newrelic", "api_key",
      "Api-Key: {}", "https://api.newrelic.com/graphql"),
    P("newrelic", "license-key", T.newrelic_license_key, ["NEW_RELIC_LICENSE_KEY"], "newrelic", "license_key"),
    P("sentry", "user-token", T.sentry_user_token, ["SENTRY_AUTH_TOKEN"], "sentry", "auth_token",
      "Authorization: Bearer {}", "https://sentry.io/api/0/projects/"),
    P("sentry", "org-token", T.sentry_org_token, ["SENTRY_AUTH_TOKEN"], "sentry", "auth_token"),
    P("grafana", "service-account", T.grafana_service_account, ["GRAFANA_TOKEN", "GRAFANA_SA_TOKEN"], "grafana", "token",
      "Authorization: Bearer {}", "https://grafana.ops.internal/api/search"),
    P("grafana", "cloud-token", T.grafana_cloud_token, ["GRAFANA_CLOUD_TOKEN"], "grafana_cloud", "token"),
    P("dynatrace", "api-token", T.dynatrace_token, ["DT_API_TOKEN", "DYNATRACE_TOKEN"], "dynatrace", "api_token",
      "Authorization: Api-Token {}", "https://abc12345.live.dynatrace.com/api/v2/metrics"),
    # ---- SaaS ----
    P("notion", "integration-token", T.notion_token, ["NOTION_TOKEN", "NOTION_API_KEY"], "notion", "token", keyword=True),
    P("linear", "api-key", T.linear_key, ["LINEAR_API_KEY"], "linear", "api_key"),
    P("airtable", "pat", T.airtable_pat, ["AIRTABLE_TOKEN", "AIRTABLE_API_KEY"], "airtable", "token"),
    P("figma", "pat", T.figma_token, ["FIGMA_TOKEN"], "figma", "token",
      "X-Figma-Token: {}", "https://api.figma.com/v1/me"),
    P("hubspot", "private-app-token", T.hubspot_token, ["HUBSPOT_ACCESS_TOKEN"], "hubspot", "access_token"),
    P("postman", "api-key", T.postman_key, ["POSTMAN_API_KEY"], "postman", "api_key",
      "X-Api-Key: {}", "https://api.getpostman.com/collections"),
    P("okta", "api-token", T.okta_token, ["OKTA_API_TOKEN"], "okta", "api_token",
      "Authorization: SSWS {}", "https://acme.okta.com/api/v1/users", keyword=True),
    P("mapbox", "secret-token", T.mapbox_secret, ["MAPBOX_SECRET_TOKEN", "MAPBOX_DOWNLOADS_TOKEN"], "mapbox", "secret_token"),
    P("contentful", "pat", T.contentful_pat, ["CONTENTFUL_MANAGEMENT_TOKEN"], "contentful", "management_token"),
    P("1password", "service-account", T.onepassword_sa_token, ["OP_SERVICE_ACCOUNT_TOKEN"], "onepassword", "service_account_token"),
    P("algolia", "admin-key", T.algolia_admin_key, ["ALGOLIA_ADMIN_API_KEY", "ALGOLIA_API_KEY"], "algolia", "admin_api_key",
      "X-Algolia-API-Key: {}", "https://ABCD1234EF-dsn.algolia.net/1/indexes", keyword=True),
    # ---- generic ----
    P("jwt", "bearer", T.jwt_token, ["API_JWT", "SERVICE_AUTH_TOKEN", "INTERNAL_BEARER_TOKEN"], "auth", "bearer_token",
      "Authorization: Bearer {}", "https://api.internal.acme.io/v1/orders"),
    P("db-url", "url", _db_url, ["DATABASE_URL", "DB_URL", "MONGO_URI", "REDIS_URL", "BROKER_URL"], "database", "url", shape="url"),
    P("url-password", "basic-auth", _basic_url, ["ELASTICSEARCH_URL", "NEXUS_URL", "REGISTRY_MIRROR", "GRAFANA_URL"], "upstream", "url", shape="url"),
    P("generic-password", "password", T.password, ["DB_PASSWORD", "POSTGRES_PASSWORD", "SMTP_PASSWORD", "ADMIN_PASSWORD",
                                                   "REDIS_PASSWORD", "MYSQL_ROOT_PASSWORD", "LDAP_BIND_PASSWORD", "KEYSTORE_PASSWORD"],
      "database", "password", keyword=True),
    P("generic-secret", "secret", T.generic_secret, ["SECRET_KEY", "JWT_SECRET", "SESSION_SECRET", "ENCRYPTION_KEY", "OAUTH_CLIENT_SECRET",
                                                     "WEBHOOK_SIGNING_SECRET", "INTERNAL_API_KEY", "APP_SECRET"],
      "security", "secret", keyword=True),
    P("generic-secret", "api-key", lambda r: T.rs(r, T.ALNUM, r.choice([32, 40, 48])), ["PARTNER_API_KEY", "INTERNAL_API_TOKEN", "ACME_API_KEY",
                                                                                "BACKOFFICE_TOKEN"], "partner_api", "api_key", keyword=True),
    P("generic-secret", "signing-key", lambda r: r.choice([T.rs(r, T.HEX, 64), T.b64(T.rbytes(r, 32)), T.b64(T.rbytes(r, 48))]),
      ["JWT_SIGNING_KEY", "COOKIE_SECRET", "HMAC_SECRET", "ENCRYPTION_KEY"], "crypto", "signing_key", keyword=True),
    P("private-key", "pem", _pem, ["PRIVATE_KEY", "SSH_PRIVATE_KEY", "TLS_KEY", "SIGNING_KEY"], "tls", "private_key", shape="pem"),
]

# ================================================================================================
# Hard negatives: (env name, value, what). Rendered like any assignment.
# ================================================================================================


def neg_assignments(r):
    """A fresh list of candidate negative assignments (values drawn from r)."""
    a = [
        ("GITHUB_TOKEN", "<your-github-token>", "placeholder <...>"),
        ("STRIPE_SECRET_KEY", "<STRIPE_SECRET_KEY>", "placeholder <...>"),
        ("OPENAI_API_KEY", "your-openai-api-key-here", "placeholder your-...-here"),
        ("API_KEY", "x" * 32, "placeholder xxxx"),
        ("SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder with provider prefix"),
        ("GITHUB_TOKEN", "ghp_" + "x" * 36, "placeholder with provider prefix"),
        ("AWS_SECRET_ACCESS_KEY", "your_secret_access_key_here", "placeholder your-...-here"),
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token", "placeholder with provider prefix"),
        ("OPENAI_API_KEY", "sk-...", "placeholder truncated"),
        ("DB_PASSWORD", "${DB_PASSWORD}", "env reference ${VAR}"),
        ("REDIS_PASSWORD", "${REDIS_PASSWORD:-}", "env reference ${VAR}"),
        ("ADMIN_PASSWORD", "changeme", "placeholder changeme"),
        ("API_TOKEN", "REPLACE_ME", "placeholder REPLACE_ME"),
        ("SMTP_PASSWORD", "********", "masked value"),
        ("API_KEY", "test", "test value"),
        ("AUTH_TOKEN", "dummy-token", "test value"),
        ("CLIENT_SECRET", "example", "test value"),
        ("DB_PASSWORD", "password", "test value"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS documentation example key"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS documentation example secret"),
        ("GITHUB_TOKEN", T.github_bad_crc(r), "lookalike: GitHub token with bad CRC32"),
        ("NPM_TOKEN", T.npm_bad_crc(r), "lookalike: npm token with bad CRC32"),
        ("GRAFANA_TOKEN", T.grafana_bad_crc(r), "lookalike: Grafana SA token with bad CRC32"),
        ("GITHUB_TOKEN", "ghp_" + T.rs(r, T.B62, 20), "lookalike: ghp_ too short"),
        ("AWS_ACCESS_KEY_ID", "AKIA" + T.rs(r, T.LOWER + "0189", 16), "lookalike: AKIA with wrong charset"),
        ("STRIPE_SECRET_KEY", "sk_live_" + T.rs(r, T.ALNUM, 6), "lookalike: sk_live_ too short"),
        ("GITLAB_TOKEN", "glpat-" + T.rs(r, T.ALNUM, 8), "lookalike: glpat- too short"),
        ("GITLAB_TOKEN", T.gitlab_routable_bad_crc(r), "lookalike: routable GitLab token with bad CRC32"),
        ("AZURE_STORAGE_KEY", T.azure_identifiable_bad_checksum(r), "lookalike: identifiable Azure key with bad Marvin32 checksum"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_live_" + T.rs(r, T.ALNUM, 24), "Stripe publishable key (public)"),
        ("MAPBOX_ACCESS_TOKEN", "pk.eyJ1IjoiYWNtZS1tYXBzIiwiYSI6ImNs" + T.rs(r, T.ALNUM, 20) + "In0." + T.rs(r, T.ALNUM, 22), "Mapbox public token"),
        ("TWILIO_ACCOUNT_SID", T.twilio_account_sid(r), "Twilio account SID (identifier)"),
        ("SENTRY_DSN", "https://%s@o%d.ingest.sentry.io/%d" % (T.rs(r, T.HEX, 32), r.randint(100000, 999999), r.randint(1000000, 9999999)),
         "Sentry DSN (public)"),
        ("GIT_COMMIT", T.sha1_hex(r), "git SHA"),
        ("RELEASE_SHA", T.sha1_hex(r), "git SHA"),
        ("ARTIFACT_SHA256", T.sha256_hex(r), "sha256 hex"),
        ("ASSET_MD5", T.md5_hex(r), "md5 hex"),
        ("AZURE_TENANT_ID", T.uuid4(r), "UUID identifier"),
        ("AZURE_CLIENT_ID", T.uuid4(r), "UUID identifier"),
        ("CORRELATION_ID", T.uuid4(r), "UUID identifier"),
        ("DATABASE_URL", "postgres://postgres:postgres@localhost:5432/app_dev", "local default credentials"),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app", "URL with env reference"),
        ("REDIS_URL", "redis://cache.internal:6379/0", "URL without password"),
        ("PASSWORD_MIN_LENGTH", "12", "policy number"),
        ("SESSION_COOKIE_NAME", "session_token", "identifier string"),
        ("API_KEY_HEADER", "X-API-Key", "header name"),
        ("PRIVATE_KEY_PATH", "/etc/ssl/private/server.key", "file path"),
        ("TOKEN_URL", "https://oauth2.googleapis.com/token", "URL"),
        ("AWS_ACCOUNT_ID", T.digits(r, 12), "AWS account id"),
        ("KMS_KEY_ARN", "arn:aws:kms:eu-west-1:%s:key/%s" % (T.digits(r, 12), T.uuid4(r)), "ARN"),
        ("DOCKER_IMAGE", "ghcr.io/acme/api@sha256:" + T.sha256_hex(r), "image digest"),
    ]
    return a


# ================================================================================================
# File builder
# ================================================================================================


class FB:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.labels = []

    def add(self, *lines):
        for l in lines:
            if isinstance(l, (list, tuple)):
                self.lines.extend(l)
            else:
                self.lines.append(l)

    def _locate(self, lines, needle):
        text = "\n".join(lines)
        i = text.find(needle)
        if i < 0:
            raise AssertionError("%s: %r not in %r" % (self.path, needle[:60], text[:200]))
        return len(self.lines) + text.count("\n", 0, i) + 1

    def pos(self, lines, secret, p):
        if isinstance(lines, str):
            lines = [lines]
        n = self._locate(lines, secret)
        self.labels.append({"path": self.path, "line": n, "secret": secret, "family": p.family,
                            "provider": p.id, "kind": "positive"})
        self.lines.extend(lines)

    def neg(self, lines, what, needle=None):
        if isinstance(lines, str):
            lines = [lines]
        n = self._locate(lines, needle) if needle else len(self.lines) + 1
        self.labels.append({"path": self.path, "line": n, "kind": "negative", "what": what})
        self.lines.extend(lines)

    def text(self):
        return "\n".join(self.lines) + "\n"


class JB:
    """JSON file: build a Python object, dump it, then locate planted values."""

    def __init__(self, path):
        self.path, self.plants = path, []

    def pos(self, secret, p):
        self.plants.append(("pos", secret, p))
        return secret

    def neg(self, value, what):
        self.plants.append(("neg", value, what))
        return value

    def finish(self, obj, indent=2):
        text = json.dumps(obj, indent=indent) + "\n"
        lines = text.split("\n")
        fb = FB(self.path)
        fb.lines = lines[:-1]
        used = {}
        for kind, val, extra in self.plants:
            needle = json.dumps(val)[1:-1]
            quoted = json.dumps(val)
            start = used.get(needle, 0)
            found = None
            for i in range(start, len(fb.lines)):
                line = fb.lines[i]
                # A value: after "key": or alone in an array, never the key itself.
                if (": " + quoted) in line or line.strip().startswith(quoted + ",") or line.strip() == quoted \
                        or (kind == "pos" and needle in line):
                    found = i
                    break
            if found is None:
                raise AssertionError("%s: %r not found" % (self.path, needle[:50]))
            used[needle] = found + 1
            if kind == "pos":
                fb.labels.append({"path": self.path, "line": found + 1, "secret": needle, "family": extra.family,
                                  "provider": extra.id, "kind": "positive"})
            else:
                fb.labels.append({"path": self.path, "line": found + 1, "kind": "negative", "what": extra})
        return fb


# ================================================================================================
# Naming helpers and renderers
# ================================================================================================


def setuniq(d, key, val):
    k, i = key, 2
    while k in d:
        k, i = "%s%d" % (key, i), i + 1
    d[k] = val


def camel(snake):
    parts = snake.lower().split("_")
    return parts[0] + "".join(x.title() for x in parts[1:])


def pascal(snake):
    return "".join(x.title() for x in snake.lower().split("_"))


def yq(v):
    """YAML scalar, quoted when needed."""
    if v == "" or v[0] in "{*&!|>%@`'\"[]#,?:-<" or ": " in v or " #" in v or v in ("true", "false", "null", "yes", "no"):
        return json.dumps(v)
    return v


SERVICES = ["billing", "checkout", "auth", "notifications", "search", "inventory", "gateway", "reports", "scheduler",
            "ingest", "payments", "profile", "media", "analytics", "webhooks"]
ENVS = ["production", "staging", "dev", "qa"]


class Gen:
    def __init__(self, seed, nfiles):
        self.r = random.Random(seed)
        self.nfiles = nfiles
        self.files = {}
        self.use = {p.id: 0 for p in PROVIDERS}
        self.neg_use = {}

    # ---------------------------------------------------------------- picking
    def pick(self, allow_pem=False, allow_url=True, keyword_ok=True):
        r = self.r
        cands = [p for p in PROVIDERS
                 if (allow_pem or p.shape != "pem") and (allow_url or p.shape != "url") and (keyword_ok or not p.keyword)]
        m = min(self.use[p.id] for p in cands)
        best = [p for p in cands if self.use[p.id] == m]
        p = r.choice(best)
        self.use[p.id] += 1
        return p

    def value(self, p):
        v = p.gen(self.r)
        if isinstance(v, tuple):
            return v
        return v, v

    def pick_neg(self, exclude=()):
        cands = [n for n in neg_assignments(self.r) if n[2] not in exclude]
        m = min(self.neg_use.get(n[0] + n[2], 0) for n in cands)
        best = [n for n in cands if self.neg_use.get(n[0] + n[2], 0) == m]
        n = self.r.choice(best)
        self.neg_use[n[0] + n[2]] = self.neg_use.get(n[0] + n[2], 0) + 1
        return n

    def path(self, template):
        r = self.r
        for _ in range(50):
            p = template.format(svc=r.choice(SERVICES), env=r.choice(ENVS), n=r.randint(1, 99),
                                mod=r.choice(["client", "config", "settings", "integrations", "notify", "sync", "upload", "jobs"]))
            if p not in self.files:
                return p
        return None

    def emit(self, fb):
        assert fb.path not in self.files, fb.path
        self.files[fb.path] = fb

    # ---------------------------------------------------------------- positive renderers
    def plant(self, fb, ftype, p=None, **pickargs):
        """Render one positive of provider p into fb for file type ftype."""
        r = self.r
        if p is None:
            p = self.pick(**pickargs)
        value, secret = self.value(p)
        env = r.choice(p.envs)
        snake = env.lower()
        if p.shape == "pem":
            return self.plant_pem(fb, ftype, p, value, env)
        R = getattr(self, "r_" + ftype)
        lines = R(p, value, env, snake)
        fb.pos(lines, secret, p)

    def header_line(self, p, value):
        r = self.r
        if p.param:
            return 'curl -s "%s&%s=%s"' % (p.api, p.param, value)
        if p.header:
            return 'curl -sS -H "%s" %s' % (p.header.format(value), p.api)
        return None

    def r_env(self, p, v, env, snake):
        r = self.r
        return r.choice(["%s=%s", '%s="%s"', "export %s=%s"]) % (env, v)

    def r_yaml(self, p, v, env, snake):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return "%s: %s" % (snake, yq(v))
        if k == 1:
            return ["%s:" % p.parent, "  %s: %s" % (p.child, yq(v))]
        if k == 2:
            return ["%s:" % p.parent, "  enabled: true", "  timeout_seconds: %d" % r.choice([5, 10, 30]), "  %s: %s" % (p.child, json.dumps(v))]
        return ["integrations:", "  %s:" % p.parent, "    region: %s" % r.choice(["us-east-1", "eu-west-1", "global"]),
                "    credentials:", "      %s: %s" % (p.child, yq(v))]

    def r_toml(self, p, v, env, snake):
        if self.r.random() < 0.5:
            return '%s = "%s"' % (snake, v)
        return ["", "[%s]" % p.parent, 'endpoint = "https://%s.internal"' % p.parent.replace("_", "-"), '%s = "%s"' % (p.child, v)]

    def r_ini(self, p, v, env, snake):
        if self.r.random() < 0.5:
            return "%s = %s" % (snake, v)
        return ["", "[%s]" % p.parent, "%s = %s" % (p.child, v)]

    def r_properties(self, p, v, env, snake):
        r = self.r
        return r.choice(["%s.%s=%s" % (p.parent.replace("_", "."), p.child.replace("_", "-"), v),
                         "app.%s.%s = %s" % (p.parent, camel(p.child), v)])

    def r_python(self, p, v, env, snake):
        r = self.r
        k = r.randrange(5)
        h = self.header_line(p, v)
        if k == 0:
            return '%s = "%s"' % (env, v)
        if k == 1:
            return ['%s_client = %sClient(' % (p.parent, pascal(p.parent)), '    %s="%s",' % (p.child, v), "    timeout=30,", ")"]
        if k == 2:
            return 'os.environ.setdefault("%s", "%s")' % (env, v)
        if k == 3 and p.header and not p.param and p.shape != "url":
            name, _, tmpl = p.header.partition(": ")
            return ['resp = requests.get(', '    "%s",' % p.api, '    headers={"%s": "%s"},' % (name, tmpl.format(v)), ")"]
        return ["DEFAULTS = {", '    "%s": "%s",' % (snake, v), '    "retries": 3,', "}"]

    def r_js(self, p, v, env, snake):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return "const %s = '%s';" % (env, v)
        if k == 1:
            return ["const %sConfig = {" % camel(p.parent), "  %s: '%s'," % (camel(p.child), v), "  retries: 3,", "};"]
        if k == 2:
            return "const %s = process.env.%s || \"%s\";" % (camel(snake), env, v)
        if p.header and not p.param and p.shape != "url":
            name, _, tmpl = p.header.partition(": ")
            return ["await fetch('%s', {" % p.api, "  headers: { '%s': `%s` }," % (name, tmpl.format(v)), "});"]
        return "export const %s = \"%s\";" % (camel(snake), v)

    def r_go(self, p, v, env, snake):
        r = self.r
        k = r.randrange(3)
        if k == 0:
            return 'const %s = "%s"' % (camel(snake), v)
        if k == 1:
            return '\tos.Setenv("%s", "%s")' % (env, v)
        if p.header and not p.param and p.shape != "url":
            name, _, tmpl = p.header.partition(": ")
            return ['\treq, err = http.NewRequest("GET", "%s", nil)' % p.api, '\treq.Header.Set("%s", "%s")' % (name, tmpl.format(v))]
        return ["var %sCfg = %sConfig{" % (camel(p.parent), pascal(p.parent)), '\t%s: "%s",' % (pascal(p.child), v), "}"]

    def r_java(self, p, v, env, snake):
        r = self.r
        if r.random() < 0.5:
            return '    private static final String %s = "%s";' % (env, v)
        return '        props.put("%s.%s", "%s");' % (p.parent, camel(p.child), v)

    def r_ruby(self, p, v, env, snake):
        r = self.r
        k = r.randrange(3)
        if k == 0:
            return "%s = '%s'" % (env, v)
        if k == 1:
            return ["%s.configure do |config|" % pascal(p.parent), '  config.%s = "%s"' % (p.child, v), "end"]
        return 'ENV["%s"] ||= "%s"' % (env, v)

    def r_shell(self, p, v, env, snake):
        r = self.r
        h = self.header_line(p, v)
        if h and r.random() < 0.5:
            return h
        if p.shape == "url" and r.random() < 0.5:
            return "curl -fsS -X POST -d @payload.json '%s'" % v
        return r.choice(['export %s="%s"', "export %s=%s", "%s='%s' ./bin/run"]) % (env, v)

    def r_dockerfile(self, p, v, env, snake):
        r = self.r
        return r.choice(["ENV %s=%s", "ARG %s=%s", 'ENV %s="%s"']) % (env, v)

    def r_compose(self, p, v, env, snake):
        r = self.r
        if r.random() < 0.5:
            return "      - %s=%s" % (env, v)
        return "      %s: %s" % (env, yq(v))

    def r_k8s(self, p, v, env, snake):
        return ["        - name: %s" % env, "          value: %s" % json.dumps(v)]

    def r_tf(self, p, v, env, snake):
        r = self.r
        k = r.randrange(3)
        if k == 0:
            return ['provider "%s" {' % p.parent, '  %s = "%s"' % (p.child, v), "}", ""]
        if k == 1:
            return ['variable "%s" {' % snake, '  type    = string', '  default = "%s"' % v, "}", ""]
        return ['resource "kubernetes_secret" "%s" {' % p.parent, "  data = {", '    %s = "%s"' % (snake, v), "  }", "}", ""]

    def r_tfvars(self, p, v, env, snake):
        return '%s = "%s"' % (snake, v)

    def r_gha(self, p, v, env, snake):
        return "      %s: %s" % (env, yq(v))

    def r_md(self, p, v, env, snake):
        r = self.r
        h = self.header_line(p, v)
        if h and r.random() < 0.5:
            return ["```bash", h, "```"]
        return ["```bash", "export %s=%s" % (env, v), "```"]

    def plant_pem(self, fb, ftype, p, lines, env):
        r = self.r
        if ftype == "yaml":
            ind = ["    " + l if l else "" for l in lines]
            secret = "\n".join(ind)
            fb.pos(["%s:" % p.parent, "  %s: |" % p.child] + ind, secret, p)
        elif ftype == "python":
            secret = "\n".join(lines)
            body = list(lines)
            body[0] = '%s = """%s' % (env, body[0])
            body[-1] = body[-1] + '"""'
            fb.pos(body, secret, p)
        elif ftype == "tf":
            secret = "\n".join(lines)
            fb.pos(['resource "tls_cert_request" "%s" {' % r.choice(["api", "edge", "mtls"]), "  private_key_pem = <<EOT"] + lines
                   + ["EOT", '  subject { common_name = "api.acme.io" }', "}", ""], secret, p)
        elif ftype == "js":
            secret = "\n".join(lines)
            body = list(lines)
            body[0] = "const %s = `%s" % (camel(env.lower()), body[0])
            body[-1] = body[-1] + "`;"
            fb.pos(body, secret, p)
        else:  # env, shell, compose ...: escaped newlines on one line
            secret = "\\n".join(lines)
            fb.pos('%s="%s"' % (env, secret), secret, p)

    # ---------------------------------------------------------------- negative renderers
    def neg_assign(self, fb, ftype, exclude=()):
        env, v, what = self.pick_neg(exclude)
        snake = env.lower()
        if ftype == "env":
            line = "%s=%s" % (env, v)
        elif ftype in ("yaml", "gha"):
            line = "%s: %s" % (snake if ftype == "yaml" else env, yq(v))
            if ftype == "gha":
                line = "      " + line
        elif ftype == "compose":
            line = "      - %s=%s" % (env, v)
        elif ftype == "k8s":
            fb.neg(["        - name: %s" % env, "          value: %s" % json.dumps(v)], what, needle="value: " + json.dumps(v))
            return
        elif ftype == "toml" or ftype == "tfvars":
            line = '%s = "%s"' % (snake, v)
        elif ftype == "ini":
            line = "%s = %s" % (snake, v)
        elif ftype == "properties":
            line = "app.%s=%s" % (snake.replace("_", "."), v)
        elif ftype == "python":
            line = '%s = "%s"' % (env, v)
        elif ftype == "js":
            line = "const %s = '%s';" % (camel(snake), v)
        elif ftype == "go":
            line = 'const %s = "%s"' % (camel(snake), v)
        elif ftype == "java":
            line = '    private static final String %s = "%s";' % (env, v)
        elif ftype == "ruby":
            line = "%s = '%s'" % (env, v)
        elif ftype in ("shell", "md"):
            line = 'export %s="%s"' % (env, v)
        elif ftype == "dockerfile":
            line = "ENV %s=%s" % (env, v)
        elif ftype == "tf":
            fb.neg(['variable "%s" {' % snake, '  default = "%s"' % v, "}"], what, needle='default = "%s"' % v)
            return
        else:
            raise ValueError(ftype)
        fb.neg(line, what)

    # ================================================================ file generators
    def f_env(self, path, example=False):
        r = self.r
        fb = FB(path)
        fb.add("# %s environment for %s" % (r.choice(ENVS), r.choice(SERVICES)),
               "NODE_ENV=production", "PORT=%d" % r.choice([3000, 8000, 8080]), "LOG_LEVEL=%s" % r.choice(["info", "debug", "warn"]), "")
        if example:
            for name, v, what in [("GITHUB_TOKEN", "", "empty value"), ("STRIPE_SECRET_KEY", "sk_live_...", "placeholder truncated"),
                                  ("DATABASE_URL", "postgres://user:password@localhost:5432/mydb", "placeholder credentials in URL"),
                                  ("OPENAI_API_KEY", "<your-openai-key>", "placeholder <...>"),
                                  ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX", "placeholder webhook")]:
                fb.neg("%s=%s" % (name, v), what)
            fb.add("FEATURE_NEW_CHECKOUT=false")
            return fb
        for _ in range(r.randint(2, 5)):
            fb.add("# %s" % r.choice(["payments", "third-party APIs", "storage", "observability", "notifications", "CI"]))
            self.plant(fb, "env", allow_pem=r.random() < 0.1)
            if r.random() < 0.5:
                fb.add("%s_TIMEOUT_MS=%d" % (r.choice(["HTTP", "DB", "CACHE"]), r.choice([500, 2000, 5000])))
        for _ in range(r.randint(1, 3)):
            self.neg_assign(fb, "env")
        fb.add("", "S3_BUCKET=acme-%s-%s" % (r.choice(SERVICES), r.choice(ENVS)), "ENABLE_TRACING=true")
        return fb

    def f_yaml(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# Application settings", "app:", "  name: %s" % r.choice(SERVICES), "  environment: %s" % r.choice(ENVS),
               "server:", "  host: 0.0.0.0", "  port: %d" % r.choice([8080, 9000]), "logging:", "  level: info", "  format: json")
        for _ in range(r.randint(1, 4)):
            self.plant(fb, "yaml", allow_pem=r.random() < 0.2)
        fb.add("cache:", "  ttl_seconds: 300", "  max_entries: 10000")
        for _ in range(r.randint(1, 3)):
            self.neg_assign(fb, "yaml")
        if r.random() < 0.3:
            fb.neg('template_token: "{{ .Values.%s.token }}"' % r.choice(["slack", "github", "api"]), "template {{ }}")
        return fb

    def f_toml(self, path):
        r = self.r
        fb = FB(path)
        fb.add("[server]", 'bind = "0.0.0.0:8080"', "workers = %d" % r.choice([2, 4, 8]), "", "[features]", "beta = false", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "toml")
        fb.add("")
        for _ in range(r.randint(1, 2)):
            self.neg_assign(fb, "toml")
        return fb

    def f_ini(self, path):
        r = self.r
        fb = FB(path)
        fb.add("[DEFAULT]", "debug = false", "workers = 4", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "ini")
        fb.add("", "[paths]", "data_dir = /var/lib/app")
        for _ in range(r.randint(1, 2)):
            self.neg_assign(fb, "ini")
        return fb

    def f_properties(self, path):
        r = self.r
        fb = FB(path)
        fb.add("spring.application.name=%s" % r.choice(SERVICES), "server.port=8080",
               "spring.datasource.url=jdbc:postgresql://db.internal:5432/app", "spring.datasource.username=app")
        if r.random() < 0.5:
            pw = T.password(r)
            fb.pos("spring.datasource.password=%s" % pw, pw, P_GENERIC_PW)
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "properties")
        fb.neg("spring.datasource.password=${DB_PASSWORD}", "env reference ${VAR}")
        self.neg_assign(fb, "properties")
        fb.add("management.endpoints.web.exposure.include=health,info")
        return fb

    def f_json(self, path):
        r = self.r
        jb = JB(path)
        obj = {"name": r.choice(SERVICES), "version": "%d.%d.%d" % (r.randint(0, 3), r.randint(0, 20), r.randint(0, 9)),
               "server": {"port": 8080, "cors": ["https://app.acme.io"]}}
        for _ in range(r.randint(1, 4)):
            p = self.pick(allow_pem=r.random() < 0.15)
            value, secret = self.value(p)
            if p.shape == "pem":
                value = "\n".join(value)
                secret = value
            if r.random() < 0.5:
                setuniq(obj.setdefault(p.parent, {}), camel(p.child), value)
            else:
                setuniq(obj, camel(r.choice(p.envs).lower()), value)
            jb.pos(secret, p)
        for _ in range(r.randint(1, 3)):
            env, v, what = self.pick_neg(exclude=("empty value",))
            setuniq(obj.setdefault("defaults", {}), camel(env.lower()), jb.neg(v, what))
        if r.random() < 0.4:
            obj["build"] = {"commit": jb.neg(T.sha1_hex(r), "git SHA"), "checksum": jb.neg(T.sha256_hex(r), "sha256 hex")}
        return jb.finish(obj)

    def f_python(self, path):
        r = self.r
        fb = FB(path)
        fb.add('"""%s integration."""' % r.choice(SERVICES).title(), "import logging", "import os", "", "import requests", "",
               "log = logging.getLogger(__name__)", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "python", allow_pem=r.random() < 0.15)
            fb.add("")
        negs = [
            ('DB_PASSWORD = os.environ["DB_PASSWORD"]', "os.environ lookup"),
            ('api_key = os.getenv("STRIPE_API_KEY")', "os.getenv lookup"),
            ("    password: str", "type annotation"),
            ("    api_key: Optional[str] = None", "type annotation"),
            ('PASSWORD_FIELD = "password"', "field name"),
            ('token = request.headers.get("Authorization", "").removeprefix("Bearer ")', "header parsing"),
            ('secret = settings.SECRET_KEY', "attribute reference"),
            ('log.info("token refreshed for %s", user_id)', "log message"),
        ]
        for line, what in r.sample(negs, r.randint(1, 3)):
            if line.startswith("    "):
                fb.add("", "@dataclass", "class %sCredentials:" % pascal(r.choice(SERVICES)), "    username: str")
            fb.neg(line, what)
        fb.add("", "", "def ping():", '    return requests.get("https://status.acme.io/health", timeout=5).ok')
        if r.random() < 0.4:
            self.neg_assign(fb, "python")
        return fb

    def f_js(self, path):
        r = self.r
        fb = FB(path)
        fb.add("'use strict';", "", "import axios from 'axios';", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "js", allow_pem=r.random() < 0.1)
            fb.add("")
        negs = [
            ("const token = process.env.GITHUB_TOKEN;", "process.env lookup"),
            ("  password: string;", "type annotation"),
            ("const apiKey = config.get('stripe.secretKey');", "config lookup"),
            ("const PASSWORD_REGEX = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{12,}$/;", "regex"),
            ("  secret: PropTypes.string.isRequired,", "prop type"),
            ('<input type="password" name="password" autocomplete="current-password" />', "html attribute"),
        ]
        for line, what in r.sample(negs, r.randint(1, 2)):
            fb.neg(line, what)
        if r.random() < 0.4:
            self.neg_assign(fb, "js")
        fb.add("", "export default async function handler(req, res) {", "  res.status(200).json({ ok: true });", "}")
        return fb

    def f_go(self, path):
        r = self.r
        fb = FB(path)
        fb.add("package %s" % r.choice(["main", "client", "config"]), "", "import (", '\t"net/http"', '\t"os"', ")", "")
        fb.neg(['type Credentials struct {', '\tPassword string `json:"password"`', "}"], "struct field", needle="Password string")
        consts, calls = [], []
        for _ in range(r.randint(1, 3)):
            sub = FB(path)
            self.plant(sub, "go")
            (calls if sub.lines[0].startswith("\t") else consts).append(sub)
        for sub in consts:
            self._merge(fb, sub)
            fb.add("")
        fb.add("func newRequest() (*http.Request, error) {", '\treq, err := http.NewRequest("GET", "https://api.acme.io/v1/items", nil)')
        fb.neg('\ttoken := os.Getenv("API_TOKEN")', "os.Getenv lookup")
        for sub in calls:
            self._merge(fb, sub)
        fb.add("\treturn req, err", "}")
        return fb

    def _merge(self, fb, sub):
        off = len(fb.lines)
        fb.lines.extend(sub.lines)
        for l in sub.labels:
            l = dict(l)
            l["line"] += off
            fb.labels.append(l)

    def f_java(self, path):
        r = self.r
        fb = FB(path)
        cls = pascal(r.choice(SERVICES)) + "Client"
        fb.add("package com.acme.%s;" % r.choice(SERVICES), "", "import java.util.Properties;", "", "public class %s {" % cls)
        for _ in range(r.randint(1, 2)):
            sub = FB(path)
            self.plant(sub, "java")
            self._merge(fb, sub)
        fb.neg("    private String password;", "field declaration")
        fb.neg('    @Value("${stripe.secret-key}") private String stripeKey;', "Spring placeholder")
        fb.add("", "    public Properties props() {", "        Properties props = new Properties();")
        fb.add('        props.put("bootstrap.servers", "kafka.internal:9092");', "        return props;", "    }", "}")
        return fb

    def f_ruby(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# frozen_string_literal: true", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "ruby")
            fb.add("")
        fb.neg('Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY")', "ENV.fetch lookup")
        fb.neg("secret = Rails.application.credentials.dig(:aws, :secret_access_key)", "credentials lookup")
        return fb

    def f_shell(self, path):
        r = self.r
        fb = FB(path)
        fb.add("#!/usr/bin/env bash", "set -euo pipefail", "", 'cd "$(dirname "$0")/.."', "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "shell", allow_pem=r.random() < 0.1)
        fb.neg('curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com/user', "env reference ${VAR}")
        if r.random() < 0.5:
            sha = T.sha256_hex(r)
            fb.neg('echo "%s  terraform_1.7.5_linux_amd64.zip" | sha256sum -c -' % sha, "sha256 hex")
        if r.random() < 0.2:
            pw = T.password(r)
            fb.pos("mysql -h db.internal -u root -p'%s' app < dump.sql" % pw, pw, P_GENERIC_PW)
        if r.random() < 0.5:
            self.neg_assign(fb, "shell")
        fb.add('echo "done"')
        return fb

    def f_dockerfile(self, path):
        r = self.r
        fb = FB(path)
        fb.add("FROM python:3.12-slim AS base", "WORKDIR /app", "COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt")
        for _ in range(r.randint(1, 2)):
            self.plant(fb, "dockerfile")
        fb.neg("FROM nginx@sha256:%s" % T.sha256_hex(r), "image digest")
        fb.neg("ARG NPM_TOKEN", "ARG without value")
        fb.add("COPY . .", 'CMD ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]')
        return fb

    def f_compose(self, path):
        r = self.r
        fb = FB(path)
        fb.add("services:", "  api:", "    build: .", "    ports:", '      - "8080:8080"', "    environment:")
        for _ in range(r.randint(1, 4)):
            self.plant(fb, "compose")
        self.neg_assign(fb, "compose")
        fb.add("  db:", "    image: postgres:16", "    environment:")
        pw = T.password(r)
        fb.pos("      POSTGRES_PASSWORD: %s" % pw, pw, P_GENERIC_PW)
        fb.neg("      POSTGRES_USER: postgres", "username")
        fb.add("    volumes:", "      - pgdata:/var/lib/postgresql/data", "volumes:", "  pgdata: {}")
        return fb

    def f_k8s_deploy(self, path):
        r = self.r
        fb = FB(path)
        svc = r.choice(SERVICES)
        fb.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % svc, "spec:", "  replicas: 3", "  template:",
               "    spec:", "      containers:", "      - name: %s" % svc, "        image: ghcr.io/acme/%s:1.4.2" % svc, "        env:")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "k8s")
        fb.neg(["        - name: DB_PASSWORD", "          valueFrom:", "            secretKeyRef:", "              name: db-credentials",
                "              key: password"], "secretKeyRef", needle="key: password")
        self.neg_assign(fb, "k8s")
        return fb

    def f_k8s_secret(self, path):
        r = self.r
        fb = FB(path)
        fb.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: %s-secrets" % r.choice(SERVICES), "type: Opaque", "stringData:")
        for _ in range(r.randint(1, 3)):
            p = self.pick()
            v, s = self.value(p)
            fb.pos("  %s: %s" % (r.choice(p.envs).lower().replace("_", "-"), json.dumps(v)), s, p)
        if r.random() < 0.5:
            pw = T.password(r)
            fb.pos("  password: %s" % json.dumps(pw), pw, P_GENERIC_PW)
        return fb

    def f_helm_values(self, path):
        r = self.r
        fb = FB(path)
        fb.add("replicaCount: 2", "image:", "  repository: ghcr.io/acme/%s" % r.choice(SERVICES), "  tag: 1.8.0", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "yaml")
        fb.neg('  password: "{{ .Values.global.dbPassword }}"', "template {{ }}")
        fb.neg("existingSecret: %s-credentials" % r.choice(SERVICES), "secret name")
        return fb

    def f_helm_template(self, path):
        fb = FB(path)
        fb.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: {{ include \"app.fullname\" . }}", "stringData:")
        fb.neg("  api-key: {{ .Values.apiKey | quote }}", "template {{ }}")
        fb.neg("  db-password: {{ required \"db password\" .Values.db.password | quote }}", "template {{ }}")
        fb.neg("  slack-token: {{ .Values.slack.token }}", "template {{ }}")
        return fb

    def f_tf(self, path):
        r = self.r
        fb = FB(path)
        fb.add("terraform {", '  required_version = ">= 1.5"', "}", "")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "tf", allow_pem=r.random() < 0.15)
        fb.neg(['resource "aws_db_instance" "main" {', '  password = var.db_password', "}"], "terraform var reference",
               needle="password = var.db_password")
        if r.random() < 0.5:
            self.neg_assign(fb, "tf")
        return fb

    def f_tfvars(self, path):
        r = self.r
        fb = FB(path)
        fb.add('region = "eu-west-1"', 'environment = "%s"' % r.choice(ENVS))
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "tfvars")
        self.neg_assign(fb, "tfvars")
        return fb

    def f_gha(self, path):
        r = self.r
        fb = FB(path)
        fb.add("name: %s" % r.choice(["CI", "Release", "Deploy", "Nightly"]), "on:", "  push:", "    branches: [main]", "jobs:", "  build:",
               "    runs-on: ubuntu-latest", "    env:")
        for _ in range(r.randint(1, 3)):
            self.plant(fb, "gha")
        fb.neg("      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "CI secret reference")
        fb.add("    steps:", "      - uses: actions/checkout@%s" % T.sha1_hex(r), "      - run: make test")
        fb.labels.append({"path": path, "line": len(fb.lines) - 1, "kind": "negative", "what": "git SHA (pinned action)"})
        if r.random() < 0.5:
            p = self.pick(allow_url=False, allow_pem=False, keyword_ok=False)
            v, s = self.value(p)
            h = self.header_line(p, v) or "./scripts/publish.sh --token %s" % v
            fb.pos("      - run: %s" % h, s, p)
        return fb

    def f_gitlab_ci(self, path):
        r = self.r
        fb = FB(path)
        fb.add("stages: [test, deploy]", "variables:")
        for _ in range(r.randint(1, 3)):
            p = self.pick()
            v, s = self.value(p)
            fb.pos("  %s: %s" % (r.choice(p.envs), yq(v)), s, p)
        fb.neg('  DOCKER_AUTH_CONFIG: "$DOCKER_AUTH_CONFIG"', "env reference ${VAR}")
        fb.add("deploy:", "  stage: deploy", "  script:", "    - ./scripts/deploy.sh")
        return fb

    def f_md(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# %s" % r.choice(SERVICES).title(), "", "Internal service. See the runbook for on-call details.", "", "## Setup", "")
        fb.add("Copy `.env.example` to `.env` and fill in your own keys:", "", "```bash")
        fb.neg("export STRIPE_SECRET_KEY=sk_live_<your key>", "placeholder <...>")
        fb.neg("export GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "placeholder with provider prefix")
        fb.add("```", "")
        if r.random() < 0.6:
            fb.add("Quick test against staging (temporary key, rotate after the demo):", "")
            self.plant(fb, "md")
            fb.add("")
        fb.add("## API", "", "Send the key in the `Authorization` header: `Authorization: Bearer <token>`.")
        if r.random() < 0.5:
            fb.add("", "Example response:", "", "```json")
            fb.neg('{"id": "%s", "status": "ok"}' % T.uuid4(r), "UUID identifier")
            fb.add("```")
        if r.random() < 0.3:
            fb.add("", "![diagram](data:image/png;base64,")
            fb.neg(T.png_base64(r, 300) + ")", "base64 image")
        return fb

    def f_changelog(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# Changelog", "")
        for i in range(r.randint(4, 8)):
            fb.add("## %d.%d.0" % (2, 10 - i), "")
            sha = T.sha1_hex(r)
            fb.neg("- Fix token refresh race ([%s](https://github.com/acme/api/commit/%s))" % (sha[:7], sha), "git SHA")
            fb.add("- Rotate signing keys automatically", "")
        return fb

    def f_fixture(self, path):
        r = self.r
        jb = JB(path)
        users = []
        for i in range(r.randint(2, 4)):
            users.append({"id": jb.neg(T.uuid4(r), "UUID identifier"), "email": "user%d@example.com" % i,
                          "password": jb.neg(r.choice(["test", "password", "hunter2", "dummy"]), "test value"),
                          "password_hash": jb.neg("$argon2id$v=19$m=65536,t=3,p=4$" + T.rs(r, T.B64, 22) + "$" + T.rs(r, T.B64, 43), "password hash (argon2)")})
        obj = {"users": users, "api_key": jb.neg("test-api-key-%d" % r.randint(1, 9), "test value"),
               "github_token": jb.neg(T.github_bad_crc(r), "lookalike: GitHub token with bad CRC32"),
               "npm_token": jb.neg("npm_" + "0" * 36, "lookalike: low-entropy npm_"),
               "aws": {"access_key_id": jb.neg("AKIAIOSFODNN7EXAMPLE", "AWS documentation example key")}}
        return jb.finish(obj)

    def f_locale(self, path):
        jb = JB(path)
        obj = {"login": {"password": jb.neg("Password", "i18n string"), "passwordPlaceholder": jb.neg("Enter your password", "i18n string"),
                         "forgot": "Forgot password?", "token_expired": jb.neg("Your session token has expired", "i18n string")},
               "settings": {"api_key": jb.neg("API key", "i18n string"), "secret": jb.neg("Secret", "i18n string"),
                            "apiKeyHelp": jb.neg("Create an API key in Settings > Developers", "i18n string"),
                            "client_secret": jb.neg("Client secret", "i18n string")}}
        return jb.finish(obj)

    def f_package_lock(self, path):
        r = self.r
        jb = JB(path)
        pkgs = {"": {"name": "web", "version": "1.0.0"}}
        for name in r.sample(["react", "react-dom", "lodash", "axios", "express", "debug", "ms", "chalk", "commander", "semver", "uuid",
                              "yargs", "zod", "dayjs", "classnames", "tslib", "rxjs", "qs", "cookie", "mime"], 12):
            ver = "%d.%d.%d" % (r.randint(1, 18), r.randint(0, 20), r.randint(0, 9))
            pkgs["node_modules/" + name] = {"version": ver, "resolved": "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (name, name, ver),
                                            "integrity": jb.neg(T.sri_sha512(r), "lockfile integrity")}
        return jb.finish({"name": "web", "lockfileVersion": 3, "requires": True, "packages": pkgs})

    def f_yarn_lock(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1", "")
        for name in r.sample(["ansi-regex", "balanced-match", "brace-expansion", "color-name", "escape-string-regexp", "has-flag",
                              "inherits", "once", "wrappy", "supports-color", "minimatch", "glob"], 8):
            ver = "%d.%d.%d" % (r.randint(1, 9), r.randint(0, 9), r.randint(0, 9))
            fb.add('%s@^%s:' % (name, ver), '  version "%s"' % ver,
                   '  resolved "https://registry.yarnpkg.com/%s/-/%s-%s.tgz#%s"' % (name, name, ver, T.sha1_hex(r)))
            fb.labels.append({"path": path, "line": len(fb.lines), "kind": "negative", "what": "lockfile resolved sha1"})
            fb.neg("  integrity %s" % T.sri_sha512(r), "lockfile integrity")
            fb.add("")
        return fb

    def f_go_sum(self, path):
        r = self.r
        fb = FB(path)
        for mod in r.sample(["github.com/spf13/cobra", "github.com/stretchr/testify", "golang.org/x/sys", "golang.org/x/net",
                             "google.golang.org/grpc", "github.com/google/uuid", "go.uber.org/zap", "github.com/pkg/errors"], 6):
            ver = "v%d.%d.%d" % (r.randint(0, 1), r.randint(0, 40), r.randint(0, 9))
            fb.neg("%s %s h1:%s" % (mod, ver, T.b64(T.rbytes(r, 32))), "go.sum hash")
            fb.neg("%s %s/go.mod h1:%s" % (mod, ver, T.b64(T.rbytes(r, 32))), "go.sum hash")
        return fb

    def f_cargo_lock(self, path):
        r = self.r
        fb = FB(path)
        fb.add("# This file is automatically @generated by Cargo.", "version = 3", "")
        for name in r.sample(["serde", "anyhow", "regex", "memchr", "libc", "rand", "clap", "tokio", "bytes", "itoa"], 6):
            fb.add("[[package]]", 'name = "%s"' % name, 'version = "%d.%d.%d"' % (r.randint(0, 1), r.randint(0, 99), r.randint(0, 9)),
                   'source = "registry+https://github.com/rust-lang/crates.io-index"')
            fb.neg('checksum = "%s"' % T.sha256_hex(r), "lockfile checksum")
            fb.add("")
        return fb

    def f_poetry_lock(self, path):
        r = self.r
        fb = FB(path)
        for name in r.sample(["requests", "urllib3", "certifi", "idna", "charset-normalizer", "pydantic", "click"], 4):
            ver = "%d.%d.%d" % (r.randint(1, 3), r.randint(0, 30), r.randint(0, 9))
            fb.add("[[package]]", 'name = "%s"' % name, 'version = "%s"' % ver, "files = [")
            fb.neg('    {file = "%s-%s-py3-none-any.whl", hash = "sha256:%s"},' % (name, ver, T.sha256_hex(r)), "lockfile hash")
            fb.neg('    {file = "%s-%s.tar.gz", hash = "sha256:%s"},' % (name, ver, T.sha256_hex(r)), "lockfile hash")
            fb.add("]", "")
        return fb

    def f_keyfile(self, path):
        fb = FB(path)
        p = P_PEM
        self.use[p.id] += 1
        lines = T.private_key_lines(self.r)
        fb.pos(lines, "\n".join(lines), p)
        return fb

    def f_public(self, path, kind):
        r = self.r
        fb = FB(path)
        if kind == "cert":
            fb.neg(T.certificate_pem(r), "certificate")
            if r.random() < 0.5:
                fb.neg(T.certificate_pem(r), "certificate")
        elif kind == "pub":
            fb.neg(T.public_key_pem(r), "public key")
        else:
            for _ in range(r.randint(2, 4)):
                fb.neg(T.ssh_public_key(r), "ssh public key")
        return fb

    def f_minjs(self, path):
        r = self.r
        fb = FB(path)
        fb.add("/*! app bundle | (c) acme */")
        idents = ",".join("%s:function(%s){return %s}" % (T.rs(r, T.LETTERS, 1) + T.rs(r, T.ALNUM, r.randint(20, 40)), "e", T.rs(r, T.LETTERS, 2))
                          for _ in range(6))
        fb.neg("!function(){var t={%s};window.__chunks={%s}}();" % (idents, ",".join('"%s":"%s"' % (r.randint(100, 999), T.rs(r, T.HEX, 20))
                                                                                        for _ in range(8))), "minified identifiers")
        fb.neg('var cls="css-%s css-%s",k="%s";' % (T.rs(r, T.LOWNUM, 7), T.rs(r, T.LOWNUM, 7), T.rs(r, T.ALNUM, 40)), "minified identifiers")
        fb.neg("//# sourceMappingURL=data:application/json;charset=utf-8;base64," + T.b64(json.dumps(
            {"version": 3, "sources": ["src/index.ts"], "mappings": T.rs(r, T.LETTERS + ";,", 300)}).encode()), "source map base64")
        return fb

    def f_html(self, path):
        r = self.r
        fb = FB(path)
        fb.add("<!doctype html>", "<html>", "<head>", '  <meta charset="utf-8">')
        fb.neg('  <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.min.js" integrity="sha384-%s" crossorigin="anonymous"></script>'
               % T.b64(T.rbytes(r, 48)), "SRI integrity")
        fb.add("</head>", "<body>")
        fb.neg('  <img alt="logo" src="data:image/png;base64,%s">' % T.png_base64(r, 900), "base64 image")
        fb.neg('  <form><input type="password" name="password" placeholder="Password"></form>', "html attribute")
        fb.add("</body>", "</html>")
        return fb

    def f_sql(self, path):
        r = self.r
        fb = FB(path)
        fb.add("CREATE TABLE users (", "  id UUID PRIMARY KEY,", "  email TEXT NOT NULL,")
        fb.neg("  password_hash VARCHAR(255) NOT NULL,", "type name")
        fb.neg("  api_token TEXT,", "type name")
        fb.add("  created_at TIMESTAMPTZ DEFAULT now()", ");")
        fb.neg("INSERT INTO settings (key, value) VALUES ('password_min_length', '12');", "policy number")
        return fb

    # ---- credential files with fixed syntax ----
    def f_npmrc(self, path):
        r = self.r
        fb = FB(path)
        fb.add("registry=https://registry.npmjs.org/", "save-exact=true")
        tok = T.npm_token(r)
        self.use[P_NPM.id] += 1
        fb.pos("//registry.npmjs.org/:_authToken=%s" % tok, tok, P_NPM)
        if r.random() < 0.5:
            fb.neg("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env reference ${VAR}")
        return fb

    def f_pypirc(self, path):
        r = self.r
        fb = FB(path)
        tok = T.pypi_token(r)
        self.use[P_PYPI.id] += 1
        fb.add("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
        fb.pos("password = %s" % tok, tok, P_PYPI)
        pw = T.password(r)
        fb.add("", "[internal]", "repository = https://pypi.internal.acme.io/", "username = release-bot")
        fb.pos("password = %s" % pw, pw, P_GENERIC_PW)
        return fb

    def f_netrc(self, path):
        r = self.r
        fb = FB(path)
        pw = T.password(r)
        fb.pos("machine artifacts.internal.acme.io login deploy password %s" % pw, pw, P_GENERIC_PW)
        tok = T.github_classic(r)
        fb.pos("machine api.github.com login acme-bot password %s" % tok, tok, P_BY_ID["github/pat-classic"])
        return fb

    def f_docker_config(self, path):
        r = self.r
        jb = JB(path)
        auth = T.b64(("ci-bot:%s" % T.password(r)).encode())
        obj = {"auths": {"registry.internal.acme.io": {"auth": jb.pos(auth, P_DOCKER_AUTH)},
                         "https://index.docker.io/v1/": {"auth": jb.pos(T.b64(("acme:%s" % T.dockerhub_pat(r)).encode()), P_DOCKER_AUTH)}},
               "credsStore": "desktop"}
        return jb.finish(obj, indent="\t")

    def f_aws_credentials(self, path):
        r = self.r
        fb = FB(path)
        for prof in ["default", r.choice(["prod", "deploy", "ci"])]:
            fb.add("[%s]" % prof)
            kid = T.aws_key_id(r)
            fb.pos("aws_access_key_id = %s" % kid, kid, P_BY_ID["aws/access-key-id"])
            sec = T.aws_secret_key(r)
            fb.pos("aws_secret_access_key = %s" % sec, sec, P_BY_ID["aws/secret-access-key"])
            fb.add("region = %s" % r.choice(["us-east-1", "eu-west-1"]), "")
        return fb

    def f_cargo_credentials(self, path):
        fb = FB(path)
        tok = T.crates_token(self.r)
        fb.add("[registry]")
        fb.pos('token = "%s"' % tok, tok, P_BY_ID["crates-io/token"])
        return fb

    def f_gem_credentials(self, path):
        fb = FB(path)
        tok = T.rubygems_token(self.r)
        fb.add("---")
        fb.pos(":rubygems_api_key: %s" % tok, tok, P_BY_ID["rubygems/api-key"])
        return fb

    def f_nuget_config(self, path):
        r = self.r
        fb = FB(path)
        fb.add('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <apikeys>")
        key = T.nuget_key(r)
        fb.pos('    <add key="https://www.nuget.org/api/v2/package" value="%s" />' % key, key, P_BY_ID["nuget/api-key"])
        fb.add("  </apikeys>", "  <packageSourceCredentials>", "    <internal>", '      <add key="Username" value="build" />')
        pw = T.password(r)
        fb.pos('      <add key="ClearTextPassword" value="%s" />' % pw, pw, P_GENERIC_PW)
        fb.add("    </internal>", "  </packageSourceCredentials>", "</configuration>")
        return fb

    def f_gcp_sa(self, path):
        r = self.r
        jb = JB(path)
        key = "\n".join(T.pkcs8_private_pem(r)) + "\n"
        proj = r.choice(["acme-prod-3812", "billing-data-1193", "ml-platform-77"])
        obj = {"type": "service_account", "project_id": proj, "private_key_id": jb.neg(T.sha1_hex(r), "key id (identifier)"),
               "private_key": jb.pos(key.rstrip("\n"), P_GCP_SA) and key,
               "client_email": "deployer@%s.iam.gserviceaccount.com" % proj, "client_id": T.digits(r, 21),
               "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"}
        return jb.finish(obj)

    def f_kubeconfig(self, path):
        r = self.r
        fb = FB(path)
        cert = T.b64("\n".join(T.certificate_pem(r)).encode())
        key = T.b64(("\n".join(T.ec_private_pem(r)) + "\n").encode())
        fb.add("apiVersion: v1", "kind: Config", "clusters:", "- cluster:")
        fb.neg("    certificate-authority-data: %s" % cert, "certificate (base64)")
        fb.add("    server: https://10.0.0.1:6443", "  name: prod", "users:", "- name: admin", "  user:")
        fb.neg("    client-certificate-data: %s" % cert, "certificate (base64)")
        fb.pos("    client-key-data: %s" % key, key, P_KUBE)
        if r.random() < 0.5:
            fb.add("- name: ci", "  user:")
            tok = T.jwt_token(r)
            fb.pos("    token: %s" % tok, tok, P_BY_ID["jwt/bearer"])
        return fb

    def f_kubeadm(self, path):
        r = self.r
        fb = FB(path)
        fb.add("apiVersion: kubeadm.k8s.io/v1beta3", "kind: InitConfiguration", "bootstrapTokens:")
        tok = T.kube_bootstrap_token(r)
        fb.pos("- token: %s" % tok, tok, P_KUBE_BOOT)
        fb.add("  ttl: 24h0m0s", "  usages: [signing, authentication]")
        return fb

    # ================================================================ plan
    def build(self):
        r = self.r
        fixed = [
            (".env", self.f_env), (".env.production", self.f_env), (".env.example", lambda p: self.f_env(p, example=True)),
            (".npmrc", self.f_npmrc), (".pypirc", self.f_pypirc), (".netrc", self.f_netrc), (".docker/config.json", self.f_docker_config),
            (".aws/credentials", self.f_aws_credentials), (".cargo/credentials.toml", self.f_cargo_credentials),
            (".gem/credentials", self.f_gem_credentials), ("NuGet.Config", self.f_nuget_config),
            ("deploy/gcp-service-account.json", self.f_gcp_sa), ("deploy/kubeconfig", self.f_kubeconfig),
            ("deploy/kubeadm-config.yaml", self.f_kubeadm),
            ("deploy/id_rsa", self.f_keyfile), ("keys/signing.pem", self.f_keyfile), (".ssh/id_ed25519", self.f_keyfile),
            ("certs/ca.crt", lambda p: self.f_public(p, "cert")), ("certs/server.crt", lambda p: self.f_public(p, "cert")),
            ("keys/signing.pub.pem", lambda p: self.f_public(p, "pub")), (".ssh/authorized_keys", lambda p: self.f_public(p, "ssh")),
            ("package-lock.json", self.f_package_lock), ("yarn.lock", self.f_yarn_lock), ("go.sum", self.f_go_sum),
            ("Cargo.lock", self.f_cargo_lock), ("poetry.lock", self.f_poetry_lock), ("web/src/locales/en.json", self.f_locale),
            ("web/src/locales/de.json", self.f_locale), ("web/dist/app.min.js", self.f_minjs), ("web/public/index.html", self.f_html),
            ("db/migrations/001_init.sql", self.f_sql), ("README.md", self.f_md), ("CHANGELOG.md", self.f_changelog),
            ("docker-compose.yml", self.f_compose), ("Dockerfile", self.f_dockerfile), (".gitlab-ci.yml", self.f_gitlab_ci),
            ("charts/app/values.yaml", self.f_helm_values), ("charts/app/templates/secret.yaml", self.f_helm_template),
            ("infra/terraform.tfvars", self.f_tfvars), ("config/application.properties", self.f_properties),
        ]
        pool = [
            (10, "services/{svc}/.env", self.f_env), (4, "deploy/{env}.env", self.f_env),
            (10, "config/{svc}.yaml", self.f_yaml), (6, "services/{svc}/config/settings.yml", self.f_yaml),
            (6, "config/{svc}.json", self.f_json), (3, "services/{svc}/appsettings.json", self.f_json),
            (4, "config/{svc}.toml", self.f_toml), (3, "config/{svc}.ini", self.f_ini),
            (3, "services/{svc}/src/main/resources/application-{env}.properties", self.f_properties),
            (10, "services/{svc}/app/{mod}.py", self.f_python), (4, "scripts/{mod}_{n}.py", self.f_python),
            (8, "web/src/{mod}/{svc}.js", self.f_js), (3, "web/src/api/{svc}.ts", self.f_js),
            (6, "services/{svc}/internal/{mod}/{mod}.go", self.f_go), (4, "services/{svc}/src/main/java/com/acme/{svc}/Client{n}.java", self.f_java),
            (4, "config/initializers/{svc}.rb", self.f_ruby), (6, "scripts/{mod}-{svc}.sh", self.f_shell),
            (4, "services/{svc}/Dockerfile", self.f_dockerfile), (3, "services/{svc}/docker-compose.{env}.yml", self.f_compose),
            (6, "k8s/{env}/{svc}-deployment.yaml", self.f_k8s_deploy), (4, "k8s/{env}/{svc}-secret.yaml", self.f_k8s_secret),
            (3, "charts/{svc}/values-{env}.yaml", self.f_helm_values), (5, "infra/{svc}/main.tf", self.f_tf),
            (2, "infra/envs/{env}-{svc}.tfvars", self.f_tfvars), (5, ".github/workflows/{mod}-{svc}.yml", self.f_gha),
            (5, "docs/{svc}.md", self.f_md), (3, "docs/{svc}-{mod}.md", self.f_md),
            (4, "tests/fixtures/{svc}_{n}.json", self.f_fixture), (2, "services/{svc}/CHANGELOG.md", self.f_changelog),
            (2, "keys/{svc}-{env}.pem", self.f_keyfile), (1, "certs/{svc}.crt", lambda p: self.f_public(p, "cert")),
            (1, "services/{svc}/web/index.html", self.f_html), (1, "web/dist/{svc}.{n}.min.js", self.f_minjs),
        ]
        for path, fn in fixed:
            self.emit(fn(path))
        weights = [w for w, _, _ in pool]
        while len(self.files) < self.nfiles:
            _, tmpl, fn = r.choices(pool, weights)[0]
            path = self.path(tmpl)
            if path is None:
                continue
            self.emit(fn(path))


P_BY_ID = {p.id: p for p in PROVIDERS}
P_GENERIC_PW = P_BY_ID["generic-password/password"]
P_PEM = P_BY_ID["private-key/pem"]
P_NPM = P_BY_ID["npm/access-token"]
P_PYPI = P_BY_ID["pypi/api-token"]
P_DOCKER_AUTH = P("docker-auth", "config-auth", None, [], "docker", "auth")
P_GCP_SA = P("gcp", "service-account-key", None, [], "gcp", "private_key")
P_KUBE = P("kubernetes", "kubeconfig-client-key", None, [], "kubeconfig", "client-key-data")
P_KUBE_BOOT = P("kubernetes", "bootstrap-token", None, [], "kubeadm", "token")


def verify(root, labels):
    """Every positive label's secret is in its file and starts on its line."""
    cache = {}
    for l in labels:
        if l["path"] not in cache:
            with open(os.path.join(root, l["path"]), encoding="utf-8") as f:
                cache[l["path"]] = f.read().split("\n")
        lines = cache[l["path"]]
        if l["kind"] == "positive":
            text = "\n".join(lines)
            assert l["secret"] in text, l
            first = l["secret"].split("\n")[0].strip()
            assert first in lines[l["line"] - 1], (l, lines[l["line"] - 1])
        else:
            assert 1 <= l["line"] <= len(lines), l


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=300, help="number of files (default 300; at least the ~40 fixed ones)")
    args = ap.parse_args()
    g = Gen(args.seed, args.files)
    g.build()
    if os.path.exists(args.outdir):
        if os.path.exists(os.path.join(args.outdir, "labels.json")) or not os.listdir(args.outdir):
            shutil.rmtree(args.outdir)
        else:
            sys.exit("refusing to overwrite %s: not empty and has no labels.json" % args.outdir)
    labels = []
    for path in sorted(g.files):
        fb = g.files[path]
        full = os.path.join(args.outdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(fb.text())
        labels.extend(fb.labels)
    labels.sort(key=lambda l: (l["path"], l["line"], l["kind"]))
    verify(args.outdir, labels)
    with open(os.path.join(args.outdir, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
        f.write("\n")
    pos = [l for l in labels if l["kind"] == "positive"]
    fams = sorted({l["family"] for l in pos})
    print("%s: %d files, %d positives (%d families, %d provider kinds), %d hard negatives" % (
        args.outdir, len(g.files), len(pos), len(fams), len({l["provider"] for l in pos}), len(labels) - len(pos)))


if __name__ == "__main__":
    main()
