#!/usr/bin/env bash
# The Debian packages `make run` and `make test` need; installed here when missing.
#
#   scripts/system-packages.sh run|test [PACKAGE...]
#
#   run   WeasyPrint's libraries and the fonts the PDF packet falls back to
#   test  the same, Node.js and npm (the single sign-on tests' OpenID provider) when
#         npm is not on the PATH, and Chromium for the browser tests
#         (tests/browser), unless INTERVIEW_SKIP_BROWSER_TESTS=1
#   PACKAGE...  more Debian packages to make sure of (.ci/run adds postgresql)
#
# All present: returns at once (one dpkg-query, no apt). Some missing: as root, or
# where `sudo -n` works, installs them with apt-get; otherwise prints one line naming
# them and the command that installs them, and exits 1 before anything else is done.
# Not Debian (no dpkg-query): prints one line saying what is needed and carries on,
# since other systems name these packages differently.
set -euo pipefail

# WeasyPrint lays out the PDF packet with Pango; without harfbuzz-subset it subsets
# fonts with fontTools, 36% slower, and warns (the suite turns warnings into errors).
WEASYPRINT=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
# The packet ships Noto Sans for Latin, Greek and Cyrillic; CJK, Arabic, Hebrew and
# emoji in candidates' names come from these.
FONTS=(fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk
  fonts-noto-color-emoji)
# Playwright drives Debian's Chromium (nothing is downloaded) through the Node.js
# driver in its wheel, which needs libatomic.
BROWSER=(chromium libatomic1)
# Issue 15: the single sign-on tests run a real OpenID provider (tests/oidc, an npm
# package) on Node.js. A Node.js already on the PATH (NodeSource's, say) is used
# as it is: Debian's npm package would conflict with it.
NODE=()
command -v npm >/dev/null || NODE=(nodejs npm)

purpose="${1:-}"
case "$purpose" in
  run) wanted=("${WEASYPRINT[@]}" "${FONTS[@]}") ;;
  test)
    wanted=("${WEASYPRINT[@]}" "${FONTS[@]}" "${NODE[@]}")
    [[ "${INTERVIEW_SKIP_BROWSER_TESTS:-}" == 1 ]] || wanted+=("${BROWSER[@]}")
    ;;
  *)
    echo "usage: $0 run|test [PACKAGE...]" >&2
    exit 2
    ;;
esac
shift
wanted+=("$@")
# Debian's Python makes virtualenvs only with python3.X-venv (ensurepip); the Makefile
# passes the interpreter it will use. Needed only while there is no virtualenv yet.
if [[ -n "${PYTHON:-}" && ! -x "${VENV:-.venv}/bin/python" && "$PYTHON" == /usr/bin/* ]] &&
  ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
  wanted+=("$(basename "$PYTHON")-venv")
fi

if ! command -v dpkg-query >/dev/null; then
  echo "make $purpose: not a Debian system (no dpkg-query), so nothing is installed;" \
    "it needs the equivalents of these Debian packages: ${wanted[*]}" >&2
  exit 0
fi

# One dpkg-query for all of them; a package dpkg has never heard of prints nothing.
status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" \
  2>/dev/null || true)
missing=()
for pkg in "${wanted[@]}"; do
  grep -qxF "$pkg installed" <<<"$status" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "make $purpose: missing Debian packages: ${missing[*]}; install them with:" \
    "sudo apt-get update && sudo apt-get install -y --no-install-recommends" \
    "${missing[*]}" >&2
  exit 1
fi

echo "make $purpose: installing Debian packages: ${missing[*]}"
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq
  -o DPkg::Lock::Timeout=300)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends \
  "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "make $purpose: apt-get could not install: ${missing[*]}" >&2
  exit 1
fi
