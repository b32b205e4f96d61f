# port.sh — free_port for the test and bench scripts (source it): a TCP port on 127.0.0.1 that
# nothing listens on, drawn BELOW the kernel's ephemeral range (ip_local_port_range, usually
# 32768-60999). Ports inside it are also the local ends of outgoing connections (curl, wrk, the
# servers' own clients): a port found free there can be taken by such a connection before the
# server binds it, which is how a test's Postfix once failed with "Address already in use".
free_port() {
  local lo=32768 p
  read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  [ "$lo" -gt 12000 ] 2>/dev/null || lo=32768
  while :; do
    p=$((10000 + RANDOM % (lo - 10000)))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}
