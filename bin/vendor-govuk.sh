#!/usr/bin/env bash
# Vendor GOV.UK Frontend into static/govuk/ (no Node at run time, nothing in node_modules).
#
#   bin/vendor-govuk.sh [version]      default: the version in static/govuk/VERSION
#
# Councils are not on gov.uk, so the crown (favicons, app icons, footer crest) and the
# GDS Transport font files are NOT copied: the CSS's @font-face rules and crest references are
# stripped, and static/css/app.css sets the Helvetica/Arial family instead.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/govuk"
version="${1:-$(sed -n 's/^govuk-frontend \([0-9.]*\).*/\1/p' "$dest/VERSION" 2>/dev/null || true)}"
version="${version:-6}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "govuk-frontend@$version" >/dev/null && tar xzf govuk-frontend-*.tgz)
dist="$work/package/dist/govuk"
resolved="$(node -p "require('$work/package/package.json').version")"

mkdir -p "$dest"
rm -rf "$dest/assets" "$dest"/govuk-frontend.min.*

# CSS: drop the GDS Transport @font-face rules (and the font's copyright banner), drop the
# crest, point any other /assets/ URL at the copy beside the CSS (relative, so it survives
# any STATIC_URL and ManifestStaticFilesStorage hashing), and drop the source map comment.
python3 - "$dist/govuk-frontend.min.css" "$dest/govuk-frontend.min.css" <<'PY'
import re
import sys

css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"/\*![^*]*GDS Transport[^*]*\*/|/\*![^*]*Margaret Calvert[^*]*\*/", "", css)
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = css.replace("url(/assets/images/govuk-crest.svg)", "none")
css = css.replace("url(/assets/", "url(assets/")
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", css)
left = re.findall(r"url\(([^)]*)\)", css)
if left:
    sys.exit(f"unexpected url() left in the CSS, vendor its files too: {left}")
if "@font-face" in css:
    sys.exit("an @font-face rule is still present")
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY

# JS: the ES module as shipped, without the source map comment (the map is not vendored, and
# ManifestStaticFilesStorage fails on a reference to a missing file).
sed -e 's|//# sourceMappingURL=[^ ]*$||' "$dist/govuk-frontend.min.js" > "$dest/govuk-frontend.min.js"

# No images or manifest: every image in the package is the crown or the crest. The CSS above
# references none, and our own favicon lives in static/images/.
printf 'govuk-frontend %s (MIT licence, https://github.com/alphagov/govuk-frontend)\n' \
    "$resolved" > "$dest/VERSION"
printf 'Vendored by bin/vendor-govuk.sh: min CSS and JS only, without the crown, the crest\n' \
    >> "$dest/VERSION"
printf 'and the GDS Transport font (this service is not on gov.uk).\n' >> "$dest/VERSION"
echo "govuk-frontend $resolved vendored into $dest"
