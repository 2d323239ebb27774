"""Checks that an HTML report is well formed and self-contained.

Usage: html_check.py FILE
Prints a JSON object: {"errors": [...], "images": N, "svgs": N}. Errors list unclosed or
mismatched tags, images whose source is not a data URI, and any reference that would make a
browser fetch something (http, https or protocol-relative URLs, src/href to files).
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "circle", "line", "rect", "polyline", "path"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.images = 0
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            self.images += 1
            source = attributes.get("src") or ""
            if not source.startswith("data:image/png;base64,"):
                self.errors.append(f"image source is not an embedded PNG: {source[:60]}")
        if tag == "svg":
            self.svgs += 1
        for name in ("src", "href", "xlink:href", "action"):
            value = attributes.get(name)
            if value is not None and not value.startswith("data:") and not value.startswith("#"):
                self.errors.append(f"<{tag} {name}={value[:60]}> refers to an outside resource")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"closing </{tag}> does not match open <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    checker = Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.errors.append(f"unclosed tags at the end: {checker.stack}")
    if not text.lstrip().lower().startswith("<!doctype html>"):
        checker.errors.append("missing <!DOCTYPE html>")
    for match in re.finditer(r"(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}", text):
        checker.errors.append(f"URL in the page: {match.group(0)}")
    print(json.dumps({"errors": checker.errors, "images": checker.images, "svgs": checker.svgs}))


if __name__ == "__main__":
    main()
