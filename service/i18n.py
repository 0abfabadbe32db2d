"""How a request picks its language, and the UI strings in it (from the message catalogues).

The plan is Chinese; staff read the pages in either language. The choice comes
from ``?lang=`` (which also sets the ``lang`` cookie, so it persists across
navigation), else the cookie, else ``Accept-Language``, else Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from service.message_catalogues import translations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

def pick_lang(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGS:
            return candidate
    # first supported primary tag wins; q-values rarely matter for two languages
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return DEFAULT_LANG


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the key's text in the language (English when the language lacks it),
    with ``%(name)s`` placeholders filled."""
    found = translations(lang if lang in LANGS else DEFAULT_LANG)

    def t(key: str, **values: object) -> str:
        if not key:  # gettext("") is the catalogue's header
            return key
        text = found.gettext(key)
        return text % values if values else text

    return t


def labeller(lang: str) -> Callable[[Mapping[str, str] | None], str]:
    """Pick the label in the page language from {"zh": …, "en": …}, falling back to the other."""

    def label(forms: Mapping[str, str] | None) -> str:
        if not forms:
            return ""
        other = "en" if lang == "zh" else "zh"
        return forms.get(lang) or forms.get(other) or next(iter(forms.values()), "")

    return label
