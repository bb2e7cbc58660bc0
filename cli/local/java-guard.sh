#!/bin/sh
# Runs DynamoDB Local's JVM as a child and kills it as soon as our parent goes away.
# stdin is a pipe held by the Node process that started us: when that process ends,
# however it ends (Ctrl-C, SIGKILL, a crashed test run), the pipe reaches EOF and the
# JVM is stopped, so no orphan JVM keeps the port.
java "$@" </dev/null &
jvm=$!
trap 'kill "$jvm" 2>/dev/null; wait "$jvm" 2>/dev/null; exit 0' TERM INT HUP
while read -r _line; do :; done
kill "$jvm" 2>/dev/null
wait "$jvm" 2>/dev/null
exit 0
