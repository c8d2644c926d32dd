#!/bin/sh
# Runway registration hook: the "workload calls back to GitLab to finalize the registration" step of a GitLab-managed
# self-hosted turn-up (docs/self-managed.md, "Registration callback"). A Helm post-install and post-upgrade hook runs
# it once per install and upgrade. It calls GitLab's registration API with the registration token, retries what can
# pass (429, 5xx, a network error), and records the outcome in the status ConfigMap through the Kubernetes API.
#
# It exits 0 once the outcome is recorded, whatever GitLab answered: a refused registration must not roll back or
# uninstall a healthy workload. It exits non-zero only when it cannot record the outcome, which fails the release.
#
# The token never reaches an argument list, the log or the status: it is read from the mounted Secret into a header
# file on a memory-backed volume, and an answer that contains it is not recorded.
# Needs a POSIX sh, curl 7.55 or later (-H @file), sed -E, tr, cut, grep and date.
set -u
umask 077

log() { printf 'registration: %s\n' "$*"; }

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# One line of printable ASCII (every other byte becomes a space), at most $2 characters.
printable() { printf '%s' "$1" | LC_ALL=C tr -c '\040-\176' ' ' | cut -c "1-$2"; }

# $1 as a JSON string.
json() {
  s=$(printable "$1" 1024 | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
  printf '"%s"' "$s"
}

need() {
  eval "v=\${$1:-}"
  if [ -z "$v" ]; then
    log "$1 is not set: the chart sets it from registration.* values"
    exit 2
  fi
}
for v in RUNWAY_GITLAB_URL RUNWAY_TOKEN_FILE RUNWAY_KUBE_DIR RUNWAY_NAMESPACE RUNWAY_STATUS_CONFIGMAP KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT; do need "$v"; done

gitlab=$RUNWAY_GITLAB_URL
while [ "${gitlab%/}" != "$gitlab" ]; do gitlab=${gitlab%/}; done
endpoint="$gitlab/api/v4/runway/registrations"
attempts=${RUNWAY_ATTEMPTS:-5}
backoff=${RUNWAY_BACKOFF_SECONDS:-2}
request_timeout=${RUNWAY_REQUEST_TIMEOUT_SECONDS:-20}
work=${TMPDIR:-/tmp}
case $KUBERNETES_SERVICE_HOST in
  *:*) api="https://[$KUBERNETES_SERVICE_HOST]:$KUBERNETES_SERVICE_PORT" ;;
  *) api="https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT" ;;
esac
status_url="$api/api/v1/namespaces/$RUNWAY_NAMESPACE/configmaps/$RUNWAY_STATUS_CONFIGMAP?fieldManager=runway-registration"

attempt=0
last_at=""

# The "message" (or "error") string of a JSON answer in file $1, its escapes undone; empty when there is none.
json_message() {
  sed -n -E 's/.*"(message|error)"[[:space:]]*:[[:space:]]*"(([^"\\]|\\.)*)".*/\2/p' "$1" 2>/dev/null | head -n 1 |
    sed -e 's/\\"/"/g' -e 's/\\\//\//g' -e 's/\\\\/\\/g'
}

# Records the outcome: put_status REGISTRATION HTTP_STATUS MESSAGE [FINALIZED_AT]. A merge patch of the data keys
# the hook owns; a null removes a finalizedAt a previous run left.
put_status() {
  finalized=null
  [ -n "${4:-}" ] && finalized=$(json "$4")
  printf '{"data":{"registration":%s,"httpStatus":%s,"message":%s,"attempts":"%s","lastAttemptAt":%s,"requestId":%s,"finalizedAt":%s}}' \
    "$(json "$1")" "$(json "$2")" "$(json "$3")" "$attempt" "$(json "$last_at")" "$(json "${RUNWAY_REQUEST_ID:-}")" "$finalized" >"$work/status.json"
  printf 'Authorization: Bearer %s\n' "$(cat "$RUNWAY_KUBE_DIR/token")" >"$work/kube-auth"
  for try in 1 2 3; do
    code=$(curl -sS -o "$work/kube-answer" -w '%{http_code}' --max-time 20 --cacert "$RUNWAY_KUBE_DIR/ca.crt" \
      -H @"$work/kube-auth" -H 'Content-Type: application/merge-patch+json' -H 'Accept: application/json' \
      -X PATCH --data-binary @"$work/status.json" "$status_url" 2>"$work/kube-error")
    case $code in
      200) return 0 ;;
      409 | 429 | 5??) ;;
      *) break ;;
    esac
    sleep "$try"
  done
  reason=$(printable "$(json_message "$work/kube-answer")$(head -n 1 "$work/kube-error")" 300)
  log "cannot write the status ConfigMap $RUNWAY_NAMESPACE/$RUNWAY_STATUS_CONFIGMAP: the Kubernetes API answered ${code:-000}: $reason"
  return 1
}

# Records, logs and ends the hook.
finish() {
  log "$1: $3 (HTTP ${2:-none}, attempt $attempt of $attempts)"
  put_status "$@" || exit 1
  exit 0
}

token=""
[ -r "$RUNWAY_TOKEN_FILE" ] && token=$(cat "$RUNWAY_TOKEN_FILE")
if [ -z "$token" ]; then
  finish failed "" "no registration token: the Secret named by registration.tokenSecret.name is missing or has no key registration.tokenSecret.key"
fi
case $token in
  *[!A-Za-z0-9._~+/=-]*) finish failed "" "the registration token has characters a bearer token cannot carry; regenerate it" ;;
esac
printf 'Authorization: Bearer %s\n' "$token" >"$work/gitlab-auth"
token=""

printf '{"service":%s,"namespace":%s,"release":%s,"chart_version":%s,"app_version":%s,"request_id":%s}' \
  "$(json "${RUNWAY_SERVICE:-}")" "$(json "$RUNWAY_NAMESPACE")" "$(json "${RUNWAY_RELEASE:-}")" "$(json "${RUNWAY_CHART_VERSION:-}")" \
  "$(json "${RUNWAY_APP_VERSION:-}")" "$(json "${RUNWAY_REQUEST_ID:-}")" >"$work/request.json"

# The positional parameters carry curl's CA option: GitLab's own CA when the chart has one, else the image's bundle.
set --
[ -n "${RUNWAY_CA_FILE:-}" ] && set -- --cacert "$RUNWAY_CA_FILE"

# GitLab's "message" or "error" string, else the answer itself; dropped when it contains the token.
answer_message() {
  m=$(json_message "$work/answer")
  [ -n "$m" ] || m=$(printable "$(cat "$work/answer")" 300)
  if [ -n "$m" ] && printf '%s\n' "$m" | grep -q -F -f "$RUNWAY_TOKEN_FILE"; then
    m="(GitLab's answer contained the registration token; not recorded)"
  fi
  printable "$m" 500
}

delay=$backoff
while :; do
  attempt=$((attempt + 1))
  last_at=$(now)
  : >"$work/answer"
  : >"$work/headers"
  code=$(curl -sS --proto =https -o "$work/answer" -D "$work/headers" -w '%{http_code}' --connect-timeout 10 --max-time "$request_timeout" "$@" \
    -H @"$work/gitlab-auth" -H 'Content-Type: application/json' -H 'Accept: application/json' -H 'User-Agent: runway-registration' \
    -X POST --data-binary @"$work/request.json" "$endpoint" 2>"$work/error")
  rc=$?
  [ "$code" = 000 ] && code=""
  retry=""
  case $code in
    200 | 201)
      at=$(sed -n -E 's/.*"finalized_at"[[:space:]]*:[[:space:]]*"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+))".*/\1/p' "$work/answer" | head -n 1)
      finish finalized "$code" "GitLab finalized the registration" "${at:-$last_at}"
      ;;
    409)
      at=$(sed -n -E 's/.*"finalized_at"[[:space:]]*:[[:space:]]*"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+))".*/\1/p' "$work/answer" | head -n 1)
      finish finalized "$code" "already registered: $(answer_message)" "${at:-$last_at}"
      ;;
    429)
      after=$(sed -n -E 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]:[[:space:]]*([0-9]+).*/\1/p' "$work/headers" | head -n 1)
      [ -n "$after" ] && delay=$after
      retry="GitLab answered 429 (rate limited): $(answer_message)"
      ;;
    408 | 5??) retry="GitLab answered $code: $(answer_message)" ;;
    "")
      reason=$(printable "$(head -n 1 "$work/error")" 300)
      case $rc in
        6 | 7 | 16 | 18 | 28 | 35 | 52 | 55 | 56) retry="no answer from $gitlab: $reason" ;;
        60 | 77 | 83 | 90 | 91) finish failed "" "GitLab's TLS certificate is not trusted: $reason; give the chart the CA that signed it (registration.caCertificate)" ;;
        *) finish failed "" "cannot call $endpoint: $reason" ;;
      esac
      ;;
    3??) finish failed "$code" "GitLab answered $code (a redirect, which the hook does not follow): set registration.gitlabUrl to GitLab's external URL, with its relative URL root" ;;
    404) finish failed "$code" "GitLab answered 404: $(answer_message); check registration.gitlabUrl (with the relative URL root) and that this GitLab release has the Runway registration API" ;;
    *) finish failed "$code" "GitLab refused the registration: $(answer_message)" ;;
  esac
  if [ "$attempt" -ge "$attempts" ]; then
    finish failed "$code" "gave up after $attempt attempts: $retry"
  fi
  [ "$delay" -gt 30 ] && delay=30
  log "attempt $attempt of $attempts: $retry; retrying in ${delay}s"
  put_status pending "$code" "attempt $attempt of $attempts: $retry; retrying" || exit 1
  sleep "$delay"
  delay=$((delay * 2))
done
