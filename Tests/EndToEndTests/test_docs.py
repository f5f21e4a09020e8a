"""Every link in README.md and docs/ leads somewhere inside this repository.

A clone has nothing outside it, so a relative link must name a file or folder of the checkout,
and a `#fragment` must name a heading of the target (GitHub's anchor rules: lower case,
punctuation dropped, spaces to hyphens, `-1`, `-2` … for repeats). Web links (http, https,
mailto) are only checked for form: the test machine has no network.
"""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and [text](target "title"), not images' data; reference-style definitions too.
INLINE_LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading (before de-duplication)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").strip().lower()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "-_ " or category[0] in ("L", "N"):
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    anchors = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        base = github_anchor(match.group(1))
        count = seen.get(base, 0)
        anchors.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    for match in re.finditer(r"<a\s+(?:name|id)=\"([^\"]+)\"", text):
        anchors.add(match.group(1))
    return anchors


def links_of(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    text = INLINE_CODE.sub("", text)
    return INLINE_LINK.findall(text) + REFERENCE_DEFINITION.findall(text)


def test_docs_whenListed_includeTheDesign():
    assert ROOT / "docs" / "design.md" in DOCS
    assert len(DOCS) >= 5


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_whenFollowed_leadToAFileAndHeadingOfTheCheckout(doc: Path):
    problems = []
    links = links_of(doc)
    assert links, f"{doc} has no links: the link pattern no longer matches"
    for target in links:
        if re.match(r"^(https?|mailto):", target):
            assert " " not in target, f"{doc.name}: malformed web link {target!r}"
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (doc.parent / path_part).resolve() if path_part else doc
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target!r} leads outside the repository ({resolved})")
            continue
        if not resolved.exists():
            problems.append(f"{target!r}: {resolved.relative_to(ROOT)} does not exist")
            continue
        if fragment and resolved.suffix == ".md":
            if fragment not in anchors_of(resolved):
                problems.append(f"{target!r}: no heading #{fragment} in {resolved.relative_to(ROOT)}")
    assert not problems, f"{doc.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


def test_repository_whenSearched_namesNoFileOutsideIt():
    """No tracked text file points at ../shared (the steering folder a clone does not have)."""
    offenders = []
    for path in [*DOCS, *(ROOT / "Sources").rglob("*.swift"), *(ROOT / "schemas").rglob("*.json"),
                 *(ROOT / "ops").rglob("*.*")]:
        if path.is_file() and path.suffix in {".md", ".swift", ".json", ".yaml", ".py", ".sh"}:
            if "../shared" in path.read_text(encoding="utf-8", errors="replace"):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, "files naming ../shared: " + ", ".join(offenders)


def test_githubAnchor_whenHeadingHasCodeAndDashes_matchesGitHub():
    assert github_anchor("`almanac.app.configured` — `config`, key app id") == "almanacappconfigured--config-key-app-id"
    assert github_anchor("Idempotency and \"exactly once\"") == "idempotency-and-exactly-once"
    assert github_anchor("4. Schedules and time") == "4-schedules-and-time"
