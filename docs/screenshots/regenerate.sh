#!/usr/bin/env bash
# Regenerates the PNGs in this folder from the running pages: the real server on a temporary database, driven by
# Chromium (/usr/bin/chromium; `apt-get install -y chromium` if missing) through the web tests' screenshot test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
LATCHKEY_SCREENSHOTS="$here" dotnet test tests/Latchkey.Web.Tests --nologo --filter "FullyQualifiedName~ScreenshotTests"
ls -l "$here"/*.png
