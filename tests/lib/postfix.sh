# postfix.sh — a private Postfix instance for tests: its own config directory, queue and
# Maildir under $T_DIR, listening on a free loopback port, independent of any system Postfix.
# Source after lib.sh. start_postfix sets PF_PORT, PF_DIR and PF_MAIL (the Maildir's new/);
# stop_postfix stops it (also called from the EXIT trap).
PF_DIR=""
# start_postfix: up to three tries, each on a newly drawn port and a fresh directory (a port
# found free can be taken before Postfix binds it, e.g. by a client connection's local port).
# Failures are printed as "error: …" lines, which tests/run.sh shows in its summary.
start_postfix() {
  command -v postfix >/dev/null || { echo "error: postfix is not installed (scripts/deps.sh test)"; return 1; }
  local try
  for try in 1 2 3; do
    pf_try "$T_DIR/postfix$try" && return 0
    echo "error: private postfix, try $try of 3, did not start on 127.0.0.1:$PF_PORT:"
    sed 's/^/error:   /' "$PF_DIR/start.log" 2>/dev/null | tail -5
    tail -8 "$PF_DIR/maillog" 2>/dev/null | sed 's/^/error:   /'
    stop_postfix
  done
  return 1
}
# pf_try DIR: one try; 0 once our smtpd answers with its own banner
pf_try() {
  PF_DIR=$1
  PF_PORT=$(free_port)
  mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/mail"
  chmod 755 "$T_DIR" "$PF_DIR"
  chown postfix "$PF_DIR/data"
  chown nobody:nogroup "$PF_DIR/mail"
  cat > "$PF_DIR/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.rastro.test
mydomain = rastro.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = example.com example.es example.org rastro.test
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
smtputf8_enable = yes
smtpd_relay_restrictions = permit_mynetworks, reject
default_process_limit = 20
CF
  # the system master.cf, with smtpd on our port and nothing chrooted
  sed -e "s/^smtp      inet.*/127.0.0.1:$PF_PORT inet n - n - - smtpd/" /etc/postfix/master.cf |
    awk '$1 !~ /^#/ && NF >= 8 && $2 ~ /^(unix|inet|fifo|pass|unix-dgram)$/ {$5 = "n"} {print}' > "$PF_DIR/etc/master.cf"
  postfix -c "$PF_DIR/etc" check > "$PF_DIR/start.log" 2>&1
  postfix -c "$PF_DIR/etc" start >> "$PF_DIR/start.log" 2>&1 || return 1
  # the banner names our instance: a port someone else took is not mistaken for ours
  local banner
  for _ in $(seq 1 100); do
    banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PF_PORT && head -n 1 <&3 && printf 'QUIT\r\n' >&3" 2>/dev/null)
    case $banner in *"mx.rastro.test"*) PF_MAIL=$PF_DIR/mail/inbox/new; return 0 ;; esac
    sleep 0.1
  done
  echo "no banner from our smtpd (got: ${banner:-nothing})" >> "$PF_DIR/start.log"
  return 1
}
stop_postfix() {
  [ -n "$PF_DIR" ] && [ -f "$PF_DIR/etc/main.cf" ] && postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1
  PF_DIR=""
}
# mail_count: messages delivered to the Maildir so far
mail_count() { find "$PF_DIR/mail/inbox/new" -type f 2>/dev/null | wc -l; }
