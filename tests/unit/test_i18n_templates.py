"""Every word a template shows is marked for translation.

The templates are lexed by Jinja: what is text (not an expression, a tag or a `{% trans %}`
block) is then read as HTML, and each text node and each attribute a person reads or hears
(`title`, `alt`, `placeholder`, `aria-label`, `data-label`, a button's `value`...) must hold no
word: a word there would stay English on a Spanish page. Email text and SMS templates are text
throughout. Script and style elements are code, not text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

import autoshop

TEMPLATES = Path(autoshop.__file__).parent / "web" / "templates"
#: The app's templates use Jinja's default syntax: lexing needs nothing of the app.
LEXER = Environment()
#: Stands for what Jinja fills in (an expression, a tag, a translated block).
FILLED = "\x00"
READ_ATTRIBUTES = frozenset(
    {"title", "alt", "placeholder", "aria-label", "aria-description", "data-label", "label"}
)
BUTTON_TYPES = frozenset({"submit", "button", "reset"})
#: A word: two letters in a row (a lone 'h' of '1 h', or 'x' of '2 x', is not one).
WORD = re.compile(r"[^\W\d_]{2,}")
#: Text that is the same in every language: the product's name, units and codes.
SAME_IN_EVERY_LANGUAGE = frozenset({"AutoShop", "AutoShop API", "VIN", "SMS", "min", "OK"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._code += 1
        named = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and named.get("type") in BUTTON_TYPES
            )
            if readable and value:
                self.found.append(value)
        if tag == "meta" and named.get("name") == "description" and named.get("content"):
            self.found.append(named["content"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._code:
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.found.append(data)


def shown_text(source: str, env: Environment, *, html: bool) -> list[str]:
    """The template's own text, with what Jinja fills in replaced by FILLED."""
    pieces: list[str] = []
    in_trans = False
    tokens = list(env.lex(source))
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "data":
            pieces.append(FILLED if in_trans else value)
            continue
        if kind == "block_begin":
            name = next((v for _l, k, v in tokens[index + 1 :] if k == "name"), "")
            if name == "trans":
                in_trans = True
            elif name == "endtrans":
                in_trans = False
        pieces.append(FILLED)
    text = "".join(pieces)
    if not html:
        return [text]
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.found


def unmarked_words(path: Path, env: Environment) -> list[str]:
    texts = shown_text(path.read_text(encoding="utf-8"), env, html=path.suffix == ".html")
    found = []
    for text in texts:
        for part in text.split(FILLED):
            words = " ".join(part.split())
            if words and words not in SAME_IN_EVERY_LANGUAGE and WORD.search(words):
                found.append(words)
    return found


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_word_a_template_shows_is_marked_for_translation(path):
    words = unmarked_words(path, LEXER)
    assert not words, f"{path.relative_to(TEMPLATES)} shows unmarked text: {words[:8]}"


def test_the_check_finds_unmarked_text_and_passes_marked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{{ _("Book a visit") }}</h1><p title="Opening hours">{{ hours }}</p>'
        "{% trans %}Hello {{ name }}{% endtrans %}<script>let x = 'code';</script>"
        '<td data-label="Price">{{ price }}</td> · {{ count }} visits'
        '<input type="submit" value="Save">',
        encoding="utf-8",
    )
    assert unmarked_words(page, LEXER) == ["Opening hours", "Price", "visits", "Save"]
