#!/bin/sh
# The readiness and liveness probe: is sshd listening on SSH_PORT? Read from /proc/net, so no connection is made
# (a TCP probe would add two lines to sshd's log every few seconds, burying the real logins).
port=$(printf '%04X' "${SSH_PORT:-22}")
grep -qE "^ *[0-9]+: [0-9A-F]+:$port [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6
