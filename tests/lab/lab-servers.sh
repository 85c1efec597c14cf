# shellcheck shell=bash
# shellcheck disable=SC2013  # addresses are single words
# HTTPS and SMTP parts of tests/lab/lab (sourced by it; uses its RUN_DIR, LAB_SRC, spawn,
# say, die, alive, port_free). Lab CA, nginx policy hosts, a second Postfix instance with
# per-address STARTTLS behaviour, hostile.py (downgrade proxy, hostile SMTP and HTTPS).

# leaf NAME KIND SAN...: certs/NAME.{key,crt}; KIND valid|expired|self (signed by the lab CA
# unless self). One `openssl req -x509 [-CA]` per certificate (key, request and signature in
# one process: ~10 ms; a req + x509 pair took ~60 ms), extensions from certs/leaf.cnf.
leaf() {
  local name=$1 kind=$2 c=$RUN_DIR/certs san="" h ca=()
  shift 2
  for h in "$@"; do san="${san:+$san,}DNS:$h"; done
  [ "$kind" = self ] || ca=(-CA "$c/ca.crt" -CAkey "$c/ca.key")
  local cmd=(openssl req -config "$c/leaf.cnf" -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
    -nodes -keyout "$c/$name.key" -out "$c/$name.crt" -subj "/CN=$1" -addext "subjectAltName=$san"
    "${ca[@]}")
  case $kind in
    expired) faketime '2020-01-01 00:00:00' "${cmd[@]}" -days 30 2>/dev/null ;;
    *) "${cmd[@]}" -days 825 2>/dev/null ;;
  esac
}

# leaf_line "NAME|KIND|SAN[,SAN...]": one line of gen/certs.list
leaf_line() {
  local name kind hosts sans
  IFS='|' read -r name kind hosts <<<"$1"
  [ -n "$name" ] || return 0
  IFS=, read -ra sans <<<"$hosts"
  case $kind in
    wrong) leaf "$name" valid mta-sts.wrong.test ;;
    *) leaf "$name" "$kind" "${sans[@]}" ;;
  esac
}

make_certs() {
  local c=$RUN_DIR/certs t0=$SECONDS n=0 jobs
  rm -rf "$c"
  mkdir -p "$c"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$c/ca.key" \
    -out "$c/ca.crt" -days 3650 -subj "/CN=stsscan lab CA" 2>/dev/null
  printf '[req]\ndistinguished_name = dn\nx509_extensions = leaf\n[dn]\n[leaf]\n%s\n' \
    'extendedKeyUsage = serverAuth' >"$c/leaf.cnf"
  # sign on every core (the scale world has up to ~500 policy certificates); in a subshell,
  # whose `wait` does not wait for the servers already spawned. Serial numbers are random.
  jobs=$(nproc)
  if [ -s "$RUN_DIR/gen/certs.list" ]; then
    n=$(grep -c . "$RUN_DIR/gen/certs.list")
    (
      for k in $(seq 0 $((jobs - 1))); do
        awk -v j="$jobs" -v k="$k" 'NR % j == k' "$RUN_DIR/gen/certs.list" |
          while IFS= read -r line; do leaf_line "$line"; done &
      done
      wait
    ) || true
  fi
  if [ "$WITH_SMTP" = 1 ]; then
    local sans
    mapfile -t sans < <(grep -v '^mx\.good\.test$' "$RUN_DIR/gen/mx-valid-names.txt" | grep .)
    (
      leaf mx-valid valid mx.good.test "${sans[@]}" &
      leaf mx-self self mx.smtp-self-signed.test &
      leaf mx-expired expired mx.smtp-expired.test &
      leaf mx-wrong valid mx.wrong.test &
      wait
    ) || true
    n=$((n + 4))
  fi
  chmod a+rx "$c"
  chmod a+r "$c"/*
  local missing
  missing=$(cut -d'|' -f1 "$RUN_DIR/gen/certs.list" 2>/dev/null | while read -r name; do
    [ -z "$name" ] || [ -s "$c/$name.crt" ] || echo "$name"; done | head -3)
  [ -z "$missing" ] || die "certificates not made: $missing ..."
  say "lab CA + $n certificates in $c ($((SECONDS - t0))s; CA: $c/ca.crt)"
}

wait_tcp() { # wait_tcp ADDR PORT NAME
  local deadline=$((SECONDS + 30))
  until [ -n "$(ss -Hltn "src $1:$2")" ]; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "$3 did not listen on $1:$2 within 30s; log: $(tail -5 "$RUN_DIR/logs/$3.log" 2>/dev/null)"
    if [ -f "$RUN_DIR/pids/$3.pid" ] && ! alive "$(cat "$RUN_DIR/pids/$3.pid")"; then
      die "$3 died during start-up; log: $(tail -5 "$RUN_DIR/logs/$3.log")"
    fi
    sleep 0.1
  done
}

start_nginx() {
  local a
  spawn nginx nginx -e "$RUN_DIR/logs/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/gen/nginx.conf"
  for a in $(grep -o 'listen 127[.0-9]*:443' "$RUN_DIR/gen/nginx.conf" | sort -u | cut -d' ' -f2); do
    wait_tcp "${a%:443}" 443 nginx
  done
  say "nginx up (pid $(cat "$RUN_DIR/pids/nginx.pid")): $(grep -c server_name "$RUN_DIR/gen/nginx.conf") server blocks"
}

# Postfix listeners of the small worlds: address, variant, process limit ("-" = Postfix's
# default). A world can bring its own list (gen/smtp-listeners.txt, same format; scale does).
SMTP_VARIANTS=(
  "127.0.25.1 valid -"
  "127.0.25.10 valid -"
  "127.0.25.11 valid -"
  "127.0.25.2 none -"
  "127.0.25.3 self -"
  "127.0.25.4 expired -"
  "127.0.25.5 wrong -"
)
HOSTILE_SMTP_ADDRS="127.0.25.20 127.0.25.21 127.0.25.22 127.0.25.23 127.0.25.24 127.0.25.25 127.0.25.30 127.0.25.31 127.0.25.32 127.0.25.33"

smtp_listeners() { # the world's Postfix listeners, one "ADDR VARIANT MAXPROC" a line
  if [ -f "$RUN_DIR/gen/smtp-listeners.txt" ]; then
    grep -v '^#' "$RUN_DIR/gen/smtp-listeners.txt" | grep .
  else
    printf '%s\n' "${SMTP_VARIANTS[@]}"
  fi
}

hostile_smtp_addrs() {
  if [ -f "$RUN_DIR/gen/hostile-smtp.json" ]; then
    grep -o '"listen": "[0-9.]*' "$RUN_DIR/gen/hostile-smtp.json" | cut -d'"' -f4
  else
    echo "$HOSTILE_SMTP_ADDRS"
  fi
}

variant_opts() { # smtpd options of a variant: valid | none | self | expired | wrong
  local c=$RUN_DIR/certs
  case $1 in
    valid) ;;
    none) echo "-o smtpd_tls_security_level=none" ;;
    self|expired|wrong) echo "-o smtpd_tls_chain_files=$c/mx-$1.key,$c/mx-$1.crt" ;;
    *) die "unknown SMTP variant '$1' in the world's listeners" ;;
  esac
}

start_postfix() {
  local pf=$RUN_DIR/postfix addr variant maxproc cur n=0
  [ -n "$RUN_DIR" ] || die "internal: RUN_DIR empty"
  # a second Postfix instance needs its config dir named in the system main.cf (LAB.md)
  cur=$(postconf -h alternate_config_directories 2>/dev/null || true)
  if ! tr ',' '\n' <<<"$cur" | tr -d ' ' | grep -qxF "$pf"; then
    say "adding $pf to alternate_config_directories in /etc/postfix/main.cf"
    postconf -e "alternate_config_directories = ${cur:+$cur, }$pf"
  fi
  rm -rf "${RUN_DIR:?}/postfix" "${RUN_DIR:?}/pfq" "${RUN_DIR:?}/pfdata"
  mkdir -p "$pf" "$RUN_DIR/pfq" "$RUN_DIR/pfdata"
  chown postfix "$RUN_DIR/pfdata"
  {
    echo "# generated by tests/lab/lab: lab MX hosts (per-address behaviour in master.cf)"
    echo "compatibility_level = 3.6"
    echo "queue_directory = $RUN_DIR/pfq"
    echo "data_directory = $RUN_DIR/pfdata"
    echo "myhostname = mx.good.test"
    echo "mydestination ="
    echo "inet_interfaces = loopback-only"
    echo "inet_protocols = ipv4"
    echo "maillog_file_prefixes = $RUN_DIR/logs"
    echo "maillog_file = $RUN_DIR/logs/postfix.log"
    echo "smtpd_tls_security_level = may"
    echo "smtpd_tls_chain_files = $RUN_DIR/certs/mx-valid.key, $RUN_DIR/certs/mx-valid.crt"
    echo "smtpd_relay_restrictions = reject"
    echo "smtpd_recipient_restrictions = reject"
    # scanner sessions come by the ten thousand from 127.0.0.1: no reverse lookup (a netns
    # without a resolver would wait for it), no per-client limits (anvil), and processes that
    # are reused instead of re-spawned every 100 sessions
    echo "smtpd_peername_lookup = no"
    echo "smtpd_client_connection_count_limit = 0"
    echo "smtpd_client_event_limit_exceptions = 127.0.0.0/8"
    echo "max_use = 100000"
  } >"$pf/main.cf"
  : >"$pf/master.cf"
  while read -r addr variant maxproc; do
    echo "$addr:smtp inet n - n - ${maxproc:--} smtpd $(variant_opts "$variant")" >>"$pf/master.cf"
    n=$((n + 1))
  done < <(smtp_listeners)
  # the stock services (pickup ... postlog), without the stock smtp listener, not chrooted
  awk '/^#/ || /^[[:space:]]*$/ {next}
       $1 == "smtp" && $2 == "inet" {skip = 1; next}
       /^[[:space:]]/ {if (!skip) print; next}
       {skip = 0; if (NF >= 8 && $5 == "y") $5 = "n"; print}' /etc/postfix/master.cf >>"$pf/master.cf"
  if ! script -eqc "postfix -c $pf check" /dev/null >"$RUN_DIR/logs/postfix-check.log" 2>&1; then
    die "postfix check failed: $(cat "$RUN_DIR/logs/postfix-check.log")"
  fi
  if ! script -eqc "postfix -c $pf start" /dev/null >"$RUN_DIR/logs/postfix-start.log" 2>&1; then
    die "postfix start failed: $(tail -5 "$RUN_DIR/logs/postfix-start.log")"
  fi
  local deadline=$((SECONDS + 30))
  until [ -s "$RUN_DIR/pfq/pid/master.pid" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "postfix master did not start (log $RUN_DIR/logs/postfix.log)"
    sleep 0.1
  done
  tr -d ' ' <"$RUN_DIR/pfq/pid/master.pid" >"$RUN_DIR/pids/postfix.pid"
  while read -r addr _; do wait_tcp "$addr" 25 postfix; done < <(smtp_listeners)
  say "postfix up (master pid $(cat "$RUN_DIR/pids/postfix.pid")): $n smtpd addresses"
}

write_hostile_smtp() { # the downgrade proxy in front of 127.0.25.1 and the hostile SMTP servers
  local up=127.0.25.1:25
  {
    echo '['
    echo " {\"listen\": \"127.0.25.20:25\", \"mode\": \"garble\", \"upstream\": \"$up\"},"
    echo " {\"listen\": \"127.0.25.21:25\", \"mode\": \"strip\", \"upstream\": \"$up\"},"
    echo " {\"listen\": \"127.0.25.22:25\", \"mode\": \"reject454\", \"upstream\": \"$up\"},"
    echo " {\"listen\": \"127.0.25.23:25\", \"mode\": \"reject502\", \"upstream\": \"$up\"},"
    echo " {\"listen\": \"127.0.25.24:25\", \"mode\": \"reject500\", \"upstream\": \"$up\"},"
    echo " {\"listen\": \"127.0.25.25:25\", \"mode\": \"plaintext-after-220\", \"upstream\": \"$up\"},"
    echo ' {"listen": "127.0.25.30:25", "mode": "endless-ehlo"},'
    echo ' {"listen": "127.0.25.31:25", "mode": "slow-banner"},'
    echo ' {"listen": "127.0.25.32:25", "mode": "garbage-after-starttls"},'
    echo ' {"listen": "127.0.25.33:25", "mode": "close"}'
    echo ']'
  } >"$RUN_DIR/gen/hostile-smtp.json"
}

start_hostile() {
  local cfgs=() l
  if [ "$WITH_HTTPS" = 1 ] && [ "$(tr -d ' \n' <"$RUN_DIR/gen/hostile-https.json")" != "[]" ]; then
    cfgs+=("$RUN_DIR/gen/hostile-https.json")
  fi
  if [ "$WITH_SMTP" = 1 ]; then
    [ -f "$RUN_DIR/gen/hostile-smtp.json" ] || write_hostile_smtp
    cfgs+=("$RUN_DIR/gen/hostile-smtp.json")
  fi
  [ ${#cfgs[@]} -gt 0 ] || return 0
  spawn hostile python3 "$LAB_SRC/hostile.py" "${cfgs[@]}"
  for l in $(cat "${cfgs[@]}" | grep -o '"listen": "[0-9.:]*"' | cut -d'"' -f4); do
    wait_tcp "${l%:*}" "${l##*:}" hostile
  done
  say "hostile.py up (pid $(cat "$RUN_DIR/pids/hostile.pid")): ${#cfgs[@]} listener sets"
}

start_https_smtp() {
  WITH_HTTPS=0
  WITH_SMTP=0
  [ -s "$RUN_DIR/gen/certs.list" ] && WITH_HTTPS=1
  grep -q . "$RUN_DIR/gen/mx-valid-names.txt" 2>/dev/null && WITH_SMTP=1
  if [ "${LAB_DNS_ONLY:-0}" = 1 ]; then WITH_HTTPS=0; WITH_SMTP=0; fi
  [ "$WITH_HTTPS" = 1 ] || [ "$WITH_SMTP" = 1 ] || return 0
  need openssl openssl
  need faketime faketime
  local a
  if [ "$WITH_HTTPS" = 1 ]; then
    need nginx nginx-light
    for a in 127.0.79.1 127.0.80.{1..10}; do port_free tcp "$a" 443; done
  fi
  if [ "$WITH_SMTP" = 1 ]; then
    need postfix postfix
    need postconf postfix
    need script bsdutils
    for a in $(smtp_listeners | cut -d' ' -f1) $(hostile_smtp_addrs); do port_free tcp "$a" 25; done
  fi
  make_certs
  [ "$WITH_HTTPS" = 1 ] && start_nginx
  [ "$WITH_SMTP" = 1 ] && start_postfix
  start_hostile
}
