#!/usr/bin/env python3
"""Builds crates/kasane-domain/data/itaiji.txt, the 異体字 groups 名寄せ folds, from Unihan.

Run once when the Unicode version or the hand-kept lists change, and commit the result:

    apt-get download unicode-data && dpkg -x unicode-data_*.deb /tmp/ucd
    python3 scripts/unihan-itaiji.py /tmp/ucd/usr/share/unicode

The directory holds Unihan_Variants.txt, Unihan_IRGSources.txt and Unihan_OtherMappings.txt
(plain or .bz2, as Debian's unicode-data ships them), or Unihan.zip. Unihan is © Unicode,
Inc., under the Unicode License v3 (crates/kasane-domain/data/LICENSE-UNICODE); the output
is a modified extract of it, and says so in its header.

What is kept, and why (both characters always with a Japanese source, kIRG_JSource):
- the official pairs: kJinmeiyoKanji "2010:U+xxxx" (a 人名用漢字 that is the 旧字体 of a
  常用漢字) and kJoyoKanji "U+xxxx" (a 常用漢字's other form, 𠮟/叱);
- kZVariant pairs: one character, two glyphs;
- kSemanticVariant and kSpoofingVariant pairs only where exactly one of the two is in JIS X
  0208 (kJis0): the other is then a 異体字 outside the everyday set, as 戸籍 and older
  systems hold them (濵 for 濱). Between two JIS X 0208 characters these fields also link
  characters that are different names (子/只, 佑/祐, 咲/笑, 荘/庄), so those are left out.
- Never kSimplifiedVariant / kTraditionalVariant (Chinese simplification: 后 is not 後 in a
  Japanese name) nor kSpecializedSemanticVariant (alike in some senses only).
- The hand-kept groups (itaiji-curated.txt) come first and keep their canonical forms; a
  pair that would join two of them, or any pair in itaiji-distinct.txt, is left out.
- A group never grows beyond MAX_GROUP: chains of semantic variants would otherwise join
  characters no reader would take for one another.
- The canonical form of a new group is its 常用漢字, else its 人名用漢字, else its JIS X
  0208 character, else its lowest code point.
"""

import bz2
import io
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "crates", "kasane-domain", "data")
LOOSE = ("kSemanticVariant", "kSpoofingVariant")
MAX_GROUP = 4


def lines(source, name):
    """The lines of Unihan file `name` in `source` (a directory or Unihan.zip)."""
    if source.endswith(".zip"):
        with zipfile.ZipFile(source) as z:
            return io.TextIOWrapper(z.open(name), encoding="utf-8").read().splitlines()
    path = os.path.join(source, name)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    with bz2.open(path + ".bz2", "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def records(source, name):
    for line in lines(source, name):
        if line.startswith("#") or not line.strip():
            continue
        code, field, value = line.split("\t", 2)
        yield chr(int(code[2:], 16)), field, value


def is_unified_ideograph(c):
    o = ord(c)
    # The 12 unified ideographs of the compatibility block (﨑 U+FA11 among them) are kept;
    # the others are folded by NFKC before the table is consulted.
    compat_unified = {0xFA0E, 0xFA0F, 0xFA11, 0xFA13, 0xFA14, 0xFA1F, 0xFA21, 0xFA23,
                      0xFA24, 0xFA27, 0xFA28, 0xFA29}
    return (0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0x20000 <= o <= 0x3FFFF
            or o in compat_unified)


def code_point(s):
    """`U+6FF5` (with or without a `<source` annotation) as a character."""
    return chr(int(re.match(r"U\+([0-9A-F]+)", s).group(1), 16))


def hand_kept(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def main(source):
    japanese = {c for c, field, _ in records(source, "Unihan_IRGSources.txt")
                if field == "kIRG_JSource"}
    rank = {}
    jis0208 = set()
    official = []
    for c, field, value in records(source, "Unihan_OtherMappings.txt"):
        order = {"kJoyoKanji": 0, "kJinmeiyoKanji": 1, "kJis0": 2}.get(field)
        if order is not None:
            rank[c] = min(rank.get(c, 9), order)
        if field == "kJis0":
            jis0208.add(c)
        if field in ("kJoyoKanji", "kJinmeiyoKanji"):
            official += [(c, code_point(t)) for t in re.findall(r"U\+[0-9A-F]+", value)]
    loose = []
    for c, field, value in records(source, "Unihan_Variants.txt"):
        for target in value.split():
            other = code_point(target)
            if field == "kZVariant" or (field in LOOSE and ((c in jis0208) != (other in jis0208))):
                loose.append((c, other))

    def usable(pairs):
        return sorted({tuple(sorted(p)) for p in pairs if p[0] != p[1] and set(p) <= japanese
                       and all(map(is_unified_ideograph, p))})

    # Official pairs first; then the others, which may not join two groups that each hold a
    # JIS X 0208 character (a chain of variants would join 暦 and 歴 through 曆/歷, 瀕 and 濱
    # through 濵).
    pairs = [(p, True) for p in usable(official)] + [(p, False) for p in usable(loose)]

    curated = hand_kept("itaiji-curated.txt")
    distinct = {tuple(sorted(l)) for l in hand_kept("itaiji-distinct.txt")}
    group_of = {}  # char -> index into groups
    groups = []
    fixed = []  # whether the group's canonical is the hand-kept one
    for g in curated:
        for c in g:
            group_of[c] = len(groups)
        groups.append(list(g))
        fixed.append(True)

    skipped = 0
    for (a, b), is_official in pairs:
        if (a, b) in distinct:
            skipped += 1
            continue
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and ga == gb:
            continue
        members = (groups[ga] if ga is not None else [a]) + (groups[gb] if gb is not None else [b])
        if (ga is not None and gb is not None and fixed[ga] and fixed[gb]) or len(members) > MAX_GROUP:
            skipped += 1
            continue
        if not is_official and all(
            any(c in jis0208 for c in (groups[g] if g is not None else [x]))
            for g, x in ((ga, a), (gb, b))
        ):
            skipped += 1
            continue
        if any(tuple(sorted((x, y))) in distinct for x in members for y in members if x < y):
            skipped += 1
            continue
        keep = ga if ga is not None else gb
        if keep is None:
            keep = len(groups)
            groups.append([])
            fixed.append(False)
        elif ga is not None and gb is not None and fixed[gb]:
            keep = gb
        merged = groups[keep] + [c for c in members if c not in groups[keep]]
        for other in (ga, gb):
            if other is not None and other != keep:
                groups[other] = []
        groups[keep] = merged
        for c in merged:
            group_of[c] = keep

    out = []
    for g, is_fixed in zip(groups, fixed):
        if len(g) < 2:
            continue
        if not is_fixed:
            g = sorted(g, key=lambda c: (rank.get(c, 9), ord(c)))
        out.append("".join(g))
    header = (
        "# 異体字・旧字体 groups for 名寄せ: one group per line, the canonical form first.\n"
        "# Generated by scripts/unihan-itaiji.py from the Unicode Han Database (Unihan,\n"
        "# kZVariant, kSemanticVariant, kSpoofingVariant; characters with a Japanese source),\n"
        "# merged with itaiji-curated.txt. Modified from the Unicode data: filtered and grouped.\n"
        "# Unihan © Unicode, Inc., under the Unicode License v3: see LICENSE-UNICODE.\n"
    )
    with open(os.path.join(DATA, "itaiji.txt"), "w", encoding="utf-8") as f:
        f.write(header + "\n".join(out) + "\n")
    print(f"{len(out)} groups, {sum(map(len, out))} characters ({skipped} pairs left out)",
          file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
