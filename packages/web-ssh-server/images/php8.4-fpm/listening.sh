#!/bin/sh
# Exits 0 while php-fpm listens on its socket (the probes): read from the kernel's table of unix sockets, so a probe
# starts no worker (pm = ondemand would keep one running for the probes alone).
grep -q ' /run/php-fpm/php-fpm.sock$' /proc/net/unix
