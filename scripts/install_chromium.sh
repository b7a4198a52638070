#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser). Install it when it is missing and this
# user can (root with apt-get); otherwise say so: the browser tests then skip, unless RETROGAN_REQUIRE_BROWSER=1.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "note: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get);" \
         "the browser tests will be skipped" >&2
fi
