#!/bin/sh
# lint.sh - STYLE habit 2: no banned string/process functions in src/.
set -u
cd "$(dirname "$0")/.." || exit 2
hits=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf|system|popen)[[:space:]]*\(' src | grep -v '^[^:]*:[0-9]*:[[:space:]]*/\?\*')
if [ -n "$hits" ]; then
	echo "banned functions (see STYLE.md habit 2):"
	echo "$hits"
	echo "lint: 0 passed, 1 failed"
	exit 1
fi
echo "lint: 1 passed, 0 failed"
