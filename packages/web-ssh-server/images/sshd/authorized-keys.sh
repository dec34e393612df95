#!/bin/sh
# sshd's AuthorizedKeysCommand: the mounted authorized_keys, for the user web only.
[ "$1" = web ] || exit 0
exec cat /etc/ssh/web-ssh-server/authorized_keys
