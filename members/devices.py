"""Readable names for the browsers people log in from ("Safari on iPhone", "Firefox on
Windows"), from the User-Agent header, for the signed-in devices page and security
notices. Parsing is ua-parser's (the regexes Browserscope started, kept up to date);
a string it cannot read is shown as "Unknown browser", never raw."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

# ua-parser's names for the same browser on a phone, shortened to what people call it.
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "an app's browser",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "an app's browser",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Samsung Internet": "Samsung Internet",
    "Edge Mobile": "Edge",
    "HeadlessChrome": "Chrome (automated)",
}
_SYSTEMS = {"Mac OS X": "Mac", "Windows": "Windows", "Chrome OS": "Chromebook"}
_PHONES = {"iPhone", "iPad", "iPod"}


@lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """ "Safari on iPhone", "Chrome on Windows", "Firefox on Linux", "Unknown browser"."""
    result = parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else ""
    if not browser or browser == "Other":
        return "Unknown browser"
    browser = _BROWSERS.get(browser, browser)
    device = result.device.family if result.device else ""
    system = result.os.family if result.os else ""
    if device in _PHONES:
        place = device
    elif system == "Android":
        # A brand ("a Samsung phone") when ua-parser knows it; "Generic_Android" and the
        # like say less than "Android".
        brand = result.device.brand if result.device and result.device.brand else ""
        place = f"a {brand} phone" if brand and not brand.startswith("Generic") else "Android"
    elif system and system != "Other":
        place = _SYSTEMS.get(system, system)
    else:
        return browser
    return f"{browser} on {place}"
