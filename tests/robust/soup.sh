#!/usr/bin/env bash
# Random bytes and JSON-ish token soup into every tool: see soup.py for what
# each run must do.  SX_BIN (default bin/), SOUP_SEED, SOUP_CASES (24),
# SOUP_VERBOSE=1.  sx-emit-powerbi (it needs a server) is not in it yet.
exec python3 "$(dirname "$0")/soup.py" "$@"
