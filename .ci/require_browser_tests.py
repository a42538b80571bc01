"""Fail when the browser journeys did not really run (CI must not skip them).

Usage: require_browser_tests.py JUNIT_XML
"""

import os
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest output


def main(path: str) -> int:
    cases = [
        case
        for case in ET.parse(path).iter("testcase")  # noqa: S314
        if case.get("classname", "").startswith("tests.browser")
    ]
    skipped = [c for c in cases if c.find("skipped") is not None]
    if not cases:
        print(f"{path}: no browser test ran.", file=sys.stderr)
        return 1
    if skipped and os.environ.get("CI") == "true":
        for case in skipped:
            print(f"skipped under CI: {case.get('classname')}::{case.get('name')}", file=sys.stderr)
        return 1
    print(f"{path}: {len(cases) - len(skipped)} browser test(s) ran, {len(skipped)} skipped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
